/**
 * Signed sensor communications end to end: outbox (signing while it stamps) → publisher → embedded
 * broker with accounts → a backend subscriber that verifies. Then someone holding the gateway's
 * broker password — the case the HMAC exists for, since the broker ACL alone would let them
 * through — replays, alters and sends unsigned messages, and the backend refuses and counts each.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { decodeFromTopic, sensorTopic, type SensorCommunication } from '../../protocol/messages/index.js';
import { startBroker, type RunningBroker } from '../broker/broker.js';
import { hashPassword, type UserEntry } from '../broker/users.js';
import { openOutbox } from '../publish/outbox.js';
import { createPublisher } from '../publish/publisher.js';
import { sampleEvent } from '../publish/test-support/fixtures.js';
import { createKeyring, deriveGatewayKey } from './keys.js';
import { createSensorSigner } from './signer.js';
import { ReplayState, verifySensorCommunication, type VerifyRejection } from './verify.js';

const WAIT = { timeout: 20_000, interval: 10 };
const PASSWORD = 'correct-horse-battery';
const SITE_SECRET = new Uint8Array(32).fill(0x42);
const KEY = deriveGatewayKey(SITE_SECRET, 's1', 'gw-a', 'gw-a.k1');

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

let users: UserEntry[];
beforeAll(async () => {
  const password = await hashPassword(PASSWORD, { N: 1024, r: 8, p: 1 });
  users = [
    { username: 'gw-a', role: 'gateway', site: 's1', gateway: 'gw-a', password },
    { username: 'backend', role: 'backend', password },
  ];
});

/** A backend: decodeFromTopic, then verifySensorCommunication; keeps what it accepted and refused. */
function backend(client: MqttClient) {
  const state = new ReplayState();
  const keyring = createKeyring([KEY]);
  const accepted: number[] = [];
  const refused: VerifyRejection[] = [];
  client.on('message', (topic, payload) => {
    const d = decodeFromTopic(topic, payload);
    if (!d.ok) return;
    const r = verifySensorCommunication(d.message, keyring, state);
    if (r.ok) accepted.push(r.seq);
    else refused.push(r.reason);
  });
  return { state, accepted, refused };
}

async function connect(broker: RunningBroker, username: string, clientId = username): Promise<MqttClient> {
  const c = await mqtt.connectAsync(broker.urls.mqtt, { username, password: PASSWORD, clientId, reconnectPeriod: 0 }, false);
  cleanups.push(() => c.endAsync(true));
  return c;
}

describe('signed sensor communications through the broker', () => {
  it('the backend accepts what the gateway signed, and refuses replayed, altered and unsigned copies', async () => {
    const broker = await startBroker({ port: 0, users, log: () => {} });
    cleanups.push(() => broker.close());
    const sub = await connect(broker, 'backend', 'backend-1');
    await sub.subscribeAsync('$share/backend/tp/v1/+/+/sensor', { qos: 1 });
    const be = backend(sub);

    const dir = mkdtempSync(join(tmpdir(), 'tp-signed-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const outbox = openOutbox({ path: join(dir, 'o.db'), gatewayId: 'gw-a', siteId: 's1', onPressure: () => {}, sign: createSensorSigner(KEY) });
    cleanups.push(() => outbox.close());
    const captured: SensorCommunication[] = [];
    for (let i = 0; i < 5; i++) {
      const r = outbox.append(sampleEvent('s1', 'gw-a', i));
      if (!r.ok) throw new Error(JSON.stringify(r.errors));
      expect(r.message.signature).toMatch(/^hmac-sha256:gw-a\.k1:[A-Za-z0-9_-]{43}$/);
      captured.push(r.message);
    }
    // what is queued on disk is exactly what was signed
    expect(JSON.parse(outbox.peekSensor(-1, 1)[0]!.payload)).toEqual(captured[0]);

    const pub = createPublisher({ url: broker.urls.mqtt, outbox, username: 'gw-a', password: PASSWORD, reconnectPeriodMs: 50, telemetryIntervalMs: 0, log: () => {} });
    cleanups.push(() => pub.stop({ graceful: false }));
    pub.start();
    await vi.waitFor(() => expect(be.accepted).toEqual([0, 1, 2, 3, 4]), WAIT);
    await pub.stop({ graceful: true });

    // Someone with the gateway's stolen broker password: the broker ACL lets every one of these through.
    const thief = await connect(broker, 'gw-a');
    const topic = sensorTopic('s1', 'gw-a');
    const genuine = captured[2]!;
    const { signature: _dropped, ...unsigned } = { ...genuine, seq: 5, messageId: genuine.messageId.replace(/:2$/, ':5') };
    await thief.publishAsync(topic, JSON.stringify(genuine), { qos: 1 }); // replay
    await thief.publishAsync(topic, JSON.stringify({ ...genuine, interaction: { ...genuine.interaction, type: 'hold' } }), { qos: 1 }); // altered
    await thief.publishAsync(topic, JSON.stringify({ ...genuine, seq: 6, messageId: genuine.messageId.replace(/:2$/, ':6') }), { qos: 1 }); // renumbered
    await thief.publishAsync(topic, JSON.stringify(unsigned), { qos: 1 }); // unsigned
    await vi.waitFor(() => expect(be.refused).toEqual(['duplicate', 'forged', 'forged', 'unsigned']), WAIT);
    expect(be.accepted).toEqual([0, 1, 2, 3, 4]);
    expect(be.state.counters).toMatchObject({ accepted: 5, duplicate: 1, forged: 2, unsigned: 1 });
    expect(broker.counters.publishDenied).toBe(0);
  });
});
