/**
 * Interop with a second, independent broker: Debian's Mosquitto, started by the tests on 127.0.0.1
 * with a generated config (password file, the embedded broker's ACL as an acl_file, a TLS listener
 * with a CA and server certificate generated per run). Delivery and fault tests against it live in
 * broker-faults.test.ts and gateway-faults.test.ts; this file covers what differs between brokers:
 * the ACL mirror, a refused publish under MQTT 3.1.1, TLS with certificate validation, and the
 * backend watcher over TLS.
 *
 * Skipped with the reason in the suite name when Mosquitto (or openssl, for TLS) is missing;
 * TOUCHPOINT_REQUIRE_MOSQUITTO=1 (CI) turns a missing tool into a failing test.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  buildTopic,
  configSetTopic,
  contentTopic,
  deviceTopicHash,
  sensorTopic,
  statusTopic,
  telemetryTopic,
  userTopic,
} from '../../protocol/messages/index.js';
import { mayPublish, maySubscribe, type Principal } from '../broker/acl.js';
import { openOutbox, type Outbox } from '../publish/outbox.js';
import { createPublisher, type Publisher, type PublisherOptions } from '../publish/publisher.js';
import { range } from '../publish/test-support/collector.js';
import { startGateway } from '../run/gateway.js';
import { runWatch } from '../watch/watch.js';
import { SequenceTracker } from '../watch/sequence-tracker.js';
import { BACKEND_USER, startBrokerUnderTest, TEST_PASSWORD, type BrokerUnderTest } from './test-support/brokers.js';
import { faultReport, printReport } from './test-support/fault-kit.js';
import {
  detectMosquitto,
  mosquittoAcl,
  mosquittoPasswordHash,
  mosquittoSuiteName,
  REQUIRE_MOSQUITTO_ENV,
  startMosquitto,
  writePasswordFile,
  type MosquittoUser,
} from './test-support/mosquitto.js';
import { loadStore, startTouchDevice, STORE_SITE } from './test-support/store.js';
import { sampleEvent } from '../publish/test-support/fixtures.js';
import { findOpenssl } from './test-support/tls.js';

const SITE = 's1';
const WAIT = { timeout: 30_000, interval: 10 };
const mq = detectMosquitto();
const openssl = findOpenssl();

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('Mosquitto password file format', () => {
  // Lines written by mosquitto_passwd 2.0.11 (Debian bookworm package mosquitto 2.0.11-1.2):
  //   mosquitto_passwd -b -c pw gw-a secret1; mosquitto_passwd -b pw backend secret2
  const VECTORS = [
    { user: 'gw-a', password: 'secret1', line: '$7$101$Ho6fLH78l7PE0Jlr$etUllDnabKtu8oHQK6f4CYc+J4nK3WW7S/gby0qH5cegLFhBrgxQ6lDNNekgR+sLdsM30ckYvYu7d9+WhJoCMg==' },
    { user: 'backend', password: 'secret2', line: '$7$101$QiYu5W5b/Ybatij/$db7VSCJJqUfxhfDc1NGG5SON9oEVuuSl80E0FGNUYCkhZQxgehhSMSnjCFIBTLFxyqAw8fyZuyxiAfinSzR44g==' },
  ];

  it('reproduces mosquitto_passwd’s PBKDF2-SHA512 lines from their salt (the fallback when mosquitto_passwd is absent)', () => {
    for (const v of VECTORS) {
      const salt = Buffer.from(v.line.split('$')[3]!, 'base64');
      expect(mosquittoPasswordHash(v.password, salt)).toBe(v.line);
      expect(mosquittoPasswordHash(`${v.password}x`, salt)).not.toBe(v.line);
    }
  });

  it('uses a fresh 12-byte salt for every hash', () => {
    const a = mosquittoPasswordHash('same');
    const b = mosquittoPasswordHash('same');
    expect(a).not.toBe(b);
    expect(Buffer.from(a.split('$')[3]!, 'base64')).toHaveLength(12);
    expect(a).toMatch(/^\$7\$101\$[A-Za-z0-9+/]{16}\$[A-Za-z0-9+/]{86}==$/);
  });
});

describe('Mosquitto availability', () => {
  it(`the Mosquitto suites run, or skip saying why; under ${REQUIRE_MOSQUITTO_ENV}=1 (CI) a missing mosquitto or openssl fails here`, () => {
    if (mq.required) {
      expect(mq.ok, mq.reason).toBe(true);
      expect(openssl, 'openssl not installed (apt-get install openssl)').toBeDefined();
    }
    const name = mosquittoSuiteName('suite', mq);
    if (mq.ok) expect(name).toBe(`suite [mosquitto ${mq.version}]`);
    else expect(name).toBe(`suite — SKIPPED: ${mq.reason}; ${REQUIRE_MOSQUITTO_ENV}=1 makes this a failure`);
    expect(mosquittoSuiteName('x', { ok: false, required: false, reason: 'mosquitto not installed (apt-get install mosquitto)' })).toMatch(/SKIPPED: mosquitto not installed \(apt-get install mosquitto\); TOUCHPOINT_REQUIRE_MOSQUITTO=1/);
  });
});

const DEVICE_HASH = deviceTopicHash('install-0123456789abcdef');
const USERS: MosquittoUser[] = [
  { username: 'gw-a', password: TEST_PASSWORD, role: 'gateway', site: SITE, gateway: 'gw-a' },
  { username: 'gw-b', password: TEST_PASSWORD, role: 'gateway', site: SITE, gateway: 'gw-b' },
  { username: BACKEND_USER, password: TEST_PASSWORD, role: 'backend' },
  { username: 'app', password: TEST_PASSWORD, role: 'phone', site: SITE, deviceHash: DEVICE_HASH },
];

function principal(u: MosquittoUser): Principal {
  switch (u.role) {
    case 'gateway':
      return { role: 'gateway', username: u.username, site: u.site!, gateway: u.gateway ?? u.username };
    case 'backend':
      return { role: 'backend', username: u.username };
    case 'phone':
      return { role: 'phone', username: u.username, site: u.site!, deviceHash: u.deviceHash! };
  }
}

async function client(url: string, u: MosquittoUser, opts: IClientOptions = {}): Promise<MqttClient> {
  const c = await mqtt.connectAsync(url, { username: u.username, password: u.password, clientId: `${u.username}-${Math.random().toString(36).slice(2, 8)}`, reconnectPeriod: 0, ...opts }, false);
  cleanups.push(() => c.endAsync(true));
  return c;
}

describe.skipIf(!mq.ok)(mosquittoSuiteName('Mosquitto interop', mq), () => {
  it('its own password hashes and mosquitto_passwd’s are both accepted by the broker; a wrong password is refused', async () => {
    const dir = tempDir('tp-mq-pw-');
    const m = await startMosquitto({ dir, users: USERS, ownPasswordHashes: true });
    cleanups.push(() => m.close());
    await expect(client(m.urls.mqtt, USERS[2]!)).resolves.toBeDefined();
    await expect(client(m.urls.mqtt, { ...USERS[2]!, password: 'wrong' })).rejects.toThrow(/Not authorized|Bad username/i);
    if (mq.passwd) {
      writePasswordFile(join(dir, 'passwd-tool'), [USERS[0]!], mq.passwd);
      const line = readFileSync(join(dir, 'passwd-tool'), 'utf8').trim();
      const [user, hash] = line.split(':');
      expect(user).toBe('gw-a');
      expect(mosquittoPasswordHash(TEST_PASSWORD, Buffer.from(hash!.split('$')[3]!, 'base64'))).toBe(hash);
    }
  });

  it('the generated ACL decides every publish and read exactly as the embedded broker’s acl.ts (MQTT 5 reason codes show Mosquitto’s decision)', { timeout: 60_000 }, async () => {
    const m = await startMosquitto({ dir: tempDir('tp-mq-acl-'), users: USERS });
    cleanups.push(() => m.close());
    const topics = [
      ...['gw-a', 'gw-b'].flatMap((g) => [sensorTopic(SITE, g), statusTopic(SITE, g), telemetryTopic(SITE, g), buildTopic({ kind: 'config-state', siteId: SITE, gatewayId: g }), configSetTopic(SITE, g)]),
      buildTopic({ kind: 'site-config-set', siteId: SITE }),
      sensorTopic('s2', 'gw-a'),
      userTopic(SITE),
      userTopic('s2'),
      contentTopic(SITE, DEVICE_HASH),
      contentTopic(SITE, deviceTopicHash('someone-else-0123456')),
    ];

    // Publish: Mosquitto answers an MQTT 5 PUBACK with 0x87 (Not authorized) where 3.1.1 gets a plain PUBACK.
    const mismatches: string[] = [];
    for (const u of USERS) {
      const c = await client(m.urls.mqtt, u, { protocolVersion: 5 });
      for (const t of topics) {
        const allowed = await c.publishAsync(t, '{}', { qos: 1 }).then(
          () => true,
          (e: { code?: number }) => {
            if (e.code !== 0x87) throw e;
            return false;
          },
        );
        const expected = mayPublish(principal(u), t, false).ok;
        if (allowed !== expected) mismatches.push(`${u.username} publish ${t}: mosquitto ${allowed}, embedded ${expected}`);
      }
    }

    // Read: Mosquitto 2.0 grants any SUBSCRIBE and filters each delivery by the read ACL (the
    // embedded broker refuses the filter with SUBACK 0x80). Compare "does a message on t reach u".
    // Each reader subscribes to #, every topic gets a probe from a user allowed to write it, then the
    // reader's own sentinel; a broker delivers to one subscriber in order, so a probe that has not
    // arrived before the sentinel never will.
    const writerOf = (t: string) => USERS.find((w) => mayPublish(principal(w), t, false).ok);
    const sentinelOf = (u: MosquittoUser) =>
      u.role === 'gateway' ? configSetTopic(SITE, u.gateway!) : u.role === 'phone' ? contentTopic(SITE, u.deviceHash!) : configSetTopic(SITE, 'gw-a');
    const writers = new Map<string, MqttClient>();
    for (const u of USERS) writers.set(u.username, await client(m.urls.mqtt, u));
    for (const u of USERS) {
      const reader = await client(m.urls.mqtt, u);
      const got: string[] = [];
      const sentinel = `sentinel-${u.username}`;
      let onSentinel = () => {};
      const sentinelSeen = new Promise<void>((r) => (onSentinel = r));
      reader.on('message', (t, p) => (p.toString() === sentinel ? onSentinel() : got.push(t)));
      await reader.subscribeAsync('#', { qos: 1 });
      for (const t of topics) {
        const w = writerOf(t);
        if (w) await writers.get(w.username)!.publishAsync(t, `probe ${t}`, { qos: 1 });
      }
      await writers.get(BACKEND_USER)!.publishAsync(sentinelOf(u), sentinel, { qos: 1 });
      await sentinelSeen;
      for (const t of topics) {
        if (!writerOf(t)) continue;
        const received = got.includes(t);
        const expected = maySubscribe(principal(u), t).ok;
        if (received !== expected) mismatches.push(`${u.username} read ${t}: mosquitto ${received}, embedded ${expected}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('MQTT 3.1.1: a publish the ACL denies gets a normal PUBACK and is discarded — the outbox deletes it as delivered; only the backend’s sequence gap shows it', { timeout: 60_000 }, async () => {
    const b = await startBrokerUnderTest('mosquitto', { dir: tempDir('tp-mq-deny-'), site: SITE, gateways: ['gw-a'] });
    cleanups.push(() => b.close());
    const m = b.mosquitto!;
    const o = outbox('gw-a');
    const pub = publisher(b, o, b.url);
    const acl = mosquittoAcl([USERS[0]!, USERS[2]!]);
    const deny = acl.replace(`topic write ${sensorTopic(SITE, 'gw-a')}\n`, '');
    expect(deny).not.toBe(acl);
    await m.reloadAcl(acl);

    append(o, 0, 10);
    await vi.waitFor(() => expect(b.collector.unique('gw-a').size).toBe(10), WAIT);

    await m.reloadAcl(deny);
    const deniedLines = () => m.logs().filter((l) => l.startsWith('Denied PUBLISH from gw-a') && l.includes(sensorTopic(SITE, 'gw-a'))).length;
    append(o, 10, 10);
    await vi.waitFor(() => expect(o.depth()).toBe(0), WAIT);
    await vi.waitFor(() => expect(deniedLines()).toBe(10), WAIT);
    // An MQTT 5 client with the same login is told: reason code 0x87 Not authorized.
    const v5 = await client(m.urls.mqtt, USERS[0]!, { protocolVersion: 5 });
    await expect(v5.publishAsync(sensorTopic(SITE, 'gw-a'), '{}', { qos: 1 })).rejects.toMatchObject({ code: 0x87 });

    await m.reloadAcl(acl);
    append(o, 20, 10);
    await vi.waitFor(() => expect(b.collector.unique('gw-a').size).toBe(20), WAIT);
    await vi.waitFor(() => expect(o.depth()).toBe(0), WAIT);

    // The gateway's view: 30 acknowledged, nothing dead-lettered, the connection never dropped.
    expect(pub.stats()).toMatchObject({ eventsPublished: 30, connectionLosses: 0, refusedDeadLettered: 0, strikes: { sensor: 0, status: 0, telemetry: 0 } });
    expect(o.stats().deadLetterDepth).toBe(0);
    // The backend's view: seqs 10–19 never arrived, and the sequence tracker reports them lost.
    expect(b.collector.firstArrivals('gw-a')).toEqual([...range(0, 10), ...range(20, 30)]);
    const tracker = new SequenceTracker();
    for (const a of b.collector.arrivals) tracker.observe({ siteId: SITE, gatewayId: a.gatewayId, seq: a.seq, messageId: a.messageId });
    expect(tracker.summary().lost).toBe(10);
    expect(tracker.gateway(`${SITE}/gw-a`)!.missing).toEqual([[10, 19]]);
    printReport(faultReport('publish denied by the broker ACL (MQTT 3.1.1)', 'mosquitto', 'gw-a', range(0, 30), b.collector, [], { acknowledgedAndDiscarded: 10 }));
  });

  describe.skipIf(!openssl)(openssl ? 'TLS (certificates generated with openssl for this run)' : 'TLS — SKIPPED: openssl not installed (apt-get install openssl)', () => {
    it('publishes over mqtts with certificate validation on; a wrong CA and no CA are both refused, their events stay queued', { timeout: 60_000 }, async () => {
      const b = await startBrokerUnderTest('mosquitto', { dir: tempDir('tp-mq-tls-'), site: SITE, gateways: ['gw-a', 'gw-b', 'gw-c'], tls: true });
      cleanups.push(() => b.close());
      const tls = (b as { tls?: { ca: Buffer; wrongCa: Buffer } }).tls!;
      const url = b.mosquitto!.urls.mqtts!;

      const ok = outbox('gw-a');
      append(ok, 0, 20);
      publisher(b, ok, url, { ca: tls.ca });
      await vi.waitFor(() => expect(b.collector.firstArrivals('gw-a')).toEqual(range(0, 20)), WAIT);

      const wrong = outbox('gw-b');
      append(wrong, 0, 5);
      const wrongPub = publisher(b, wrong, url, { ca: tls.wrongCa, reconnectPeriodMs: 200 });
      const none = outbox('gw-c');
      append(none, 0, 5);
      const nonePub = publisher(b, none, url, { reconnectPeriodMs: 200 });
      for (const p of [wrongPub, nonePub]) await vi.waitFor(() => expect(p.stats().lastError).toMatch(/certificate/i), WAIT);
      expect(wrongPub.stats().connects + nonePub.stats().connects).toBe(0);
      expect(wrong.sensorQueueDepth() + none.sensorQueueDepth()).toBe(10);
      expect(b.collector.unique('gw-b').size + b.collector.unique('gw-c').size).toBe(0);
    });

    it('end to end: touches on a pty → startGateway (login from passwordEnv) → Mosquitto → the backend watcher over TLS sees every seq, no loss, no invalid payload', { timeout: 90_000 }, async () => {
      const GW = 'gw-e2e';
      const b = await startBrokerUnderTest('mosquitto', { dir: tempDir('tp-mq-e2e-'), site: STORE_SITE, gateways: [GW], tls: true });
      cleanups.push(() => b.close());
      const tls = (b as { tls?: { ca: Buffer } }).tls!;
      const dir = tempDir('tp-mq-shelf-');
      const dev = await startTouchDevice(join(dir, 'dev'), 400, 150);
      cleanups.push(() => dev.close());
      const loaded = await loadStore({ dir, gatewayId: GW, touchPath: dev.path, broker: b.url, ...b.login(GW) });
      const COUNT = 6;
      let ready = () => {};
      const subscribed = new Promise<void>((r) => (ready = r));
      const watching = runWatch({ url: b.mosquitto!.urls.mqtts!, ca: tls.ca, username: BACKEND_USER, password: TEST_PASSWORD, siteId: STORE_SITE, count: COUNT, timeoutMs: 60_000, onReady: () => ready() });
      await subscribed;
      const accepted: number[] = [];
      const gateway = await startGateway({ ...loaded, log: () => {}, onAccepted: (msg) => accepted.push(msg.seq) });
      cleanups.push(() => gateway.stop(0));
      const summary = await watching;
      expect(summary).toMatchObject({ stoppedBy: 'count', complete: true, lost: 0, invalid: 0, conflicts: 0 });
      expect(summary.gateways[`${STORE_SITE}/${GW}`]).toMatchObject({ firstSeq: 0, lost: 0 });
      expect(summary.statuses).toBeGreaterThanOrEqual(1);
      expect(accepted.slice(0, COUNT)).toEqual(range(0, COUNT));
    });
  });
});

function outbox(gatewayId: string): Outbox {
  const o = openOutbox({ path: join(tempDir('tp-mq-outbox-'), 'outbox.db'), gatewayId, siteId: SITE, onPressure: () => {} });
  cleanups.push(() => o.close());
  return o;
}

function publisher(b: BrokerUnderTest, o: Outbox, url: string, opts: Partial<PublisherOptions> = {}): Publisher {
  const pub = createPublisher({ url, outbox: o, ...b.login(o.gatewayId), reconnectPeriodMs: 50, telemetryIntervalMs: 0, log: () => {}, ...opts });
  cleanups.push(() => pub.stop({ graceful: false }));
  pub.start();
  return pub;
}

function append(o: Outbox, from: number, n: number): void {
  for (let i = from; i < from + n; i++) {
    const r = o.append(sampleEvent(SITE, o.gatewayId, i));
    if (!r.ok) throw new Error(`append refused: ${r.reason}`);
  }
}
