import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ULID_RE } from '../../protocol/messages/primitives.js';
import { seededRandom } from '../sensors/rng.js';
import { encodeUlidTime, ulid, ulidTime } from './ulid.js';

describe('ulid', () => {
  it('encodes the time part like published ULIDs', () => {
    // evokegroup/ulid README: ulid(1698075890563) → "01HDEKBMW3904VB2HYTVWWMSY5"
    expect(encodeUlidTime(1698075890563)).toBe('01HDEKBMW3');
    // ulid (npm) docs: decodeTime("01ARYZ6S41TSV4RRFFQ69G5FAV") === 1469918176385
    expect(encodeUlidTime(1469918176385)).toBe('01ARYZ6S41');
    expect(ulidTime('01ARYZ6S41TSV4RRFFQ69G5FAV')).toBe(1469918176385);
    // ClickHouse docs: ULIDStringToDateTime('01GNB2S2FGN2P93QPXDNB4EN2R') = 2022-12-28 00:40:37.616
    expect(ulidTime('01GNB2S2FGN2P93QPXDNB4EN2R')).toBe(Date.UTC(2022, 11, 28, 0, 40, 37, 616));
  });

  it('refuses times a ULID cannot carry', () => {
    expect(() => encodeUlidTime(-1)).toThrow(RangeError);
    expect(() => encodeUlidTime(2 ** 48)).toThrow(RangeError);
    expect(ulidTime('not-a-ulid')).toBeNull();
  });

  it('property: every ULID matches the message schema pattern and carries its time; same seed, same IDs', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 48 - 1 }), fc.integer({ min: 0, max: 0xffffffff }), (t, seed) => {
        const a = ulid(t, seededRandom(seed));
        expect(a).toMatch(ULID_RE);
        expect(ulidTime(a)).toBe(t);
        expect(ulid(t, seededRandom(seed))).toBe(a);
      }),
    );
  });
});
