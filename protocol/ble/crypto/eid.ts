/**
 * Eddystone-EID computation (google/eddystone `eddystone-eid/eid-computation.md`, notes §2.6).
 *
 * A beacon holds a 128-bit identity key IK, a 32-bit seconds counter t (arbitrary epoch) and a
 * rotation exponent K (0–15: a new EID every 2^K s).
 *   TK  = AES128(IK, 00×11 ‖ FF ‖ 00 00 ‖ BE16(t >> 16))          — changes every 65 536 s
 *   EID = AES128(TK, 00×11 ‖ K ‖ BE32(t with its K low bits cleared))[0..8]
 *
 * Every argument here is configuration or a clock reading, never radio bytes, so bad values
 * throw RangeError instead of returning a result type.
 */
import { AES128_KEY_BYTES, AES_BLOCK_BYTES, aes128EncryptBlock, type Aes128BlockEncryptor } from './aes.js';

export const EID_BYTES = 8;
export const IDENTITY_KEY_BYTES = AES128_KEY_BYTES;
export const MAX_ROTATION_EXPONENT = 15;
/** The beacon counter is a uint32 (eid-computation.md: "32-bit time counter"). */
export const MAX_BEACON_SECONDS = 0xffff_ffff;
/** TK depends on t >> 16 only, so it rolls over every 2^16 s. */
export const TEMPORARY_KEY_PERIOD_SECONDS = 0x1_0000;

/** Salt byte at offset 11 of the TK block (eid-computation.md, "0xFF"). */
const TK_SALT = 0xff;

export function checkIdentityKey(key: Uint8Array, what = 'identity key'): void {
  if (!(key instanceof Uint8Array) || key.length !== IDENTITY_KEY_BYTES) {
    const got = key instanceof Uint8Array ? `${key.length} bytes` : typeof key;
    throw new RangeError(`${what} must be ${IDENTITY_KEY_BYTES} bytes, got ${got}`);
  }
}

export function checkExponent(exponent: number): void {
  if (!Number.isInteger(exponent) || exponent < 0 || exponent > MAX_ROTATION_EXPONENT) {
    throw new RangeError(`rotation exponent K must be an integer 0..${MAX_ROTATION_EXPONENT}, got ${exponent}`);
  }
}

export function checkBeaconSeconds(seconds: number): void {
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_BEACON_SECONDS) {
    throw new RangeError(`beacon seconds must be an integer 0..${MAX_BEACON_SECONDS}, got ${seconds}`);
  }
}

/** Start of the 2^K-second quantum containing `seconds`: t with its K low bits cleared. */
export function eidQuantumStart(exponent: number, seconds: number): number {
  checkExponent(exponent);
  checkBeaconSeconds(seconds);
  // >>> 0 keeps the result unsigned for counters ≥ 2^31.
  return ((seconds >>> exponent) << exponent) >>> 0;
}

/** The 16-bit TK epoch: which 65 536-second span `seconds` falls in. */
export function temporaryKeyEpoch(seconds: number): number {
  checkBeaconSeconds(seconds);
  return seconds >>> 16;
}

function temporaryKeyBlock(seconds: number): Uint8Array {
  const block = new Uint8Array(AES_BLOCK_BYTES);
  block[11] = TK_SALT;
  block[14] = (seconds >>> 24) & 0xff;
  block[15] = (seconds >>> 16) & 0xff;
  return block;
}

/** Exported for the resolver, which encrypts it under a cached TK key schedule. */
export function eidInputBlock(exponent: number, seconds: number): Uint8Array {
  const quantum = eidQuantumStart(exponent, seconds);
  const block = new Uint8Array(AES_BLOCK_BYTES);
  block[11] = exponent;
  new DataView(block.buffer).setUint32(12, quantum, false);
  return block;
}

/** TK for the 65 536-second span containing `beaconSeconds`. */
export function temporaryKey(identityKey: Uint8Array, beaconSeconds: number): Uint8Array {
  checkIdentityKey(identityKey);
  checkBeaconSeconds(beaconSeconds);
  return aes128EncryptBlock(identityKey, temporaryKeyBlock(beaconSeconds));
}

/** EID from an already computed TK (the TK must belong to the same 65 536-second span). */
export function eidFromTemporaryKey(tk: Uint8Array, exponent: number, beaconSeconds: number): Uint8Array {
  checkIdentityKey(tk, 'temporary key');
  return aes128EncryptBlock(tk, eidInputBlock(exponent, beaconSeconds)).slice(0, EID_BYTES);
}

/** Same as eidFromTemporaryKey, with a TK whose key schedule the caller already expanded. */
export function eidFromTkEncryptor(tk: Aes128BlockEncryptor, exponent: number, beaconSeconds: number): Uint8Array {
  return tk(eidInputBlock(exponent, beaconSeconds)).slice(0, EID_BYTES);
}

export interface ComputedEid {
  eid: Uint8Array;
  temporaryKey: Uint8Array;
}

/** The EID a beacon broadcasts at counter value `beaconSeconds`, with the TK it used. */
export function computeEid(identityKey: Uint8Array, exponent: number, beaconSeconds: number): ComputedEid {
  checkExponent(exponent);
  const tk = temporaryKey(identityKey, beaconSeconds);
  return { eid: eidFromTemporaryKey(tk, exponent, beaconSeconds), temporaryKey: tk };
}
