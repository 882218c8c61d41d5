import { describe, expect, it } from 'vitest';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { hmacSha256Hex, isMd5Hex, isSha256Hex, sha256Hex } from './digest.js';

describe('digest wiring', () => {
  it('SHA-256 of "abc" (FIPS 180-2 Appendix B.1)', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('HMAC-SHA256 RFC 4231 §4.3 test case 2 (key "Jefe")', () => {
    expect(hmacSha256Hex(utf8ToBytes('Jefe'), 'what do ya want for nothing?')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it('hashes the UTF-8 bytes, not UTF-16 code units', () => {
    // `printf 'é' | sha256sum` (U+00E9 = C3 A9)
    expect(sha256Hex('\u00e9')).toBe('4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c');
  });

  it('recognises digests by length and alphabet only', () => {
    expect(isSha256Hex('A665A45920422F9D417E4867EFDC4FB8A04A1F3FFF1FA07E998E86F7F7A27AE3')).toBe(true);
    expect(isSha256Hex('a665a45920422f9d417e4867efdc4fb8a04a1f3fff1fa07e998e86f7f7a27ae')).toBe(false);
    expect(isSha256Hex('g665a45920422f9d417e4867efdc4fb8a04a1f3fff1fa07e998e86f7f7a27ae3')).toBe(false);
    expect(isSha256Hex(' a665a45920422f9d417e4867efdc4fb8a04a1f3fff1fa07e998e86f7f7a27ae3')).toBe(false);
    expect(isMd5Hex('D41D8CD98F00B204E9800998ECF8427E')).toBe(true);
    expect(isMd5Hex('da39a3ee5e6b4b0d3255bfef95601890afd80709')).toBe(false);
  });
});
