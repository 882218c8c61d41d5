/**
 * Fleet: N simulated gateways (each its own durable outbox in its own SQLite file, and its own
 * publisher and MQTT connection) against ONE aedes broker on loopback, each appending at a fixed
 * rate. Prints the offered and delivered messages/s, the latency from outbox.append to arrival at a
 * backend subscriber (p50/p99/max), the backlog left in the outboxes, and the broker's CPU share —
 * to show where a site (or a group of sites) outgrows one broker.
 *
 * Processes: this one holds the gateways; the broker and the backend subscriber run in their own
 * processes (gateway/interop/test-support/bench-process.ts), so the broker's CPU is its own. On a
 * 2-core machine three busy processes share two cores; the gateways' own CPU share is printed too,
 * so a saturated gateway side is not mistaken for a saturated broker.
 *
 * The simulated gateways use synchronous=NORMAL: 500 real gateways fsync on 500 SD cards, not on
 * this one disk, and the subject here is the broker. Figures only; nothing is asserted.
 *   node --import tsx scripts/bench-fleet.ts [--seconds S]
 */
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { forkBenchChild, type BenchChild, type BenchStats } from '../gateway/interop/test-support/bench-ipc.js';
import { openOutbox, type Outbox } from '../gateway/publish/outbox.js';
import { createPublisher, type Publisher } from '../gateway/publish/publisher.js';
import { sampleEvent } from '../gateway/publish/test-support/fixtures.js';
import { fmt, machine } from './bench-harness.js';

export interface FleetPhase {
  gateways: number;
  /** Events per second per gateway. */
  ratePerGateway: number;
}

export interface FleetResult extends FleetPhase {
  /** Opening the N outboxes (schema, WAL), then N MQTT connects with their status publish. */
  openMs: number;
  connectMs: number;
  offeredPerSec: number;
  deliveredPerSec: number;
  latencyMs: { p50: number; p99: number; max: number };
  /** Events still in outboxes at the end of the measured window. */
  backlogAtEnd: number;
  /** Not delivered after the drain period. */
  undelivered: number;
  brokerCpu: number;
  gatewaysCpu: number;
  subscriberCpu: number;
  brokerRssMB: number;
}

export interface FleetOptions {
  phases?: FleetPhase[];
  /** Measured window per phase. */
  seconds?: number;
  /** Stop starting phases after this much wall time (the whole run stays within about a minute). */
  budgetS?: number;
  print?: boolean;
  /** Connections for the no-outbox ceiling phase; 0 skips it. Default 500. */
  ceilingClients?: number;
}

const SITE = 'fleet';
export const DEFAULT_PHASES: FleetPhase[] = [
  { gateways: 100, ratePerGateway: 10 },
  { gateways: 500, ratePerGateway: 2 },
  { gateways: 500, ratePerGateway: 10 },
];

function ramDir(): string | undefined {
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return undefined;
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function runPhase(phase: FleetPhase, index: number, seconds: number, dir: string, broker: BenchChild, sub: BenchChild): Promise<FleetResult> {
  const ids = Array.from({ length: phase.gateways }, (_, i) => `p${index}-gw-${String(i).padStart(4, '0')}`);
  const appendedAt = new Map<string, number>();
  const latencies: number[] = [];
  let windowStart = Infinity;
  let windowEnd = Infinity;
  let deliveredInWindow = 0;
  let deliveredTotal = 0;
  const offArrivals = sub.onArrivals((b) => {
    for (let i = 0; i < b.s.length; i++) {
      const key = `${b.g[i]}:${b.s[i]}`;
      const t0 = appendedAt.get(key);
      if (t0 === undefined) continue; // an earlier phase, or a duplicate already counted
      appendedAt.delete(key);
      deliveredTotal++;
      const t = b.t[i]!;
      if (t0 >= windowStart && t0 < windowEnd) latencies.push(t - t0);
      if (t >= windowStart && t < windowEnd) deliveredInWindow++;
    }
  });

  const outboxes: Outbox[] = [];
  const publishers: Publisher[] = [];
  const tOpen = performance.now();
  for (const id of ids) {
    const o = openOutbox({ path: join(dir, `${id}.db`), gatewayId: id, siteId: SITE, synchronous: 'NORMAL', onPressure: () => {} });
    outboxes.push(o);
    const p = createPublisher({ url: broker.url, outbox: o, telemetryIntervalMs: 0, keepaliveS: 60, reconnectPeriodMs: 500, log: () => {} });
    publishers.push(p);
  }
  const openMs = performance.now() - tOpen;
  const t0 = performance.now();
  let connected = 0;
  await new Promise<void>((resolve) => {
    for (const p of publishers) {
      p.once('connect', () => {
        if (++connected === publishers.length) resolve();
      });
      p.start();
    }
  });
  const connectMs = performance.now() - t0;

  // Each gateway appends on its own schedule, offset so the fleet does not fire in lock-step.
  const now = () => performance.timeOrigin + performance.now();
  const periodMs = 1000 / phase.ratePerGateway;
  const start = now() + 1000; // one warm-up second before the window opens
  const next = ids.map((_, i) => start - 1000 + (i / ids.length) * periodMs);
  const counters = ids.map(() => 0);
  windowStart = start;
  windowEnd = start + seconds * 1000;
  let appendedInWindow = 0;
  let cpuBefore = process.cpuUsage();
  let wallBefore = 0;
  let backlogAtEnd = 0;
  await new Promise<void>((resolve) => {
    let markedStart = false;
    const timer = setInterval(() => {
      const t = now();
      if (!markedStart && t >= windowStart) {
        markedStart = true;
        wallBefore = performance.now();
        cpuBefore = process.cpuUsage();
        // Each stats request also resets the child's CPU mark: the next one covers the window only.
        void broker.stats();
        void sub.stats();
      }
      if (t >= windowEnd) {
        clearInterval(timer);
        backlogAtEnd = outboxes.reduce((n, o) => n + o.sensorQueueDepth(), 0);
        resolve();
        return;
      }
      for (let g = 0; g < ids.length; g++) {
        while (next[g]! <= t) {
          const o = outboxes[g]!;
          const r = o.append(sampleEvent(SITE, ids[g]!, counters[g]!, Math.round(next[g]!)));
          counters[g]!++;
          const at = now();
          if (r.ok) {
            appendedAt.set(`${ids[g]}:${r.seq}`, at);
            if (at >= windowStart) appendedInWindow++;
          }
          next[g]! += periodMs;
        }
      }
    }, 5);
  });
  const cpu = process.cpuUsage(cpuBefore);
  const wall = performance.now() - wallBefore;
  const bs: BenchStats = await broker.stats();
  const ss: BenchStats = await sub.stats();

  // Let the backlog drain (bounded) to see whether anything was lost rather than late.
  const drainDeadline = performance.now() + 10_000;
  while (appendedAt.size > 0 && performance.now() < drainDeadline) await new Promise((r) => setTimeout(r, 50));
  await sub.stats(); // flushes the last arrival batch
  const undelivered = appendedAt.size;
  offArrivals();

  await Promise.all(publishers.map((p) => p.stop({ graceful: false })));
  for (const o of outboxes) o.close();
  latencies.sort((a, b) => a - b);
  return {
    ...phase,
    openMs,
    connectMs,
    offeredPerSec: (appendedInWindow / seconds),
    deliveredPerSec: deliveredInWindow / seconds,
    latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies[latencies.length - 1] ?? NaN },
    backlogAtEnd,
    undelivered,
    brokerCpu: bs.cpuShare,
    gatewaysCpu: (cpu.user + cpu.system) / 1000 / wall,
    subscriberCpu: ss.cpuShare,
    brokerRssMB: bs.rssBytes / 2 ** 20,
  };
}

export interface CeilingResult {
  clients: number;
  deliveredPerSec: number;
  latencyMs: { p50: number; p99: number; max: number };
  brokerCpu: number;
  loadCpu: number;
  subscriberCpu: number;
}

/**
 * The broker's ceiling: the same number of connections publishing QoS 1 as fast as they can (8 in
 * flight each), with no outbox behind them — what the broker does when the gateway side is not
 * the limit. Payloads are outbox rows of the same size.
 */
async function runCeiling(clients: number, seconds: number, broker: BenchChild, sub: BenchChild): Promise<CeilingResult> {
  const now = () => performance.timeOrigin + performance.now();
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let delivered = 0;
  let windowStart = Infinity;
  let windowEnd = Infinity;
  const off = sub.onArrivals((b) => {
    for (let i = 0; i < b.s.length; i++) {
      const key = `${b.g[i]}:${b.s[i]}`;
      const t0 = sentAt.get(key);
      if (t0 === undefined) continue;
      sentAt.delete(key);
      const t = b.t[i]!;
      if (t >= windowStart && t < windowEnd) {
        delivered++;
        latencies.push(t - t0);
      }
    }
  });
  const conns: MqttClient[] = await Promise.all(
    Array.from({ length: clients }, (_, i) => mqtt.connectAsync(broker.url, { clientId: `raw-${i}`, reconnectPeriod: 0, keepalive: 60 }, false)),
  );
  let running = true;
  const loops = conns.map(async (c, i) => {
    const id = `raw-${String(i).padStart(4, '0')}`;
    const topic = `tp/v1/${SITE}/${id}/sensor`;
    let seq = 0;
    const worker = async () => {
      while (running) {
        const n = seq++;
        const payload = JSON.stringify({ ...sampleEvent(SITE, id, n), messageId: `${id}:raw:${n}`, seq: n });
        sentAt.set(`${id}:${n}`, now());
        await c.publishAsync(topic, payload, { qos: 1 }).catch(() => {});
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
  });
  await new Promise((r) => setTimeout(r, 1000)); // warm-up
  windowStart = now();
  windowEnd = windowStart + seconds * 1000;
  const cpu0 = process.cpuUsage();
  void broker.stats();
  void sub.stats();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const cpu = process.cpuUsage(cpu0);
  const bs = await broker.stats();
  const ss = await sub.stats();
  running = false;
  await Promise.all(loops);
  await sub.stats();
  off();
  await Promise.all(conns.map((c) => c.endAsync(true)));
  latencies.sort((a, b) => a - b);
  return {
    clients,
    deliveredPerSec: delivered / seconds,
    latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies[latencies.length - 1] ?? NaN },
    brokerCpu: bs.cpuShare,
    loadCpu: (cpu.user + cpu.system) / 1000 / (seconds * 1000),
    subscriberCpu: ss.cpuShare,
  };
}

export async function runFleetBench(options: FleetOptions = {}): Promise<{ phases: FleetResult[]; ceiling?: CeilingResult }> {
  const phases = options.phases ?? DEFAULT_PHASES;
  const seconds = options.seconds ?? 6;
  const budgetMs = (options.budgetS ?? 60) * 1000;
  const print = options.print ?? true;
  const started = performance.now();
  // RAM-backed when available: 500 schema creations with fsync would time the disk, not the broker.
  const dir = mkdtempSync(join(ramDir() ?? tmpdir(), 'tp-bench-fleet-'));
  const broker = await forkBenchChild(['broker']);
  const sub = await forkBenchChild(['subscriber', broker.url]);
  const results: FleetResult[] = [];
  try {
    if (print) console.log(`\nFleet: N gateways (outbox + publisher each) → one aedes broker (own process) → one backend subscriber, loopback, QoS 1, ${seconds} s window, outboxes in ${dir}`);
    if (print) console.log('  gateways × rate      offered/s  delivered/s  latency p50 / p99 / max ms   backlog  lost  CPU: broker  gateways  subscriber  open + connect');
    for (const [i, phase] of phases.entries()) {
      // A 500-gateway phase takes about 2 × seconds + setup; do not start one that cannot finish in the budget.
      if (i > 0 && performance.now() - started + (seconds * 2 + 10) * 1000 > budgetMs) {
        if (print) console.log(`  ${phase.gateways} × ${phase.ratePerGateway}/s skipped: the ${budgetMs / 1000} s budget is spent`);
        continue;
      }
      const r = await runPhase(phase, i, seconds, dir, broker, sub);
      results.push(r);
      if (print) {
        const lat = `${r.latencyMs.p50.toFixed(1)} / ${r.latencyMs.p99.toFixed(1)} / ${r.latencyMs.max.toFixed(0)}`;
        console.log(
          `  ${`${r.gateways} × ${r.ratePerGateway}/s`.padEnd(18)} ${fmt(r.offeredPerSec).padStart(9)}  ${fmt(r.deliveredPerSec).padStart(11)}  ${lat.padStart(27)}  ${String(r.backlogAtEnd).padStart(7)}  ${String(r.undelivered).padStart(4)}  ${`${(r.brokerCpu * 100).toFixed(0)} %`.padStart(11)}  ${`${(r.gatewaysCpu * 100).toFixed(0)} %`.padStart(8)}  ${`${(r.subscriberCpu * 100).toFixed(0)} %`.padStart(10)}  ${(r.openMs / 1000).toFixed(1)} + ${(r.connectMs / 1000).toFixed(1)} s`,
        );
      }
    }
    let ceiling: CeilingResult | undefined;
    const ceilingClients = options.ceilingClients ?? 500;
    if (ceilingClients > 0 && performance.now() - started + (seconds + 5) * 1000 <= budgetMs) {
      ceiling = await runCeiling(ceilingClients, seconds, broker, sub);
      if (print) {
        const c = ceiling;
        const lat = `${c.latencyMs.p50.toFixed(1)} / ${c.latencyMs.p99.toFixed(1)} / ${c.latencyMs.max.toFixed(0)}`;
        console.log(
          `  ${`${c.clients} raw, flat out`.padEnd(18)} ${'-'.padStart(9)}  ${fmt(c.deliveredPerSec).padStart(11)}  ${lat.padStart(27)}  ${'-'.padStart(7)}  ${'-'.padStart(4)}  ${`${(c.brokerCpu * 100).toFixed(0)} %`.padStart(11)}  ${`${(c.loadCpu * 100).toFixed(0)} %`.padStart(8)}  ${`${(c.subscriberCpu * 100).toFixed(0)} %`.padStart(10)}  (no outbox: the broker's ceiling)`,
        );
      }
    }
    if (print && results.length > 0) {
      const all = [...results.map((r) => ({ rate: r.deliveredPerSec, cpu: r.brokerCpu })), ...(ceiling ? [{ rate: ceiling.deliveredPerSec, cpu: ceiling.brokerCpu }] : [])];
      const best = all.reduce((a, b) => (b.rate > a.rate ? b : a));
      const usPerMsg = best.rate > 0 ? (best.cpu * 1e6) / best.rate : NaN;
      console.log(
        `  broker cost: ${usPerMsg.toFixed(0)} µs of CPU per message in and out (${fmt(best.rate)} msgs/s at ${(best.cpu * 100).toFixed(0)} % of a core) → one aedes process (Node, one core) tops out near ${fmt(1e6 / usPerMsg)} msgs/s.`,
      );
      console.log('  A shelf gateway sends a few events a minute; the broker limit is connection count and bursts (reconnect storms), not the average rate. See gateway/interop/README.md.');
    }
    return { phases: results, ...(ceiling ? { ceiling } : {}) };
  } finally {
    await sub.close();
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--seconds');
  console.log(`Touchpoint fleet benchmark — ${machine()}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  await runFleetBench(i > 0 ? { seconds: Number(process.argv[i + 1]) } : {});
}
