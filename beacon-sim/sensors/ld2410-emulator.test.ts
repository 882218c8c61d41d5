/**
 * The LD2410 emulator without I/O: its ACKs are byte-exact against the published captures (notes §3.4:
 * K1/K2/K4 real Tasmota captures, K6–K9 aio-ld2410 traces), its reports decode with the production
 * parser and follow the scenario and the configured parameters.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hex, toHex } from '../../protocol/sensors/bytes.js';
import {
  type Ld2410Command,
  type Ld2410Report,
  LD2410_ACK_VECTORS,
  LD2410_COMMAND_VECTORS,
  createLd2410Parser,
  decodeLd2410Report,
  encodeLd2410Command,
} from '../../protocol/sensors/ld2410/index.js';
import { createLd2410Emulator } from './ld2410-emulator.js';
import { APPROACH, segmentScenario, standingAt } from './scenario.js';

const cmd = (id: string) => hex(LD2410_COMMAND_VECTORS.find((v) => v.id === id)!.hex);
const ackHex = (prefix: string) => toHex(hex(LD2410_ACK_VECTORS.find((v) => v.id.startsWith(prefix))!.hex));
const send = (e: ReturnType<typeof createLd2410Emulator>, bytes: Uint8Array, t = 0) => e.receive(bytes, t).map((b) => toHex(b));
const inConfig = () => {
  const e = createLd2410Emulator();
  e.receive(cmd('enable config'), 0);
  return e;
};

function reports(frames: Uint8Array[]): Ld2410Report[] {
  return frames.map((f) => {
    const r = decodeLd2410Report(f);
    if (!r.ok) throw new Error(r.reason);
    return r.value;
  });
}

describe('LD2410 emulator ACKs against published captures', () => {
  it('enable-config answers K1 byte for byte (real capture) and enters configuration mode', () => {
    const e = createLd2410Emulator();
    expect(send(e, cmd('enable config'))).toEqual([ackHex('K1')]);
    expect(e.configMode).toBe(true);
  });

  it('read-parameters with factory defaults answers K2 (real capture, "Default")', () => {
    expect(send(inConfig(), cmd('read params'))).toEqual([ackHex('K2')]);
  });

  it('read-firmware with the default V1.07.22091516 answers K4 (real capture, type bytes 00 01)', () => {
    expect(send(inConfig(), cmd('firmware'))).toEqual([ackHex('K4')]);
  });

  it('get-MAC answers K6 with the MAC configured; the "no MAC" pattern while Bluetooth is off', () => {
    expect(send(inConfig(), cmd('get MAC'))).toEqual([ackHex('K6')]);
    const off = createLd2410Emulator({ bluetooth: false });
    off.receive(cmd('enable config'), 0);
    const [ack] = createLd2410Parser().push(off.receive(cmd('get MAC'), 0)[0]!);
    expect(ack).toMatchObject({ command: 'getMac', payload: { mac: '08:05:04:03:02:01', bluetoothOff: true } });
  });

  it('resolution set then queried answers K7; light control query answers K8', () => {
    const e = inConfig();
    expect(send(e, cmd('set resolution 0.2 m'))).toEqual(['fdfcfbfa0400aa01000004030201']);
    expect(send(e, cmd('get resolution'))).toEqual([ackHex('K7')]);
    expect(send(e, cmd('get light'))).toEqual([ackHex('K8')]);
  });

  it('simple commands answer the K9 generic success ACKs', () => {
    const e = inConfig();
    for (const [id, k9] of [
      ['max gates 8/8, 5 s', 'K9 generic success 60'],
      ['engineering on', 'K9 generic success 62'],
      ['engineering off', 'K9 generic success 63'],
      ['gate 3 sens 40/40', 'K9 generic success 64'],
      ['baud 256000', 'K9 generic success a1'],
      ['end config', 'K9 generic success fe'],
    ] as const) {
      expect(send(e, cmd(id)), id).toEqual([ackHex(k9)]);
    }
    expect(e.configMode).toBe(false);
  });

  it('ignores everything but enable-config outside configuration mode', () => {
    const e = createLd2410Emulator();
    expect(send(e, cmd('read params'))).toEqual([]);
    expect(send(e, cmd('engineering on'))).toEqual([]);
    expect(e.engineering).toBe(false);
    expect(e.commands.map((c) => c.command)).toEqual(['readParameters', 'engineeringOn']);
  });

  it('answers several commands in one chunk, in order, and commands split across chunks', () => {
    const e = createLd2410Emulator();
    const both = new Uint8Array([...cmd('enable config'), ...cmd('firmware')]);
    expect(send(e, both.subarray(0, 9))).toEqual([]);
    expect(send(e, both.subarray(9))).toEqual([ackHex('K1'), ackHex('K4')]);
  });

  it('NAKs (status 1) or stays silent for the commands it is told to', () => {
    const e = createLd2410Emulator({ nak: ['readParameters'], silent: ['readFirmware'] });
    e.receive(cmd('enable config'), 0);
    expect(send(e, cmd('read params'))).toEqual(['fdfcfbfa040061010100' + '04030201']);
    expect(send(e, cmd('firmware'))).toEqual([]);
    e.nak.delete('readParameters');
    expect(send(e, cmd('read params'))).toEqual([ackHex('K2')]);
  });

  it('refuses max gates below 2 (datasheet range 2–8, notes §3.3) and keeps its parameters', () => {
    const e = inConfig();
    const bytes = encodeLd2410Command({ command: 'setMaxGates', maxMovingGate: 1, maxStaticGate: 8, noOneTimeoutS: 5 });
    expect(send(e, bytes)).toEqual(['fdfcfbfa040060010100' + '04030201']);
    expect(e.parameters.maxMovingGate).toBe(8);
  });

  it('keeps parameters: max gates, timeout, per-gate and all-gate sensitivity', () => {
    const e = inConfig();
    const run = (c: Ld2410Command) => e.receive(encodeLd2410Command(c), 0);
    run({ command: 'setMaxGates', maxMovingGate: 5, maxStaticGate: 4, noOneTimeoutS: 30 });
    run({ command: 'setGateSensitivity', gate: 'all', movingSensitivity: 60, staticSensitivity: 55 });
    run({ command: 'setGateSensitivity', gate: 2, movingSensitivity: 21, staticSensitivity: 22 });
    expect(e.parameters).toEqual({
      maxGate: 8,
      maxMovingGate: 5,
      maxStaticGate: 4,
      noOneTimeoutS: 30,
      movingSensitivity: [60, 60, 21, 60, 60, 60, 60, 60, 60],
      staticSensitivity: [55, 55, 22, 55, 55, 55, 55, 55, 55],
    });
  });
});

describe('LD2410 emulator reports', () => {
  it('sends ~10 reports per second (notes §3.1), none in configuration mode, and resumes after end-config', () => {
    const e = createLd2410Emulator({ scenario: standingAt(80) });
    expect(e.due(999)).toHaveLength(10);
    e.receive(cmd('enable config'), 1000);
    expect(e.due(2000)).toHaveLength(0);
    e.receive(cmd('end config'), 2000);
    expect(e.due(3000)).toHaveLength(10); // slots 2100…3000: reporting resumes with the next slot, no burst
  });

  it('a standing person at 80 cm is a stationary target at 80 cm in every report', () => {
    const e = createLd2410Emulator({ scenario: standingAt(80) });
    const rs = reports(e.due(2000));
    expect(rs.every((r) => r.staticTarget && r.staticDistanceCm === 80 && r.mode === 'basic')).toBe(true);
  });

  it('the approach scenario: nobody, walking in (distance falls from 4 m), standing at 0.8 m', () => {
    const e = createLd2410Emulator({ scenario: APPROACH, seed: 7 });
    const at = (t: number) => reports([e.due(t).at(-1)!])[0]!;
    expect(at(1000).state).toBe(0);
    const walking = [2500, 3500, 4500, 5500].map(at);
    expect(walking.every((r) => r.movingTarget)).toBe(true);
    const d = walking.map((r) => r.movingDistanceCm!);
    expect([...d].sort((a, b) => b - a)).toEqual(d);
    expect(d[0]).toBeGreaterThan(300);
    expect(at(9000)).toMatchObject({ staticTarget: true, staticDistanceCm: 80 });
  });

  it('after the person left, the state is held for the no-one duration (notes §3.3 0x0060), then reports nobody with stale distances (L5)', () => {
    const e = createLd2410Emulator({ scenario: segmentScenario('t', 'stand 1 s, leave', [{ ms: 1000, standAtCm: 150 }, { ms: 20_000, empty: true }]) });
    const at = (t: number) => reports([e.due(t).at(-1)!])[0]!;
    expect(at(900)).toMatchObject({ staticTarget: true, staticDistanceCm: 150 });
    expect(at(5500)).toMatchObject({ staticTarget: true, staticDistanceCm: 150 }); // factory no-one duration 5 s
    const gone = at(6500);
    expect(gone).toMatchObject({ state: 0, staticDistanceCm: null });
    expect(gone.raw.staticDistanceCm).toBe(150);
  });

  it('targets beyond the configured max gate are not reported', () => {
    const e = inConfig();
    e.receive(encodeLd2410Command({ command: 'setMaxGates', maxMovingGate: 2, maxStaticGate: 2, noOneTimeoutS: 0 }), 0);
    e.receive(cmd('end config'), 0);
    const far = createLd2410Emulator({ scenario: standingAt(400) });
    expect(reports(far.due(500)).every((r) => r.staticTarget)).toBe(true);
    const limited = createLd2410Emulator({ scenario: standingAt(400), parameters: e.parameters });
    expect(reports(limited.due(500)).every((r) => r.state === 0)).toBe(true);
  });

  it('engineering mode switches the report type; light and OUT bytes only on firmware ≥ 2.04', () => {
    const e = inConfig();
    e.receive(cmd('engineering on'), 0);
    e.receive(cmd('end config'), 0);
    const [r] = reports(e.due(0));
    expect(r).toMatchObject({ mode: 'engineering', maxMovingGate: 8, maxStaticGate: 8, lightLevel: null, outPin: null });
    const c = createLd2410Emulator({ firmware: 'V2.04.23022511', engineering: true, scenario: standingAt(100) });
    const [r2] = reports(c.due(0));
    expect(r2).toMatchObject({ mode: 'engineering', outPin: 1, lightLevel: expect.any(Number) });
  });

  it('restart ends engineering and configuration mode, applies the resolution, pauses reports briefly', () => {
    const e = inConfig();
    e.receive(cmd('engineering on'), 0);
    e.receive(cmd('set resolution 0.2 m'), 0);
    e.receive(encodeLd2410Command({ command: 'restart' }), 0);
    expect([e.configMode, e.engineering, e.resolutionCm]).toEqual([false, false, 20]);
    expect(e.due(250)).toHaveLength(0);
    expect(reports(e.due(1000)).every((r) => r.mode === 'basic')).toBe(true);
  });

  it('the same seed gives the same bytes; never throws on random host bytes', () => {
    const run = (seed: number) => {
      const e = createLd2410Emulator({ scenario: APPROACH, seed, engineering: true });
      return toHex(Uint8Array.from(e.due(20_000).flatMap((f) => [...f])));
    };
    expect(run(3)).toBe(run(3));
    expect(run(3)).not.toBe(run(4));
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 80 }), { maxLength: 10 }), (chunks) => {
        const e = createLd2410Emulator();
        for (const c of chunks) e.receive(c, 0);
        e.due(1000);
      }),
    );
  });
});
