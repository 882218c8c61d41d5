/**
 * End to end through startGateway — the touch bridge emulator on a real pty, the real adapters,
 * pipeline, outbox and publisher — against the embedded aedes broker and against Mosquitto (skipped
 * with the reason in the suite name when it is not installed): plain delivery, the serial device
 * vanishing and returning, and the wall clock jumping ±1 h. Then the disk-full policy of the
 * outbox. Each fault prints a report line (sent, delivered, lost, duplicated, max recovery time).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseSensorMessageId, type SensorCommunication } from '../../protocol/messages/index.js';
import { systemClock, type Clock } from '../core/types.js';
import { openOutbox, type Outbox } from '../publish/outbox.js';
import { createPublisher } from '../publish/publisher.js';
import { range } from '../publish/test-support/collector.js';
import { sampleEvent } from '../publish/test-support/fixtures.js';
import { startGateway, type RunningGateway } from '../run/gateway.js';
import { startBrokerUnderTest, type BrokerKind, type BrokerUnderTest } from './test-support/brokers.js';
import { faultReport, printReport, timeUntil } from './test-support/fault-kit.js';
import { detectMosquitto, mosquittoSuiteName } from './test-support/mosquitto.js';
import { loadStore, startTouchDevice, STORE_SITE, type TouchDevice } from './test-support/store.js';

const GW = 'gw-shelf';
const WAIT = { timeout: 60_000, interval: 20 };
const HOUR = 3_600_000;

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function brokerUnderTest(kind: BrokerKind): Promise<BrokerUnderTest> {
  const b = await startBrokerUnderTest(kind, { dir: tempDir(`tp-${kind}-`), site: STORE_SITE, gateways: [GW] });
  cleanups.push(() => b.close());
  return b;
}

interface Shelf {
  gateway: RunningGateway;
  device: TouchDevice;
  accepted: SensorCommunication[];
  touchHealth(): { state: string; reconnects: number };
}

async function shelf(b: BrokerUnderTest, device: { periodMs: number; holdMs: number }, clock: Clock = systemClock): Promise<Shelf> {
  const dir = tempDir('tp-shelf-');
  const dev = await startTouchDevice(join(dir, 'dev'), device.periodMs, device.holdMs);
  cleanups.push(() => dev.close());
  const loaded = await loadStore({ dir, gatewayId: GW, touchPath: dev.path, broker: b.url, ...b.login(GW) });
  const accepted: SensorCommunication[] = [];
  const gateway = await startGateway({ ...loaded, clock, log: () => {}, onAccepted: (m) => accepted.push(m) });
  cleanups.push(() => gateway.stop(0));
  return {
    gateway,
    device: dev,
    accepted,
    touchHealth: () => {
      const h = gateway.health().find((x) => x.sensor === 'touch0')!;
      return { state: h.state, reconnects: h.reconnects };
    },
  };
}

/** Stops the sources, lets the outbox drain, and checks what the backend got against what was accepted. */
async function drainAndCheck(b: BrokerUnderTest, s: Shelf): Promise<number> {
  await s.gateway.stop(30_000);
  const total = s.accepted.length;
  expect(s.accepted.map((m) => m.seq)).toEqual(range(0, total));
  await vi.waitFor(() => expect(b.collector.unique(GW).size).toBe(total), WAIT);
  expect(b.collector.firstArrivals(GW)).toEqual(range(0, total));
  expect(b.collector.invalid).toEqual([]);
  return total;
}

const mosquitto = detectMosquitto();
const suites: { kind: BrokerKind; name: string; skip: boolean }[] = [
  { kind: 'aedes', name: 'gateway end to end, embedded broker (aedes)', skip: false },
  { kind: 'mosquitto', name: mosquittoSuiteName('gateway end to end, Mosquitto', mosquitto), skip: !mosquitto.ok },
];

for (const suite of suites) {
  describe.skipIf(suite.skip)(suite.name, () => {
    it('touches on the pty arrive at the backend as valid sensor communications, seq contiguous, none lost', { timeout: 90_000 }, async () => {
      const b = await brokerUnderTest(suite.kind);
      const s = await shelf(b, { periodMs: 400, holdMs: 150 });
      await vi.waitFor(() => expect(s.accepted.length).toBeGreaterThanOrEqual(8), WAIT);
      const total = await drainAndCheck(b, s);
      const touches = s.accepted.filter((m) => m.interaction.type === 'touch');
      expect(touches.length).toBeGreaterThanOrEqual(8);
      expect(touches.every((m) => m.interaction.touchChannel === 3 && m.interaction.item?.itemId === 'sku-88412')).toBe(true);
      printReport(faultReport('none (end to end)', suite.kind, GW, range(0, total), b.collector, []));
    });

    it('the serial device vanishes (pty gone) and returns on the same path: the adapter reconnects, nothing accepted is lost', { timeout: 90_000 }, async () => {
      const b = await brokerUnderTest(suite.kind);
      const s = await shelf(b, { periodMs: 400, holdMs: 150 });
      await vi.waitFor(() => expect(s.accepted.length).toBeGreaterThanOrEqual(5), WAIT);
      await s.device.unplug();
      await vi.waitFor(() => expect(s.touchHealth().state).toBe('retrying'), WAIT);
      const beforePlug = s.accepted.length;
      await s.device.plug();
      const pluggedAt = performance.now();
      const recoveryMs = await timeUntil(() => s.accepted.length > beforePlug, pluggedAt, WAIT.timeout);
      await vi.waitFor(() => expect(s.accepted.length).toBeGreaterThanOrEqual(beforePlug + 5), WAIT);
      expect(s.touchHealth()).toMatchObject({ state: 'open' });
      expect(s.touchHealth().reconnects).toBeGreaterThanOrEqual(1);
      const total = await drainAndCheck(b, s);
      printReport(faultReport('serial device unplugged and replugged', suite.kind, GW, range(0, total), b.collector, [recoveryMs], { acceptedBeforeUnplug: beforePlug }));
    });

    it('wall clock jumps +1 h, −2 h, +1 h mid-press: seq and messageIds stay valid and contiguous, durations and touch/hold come from monotonic time', { timeout: 120_000 }, async () => {
      const b = await brokerUnderTest(suite.kind);
      // The injected clock moves only the wall time; mono() is the real monotonic clock.
      let offset = 0;
      const clock: Clock = { now: () => Date.now() + offset, mono: () => performance.now() };
      // Pad 3 held 1.5 s every 2 s; the pipeline's holdMs is 2 s, so every press is a `touch`
      // unless a duration were taken from the wall clock.
      const s = await shelf(b, { periodMs: 2000, holdMs: 1500 }, clock);
      const presses = () => s.accepted.filter((m) => m.interaction.type === 'touch' || m.interaction.type === 'hold');
      // The gateway is reading the pad once one press came through whole.
      await vi.waitFor(() => expect(presses().length).toBeGreaterThanOrEqual(1), WAIT);
      for (const jump of [HOUR, -2 * HOUR, HOUR]) {
        // One jump per press, 350–750 ms into it by the emulator's own clock (the pad is down from
        // 50 to 1550 ms of each 2 s period), so the gateway saw the press before and sees the release after.
        const before = presses().length;
        await vi.waitFor(() => {
          const phase = s.device.deviceTime() % 2000;
          expect(phase >= 400 && phase < 800).toBe(true);
        }, { timeout: WAIT.timeout, interval: 5 });
        offset += jump;
        await vi.waitFor(() => expect(presses().length).toBeGreaterThan(before), WAIT);
      }
      const jumpsDone = presses().length;
      await vi.waitFor(() => expect(presses().length).toBeGreaterThanOrEqual(jumpsDone + 1), WAIT);
      const total = await drainAndCheck(b, s);

      const all = presses();
      // A hold would mean a duration read off the wall clock (1.5 s + 1 h).
      expect(all.every((m) => m.interaction.type === 'touch')).toBe(true);
      for (const m of all) {
        expect(m.interaction.durationMs).toBeGreaterThan(0);
        expect(m.interaction.durationMs).toBeLessThan(HOUR / 2);
        expect(m.interaction.endedAt).toBeGreaterThanOrEqual(m.interaction.startedAt);
      }
      // The presses the jumps landed in: wall span off by an hour (forward) or clamped to 0 (backward).
      const wallSkew = (m: SensorCommunication) => m.interaction.endedAt - m.interaction.startedAt - m.interaction.durationMs;
      expect(all.filter((m) => wallSkew(m) > HOUR / 2)).toHaveLength(2);
      expect(all.filter((m) => m.interaction.endedAt === m.interaction.startedAt)).toHaveLength(1);
      // Order is the seq, not the timestamp: after the backward jump a later seq carries an earlier time.
      const stamps = s.accepted.map((m) => m.timestamp);
      expect(stamps.some((t, i) => i > 0 && t < stamps[i - 1]!)).toBe(true);
      // messageIds: this gateway, one boot, the message's own seq — whatever the wall clock did.
      for (const m of s.accepted) expect(parseSensorMessageId(m.messageId)).toEqual({ gatewayId: GW, bootId: s.gateway.outbox.bootId, seq: m.seq });
      expect(s.gateway.publisher.stats()).toMatchObject({ refusedDeadLettered: 0, strikes: { sensor: 0, status: 0, telemetry: 0 } });
      printReport(faultReport('wall clock ±1 h jumps', suite.kind, GW, range(0, total), b.collector, [], { presses: all.length }));
    });
  });
}

describe('disk full for the outbox (embedded broker)', () => {
  /**
   * Simulated: the outbox's SQLite connection gets a `max_page_count` just above its current size,
   * so the database file cannot grow (SQLITE_FULL, as on a full disk). A real full filesystem also
   * stops the WAL from growing, so there even deletes after PUBACK fail until space is freed; see
   * gateway/interop/README.md. Mounting a small tmpfs would need root, which CI does not promise.
   */
  it('an event that cannot be stored is not accepted and consumes no seq; everything accepted is delivered; appends resume once delivered rows free space', { timeout: 90_000 }, async () => {
    const b = await brokerUnderTest('aedes');
    await b.stop(); // rows pile up while the broker is away
    const o: Outbox = openOutbox({ path: join(tempDir('tp-full-'), 'outbox.db'), gatewayId: GW, siteId: STORE_SITE, onPressure: () => {} });
    cleanups.push(() => o.close());
    // Test seam: the outbox keeps its connection private; max_page_count is per connection.
    const db = (o as unknown as { db: Database.Database }).db;
    db.pragma(`max_page_count = ${(db.pragma('page_count', { simple: true }) as number) + 40}`);
    const pub = createPublisher({ url: b.url, outbox: o, ...b.login(GW), reconnectPeriodMs: 50, telemetryIntervalMs: 0, log: () => {} });
    cleanups.push(() => pub.stop({ graceful: false }));
    pub.start();

    const failures: string[] = [];
    const tryAppend = (i: number): number | undefined => {
      try {
        const r = o.append(sampleEvent(STORE_SITE, GW, i));
        if (r.ok) return r.seq;
        failures.push(r.reason);
      } catch (e) {
        failures.push((e as { code?: string }).code ?? String(e));
      }
      return undefined;
    };
    const accepted: number[] = [];
    let i = 0;
    for (; i < 100_000 && failures.length === 0; i++) {
      const seq = tryAppend(i);
      if (seq !== undefined) accepted.push(seq);
    }
    expect(accepted.length).toBeGreaterThan(20);
    const seqAtFull = o.nextSeq();
    for (let k = 0; k < 10; k++) expect(tryAppend(i++)).toBeUndefined();
    expect(failures.every((f) => f === 'SQLITE_FULL')).toBe(true);
    expect(o.nextSeq()).toBe(seqAtFull);
    expect(o.sensorQueueDepth()).toBe(accepted.length);

    await b.start();
    const restartedAt = performance.now();
    const recoveryMs = await timeUntil(() => b.collector.contiguous(GW) >= accepted.length, restartedAt, WAIT.timeout);
    await vi.waitFor(() => expect(o.depth()).toBe(0), WAIT);
    for (let k = 0; k < 20; k++) {
      const seq = tryAppend(i++);
      expect(seq).toBe(seqAtFull + k);
      accepted.push(seq!);
    }
    await vi.waitFor(() => expect(b.collector.unique(GW).size).toBe(accepted.length), WAIT);
    expect(accepted).toEqual(range(0, accepted.length));
    // No gap where appends were refused: the backend sees one contiguous sequence.
    expect(b.collector.firstArrivals(GW)).toEqual(range(0, accepted.length));
    printReport(faultReport('outbox disk full (max_page_count)', 'aedes', GW, accepted, b.collector, [recoveryMs], { refusedWhileFull: failures.length, failure: failures[0] }));
  });
});
