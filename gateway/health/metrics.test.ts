/**
 * Scrapes the endpoint over HTTP and parses the Prometheus text exposition format (0.0.4:
 * `# HELP`, `# TYPE`, then `name{label="value",…} value` lines) — what a Prometheus server reads.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSimBroadcaster } from '../../beacon-sim/radio/index.js';
import type { SensorHealth } from '../core/types.js';
import { startBroker } from '../broker/index.js';
import type { OutboxStats } from '../publish/outbox.js';
import { startGateway } from '../run/gateway.js';
import { cartAd, configSet, spotAdvBytes, freeUdpPort, loadStore, writeStore } from '../remote/test-support.js';
import { createGatewayMetrics } from './metrics.js';
import { startMetricsServer } from './server.js';
import mqtt from 'mqtt';

const WAIT = { timeout: 20_000, interval: 25 };
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
interface Exposition {
  types: Map<string, string>;
  help: Map<string, string>;
  samples: Sample[];
}

/** A strict reader of the text format: every line is a comment, blank, or a valid sample. */
function parseExposition(text: string): Exposition {
  const out: Exposition = { types: new Map(), help: new Map(), samples: [] };
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let m = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (m) {
      (m[1] === 'HELP' ? out.help : out.types).set(m[2]!, m[3]!);
      continue;
    }
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    // Go's ParseFloat, which Prometheus uses, takes NaN and Inf in any case.
    const value = /^[+-]?inf$/i.test(m[3]!) ? (m[3]!.startsWith('-') ? -Infinity : Infinity) : /^nan$/i.test(m[3]!) ? NaN : Number(m[3]);
    if (Number.isNaN(value) && !/^nan$/i.test(m[3]!)) throw new Error(`bad value in: ${line}`);
    out.samples.push({ name: m[1]!, labels, value });
  }
  return out;
}

const value = (e: Exposition, name: string, labels: Record<string, string> = {}) =>
  e.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

async function scrape(url: string): Promise<{ status: number; type: string | null; e: Exposition }> {
  const res = await fetch(url);
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), e: parseExposition(text) };
}

const health = (sensor: string, over: Partial<SensorHealth> = {}): SensorHealth => ({
  sensor,
  path: `/dev/${sensor}`,
  state: 'open',
  framesOk: 0,
  bytesSkipped: 0,
  crcFailures: 0,
  badFrames: 0,
  reconnects: 0,
  lastFrameAgeMs: null,
  ...over,
});

describe('metrics endpoint (sources read at scrape time)', () => {
  it('serves every metric in the exposition format on 127.0.0.1, values read at scrape time', async () => {
    const radio = { advertisementsSeen: 10, scanRestarts: 1, watchdogResets: 2 };
    let sensors = [health('radar0', { framesOk: 120, crcFailures: 3, badFrames: 1, bytesSkipped: 40 }), health('touch0', { framesOk: 7, state: 'retrying', reconnects: 4 })];
    const outbox = { sensorDepth: 5, telemetryDepth: 2, capacity: 101_000, deadLetterDepth: 1, deadLettered: 1, sensorRefused: 0, sensorDropped: 0, rejectedInvalid: 2 } as OutboxStats;
    const m = createGatewayMetrics(
      {
        radio: () => radio,
        sensors: () => sensors,
        outbox: () => outbox,
        config: () => ({ revision: 4, siteRevision: 2, applied: 3, rejected: 1 }),
      },
      { gatewayId: 'gw-a', siteId: 'store-12', version: '0.1.0' },
    );
    const server = await startMetricsServer({ registry: m.registry, port: 0 });
    cleanups.push(() => server.close());
    expect(server.host).toBe('127.0.0.1');

    let { status, type, e } = await scrape(server.url);
    expect(status).toBe(200);
    expect(type).toContain('text/plain');
    expect(e.types.get('touchpoint_ble_advertisements_seen_total')).toBe('counter');
    expect(e.types.get('touchpoint_outbox_depth')).toBe('gauge');
    expect(e.types.get('touchpoint_publish_latency_seconds')).toBe('histogram');
    expect(value(e, 'touchpoint_ble_advertisements_seen_total')).toBe(10);
    expect(value(e, 'touchpoint_ble_watchdog_resets_total')).toBe(2);
    expect(value(e, 'touchpoint_ble_scan_restarts_total')).toBe(1);
    expect(value(e, 'touchpoint_sensor_frames_total', { sensor: 'radar0' })).toBe(120);
    expect(value(e, 'touchpoint_sensor_frames_total', { sensor: 'touch0' })).toBe(7);
    expect(value(e, 'touchpoint_sensor_errors_total', { sensor: 'radar0', type: 'crc' })).toBe(3);
    expect(value(e, 'touchpoint_sensor_errors_total', { sensor: 'radar0', type: 'bad_frame' })).toBe(1);
    expect(value(e, 'touchpoint_sensor_up', { sensor: 'touch0' })).toBe(0);
    expect(value(e, 'touchpoint_sensor_reconnects_total', { sensor: 'touch0' })).toBe(4);
    expect(value(e, 'touchpoint_outbox_depth', { class: 'sensor' })).toBe(5);
    expect(value(e, 'touchpoint_outbox_depth', { class: 'telemetry' })).toBe(2);
    expect(value(e, 'touchpoint_dead_letters')).toBe(1);
    expect(value(e, 'touchpoint_dead_lettered_total', { reason: 'invalid' })).toBe(2);
    expect(value(e, 'touchpoint_config_revision', { source: 'gateway' })).toBe(4);
    expect(value(e, 'touchpoint_config_revision', { source: 'site' })).toBe(2);
    expect(value(e, 'touchpoint_config_changes_total', { result: 'rejected' })).toBe(1);
    expect(value(e, 'touchpoint_gateway_info', { gateway: 'gw-a', site: 'store-12', version: '0.1.0' })).toBe(1);
    expect(e.samples.some((s) => s.name === 'process_resident_memory_bytes' || s.name === 'nodejs_heap_size_used_bytes')).toBe(true);

    // The next scrape sees the sources as they are then (a sensor unplugged and gone).
    radio.advertisementsSeen = 25;
    outbox.sensorDepth = 0;
    sensors = [health('radar0', { framesOk: 130 })];
    ({ e } = await scrape(server.url));
    expect(value(e, 'touchpoint_ble_advertisements_seen_total')).toBe(25);
    expect(value(e, 'touchpoint_outbox_depth', { class: 'sensor' })).toBe(0);
    expect(value(e, 'touchpoint_sensor_frames_total', { sensor: 'touch0' })).toBeUndefined();
  });

  it('publish latency: append → acked observations; unknown and dead-lettered seqs are not counted', async () => {
    let mono = 1000;
    const m = createGatewayMetrics({}, { gatewayId: 'gw-a', siteId: 's', clock: { now: () => 0, mono: () => mono }, defaultMetrics: false, maxPending: 2 });
    const { EventEmitter } = await import('node:events');
    const pub = new EventEmitter();
    const off = m.attachPublisher(pub as never);
    m.noteAppended(1);
    m.noteAppended(2);
    mono = 1250;
    pub.emit('acked', { seq: 1, messageId: 'x' });
    pub.emit('acked', { seq: 1, messageId: 'x' }); // a duplicate PUBACK after a resend
    pub.emit('dead-letter', { seq: 2, messageId: 'y', attempts: 3, reason: 'refused' });
    pub.emit('acked', { seq: 2, messageId: 'y' });
    m.noteAppended(3);
    m.noteAppended(4);
    m.noteAppended(5); // pushes 3 out (maxPending 2)
    mono = 3250;
    for (const seq of [3, 4, 5, 99]) pub.emit('acked', { seq, messageId: 'z' });
    off();
    const e = parseExposition(await m.metrics());
    expect(value(e, 'touchpoint_publish_latency_seconds_count')).toBe(3);
    expect(value(e, 'touchpoint_publish_latency_seconds_sum')).toBeCloseTo(0.25 + 2 + 2, 6);
    expect(value(e, 'touchpoint_publish_latency_seconds_bucket', { le: '0.25' })).toBe(1);
    expect(value(e, 'touchpoint_publish_latency_seconds_bucket', { le: '2.5' })).toBe(3);
  });

  it('answers /healthz, 404 elsewhere, 405 for other methods; two registries never share values', async () => {
    const a = createGatewayMetrics({ radio: () => ({ advertisementsSeen: 1 }) }, { gatewayId: 'a', siteId: 's', defaultMetrics: false });
    const b = createGatewayMetrics({ radio: () => ({ advertisementsSeen: 2 }) }, { gatewayId: 'b', siteId: 's', defaultMetrics: false });
    const server = await startMetricsServer({ registry: a.registry, port: 0 });
    cleanups.push(() => server.close());
    const base = server.url.replace('/metrics', '');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(server.url, { method: 'POST' })).status).toBe(405);
    expect(value(parseExposition(await a.metrics()), 'touchpoint_ble_advertisements_seen_total')).toBe(1);
    expect(value(parseExposition(await b.metrics()), 'touchpoint_ble_advertisements_seen_total')).toBe(2);
  });
});

describe('metrics of a running gateway', () => {
  it('advertisements heard on the radio, publish latency of delivered events and the remote config revision', async () => {
    const broker = await startBroker({ anonymous: true, port: 0 });
    cleanups.push(() => broker.close());
    const simPort = await freeUdpPort();
    const files = writeStore({ brokerUrl: broker.urls.mqtt, simPort, extraYaml: 'metrics: { port: 0 }\npipeline: { proximity: { rssiDbm: -80 } }' });
    cleanups.push(() => files.cleanup());
    const gw = await startGateway({ ...loadStore(files.configPath), configPath: files.configPath, log: () => {} });
    cleanups.push(() => gw.stop(0));
    expect(gw.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);

    // The simulated radio: real UDP datagrams into the sim scanner (the spot's own fixture, not presence).
    const radio = createSimBroadcaster({ port: simPort });
    cleanups.push(() => radio.close());
    for (let i = 0; i < 5; i++) radio.send({ address: 'c0:ff:ee:00:00:42', rssi: -90, adv: spotAdvBytes() });
    await radio.flush();
    await vi.waitFor(async () => expect(value((await scrape(gw.metricsUrl!)).e, 'touchpoint_ble_advertisements_seen_total')).toBe(5), WAIT);

    // One sensor communication, committed and acknowledged by the broker.
    gw.pipeline.onAdvertisement(cartAd(-70));
    await gw.drained();
    await vi.waitFor(async () => {
      const { e } = await scrape(gw.metricsUrl!);
      expect(value(e, 'touchpoint_publish_latency_seconds_count')).toBe(1);
      expect(value(e, 'touchpoint_events_published_total')).toBe(1);
      expect(value(e, 'touchpoint_mqtt_connected')).toBe(1);
      expect(value(e, 'touchpoint_outbox_depth', { class: 'sensor' })).toBe(0);
    }, WAIT);

    const backend = await mqtt.connectAsync(broker.urls.mqtt, { protocolVersion: 4, clientId: 'backend-metrics', reconnectPeriod: 0 });
    cleanups.push(() => backend.endAsync(true));
    const p = configSet(3, { 'pipeline.viewMs': 2500 });
    await backend.publishAsync(p.topic, p.payload, { qos: 1, retain: true });
    await vi.waitFor(async () => expect(value((await scrape(gw.metricsUrl!)).e, 'touchpoint_config_revision', { source: 'gateway' })).toBe(3), WAIT);
  });
});
