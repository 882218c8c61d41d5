import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ULID_RE } from '../../protocol/messages/index.js';
import { ulid, ulidTime } from './ulid.js';

describe('ulid', () => {
  it('encodes the spec example time prefix', () => {
    // github.com/ulid/spec README: 1469918176385 ms encodes as the time part "01ARYZ6S41".
    expect(ulid(1469918176385, () => new Uint8Array(10)).slice(0, 10)).toBe('01ARYZ6S41');
  });

  it('encodes all-zero and all-one randomness at the ends of the alphabet', () => {
    expect(ulid(0, () => new Uint8Array(10))).toBe('0'.repeat(26));
    expect(ulid(2 ** 48 - 1, () => new Uint8Array(10).fill(255))).toBe('7' + 'Z'.repeat(25));
  });

  it('matches the contract pattern and round-trips the time', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 48 - 1 }), fc.uint8Array({ minLength: 10, maxLength: 10 }), (t, r) => {
        const id = ulid(t, () => r);
        expect(id).toMatch(ULID_RE);
        expect(ulidTime(id)).toBe(t);
      }),
      { seed: 5, numRuns: 300 },
    );
  });

  it('sorts by time', () => {
    expect(ulid(1000) < ulid(1001)).toBe(true);
  });

  it('refuses a time it cannot carry and reads nothing from non-ULIDs', () => {
    expect(() => ulid(-1)).toThrow(RangeError);
    expect(() => ulid(2 ** 48)).toThrow(RangeError);
    expect(ulidTime('not-a-ulid')).toBeUndefined();
    expect(ulidTime(42)).toBeUndefined();
  });
});
