import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay, resolveRetry } from './backoff.js';

describe('backoff', () => {
  it('doubles from the initial delay up to the cap when jitter is off', () => {
    const r = resolveRetry({ initialDelayMs: 100, maxDelayMs: 1000, jitter: 0 });
    expect([0, 1, 2, 3, 4, 5, 60, 5000].map((a) => backoffDelay(a, r))).toEqual([100, 200, 400, 800, 1000, 1000, 1000, 1000]);
  });

  it('jitter takes away at most its share: full jitter spans [0, d], half jitter [d/2, d]', () => {
    const at = (jitter: number, random: number) => backoffDelay(3, resolveRetry({ initialDelayMs: 100, maxDelayMs: 10_000, jitter, random: () => random }));
    expect(at(1, 0)).toBe(800);
    expect(at(1, 0.999999)).toBe(0);
    expect(at(0.5, 0.999999)).toBe(400);
    expect(at(0.5, 0.5)).toBe(600);
  });

  it('property: any attempt, any options: a finite delay within [0, maxDelayMs]', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 1, max: 60_000 }),
        fc.integer({ min: 0, max: 600_000 }),
        fc.double({ min: 1, max: 10, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 0.9999999, noNaN: true }),
        (attempt, initial, extra, factor, jitter, random) => {
          const r = resolveRetry({ initialDelayMs: initial, maxDelayMs: initial + extra, factor, jitter, random: () => random });
          const d = backoffDelay(attempt, r);
          expect(Number.isFinite(d)).toBe(true);
          expect(d).toBeGreaterThanOrEqual(0);
          expect(d).toBeLessThanOrEqual(initial + extra);
        },
      ),
    );
  });

  it('refuses options that cannot work', () => {
    expect(() => resolveRetry({ initialDelayMs: 500, maxDelayMs: 100 })).toThrow(RangeError);
    expect(() => resolveRetry({ initialDelayMs: 0 })).toThrow(RangeError);
    expect(() => resolveRetry({ factor: 0.5 })).toThrow(RangeError);
    expect(() => resolveRetry({ jitter: 2 })).toThrow(RangeError);
  });
});
