/**
 * The touch-bridge emulator without I/O: every line decodes with the production TP1 decoder (CRC
 * checked), the HELLO matches the published example, and the scenario comes out as T/R at the right
 * MCU times plus a D line every second.
 */
import { describe, expect, it } from 'vitest';
import { createTouchParser } from '../../protocol/sensors/touch/parser.js';
import type { TouchMessage } from '../../protocol/sensors/touch/types.js';
import { PAD3, randomTouchScenario, touchScenario } from './scenario.js';
import { createTouchEmulator } from './touch-emulator.js';

function decode(chunks: Uint8Array[]): TouchMessage[] {
  const p = createTouchParser({ formats: ['tp1'] });
  const out = chunks.flatMap((c) => p.push(c));
  expect(p.stats.crcFailures + p.stats.garbageLines).toBe(0);
  return out;
}

describe('touch-bridge emulator', () => {
  it('greets with the HELLO of PROTOCOL.md "Examples" byte for byte', () => {
    const e = createTouchEmulator();
    expect(Buffer.from(e.greet(0)[0]!).toString('latin1')).toBe('TP1 HELLO fw=1.0.0 ch=13 *56\r\n');
  });

  it('"hand touches pad 3 for 4 s": T 3 and R 3 exactly 4000 ms apart by the MCU clock, D lines every second with the mask', () => {
    const e = createTouchEmulator({ scenario: PAD3, bootMs: 1500 });
    const msgs = decode(e.due(7000));
    const events = msgs.filter((m) => m.kind === 'touch' || m.kind === 'release');
    expect(events).toEqual([
      { kind: 'touch', format: 'tp1', channel: 3, mcuMs: 2500 },
      { kind: 'release', format: 'tp1', channel: 3, mcuMs: 6500 },
    ]);
    const d = msgs.filter((m) => m.kind === 'values');
    expect(d.map((m) => m.mcuMs)).toEqual([2500, 3500, 4500, 5500, 6500, 7500, 8500]);
    expect(d.map((m) => m.series.touched![3])).toEqual([1, 1, 1, 1, 0, 0, 0]);
    // a touched electrode's filtered value drops below its baseline; the baseline is a multiple of 4 (8-bit << 2)
    const first = d[0]!.series;
    expect(first.baseline![3]! - first.filtered![3]!).toBeGreaterThanOrEqual(40);
    expect(first.baseline!.every((b) => b % 4 === 0)).toBe(true);
    // T before the D line of the same millisecond: the mask already shows it
    expect(msgs.findIndex((m) => m.kind === 'touch')).toBeLessThan(msgs.findIndex((m) => m.kind === 'values'));
  });

  it('emits each line once however time is sliced', () => {
    const whole = createTouchEmulator({ scenario: randomTouchScenario(5), seed: 5 });
    const sliced = createTouchEmulator({ scenario: randomTouchScenario(5), seed: 5 });
    const a = decode(whole.due(60_000)).filter((m) => m.kind !== 'values');
    const parts: Uint8Array[] = [];
    for (let t = 0; t <= 60_000; t += 37) parts.push(...sliced.due(t));
    expect(decode(parts).filter((m) => m.kind !== 'values')).toEqual(a);
    expect(a.length).toBeGreaterThan(10);
  });

  it('loses the transitions it is told to drop; the D lines still carry the truth', () => {
    const e = createTouchEmulator({ scenario: PAD3, dropTransition: (t) => t.touched });
    const msgs = decode(e.due(3000));
    expect(msgs.filter((m) => m.kind === 'touch')).toEqual([]);
    expect(msgs.filter((m) => m.kind === 'values').map((m) => m.series.touched![3])).toEqual([1, 1, 1]);
    expect(e.transitionsDropped).toBe(1);
  });

  it('a restart while a pad is held: HELLO, then T for the held pad; no replay of what happened while unplugged', () => {
    const e = createTouchEmulator({ scenario: touchScenario('t', 'pad 5', 10_000, [{ channel: 5, atMs: 100, holdMs: 5000 }]) });
    decode(e.due(1000));
    const greet = decode(e.greet(8000 - 5000));
    expect(greet.map((m) => m.kind)).toEqual(['hello', 'touch']);
    expect(decode(e.due(3050)).filter((m) => m.kind !== 'values')).toEqual([]);
  });

  it('refuses a scenario pressing a channel the bridge does not have', () => {
    expect(() => createTouchEmulator({ scenario: PAD3, channels: 3 })).toThrow(RangeError);
  });

  it('answers HELLO? (framed or bare, split across chunks) with its HELLO and ignores other host lines (PROTOCOL.md "Requests")', () => {
    const e = createTouchEmulator({ firmware: '1.1.0' });
    const ascii = (s: string) => Buffer.from(s, 'latin1');
    expect(e.receive(ascii('TP1 HELLO? *30\r\nhello\r\n'), 0)).toEqual([]);
    expect(e.receive(ascii('TP1 HEL'), 0)).toEqual([]);
    const answer = decode(e.receive(ascii('LO? *31\r\n?\n'), 0));
    expect(answer).toEqual([1, 2].map(() => ({ kind: 'hello', format: 'tp1', protocolVersion: 1, firmware: '1.1.0', channels: 13, extra: {} })));
    expect(e.requestsAnswered).toBe(2);
  });
});
