import { crc32 as zlibCrc32 } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32 } from './crc32.js';

describe('crc32', () => {
  it('has the CRC-32 check value 0xCBF43926 for "123456789" (Williams, CRC-32 model)', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('is 0 for no bytes and honours from/to', () => {
    expect(crc32(new Uint8Array(0))).toBe(0);
    const b = new TextEncoder().encode('xx123456789yy');
    expect(crc32(b, 2, 11)).toBe(0xcbf43926);
  });

  it('agrees with node:zlib crc32 on random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
      expect(crc32(b)).toBe(zlibCrc32(b));
    }));;
  });
});
