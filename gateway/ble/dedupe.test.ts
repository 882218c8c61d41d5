import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDeduper, createRecentKeys } from './dedupe.js';

describe('createDeduper', () => {
  it('admits a key once per interval, then again once the interval has passed', () => {
    const d = createDeduper({ minIntervalMs: 100 });
    expect(d.admit('a', 0)).toBe(true);
    expect(d.admit('a', 50)).toBe(false);
    expect(d.admit('b', 50)).toBe(true);
    expect(d.admit('a', 99)).toBe(false);
    expect(d.admit('a', 100)).toBe(true);
    expect(d.admit('a', 150)).toBe(false); // the interval restarts at the last emission
  });

  it('minIntervalMs 0 admits everything and remembers nothing', () => {
    const d = createDeduper({ minIntervalMs: 0 });
    for (let i = 0; i < 10; i++) expect(d.admit('a', 0)).toBe(true);
    expect(d.stats().entries).toBe(0);
  });

  it('drops expired entries as time passes, without a timer', () => {
    const d = createDeduper({ minIntervalMs: 100 });
    for (let i = 0; i < 50; i++) d.admit(`k${i}`, i);
    expect(d.stats().entries).toBe(50);
    d.admit('late', 149); // k0..k49 were emitted at 0..49: all expired by 149
    expect(d.stats()).toMatchObject({ entries: 1, expired: 50, evicted: 0 });
  });

  it('never holds more than maxEntries, evicting the oldest', () => {
    const d = createDeduper({ minIntervalMs: 1e9, maxEntries: 3 });
    for (const k of ['a', 'b', 'c', 'd']) d.admit(k, 0);
    expect(d.stats()).toMatchObject({ entries: 3, evicted: 1 });
    expect(d.admit('a', 1)).toBe(true); // 'a' was evicted, so it is admitted again
    expect(d.admit('d', 1)).toBe(false);
  });

  it('property: the map never exceeds its cap and a key is never admitted twice within the interval', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 80 }), fc.integer({ min: 0, max: 40 })), { maxLength: 400 }),
        (cap, interval, steps) => {
          const d = createDeduper({ minIntervalMs: interval, maxEntries: cap });
          const lastAdmitted = new Map<string, number>();
          let now = 0;
          for (const [key, dt] of steps) {
            now += dt;
            const k = `k${key}`;
            const ok = d.admit(k, now);
            const prev = lastAdmitted.get(k);
            // without evictions a repeat inside the interval is always refused
            if (ok && prev !== undefined && d.stats().evicted === 0) expect(now - prev).toBeGreaterThanOrEqual(interval);
            if (ok) lastAdmitted.set(k, now);
            expect(d.stats().entries).toBeLessThanOrEqual(cap);
          }
        },
      ),
    );
  });

  it('rejects invalid options', () => {
    expect(() => createDeduper({ minIntervalMs: -1 })).toThrow(RangeError);
    expect(() => createDeduper({ minIntervalMs: 1, maxEntries: 0 })).toThrow(RangeError);
  });
});

describe('createRecentKeys', () => {
  it('pushes out the least recently touched key', () => {
    const r = createRecentKeys(2);
    expect(r.touch('a')).toBeUndefined();
    expect(r.touch('b')).toBeUndefined();
    expect(r.touch('a')).toBeUndefined();
    expect(r.touch('c')).toBe('b');
    expect(r.size).toBe(2);
  });
});
