/**
 * EAX mode over AES-128 (Bellare, Rogaway, Wagner, "The EAX Mode of Operation", FSE 2004),
 * the AEAD that Eddystone encrypted TLM uses (google/eddystone `eddystone-tlm/tlm-encrypted.md`,
 * notes §2.5).
 *
 *   N' = OMAC⁰(N)   H' = OMAC¹(H)   C = CTR_K(N', M)   C' = OMAC²(C)
 *   Tag = (N' ⊕ C' ⊕ H') truncated to tagLength
 * where OMACᵗ(X) = CMAC_K([t]₁₆ ‖ X) and [t]₁₆ is t as a 16-byte big-endian block.
 *
 * Built on noble's `cmac` (RFC 4493 = OMAC1, what EAX specifies) and `ctr`. EAX needs the
 * whole 128-bit counter block incremented big-endian with wrap-around; noble's `ctr` does
 * exactly that (`ctrCounter` in @noble/ciphers 2.4 src/aes.ts: "Full 128 bit big-endian counter
 * with wrap around") — unlike GCM's 32-bit counter. eax.test.ts pins this with a nonce whose
 * N' sits at the top of a 32-bit word, checked against node:crypto `aes-128-ctr`.
 */
import { cmac, ctr } from '@noble/ciphers/aes.js';
import { AES128_KEY_BYTES, AES_BLOCK_BYTES } from './aes.js';

const EMPTY = new Uint8Array(0);
export const EAX_MAX_TAG_BYTES = AES_BLOCK_BYTES;

export interface EaxSealed {
  ciphertext: Uint8Array;
  tag: Uint8Array;
}

function checkKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== AES128_KEY_BYTES) {
    throw new RangeError(`EAX-AES128 key must be ${AES128_KEY_BYTES} bytes`);
  }
}

function checkBytes(name: string, v: Uint8Array): void {
  if (!(v instanceof Uint8Array)) throw new TypeError(`EAX ${name} must be a Uint8Array`);
}

/** OMACᵗ(data): CMAC over the 16-byte tweak block [t] followed by data. */
function omac(key: Uint8Array, t: 0 | 1 | 2, data: Uint8Array): Uint8Array {
  const tweak = new Uint8Array(AES_BLOCK_BYTES);
  tweak[AES_BLOCK_BYTES - 1] = t;
  return cmac.create(key).update(tweak).update(data).digest();
}

/** N' ⊕ H' ⊕ C', full 16 bytes; callers truncate. */
function fullTag(nPrime: Uint8Array, key: Uint8Array, header: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  const h = omac(key, 1, header);
  const c = omac(key, 2, ciphertext);
  const tag = new Uint8Array(AES_BLOCK_BYTES);
  for (let i = 0; i < AES_BLOCK_BYTES; i++) tag[i] = nPrime[i]! ^ h[i]! ^ c[i]!;
  return tag;
}

/**
 * Length-public, content-constant-time comparison: the loop always runs over all bytes so the
 * time taken does not reveal how many leading tag bytes an attacker guessed right.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/**
 * EAX-AES128 encryption. `nonce` and `header` may have any length (EAX allows it; eTLM uses a
 * 6-byte nonce and no header). Throws RangeError on a wrong key length or a tagLength outside
 * 1..16 — both are programmer inputs.
 */
export function eaxEncrypt(
  key: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  header: Uint8Array = EMPTY,
  tagLength: number = EAX_MAX_TAG_BYTES,
): EaxSealed {
  checkKey(key);
  checkBytes('nonce', nonce);
  checkBytes('plaintext', plaintext);
  checkBytes('header', header);
  if (!Number.isInteger(tagLength) || tagLength < 1 || tagLength > EAX_MAX_TAG_BYTES) {
    throw new RangeError(`EAX tagLength must be an integer 1..${EAX_MAX_TAG_BYTES}, got ${tagLength}`);
  }
  const nPrime = omac(key, 0, nonce);
  const ciphertext = ctr(key, nPrime).encrypt(plaintext);
  const tag = fullTag(nPrime, key, header, ciphertext).slice(0, tagLength);
  return { ciphertext, tag };
}

/**
 * EAX-AES128 decryption. The tag length is `tag.length`. Returns null — never throws — when
 * the tag does not verify or has an impossible length (0 or > 16), because ciphertext and tag
 * come off the radio. The plaintext is only computed after the tag has verified.
 */
export function eaxDecrypt(
  key: Uint8Array,
  nonce: Uint8Array,
  ciphertext: Uint8Array,
  tag: Uint8Array,
  header: Uint8Array = EMPTY,
): Uint8Array | null {
  checkKey(key);
  if (!(nonce instanceof Uint8Array) || !(header instanceof Uint8Array)) return null;
  if (!(ciphertext instanceof Uint8Array) || !(tag instanceof Uint8Array)) return null;
  if (tag.length < 1 || tag.length > EAX_MAX_TAG_BYTES) return null;
  const nPrime = omac(key, 0, nonce);
  const expected = fullTag(nPrime, key, header, ciphertext).subarray(0, tag.length);
  if (!constantTimeEqual(expected, tag)) return null;
  return ctr(key, nPrime).decrypt(ciphertext);
}
