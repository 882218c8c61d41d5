import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { computeEid, eidQuantumStart, temporaryKey } from './eid.js';
import { EidResolver, eidEntriesPerBeacon, type EidRegistration } from './eid-resolver.js';

const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const W0 = 1_700_000_000_000; // an arbitrary wall-clock origin, ms
const MAX_T = 0xffffffff;

function ikFor(i: number): Uint8Array {
  return sha256(new TextEncoder().encode(`touchpoint-test-beacon-${i}`)).slice(0, 16);
}

function reg(beaconId: string, identityKey: Uint8Array, exponent: number, beaconSecondsAt: number, wallMsAt = W0): EidRegistration {
  return { beaconId, identityKey, exponent, beaconSecondsAt, wallMsAt };
}

/** Oracle written from the definition (quantum span overlaps [b − skew, b + skew]), not from the resolver's code. */
function windowOracle(r: EidRegistration, skew: number, nowMs: number) {
  const q = 2 ** r.exponent;
  const now = r.beaconSecondsAt + (nowMs - r.wallMsAt) / 1000;
  const accepts = (quantumStart: number) =>
    quantumStart >= 0 && quantumStart <= MAX_T && quantumStart <= now + skew && quantumStart + q > now - skew;
  let count = 0;
  for (let s = Math.floor((now - skew) / q) - 2; s <= Math.floor((now + skew) / q) + 2; s++) if (accepts(s * q)) count++;
  return { now, accepts, count, expectedQuantum: Math.floor(now / q) };
}

describe('EidResolver: resolving', () => {
  it('resolves the EID a beacon broadcasts now, from bytes or hex in either case', () => {
    const ik = ikFor(1);
    const r = new EidResolver();
    r.register(reg('door', ik, 10, 5000));
    const nowMs = W0 + 100_000; // beacon time 5100
    const { eid } = computeEid(ik, 10, 5100);
    const expected = { beaconId: 'door', beaconSeconds: eidQuantumStart(10, 5100), skewQuanta: 0 };
    expect(r.resolve(eid, nowMs)).toEqual(expected);
    expect(r.resolve(toHex(eid), nowMs)).toEqual(expected);
    expect(r.resolve(toHex(eid).toUpperCase(), nowMs)).toEqual(expected);
    expect(r.resolve(computeEid(ikFor(2), 10, 5100).eid, nowMs)).toBeNull();
    expect(r.stats()).toMatchObject({ beacons: 1, hits: 3, misses: 1 });
  });

  it('resolves within the skew window in both directions and not beyond it', () => {
    const ik = ikFor(3);
    const skew = 600;
    const k = 8; // 256-s quanta, so the window holds several
    const q = 2 ** k;
    const registration = reg('shelf', ik, k, 5100);
    const r = new EidResolver({ skewSeconds: skew });
    r.register(registration);
    const nowMs = W0;
    const o = windowOracle(registration, skew, nowMs);
    for (const probe of [5100 + 590, 5100 - 590, 5100 + skew, 5100 - skew]) {
      const qs = eidQuantumStart(k, probe);
      expect(r.resolve(computeEid(ik, k, probe).eid, nowMs)).toEqual({
        beaconId: 'shelf',
        beaconSeconds: qs,
        skewQuanta: qs / q - o.expectedQuantum,
      });
    }
    expect(r.resolve(computeEid(ik, k, 5100 + 590).eid, nowMs)!.skewQuanta).toBeGreaterThan(0);
    expect(r.resolve(computeEid(ik, k, 5100 - 590).eid, nowMs)!.skewQuanta).toBeLessThan(0);
    // One quantum past either edge of the window: refused.
    for (const probe of [5100 + skew + q, 5100 - skew - q]) {
      expect(o.accepts(eidQuantumStart(k, probe))).toBe(false);
      expect(r.resolve(computeEid(ik, k, probe).eid, nowMs)).toBeNull();
    }
  });

  it('crosses a temporary-key boundary: counter at 65280 as eid-computation.md recommends', () => {
    const ik = ikFor(4);
    const r = new EidResolver({ skewSeconds: 600 });
    r.register(reg('tk', ik, 10, 65280));
    // Window 64680..65880 spans TK epoch 0 (…65535) and epoch 1 (65536…).
    expect(toHex(temporaryKey(ik, 65600))).not.toBe(toHex(temporaryKey(ik, 65000)));
    expect(r.resolve(computeEid(ik, 10, 65000).eid, W0)).toMatchObject({ beaconId: 'tk', beaconSeconds: 64512, skewQuanta: 0 });
    expect(r.resolve(computeEid(ik, 10, 65600).eid, W0)).toMatchObject({ beaconId: 'tk', beaconSeconds: 65536, skewQuanta: 1 });
    expect(r.stats().tkComputations).toBe(2);
    // Time runs on; epoch 1 keeps being reused, and epoch 0's EIDs stop resolving.
    const later = W0 + 2000_000;
    expect(r.resolve(computeEid(ik, 10, 67280).eid, later)).toMatchObject({ beaconId: 'tk', skewQuanta: 0 });
    expect(r.resolve(computeEid(ik, 10, 65000).eid, later)).toBeNull();
    expect(r.stats().tkComputations).toBe(2);
    // Epoch 0's TK was dropped with its last quantum: going back recomputes it (bounded cache).
    expect(r.resolve(computeEid(ik, 10, 65000).eid, W0)).toMatchObject({ beaconId: 'tk', beaconSeconds: 64512 });
    expect(r.stats().tkComputations).toBe(3);
  });

  it('refuses a replayed EID once its quantum has ended more than skew ago, to the second', () => {
    const ik = ikFor(5);
    const skew = 600;
    const r = new EidResolver({ skewSeconds: skew });
    r.register(reg('replay', ik, 10, 10_000));
    const captured = computeEid(ik, 10, 10_000).eid; // quantum 9216..10239
    expect(r.resolve(captured, W0)).not.toBeNull();
    const quantumEnd = eidQuantumStart(10, 10_000) + 1024;
    const atBeaconTime = (t: number) => W0 + (t - 10_000) * 1000;
    expect(r.resolve(captured, atBeaconTime(quantumEnd + skew - 0.5))).not.toBeNull();
    expect(r.resolve(captured, atBeaconTime(quantumEnd + skew))).toBeNull();
    expect(r.resolve(captured, atBeaconTime(10_000 + 1024 + skew + 1))).toBeNull();
    expect(r.resolve(captured, atBeaconTime(10_000 + 86_400))).toBeNull();
  });

  it('handles time going backwards (out-of-order timestamps)', () => {
    const ik = ikFor(6);
    const r = new EidResolver({ skewSeconds: 60 });
    r.register(reg('b', ik, 6, 100_000));
    const early = computeEid(ik, 6, 100_000).eid;
    expect(r.resolve(early, W0)).not.toBeNull();
    expect(r.resolve(early, W0 + 3_600_000)).toBeNull();
    expect(r.resolve(early, W0 + 10_000)).not.toBeNull();
    expect(r.resolve(computeEid(ik, 6, 100_000 - 5000).eid, W0 - 5_000_000)).not.toBeNull();
  });

  it('re-registering with a new clock reference replaces the old one; unregister forgets the beacon', () => {
    const ik = ikFor(7);
    const r = new EidResolver({ skewSeconds: 30 });
    r.register(reg('x', ik, 4, 1000));
    expect(r.resolve(computeEid(ik, 4, 1000).eid, W0)).not.toBeNull();
    r.register(reg('x', ik, 4, 50_000)); // the beacon's clock was read again: it says 50 000 now
    expect(r.resolve(computeEid(ik, 4, 1000).eid, W0)).toBeNull();
    expect(r.resolve(computeEid(ik, 4, 50_000).eid, W0)).toMatchObject({ beaconId: 'x', skewQuanta: 0 });
    expect(r.stats().beacons).toBe(1);
    expect(r.unregister('x')).toBe(true);
    expect(r.unregister('x')).toBe(false);
    expect(r.resolve(computeEid(ik, 4, 50_000).eid, W0)).toBeNull();
    expect(r.stats()).toMatchObject({ beacons: 0, entries: 0, reservedEntries: 0 });
  });

  it('keeps its own copy of the identity key', () => {
    const ik = ikFor(8);
    const r = new EidResolver();
    r.register(reg('copy', ik, 10, 0));
    const eid = computeEid(ik, 10, 0).eid;
    ik.fill(0);
    expect(r.resolve(eid, W0)).not.toBeNull();
  });
});

describe('EidResolver: scale and memory', () => {
  it('500 beacons with K=10 resolve correctly over 3 hours, with table size matching the formula', () => {
    const skew = 600;
    const n = 500;
    const r = new EidResolver({ skewSeconds: skew });
    const regs: EidRegistration[] = [];
    for (let i = 0; i < n; i++) {
      // Spread clocks over the whole counter, including near the top, and wall references over a day.
      const at = (i * 2_654_435_761) % 2 ** 32;
      const registration = reg(`b${i}`, ikFor(100 + i), 10, at, W0 - ((i * 7919) % 86_400_000));
      regs.push(registration);
      r.register(registration);
    }
    const perBeaconMax = eidEntriesPerBeacon(10, skew);
    expect(perBeaconMax).toBe(3); // ⌊1200/1024⌋ + 2: 1200 is not a multiple of 1024
    for (let step = 0; step <= 3 * 3600; step += 97) {
      const nowMs = W0 + step * 1000;
      let expectedEntries = 0;
      for (let i = 0; i < n; i++) {
        const o = windowOracle(regs[i]!, skew, nowMs);
        expectedEntries += o.count;
        expect(o.count).toBeLessThanOrEqual(perBeaconMax);
        if (i % 25 !== step % 25) continue; // check a rotating sample each step, all of them over time
        const t = Math.floor(o.now);
        if (t < 0 || t > MAX_T) continue;
        expect(r.resolve(computeEid(regs[i]!.identityKey, 10, t).eid, nowMs)).toEqual({
          beaconId: `b${i}`,
          beaconSeconds: eidQuantumStart(10, t),
          skewQuanta: 0,
        });
      }
      r.refresh(nowMs);
      expect(r.stats().entries).toBe(expectedEntries);
    }
    const s = r.stats();
    expect(s.beacons).toBe(n);
    expect(s.reservedEntries).toBe(n * perBeaconMax);
    expect(s.misses).toBe(0);
    for (let i = 0; i < n; i++) r.unregister(`b${i}`);
    expect(r.stats()).toMatchObject({ beacons: 0, entries: 0, reservedEntries: 0 });
  });

  it('eidEntriesPerBeacon is the true maximum number of quanta a window can overlap', () => {
    for (let k = 0; k <= 6; k++) {
      const q = 2 ** k;
      for (const skew of [0, 0.5, 1, 3, 8, 16, 20, 32, 50]) {
        let max = 0;
        for (let now = 1000; now < 1000 + q; now += 0.25) {
          const o = windowOracle(reg('m', ikFor(0), k, now), skew, W0);
          max = Math.max(max, o.count);
        }
        expect(eidEntriesPerBeacon(k, skew)).toBe(max);
      }
    }
  });

  it('refuses absurd combinations and enforces its bounds with RangeError', () => {
    const ik = ikFor(9);
    // K=0 (1-s rotation) with a one-hour skew would be 7 201 entries per beacon.
    expect(eidEntriesPerBeacon(0, 3600)).toBe(7201);
    expect(() => new EidResolver({ skewSeconds: 3600 }).register(reg('a', ik, 0, 0))).toThrow(RangeError);
    expect(() => new EidResolver({ skewSeconds: 3600 }).register(reg('a', ik, 2, 0))).not.toThrow();
    const few = new EidResolver({ maxBeacons: 2 });
    few.register(reg('a', ik, 10, 0));
    few.register(reg('b', ik, 10, 0));
    few.register(reg('a', ik, 10, 5)); // replacing does not count twice
    expect(() => few.register(reg('c', ik, 10, 0))).toThrow(RangeError);
    const small = new EidResolver({ skewSeconds: 600, maxEntries: 5 });
    small.register(reg('a', ik, 10, 0)); // reserves 3
    expect(() => small.register(reg('b', ik, 10, 0))).toThrow(RangeError);
    expect(small.stats().beacons).toBe(1);
    for (const bad of [
      { ...reg('a', ik, 10, 0), beaconId: '' },
      reg('a', new Uint8Array(8), 10, 0),
      reg('a', ik, 16, 0),
      reg('a', ik, 10, -1),
      reg('a', ik, 10, 2 ** 32),
      reg('a', ik, 10, 0, Number.NaN),
    ]) {
      expect(() => new EidResolver().register(bad)).toThrow(RangeError);
    }
    expect(() => new EidResolver({ skewSeconds: -1 })).toThrow(RangeError);
    expect(() => new EidResolver({ maxBeacons: 0 })).toThrow(RangeError);
  });
});

describe('EidResolver: properties', () => {
  it('never throws on arbitrary EID input (bytes of any length, any string, any time) and counts it', () => {
    const r = new EidResolver();
    r.register(reg('p', ikFor(10), 10, 0));
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ maxLength: 12 }), fc.string({ maxLength: 20 }), fc.stringMatching(/^[0-9a-fA-F]{16}$/)),
        fc.oneof(fc.integer(), fc.double()),
        (eid, nowMs) => {
          const res = r.resolve(eid, nowMs);
          expect(res === null || typeof res.beaconId === 'string').toBe(true);
        },
      ),
    );
    const s = r.stats();
    expect(s.invalid).toBeGreaterThan(0);
    expect(r.resolve(new Uint8Array(7), W0)).toBeNull();
    expect(r.resolve('a9b76a71c5f8929', W0)).toBeNull();
    expect(r.resolve('a9b76a71c5f8929g', W0)).toBeNull();
    expect(r.stats().invalid).toBe(s.invalid + 3);
  });

  it('agrees with a brute-force oracle over random beacons, skews and time walks (incl. backwards)', () => {
    const beacon = fc.record({
      k: fc.integer({ min: 0, max: 15 }),
      at: fc.oneof(fc.integer({ min: 0, max: MAX_T }), fc.integer({ min: 0, max: 70_000 }), fc.integer({ min: MAX_T - 70_000, max: MAX_T })),
      wallOffsetMs: fc.integer({ min: -86_400_000, max: 86_400_000 }),
    });
    const step = fc.record({
      dtMs: fc.oneof(fc.integer({ min: -3_600_000, max: 36_000_000 }), fc.integer({ min: 0, max: 5_000 })),
      which: fc.nat(),
      offset: fc.double({ min: -1, max: 1, noNaN: true }),
    });
    const seen = { hits: 0, misses: 0 };
    fc.assert(
      fc.property(
        fc.array(beacon, { minLength: 1, maxLength: 4 }),
        fc.constantFrom(0, 1, 30, 600, 1000),
        fc.array(step, { minLength: 1, maxLength: 12 }),
        (beacons, skew, steps) => {
          const r = new EidResolver({ skewSeconds: skew });
          const regs = beacons.map((b, i) => reg(`r${i}`, ikFor(1000 + i), b.k, b.at, W0 + b.wallOffsetMs));
          regs.forEach((x) => r.register(x));
          let nowMs = W0;
          for (const s of steps) {
            nowMs += s.dtMs;
            const x = regs[s.which % regs.length]!;
            const q = 2 ** x.exponent;
            const o = windowOracle(x, skew, nowMs);
            const p = Math.min(MAX_T, Math.max(0, Math.floor(o.now + s.offset * (skew + 2 * q))));
            const qs = eidQuantumStart(x.exponent, p);
            const expected = o.accepts(qs) ? { beaconId: x.beaconId, beaconSeconds: qs, skewQuanta: qs / q - o.expectedQuantum } : null;
            expect(r.resolve(computeEid(x.identityKey, x.exponent, p).eid, nowMs)).toEqual(expected);
            if (expected) seen.hits++;
            else seen.misses++;
            const total = regs.reduce((sum, y) => sum + windowOracle(y, skew, nowMs).count, 0);
            expect(r.stats().entries).toBe(total);
          }
        },
      ),
      { numRuns: 80 },
    );
    // The generators must exercise both outcomes, or the property proves little.
    expect(seen.hits).toBeGreaterThan(50);
    expect(seen.misses).toBeGreaterThan(50);
  });
});
