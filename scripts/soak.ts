/**
 * Soak: the simulated store at high speed through the real pipeline, durable outbox and publisher,
 * for as long as asked, printing memory over time and, at the end, accepted / delivered / lost /
 * duplicated and a verdict on memory growth once warm. Goal (issue 7): ≥ 1 M events with no growth
 * beyond a small bound. Figures only; nothing is asserted.
 *
 *   npm run soak -- --minutes 10 [--every 10] [--events N] [--sync full|normal] [--seed 1]
 *
 * The store runs on simulated time, as fast as the outbox can commit (backpressure: the producer
 * pauses while more than 2 000 events wait for the broker): shoppers' tags (registered iBeacons)
 * come and go with log-distance RSSI, a flood of unknown random-address devices churns the caches,
 * the radar sees a shopper approach and stand every 6 s, and twelve touch pads are pressed and
 * released. The broker (aedes) and a sequence-tracking subscriber run in a child process, so this
 * process holds only the gateway side and its memory is the gateway's.
 * Run with --expose-gc (the npm script does) so each sample is taken after a full collection.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { encodeIBeaconManufacturerData } from '../protocol/ble/index.js';
import { loadGateway } from '../gateway/config/index.js';
import type { Clock, RadarReading, RadioAdvertisement, Stamp, TouchEvent } from '../gateway/core/types.js';
import { forkBenchChild } from '../gateway/interop/test-support/bench-ipc.js';
import { createPipeline, recommendedTickMs } from '../gateway/pipeline/index.js';
import { openOutbox } from '../gateway/publish/outbox.js';
import { createPublisher } from '../gateway/publish/publisher.js';
import { machine } from './bench-harness.js';

export interface SoakOptions {
  minutes: number;
  /** Seconds between memory samples. */
  everyS: number;
  /** Stop early once this many events were accepted (default: run the whole time). */
  events?: number;
  sync: 'FULL' | 'NORMAL';
  seed: number;
  out?: (line: string) => void;
}

export interface SoakSample {
  tS: number;
  accepted: number;
  acked: number;
  depth: number;
  rssMB: number;
  heapMB: number;
  externalMB: number;
}

export interface SoakResult {
  accepted: number;
  delivered: number;
  lost: number;
  duplicated: number;
  refused: number;
  advertisements: number;
  simulatedHours: number;
  samples: SoakSample[];
  heapGrowthMB: number;
  rssGrowthMB: number;
  rssSlopeMBPerHour: number;
  verdict: 'ok' | 'growth' | 'too short';
}

const SITE = 'soak-store';
const GW = 'gw-soak';
const UUID = 'f7826da6-4fa2-4e98-8024-bc5b71e0893e';
const TAGS = 300;
const STEP_MS = 20;
/** Heap growth after warm-up that still counts as flat (caches are full by then). */
const HEAP_BOUND_MB = 16;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Simulated time: mono advances only when the store does; wall = a fixed epoch + mono. */
class SimClock implements Clock {
  monoMs = 0;
  constructor(private readonly wall0: number) {}
  now(): number {
    return this.wall0 + this.monoMs;
  }
  mono(): number {
    return this.monoMs;
  }
  stamp(): Stamp {
    return { wallMs: this.now(), monoMs: this.monoMs };
  }
}

function writeStore(dir: string): void {
  writeFileSync(
    join(dir, 'site-registry.yaml'),
    stringify({
      v: 1,
      siteId: SITE,
      beacons: [
        { beaconId: `ibeacon:${UUID}:100:1`, spot: 'endcap-3', item: { itemId: 'sku-88412', itemType: 'sports', area: 'aisle-7' } },
        ...Array.from({ length: TAGS }, (_, i) => ({ beaconId: `ibeacon:${UUID}:200:${i + 1}`, spot: `cart-${i + 1}` })),
      ],
      gateways: [{ gatewayId: GW, spot: 'endcap-3' }],
    }),
  );
  writeFileSync(
    join(dir, 'gateway.yaml'),
    stringify({
      gateway: { id: GW, siteId: SITE, spot: 'endcap-3', dataDir: join(dir, 'data') },
      broker: { url: 'mqtt://127.0.0.1:1' }, // replaced by the child broker's URL
      radio: { kind: 'sim', simPort: 47100 },
      // Sensor paths are never opened: the soak feeds the pipeline directly.
      sensors: { radar: { path: '/dev/null-radar0' }, touch: { path: '/dev/null-touch0', channels: { 3: { itemId: 'sku-88412' } } } },
      registry: { path: 'site-registry.yaml' },
      pipeline: { dwell: { intervalMs: 1000, thresholdMs: 3000 }, proximity: { rssiDbm: -62 }, inactivityMs: 3000, approachCm: 120, viewMs: 1500, holdMs: 600 },
    }),
  );
}

/** One tag's visit: it walks in to `nearM` and out again over `durationMs`. */
interface Visit {
  minor: number;
  start: number;
  durationMs: number;
  nearM: number;
  phase: number;
}

export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  const out = o.out ?? ((l: string) => console.log(l));
  const dir = mkdtempSync(join(tmpdir(), 'tp-soak-'));
  const broker = await forkBenchChild(['broker', '--track']);
  const random = mulberry32(o.seed);
  const clock = new SimClock(1_739_528_400_000);
  try {
    writeStore(dir);
    const loaded = loadGateway(join(dir, 'gateway.yaml'));
    if (!loaded.ok) throw new Error(`soak config invalid: ${loaded.errors.map((e) => e.message).join('; ')}`);
    const { config, registry, index } = loaded;
    const pipeline = createPipeline({ config, registry, index, clock });
    const outbox = openOutbox({ path: join(dir, 'outbox.sqlite'), gatewayId: GW, siteId: SITE, clock, synchronous: o.sync, onPressure: () => {} });
    let refused = 0;
    let accepted = 0;
    pipeline.on((body) => {
      const r = outbox.append({ ...body, gatewayId: GW, siteId: SITE });
      if (r.ok) accepted++;
      else refused++;
    });
    let advertisements = 0;
    const publisher = createPublisher({
      url: broker.url,
      outbox,
      telemetryIntervalMs: 10_000,
      log: () => {},
      health: () => {
        const s = pipeline.stats().sightings;
        return { radio: { advertisementsSeen: s.seen, scanRestarts: 0, watchdogResets: 0 }, sensors: {} };
      },
    });
    publisher.start();

    // --- the store ---------------------------------------------------------------------------------
    const visits: Visit[] = [];
    const free = Array.from({ length: TAGS }, (_, i) => i + 1);
    const tickEvery = recommendedTickMs(config);
    let nextTick = 0;
    const press: { channel: number; downAt: number; upAt: number; down: boolean }[] = Array.from({ length: 12 }, (_, c) => ({ channel: c, downAt: 100 + c * 37, upAt: 0, down: false }));
    const mfd = new Map<number, Uint8Array>();
    const tagData = (minor: number) => mfd.get(minor) ?? mfd.set(minor, encodeIBeaconManufacturerData({ uuid: UUID, major: 200, minor, measuredPower: -59 })).get(minor)!;
    const unknownData = encodeIBeaconManufacturerData({ uuid: '00000000-1111-2222-3333-444444444444', major: 1, minor: 1, measuredPower: -59 });

    const noServiceData: RadioAdvertisement['serviceData'] = [];
    const radio = (address: string, rssi: number, data: Uint8Array) => {
      advertisements++;
      pipeline.onAdvertisement({ address, addressType: 'random', rssi, manufacturerData: [data], serviceData: noServiceData, at: clock.stamp() });
    };
    const hex2 = (n: number) => (n & 255).toString(16).padStart(2, '0');
    const tagAddress = Array.from({ length: TAGS + 1 }, (_, m) => `c0:00:00:00:${hex2(m >> 8)}:${hex2(m)}`);
    // 64 Ki rotating addresses: 16× the address cache, so it churns as under a real flood.
    const unknownAddress = Array.from({ length: 65_536 }, (_, a) => `de:ad:be:${hex2(a >> 16)}:${hex2(a >> 8)}:${hex2(a)}`);
    const radarAt = (t: number): RadarReading => {
      const c = t % 6000; // empty 0–1 s, walks in 1–3 s, stands 3–5 s, leaves 5–6 s
      const base = { sensor: 'radar0', model: 'ld2410' as const, at: clock.stamp(), movingEnergy: 0, staticEnergy: 0 };
      if (c < 1000) return { ...base, moving: false, stationary: false, distanceCm: null, movingDistanceCm: null, staticDistanceCm: null };
      if (c < 3000) {
        const d = Math.round(400 - ((c - 1000) / 2000) * 340);
        return { ...base, moving: true, stationary: false, distanceCm: d, movingDistanceCm: d, staticDistanceCm: null, movingEnergy: 60 };
      }
      if (c < 5000) return { ...base, moving: false, stationary: true, distanceCm: 60, movingDistanceCm: null, staticDistanceCm: 60, staticEnergy: 50 };
      const d = Math.round(60 + ((c - 5000) / 1000) * 400);
      return { ...base, moving: true, stationary: false, distanceCm: d, movingDistanceCm: d, staticDistanceCm: null, movingEnergy: 60 };
    };

    function step(): void {
      clock.monoMs += STEP_MS;
      const t = clock.monoMs;
      // tags: about 30 in the store at a time, each a 15–45 s visit, heard every 200 ms
      while (visits.length < 30 && free.length > 0) {
        const minor = free.splice(Math.floor(random() * free.length), 1)[0]!;
        visits.push({ minor, start: t, durationMs: 15_000 + random() * 30_000, nearM: 0.3 + random() * 3, phase: Math.floor(random() * 10) * STEP_MS });
      }
      for (let i = visits.length - 1; i >= 0; i--) {
        const v = visits[i]!;
        const f = (t - v.start) / v.durationMs;
        if (f >= 1) {
          visits.splice(i, 1);
          free.push(v.minor);
          continue;
        }
        if ((t + v.phase) % 200 !== 0) continue;
        const distance = v.nearM + (12 - v.nearM) * Math.abs(1 - 2 * f);
        const rssi = Math.round(-59 - 25 * Math.log10(Math.max(0.1, distance)) + (random() - 0.5) * 6);
        radio(tagAddress[v.minor]!, rssi, tagData(v.minor));
      }
      // unknown devices with random rotating addresses: only ever evict from the caches
      for (let k = 0; k < 3; k++) radio(unknownAddress[Math.floor(random() * unknownAddress.length)]!, -80, unknownData);
      if (t % 100 === 0) pipeline.onRadar(radarAt(t));
      // twelve pads: press 100–900 ms (touch below holdMs 600, hold above), release 100–300 ms
      for (const p of press) {
        if (!p.down && t >= p.downAt) {
          p.down = true;
          p.upAt = t + 100 + Math.floor(random() * 800);
          pipeline.onTouch({ sensor: 'touch0', at: clock.stamp(), channel: p.channel, touched: true } satisfies TouchEvent);
        } else if (p.down && t >= p.upAt) {
          p.down = false;
          p.downAt = t + 100 + Math.floor(random() * 200);
          pipeline.onTouch({ sensor: 'touch0', at: clock.stamp(), channel: p.channel, touched: false } satisfies TouchEvent);
        }
      }
      if (t >= nextTick) {
        pipeline.tick(clock.stamp());
        nextTick = t + tickEvery;
      }
    }

    // --- run, sample, report ---------------------------------------------------------------------
    const samples: SoakSample[] = [];
    const started = performance.now();
    const endAt = started + o.minutes * 60_000;
    const gc = (globalThis as { gc?: () => void }).gc;
    if (!gc) out('note: run with node --expose-gc for stable heap samples (npm run soak does)');
    const sample = () => {
      gc?.();
      const m = process.memoryUsage();
      const s: SoakSample = {
        tS: (performance.now() - started) / 1000,
        accepted,
        acked: publisher.stats().eventsPublished,
        depth: outbox.sensorQueueDepth(),
        rssMB: m.rss / 2 ** 20,
        heapMB: m.heapUsed / 2 ** 20,
        externalMB: m.external / 2 ** 20,
      };
      samples.push(s);
      const ps = pipeline.stats().sightings;
      const prev = samples[samples.length - 2];
      const rate = prev && s.tS - prev.tS > 0.5 ? ((s.accepted - prev.accepted) / (s.tS - prev.tS)).toFixed(0) : '-';
      out(
        `t=${s.tS.toFixed(0).padStart(5)} s  events ${String(s.accepted).padStart(8)} (${rate.padStart(5)}/s)  acked ${String(s.acked).padStart(8)}  queued ${String(s.depth).padStart(5)}  ` +
          `rss ${s.rssMB.toFixed(1).padStart(6)} MB  heap ${s.heapMB.toFixed(1).padStart(6)} MB  external ${s.externalMB.toFixed(1).padStart(5)} MB  ` +
          `caches: addresses ${ps.addresses.size}/${ps.addresses.capacity}, beacons ${ps.beacons.size}  sim ${(clock.monoMs / 3_600_000).toFixed(1)} h`,
      );
    };
    out(`soak: ${o.minutes} min, sample every ${o.everyS} s, outbox synchronous=${o.sync}, ${dir} — ${machine()}`);
    sample();
    let nextSample = performance.now() + o.everyS * 1000;
    while (performance.now() < endAt && (o.events === undefined || accepted < o.events)) {
      // 1 s of store time per batch, then let the publisher's I/O run.
      for (let i = 0; i < 1000 / STEP_MS; i++) step();
      if (outbox.sensorQueueDepth() > 2000) {
        while (outbox.sensorQueueDepth() > 500 && performance.now() < endAt) await sleep(2);
      } else await new Promise((r) => setImmediate(r));
      if (performance.now() >= nextSample) {
        sample();
        nextSample += o.everyS * 1000;
      }
    }
    sample();
    out('draining the outbox …');
    await Promise.race([publisher.whenDrained(), sleep(120_000, undefined, { ref: false })]);
    await publisher.stop();
    const b = await broker.stats();
    outbox.close();

    // Warm = after the first fifth of the run (caches filled, JIT settled), at least one sample in.
    // Heap: median of the last third of the warm samples minus the median of the first third (the
    // verdict). RSS moves by tens of MB with the allocator and GC, so it is reported as its range and
    // least-squares slope instead.
    const warmIndex = Math.max(1, Math.floor(samples.length / 5));
    const warm = samples.slice(warmIndex);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
    const third = Math.max(1, Math.floor(warm.length / 3));
    const growth = (f: (s: SoakSample) => number) => (warm.length >= 2 ? median(warm.slice(-third).map(f)) - median(warm.slice(0, third).map(f)) : NaN);
    const heapGrowthMB = growth((s) => s.heapMB);
    const rssGrowthMB = growth((s) => s.rssMB);
    const rssSlopeMBh = slope(warm.map((s) => [s.tS / 3600, s.rssMB]));
    const rss = warm.map((s) => s.rssMB);
    const warmSpanS = warm.length >= 2 ? warm[warm.length - 1]!.tS - warm[0]!.tS : 0;
    const verdict: SoakResult['verdict'] = warm.length < 4 ? 'too short' : heapGrowthMB <= HEAP_BOUND_MB ? 'ok' : 'growth';
    const result: SoakResult = {
      accepted,
      delivered: b.received,
      lost: b.lost + Math.max(0, accepted - b.received - b.lost),
      duplicated: b.duplicates,
      refused,
      advertisements,
      simulatedHours: clock.monoMs / 3_600_000,
      samples,
      heapGrowthMB,
      rssGrowthMB,
      rssSlopeMBPerHour: rssSlopeMBh,
      verdict,
    };
    out('');
    out(`accepted ${accepted}  delivered ${result.delivered}  lost ${result.lost}  duplicated ${result.duplicated}  refused by the outbox ${refused}  (${advertisements} advertisements, ${result.simulatedHours.toFixed(1)} h of store time)`);
    out(`goal ≥ 1 M events: ${accepted >= 1_000_000 ? 'reached' : `not reached (${accepted}); run longer (--minutes)`}`);
    const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}`;
    out(
      `memory once warm (from t=${warm[0]?.tS.toFixed(0) ?? '?'} s): heap ${signed(heapGrowthMB)} MB — ` +
        (verdict === 'ok' ? `OK, within the ${HEAP_BOUND_MB} MB bound` : verdict === 'growth' ? `GROWTH beyond the ${HEAP_BOUND_MB} MB bound` : 'too few samples for a verdict (raise --minutes or lower --every)') +
        `; rss ${Math.min(...rss).toFixed(0)}–${Math.max(...rss).toFixed(0)} MB` +
        // A slope over a few minutes of ±20 MB noise says nothing per hour.
        (warmSpanS >= 600 ? `, trend ${signed(rssSlopeMBh)} MB/h` : ''),
    );
    return result;
  } finally {
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Least-squares slope of y over x; NaN with fewer than two points. */
function slope(points: [number, number][]): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mx = points.reduce((a, p) => a + p[0], 0) / n;
  const my = points.reduce((a, p) => a + p[1], 0) / n;
  const sxy = points.reduce((a, p) => a + (p[0] - mx) * (p[1] - my), 0);
  const sxx = points.reduce((a, p) => a + (p[0] - mx) ** 2, 0);
  return sxx > 0 ? sxy / sxx : NaN;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const minutes = Number(arg('minutes') ?? 10);
  const everyS = Number(arg('every') ?? Math.max(5, Math.min(60, Math.round((minutes * 60) / 20))));
  const events = arg('events');
  const sync = (arg('sync') ?? 'full').toUpperCase();
  if (!(minutes > 0) || !(everyS > 0) || (sync !== 'FULL' && sync !== 'NORMAL')) {
    console.error('usage: npm run soak -- --minutes N [--every S] [--events N] [--sync full|normal] [--seed N]');
    process.exit(2);
  }
  await runSoak({ minutes, everyS, sync, seed: Number(arg('seed') ?? 1), ...(events !== undefined ? { events: Number(events) } : {}) });
}
