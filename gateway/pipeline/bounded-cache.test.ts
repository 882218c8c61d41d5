import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BoundedCache } from './bounded-cache.js';
import { RssiFilter } from './rssi.js';

describe('BoundedCache', () => {
  it('evicts the least recently used entry, not the oldest inserted', () => {
    const c = new BoundedCache<string, number>(2, Infinity);
    c.set('a', 1, 0);
    c.set('b', 2, 1);
    expect(c.get('a', 2)).toBe(1);
    c.set('c', 3, 3);
    expect([...c.entries()]).toEqual([['a', 1], ['c', 3]]);
    expect(c.stats()).toEqual({ size: 2, capacity: 2, evictions: 1, expirations: 0 });
  });

  it('an entry idle for ttlMs is gone on get and on prune', () => {
    const removed: string[] = [];
    const c = new BoundedCache<string, number>(10, 1000, (k, _v, why) => removed.push(`${k}:${why}`));
    c.set('a', 1, 0);
    c.set('b', 2, 500);
    expect(c.get('a', 999)).toBe(1);
    expect(c.get('b', 1500)).toBeUndefined();
    expect(c.prune(1998)).toBe(0);
    expect(c.prune(1999)).toBe(1);
    expect(removed).toEqual(['b:expired', 'a:expired']);
  });

  it('never holds more than its capacity, whatever the key sequence', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 300 }), (cap, keys) => {
        const c = new BoundedCache<number, number>(cap, 100);
        keys.forEach((k, i) => c.set(k, i, i));
        // Model: the `cap` distinct keys used most recently, in order of last use.
        const lastUse = new Map<number, number>();
        keys.forEach((k, i) => {
          lastUse.delete(k);
          lastUse.set(k, i);
        });
        const expected = [...lastUse].slice(-cap);
        expect(c.size).toBeLessThanOrEqual(cap);
        expect([...c.entries()]).toEqual(expected);
      }),
    );
  });
});

describe('RssiFilter', () => {
  it('median of an even window is the mean of the two middle values', () => {
    const f = new RssiFilter({ window: 4, alpha: 1 });
    f.push(-60);
    expect(f.push(-70)).toBe(-65);
  });

  it('stays within the range of its inputs', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -127, max: 20 }), { minLength: 1, maxLength: 100 }), fc.integer({ min: 1, max: 9 }), (xs, w) => {
        const f = new RssiFilter({ window: w, alpha: 0.3 });
        for (const x of xs) {
          const y = f.push(x);
          expect(y).toBeGreaterThanOrEqual(Math.min(...xs) - 1e-9);
          expect(y).toBeLessThanOrEqual(Math.max(...xs) + 1e-9);
        }
      }),
    );
  });

  it('refuses a window below 1 or alpha outside (0, 1]', () => {
    expect(() => new RssiFilter({ window: 0 })).toThrow(RangeError);
    expect(() => new RssiFilter({ alpha: 0 })).toThrow(RangeError);
  });
});
