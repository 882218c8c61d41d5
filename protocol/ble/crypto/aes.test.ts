import { createCipheriv } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aes128EncryptBlock, aes128Encryptor } from './aes.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Independent AES-128 (OpenSSL through node:crypto), used only to cross-check noble. */
function opensslEcb(key: Uint8Array, block: Uint8Array): Uint8Array {
  const c = createCipheriv('aes-128-ecb', key, null);
  c.setAutoPadding(false);
  return Uint8Array.from(Buffer.concat([c.update(block), c.final()]));
}

// FIPS-197 (AES), Appendix B "Cipher Example" and Appendix C.1 "AES-128" example vectors.
const FIPS197 = [
  { name: 'FIPS-197 App. B', key: '2b7e151628aed2a6abf7158809cf4f3c', pt: '3243f6a8885a308d313198a2e0370734', ct: '3925841d02dc09fbdc118597196a0b32' },
  { name: 'FIPS-197 App. C.1', key: '000102030405060708090a0b0c0d0e0f', pt: '00112233445566778899aabbccddeeff', ct: '69c4e0d86a7b0430d8cdb78070b4c55a' },
];

describe('AES-128 block', () => {
  for (const v of FIPS197) {
    it(`reproduces ${v.name}`, () => {
      expect(toHex(aes128EncryptBlock(hex(v.key), hex(v.pt)))).toBe(v.ct);
      expect(toHex(aes128Encryptor(hex(v.key))(hex(v.pt)))).toBe(v.ct);
    });
  }

  it('agrees with node:crypto on random keys and blocks, both shapes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ minLength: 16, maxLength: 16 }), (key, block) => {
        const expected = toHex(opensslEcb(key, block));
        expect(toHex(aes128EncryptBlock(key, block))).toBe(expected);
        expect(toHex(aes128Encryptor(key)(block))).toBe(expected);
      }),
    );
  });

  it('one encryptor serves many blocks, from unaligned views too, without touching its input', () => {
    const key = hex('000102030405060708090a0b0c0d0e0f');
    const enc = aes128Encryptor(key);
    const backing = new Uint8Array(64).map((_, i) => i * 7);
    for (let off = 0; off < 8; off++) {
      const view = backing.subarray(off + 1, off + 17);
      const before = toHex(view);
      expect(toHex(enc(view))).toBe(toHex(opensslEcb(key, view)));
      expect(toHex(aes128EncryptBlock(key, view))).toBe(toHex(opensslEcb(key, view)));
      expect(toHex(view)).toBe(before);
    }
  });

  it('refuses wrong key and block lengths with RangeError (AES-128 only)', () => {
    expect(() => aes128EncryptBlock(new Uint8Array(32), new Uint8Array(16))).toThrow(RangeError);
    expect(() => aes128EncryptBlock(new Uint8Array(16), new Uint8Array(15))).toThrow(RangeError);
    expect(() => aes128Encryptor(new Uint8Array(24))).toThrow(RangeError);
    expect(() => aes128Encryptor(new Uint8Array(16))(new Uint8Array(17))).toThrow(RangeError);
  });
});
