/**
 * ULIDs for the messages the backend originates (content items): 48-bit millisecond time then
 * 80 random bits, 26 Crockford base-32 characters (github.com/ulid/spec). The contract requires
 * this form for every messageId that has no gateway sequence number (protocol/messages/primitives.ts
 * ULID_PATTERN), and it sorts by creation time, which keeps the content_items table in send order.
 */
import { randomBytes } from 'node:crypto';

/** Crockford's base 32 (no I, L, O, U), as the ULID spec requires. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** 2^48 − 1: the largest time a ULID can carry (year 10889). */
const MAX_TIME = 2 ** 48 - 1;

/**
 * Encodes `timeMs` and 10 random bytes. `random` is a seam for tests; it must return 10 bytes.
 * Throws RangeError for a time outside 0…2^48−1 (a caller bug, not untrusted input).
 */
export function ulid(timeMs: number, random: (n: number) => Uint8Array = randomBytes): string {
  if (!Number.isSafeInteger(timeMs) || timeMs < 0 || timeMs > MAX_TIME) throw new RangeError('ULID time must be an integer in 0…2^48−1');
  let time = '';
  let t = timeMs;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  const bytes = random(10);
  if (bytes.length !== 10) throw new RangeError('ULID randomness must be 10 bytes');
  // 80 bits → 16 characters of 5 bits, most significant first.
  let rand = '';
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      rand += ALPHABET[(acc >> bits) & 31]!;
    }
    acc &= (1 << bits) - 1;
  }
  return time + rand;
}

/** The millisecond time a ULID carries, or undefined for anything that is not a ULID. Never throws. */
export function ulidTime(id: unknown): number | undefined {
  if (typeof id !== 'string' || !/^[0-7][0-9A-HJKMNP-TV-Z]{25}$/.test(id)) return undefined;
  let t = 0;
  for (const ch of id.slice(0, 10)) t = t * 32 + ALPHABET.indexOf(ch);
  return t;
}
