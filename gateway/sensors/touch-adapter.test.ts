/**
 * The touch adapter on real pseudo-terminals with the real serialport: the bridge emulator end to end,
 * published TP1 lines with garbage and CRC failures, a lost T line fixed by the D mask, unplug/replug.
 */
import { describe, expect, it, vi } from 'vitest';
import { createPtyPair } from '../../beacon-sim/sensors/pty.js';
import { touchScenario } from '../../beacon-sim/sensors/scenario.js';
import { serveDevice } from '../../beacon-sim/sensors/serve.js';
import { collect, openRawDevice, useCleanup } from '../../beacon-sim/sensors/test-support.js';
import { createTouchEmulator } from '../../beacon-sim/sensors/touch-emulator.js';
import { encodeTp1 } from '../../protocol/sensors/touch/tp1.js';
import type { TouchEvent } from '../core/types.js';
import { createTouchAdapter } from './touch-adapter.js';

const c = useCleanup();
const WAIT = { timeout: 15_000, interval: 20 };
const FAST_RETRY = { initialDelayMs: 20, maxDelayMs: 200, jitter: 0 };

async function touchOnPty() {
  const dir = c.tempDir();
  const pair = await createPtyPair(dir, 'touch0');
  c.add(() => pair.close());
  const adapter = createTouchAdapter({ sensor: 'touch0', path: pair.path, retry: FAST_RETRY });
  c.add(() => adapter.stop());
  return { dir, pair, adapter };
}

/** Pad 3 held 300–1100 ms of every 3 s; D lines every 200 ms to keep the test short. */
const press3 = touchScenario('t', 'pad 3', 3000, [{ channel: 3, atMs: 300, holdMs: 800 }]);

describe('touch adapter on a pty', () => {
  it('turns the bridge emulator’s T/R lines into TouchEvents and records its HELLO', async () => {
    const { pair, adapter } = await touchOnPty();
    const events = collect<TouchEvent>(adapter);
    await adapter.start();
    const bridge = createTouchEmulator({ scenario: press3, dataEveryMs: 200 });
    const served = await serveDevice(bridge, pair.devicePath);
    c.add(() => served.close());

    await vi.waitFor(() => expect(events.length).toBeGreaterThanOrEqual(2), WAIT);
    const [down, up] = events as [TouchEvent, TouchEvent];
    expect(down).toMatchObject({ sensor: 'touch0', channel: 3, touched: true });
    expect(up).toMatchObject({ sensor: 'touch0', channel: 3, touched: false });
    // the bridge's own clock: the press lasted 800 ms by the MCU's millis()
    expect(up.mcuMs! - down.mcuMs!).toBe(800);
    expect(up.at.monoMs).toBeGreaterThan(down.at.monoMs);
    expect(adapter.info()).toMatchObject({ firmware: '1.0.0', channels: 13, protocolVersion: 1, extra: {} });
    const h = adapter.health();
    expect(h).toMatchObject({ state: 'open', crcFailures: 0, badFrames: 0, bytesSkipped: 0, reconnects: 0 });
    expect(h.framesOk).toBeGreaterThanOrEqual(3);
  });

  it('a lost T line is repaired from the next D mask (the transition comes without an MCU time)', async () => {
    const { pair, adapter } = await touchOnPty();
    const events = collect<TouchEvent>(adapter);
    await adapter.start();
    const bridge = createTouchEmulator({ scenario: press3, dataEveryMs: 200, dropTransition: (_t, i) => i === 0 });
    const served = await serveDevice(bridge, pair.devicePath);
    c.add(() => served.close());

    await vi.waitFor(() => expect(events.length).toBeGreaterThanOrEqual(2), WAIT);
    expect(bridge.transitionsDropped).toBe(1);
    expect(events[0]).toMatchObject({ channel: 3, touched: true });
    expect(events[0]!.mcuMs).toBeUndefined();
    expect(events[1]).toMatchObject({ channel: 3, touched: false, mcuMs: expect.any(Number) });
  });

  it('takes a burst of published lines with garbage, a CRC failure and an over-long line; counts each', async () => {
    const { pair, adapter } = await touchOnPty();
    const events = collect<TouchEvent>(adapter);
    await adapter.start();
    const device = await openRawDevice(pair.devicePath);
    c.add(() => device.close());

    // PROTOCOL.md "Examples" and "Rejected, never misread"
    const good = ['TP1 HELLO fw=1.0.0 ch=13 *56', 'TP1 T 3 123456 *2C', 'TP1 R 3 127456 *03', 'TP1 T 12 4294967295 *EC', 'TP1 E overcurrent *71'];
    const badCrc = 'TP1 T 3 123457 *2C';
    const lowercase = 'TP1 T 3 123456 *2c';
    const garbage = 'x\x01\x02 nothing to see';
    const overlong = 'A'.repeat(300);
    const lines: string[] = [];
    // 50 press/release pairs on channel 5 as sequence numbers, then the published lines among noise
    for (let i = 0; i < 50; i++) {
      lines.push(encodeTp1({ kind: 'touch', format: 'tp1', channel: 5, mcuMs: 1000 + 2 * i }));
      lines.push(encodeTp1({ kind: 'release', format: 'tp1', channel: 5, mcuMs: 1001 + 2 * i }));
    }
    lines.push(good[0]!, garbage, good[1]!, badCrc, good[2]!, lowercase, overlong, good[3]!, good[4]!);
    const payload = lines.map((l) => `${l}\r\n`).join('');
    await device.write(Buffer.from(payload, 'latin1'));

    await vi.waitFor(() => expect(adapter.health().framesOk).toBe(100 + good.length), WAIT);
    expect(events.slice(0, 100).map((e) => e.mcuMs)).toEqual(Array.from({ length: 100 }, (_, i) => 1000 + i));
    expect(events.slice(100).map((e) => [e.channel, e.touched, e.mcuMs])).toEqual([
      [3, true, 123456],
      [3, false, 127456],
      [12, true, 4294967295],
    ]);
    const h = adapter.health();
    expect(h.crcFailures).toBe(2); // bad CRC + lowercase CRC digits
    expect(h.badFrames).toBe(2); // garbage + over-long
    expect(h.bytesSkipped).toBe(badCrc.length + lowercase.length + garbage.length + overlong.length);
    expect(h.lastError).toBe('bridge fault: overcurrent');
    expect(adapter.touched()).toEqual([12]);
  });

  it('survives unplug/replug: retrying, then HELLO again and events resume; reconnects counted', async () => {
    const { dir, pair, adapter } = await touchOnPty();
    const events = collect<TouchEvent>(adapter);
    const hellos: number[] = [];
    adapter.onMessage((m, at) => {
      if (m.kind === 'hello') hellos.push(at.monoMs);
    });
    await adapter.start();
    const bridge = createTouchEmulator({ scenario: touchScenario('fast', 'pad 7', 400, [{ channel: 7, atMs: 50, holdMs: 150 }]), dataEveryMs: 100 });
    let served = await serveDevice(bridge, pair.devicePath);
    c.add(() => served.close());
    await vi.waitFor(() => expect(events.length).toBeGreaterThanOrEqual(2), WAIT);

    await pair.close();
    await vi.waitFor(() => expect(adapter.health().state).toBe('retrying'), WAIT);
    const n = events.length;
    const pair2 = await createPtyPair(dir, 'touch0');
    c.add(() => pair2.close());
    // serialport flushes the tty at open (@serialport/bindings-cpp serialport_unix.cpp setBaudRate:
    // tcflush TCIOFLUSH), so a HELLO sent before the gateway reopens is lost — as with hardware; the
    // bridge is "powered" once the gateway holds the port
    await vi.waitFor(() => expect(adapter.health().state).toBe('open'), WAIT);
    served = await serveDevice(bridge, pair2.devicePath);
    await vi.waitFor(() => expect(events.length).toBeGreaterThanOrEqual(n + 2), WAIT);
    expect(adapter.health()).toMatchObject({ state: 'open', reconnects: 1 });
    expect(hellos).toHaveLength(2);
    // per channel, touch and release still alternate across the replug
    const seven = events.filter((e) => e.channel === 7).map((e) => e.touched);
    seven.forEach((v, i) => expect(v).toBe(i % 2 === 0));
  });
});
