/**
 * Publisher against a real aedes on 127.0.0.1 (random ports). Delivery is proven by the sequence
 * numbers the broker saw, never by waiting a fixed time.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sensorTopic, statusTopic, type GatewayStatus, type Telemetry } from '../../protocol/messages/index.js';
import { startBroker, type BrokerOptions, type RunningBroker } from '../broker/broker.js';
import { openOutbox, type Outbox } from './outbox.js';
import { createPublisher, sensorHealthToTelemetry, type LogRecord, type Publisher, type PublisherOptions } from './publisher.js';
import { range, SensorCollector } from './test-support/collector.js';
import { sampleEvent } from './test-support/fixtures.js';

const SITE = 'store-12';
const GW = 'gw-a';
const WAIT = { timeout: 20_000, interval: 10 };

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tp-pub-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function broker(opts: Partial<BrokerOptions> = {}): Promise<RunningBroker> {
  const b = await startBroker({ anonymous: true, port: 0, ...opts });
  cleanups.push(() => b.close());
  return b;
}

function outbox(gatewayId = GW): Outbox {
  const o = openOutbox({ path: join(tempDir(), 'outbox.db'), gatewayId, siteId: SITE, onPressure: () => {} });
  cleanups.push(() => o.close());
  return o;
}

function publisher(o: Outbox, url: string, opts: Partial<PublisherOptions> = {}): { pub: Publisher; logs: LogRecord[] } {
  const logs: LogRecord[] = [];
  const pub = createPublisher({ url, outbox: o, reconnectPeriodMs: 50, telemetryIntervalMs: 0, log: (r) => logs.push(r), ...opts });
  cleanups.push(() => pub.stop({ graceful: false }));
  pub.start();
  return { pub, logs };
}

const append = (o: Outbox, n: number) => {
  for (let i = 0; i < n; i++) {
    const r = o.append(sampleEvent(SITE, o.gatewayId, i));
    if (!r.ok) throw new Error(`append refused: ${r.reason}`);
  }
};

describe('publisher: in-order QoS 1 delivery from the outbox', () => {
  it('delivers every event in seq order, keeps the in-flight window, and empties the outbox only through PUBACKs', async () => {
    const b = await broker();
    const col = new SensorCollector().attach(b.aedes);
    const o = outbox();
    append(o, 40);
    const { pub } = publisher(o, b.urls.mqtt, { windowSize: 4 });
    let maxInFlight = 0;
    pub.on('acked', () => (maxInFlight = Math.max(maxInFlight, pub.stats().inFlight)));
    append(o, 40);
    await vi.waitFor(() => expect(col.unique(GW).size).toBe(80), WAIT);
    expect(col.firstArrivals(GW)).toEqual(range(0, 80));
    await vi.waitFor(() => expect(o.depth()).toBe(0), WAIT);
    expect(maxInFlight).toBeLessThanOrEqual(4);
    expect(pub.stats().eventsPublished).toBe(80);
    expect(col.invalid).toEqual([]);
  });

  it('keeps rows while the broker gives no PUBACK, and delivers them all once it does', async () => {
    let refuse = true;
    let refusals = 0;
    const b = await broker({
      authorizePublish: (_c, p) => (refuse && p.topic === sensorTopic(SITE, GW) ? (refusals++, new Error('not now')) : null),
    });
    const col = new SensorCollector().attach(b.aedes);
    const o = outbox();
    append(o, 10);
    const { pub } = publisher(o, b.urls.mqtt, { maxAttempts: 1_000 });
    await vi.waitFor(() => expect(refusals).toBeGreaterThanOrEqual(3), WAIT);
    expect(o.sensorQueueDepth()).toBe(10);
    expect(col.arrivals).toEqual([]);
    refuse = false;
    await vi.waitFor(() => expect(col.unique(GW).size).toBe(10), WAIT);
    expect(col.firstArrivals(GW)).toEqual(range(0, 10));
    await vi.waitFor(() => expect(o.depth()).toBe(0), WAIT);
    expect(pub.stats().refusedDeadLettered).toBe(0);
  });

  it('broker stopped for a while and restarted on the same port mid-stream: every event arrives, in order, none lost', { timeout: 90_000 }, async () => {
    const b1 = await startBroker({ anonymous: true, port: 0 });
    const port = b1.port;
    const col = new SensorCollector().attach(b1.aedes);
    const o = outbox();
    const { pub } = publisher(o, b1.urls.mqtt, { windowSize: 8 });
    const N = 300;
    let appended = 0;
    let stop = false;
    const producer = (async () => {
      while (appended < N && !stop) {
        const r = o.append(sampleEvent(SITE, GW, appended));
        if (!r.ok) throw new Error(r.reason);
        appended++;
        await new Promise((r) => setTimeout(r, appended % 4 === 0 ? 1 : 0));
      }
    })();
    cleanups.push(async () => {
      stop = true;
      await producer.catch(() => {});
    });

    await vi.waitFor(() => expect(col.unique(GW).size).toBeGreaterThanOrEqual(60), WAIT);
    await b1.close();
    const appendedAtStop = appended;
    await vi.waitFor(() => expect(pub.connected).toBe(false), WAIT);
    // the gateway keeps accepting while the broker is down
    await vi.waitFor(() => expect(appended).toBeGreaterThanOrEqual(Math.min(N, appendedAtStop + 60)), WAIT);
    expect(o.sensorQueueDepth()).toBeGreaterThan(0);

    const b2 = await broker({ port });
    col.attach(b2.aedes);
    await producer;
    await vi.waitFor(() => expect(col.unique(GW).size).toBe(N), WAIT);
    expect(col.firstArrivals(GW)).toEqual(range(0, N));
    await vi.waitFor(() => expect(o.depth()).toBe(0), WAIT);
    expect(pub.stats().connects).toBeGreaterThanOrEqual(2);
    expect(pub.stats().refusedDeadLettered).toBe(0);
  });

  it('sends only the outbox’s copy after a reconnect: MQTT.js keeps nothing to replay', async () => {
    const b = await broker();
    const o = outbox();
    const { pub } = publisher(o, b.urls.mqtt);
    await vi.waitFor(() => expect(pub.connected).toBe(true), WAIT);
    const client = (pub as unknown as { client: mqtt.MqttClient }).client;
    expect(client.options.clean).toBe(true);
    expect(client.options.clientId).toBe(GW);
    append(o, 3);
    await vi.waitFor(() => expect(o.depth()).toBe(0), WAIT);
    expect(Object.keys(client.outgoing)).toEqual([]);
  });
});

describe('publisher: refused publishes', () => {
  it('a publish the broker refuses is dead-lettered after bounded attempts; no resend loop; later events still flow', { timeout: 90_000 }, async () => {
    const REFUSED_SEQ = 5;
    let attempts = 0;
    let allowAll = false;
    const b = await broker({
      authorizePublish: (_c, p) => {
        if (allowAll || p.topic !== sensorTopic(SITE, GW)) return null;
        if ((JSON.parse(Buffer.from(p.payload).toString()) as { seq: number }).seq !== REFUSED_SEQ) return null;
        attempts++;
        return new Error('refused by policy');
      },
    });
    const col = new SensorCollector().attach(b.aedes);
    const o = outbox();
    append(o, 20);
    const { pub, logs } = publisher(o, b.urls.mqtt, { windowSize: 8, maxAttempts: 3 });

    const dead: unknown[] = [];
    pub.on('dead-letter', (d) => dead.push(d));

    await vi.waitFor(() => expect(col.unique(GW).size).toBe(19), WAIT);
    expect(col.firstArrivals(GW)).toEqual(range(0, 20).filter((s) => s !== REFUSED_SEQ));
    await vi.waitFor(() => expect(dead).toHaveLength(1), WAIT);
    // 3 strikes, plus at most one send whose blame was ambiguous (others were in flight with it)
    expect(attempts).toBeGreaterThanOrEqual(3);
    expect(attempts).toBeLessThanOrEqual(4);
    const attemptsAtDeadLetter = attempts;

    // no resend loop: later traffic flows and the refused one is never sent again
    append(o, 5);
    await vi.waitFor(() => expect(col.unique(GW).size).toBe(24), WAIT);
    expect(attempts).toBe(attemptsAtDeadLetter);
    expect(o.listDeadLetters()).toMatchObject([{ seq: REFUSED_SEQ, attempts: 3 }]);
    expect(o.listDeadLetters()[0]!.reason).toMatch(/without PUBACK/);
    expect(o.stats().deadLettered).toBe(1);
    expect(pub.stats().refusedDeadLettered).toBe(1);
    expect(logs.filter((l) => l.event === 'dead-letter')).toHaveLength(1);
    await vi.waitFor(() => expect(o.depth()).toBe(0), WAIT);

    // once the broker accepts it, an operator requeues it and it is delivered with its original identity
    allowAll = true;
    expect(pub.requeueDeadLetters()).toBe(1);
    await vi.waitFor(() => expect(col.unique(GW).size).toBe(25), WAIT);
    expect(col.arrivals.filter((a) => a.seq === REFUSED_SEQ).map((a) => a.messageId)).toEqual([`${GW}:${o.bootId}:${REFUSED_SEQ}`]);
    expect(o.stats().deadLetterDepth).toBe(0);
  });

  it('a broker refusing one gateway’s whole sensor topic: that gateway dead-letters each event within bounded attempts, the other is unaffected', { timeout: 90_000 }, async () => {
    const attempts = new Map<number, number>();
    const b = await broker({
      authorizePublish: (_c, p) => {
        if (p.topic !== sensorTopic(SITE, 'gw-a')) return null;
        const seq = (JSON.parse(Buffer.from(p.payload).toString()) as { seq: number }).seq;
        attempts.set(seq, (attempts.get(seq) ?? 0) + 1);
        return new Error('gw-a is not allowed');
      },
    });
    const col = new SensorCollector().attach(b.aedes);
    const oa = outbox('gw-a');
    const ob = outbox('gw-b');
    append(oa, 3);
    append(ob, 30);
    const a = publisher(oa, b.urls.mqtt, { maxAttempts: 3 });
    publisher(ob, b.urls.mqtt, { maxAttempts: 3 });
    await vi.waitFor(() => expect(col.unique('gw-b').size).toBe(30), WAIT);
    await vi.waitFor(() => expect(oa.stats().deadLetterDepth).toBe(3), WAIT);
    expect([...attempts.keys()].sort()).toEqual([0, 1, 2]);
    for (const n of attempts.values()) expect(n).toBeLessThanOrEqual(4);
    const total = [...attempts.values()].reduce((x, y) => x + y, 0);
    expect(col.unique('gw-a').size).toBe(0);
    expect(a.pub.stats().refusedDeadLettered).toBe(3);
    // still alive and bounded: a new event is tried and given up on, nothing older is resent
    append(oa, 1);
    await vi.waitFor(() => expect(oa.stats().deadLetterDepth).toBe(4), WAIT);
    const after = [...attempts.values()].reduce((x, y) => x + y, 0);
    expect(after - total).toBe(attempts.get(3));
    expect(attempts.get(3)).toBeLessThanOrEqual(4);
  });

  it('stops announcing itself when the broker refuses the status topic instead of reconnecting forever', async () => {
    let statusAttempts = 0;
    const b = await broker({
      authorizePublish: (_c, p) => {
        if (p.topic !== statusTopic(SITE, GW)) return null;
        // the broker also asks about the offline Will on each abnormal close; count the gateway's own publishes
        if ((JSON.parse(Buffer.from(p.payload).toString()) as GatewayStatus).state === 'online') statusAttempts++;
        return new Error('no');
      },
    });
    const col = new SensorCollector().attach(b.aedes);
    const o = outbox();
    append(o, 3);
    const { pub, logs } = publisher(o, b.urls.mqtt, { maxAttempts: 3 });
    await vi.waitFor(() => expect(col.unique(GW).size).toBe(3), WAIT);
    expect(pub.stats().statusDisabled).toBe(true);
    expect(statusAttempts).toBe(3);
    expect(logs.some((l) => l.event === 'status-refused')).toBe(true);
  });
});

describe('publisher: refused telemetry', () => {
  it('a refused QoS 0 telemetry report is blamed on itself, not on the sensor communications around it', async () => {
    let telemetryRefusals = 0;
    const b = await broker({ authorizePublish: (_c, p) => (p.topic.endsWith('/telemetry') ? (telemetryRefusals++, new Error('no telemetry')) : null) });
    const col = new SensorCollector().attach(b.aedes);
    const o = outbox();
    const { pub } = publisher(o, b.urls.mqtt, { telemetryIntervalMs: 10, maxAttempts: 2 });
    for (let i = 0; i < 40; i++) {
      o.append(sampleEvent(SITE, GW, i));
      if (i % 10 === 9) await vi.waitFor(() => expect(telemetryRefusals).toBeGreaterThanOrEqual((i + 1) / 10), WAIT);
    }
    await vi.waitFor(() => expect(col.unique(GW).size).toBe(40), WAIT);
    expect(col.firstArrivals(GW)).toEqual(range(0, 40));
    expect(pub.stats().strikes.telemetry).toBeGreaterThanOrEqual(1);
    expect(pub.stats().strikes.sensor).toBe(0);
    expect(o.stats().deadLetterDepth).toBe(0);
  });
});

describe('publisher: status and Last Will', () => {
  async function statusSeenBy(url: string): Promise<{ messages: { state: string; retain: boolean; bootId?: string }[]; client: mqtt.MqttClient }> {
    const client = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
    cleanups.push(() => client.endAsync(true));
    const messages: { state: string; retain: boolean; bootId?: string }[] = [];
    client.on('message', (_t, payload, packet) => {
      const s = JSON.parse(payload.toString()) as GatewayStatus;
      messages.push({ state: s.state, retain: packet.retain, ...(s.bootId ? { bootId: s.bootId } : {}) });
    });
    await client.subscribeAsync(statusTopic(SITE, GW), { qos: 1 });
    return { messages, client };
  }

  it('publishes retained online on connect; the broker publishes the retained offline Will on an abrupt disconnect', async () => {
    const b = await broker();
    const o = outbox();
    const { pub } = publisher(o, b.urls.mqtt, { version: '0.1.0' });
    append(o, 1);
    await vi.waitFor(() => expect(o.depth()).toBe(0), WAIT); // data flows only after the status PUBACK
    const late = await statusSeenBy(b.urls.mqtt);
    await vi.waitFor(() => expect(late.messages).toEqual([{ state: 'online', retain: true, bootId: o.bootId }]), WAIT);
    await pub.stop({ graceful: false });
    await vi.waitFor(() => expect(late.messages.map((m) => m.state)).toEqual(['online', 'offline']), WAIT);
    const after = await statusSeenBy(b.urls.mqtt);
    await vi.waitFor(() => expect(after.messages).toEqual([{ state: 'offline', retain: true, bootId: o.bootId }]), WAIT);
  });

  it('a graceful stop publishes offline itself (a clean DISCONNECT discards the Will)', async () => {
    const b = await broker();
    const o = outbox();
    const { pub } = publisher(o, b.urls.mqtt);
    await vi.waitFor(() => expect(pub.connected).toBe(true), WAIT);
    const watcher = await statusSeenBy(b.urls.mqtt);
    await vi.waitFor(() => expect(watcher.messages.map((m) => m.state)).toEqual(['online']), WAIT);
    await pub.stop();
    await vi.waitFor(() => expect(watcher.messages.map((m) => m.state)).toEqual(['online', 'offline']), WAIT);
  });
});

describe('publisher: telemetry', () => {
  it('queues periodic telemetry with the pipeline’s health and sends it at QoS 0 after the sensor queue', async () => {
    const b = await broker();
    const col = new SensorCollector().attach(b.aedes, true);
    const o = outbox();
    append(o, 5);
    publisher(o, b.urls.mqtt, {
      telemetryIntervalMs: 20,
      health: () => ({
        radio: { advertisementsSeen: 42, scanRestarts: 1, watchdogResets: 0 },
        sensors: sensorHealthToTelemetry([
          { sensor: 'radar-0', path: '/dev/ttyAMA0', state: 'open', framesOk: 9, bytesSkipped: 1, crcFailures: 0, badFrames: 0, reconnects: 0, lastFrameAgeMs: 12.4 },
          { sensor: 'touch-0', path: '/dev/ttyUSB0', state: 'open', framesOk: 3, bytesSkipped: 0, crcFailures: 0, badFrames: 0, reconnects: 2, lastFrameAgeMs: null },
        ]),
      }),
    });
    await vi.waitFor(() => expect(col.other.filter((m) => m.topic.endsWith('/telemetry')).length).toBeGreaterThanOrEqual(2), WAIT);
    const t = col.other.filter((m) => m.topic.endsWith('/telemetry'));
    expect(t.every((m) => m.qos === 0 && !m.retain)).toBe(true);
    const last = JSON.parse(t[t.length - 1]!.payload) as Telemetry;
    expect(last.radio.advertisementsSeen).toBe(42);
    expect(last.sensors).toEqual({
      'radar-0': { framesOk: 9, bytesSkipped: 1, crcFailures: 0, reconnects: 0, lastFrameAgeMs: 12 },
      'touch-0': { framesOk: 3, bytesSkipped: 0, crcFailures: 0, reconnects: 2 },
    });
    expect(col.unique(GW).size).toBe(5);
    expect(last.counters.eventsPublished).toBe(5);
    expect(last.memory.rssBytes).toBeGreaterThan(0);
  });
});

describe('publisher: transports', () => {
  it('publishes over WebSocket (ws://)', async () => {
    const b = await broker({ wsPort: 0 });
    const col = new SensorCollector().attach(b.aedes);
    const o = outbox();
    append(o, 5);
    publisher(o, b.urls.ws!);
    await vi.waitFor(() => expect(col.firstArrivals(GW)).toEqual(range(0, 5)), WAIT);
  });

  it('publishes over mutual TLS (mqtts:// with CA, client certificate and key); a client without a certificate gets nothing through', async () => {
    const tls = (f: string) => readFileSync(new URL(`./test-support/tls/${f}`, import.meta.url));
    const b = await broker();
    const col = new SensorCollector().attach(b.aedes);
    let tlsRejections = 0;
    const server = createTlsServer(
      { key: tls('server.key'), cert: tls('server.crt'), ca: tls('ca.crt'), requestCert: true, rejectUnauthorized: true },
      (socket) => b.aedes.handle(socket),
    );
    server.on('tlsClientError', () => tlsRejections++);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const url = `mqtts://127.0.0.1:${(server.address() as { port: number }).port}`;

    const o = outbox();
    append(o, 3);
    publisher(o, url, { ca: tls('ca.crt'), cert: tls('client.crt'), key: tls('client.key') });
    await vi.waitFor(() => expect(col.firstArrivals(GW)).toEqual(range(0, 3)), WAIT);

    const stranger = outbox('gw-b');
    append(stranger, 1);
    publisher(stranger, url, { ca: tls('ca.crt') });
    await vi.waitFor(() => expect(tlsRejections).toBeGreaterThanOrEqual(1), WAIT);
    expect(col.unique('gw-b').size).toBe(0);
  });
});
