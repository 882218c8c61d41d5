import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeTouchLine } from '../../protocol/sensors/touch/line.js';
import type { TouchMessage } from '../../protocol/sensors/touch/types.js';
import { createTouchTracker } from './touch-state.js';

/** Lines from protocol/sensors/touch/PROTOCOL.md "Examples" (CRCs as published there). */
const line = (l: string): TouchMessage => {
  const r = decodeTouchLine(l);
  if (!r.ok) throw new Error(`${l}: ${r.reason}`);
  return r.value;
};
const HELLO = line('TP1 HELLO fw=1.0.0 ch=13 *56');
const T3 = line('TP1 T 3 123456 *2C');
const R3 = line('TP1 R 3 127456 *03');
const D_3 = line('TP1 D 1000 s=0008 f=512,498,505,210,500,501,502,503,504,505,506,507,650 b=516,500,508,512,500,500,500,500,500,500,500,500,660 *36');

describe('touch tracker', () => {
  it('passes T/R lines through with the MCU time (PROTOCOL.md examples)', () => {
    const t = createTouchTracker();
    expect(t.apply(HELLO)).toEqual([]);
    expect(t.apply(T3)).toEqual([{ channel: 3, touched: true, mcuMs: 123456 }]);
    expect(t.touched()).toEqual([3]);
    expect(t.apply(D_3)).toEqual([]); // mask agrees: nothing to fix
    expect(t.apply(R3)).toEqual([{ channel: 3, touched: false, mcuMs: 127456 }]);
    expect(t.touched()).toEqual([]);
  });

  it('a D mask that disagrees emits the lost transitions, without an MCU time', () => {
    const t = createTouchTracker();
    expect(t.apply(D_3)).toEqual([{ channel: 3, touched: true }]); // the T 3 line was lost
    expect(t.apply(R3)).toEqual([{ channel: 3, touched: false, mcuMs: 127456 }]);
  });

  it('a T for a touched pad means its R was lost: release first, then the touch', () => {
    const t = createTouchTracker();
    t.apply(T3);
    expect(t.apply({ ...T3, mcuMs: 200000 } as TouchMessage)).toEqual([
      { channel: 3, touched: false },
      { channel: 3, touched: true, mcuMs: 200000 },
    ]);
  });

  it('HELLO (bridge restarted) releases every touched pad', () => {
    const t = createTouchTracker();
    t.apply(T3);
    t.apply(line('TP1 T 12 4294967295 *EC'));
    expect(t.apply(HELLO)).toEqual([
      { channel: 3, touched: false },
      { channel: 12, touched: false },
    ]);
  });

  it('property: after any message sequence, per channel the transitions alternate and end in the last stated state', () => {
    const msg = fc.oneof(
      fc.record({ kind: fc.constantFrom('touch' as const, 'release' as const), format: fc.constant('tp1' as const), channel: fc.integer({ min: 0, max: 12 }), mcuMs: fc.nat() }),
      fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 13, maxLength: 13 }).map((touched): TouchMessage => ({ kind: 'values', format: 'tp1', mcuMs: 0, series: { touched } })),
    );
    fc.assert(
      fc.property(fc.array(msg as fc.Arbitrary<TouchMessage>, { maxLength: 60 }), (messages) => {
        const t = createTouchTracker();
        const state = new Map<number, boolean>();
        for (const m of messages) {
          for (const tr of t.apply(m)) {
            expect(tr.touched).toBe(!(state.get(tr.channel) ?? false));
            state.set(tr.channel, tr.touched);
          }
          if (m.kind === 'touch' || m.kind === 'release') expect(state.get(m.channel)).toBe(m.kind === 'touch');
          if (m.kind === 'values') m.series.touched!.forEach((v, ch) => expect(state.get(ch) ?? false).toBe(v === 1));
        }
        expect(t.touched()).toEqual([...state].filter(([, on]) => on).map(([ch]) => ch).sort((a, b) => a - b));
      }),
      { numRuns: 300 },
    );
  });
});
