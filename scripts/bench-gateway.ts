/**
 * The whole gateway, measured on its real parts (figures only; nothing is asserted):
 *
 * 1. Radio load. 3 000 advertisements/s for 10 s through the simulated scanner (in-process radio
 *    bus, the same wire codec as UDP) into the real pipeline, with a 50-beacon registry (15 of them
 *    rotating Eddystone-EIDs) and 40 % of the traffic from phones with a fresh random address on
 *    every packet. Reported: CPU share of one core (process.cpuUsage delta / wall time, measured
 *    only while feeding, all threads of the process), RSS and heapUsed at start / peak / end, and
 *    the size of the bounded caches. Baseline: the same stream only through protocol/ble
 *    decodeAdvertisement. The datagrams are encoded before the clock starts, so the sender costs
 *    one function call per packet.
 *
 * 2. End-to-end latency. A TP1 line written on the device end of a real pty (socat) → touch
 *    adapter (serialport) → pipeline → outbox (SQLite, synchronous=FULL) → publisher → aedes →
 *    an MQTT.js subscriber. Latency = arrival at the subscriber − the write of the `R` line (the
 *    interaction is emitted on release). Baseline: a raw MQTT.js QoS 1 publish of a payload of the
 *    same size to the same broker and subscriber. Broker, gateway, subscriber and the "device"
 *    all share this one process and its event loop, as in `npm start`.
 *
 *   node --import tsx scripts/bench-gateway.ts
 */
import { closeSync, constants as fsConstants, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import mqtt, { type MqttClient } from 'mqtt';
import { stringify } from 'yaml';
import { createRadioBus, encodeRadioPacket, type RadioBus } from '../beacon-sim/radio/index.js';
import { createPtyPair, randomInt, seededRandom, type Random } from '../beacon-sim/sensors/index.js';
import { createSimScanner } from '../gateway/ble/sim-scanner.js';
import { startBroker } from '../gateway/broker/index.js';
import { loadGateway } from '../gateway/config/index.js';
import { systemClock } from '../gateway/core/types.js';
import { connectSources, createPipeline, recommendedTickMs, type Pipeline } from '../gateway/pipeline/index.js';
import { startGateway } from '../gateway/run/gateway.js';
import { computeEid, decodeAdvertisement, encodeFrame, toHex, type BeaconFrameInput } from '../protocol/ble/index.js';
import { formatBeaconId } from '../protocol/messages/index.js';
import { encodeTouchLine } from '../protocol/sensors/touch/index.js';
import { fmt, machine } from './bench-harness.js';

const SITE = 'bench-store';

// ───────────────────────────── shared helpers ─────────────────────────────

/** A forced GC before each row, so "start" memory is comparable; absent if V8 refuses the flag. */
const gc: (() => void) | undefined = (() => {
  try {
    setFlagsFromString('--expose-gc');
    const f = runInNewContext('gc') as unknown;
    return typeof f === 'function' ? (f as () => void) : undefined;
  } catch {
    return undefined;
  }
})();

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)}`;
const pct = (x: number) => `${(x * 100).toFixed(0)} %`;
const ms = (x: number | undefined) => (x === undefined ? '—' : x >= 100 ? `${x.toFixed(0)} ms` : x >= 10 ? `${x.toFixed(1)} ms` : `${x.toFixed(2)} ms`);

function quantile(sorted: readonly number[], q: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

function summary(values: number[]): { p50?: number; p99?: number; max?: number } {
  const s = [...values].sort((a, b) => a - b);
  return { p50: quantile(s, 0.5), p99: quantile(s, 0.99), max: s.at(-1) };
}

/** Ctrl-C / SIGTERM while a part runs: clean up (socat, broker, temp dir) before exiting. */
function cleanUpOnSignal(cleanup: () => Promise<void> | void): () => void {
  const onSignal = (signal: NodeJS.Signals) => void Promise.resolve().then(cleanup).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Writes gateway.yaml + site-registry.yaml the way the shelf demo did and loads them with loadGateway. */
function loadGeneratedGateway(dir: string, config: Record<string, unknown>, registry: Record<string, unknown>) {
  writeFileSync(join(dir, 'site-registry.yaml'), stringify(registry));
  writeFileSync(join(dir, 'gateway.yaml'), stringify({ ...config, registry: { path: 'site-registry.yaml' } }));
  const loaded = loadGateway(join(dir, 'gateway.yaml'));
  if (!loaded.ok) throw new Error(`bench config invalid: ${loaded.errors.map((e) => e.message).join('; ')}`);
  return loaded;
}

// ───────────────────────────── 1. radio load ─────────────────────────────

const RATE = 3000;
const TICK_MS = 10; // 30 advertisements every 10 ms
const FEED_S = 10;
const PHONE_SHARE = 0.4;

interface BenchBeacon {
  beaconId: string;
  spot: string;
  /** Static frame (iBeacon, AltBeacon, UID); EID beacons compute theirs per quantum. */
  frame?: BeaconFrameInput;
  eid?: { key: Uint8Array; exponent: number; beaconSecondsAt: number };
  /** Sends a TLM every 10th packet (Eddystone UID beacons interleave slots). */
  tlm?: boolean;
  address: string;
  rssiAt0: number;
  /** Stops advertising after this many seconds (a cart leaving: presence ends with `left`). */
  silentAfterS?: number;
}

const hex2 = (n: number) => (n & 0xff).toString(16).padStart(2, '0');
const mac = (bytes: number[]) => bytes.map(hex2).join(':');

function benchBeacons(rand: Random): BenchBeacon[] {
  const uuid = 'f7826da6-4fa2-4e98-8024-bc5b71e0893e';
  const alt = '2f234454-cf6d-4a0f-adf2-f4911ba9ffa6';
  const ns = '8b0ca750095477cb3e77';
  const out: BenchBeacon[] = [];
  const add = (b: Omit<BenchBeacon, 'address' | 'rssiAt0' | 'spot'>, i: number) =>
    out.push({ ...b, spot: `shelf-${i}`, address: mac([0xc0 | i, 0xee, 0x00, 0x00, (i >> 8) & 0xff, i]), rssiAt0: randomInt(rand, -88, -52) });
  // The gateway's own spot beacon: heard, but excluded (includeOwnSpot false), as on a real shelf.
  out.push({ beaconId: formatBeaconId({ kind: 'ibeacon', uuid, major: 200, minor: 0 }), spot: 'gw-spot', frame: { type: 'ibeacon', uuid, major: 200, minor: 0, measuredPower: -59 }, address: 'c0:ff:ee:00:00:01', rssiAt0: -45 });
  let i = 1;
  for (let m = 1; m <= 19; m++, i++) add({ beaconId: formatBeaconId({ kind: 'ibeacon', uuid, major: 200, minor: m }), frame: { type: 'ibeacon', uuid, major: 200, minor: m, measuredPower: -59 } }, i);
  for (let m = 1; m <= 5; m++, i++) {
    add({ beaconId: formatBeaconId({ kind: 'altbeacon', id1: alt, id2: 1, id3: m }), frame: { type: 'altbeacon', manufacturerId: 0x0118, id1: alt, id2: 1, id3: m, referenceRssi: -59, reserved: 0 } }, i);
  }
  for (let m = 1; m <= 10; m++, i++) {
    const instance = m.toString(16).padStart(12, '0');
    add({ beaconId: formatBeaconId({ kind: 'eddystone-uid', namespace: ns, instance }), frame: { type: 'eddystone-uid', namespace: ns, instance, txPower: -18 }, tlm: true }, i);
  }
  // Rotating EIDs: K = 2 and 3 rotate several times during the run (the resolver's window slides);
  // K = 10 (17 min) is the common production setting.
  const exponents = [2, 3, 10];
  for (let m = 1; m <= 15; m++, i++) {
    const key = Uint8Array.from({ length: 16 }, (_, j) => (m * 37 + j * 11 + 5) & 0xff);
    add({ beaconId: `eid:cart-${m}`, eid: { key, exponent: exponents[m % 3]!, beaconSecondsAt: 100_000 + m * 1000 } }, i);
  }
  // Every 7th beacon leaves half-way through the run.
  out.forEach((b, k) => k % 7 === 6 && (b.silentAfterS = FEED_S / 2));
  return out;
}

/** What phones and accessories put on air (cf. scripts/bench-ble.ts bleMix), with fresh random bytes. */
function phoneAdv(rand: Random): Uint8Array {
  const r = () => Math.floor(rand() * 256);
  switch (Math.floor(rand() * 4)) {
    case 0: // Apple Continuity "nearby info"
      return Uint8Array.from([0x02, 0x01, 0x1a, 0x0a, 0xff, 0x4c, 0x00, 0x10, 0x05, r(), r(), r(), r(), r()]);
    case 1: // Apple Find My (offline finding): type 0x12, 25 bytes
      return Uint8Array.from([0x1e, 0xff, 0x4c, 0x00, 0x12, 0x19, ...Array.from({ length: 25 }, r)]);
    case 2: // Microsoft CDP (Swift Pair / Windows devices)
      return Uint8Array.from([0x1e, 0xff, 0x06, 0x00, 0x01, 0x09, 0x20, 0x02, ...Array.from({ length: 23 }, r)]);
    default: // a named peripheral with a 128-bit service UUID
      return Uint8Array.from([0x02, 0x01, 0x06, 0x11, 0x07, ...Array.from({ length: 16 }, r), 0x05, 0x09, 0x54, 0x61, 0x67, 0x30 + (r() % 10)]);
  }
}

interface RadioStream {
  /** Encoded sim-radio datagrams (what the scanner receives). */
  datagrams: Uint8Array[];
  /** The advertising data inside each (what decodeAdvertisement gets). */
  advs: Uint8Array[];
  phones: number;
}

/** The whole stream, encoded up front; packet i is meant to go out at wallStart + i / RATE s. */
function buildRadioStream(beacons: BenchBeacon[], total: number, wallStart: number, registryWallMs: number, rand: Random): RadioStream {
  const datagrams: Uint8Array[] = [];
  const advs: Uint8Array[] = [];
  const eidCache = new Map<string, string>();
  const counts = new Map<BenchBeacon, number>();
  let phones = 0;
  for (let i = 0; i < total; i++) {
    const tS = i / RATE;
    let address: string;
    let rssi: number;
    let adv: Uint8Array;
    if (rand() < PHONE_SHARE) {
      phones++;
      // resolvable private address (top bits 01): a new one on every packet is the worst case
      address = mac([0x40 | Math.floor(rand() * 64), ...Array.from({ length: 5 }, () => Math.floor(rand() * 256))]);
      rssi = randomInt(rand, -98, -55);
      adv = phoneAdv(rand);
    } else {
      const live = beacons.filter((b) => b.silentAfterS === undefined || tS < b.silentAfterS);
      const b = live[Math.floor(rand() * live.length)]!;
      const n = (counts.get(b) ?? 0) + 1;
      counts.set(b, n);
      // a shopper's slow walk (±6 dB over 8 s) plus fast fading noise
      rssi = Math.round(b.rssiAt0 + 6 * Math.sin((2 * Math.PI * tS) / 8 + b.rssiAt0) + (rand() - 0.5) * 8);
      address = b.address;
      if (b.eid) {
        const beaconSeconds = Math.floor(b.eid.beaconSecondsAt + (wallStart + tS * 1000 - registryWallMs) / 1000);
        const quantum = beaconSeconds >>> b.eid.exponent;
        const cacheKey = `${b.beaconId}/${quantum}`;
        let eid = eidCache.get(cacheKey);
        if (!eid) eidCache.set(cacheKey, (eid = toHex(computeEid(b.eid.key, b.eid.exponent, beaconSeconds).eid)));
        // EID beacons rotate their address with the EID, or the address would defeat the rotation
        address = mac([0x40 | (quantum & 0x3f), 0xe1, 0xd0, (quantum >> 8) & 0xff, 0x00, parseInt(b.address.slice(-2), 16)]);
        adv = encodeFrame({ type: 'eddystone-eid', eid, txPower: -18 });
      } else if (b.tlm && n % 10 === 0) {
        adv = encodeFrame({ type: 'eddystone-tlm', batteryMv: 2950, temperatureC: 21.5, advCount: n, uptimeS: 3600 + tS });
      } else {
        adv = encodeFrame(b.frame!);
      }
    }
    advs.push(adv);
    datagrams.push(encodeRadioPacket({ address, addressType: 'random', rssi, adv }));
  }
  return { datagrams, advs, phones };
}

interface LoadRow {
  name: string;
  sent: number;
  wallMs: number;
  cpuMs: number;
  rss: [number, number, number];
  heap: [number, number, number];
  /** Longest gap between two pacing ticks (10 ms nominal): how long the feed held the event loop. */
  maxTickGapMs: number;
  /** heapUsed after a forced GC at the end, with the stage still referenced: what it retains. */
  retainedHeap?: number;
}

/** Feeds `total` packets at RATE, 30 per 10 ms tick, and measures CPU and memory while doing so. */
async function paced(name: string, total: number, send: (i: number) => void): Promise<LoadRow> {
  gc?.();
  const m0 = process.memoryUsage();
  const peak = { rss: m0.rss, heap: m0.heapUsed };
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peak.rss = Math.max(peak.rss, m.rss);
    peak.heap = Math.max(peak.heap, m.heapUsed);
  }, 100);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let sent = 0;
  let last = t0;
  let maxGap = 0;
  const t1 = await new Promise<number>((resolve) => {
    const timer = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
      // catch up when a tick came late, so the average rate stays RATE
      const due = Math.min(total, Math.floor(((now - t0) * RATE) / 1000));
      while (sent < due) send(sent++);
      if (sent >= total) {
        clearInterval(timer);
        resolve(performance.now());
      }
    }, TICK_MS);
  });
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  const m1 = process.memoryUsage();
  peak.rss = Math.max(peak.rss, m1.rss);
  peak.heap = Math.max(peak.heap, m1.heapUsed);
  const row: LoadRow = { name, sent, wallMs: t1 - t0, cpuMs: (cpu.user + cpu.system) / 1000, rss: [m0.rss, peak.rss, m1.rss], heap: [m0.heapUsed, peak.heap, m1.heapUsed], maxTickGapMs: maxGap };
  if (gc) {
    gc();
    row.retainedHeap = process.memoryUsage().heapUsed;
  }
  return row;
}

async function radioLoadBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tp-bench-radio-'));
  const offSignal = cleanUpOnSignal(() => rmSync(dir, { recursive: true, force: true }));
  try {
    const rand = seededRandom(7);
    const beacons = benchBeacons(rand);
    const registryWallMs = Date.now();
    const loaded = loadGeneratedGateway(
      dir,
      {
        gateway: { id: 'gw-bench-radio', siteId: SITE, spot: 'gw-spot', dataDir: join(dir, 'data') },
        radio: { kind: 'sim', simPort: 47_100 }, // not opened: the scanner listens on the in-process bus
        // the shelf demo’s settings, so dwell, proximity and left all fire within the run
        pipeline: { dwell: { intervalMs: 1000, thresholdMs: 5000 }, proximity: { rssiDbm: -62 }, inactivityMs: 4000 },
      },
      {
        v: 1,
        siteId: SITE,
        beacons: beacons.map((b) => ({
          beaconId: b.beaconId,
          spot: b.spot,
          item: { itemId: `sku-${b.spot}` },
          ...(b.eid ? { eid: { identityKey: toHex(b.eid.key), exponent: b.eid.exponent, beaconSecondsAt: b.eid.beaconSecondsAt, wallMsAt: registryWallMs } } : {}),
        })),
        gateways: [{ gatewayId: 'gw-bench-radio', spot: 'gw-spot' }],
      },
    );
    const { config, registry, index } = loaded;
    const total = RATE * FEED_S;
    // Encoded for the times the feeds will run at (baseline, scanner and pipeline rows, ~25 s in all);
    // the EID resolver accepts ±eidSkewSeconds (600 s), so the later rows resolve as well.
    const stream = buildRadioStream(beacons, total, Date.now() + 12_000, registryWallMs, rand);
    const half = total / 2;

    // JIT warm-up on throwaway instances (not measured)
    for (let i = 0; i < 6000; i++) decodeAdvertisement(stream.advs[i]!);
    {
      const bus = createRadioBus();
      const scanner = createSimScanner({ clock: systemClock, bus, dedupe: { minIntervalMs: config.radio.scan.dedupeMs } });
      const p = createPipeline({ config, registry, index, clock: systemClock });
      const off = connectSources(p, { radio: scanner });
      await scanner.start();
      for (let i = 0; i < 6000; i++) bus.send(stream.datagrams[i]!);
      off();
      await scanner.stop();
    }

    const rows: LoadRow[] = [];
    let sink = 0;
    rows.push(
      await paced('protocol/ble decodeAdvertisement only (baseline)', half, (i) => {
        sink += decodeAdvertisement(stream.advs[i]!).frames.length;
      }),
    );

    const withScanner = async (name: string, n: number, attach: (bus: RadioBus, scanner: ReturnType<typeof createSimScanner>) => () => void) => {
      const bus = createRadioBus();
      const scanner = createSimScanner({ clock: systemClock, bus, dedupe: { minIntervalMs: config.radio.scan.dedupeMs } });
      const detach = attach(bus, scanner);
      await scanner.start();
      const row = await paced(name, n, (i) => bus.send(stream.datagrams[i]!));
      detach();
      await scanner.stop();
      return { row, scanner };
    };

    const scannerOnly = await withScanner('sim scanner only (wire decode, AD parse, copies)', half, (_bus, scanner) => scanner.on(() => void sink++));
    rows.push(scannerOnly.row);

    let pipeline!: Pipeline;
    const emitted = { bodies: 0 };
    const full = await withScanner('sim scanner → pipeline (sightings, presence, ticks)', total, (_bus, scanner) => {
      pipeline = createPipeline({ config, registry, index, clock: systemClock });
      pipeline.on(() => void emitted.bodies++);
      const off = connectSources(pipeline, { radio: scanner });
      // as startGateway does: absence-driven triggers and cache expiry
      const tick = setInterval(() => pipeline.tick(), recommendedTickMs(config));
      return () => (off(), clearInterval(tick));
    });
    rows.push(full.row);

    console.log(
      `\nGateway under radio load: ${fmt(RATE)} advertisements/s (${TICK_MS} ms ticks), ${beacons.length} registered beacons (15 rotating EIDs), ` +
        `${((stream.phones / total) * 100).toFixed(0)} % phones with a new random address per packet; in-process radio bus, one process`,
    );
    console.log(`  ${'row'.padEnd(52)} ${'adv/s'.padStart(7)} ${'CPU'.padStart(7)}  ${'RSS MB start/peak/end'.padEnd(22)} ${'heap MB start/peak/end'.padEnd(22)} ${'tick gap'.padStart(8)} ${'after GC'.padStart(8)}  ratio`);
    const baseShare = rows[0]!.cpuMs / rows[0]!.wallMs;
    for (const r of rows) {
      const share = r.cpuMs / r.wallMs;
      const ratio = r === rows[0] ? 'baseline' : `×${(share / baseShare).toFixed(1)} CPU`;
      console.log(
        `  ${r.name.padEnd(52)} ${fmt((r.sent / r.wallMs) * 1000).padStart(7)} ${`${(share * 100).toFixed(1)} %`.padStart(7)}  ` +
          `${r.rss.map(mb).join(' / ').padEnd(22)} ${r.heap.map(mb).join(' / ').padEnd(22)} ${ms(r.maxTickGapMs).padStart(8)} ${(r.retainedHeap === undefined ? '—' : mb(r.retainedHeap)).padStart(8)}  ${ratio}`,
      );
    }
    const s = pipeline.stats();
    const sg = s.sightings;
    const perAdv = (r: LoadRow) => ((r.cpuMs * 1000) / r.sent).toFixed(1);
    console.log(`  CPU per advertisement: ${rows.map((r) => `${perAdv(r)} µs`).join(' / ')} (rows above, in order); "after GC" = heapUsed MB after a forced GC at the end, stage still alive`);
    console.log(
      `  sightings cache: addresses ${sg.addresses.size}/${sg.addresses.capacity} (evicted ${sg.addresses.evictions}, expired ${sg.addresses.expirations}), ` +
        `beacons ${sg.beacons.size}/${sg.beacons.capacity}; presence beacons ${s.presence.beacons.size}/${s.presence.beacons.capacity}; ` +
        `EID table ${sg.eid.entries} entries (${sg.eid.reservedEntries} reserved, ${sg.eid.eidComputations} EIDs computed, ${sg.eid.hits} hits / ${sg.eid.misses} misses)`,
    );
    console.log(
      `  pipeline: ${sg.seen} advertisements, ${sg.decoded} with a beacon frame, ${sg.noBeacon} without, ${sg.cacheHits} answered from the address cache, ` +
        `${sg.sightings} sightings, ${sg.filtered} filtered (own spot), ${sg.unknown} unknown; bodies emitted ${emitted.bodies} ` +
        `(${Object.entries(s.emitted).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ')})`,
    );
    if (sink < 0) console.log(sink); // keeps the baseline's work observable to the JIT
  } finally {
    offSignal();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ───────────────────────────── 2. end-to-end latency ─────────────────────────────

const GATEWAY = 'gw-bench-1';
const RAW = 'gw-raw';
/** How long a phase waits for its last messages (only an overloaded machine gets near it). */
const DRAIN_MS = 15_000;
const CHANNELS = 12; // electrodes 0–11 (12 is the MPR121 proximity electrode, not a pad)
const PHASES = [
  { rate: 10, seconds: 4, baselineSeconds: 3 },
  { rate: 100, seconds: 3, baselineSeconds: 2 },
  { rate: 1000, seconds: 3, baselineSeconds: 2 },
];

interface TouchSample {
  ch: number;
  /** performance.now() of the write that carried the R line. */
  tWrite?: number;
  seq?: number;
  /** The touch adapter's receive stamp (TouchEvent.at.monoMs). */
  tStamp?: number;
  /** outbox.append entered / COMMIT done (its listeners, the publisher's wake-up, not yet run). */
  tAppend?: number;
  tCommit?: number;
  tArrive?: number;
}

interface PhaseResult {
  name: string;
  rate: number;
  offered: number;
  delivered: number;
  latencies: number[];
  /** Sequence-number check over the phase: "contiguous" or what was missing / duplicated. */
  seq: string;
  samples?: TouchSample[];
  holdMs?: number;
  /** Baseline rows: the first seq published in the phase. */
  firstSeq?: number;
  /** Over the phase (first write until everything arrived): event-loop utilisation and CPU share of one core. */
  loopBusy: number;
  cpu: number;
}

/** Event-loop utilisation and process CPU over a span of time. */
function usageMeter(): () => { loopBusy: number; cpu: number } {
  const elu0 = performance.eventLoopUtilization();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  return () => {
    const c = process.cpuUsage(cpu0);
    return { loopBusy: performance.eventLoopUtilization(elu0).utilization, cpu: (c.user + c.system) / 1000 / (performance.now() - t0) };
  };
}

class SeqCheck {
  last: number | undefined;
  gaps = 0;
  duplicates = 0;
  received = 0;
  observe(seq: number): boolean {
    this.received++;
    if (this.last !== undefined && seq <= this.last) {
      this.duplicates++;
      return false;
    }
    if (this.last !== undefined && seq > this.last + 1) this.gaps += seq - this.last - 1;
    this.last = seq;
    return true;
  }
  mark() {
    return { gaps: this.gaps, duplicates: this.duplicates };
  }
  describe(since: { gaps: number; duplicates: number }): string {
    const g = this.gaps - since.gaps;
    const d = this.duplicates - since.duplicates;
    return g === 0 && d === 0 ? 'contiguous' : `${g} missing, ${d} dup`;
  }
}

/** Runs `events` (sorted by `at`, ms from start) on timers, writing each batch that is due. */
async function schedule<E extends { at: number }>(events: E[], fire: (due: E[]) => void): Promise<void> {
  let k = 0;
  const t0 = performance.now() + 2;
  await new Promise<void>((resolve) => {
    const pump = () => {
      const now = performance.now();
      const due: E[] = [];
      while (k < events.length && t0 + events[k]!.at <= now) due.push(events[k++]!);
      if (due.length > 0) fire(due);
      if (k >= events.length) return resolve();
      setTimeout(pump, Math.max(0, t0 + events[k]!.at - performance.now()));
    };
    setTimeout(pump, 2);
  });
}

async function waitFor(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!done() && performance.now() < deadline) await sleep(10);
}

async function latencyBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tp-bench-e2e-'));
  const cleanups: (() => Promise<void> | void)[] = [() => rmSync(dir, { recursive: true, force: true })];
  const cleanup = async () => {
    // one failing step must not leave the others (socat, broker, temp dir) behind
    for (const c of cleanups.reverse()) await Promise.resolve().then(c).catch((e: unknown) => console.error(`  cleanup: ${e instanceof Error ? e.message : String(e)}`));
  };
  const offSignal = cleanUpOnSignal(cleanup);
  try {
    // When the broker has read and parsed each PUBLISH (its authorizePublish seam runs first thing).
    const atBroker = new Map<string, number>();
    const broker = await startBroker({
      anonymous: true,
      port: 0,
      authorizePublish: (_client, packet) => {
        if (!packet.topic.endsWith('/sensor')) return null;
        const t = performance.now();
        const m = /"seq":(\d+)/.exec(Buffer.from(packet.payload).toString('latin1'));
        const key = `${packet.topic.split('/')[3]}:${m?.[1]}`;
        if (!atBroker.has(key)) atBroker.set(key, t);
        return null;
      },
    });
    cleanups.push(() => broker.close());
    const pty = await createPtyPair(join(dir, 'dev'), 'touch0');
    cleanups.push(() => pty.close());
    const simPort = await freeUdpPort();
    const loaded = loadGeneratedGateway(
      dir,
      {
        gateway: { id: GATEWAY, siteId: SITE, spot: 'endcap-1', dataDir: join(dir, 'data') },
        broker: { url: broker.urls.mqtt },
        radio: { kind: 'sim', simPort }, // listening, no traffic
        sensors: { touch: { path: pty.path } },
        telemetry: { intervalMs: 600_000 }, // no telemetry in the measured window
      },
      {
        v: 1,
        siteId: SITE,
        beacons: [{ beaconId: 'ibeacon:f7826da6-4fa2-4e98-8024-bc5b71e0893e:300:1', spot: 'endcap-1', item: { itemId: 'sku-300' } }],
        gateways: [{ gatewayId: GATEWAY, spot: 'endcap-1' }],
      },
    );
    const problems: string[] = [];
    const gateway = await startGateway({ ...loaded, log: (r) => void (r.level !== 'info' && problems.push(`${r.level} ${r.event}`)) });
    let gatewayStopped = false;
    cleanups.push(() => (gatewayStopped ? undefined : gateway.stop(0)));

    // ── observation points inside the gateway (timing wrappers that call straight through) ──
    const pending: TouchSample[][] = Array.from({ length: CHANNELS }, () => []);
    const bySeq = new Map<number, TouchSample>();
    let unmatched = 0;
    let lastAppended: TouchSample | undefined;
    let tNotify = 0;
    const outbox = gateway.outbox;
    // notify() (private) runs right after COMMIT, before the publisher's wake-up: the end of the
    // SQLite part. Should it be renamed, the commit column includes the publisher's wake-up instead.
    const notifying = outbox as unknown as { notify?: () => void };
    const notify = notifying.notify?.bind(outbox);
    if (notify) {
      notifying.notify = () => {
        tNotify = performance.now();
        notify();
      };
    }
    const append = outbox.append.bind(outbox);
    outbox.append = (body) => {
      const t = performance.now();
      tNotify = 0;
      const r = append(body);
      const tEnd = performance.now();
      const i = body.interaction;
      if (r.ok && (i.type === 'touch' || i.type === 'hold') && i.touchChannel !== undefined) {
        const s = pending[i.touchChannel]?.shift();
        if (s) {
          Object.assign(s, { seq: r.message.seq, tAppend: t, tCommit: tNotify || tEnd });
          bySeq.set(r.message.seq, s);
          lastAppended = s;
        } else unmatched++;
      }
      return r;
    };
    // The publisher deletes PUBACKed rows in a setImmediate transaction on the same event loop.
    const removeMs: number[] = [];
    const remove = outbox.remove.bind(outbox);
    outbox.remove = (ids) => {
      const t = performance.now();
      try {
        return remove(ids);
      } finally {
        removeMs.push(performance.now() - t);
      }
    };
    // The publisher takes rows to send with peekSensor and publishes them at once: the moment a
    // message leaves the outbox (later than its commit when the QoS 1 window of 8 is full).
    const publishedAt = new Map<number, number>();
    const peek = outbox.peekSensor.bind(outbox);
    outbox.peekSensor = (afterSeq, limit) => {
      const rows = peek(afterSeq, limit);
      const t = performance.now();
      for (const r of rows) if (r.seq !== null && !publishedAt.has(r.seq)) publishedAt.set(r.seq, t);
      return rows;
    };
    // Registered after the outbox's listener, so it runs right after the append of the same body.
    gateway.pipeline.onEvent((_body, event) => {
      if (lastAppended && event.cause.kind === 'touch') lastAppended.tStamp = event.at.monoMs;
      lastAppended = undefined;
    });

    // ── subscriber: one MQTT.js client for the gateway rows and the baseline rows alike ──
    const gwSeq = new SeqCheck();
    const rawSeq = new SeqCheck();
    const rawSent = new Map<number, { tPub: number; tArrive?: number }>();
    let template: Record<string, unknown> | undefined;
    let others = 0;
    const sub = await mqtt.connectAsync(broker.urls.mqtt, { clientId: 'bench-sub', protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 10_000 }, false);
    cleanups.push(() => sub.endAsync(true).catch(() => {}));
    sub.on('message', (_topic, payload) => {
      const t = performance.now();
      const m = JSON.parse(payload.toString('utf8')) as { gatewayId: string; seq: number; interaction?: { type: string } };
      if (m.gatewayId === RAW) {
        const r = rawSent.get(m.seq);
        if (rawSeq.observe(m.seq) && r) r.tArrive = t;
        return;
      }
      if (!gwSeq.observe(m.seq)) return;
      const s = bySeq.get(m.seq);
      if (s) {
        s.tArrive = t;
        template ??= m as Record<string, unknown>;
      } else others++;
    });
    await sub.subscribeAsync('tp/v1/+/+/sensor', { qos: 1 });

    // ── the touch bridge: TP1 lines written straight into the device end of the pty ──
    const fd = openSync(pty.devicePath, fsConstants.O_RDWR | fsConstants.O_NOCTTY | fsConstants.O_NONBLOCK);
    let fdClosed = false;
    cleanups.push(() => {
      fdClosed = true; // a signal can clean up while a phase's timers still run
      closeSync(fd);
    });
    // Never spin on a full pty: the gateway reading the other end runs on this same event loop.
    // A batch that does not fit waits for a timer; its R lines count as written when their last byte is.
    let writeStalls = 0;
    const backlog: { buf: Buffer; released: TouchSample[] }[] = [];
    let retry: NodeJS.Timeout | undefined;
    const flush = () => {
      retry = undefined;
      while (backlog.length > 0 && !fdClosed) {
        const head = backlog[0]!;
        const t = performance.now();
        let n = 0;
        try {
          n = writeSync(fd, head.buf);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
        }
        if (n < head.buf.length) {
          head.buf = head.buf.subarray(n);
          writeStalls++; // the pty buffer is full: socat or the gateway is behind
          retry ??= setTimeout(flush, 1);
          return;
        }
        backlog.shift();
        for (const s of head.released) {
          s.tWrite = t;
          pending[s.ch]!.push(s);
        }
      }
    };
    const send = (text: string, released: TouchSample[] = []) => {
      backlog.push({ buf: Buffer.from(text, 'latin1'), released });
      if (!retry) flush();
    };
    cleanups.push(() => clearTimeout(retry));
    await waitFor(() => gateway.health()[0]?.state === 'open' && gateway.publisher.connected, 10_000);
    if (gateway.health()[0]?.state !== 'open' || !gateway.publisher.connected) throw new Error('the gateway did not open the touch pty and connect to the broker within 10 s');
    send(`${encodeTouchLine({ kind: 'hello', format: 'tp1', protocolVersion: 1, firmware: '1.0.0', channels: 13, extra: {} })}\r\n`);

    const notes: string[] = [];
    let channel = 0;
    const touchPhase = async (rate: number, seconds: number, record: boolean): Promise<PhaseResult> => {
      const n = Math.max(1, Math.round(rate * seconds));
      const period = 1000 / rate;
      // distinct interactions: a pad is pressed again only after its release (12 pads round-robin)
      const holdMs = Math.min(50, (CHANNELS * period) / 2);
      const samples: TouchSample[] = [];
      const events: { at: number; s: TouchSample; release: boolean }[] = [];
      for (let i = 0; i < n; i++) {
        const s: TouchSample = { ch: channel++ % CHANNELS };
        samples.push(s);
        events.push({ at: i * period, s, release: false }, { at: i * period + holdMs, s, release: true });
      }
      events.sort((a, b) => a.at - b.at);
      const mark = gwSeq.mark();
      const usage = usageMeter();
      await schedule(events, (due) => {
        const mcuMs = Math.floor(performance.now()) >>> 0;
        const text = due.map((e) => `${encodeTouchLine({ kind: e.release ? 'release' : 'touch', format: 'tp1', channel: e.s.ch, mcuMs })}\r\n`).join('');
        send(
          text,
          due.filter((e) => e.release).map((e) => e.s),
        );
      });
      // Everything that arrives counts, however late; the wait is only long for an overloaded machine.
      await waitFor(() => samples.every((s) => s.tArrive !== undefined), DRAIN_MS);
      const used = usage();
      const delivered = samples.filter((s) => s.tArrive !== undefined);
      if (delivered.length < n) {
        notes.push(
          `${rate}/s: ${n - delivered.length} not arrived ${DRAIN_MS / 1000} s after the last write ` +
            `(${samples.filter((s) => s.tWrite === undefined).length} R lines still unwritten, ${gateway.outbox.sensorQueueDepth()} rows still in the outbox)`,
        );
      }
      return {
        name: `gateway: pty → pipeline → outbox → MQTT, ${rate}/s`,
        rate,
        offered: n,
        delivered: delivered.length,
        latencies: delivered.map((s) => s.tArrive! - s.tWrite!),
        seq: gwSeq.describe(mark),
        ...used,
        ...(record ? { samples, holdMs } : {}),
      };
    };

    await touchPhase(50, 1, false); // warm-up: JIT, SQLite page cache, TCP (not reported)
    const gatewayRows: PhaseResult[] = [];
    for (const p of PHASES) {
      gatewayRows.push(await touchPhase(p.rate, p.seconds, true));
      await sleep(200);
    }
    const health = gateway.health()[0];
    const ist = gateway.pipeline.stats().interactions;
    gatewayStopped = true;
    await gateway.stop(2000);

    // ── baseline: raw MQTT.js QoS 1 publish → the same subscriber on the same broker ──
    const pub: MqttClient = await mqtt.connectAsync(broker.urls.mqtt, { clientId: 'bench-raw', protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 10_000 }, false);
    cleanups.push(() => pub.endAsync(true).catch(() => {}));
    const rawTopic = `tp/v1/${SITE}/${RAW}/sensor`;
    let rawNext = 1;
    const rawPhase = async (rate: number, seconds: number): Promise<PhaseResult> => {
      const n = Math.max(1, Math.round(rate * seconds));
      const seqs = Array.from({ length: n }, () => rawNext++);
      const mark = rawSeq.mark();
      const usage = usageMeter();
      await schedule(
        seqs.map((seq, i) => ({ at: (i * 1000) / rate, seq })),
        (due) => {
          for (const { seq } of due) {
            // a real gateway payload (same size and shape), re-numbered
            const payload = JSON.stringify({ ...template, gatewayId: RAW, seq });
            rawSent.set(seq, { tPub: performance.now() });
            pub.publish(rawTopic, payload, { qos: 1 });
          }
        },
      );
      await waitFor(() => seqs.every((s) => rawSent.get(s)?.tArrive !== undefined), DRAIN_MS);
      const used = usage();
      const got = seqs.map((s) => rawSent.get(s)!).filter((r) => r.tArrive !== undefined);
      return {
        name: `raw MQTT.js QoS 1 publish → subscriber, ${rate}/s (baseline)`,
        rate,
        offered: n,
        delivered: got.length,
        latencies: got.map((r) => r.tArrive! - r.tPub),
        seq: rawSeq.describe(mark),
        ...used,
        firstSeq: seqs[0]!,
      };
    };
    await rawPhase(50, 0.5); // warm-up
    const baselineRows: PhaseResult[] = [];
    for (const p of PHASES) baselineRows.push(await rawPhase(p.rate, p.baselineSeconds));

    // ── report ──
    const payloadBytes = template ? JSON.stringify(template).length : 0;
    console.log(
      `\nEnd to end: TP1 R line written on a pty → sensor communication at an MQTT.js subscriber (QoS 1, aedes on 127.0.0.1; ` +
        `broker, gateway, subscriber and "device" in one process; payload ~${payloadBytes} B; outbox in ${tmpdir()}, synchronous=FULL)`,
    );
    console.log(`  ${'row'.padEnd(60)} ${'offered'.padStart(7)} ${'deliv.'.padStart(7)} ${'seq'.padStart(11)} ${'p50'.padStart(9)} ${'p99'.padStart(9)} ${'max'.padStart(9)} ${'loop'.padStart(5)} ${'CPU'.padStart(5)}  ratio p50`);
    const line = (r: PhaseResult, base?: PhaseResult) => {
      const s = summary(r.latencies);
      const b = base ? summary(base.latencies).p50 : undefined;
      const ratio = !base ? 'baseline' : b && s.p50 !== undefined ? `×${(s.p50 / b).toFixed(1)}` : '—';
      console.log(
        `  ${r.name.padEnd(60)} ${String(r.offered).padStart(7)} ${String(r.delivered).padStart(7)} ${r.seq.padStart(11)} ${ms(s.p50).padStart(9)} ${ms(s.p99).padStart(9)} ${ms(s.max).padStart(9)} ${pct(r.loopBusy).padStart(5)} ${pct(r.cpu).padStart(5)}  ${ratio}`,
      );
    };
    PHASES.forEach((_, k) => {
      line(baselineRows[k]!);
      line(gatewayRows[k]!, baselineRows[k]!);
    });
    for (const n of notes) console.log(`  ${n}`);
    console.log('  loop = event-loop utilisation, CPU = process CPU time / wall time (one core = 100 %), both over the phase, for the whole process');

    const stage = (values: number[]) => {
      const x = summary(values);
      return (x.p50 === undefined ? '—' : `${x.p50.toFixed(2)} / ${x.p99!.toFixed(2)}`).padStart(15);
    };
    const heads = ['pty+serial', 'decode+pipe', 'outbox commit', 'window wait', 'to broker', 'broker → sub'];
    console.log(
      `\n  where the time goes, p50 / p99 per stage in ms (stamps from this process): R write → adapter receive stamp → outbox.append → COMMIT done → ` +
        `row taken for publishing → broker has parsed the PUBLISH → subscriber 'message'`,
    );
    console.log(`  ${'row'.padEnd(24)} ${heads.map((h) => h.padStart(15)).join(' ')}`);
    PHASES.forEach((_, k) => {
      const b = baselineRows[k]!;
      const braw = [...rawSent.entries()].filter(([seq, r]) => r.tArrive !== undefined && seq >= (b.firstSeq ?? 0) && seq < (b.firstSeq ?? 0) + b.offered);
      const bAt = (seq: number) => atBroker.get(`${RAW}:${seq}`);
      const bOk = braw.filter(([seq]) => bAt(seq) !== undefined);
      console.log(
        `  ${`raw MQTT.js, ${b.rate}/s`.padEnd(24)} ${['', '', '', ''].map((x) => x.padStart(15)).join(' ')} ` +
          `${stage(bOk.map(([seq, r]) => bAt(seq)! - r.tPub))} ${stage(bOk.map(([seq, r]) => r.tArrive! - bAt(seq)!))}`,
      );
      const r = gatewayRows[k]!;
      const full = (r.samples ?? []).filter((s) => s.tArrive !== undefined && s.tStamp !== undefined && s.tAppend !== undefined);
      const gAt = (s: TouchSample) => atBroker.get(`${GATEWAY}:${s.seq}`);
      const pAt = (s: TouchSample) => publishedAt.get(s.seq!);
      const viaBroker = full.filter((s) => gAt(s) !== undefined && pAt(s) !== undefined);
      console.log(
        `  ${`gateway, ${r.rate}/s (${(r.holdMs ?? 0).toFixed(0)} ms)`.padEnd(24)} ` +
          [
            full.map((s) => s.tStamp! - s.tWrite!),
            full.map((s) => s.tAppend! - s.tStamp!),
            full.map((s) => s.tCommit! - s.tAppend!),
            viaBroker.map((s) => pAt(s)! - s.tCommit!),
            viaBroker.map((s) => gAt(s)! - pAt(s)!),
            viaBroker.map((s) => s.tArrive! - gAt(s)!),
          ]
            .map(stage)
            .join(' '),
      );
    });
    const rm = summary(removeMs);
    console.log(
      `  publisher's PUBACK deletes (outbox.remove, same event loop): ${removeMs.length} transactions, p50 ${ms(rm.p50)}, p99 ${ms(rm.p99)}, max ${ms(rm.max)}`,
    );
    console.log(
      `  touch adapter: ${health?.framesOk ?? 0} lines ok, ${health?.crcFailures ?? 0} CRC failures, ${health?.badFrames ?? 0} bad; ` +
        `interactions: touch ${ist.touch}, hold ${ist.hold}, duplicate presses ${ist.duplicatePresses}, orphan releases ${ist.orphanReleases}; ` +
        `unmatched ${unmatched}, other messages ${others}, pty write stalls ${writeStalls}${problems.length ? `; gateway log: ${[...new Set(problems)].join(', ')}` : ''}`,
    );
  } finally {
    offSignal();
    await cleanup();
  }
}

export async function runGatewayBench(): Promise<void> {
  const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
  console.log(`\nGateway benchmarks — ${machine()}; load average ${load()} before`);
  await radioLoadBench();
  await latencyBench();
  console.log(`  load average ${load()} after (other processes on this machine share its cores)`);
}

if (import.meta.url === `file://${process.argv[1]}`) await runGatewayBench();
