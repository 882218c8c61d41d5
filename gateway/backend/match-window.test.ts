import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkMatchWindow, DEFAULT_MATCH_WINDOW, sensorWindow, withinWindow } from './match-window.js';

const T = 1_739_530_812_345;
const o = DEFAULT_MATCH_WINDOW;

describe('match window ([0231])', () => {
  it('a synced clock: narrow window centred on the offset-corrected timestamp, edges inclusive', () => {
    const w = sensorWindow(T, { synced: true, offsetMs: -3 }, o);
    expect(w).toEqual({ centreMs: T + 3, halfWidthMs: 5000 });
    expect(withinWindow(T + 3 + 5000, w)).toBe(true);
    expect(withinWindow(T + 3 - 5000, w)).toBe(true);
    expect(withinWindow(T + 3 + 5001, w)).toBe(false);
    expect(withinWindow(T + 3 - 5001, w)).toBe(false);
  });

  it('an unsynced clock widens by the slack and by |offset|, and covers the uncorrected timestamp', () => {
    const w = sensorWindow(T, { synced: false, offsetMs: 2000 }, o);
    expect(w).toEqual({ centreMs: T - 2000, halfWidthMs: 5000 + 5000 + 2000 });
    expect(withinWindow(T + 5000, w)).toBe(true); // the raw timestamp's own window is inside
    expect(withinWindow(T - 2000 + 12_000, w)).toBe(true);
    expect(withinWindow(T - 2000 + 12_001, w)).toBe(false);
  });

  it('caps the half-width at maxWindowMs', () => {
    expect(sensorWindow(T, { synced: false, offsetMs: 3_600_000 }, o).halfWidthMs).toBe(30_000);
  });

  it('treats a non-finite offset as unknown', () => {
    expect(sensorWindow(T, { synced: false, offsetMs: Number.NaN }, o)).toEqual({ centreMs: T, halfWidthMs: 10_000 });
  });

  it('never narrows below the synced window, never exceeds the cap', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.integer({ min: -1e9, max: 1e9 }), (synced, offsetMs) => {
        const w = sensorWindow(T, { synced, offsetMs }, o);
        expect(w.halfWidthMs).toBeGreaterThanOrEqual(o.windowMs);
        expect(w.halfWidthMs).toBeLessThanOrEqual(o.maxWindowMs);
      }),
      { seed: 3, numRuns: 300 },
    );
  });

  it('refuses options that describe no window', () => {
    expect(() => checkMatchWindow({ ...o, windowMs: -1 })).toThrow(/windowMs/);
    expect(() => checkMatchWindow({ ...o, maxWindowMs: 100 })).toThrow(/maxWindowMs/);
    expect(checkMatchWindow({ ...o })).toEqual(o);
  });
});
