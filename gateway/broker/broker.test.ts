/** The embedded broker with real MQTT.js clients on 127.0.0.1 (random ports). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { ErrorWithSubackPacket, type IClientOptions, type MqttClient } from 'mqtt';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { configSetTopic, contentTopic, deviceTopicHash, sensorTopic, statusTopic, userTopic } from '../../protocol/messages/index.js';
import { openOutbox } from '../publish/outbox.js';
import { createPublisher } from '../publish/publisher.js';
import { range, SensorCollector } from '../publish/test-support/collector.js';
import { sampleEvent } from '../publish/test-support/fixtures.js';
import { startBroker, type BrokerLogRecord, type BrokerOptions, type RunningBroker } from './broker.js';
import { hashPassword, type UserEntry } from './users.js';

const WAIT = { timeout: 20_000, interval: 10 };
const FAST = { N: 1024, r: 8, p: 1 }; // test-only cost; the default is in users.ts
const PASSWORD = 'correct-horse-battery';
const INSTALL_ID = 'install-0123456789abcdef';

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

let users: UserEntry[];
beforeAll(async () => {
  const password = await hashPassword(PASSWORD, FAST);
  users = [
    { username: 'gw-a', role: 'gateway', site: 's1', gateway: 'gw-a', password },
    { username: 'gw-b', role: 'gateway', site: 's1', gateway: 'gw-b', password },
    { username: 'backend', role: 'backend', password },
    { username: 'app', role: 'phone', site: 's1', password },
  ];
});

async function broker(opts: Partial<BrokerOptions> = {}): Promise<RunningBroker & { logs: BrokerLogRecord[] }> {
  const logs: BrokerLogRecord[] = [];
  const b = await startBroker({ port: 0, log: (r) => logs.push(r), ...(opts.anonymous ? {} : { users }), ...opts });
  cleanups.push(() => b.close());
  return Object.assign(b, { logs });
}

async function client(url: string, opts: IClientOptions): Promise<MqttClient> {
  const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, ...opts }, false);
  cleanups.push(() => c.endAsync(true));
  return c;
}

const login = (username: string, clientId = username): IClientOptions => ({ username, password: PASSWORD, clientId });

/** SUBACK return codes; MQTT.js rejects on any 0x80, carrying the SUBACK in the error. */
async function granted(c: MqttClient, topics: string[]): Promise<number[]> {
  try {
    return (await c.subscribeAsync(topics, { qos: 1 })).map((g) => g.qos);
  } catch (e) {
    if (e instanceof ErrorWithSubackPacket) return (e.packet.granted as number[]).map(Number);
    throw e;
  }
}

const closeOf = (c: MqttClient) => new Promise<void>((r) => c.once('close', () => r()));

describe('broker: startup', () => {
  it('refuses to start without a users list unless anonymous mode is explicit', async () => {
    await expect(startBroker({ port: 0 })).rejects.toThrow(/users file/);
    await expect(startBroker({ port: 0, anonymous: true, users: [] })).rejects.toThrow(/not both/);
  });

  it('binds 127.0.0.1 by default and reports its URLs', async () => {
    const b = await broker({ anonymous: true, wsPort: 0 });
    expect(b.host).toBe('127.0.0.1');
    expect(b.urls).toEqual({ mqtt: `mqtt://127.0.0.1:${b.port}`, ws: `ws://127.0.0.1:${b.wsPort}` });
    expect(b.mode).toBe('anonymous');
  });
});

describe('broker: authentication', () => {
  it('refuses a bad password, an unknown user and a missing login', async () => {
    const b = await broker();
    await expect(client(b.urls.mqtt, { username: 'gw-a', password: 'wrong-password', clientId: 'gw-a' })).rejects.toThrow(/Bad username or password/);
    await expect(client(b.urls.mqtt, { username: 'nobody', password: PASSWORD, clientId: 'x1' })).rejects.toThrow(/Bad username or password/);
    await expect(client(b.urls.mqtt, { clientId: 'x2' })).rejects.toThrow(/Bad username or password/);
    expect(b.counters.authFailures).toBe(3);
    await expect(client(b.urls.mqtt, login('gw-a'))).resolves.toBeDefined();
  });

  it('a gateway must use its gateway ID as client ID, and nobody else may take it', async () => {
    const b = await broker();
    await expect(client(b.urls.mqtt, login('gw-a', 'gw-b'))).rejects.toThrow(/Identifier rejected/);
    await expect(client(b.urls.mqtt, login('backend', 'gw-a'))).rejects.toThrow(/Identifier rejected/);
    await expect(client(b.urls.mqtt, login('backend', 'backend-1'))).resolves.toBeDefined();
  });
});

describe('broker: topic ACL', () => {
  it('a gateway publishing as another gateway is refused (connection closed, nothing delivered); its own topic is fine', async () => {
    const b = await broker();
    const col = new SensorCollector().attach(b.aedes, true);
    const gwA = await client(b.urls.mqtt, login('gw-a'));
    await gwA.publishAsync(sensorTopic('s1', 'gw-a'), 'own', { qos: 1 });
    const closed = closeOf(gwA);
    gwA.publish(sensorTopic('s1', 'gw-b'), 'forged', { qos: 1 });
    await closed;
    expect(b.counters.publishDenied).toBe(1);
    expect(b.logs.find((l) => l.event === 'publish-denied')).toMatchObject({ clientId: 'gw-a', topic: sensorTopic('s1', 'gw-b') });
    expect(col.invalid).toEqual([sensorTopic('s1', 'gw-a')]); // only the permitted (non-JSON) payload arrived
  });

  it('grants each role only its own subscriptions (SUBACK 0x80 otherwise, connection kept)', async () => {
    const b = await broker();
    const gwA = await client(b.urls.mqtt, login('gw-a'));
    expect(await granted(gwA, [configSetTopic('s1', 'gw-a'), configSetTopic('s1', 'gw-b'), 'tp/v1/s1/+/sensor'])).toEqual([1, 128, 128]);
    expect(gwA.connected).toBe(true);

    const phone = await client(b.urls.mqtt, login('app', INSTALL_ID));
    const own = contentTopic('s1', deviceTopicHash(INSTALL_ID));
    const other = contentTopic('s1', deviceTopicHash('someone-else-0123456'));
    expect(await granted(phone, [own, other])).toEqual([1, 128]);
    await phone.publishAsync(userTopic('s1'), '{}', { qos: 1 });

    const backend = await client(b.urls.mqtt, login('backend', 'backend-1'));
    expect(await granted(backend, ['#', '$share/backend/tp/v1/+/+/sensor'])).toEqual([1, 1]);
    await backend.publishAsync(configSetTopic('s1', 'gw-a'), '{}', { qos: 1, retain: true });
    await backend.publishAsync(own, '{}', { qos: 1 });
    const closed = closeOf(backend);
    backend.publish(sensorTopic('s1', 'gw-a'), 'forged', { qos: 1 });
    await closed;
    expect(b.counters.subscribeDenied).toBe(3);
  });

  it('the gateway publisher works through the ACL: status online retained, data delivered, Will offline on a crash', async () => {
    const b = await broker();
    const col = new SensorCollector().attach(b.aedes, true);
    const dir = mkdtempSync(join(tmpdir(), 'tp-broker-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const outbox = openOutbox({ path: join(dir, 'o.db'), gatewayId: 'gw-a', siteId: 's1', onPressure: () => {} });
    cleanups.push(() => outbox.close());
    const pub = createPublisher({ url: b.urls.mqtt, outbox, username: 'gw-a', password: PASSWORD, reconnectPeriodMs: 50, telemetryIntervalMs: 0, log: () => {} });
    cleanups.push(() => pub.stop({ graceful: false }));
    pub.start();
    for (let i = 0; i < 5; i++) outbox.append(sampleEvent('s1', 'gw-a', i));
    await vi.waitFor(() => expect(col.firstArrivals('gw-a')).toEqual(range(0, 5)), WAIT);
    await pub.stop({ graceful: false });
    const states = () => col.other.filter((m) => m.topic === statusTopic('s1', 'gw-a')).map((m) => JSON.parse(m.payload).state);
    await vi.waitFor(() => expect(states()).toEqual(['online', 'offline']), WAIT);
    expect(b.counters.publishDenied).toBe(0);
  });
});

describe('broker: shared subscriptions', () => {
  it('hands each message to one member of a $share group, round robin, and to the rest when one leaves', async () => {
    const b = await broker({ anonymous: true });
    const got: Record<string, number[]> = { m1: [], m2: [] };
    for (const id of ['m1', 'm2'] as const) {
      const c = await client(b.urls.mqtt, { clientId: id });
      c.on('message', (_t, p) => got[id]!.push(JSON.parse(p.toString()).n as number));
      await c.subscribeAsync('$share/backend/tp/v1/+/+/sensor', { qos: 1 });
    }
    expect(b.shared.memberCount('$share/backend/tp/v1/+/+/sensor')).toBe(2);
    const pubc = await client(b.urls.mqtt, { clientId: 'pub' });
    for (let n = 0; n < 20; n++) await pubc.publishAsync(sensorTopic('s1', 'gw-a'), JSON.stringify({ n }), { qos: 1 });
    await vi.waitFor(() => expect(got.m1!.length + got.m2!.length).toBe(20), WAIT);
    expect([...got.m1!, ...got.m2!].sort((x, y) => x - y)).toEqual(range(0, 20));
    expect(got.m1!.length).toBe(10);

    // the literal $share filter is never delivered by aedes itself, so nobody receives twice
    const m2 = await mqtt.connectAsync(b.urls.mqtt, { clientId: 'm2', reconnectPeriod: 0 }, false);
    await m2.endAsync(); // takes over m2's client ID and leaves: m2 is no longer a member
    await vi.waitFor(() => expect(b.shared.memberCount('$share/backend/tp/v1/+/+/sensor')).toBe(1), WAIT);
    for (let n = 20; n < 25; n++) await pubc.publishAsync(sensorTopic('s1', 'gw-a'), JSON.stringify({ n }), { qos: 1 });
    await vi.waitFor(() => expect(got.m1!.filter((n) => n >= 20)).toEqual(range(20, 25)), WAIT);
  });
});

describe('broker: --persistence', () => {
  it('keeps retained messages across a restart, and forgets a cleared one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tp-retained-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const b1 = await startBroker({ anonymous: true, port: 0, persistenceDir: dir });
    const c1 = await client(b1.urls.mqtt, { clientId: 'setter' });
    await c1.publishAsync(configSetTopic('s1', 'gw-a'), '{"keep":1}', { qos: 1, retain: true });
    await c1.publishAsync(configSetTopic('s1', 'gw-b'), '{"gone":1}', { qos: 1, retain: true });
    await c1.publishAsync(configSetTopic('s1', 'gw-b'), '', { qos: 1, retain: true });
    await c1.endAsync();
    await b1.close();

    const b2 = await broker({ anonymous: true, persistenceDir: dir });
    const c2 = await client(b2.urls.mqtt, { clientId: 'getter' });
    const seen: string[] = [];
    c2.on('message', (t, p, packet) => packet.retain && seen.push(`${t} ${p.toString()}`));
    await c2.subscribeAsync('tp/v1/s1/+/config/set', { qos: 1 });
    await vi.waitFor(() => expect(seen).toEqual([`${configSetTopic('s1', 'gw-a')} {"keep":1}`]), WAIT);
  });
});
