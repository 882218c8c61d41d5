/**
 * The backend on a real embedded broker (aedes on 127.0.0.1, port 0) with MQTT.js clients in the
 * roles of gateway and phone: delivery, de-duplication, both arrival orders, the content item on
 * the phone's own topic, the rate limit, and two instances splitting one $share group.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { contentTopic, decodeFromTopic, deviceTopicHash, type SensorCommunication, type UserCommunication } from '../../protocol/messages/index.js';
import { startBroker, type RunningBroker } from '../broker/broker.js';
import { hashPassword, type UserEntry } from '../broker/users.js';
import { startBackend, type BackendOptions, type RunningBackend } from './backend.js';
import { createCatalog } from './items.js';
import type { MatchInfo } from './processor.js';
import { CRM_CSV, DEVICE_A, DEVICE_B, GATEWAY, publication, sensorComm, SITE, T0, userComm } from './test-support.js';

const WAIT = { timeout: 15_000, interval: 20 };
const PASSWORD = 'correct-horse-battery';

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

let users: UserEntry[];
beforeAll(async () => {
  const password = await hashPassword(PASSWORD, { N: 1024, r: 8, p: 1 }); // test-only cost
  users = [
    { username: GATEWAY, role: 'gateway', site: SITE, gateway: GATEWAY, password },
    { username: 'backend', role: 'backend', password },
    { username: 'app', role: 'phone', site: SITE, password },
  ];
});

async function broker(): Promise<RunningBroker> {
  const b = await startBroker({ port: 0, users });
  cleanups.push(() => b.close());
  return b;
}

async function client(url: string, opts: IClientOptions): Promise<MqttClient> {
  const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, password: PASSWORD, ...opts }, false);
  cleanups.push(() => c.endAsync(true));
  return c;
}

async function backend(b: RunningBroker, opts: Partial<BackendOptions> = {}): Promise<RunningBackend> {
  const be = await startBackend({ url: b.urls.mqtt, dbPath: ':memory:', username: 'backend', password: PASSWORD, ...opts });
  cleanups.push(() => be.close());
  return be;
}

/** The gateway and the phone app: each publishes only what its role allows. */
async function senders(b: RunningBroker) {
  const gateway = await client(b.urls.mqtt, { username: GATEWAY, clientId: GATEWAY });
  const phone = await client(b.urls.mqtt, { username: 'app', clientId: 'phone-sender-0123456789' });
  const send = async (m: SensorCommunication | UserCommunication) => {
    const p = publication(m);
    await (m.kind === 'sensor-communication' ? gateway : phone).publishAsync(p.topic, p.payload, { qos: 1 });
  };
  return { gateway, phone, send };
}

function collectMatches(be: RunningBackend): MatchInfo[] {
  const out: MatchInfo[] = [];
  be.events.on('match', (m) => out.push(m));
  return out;
}

describe('backend over MQTT', () => {
  it('stores, de-duplicates and matches in both arrival orders', async () => {
    const b = await broker();
    const be = await backend(b);
    const matches = collectMatches(be);
    const { send } = await senders(b);

    const s1 = sensorComm({ seq: 1, ts: T0 });
    await send(s1);
    await send(userComm({ deviceId: DEVICE_A, ts: T0 + 1500 })); // user after sensor
    await send(userComm({ deviceId: DEVICE_B, ts: T0 + 60_000 }));
    await send(sensorComm({ seq: 2, ts: T0 + 62_000 })); // sensor after user
    await send(s1); // QoS 1 redelivery / gateway replay
    await vi.waitFor(() => expect(be.stats().received).toBe(5), WAIT);

    expect(matches.map((m) => [m.deviceId, m.by, m.deltaMs])).toEqual([
      [DEVICE_A, 'user', 1500],
      [DEVICE_B, 'sensor', -2000],
    ]);
    expect(be.stats()).toMatchObject({ sensorCommunications: 2, userCommunications: 2, duplicates: 1, matches: 2, invalid: 0 });
  });

  it('counts invalid payloads and keeps going', async () => {
    const b = await broker();
    const be = await backend(b);
    const { gateway, send } = await senders(b);
    const p = publication(sensorComm({ seq: 1, ts: T0 }));
    await gateway.publishAsync(p.topic, '{"v":1,"kind":"sensor-communication"}', { qos: 1 });
    await gateway.publishAsync(p.topic, 'not json', { qos: 1 });
    await send(sensorComm({ seq: 1, ts: T0 }));
    await vi.waitFor(() => expect(be.stats()).toMatchObject({ received: 3, invalid: 2, sensorCommunications: 1 }), WAIT);
  });

  it('references the user, publishes the content item to the phone’s own topic, and rate-limits it', async () => {
    const b = await broker();
    const be = await backend(b, {
      crmCsv: CRM_CSV,
      crm: { defaultCountry: 'US' },
      catalog: createCatalog({ items: [{ itemId: 'sku-88412', name: 'Pro fielding glove', stock: 2 }] }),
      contentPeriodMs: 600_000,
    });
    expect(be.crm).toMatchObject({ customers: 12, rejected: 0 });
    // The phone logs in with its install ID as client ID: the ACL lets it read only sha256(ID)'s content topic.
    const phone = await client(b.urls.mqtt, { username: 'app', clientId: DEVICE_A });
    const received: { topic: string; payload: string }[] = [];
    phone.on('message', (topic, payload) => received.push({ topic, payload: payload.toString() }));
    await phone.subscribeAsync(contentTopic(SITE, deviceTopicHash(DEVICE_A)), { qos: 1 });
    const sent: string[] = [];
    be.events.on('content-item', (e) => sent.push(e.message.messageId));
    const users: boolean[] = [];
    be.events.on('user', (e) => users.push(e.referenced));
    const { send } = await senders(b);

    await send(userComm({ deviceId: DEVICE_A, ts: T0, identity: { email: 'person@example.com', phone: '+1 650 253 1234' } }));
    await send(sensorComm({ seq: 1, ts: T0 + 800, type: 'touch' }));
    await vi.waitFor(() => expect(received).toHaveLength(1), WAIT);

    const d = decodeFromTopic(received[0]!.topic, received[0]!.payload);
    if (!d.ok) throw new Error(JSON.stringify(d.errors));
    expect(d.message).toMatchObject({ kind: 'content-item', deviceId: DEVICE_A, itemId: 'sku-88412', contentKind: 'incentive', siteId: SITE });
    await vi.waitFor(() => expect(sent).toEqual([(d.message as { messageId: string }).messageId]), WAIT); // after PUBACK
    expect(users).toEqual([true]);

    await send(sensorComm({ seq: 2, ts: T0 + 1600, type: 'hold' }));
    await vi.waitFor(() => expect(be.stats().rateLimited).toBe(1), WAIT);
    expect(be.stats()).toMatchObject({ contentItems: 1, referenced: 1, anonymous: 0 });
    expect(received).toHaveLength(1);
  });

  it('two instances in one $share group split the stream, each message handled once, and still match across instances', async () => {
    const b = await broker();
    const dir = mkdtempSync(join(tmpdir(), 'tp-backend-share-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const dbPath = join(dir, 'backend.db');
    const one = await backend(b, { dbPath, share: 'backend' });
    const two = await backend(b, { dbPath, share: 'backend' });
    await vi.waitFor(() => expect(b.shared.memberCount(one.subscriptions[1]!)).toBe(2), WAIT);
    const seen = new Map<string, string[]>();
    for (const [name, be] of [['one', one], ['two', two]] as const) {
      be.events.on('sensor', (e) => seen.set(e.message.messageId, [...(seen.get(e.message.messageId) ?? []), name]));
      be.events.on('user', (e) => seen.set(e.message.messageId, [...(seen.get(e.message.messageId) ?? []), name]));
    }
    const { send } = await senders(b);
    // One unmatched user communication first, so the round robin of the user group is one step
    // ahead of the sensor group's and pairs land on different instances.
    await send(userComm({ deviceId: 'install-ffffffffffffffff', ts: T0 - 3_600_000 }));
    const N = 12;
    const pairs = Array.from({ length: N }, (_, i) => ({
      s: sensorComm({ seq: i + 1, ts: T0 + i * 60_000 }),
      u: userComm({ deviceId: `install-${String(i).padStart(16, '0')}`, ts: T0 + i * 60_000 + 1000 }),
    }));
    for (const { s, u } of pairs) {
      await send(s);
      await send(u);
    }
    await vi.waitFor(() => expect(one.stats().received + two.stats().received).toBe(2 * N + 1), WAIT);

    expect(one.stats().received).toBeGreaterThan(0);
    expect(two.stats().received).toBeGreaterThan(0);
    expect([...seen.values()].every((handlers) => handlers.length === 1)).toBe(true);
    expect(seen.size).toBe(2 * N + 1);
    expect(one.stats().duplicates + two.stats().duplicates).toBe(0);
    // The file is shared, so a pair split across instances still matches, exactly once.
    expect(one.stats().matches + two.stats().matches).toBe(N);
    const split = pairs.filter(({ s, u }) => seen.get(s.messageId)![0] !== seen.get(u.messageId)![0]);
    expect(split.length).toBeGreaterThan(0);
    expect(one.store.db.prepare('SELECT COUNT(*) FROM matches').pluck().get()).toBe(N);
  });

  it('refuses to start on a broker that will not let it subscribe', async () => {
    const b = await broker();
    await expect(startBackend({ url: b.urls.mqtt, dbPath: ':memory:', username: 'app', password: PASSWORD, clientId: 'phone-0123456789abcdef' })).rejects.toThrow(
      /refused the subscription/,
    );
  });
});
