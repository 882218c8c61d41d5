/**
 * Remote configuration end to end: the real gateway (startGateway on the simulated radio), the real
 * embedded broker (aedes on 127.0.0.1, random port), a backend client publishing retained
 * config/set and reading config/state. Delivery is proven by the retained state messages, never by
 * sleeping.
 */
import { EventEmitter } from 'node:events';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { configStateTopic, parseConfigState, type ConfigState, type SensorCommunication } from '../../protocol/messages/index.js';
import { hashPassword, startBroker, type RunningBroker } from '../broker/index.js';
import type { LogRecord } from '../publish/publisher.js';
import { startGateway, type RunningGateway } from '../run/gateway.js';
import { REMOTE_CONFIG_FILE } from './persist.js';
import { createRemoteConfig, type RemoteTransport } from './remote-config.js';
import { cartAd, configSet, freeUdpPort, GATEWAY, loadStore, SITE, writeStore, type StoreFiles } from './test-support.js';

const WAIT = { timeout: 20_000, interval: 20 };

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function broker(options: Parameters<typeof startBroker>[0] = { anonymous: true }): Promise<RunningBroker> {
  const b = await startBroker({ port: 0, ...options });
  cleanups.push(() => b.close());
  return b;
}

interface Running {
  gw: RunningGateway;
  logs: LogRecord[];
  accepted: SensorCommunication[];
}

async function gateway(files: StoreFiles, extra: { brokerPassword?: string } = {}): Promise<Running> {
  const loaded = loadStore(files.configPath);
  if (extra.brokerPassword) loaded.config.broker.password = extra.brokerPassword;
  const logs: LogRecord[] = [];
  const accepted: SensorCommunication[] = [];
  const gw = await startGateway({ ...loaded, configPath: files.configPath, log: (r) => logs.push(r), onAccepted: (m) => accepted.push(m) });
  const original = gw.stop.bind(gw);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await original(0);
  };
  cleanups.push(stop);
  return { gw: Object.assign(gw, { stop }), logs, accepted };
}

/** A backend: publishes config/set, records every config/state it sees. */
async function backend(url: string, o: { username?: string; password?: string } = {}) {
  const client: MqttClient = await mqtt.connectAsync(url, { protocolVersion: 4, clientId: `backend-${Math.random().toString(16).slice(2)}`, reconnectPeriod: 0, ...o });
  cleanups.push(() => client.endAsync(true));
  const states: ConfigState[] = [];
  client.on('message', (topic, payload) => {
    if (topic !== configStateTopic(SITE, GATEWAY)) return;
    const p = parseConfigState(payload);
    if (p.ok) states.push(p.value);
  });
  await client.subscribeAsync(configStateTopic(SITE, GATEWAY), { qos: 1 });
  const publish = async (p: { topic: string; payload: string; qos: 0 | 1 | 2; retain: boolean }) => void (await client.publishAsync(p.topic, p.payload, { qos: p.qos, retain: p.retain }));
  const waitState = (pred: (s: ConfigState) => boolean) =>
    vi.waitFor(() => {
      const s = states.at(-1);
      expect(s && pred(s), JSON.stringify(states.at(-1))).toBe(true);
      return s!;
    }, WAIT);
  return { client, states, publish, waitState };
}

async function store(brokerUrl: string, extraYaml = ''): Promise<StoreFiles> {
  const files = writeStore({ brokerUrl, simPort: await freeUdpPort(), extraYaml });
  cleanups.push(() => files.cleanup());
  return files;
}

const proximities = (r: Running) => r.accepted.filter((m) => m.interaction.type === 'proximity').length;

describe('remote configuration over MQTT', () => {
  it('a live change is applied without a restart: a new proximity threshold changes what the pipeline emits', async () => {
    const b = await broker();
    const r = await gateway(await store(b.urls.mqtt));
    const be = await backend(b.urls.mqtt);
    // On connect the gateway reports what it runs: the local file, revision 0.
    await be.waitState((s) => s.status === 'applied' && s.revision === 0 && s.siteRevision === undefined);

    for (let i = 0; i < 3; i++) r.gw.pipeline.onAdvertisement(cartAd(-70));
    expect(proximities(r)).toBe(0); // -70 dBm is below the local default of -60

    await be.publish(configSet(1, { 'pipeline.proximity.rssiDbm': -75, 'telemetry.intervalMs': 5000 }));
    const s = await be.waitState((x) => x.revision === 1);
    expect(s).toMatchObject({ status: 'applied', revision: 1, config: { 'pipeline.proximity.rssiDbm': -75, 'telemetry.intervalMs': 5000 } });
    expect(r.gw.remote.config.pipeline.proximity.rssiDbm).toBe(-75);

    r.gw.pipeline.onAdvertisement(cartAd(-70));
    await vi.waitFor(() => expect(proximities(r)).toBe(1), WAIT);
    expect(r.logs.find((l) => l.event === 'config-applied')).toMatchObject({ source: 'gateway', revision: 1, changed: expect.arrayContaining(['pipeline', 'telemetry']) });
  });

  it('a bad config is rejected with the reason on config/state and the last good config keeps running', async () => {
    const b = await broker();
    const r = await gateway(await store(b.urls.mqtt));
    const be = await backend(b.urls.mqtt);
    await be.publish(configSet(1, { 'pipeline.proximity.rssiDbm': -75 }));
    await be.waitState((s) => s.status === 'applied' && s.revision === 1);

    // Fails a cross-field rule of gateway/config.
    await be.publish(configSet(2, { 'pipeline.dwell.thresholdMs': 500 }));
    let s = await be.waitState((x) => x.status === 'rejected');
    expect(s.revision).toBe(1);
    expect(s.error).toBe('gateway config/set revision 2 rejected: pipeline.dwell.thresholdMs: must be at least dwell.intervalMs (1000)');
    expect(s.config).toEqual({ 'pipeline.proximity.rssiDbm': -75 });

    // Not a live setting.
    await be.publish(configSet(3, { 'broker.url': 'mqtt://elsewhere.example:1883' }));
    s = await be.waitState((x) => x.error?.includes('revision 3') === true);
    expect(s.error).toContain('broker.url: cannot be changed remotely');

    // Fails while applying: an EID frame without an identity key at this spot in the registry.
    await be.publish(configSet(4, { 'radio.advertise': { frames: [{ type: 'eddystone-eid', identityKey: '00112233445566778899aabbccddeeff', exponent: 8, txPower: -20 }] } }));
    s = await be.waitState((x) => x.error?.includes('revision 4') === true);
    expect(s.error).toMatch(/could not be applied, previous config kept: .*eid configuration/);
    expect(JSON.stringify(be.states)).not.toContain('00112233445566778899aabbccddeeff');

    // Not even a config-set.
    await be.publish({ topic: `tp/v1/${SITE}/${GATEWAY}/config/set`, payload: '{"v":1,"kind":"config-set"', qos: 1, retain: true });
    s = await be.waitState((x) => x.error?.includes('invalid message') === true);
    expect(s.revision).toBe(1);

    // An older revision is refused.
    await be.publish(configSet(0, { 'pipeline.proximity.rssiDbm': -90 }));
    s = await be.waitState((x) => x.error?.includes('older than the running revision 1') === true);

    // Through all of that the gateway kept revision 1 and behaves by it.
    expect(r.gw.remote.config.pipeline.proximity.rssiDbm).toBe(-75);
    expect(r.gw.remote.config.pipeline.dwell.thresholdMs).toBe(10_000);
    expect(r.gw.remote.config.radio.advertise).toBeUndefined();
    r.gw.pipeline.onAdvertisement(cartAd(-70));
    await vi.waitFor(() => expect(proximities(r)).toBe(1), WAIT);
    expect(r.gw.remote.stats()).toMatchObject({ revision: 1, applied: 1, rejected: 5 });

    // And a good one after the bad ones is applied.
    await be.publish(configSet(5, { 'pipeline.proximity.rssiDbm': -72 }));
    await be.waitState((x) => x.status === 'applied' && x.revision === 5 && x.error === undefined);
  });

  it('merges the site-wide config under the gateway’s own, and the local file’s explicit values over both', async () => {
    const b = await broker();
    const files = await store(b.urls.mqtt, 'pipeline: { proximity: { hysteresisDb: 6 } }');
    const be = await backend(b.urls.mqtt);
    // Retained before the gateway starts: it gets both on connect.
    await be.publish(configSet(7, { 'pipeline.proximity.rssiDbm': -90, 'pipeline.proximity.hysteresisDb': 1, 'telemetry.intervalMs': 5000 }, { site: true }));
    await be.publish(configSet(3, { 'pipeline.proximity.rssiDbm': -80 }));
    const r = await gateway(files);
    const s = await be.waitState((x) => x.revision === 3 && x.siteRevision === 7);
    expect(s.status).toBe('applied');
    expect(r.gw.remote.config.pipeline.proximity).toEqual({ rssiDbm: -80, hysteresisDb: 6 });
    expect(r.gw.remote.config.telemetry.intervalMs).toBe(5000);
    // config/state shows what runs, so the backend sees that the local file kept hysteresisDb.
    expect(s.config).toMatchObject({ 'pipeline.proximity.rssiDbm': -80, 'pipeline.proximity.hysteresisDb': 6, 'telemetry.intervalMs': 5000 });
    expect(r.logs.some((l) => l.event === 'config-shadowed' && JSON.stringify(l.keys) === '["pipeline.proximity.hysteresisDb"]')).toBe(true);

    // A new site-wide revision changes what the gateway does not set itself.
    await be.publish(configSet(8, { 'pipeline.proximity.rssiDbm': -95, 'telemetry.intervalMs': 7000 }, { site: true }));
    await be.waitState((x) => x.siteRevision === 8);
    expect(r.gw.remote.config.telemetry.intervalMs).toBe(7000);
    expect(r.gw.remote.config.pipeline.proximity.rssiDbm).toBe(-80);
  });

  it('the applied config is persisted and applies again after a restart, with no broker message', async () => {
    const b1 = await broker();
    const files = await store(b1.urls.mqtt);
    const r1 = await gateway(files);
    const be1 = await backend(b1.urls.mqtt);
    await be1.publish(configSet(4, { 'pipeline.proximity.rssiDbm': -75, 'radio.scan.dedupeMs': 200 }));
    await be1.publish(configSet(2, { 'telemetry.intervalMs': 9000 }, { site: true }));
    await be1.waitState((x) => x.revision === 4 && x.siteRevision === 2);
    await r1.gw.stop();
    const file = join(files.dataDir, REMOTE_CONFIG_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    // A new broker without any retained message: whatever the gateway runs now comes from its disk.
    const b2 = await broker();
    writeStore({ brokerUrl: b2.urls.mqtt, simPort: await freeUdpPort(), dir: files.dir });
    const be2 = await backend(b2.urls.mqtt);
    const r2 = await gateway(files);
    expect(r2.gw.remote.config.pipeline.proximity.rssiDbm).toBe(-75);
    expect(r2.gw.remote.config.radio.scan.dedupeMs).toBe(200);
    expect(r2.gw.remote.config.telemetry.intervalMs).toBe(9000);
    const s = await be2.waitState((x) => x.revision === 4);
    expect(s).toMatchObject({ status: 'applied', siteRevision: 2, config: { 'pipeline.proximity.rssiDbm': -75, 'radio.scan.dedupeMs': 200, 'telemetry.intervalMs': 9000 } });
    r2.gw.pipeline.onAdvertisement(cartAd(-70));
    await vi.waitFor(() => expect(proximities(r2)).toBe(1), WAIT);
  });

  it('a persisted config that no longer fits the local file is dropped at start-up and reported, not fatal', async () => {
    const b = await broker();
    const files = await store(b.urls.mqtt);
    mkdirSync(files.dataDir);
    writeFileSync(
      join(files.dataDir, REMOTE_CONFIG_FILE),
      JSON.stringify({ v: 1, gateway: { revision: 6, messageId: '01JM2NZ7A0C2E4G6J8K0M2P4R6', timestamp: 1, settings: { 'pipeline.dwell.thresholdMs': 2000 }, appliedAt: 1 } }),
    );
    // The technician has since raised the dwell step locally: 2000 ms would now be below it.
    writeStore({ brokerUrl: b.urls.mqtt, simPort: await freeUdpPort(), dir: files.dir, extraYaml: 'pipeline: { dwell: { intervalMs: 5000 }, inactivityMs: 60000 }' });
    const be = await backend(b.urls.mqtt);
    const r = await gateway(files);
    expect(r.gw.remote.config.pipeline.dwell).toEqual({ intervalMs: 5000, thresholdMs: 10_000, maxMissedIntervals: 0 });
    const s = await be.waitState((x) => x.status === 'rejected');
    expect(s.revision).toBe(0);
    expect(s.error).toContain('no longer valid');
    expect(s.error).toContain('pipeline.dwell.thresholdMs');
  });

  it('with broker accounts: the gateway account may read its own and its site’s config/set and report config/state', async () => {
    const FAST = { N: 1024, r: 8, p: 1 };
    const password = await hashPassword('gw-secret-pw', FAST);
    const b = await broker({
      users: [
        { username: GATEWAY, role: 'gateway', site: SITE, gateway: GATEWAY, password },
        { username: 'backend', role: 'backend', password },
      ],
    });
    const files = writeStore({ brokerUrl: b.urls.mqtt, simPort: await freeUdpPort(), username: GATEWAY });
    cleanups.push(() => files.cleanup());
    const be = await backend(b.urls.mqtt, { username: 'backend', password: 'gw-secret-pw' });
    await be.publish(configSet(1, { 'pipeline.viewMs': 1500 }, { site: true }));
    await be.publish(configSet(1, { 'pipeline.holdMs': 2500 }));
    const r = await gateway(files, { brokerPassword: 'gw-secret-pw' });
    await be.waitState((x) => x.revision === 1 && x.siteRevision === 1 && x.status === 'applied');
    expect(r.gw.remote.config.pipeline).toMatchObject({ viewMs: 1500, holdMs: 2500 });
    expect(b.counters).toMatchObject({ publishDenied: 0, subscribeDenied: 0 });
  });
});

describe('createRemoteConfig without a broker', () => {
  function transport() {
    const emitter = new EventEmitter();
    const published: ConfigState[] = [];
    const t = {
      on: emitter.on.bind(emitter),
      off: emitter.off.bind(emitter),
      publishControl: (p: { payload: string }) => (published.push(JSON.parse(p.payload) as ConfigState), true),
    } as unknown as RemoteTransport;
    const deliver = (p: { topic: string; payload: string }) => emitter.emit('message', { topic: p.topic, payload: Buffer.from(p.payload) });
    return { t, published, deliver };
  }

  it('messages that arrive before the running parts are ready wait for them, in order; after detach nothing is applied', async () => {
    const files = writeStore({ brokerUrl: 'mqtt://127.0.0.1:1', simPort: 1 });
    cleanups.push(() => files.cleanup());
    mkdirSync(files.dataDir);
    const loaded = loadStore(files.configPath);
    const remote = createRemoteConfig({ local: loaded.config });
    const { t, published, deliver } = transport();
    const detach = remote.attach(t);
    expect(published).toEqual([expect.objectContaining({ status: 'applied', revision: 0 })]);
    deliver(configSet(1, { 'pipeline.viewMs': 1000 }));
    deliver(configSet(2, { 'pipeline.viewMs': 2000 }));
    const applied: number[] = [];
    remote.ready(async (next) => void applied.push(next.pipeline.viewMs));
    await remote.idle();
    expect(applied).toEqual([1000, 2000]);
    expect(published.map((s) => s.revision)).toEqual([0, 1, 2]);
    detach();
    deliver(configSet(3, { 'pipeline.viewMs': 3000 }));
    expect(await remote.handle(configSet(4, { 'pipeline.viewMs': 4000 }).topic, configSet(4, { 'pipeline.viewMs': 4000 }).payload)).toMatchObject({ status: 'unchanged', reason: 'stopped' });
    expect(applied).toEqual([1000, 2000]);
    expect(remote.config.pipeline.viewMs).toBe(2000);
  });

  it('a cleared retained topic, another gateway’s topic and a repeated message change nothing', async () => {
    const files = writeStore({ brokerUrl: 'mqtt://127.0.0.1:1', simPort: 1 });
    cleanups.push(() => files.cleanup());
    mkdirSync(files.dataDir);
    const remote = createRemoteConfig({ local: loadStore(files.configPath).config });
    const { t, published } = transport();
    remote.attach(t);
    remote.ready(async () => []);
    const m = configSet(1, { 'pipeline.viewMs': 1000 });
    expect(await remote.handle(m.topic, m.payload)).toMatchObject({ status: 'applied', revision: 1 });
    expect(await remote.handle(m.topic, m.payload)).toMatchObject({ status: 'unchanged', reason: 'already handled' });
    expect(await remote.handle(m.topic, '')).toMatchObject({ status: 'unchanged', reason: 'cleared' });
    expect(await remote.handle(`tp/v1/${SITE}/gw-other/config/set`, m.payload)).toMatchObject({ status: 'unchanged' });
    expect(published.map((s) => [s.status, s.revision])).toEqual([
      ['applied', 0],
      ['applied', 1],
    ]);
    expect(remote.config.pipeline.viewMs).toBe(1000);
  });
});
