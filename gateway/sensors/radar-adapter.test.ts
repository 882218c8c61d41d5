/**
 * The radar adapter on real pseudo-terminals (socat) with the real serialport: published frames end to
 * end, a burst with garbage, unplug/replug, device absent at start. Delivery is proven with sequence
 * numbers carried in the distance field, never with sleeps.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLd2410Emulator } from '../../beacon-sim/sensors/ld2410-emulator.js';
import { createPtyPair } from '../../beacon-sim/sensors/pty.js';
import { standingAt } from '../../beacon-sim/sensors/scenario.js';
import { serveDevice } from '../../beacon-sim/sensors/serve.js';
import { collect, openRawDevice, useCleanup } from '../../beacon-sim/sensors/test-support.js';
import { hex } from '../../protocol/sensors/bytes.js';
import { LD2410_REPORT_VECTORS, encodeLd2410Report } from '../../protocol/sensors/ld2410/index.js';
import { LD2450_REPORT_VECTORS, encodeLd2450Report, ld2450SlotFor } from '../../protocol/sensors/ld2450/index.js';
import type { AdapterState, Clock, RadarReading } from '../core/types.js';
import { createRadarAdapter } from './radar-adapter.js';
import { ld2410Reading, ld2450Reading } from './radar-reading.js';

const c = useCleanup();
const WAIT = { timeout: 15_000, interval: 20 };
/** Small, unjittered backoff so that reconnect tests do not wait seconds. */
const FAST_RETRY = { initialDelayMs: 20, maxDelayMs: 200, jitter: 0 };

/** A clock far from the system's, so a stamp taken from the wrong clock shows. */
const offsetClock: Clock = { now: () => Date.now() + 1_000_000_000, mono: () => performance.now() + 5_000_000 };

let unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => unhandled.push(e);
beforeEach(() => {
  unhandled = [];
  process.on('unhandledRejection', onUnhandled);
});
afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
});

async function radarOnPty(model: 'ld2410' | 'ld2450' = 'ld2410', clock: Clock = offsetClock) {
  const dir = c.tempDir();
  const pair = await createPtyPair(dir, 'radar0');
  c.add(() => pair.close());
  const adapter = createRadarAdapter({ sensor: 'radar0', path: pair.path, model, clock, retry: FAST_RETRY });
  c.add(() => adapter.stop());
  return { dir, pair, adapter };
}

describe('radar adapter on a pty', () => {
  it('delivers the published LD2410 report vectors (notes §3.4 L1–L9) as RadarReadings, stamped by the injected clock', async () => {
    const { pair, adapter } = await radarOnPty();
    const readings = collect<RadarReading>(adapter);
    await adapter.start();
    expect(adapter.health().state).toBe('open');
    const device = await openRawDevice(pair.devicePath);
    c.add(() => device.close());

    const before = { wall: offsetClock.now(), mono: offsetClock.mono() };
    for (const v of LD2410_REPORT_VECTORS) await device.write(hex(v.hex));
    await vi.waitFor(() => expect(readings).toHaveLength(LD2410_REPORT_VECTORS.length), WAIT);
    const after = { wall: offsetClock.now(), mono: offsetClock.mono() };

    LD2410_REPORT_VECTORS.forEach((v, i) => {
      const r = readings[i]!;
      expect(r, v.id).toEqual(ld2410Reading('radar0', v.expected, r.at));
      expect(r.at.wallMs).toBeGreaterThanOrEqual(before.wall);
      expect(r.at.wallMs).toBeLessThanOrEqual(after.wall);
      expect(r.at.monoMs).toBeGreaterThanOrEqual(before.mono);
      expect(r.at.monoMs).toBeLessThanOrEqual(after.mono);
    });
    // spot checks against the vectors' documented meaning, independent of the mapping function
    const byId = (id: string) => readings[LD2410_REPORT_VECTORS.findIndex((v) => v.id.startsWith(id))]!;
    expect(byId('L5')).toMatchObject({ moving: false, stationary: false, distanceCm: null, movingDistanceCm: null, movingEnergy: 0 });
    expect(byId('L6')).toMatchObject({ moving: true, stationary: true, distanceCm: 70, movingDistanceCm: 70, movingEnergy: 52, staticEnergy: 60 });
    expect(byId('L2')).toMatchObject({ moving: true, distanceCm: 30, movingEnergy: 60 });
    const h = adapter.health();
    expect(h).toMatchObject({ sensor: 'radar0', path: pair.path, state: 'open', framesOk: LD2410_REPORT_VECTORS.length, bytesSkipped: 0, badFrames: 0, crcFailures: 0, reconnects: 0 });
    expect(h.lastFrameAgeMs).not.toBeNull();
  });

  it('delivers LD2450 report vectors (notes §3.5) with distances from x/y', async () => {
    const { pair, adapter } = await radarOnPty('ld2450');
    const readings = collect<RadarReading>(adapter);
    await adapter.start();
    const device = await openRawDevice(pair.devicePath);
    c.add(() => device.close());
    for (const v of LD2450_REPORT_VECTORS) await device.write(hex(v.hex));
    await vi.waitFor(() => expect(readings).toHaveLength(LD2450_REPORT_VECTORS.length), WAIT);
    LD2450_REPORT_VECTORS.forEach((v, i) => expect(readings[i], v.id).toEqual(ld2450Reading('radar0', v.expected, readings[i]!.at)));
    // one hand-built frame: a walker at (−300, 400) mm (|d| = 50 cm) and a still target at 2 m
    await device.write(
      encodeLd2450Report({ slots: [ld2450SlotFor({ xMm: -300, yMm: 400, speedCmPerS: -20, resolutionMm: 320 }), ld2450SlotFor({ xMm: 0, yMm: 2000, speedCmPerS: 0, resolutionMm: 320 }), ld2450SlotFor(null)] }),
    );
    await vi.waitFor(() => expect(readings).toHaveLength(LD2450_REPORT_VECTORS.length + 1), WAIT);
    expect(readings.at(-1)).toMatchObject({ model: 'ld2450', moving: true, stationary: true, distanceCm: 50, movingDistanceCm: 50, staticDistanceCm: 200 });
  });

  it('takes a burst of frames with garbage and a corrupted frame in one write: every good frame in order, the rest counted', async () => {
    const { pair, adapter } = await radarOnPty();
    const readings = collect<RadarReading>(adapter);
    await adapter.start();
    const device = await openRawDevice(pair.devicePath);
    c.add(() => device.close());

    const N = 300;
    const parts: Uint8Array[] = [];
    let garbage = 0;
    for (let i = 0; i < N; i++) {
      // the moving distance is the sequence number
      parts.push(encodeLd2410Report({ mode: 'basic', state: 1, movingDistanceCm: 1000 + i, movingEnergy: 50, staticDistanceCm: 0, staticEnergy: 0, detectionDistanceCm: 1000 + i }));
      if (i % 7 === 3) {
        const g = Buffer.from(`noise ${i} \x00\x01\x02`, 'latin1');
        garbage += g.length;
        parts.push(g);
      }
    }
    // a frame with a broken footer: rejected, its bytes skipped, the next frame still found
    const corrupt = encodeLd2410Report({ mode: 'basic', state: 1, movingDistanceCm: 9999, movingEnergy: 50, staticDistanceCm: 0, staticEnergy: 0, detectionDistanceCm: 0 });
    corrupt[corrupt.length - 1] = 0x00;
    parts.splice(10, 0, corrupt);
    await device.write(Buffer.concat(parts));

    await vi.waitFor(() => expect(readings).toHaveLength(N), WAIT);
    expect(readings.map((r) => r.movingDistanceCm)).toEqual(Array.from({ length: N }, (_, i) => 1000 + i));
    expect(adapter.health()).toMatchObject({ framesOk: N, bytesSkipped: garbage + corrupt.length, badFrames: 1, state: 'open' });
    expect(adapter.health().lastError).toMatch(/bad frame: .*footer/);
  });

  it('survives unplug (socat killed mid-stream): retrying, no crash or unhandled rejection, resumes on a new pty at the same path', async () => {
    const { dir, pair, adapter } = await radarOnPty();
    const states: AdapterState[] = [];
    adapter.onState((s) => states.push(s));
    const readings = collect<RadarReading>(adapter);
    const radar = createLd2410Emulator({ scenario: standingAt(80) });
    let served = await serveDevice(radar, pair.devicePath, { baudRate: 256000 });
    c.add(() => served.close());
    await adapter.start();
    await vi.waitFor(() => expect(readings.length).toBeGreaterThanOrEqual(3), WAIT);
    expect(readings.at(-1)).toMatchObject({ stationary: true, distanceCm: 80 });

    await pair.close(); // unplug
    await vi.waitFor(() => expect(adapter.health().state).toBe('retrying'), WAIT);
    expect(adapter.health().lastError).toMatch(/closed|cannot open/);
    await served.closed;
    const countAtUnplug = readings.length;

    const pair2 = await createPtyPair(dir, 'radar0'); // replug, same path
    c.add(() => pair2.close());
    served = await serveDevice(radar, pair2.devicePath, { baudRate: 256000 });
    await vi.waitFor(() => expect(adapter.health().state).toBe('open'), WAIT);
    await vi.waitFor(() => expect(readings.length).toBeGreaterThanOrEqual(countAtUnplug + 3), WAIT);
    const h = adapter.health();
    expect(h.reconnects).toBe(1);
    expect(states).toEqual(expect.arrayContaining(['starting', 'open', 'retrying']));
    expect(states.indexOf('retrying')).toBeLessThan(states.lastIndexOf('open'));
    expect(unhandled).toEqual([]);
  });

  it('starts while the device is absent, retries, and opens when it appears', async () => {
    const dir = c.tempDir();
    const seen: AdapterState[] = [];
    const adapter = createRadarAdapter({ sensor: 'radar0', path: `${dir}/radar0`, model: 'ld2410', retry: FAST_RETRY, onState: (s) => seen.push(s) });
    c.add(() => adapter.stop());
    const readings = collect<RadarReading>(adapter);
    await adapter.start(); // must not reject
    expect(adapter.health().state).toBe('retrying');
    expect(adapter.health().lastError).toMatch(/cannot open .*radar0/);
    expect(adapter.health().lastFrameAgeMs).toBeNull();

    const pair = await createPtyPair(dir, 'radar0');
    c.add(() => pair.close());
    const served = await serveDevice(createLd2410Emulator({ scenario: standingAt(120) }), pair.devicePath);
    c.add(() => served.close());
    await vi.waitFor(() => expect(readings.length).toBeGreaterThan(0), WAIT);
    expect(readings[0]).toMatchObject({ sensor: 'radar0', stationary: true, distanceCm: 120 });
    expect(adapter.health()).toMatchObject({ state: 'open', reconnects: 0 });
    expect(seen.slice(0, 2)).toEqual(['starting', 'retrying']);
    expect(unhandled).toEqual([]);
  });

  it('stops cleanly while retrying and reports "stopped"', async () => {
    const dir = c.tempDir();
    const adapter = createRadarAdapter({ sensor: 'radar0', path: `${dir}/absent`, model: 'ld2410', retry: FAST_RETRY });
    await adapter.start();
    await adapter.stop();
    expect(adapter.health().state).toBe('stopped');
    await expect(adapter.configure([{ command: 'readFirmware' }])).rejects.toMatchObject({ name: 'RadarCommandError', command: 'enableConfig', reason: 'write-failed' });
  });
});
