/**
 * The REAL noble (lib/noble.js via `@abandonware/noble/with-bindings.js`) above a fake radio
 * whose discover events come from noble's own HCI GAP layer (test-support/fake-noble-bindings.ts).
 */
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { encodeFrame } from '../../protocol/ble/frames.js';
import { encodeIBeaconManufacturerData } from '../../protocol/ble/ibeacon.js';
import type { Clock, RadioAdvertisement } from '../core/types.js';
import type { NobleLike } from './libs.js';
import { type NobleScanner, type NobleScannerOptions, createNobleScanner } from './scanner.js';
import { FakeNobleBindings } from './test-support/fake-noble-bindings.js';

const require = createRequire(import.meta.url);
const withBindings = require('@abandonware/noble/with-bindings.js') as (b: unknown) => NobleLike & Record<string, any>;

// Vector I1 (shared/docs/protocols.md §1.1, Kontakt/AprilBrother): iBeacon 83256b74-…, 16/32, −58 dBm
const IBEACON = { type: 'ibeacon' as const, uuid: '83256b74-78d0-43a4-8269-05f9dc8a44ba', major: 16, minor: 32, measuredPower: -58 };
const UID = { type: 'eddystone-uid' as const, namespace: '8b0ca750095477cb3e77', instance: 'aabbccddeeff', txPower: -18 };

const dateClock: Clock = { now: () => Date.now(), mono: () => Date.now() };

let scanner: NobleScanner | undefined;
afterEach(async () => {
  await scanner?.stop();
  scanner = undefined;
  vi.useRealTimers();
});

function setup(opts: Partial<NobleScannerOptions> = {}) {
  const bindings = new FakeNobleBindings();
  const noble = withBindings(bindings);
  const events: RadioAdvertisement[] = [];
  scanner = createNobleScanner({
    clock: dateClock,
    noble,
    watchdog: { silenceMs: 60_000, maxRestartsBeforeReset: 2 },
    dedupe: { minIntervalMs: 0 },
    ...opts,
  });
  scanner.on((e) => events.push(e));
  return { bindings, noble, events, scanner };
}

describe('noble scanner above a fake radio', () => {
  it('scans with duplicates allowed once noble reports poweredOn', async () => {
    const { bindings, scanner } = setup();
    await scanner.start();
    await vi.waitFor(() => expect(bindings.startScanningCalls).toHaveLength(1));
    expect(bindings.startScanningCalls[0]).toEqual({ serviceUuids: [], allowDuplicates: true });
    await vi.waitFor(() => expect(scanner.stats().state).toBe('scanning'));
    expect(scanner.stats().adapterState).toBe('poweredOn');
  });

  it('emits RadioAdvertisement with copied bytes: mutating the HCI buffer afterwards changes nothing', async () => {
    const { bindings, events, scanner } = setup();
    await scanner.start();
    await vi.waitFor(() => expect(bindings.startScanningCalls).toHaveLength(1));
    const hciBuffer = Buffer.from(encodeFrame(IBEACON));
    bindings.report('c4:7c:8d:6a:00:01', hciBuffer, -61, { addressType: 'public' });
    expect(events).toHaveLength(1);
    const e = events[0]!;
    const expected = encodeIBeaconManufacturerData(IBEACON);
    expect(e.address).toBe('c4:7c:8d:6a:00:01');
    expect(e.addressType).toBe('public');
    expect(e.rssi).toBe(-61);
    expect(e.manufacturerData).toEqual([expected]);
    expect(Buffer.isBuffer(e.manufacturerData[0])).toBe(false);
    expect(e.serviceData).toEqual([]);
    hciBuffer.fill(0xaa);
    expect(e.manufacturerData[0]).toEqual(expected);
  });

  it('Eddystone service data arrives under uuid "feaa", copied', async () => {
    const { bindings, events, scanner } = setup();
    await scanner.start();
    await vi.waitFor(() => expect(bindings.startScanningCalls).toHaveLength(1));
    const buf = Buffer.from(encodeFrame(UID));
    bindings.report('c4:7c:8d:6a:00:02', buf, -70);
    buf.fill(0);
    expect(events[0]!.serviceData).toHaveLength(1);
    expect(events[0]!.serviceData[0]!.uuid).toBe('feaa');
    expect(Buffer.from(events[0]!.serviceData[0]!.data).toString('hex')).toBe('00ee8b0ca750095477cb3e77aabbccddeeff0000');
  });

  it('does not carry a previous frame\'s manufacturer data into the next one from the same address', async () => {
    // noble's GAP layer resets serviceData on every report but keeps manufacturerData/localName
    const { bindings, events, scanner } = setup();
    await scanner.start();
    await vi.waitFor(() => expect(bindings.startScanningCalls).toHaveLength(1));
    bindings.report('c4:7c:8d:6a:00:03', encodeFrame(IBEACON));
    bindings.report('c4:7c:8d:6a:00:03', encodeFrame(UID));
    bindings.report('c4:7c:8d:6a:00:03', encodeFrame(IBEACON));
    expect(events.map((e) => [e.manufacturerData.length, e.serviceData.length])).toEqual([[1, 0], [0, 1], [1, 0]]);
  });

  it('restarts scanning after poweredOff → poweredOn (noble itself does not)', async () => {
    const { bindings, scanner } = setup();
    await scanner.start();
    await vi.waitFor(() => expect(bindings.startScanningCalls).toHaveLength(1));
    bindings.power('poweredOff');
    expect(scanner.stats().state).toBe('waiting-for-adapter');
    bindings.power('poweredOn');
    expect(bindings.startScanningCalls).toHaveLength(2);
    expect(bindings.startScanningCalls[1]).toEqual({ serviceUuids: [], allowDuplicates: true });
    bindings.power('poweredOff');
    bindings.power('poweredOn');
    expect(bindings.startScanningCalls).toHaveLength(3);
    expect(scanner.stats().stateChanges).toBe(5); // initial poweredOn + 4
  });

  it('de-duplicates per address+payload within minIntervalMs, not across payloads', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    const { bindings, events, scanner } = setup({ dedupe: { minIntervalMs: 1000 } });
    await scanner.start();
    await vi.waitFor(() => expect(bindings.startScanningCalls).toHaveLength(1));
    const a = 'c4:7c:8d:6a:00:04';
    bindings.report(a, encodeFrame(IBEACON));
    bindings.report(a, encodeFrame(IBEACON), -80); // same payload, other RSSI: a duplicate
    bindings.report(a, encodeFrame(UID)); // other payload: emitted
    bindings.report('c4:7c:8d:6a:00:05', encodeFrame(IBEACON)); // other address: emitted
    expect(events).toHaveLength(3);
    vi.advanceTimersByTime(999);
    bindings.report(a, encodeFrame(IBEACON));
    expect(events).toHaveLength(3);
    vi.advanceTimersByTime(1);
    bindings.report(a, encodeFrame(IBEACON));
    expect(events).toHaveLength(4);
    const s = scanner.stats();
    expect([s.advertisementsSeen, s.emitted, s.deduped]).toEqual([6, 4, 2]);
  });

  it('watchdog: silence restarts the scan, N fruitless restarts reset the adapter, an advertisement re-arms it', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    const { bindings, scanner } = setup({ watchdog: { silenceMs: 1000, maxRestartsBeforeReset: 2, checkEveryMs: 100, resetSettleMs: 500 } });
    await scanner.start();
    await vi.waitFor(() => expect(bindings.startScanningCalls).toHaveLength(1));
    vi.advanceTimersByTime(900);
    expect(bindings.startScanningCalls).toHaveLength(1);
    vi.advanceTimersByTime(100);
    expect(bindings.startScanningCalls).toHaveLength(2);
    expect(bindings.stopScanningCalls).toBe(1);
    expect(scanner.stats().scanRestarts).toBe(1);
    vi.advanceTimersByTime(1000);
    expect(scanner.stats().scanRestarts).toBe(2);
    expect(bindings.resetCalls).toBe(0);
    vi.advanceTimersByTime(1000);
    expect(bindings.resetCalls).toBe(1);
    expect(scanner.stats()).toMatchObject({ watchdogResets: 1, scanRestarts: 2, state: 'resetting' });
    const callsAtReset = bindings.startScanningCalls.length;
    vi.advanceTimersByTime(500);
    expect(bindings.startScanningCalls).toHaveLength(callsAtReset + 1); // scanning again after the settle time
    // an advertisement proves the radio works: the next silence restarts again before any reset
    vi.advanceTimersByTime(400);
    bindings.report('c4:7c:8d:6a:00:06', encodeFrame(IBEACON));
    expect(scanner.stats().lastAdvertisementAgeMs).toBe(0);
    vi.advanceTimersByTime(999);
    expect(scanner.stats().scanRestarts).toBe(2);
    vi.advanceTimersByTime(100);
    expect(scanner.stats().scanRestarts).toBe(3);
    expect(bindings.resetCalls).toBe(1);
  });

  it('a 20 000-address flood keeps the dedupe map and noble\'s own caches within their caps', async () => {
    const cap = 512;
    const { bindings, noble, events, scanner } = setup({ dedupe: { minIntervalMs: 60_000, maxEntries: cap }, maxPeripherals: cap });
    await scanner.start();
    await vi.waitFor(() => expect(bindings.startScanningCalls).toHaveLength(1));
    const adv = encodeFrame(IBEACON);
    for (let i = 0; i < 20_000; i++) {
      const address = `4a:00:00:${((i >> 16) & 0xff).toString(16).padStart(2, '0')}:${((i >> 8) & 0xff).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`;
      bindings.report(address, adv, -90);
      if (i % 997 === 0) {
        expect(scanner.stats().dedupe.entries).toBeLessThanOrEqual(cap);
        expect(Object.keys(noble._peripherals).length).toBeLessThanOrEqual(cap);
      }
    }
    const s = scanner.stats();
    expect(events).toHaveLength(20_000); // every address is new: nothing suppressed
    expect(s.dedupe.entries).toBe(cap);
    expect(s.dedupe.evicted).toBe(20_000 - cap);
    expect(s.tracked).toBe(cap);
    expect(s.noblePruned).toBe(20_000 - cap);
    for (const k of ['_peripherals', '_services', '_characteristics', '_descriptors', '_discoveredPeripheralUUids']) {
      expect(Object.keys(noble[k]).length, k).toBeLessThanOrEqual(cap);
    }
    expect(Object.keys(bindings._gap._discoveries).length).toBeLessThanOrEqual(cap);
  });

  it('stop() stops scanning and detaches: later reports are not emitted', async () => {
    const { bindings, events, scanner } = setup();
    await scanner.start();
    await vi.waitFor(() => expect(bindings.startScanningCalls).toHaveLength(1));
    await scanner.stop();
    expect(bindings.stopScanningCalls).toBe(1);
    bindings.report('c4:7c:8d:6a:00:07', encodeFrame(IBEACON));
    expect(events).toHaveLength(0);
    expect(scanner.stats().state).toBe('stopped');
  });

  it('a throwing listener is counted and does not stop the others', async () => {
    const { bindings, events, scanner } = setup();
    scanner.on(() => {
      throw new Error('boom');
    });
    await scanner.start();
    await vi.waitFor(() => expect(bindings.startScanningCalls).toHaveLength(1));
    bindings.report('c4:7c:8d:6a:00:08', encodeFrame(IBEACON));
    expect(events).toHaveLength(1);
    expect(scanner.stats().listenerErrors).toBe(1);
  });

  it('rejects nonsensical watchdog settings', () => {
    expect(() => createNobleScanner({ clock: dateClock, watchdog: { silenceMs: 0, maxRestartsBeforeReset: 1 } })).toThrow(RangeError);
    expect(() => createNobleScanner({ clock: dateClock, watchdog: { silenceMs: 10, maxRestartsBeforeReset: -1 } })).toThrow(RangeError);
  });
});
