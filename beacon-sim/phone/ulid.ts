/**
 * ULIDs for the app's message IDs (protocol/messages primitives.ts: phone messages use a ULID as
 * their de-duplication key). Layout per github.com/ulid/spec: 48-bit millisecond time as 10
 * Crockford base-32 characters, then 80 random bits as 16 characters. The randomness comes from
 * the caller so that a seeded simulation produces the same IDs on every run; a real app would use a
 * CSPRNG.
 */
import { type Random } from '../sensors/rng.js';

/** Crockford's base 32: digits and letters without I, L, O, U (ULID spec "Encoding"). */
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const MAX_TIME = 2 ** 48 - 1;

export function encodeUlidTime(timeMs: number): string {
  if (!Number.isSafeInteger(timeMs) || timeMs < 0 || timeMs > MAX_TIME) throw new RangeError(`ULID time must be an integer 0…2^48−1, got ${timeMs}`);
  let t = timeMs;
  let s = '';
  for (let i = 0; i < 10; i++) {
    s = CROCKFORD[t % 32]! + s;
    t = Math.floor(t / 32);
  }
  return s;
}

export function ulid(timeMs: number, random: Random): string {
  let s = encodeUlidTime(timeMs);
  for (let i = 0; i < 16; i++) s += CROCKFORD[Math.floor(random() * 32)]!;
  return s;
}

/** The millisecond time of a ULID, or null when it is not one. */
export function ulidTime(id: string): number | null {
  if (!/^[0-7][0-9A-HJKMNP-TV-Z]{25}$/.test(id)) return null;
  let t = 0;
  for (const c of id.slice(0, 10)) t = t * 32 + CROCKFORD.indexOf(c);
  return t;
}
