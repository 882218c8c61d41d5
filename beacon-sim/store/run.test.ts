/**
 * The whole loop on one machine: a real aedes broker (gateway/broker, anonymous, port 0), the
 * virtual store at ×20 with phones on the broker, the three gateways of the example layout running
 * the real gateway code on the store clock (simulated radio over UDP, radar and touch on ptys), and a
 * stand-in backend that answers each phone's first user communication with a content item.
 *
 * Checked: no raw email or phone number of anyone in the population appears in ANY payload that
 * reached the broker; what phones published is exactly the ground truth's user communications;
 * gateways saw the shoppers (approach/view/touch/hold…) and matching them to phones by sensor ID
 * and time scores against the ground truth; phones showed the content items no earlier than their
 * timing instructions allow.
 */
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBroker, startBroker } from '../../gateway/broker/index.js';
import { formatIssue, loadGateway } from '../../gateway/config/index.js';
import { type RunningGateway, startGateway } from '../../gateway/run/gateway.js';
import { type ContentItem, type SensorCommunication, contentTopic, decodeFromTopic, encodeForPublish, userTopic } from '../../protocol/messages/index.js';
import { ulid } from '../phone/ulid.js';
import { seededRandom } from '../sensors/rng.js';
import { writeGatewayFiles } from './derive.js';
import type { StoreEvent } from './events.js';
import { type StoreSim, startStoreSim } from './run.js';
import { scoreMatches } from './truth.js';

const SPEED = 20;
const STORE_S = 90;
const DELAY_MS = 2000;

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

let dir: string;
let broker: RunningBroker;
let sim: StoreSim;
const gateways: RunningGateway[] = [];
const payloads: { topic: string; payload: string }[] = [];
const sensorComms: SensorCommunication[] = [];
const events: StoreEvent[] = [];
let backend: mqtt.MqttClient | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tp-store-loop-'));
  broker = await startBroker({ port: 0, anonymous: true });
  // Every PUBLISH the broker routes, from every client (and its own $SYS), exactly as it went out.
  broker.aedes.on('publish', (packet) => void payloads.push({ topic: packet.topic, payload: Buffer.from(packet.payload).toString('utf8') }));
  const simPorts = { 'gw-denim': await freeUdpPort(), 'gw-jackets': await freeUdpPort(), 'gw-accessories': await freeUdpPort() };
  sim = await startStoreSim({
    layout: 'examples/store-apparel.yaml',
    seed: 11,
    speed: SPEED,
    durationS: STORE_S,
    broker: broker.urls.mqtt,
    sensors: { devDir: join(dir, 'dev') },
    simPorts,
    positionsEveryMs: 0,
    gatewayDataDir: join(dir, 'data'),
    paused: true,
  });
  sim.events.on('event', (e) => void events.push(e));
  const files = writeGatewayFiles(join(dir, 'site'), sim.site);
  for (const c of files.configs) {
    const g = loadGateway(c.path);
    if (!g.ok) throw new Error(g.errors.map(formatIssue).join('\n'));
    gateways.push(await startGateway({ ...g, clock: sim.clock, log: () => {}, onAccepted: (m) => void sensorComms.push(m) }));
  }

  // The stand-in backend: one incentive per phone, shown DELAY_MS after it arrives ([0246]).
  backend = await mqtt.connectAsync(broker.urls.mqtt, { protocolVersion: 4, clientId: 'test-backend' });
  const answered = new Set<string>();
  const random = seededRandom(99);
  backend.on('message', (topic, payload) => {
    const d = decodeFromTopic(topic, payload);
    if (!d.ok || d.message.kind !== 'user-communication' || answered.has(d.message.deviceId)) return;
    answered.add(d.message.deviceId);
    const now = sim.clock.now();
    const item: ContentItem = {
      v: 1,
      kind: 'content-item',
      messageId: ulid(now, random),
      contentId: 'welcome-offer',
      siteId: d.message.siteId,
      deviceId: d.message.deviceId,
      sensorId: d.message.sensorId,
      contentKind: 'incentive',
      title: 'Welcome in',
      body: '10% off today.',
      timing: { delayMs: DELAY_MS, expiresAt: now + 60_000 },
      timestamp: now,
    };
    const enc = encodeForPublish(item);
    if (enc.ok) void backend!.publishAsync(enc.value.topic, enc.value.payload, { qos: 1 });
  });
  await backend.subscribeAsync(userTopic('store-apparel'), { qos: 1 });

  sim.start();
  await sim.done;
  await Promise.all(gateways.map((g) => g.stop(3000)));
}, 60_000);

afterAll(async () => {
  await sim?.stop();
  await Promise.all(gateways.map((g) => g.stop(0)));
  await backend?.endAsync(true);
  await broker?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('virtual store + real gateways + broker', () => {
  it('privacy: no raw email or phone number of any simulated shopper in any payload on the broker', () => {
    const userPayloads = payloads.filter((p) => p.topic === userTopic('store-apparel'));
    expect(userPayloads.length).toBeGreaterThan(10);
    // the scan can fail: consenting phones did send hashed identifiers through this broker
    expect(userPayloads.some((p) => (JSON.parse(p.payload) as { identifiers: unknown[] }).identifiers.length > 0)).toBe(true);
    const everything = payloads.map((p) => `${p.topic}\n${p.payload}`).join('\n').toLowerCase();
    const people = sim.people();
    expect(people.length).toBe(40);
    for (const p of people) {
      const digits = p.phone.replace(/\D/g, '');
      const national = digits.slice(-10);
      for (const raw of [p.email.toLowerCase(), p.phone.toLowerCase(), `+1${national}`, national, `${national.slice(0, 3)}.555`, `555-${national.slice(-4)}`]) {
        expect(everything.includes(raw), `${p.personId}: "${raw}" reached the broker`).toBe(false);
      }
    }
  });

  it('what phones published is the ground truth: every user communication on the broker is valid and known, and nothing was lost', () => {
    const truth = sim.truth();
    const known = new Map(truth.userCommunications.map((u) => [u.messageId, u]));
    const published = payloads.filter((p) => p.topic === userTopic('store-apparel')).map((p) => decodeFromTopic(p.topic, p.payload));
    for (const d of published) {
      expect(d.ok).toBe(true);
      if (!d.ok || d.message.kind !== 'user-communication') continue;
      const u = known.get(d.message.messageId);
      expect(u, d.message.messageId).toBeDefined();
      expect([u!.sensorId, u!.timestamp, u!.followUp]).toEqual([d.message.sensorId, d.message.timestamp, d.message.followUp]);
    }
    expect(published.length).toBe(truth.userCommunications.length);
    expect(events.filter((e) => e.type === 'phone.publish-failed')).toEqual([]);
  });

  it('the gateways saw the shoppers; sensor-ID-and-time matching scores against the ground truth', () => {
    const types = new Set(sensorComms.map((s) => s.interaction.type));
    expect(types).toContain('approach');
    expect([...types].some((t) => t === 'touch' || t === 'hold' || t === 'view')).toBe(true);
    const truth = sim.truth();
    const windowMs = 5000;
    const matches = sensorComms.flatMap((s) =>
      truth.userCommunications.filter((u) => u.sensorId === s.sensorId && Math.abs(u.timestamp - s.timestamp) <= windowMs).map((u) => ({ sensorMessageId: s.messageId, userMessageId: u.messageId })),
    );
    const score = scoreMatches(truth, { sensorCommunications: sensorComms, matches, windowMs });
    expect(score.correct).toBeGreaterThan(0);
    // a window-only matcher finds every expected pair by construction, and is mostly right
    expect(score.recall).toBe(1);
    expect(score.precision).toBeGreaterThan(0.5);
    expect(score.unknownUserCommunications).toBe(0);
  });

  it('phones showed the content items they were sent, not before their delay', () => {
    const shown = events.filter((e): e is Extract<StoreEvent, { type: 'phone.content-shown' }> => e.type === 'phone.content-shown');
    expect(shown.length).toBeGreaterThan(0);
    for (const e of shown) {
      expect(e.item.contentId).toBe('welcome-offer');
      expect(e.t - e.receivedAt).toBeGreaterThanOrEqual(DELAY_MS);
    }
    const truth = sim.truth();
    expect(truth.content.filter((c) => c.outcome === 'shown')).toHaveLength(shown.length);
    expect(sim.summary().contentShown).toBe(shown.length);
  });
});
