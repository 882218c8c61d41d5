/**
 * Outbox → broker throughput: sensor communications per second, QoS 1, over loopback to the
 * embedded aedes broker, side by side with a raw MQTT.js QoS 1 publish loop of the same payloads
 * (the baseline: what the client library and broker manage with no outbox, no ordering window and
 * no durability). Also the accept rate of outbox.append (stamp + validate + fsync'd commit).
 *   node --import tsx scripts/bench-outbox.ts [events]
 * Figures only; nothing is asserted. The outbox lives in os.tmpdir() (its disk decides the fsync cost).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import mqtt from 'mqtt';
import { startBroker } from '../gateway/broker/broker.js';
import { openOutbox, type Outbox, type OutboxRow } from '../gateway/publish/outbox.js';
import { createPublisher } from '../gateway/publish/publisher.js';
import { sampleEvent } from '../gateway/publish/test-support/fixtures.js';
import { table, type BenchResult } from './bench-harness.js';

const SITE = 'bench-site';

function fill(dir: string, name: string, events: number): { outbox: Outbox; appendResult: BenchResult } {
  const outbox = openOutbox({ path: join(dir, `${name}.db`), gatewayId: name, siteId: SITE, onPressure: () => {} });
  const t0 = performance.now();
  for (let i = 0; i < events; i++) {
    const r = outbox.append(sampleEvent(SITE, name, i, Date.now()));
    if (!r.ok) throw new Error(`append refused: ${r.reason}`);
  }
  const ms = performance.now() - t0;
  return { outbox, appendResult: { name: 'outbox.append (stamp, validate, commit, fsync)', opsPerSec: (events / ms) * 1000, ops: events, ms } };
}

async function rawLoop(url: string, rows: readonly OutboxRow[], inflight: number, name: string): Promise<BenchResult> {
  const client = await mqtt.connectAsync(url, { clientId: `raw-${inflight}`, reconnectPeriod: 0 }, false);
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < rows.length) {
      const row = rows[next++]!;
      await client.publishAsync(row.topic, row.payload, { qos: 1 });
    }
  };
  await Promise.all(Array.from({ length: inflight }, worker));
  const ms = performance.now() - t0;
  await client.endAsync();
  return { name, opsPerSec: (rows.length / ms) * 1000, ops: rows.length, ms };
}

async function drain(url: string, outbox: Outbox, windowSize: number): Promise<BenchResult> {
  const events = outbox.sensorQueueDepth();
  const pub = createPublisher({ url, outbox, windowSize, telemetryIntervalMs: 0, log: () => {} });
  const connected = new Promise<number>((r) => pub.once('connect', () => r(performance.now())));
  pub.start();
  const t0 = await connected;
  await pub.whenDrained();
  const ms = performance.now() - t0;
  await pub.stop();
  return { name: `outbox → broker, window ${windowSize} (PUBACK deletes the row)`, opsPerSec: (events / ms) * 1000, ops: events, ms };
}

export async function runOutboxBench(events = 5000): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tp-bench-outbox-'));
  const broker = await startBroker({ anonymous: true, port: 0 });
  try {
    const url = broker.urls.mqtt;
    const first = fill(dir, 'gw-w1', events);
    const rows = first.outbox.peekSensor(-1, events);
    const results: BenchResult[] = [];
    results.push(await rawLoop(url, rows, rows.length, 'raw MQTT.js QoS 1, all in flight (baseline)'));
    results.push(await rawLoop(url, rows, 8, 'raw MQTT.js QoS 1, 8 in flight'));
    results.push(await rawLoop(url, rows, 1, 'raw MQTT.js QoS 1, await each'));
    results.push(await drain(url, first.outbox, 1));
    first.outbox.close();
    for (const w of [8, 32]) {
      const { outbox } = fill(dir, `gw-w${w}`, events);
      results.push(await drain(url, outbox, w));
      outbox.close();
    }
    table(`Outbox → aedes over loopback, ${events} sensor communications of ~${rows[0]!.payload.length} B, QoS 1`, results, 'events/s');
    console.log(`  ${first.appendResult.name.padEnd(52)} ${first.appendResult.opsPerSec.toFixed(0).padStart(10)} events/s  (synchronous=FULL, ${dir})`);
    return [...results, first.appendResult];
  } finally {
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runOutboxBench(Number(process.argv[2] ?? 5000));
