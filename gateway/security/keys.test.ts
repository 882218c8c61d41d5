import { hkdfSync } from 'node:crypto';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hexToBytes, toHex } from '../../protocol/bytes.js';
import { createDerivedKeyring, createKeyring, deriveGatewayKey, formatSigningKey, generateSigningKey, parseSigningKey } from './keys.js';

describe('key derivation', () => {
  it('RFC 5869 test case 1: the HKDF-SHA256 primitive', () => {
    const okm = hkdf(sha256, hexToBytes('0b'.repeat(22)), hexToBytes('000102030405060708090a0b0c'), hexToBytes('f0f1f2f3f4f5f6f7f8f9'), 42);
    expect(toHex(okm)).toBe('3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865');
  });

  it('deriveGatewayKey equals node:crypto HKDF with the documented salt and info', () => {
    const secret = Uint8Array.from({ length: 32 }, (_, i) => i * 3);
    const k = deriveGatewayKey(secret, 'store-12', 'gw-store12-a', 'k1');
    const expected = new Uint8Array(hkdfSync('sha256', secret, 'touchpoint/v1/sensor-communication-hmac', 'store-12/gw-store12-a/k1', 32));
    expect(k).toEqual({ keyId: 'k1', gatewayId: 'gw-store12-a', key: expected });
  });

  it('gives unrelated keys to different gateways, sites and key IDs', () => {
    const secret = new Uint8Array(32).fill(7);
    const keys = [
      deriveGatewayKey(secret, 's1', 'gw-a', 'k1'),
      deriveGatewayKey(secret, 's1', 'gw-b', 'k1'),
      deriveGatewayKey(secret, 's2', 'gw-a', 'k1'),
      deriveGatewayKey(secret, 's1', 'gw-a', 'k2'),
    ].map((k) => toHex(k.key));
    expect(new Set(keys).size).toBe(4);
  });

  it('refuses short site secrets and invalid IDs', () => {
    expect(() => deriveGatewayKey(new Uint8Array(16), 's1', 'gw-a', 'k1')).toThrow(RangeError);
    expect(() => deriveGatewayKey(new Uint8Array(32), 's/1', 'gw-a', 'k1')).toThrow(RangeError);
    expect(() => deriveGatewayKey(new Uint8Array(32), 's1', 'device', 'k1')).toThrow(RangeError);
    expect(() => deriveGatewayKey(new Uint8Array(32), 's1', 'gw-a', 'k 1')).toThrow(RangeError);
  });
});

describe('key text form', () => {
  it('round-trips <keyId>:<base64url> and matches Buffer base64url', () => {
    const k = generateSigningKey('gw-a.2026-01');
    const text = formatSigningKey(k);
    expect(text).toBe(`gw-a.2026-01:${Buffer.from(k.key).toString('base64url')}`);
    expect(parseSigningKey(`  ${text}\n`)).toEqual({ ok: true, key: k });
  });

  it('says what is wrong without echoing key material', () => {
    const secretish = 'A'.repeat(40);
    for (const text of ['nocolon', `bad id:${'A'.repeat(43)}`, `k1:${secretish}`, 'k1:***', `k1:${'A'.repeat(42)}`]) {
      const r = parseSigningKey(text);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).not.toContain(secretish);
    }
  });

  it('generates distinct 32-byte keys', () => {
    const a = generateSigningKey('k1');
    const b = generateSigningKey('k1');
    expect(a.key).toHaveLength(32);
    expect(toHex(a.key)).not.toBe(toHex(b.key));
  });

  it('property: parseSigningKey never throws', () => {
    fc.assert(fc.property(fc.string({ maxLength: 120 }), (s) => void parseSigningKey(s)), { numRuns: 500 });
  });
});

describe('keyring', () => {
  it('looks keys up by keyId, copies them, and refuses duplicates and malformed entries', () => {
    const key = new Uint8Array(32).fill(1);
    const ring = createKeyring([{ keyId: 'k1', gatewayId: 'gw-a', key }]);
    key.fill(2); // the caller's buffer changing later must not change the ring
    const claimed = { siteId: 's1', gatewayId: 'gw-a' };
    expect(ring('k1', claimed)).toEqual({ keyId: 'k1', gatewayId: 'gw-a', key: new Uint8Array(32).fill(1) });
    expect(ring('k2', claimed)).toBeUndefined();
    expect(() => createKeyring([{ keyId: 'k1', gatewayId: 'gw-a', key }, { keyId: 'k1', gatewayId: 'gw-b', key }])).toThrow(/twice/);
    expect(() => createKeyring([{ keyId: 'k1', gatewayId: 'gw-a', key: new Uint8Array(8) }])).toThrow(RangeError);
    expect(() => createKeyring([{ keyId: 'k1', gatewayId: 'user', key }])).toThrow(RangeError);
  });
});

describe('derived keyring', () => {
  const secret = new Uint8Array(32).fill(9);

  it('derives the key of the claimed gateway from its site secret, and knows no other site', () => {
    const ring = createDerivedKeyring({ 's1': secret });
    expect(ring('k1', { siteId: 's1', gatewayId: 'gw-a' })).toEqual(deriveGatewayKey(secret, 's1', 'gw-a', 'k1'));
    expect(ring('k1', { siteId: 's2', gatewayId: 'gw-a' })).toBeUndefined();
    expect(ring('bad id', { siteId: 's1', gatewayId: 'gw-a' })).toBeUndefined();
  });

  it('caches a bounded number of derivations and still answers after eviction', () => {
    const ring = createDerivedKeyring({ 's1': secret }, 2);
    const a = ring('k1', { siteId: 's1', gatewayId: 'gw-a' });
    ring('k1', { siteId: 's1', gatewayId: 'gw-b' });
    ring('k1', { siteId: 's1', gatewayId: 'gw-c' });
    expect(ring('k1', { siteId: 's1', gatewayId: 'gw-a' })).toEqual(a);
  });

  it('refuses short secrets and invalid site IDs', () => {
    expect(() => createDerivedKeyring({ 's1': new Uint8Array(8) })).toThrow(RangeError);
    expect(() => createDerivedKeyring({ 's/1': secret })).toThrow(RangeError);
  });
});
