/**
 * AES-128 single-block encryption, the only primitive Eddystone-EID needs
 * (google/eddystone `eddystone-eid/eid-computation.md`, notes §2.6: "AES128-ECB_encrypt").
 *
 * Two shapes:
 * - `aes128EncryptBlock(key, block)`: one-shot, via noble's public `ecb` API. Measured on
 *   Node 20 (2-core EPYC, shared): median of 12 interleaved runs ecb ≈ 375 k blocks/s vs
 *   `unsafe.expandKeyLE` + `unsafe.encryptBlock` ≈ 387 k (+3 %; 212 k vs 277 k in one
 *   scripts/bench-eid.ts run on a busier box). Both re-expand the key per call; a gap that
 *   small and that noisy does not justify leaning on an API noble marks "may change at any time".
 * - `aes128Encryptor(key)`: expands the key once and encrypts many blocks with it
 *   (≈ 715–795 k blocks/s, 3.4× the one-shot). Used where one key encrypts many blocks — the
 *   resolver computes one EID per quantum under the same temporary key. It relies on noble's
 *   `unsafe` helpers; aes.test.ts checks both shapes against node:crypto so an upstream change
 *   to that internal API fails the tests instead of shipping.
 *
 * Nothing is cached at module level: key material lives only as long as its caller keeps it.
 */
import { ecb, unsafe } from '@noble/ciphers/aes.js';

export const AES_BLOCK_BYTES = 16;
export const AES128_KEY_BYTES = 16;

function checkKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== AES128_KEY_BYTES) {
    throw new RangeError(`AES-128 key must be ${AES128_KEY_BYTES} bytes, got ${describe(key)}`);
  }
}

function checkBlock(block: Uint8Array): void {
  if (!(block instanceof Uint8Array) || block.length !== AES_BLOCK_BYTES) {
    throw new RangeError(`AES block must be ${AES_BLOCK_BYTES} bytes, got ${describe(block)}`);
  }
}

function describe(v: unknown): string {
  return v instanceof Uint8Array ? `${v.length} bytes` : typeof v;
}

/** AES-128 encryption of exactly one 16-byte block; returns a fresh 16-byte array. */
export function aes128EncryptBlock(key: Uint8Array, block: Uint8Array): Uint8Array {
  checkKey(key);
  checkBlock(block);
  return ecb(key, { disablePadding: true }).encrypt(block);
}

/** Encrypts one block under a key that was expanded once; never mutates its input. */
export type Aes128BlockEncryptor = (block: Uint8Array) => Uint8Array;

/** Expands `key` once and returns a block encryptor bound to it (see the module comment). */
export function aes128Encryptor(key: Uint8Array): Aes128BlockEncryptor {
  checkKey(key);
  const expanded = unsafe.expandKeyLE(key);
  return (block: Uint8Array): Uint8Array => {
    checkBlock(block);
    // unsafe.encryptBlock works in place on a 4-byte-aligned block: a fresh array is both.
    const out = new Uint8Array(AES_BLOCK_BYTES);
    out.set(block);
    return unsafe.encryptBlock(expanded, out);
  };
}
