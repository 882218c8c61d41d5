/**
 * Eddystone-EID secure registration: both sides derive the identity key from an X25519 exchange
 * (google/eddystone `eddystone-eid/eid-computation.md` and `tools/eidtools.py`, notes §2.6):
 *
 *   shared = X25519(own_priv, peer_pub)          — reject the all-zero result
 *   IK     = HKDF-SHA256(salt = resolver_pub ‖ beacon_pub, IKM = shared, info = "")[0..16]
 *
 * eidtools.py expands 32 bytes and keeps the first 16; HKDF's first output block does not
 * depend on L, so asking for 16 bytes yields the same key.
 *
 * Byte order: X25519 keys are little-endian byte strings by definition (RFC 7748), which is
 * also how the GATT Public ECDH Key characteristic (a3c87508) carries them, so no reversal here.
 */
import { x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { IDENTITY_KEY_BYTES } from './eid.js';

export const X25519_KEY_BYTES = 32;

/** Raised when the peer's public key is a low-order point (the shared secret would be zero). */
export class EidRegistrationError extends Error {
  override name = 'EidRegistrationError';
}

function checkKey(name: string, key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== X25519_KEY_BYTES) {
    const got = key instanceof Uint8Array ? `${key.length} bytes` : typeof key;
    throw new RangeError(`${name} must be ${X25519_KEY_BYTES} bytes, got ${got}`);
  }
}

/** X25519 public key (little-endian u-coordinate) for a 32-byte private key. */
export function x25519PublicKey(privateKey: Uint8Array): Uint8Array {
  checkKey('X25519 private key', privateKey);
  return x25519.getPublicKey(privateKey);
}

function isAllZero(bytes: Uint8Array): boolean {
  let acc = 0;
  for (const b of bytes) acc |= b;
  return acc === 0;
}

/**
 * The 16-byte EID identity key. Called by the resolver (own = resolver private, peer = beacon
 * public) and by a simulated beacon (own = beacon private, peer = resolver public); both get the
 * same key. Throws RangeError on wrong key lengths and EidRegistrationError when the peer key is
 * a low-order point, i.e. the shared secret is all zero and the "key" would be public.
 */
export function identityKeyFromEcdh(
  ownPrivate: Uint8Array,
  peerPublic: Uint8Array,
  resolverPublic: Uint8Array,
  beaconPublic: Uint8Array,
): Uint8Array {
  checkKey('own private key', ownPrivate);
  checkKey('peer public key', peerPublic);
  checkKey('resolver public key', resolverPublic);
  checkKey('beacon public key', beaconPublic);
  let shared: Uint8Array;
  try {
    shared = x25519.getSharedSecret(ownPrivate, peerPublic);
  } catch {
    // noble 2.x refuses low-order points itself ("invalid private or public key received").
    throw new EidRegistrationError('X25519 shared secret is all zero: peer public key is a low-order point');
  }
  // Kept even though noble already refuses: the spec's rule must not hinge on a library detail.
  if (isAllZero(shared)) {
    throw new EidRegistrationError('X25519 shared secret is all zero: peer public key is a low-order point');
  }
  const salt = new Uint8Array(2 * X25519_KEY_BYTES);
  salt.set(resolverPublic, 0);
  salt.set(beaconPublic, X25519_KEY_BYTES);
  return hkdf(sha256, shared, salt, new Uint8Array(0), IDENTITY_KEY_BYTES);
}
