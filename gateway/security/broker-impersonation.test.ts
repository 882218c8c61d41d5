/**
 * Nobody can speak as the backend on the embedded broker (what gateway/broker/broker.test.ts does not
 * already cover: there, a gateway publishing as another gateway and the backend forging sensor data).
 * The backend is the only sender of config/set (→ gateways) and content (→ phones); gateways and
 * phones — whose credential ships in every app, so treat it as public — must not be able to send
 * either, nor take over a connected backend's MQTT session, nor inherit an offline one's messages.
 * Real MQTT.js clients on 127.0.0.1, random ports.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { configSetTopic, contentTopic, deviceTopicHash, sensorTopic } from '../../protocol/messages/index.js';
import { startBroker, type BrokerLogRecord, type RunningBroker } from '../broker/broker.js';
import { hashPassword, type UserEntry } from '../broker/users.js';

const WAIT = { timeout: 20_000, interval: 10 };
/** Every login has its own password, so a credential can only ever be used as itself. */
const passwordOf = (username: string) => `${username}-correct-horse-battery`;
const INSTALL_ID = 'install-0123456789abcdef';
const OTHER_INSTALL = 'install-fedcba9876543210';
/** Site-wide config (backend → every gateway of the site), spelled out: refused whether or not the contract has it. */
const SITE_CONFIG_SET = 'tp/v1/s1/config/set';

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

let users: UserEntry[];
beforeAll(async () => {
  const hash = (u: string) => hashPassword(passwordOf(u), { N: 1024, r: 8, p: 1 });
  users = [
    { username: 'gw-a', role: 'gateway', site: 's1', gateway: 'gw-a', password: await hash('gw-a') },
    { username: 'gw-b', role: 'gateway', site: 's1', gateway: 'gw-b', password: await hash('gw-b') },
    { username: 'backend', role: 'backend', password: await hash('backend') },
    { username: 'app', role: 'phone', site: 's1', password: await hash('app') },
  ];
});

async function broker(): Promise<RunningBroker & { logs: BrokerLogRecord[] }> {
  const logs: BrokerLogRecord[] = [];
  const b = await startBroker({ port: 0, users, log: (r) => logs.push(r) });
  cleanups.push(() => b.close());
  return Object.assign(b, { logs });
}

async function client(b: RunningBroker, username: string, clientId: string, extra: IClientOptions = {}): Promise<MqttClient> {
  const c = await mqtt.connectAsync(b.urls.mqtt, { username, password: passwordOf(username), clientId, reconnectPeriod: 0, ...extra }, false);
  cleanups.push(() => c.endAsync(true));
  return c;
}

const closeOf = (c: MqttClient) => new Promise<void>((r) => c.once('close', () => r()));

/** Everything the broker routes on tp/…, seen from inside the broker (no client of its own). */
function routed(b: RunningBroker): string[] {
  const topics: string[] = [];
  b.aedes.subscribe('tp/#', (packet, cb) => {
    topics.push(packet.topic);
    cb();
  }, () => {});
  return topics;
}

describe('the backend cannot be impersonated', () => {
  it.each([
    ['gateway gw-a', configSetTopic('s1', 'gw-a'), 'gw-a', 'gw-a', true], // its own config: it could reconfigure itself
    ['gateway gw-a', configSetTopic('s1', 'gw-b'), 'gw-a', 'gw-a', true],
    ['gateway gw-a', contentTopic('s1', deviceTopicHash(INSTALL_ID)), 'gw-a', 'gw-a', false],
    ['gateway gw-a', SITE_CONFIG_SET, 'gw-a', 'gw-a', true], // every gateway of the site reads it
    ['a phone', configSetTopic('s1', 'gw-a'), 'app', INSTALL_ID, true],
    ['a phone', SITE_CONFIG_SET, 'app', INSTALL_ID, true],
    ['a phone', contentTopic('s1', deviceTopicHash(OTHER_INSTALL)), 'app', INSTALL_ID, false],
    ['a phone', contentTopic('s1', deviceTopicHash(INSTALL_ID)), 'app', INSTALL_ID, false], // not even to itself
  ])('%s publishing backend traffic on %s is refused: connection closed, nothing routed', async (_who, topic, username, clientId, retain) => {
    const b = await broker();
    const seen = routed(b);
    const c = await client(b, username, clientId);
    const closed = closeOf(c);
    c.publish(topic, '{"v":1}', { qos: 1, retain });
    await closed;
    expect(b.counters.publishDenied).toBe(1);
    expect(b.logs.find((l) => l.event === 'publish-denied')).toMatchObject({ topic });
    expect(seen).toEqual([]);
  });

  it('the phone and gateway credentials do not log in as the backend', async () => {
    const b = await broker();
    for (const stolen of ['app', 'gw-a']) {
      const login = { username: 'backend', password: passwordOf(stolen), clientId: `x-${stolen}`, reconnectPeriod: 0 };
      await expect(mqtt.connectAsync(b.urls.mqtt, login, false)).rejects.toThrow(/Bad username or password/);
    }
    expect(b.counters.authFailures).toBe(2);
  });

  it('a phone or a gateway cannot take over a connected backend’s client ID; the backend keeps receiving', async () => {
    const b = await broker();
    const backend = await client(b, 'backend', 'backend-1');
    const got: string[] = [];
    backend.on('message', (t) => got.push(t));
    await backend.subscribeAsync('tp/v1/+/+/sensor', { qos: 1 });
    let knockedOff = false;
    backend.once('close', () => (knockedOff = true));

    await expect(client(b, 'app', 'backend-1')).rejects.toThrow(/Identifier rejected/);
    await expect(client(b, 'gw-a', 'backend-1')).rejects.toThrow(/Identifier rejected/);
    expect(b.logs.filter((l) => l.event === 'client-id-refused')).toHaveLength(2);

    const gw = await client(b, 'gw-a', 'gw-a');
    await gw.publishAsync(sensorTopic('s1', 'gw-a'), '{}', { qos: 1 });
    await vi.waitFor(() => expect(got).toEqual([sensorTopic('s1', 'gw-a')]), WAIT);
    expect(knockedOff).toBe(false);
    // the backend itself may still replace its own session (a half-open connection after a network drop)
    const again = await client(b, 'backend', 'backend-1');
    expect(again.connected).toBe(true);
  });

  it('a phone resuming an offline backend’s persistent session gets neither its subscriptions nor its queued messages', async () => {
    const b = await broker();
    const backend = await client(b, 'backend', 'backend-1', { clean: false });
    await backend.subscribeAsync('tp/v1/+/+/sensor', { qos: 1 });
    await backend.endAsync();
    const gw = await client(b, 'gw-a', 'gw-a');
    await gw.publishAsync(sensorTopic('s1', 'gw-a'), '{"queued":1}', { qos: 1 });

    const phone = await client(b, 'app', 'backend-1', { clean: false });
    const leaked: string[] = [];
    phone.on('message', (t) => leaked.push(t));
    // the restored subscription is checked again, as this login, and refused
    await vi.waitFor(() => expect(b.logs.some((l) => l.event === 'subscribe-denied' && l.topic === 'tp/v1/+/+/sensor')).toBe(true), WAIT);
    await gw.publishAsync(sensorTopic('s1', 'gw-a'), '{"live":1}', { qos: 1 });
    // a round trip through the phone's own connection: anything routed to it before this has arrived
    await phone.subscribeAsync(contentTopic('s1', deviceTopicHash('backend-1')), { qos: 1 });
    expect(leaked).toEqual([]);
  });
});
