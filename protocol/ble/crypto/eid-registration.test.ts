import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { x25519 } from '@noble/curves/ed25519.js';
import { EidRegistrationError, identityKeyFromEcdh, x25519PublicKey } from './eid-registration.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/**
 * D7, docs/protocols.md §2.6 "ECDH → IK vectors": [SRC] RadiusNetworks/ephemeral_calc
 * spec/key_pair_spec.rb; [RECOMPUTED] with cryptography X25519 + HKDF.
 */
const D7 = {
  resolverPriv: '61136adab1bf302f1c49e860196aeefd8fbaa41518b4c226372d6cc469c47278',
  beaconPriv: '6ea13b5ef3cc642fd6102c1d85c096b510f56efc488114a4562a987bf4525628',
  resolverPub: '29769a045dcb811ba3025985b9de91eb9a57dadbceb68a1e6a3c2b1af4868e1f',
  beaconPub: 'c63e6f89aab47552c8d621a59c81d0af203f6570a4bd7a267a08a17561c8bc2b',
  shared: '690821890fffb83bb348fb620d0a10e625fe3d919b5594e7b9258d50f829b90b',
  ik: 'f40d6f18e5882260e847e99ca33ac44f',
};

describe('EID registration (X25519 + HKDF-SHA256): D7', () => {
  it('derives both public keys', () => {
    expect(toHex(x25519PublicKey(hex(D7.resolverPriv)))).toBe(D7.resolverPub);
    expect(toHex(x25519PublicKey(hex(D7.beaconPriv)))).toBe(D7.beaconPub);
  });

  it('the shared secret matches (checks the X25519 library against the source)', () => {
    expect(toHex(x25519.getSharedSecret(hex(D7.resolverPriv), hex(D7.beaconPub)))).toBe(D7.shared);
  });

  it('resolver side and beacon side both derive IK f40d6f18…', () => {
    const rPub = hex(D7.resolverPub);
    const bPub = hex(D7.beaconPub);
    expect(toHex(identityKeyFromEcdh(hex(D7.resolverPriv), bPub, rPub, bPub))).toBe(D7.ik);
    expect(toHex(identityKeyFromEcdh(hex(D7.beaconPriv), rPub, rPub, bPub))).toBe(D7.ik);
  });

  it('the salt order matters: swapping resolver and beacon public keys gives another key', () => {
    const rPub = hex(D7.resolverPub);
    const bPub = hex(D7.beaconPub);
    expect(toHex(identityKeyFromEcdh(hex(D7.resolverPriv), bPub, bPub, rPub))).not.toBe(D7.ik);
  });
});

describe('EID registration: properties and refusals', () => {
  const priv = fc.uint8Array({ minLength: 32, maxLength: 32 });

  it('both sides agree on a 16-byte key for any key pairs', () => {
    fc.assert(
      fc.property(priv, priv, (r, b) => {
        const rPub = x25519PublicKey(r);
        const bPub = x25519PublicKey(b);
        const a = identityKeyFromEcdh(r, bPub, rPub, bPub);
        expect(a.length).toBe(16);
        expect(toHex(identityKeyFromEcdh(b, rPub, rPub, bPub))).toBe(toHex(a));
      }),
      { numRuns: 30 },
    );
  });

  it('refuses low-order peer keys (all-zero shared secret) with EidRegistrationError', () => {
    const own = hex(D7.resolverPriv);
    const ownPub = hex(D7.resolverPub);
    // u = 0 and u = 1 are the canonical low-order points of Curve25519 (RFC 7748 §6.1 remark).
    const zero = new Uint8Array(32);
    const one = new Uint8Array(32);
    one[0] = 1;
    for (const peer of [zero, one]) {
      expect(() => identityKeyFromEcdh(own, peer, ownPub, peer)).toThrow(EidRegistrationError);
    }
  });

  it('refuses wrong key lengths with RangeError', () => {
    const k = new Uint8Array(32).fill(9);
    expect(() => x25519PublicKey(new Uint8Array(31))).toThrow(RangeError);
    expect(() => identityKeyFromEcdh(new Uint8Array(16), k, k, k)).toThrow(RangeError);
    expect(() => identityKeyFromEcdh(k, new Uint8Array(33), k, k)).toThrow(RangeError);
    expect(() => identityKeyFromEcdh(k, k, new Uint8Array(0), k)).toThrow(RangeError);
    expect(() => identityKeyFromEcdh(k, k, k, new Uint8Array(31))).toThrow(RangeError);
  });
});
