/**
 * The fixed-seed sample of scripts/fuzz.ts that runs in `npm test` (a few seconds in all): every
 * target, a few thousand mutated inputs each (a few hundred for the YAML parsers, ~1 ms apiece),
 * then fast-check driving the same mutation operations, so a failure shrinks to the fewest and
 * smallest operations on a named seed. The million-input runs are `node --import tsx scripts/fuzz.ts`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exposeGc, passed, readRepoFile, runTarget } from './engine.js';
import { mutate, OP_COUNT, Rng, type MutationOp } from './mutate.js';
import { createTarget, findOutOfBoundsSymptom, TARGET_NAMES, type TargetName } from './targets.js';

const SLOW: readonly TargetName[] = ['gateway-config', 'site-registry', 'broker-users'];
const sampleSize = (t: TargetName) => (SLOW.includes(t) ? 150 : 2000);

describe('fuzz sample (fixed seed)', () => {
  it.each(TARGET_NAMES.map((t) => [t]))('%s: no throw, no oracle failure, every frame after garbage recovered', (name) => {
    const r = runTarget(name, { inputs: sampleSize(name), seed: 20260214, gc: exposeGc() });
    expect(r.findings).toEqual([]);
    expect(r.throws).toBe(0);
    expect(r.oracleFailures).toBe(0);
    if (r.stream) expect(r.stream.recoveryFailures).toBe(0);
    expect(r.inputs).toBe(sampleSize(name));
    expect(passed(r)).toBe(true);
  });
});

const op: fc.Arbitrary<MutationOp> = fc.tuple(fc.nat({ max: OP_COUNT - 1 }), fc.nat(), fc.nat(), fc.nat());

describe('fast-check over the same mutation operations', () => {
  const FAST: readonly TargetName[] = ['ble-advertisement', 'sim-radio-wire', 'ld2410-stream', 'ld2450-stream', 'touch-stream', 'mqtt-payload', 'beacon-config', 'beacon-config-hex'];
  it.each(FAST.map((t) => [t]))('%s: never throws, oracles hold', (name) => {
    fc.assert(
      fc.property(fc.nat(), fc.array(op, { minLength: 1, maxLength: 8 }), fc.boolean(), fc.nat(), (which, ops, fix, rngSeed) => {
        const target = createTarget(name, readRepoFile);
        const input = mutate(target.seeds[which % target.seeds.length]!, ops, { ...target.context, seeds: target.seeds }, fix);
        const verdict = target.run(input, new Rng(rngSeed));
        expect(typeof verdict === 'string' ? verdict : undefined).toBeUndefined();
      }),
      { numRuns: 150, seed: 20260214 },
    );
  });
});

describe('the harness itself', () => {
  it('mutate is pure and deterministic, and every op keeps within the size cap', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.array(op, { maxLength: 12 }), (seed, ops) => {
        const before = Uint8Array.from(seed);
        const a = mutate(seed, ops, { seeds: [seed], maxInputBytes: 256 });
        const b = mutate(seed, ops, { seeds: [seed], maxInputBytes: 256 });
        expect(a).toEqual(b);
        expect(seed).toEqual(before);
        expect(a.length).toBeLessThanOrEqual(Math.max(256, seed.length));
      }),
      { numRuns: 300 },
    );
  });

  it('the out-of-bounds oracle sees NaN and holes, and nothing in clean output', () => {
    const oob = new Uint8Array(2);
    expect(findOutOfBoundsSymptom({ a: [1, (oob[5] as unknown as number) + 1] })).toBe('NaN at /a/1');
    expect(findOutOfBoundsSymptom({ a: [1, oob[5]] })).toBe('undefined element at /a/1');
    expect(findOutOfBoundsSymptom({ a: [1, 2], b: { c: 'x', d: null, e: oob } })).toBeUndefined();
  });

  it('Rng streams differ by index and repeat for the same (seed, index)', () => {
    const a = new Rng(1, 5);
    const b = new Rng(1, 5);
    const c = new Rng(1, 6);
    const xs = [a.u32(), a.u32(), a.u32()];
    expect([b.u32(), b.u32(), b.u32()]).toEqual(xs);
    expect([c.u32(), c.u32(), c.u32()]).not.toEqual(xs);
  });
});
