import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { defineLayout } from './layout.js';

const L = defineLayout([
  { name: 'magic', kind: 'u16be', const: 0xbeac },
  { name: 'a', kind: 'i8' },
  { name: 'b', kind: 'u16le' },
  { name: 'c', kind: 'i16be' },
  { name: 'd', kind: 'u32be' },
  { name: 'h', kind: 'hex', length: 3 },
  { name: 'opt', kind: 'u8', default: 7 },
] as const);

describe('field layouts', () => {
  it('decodes each integer kind with its endianness and sign', () => {
    const r = L.decode(Uint8Array.from([0xbe, 0xac, 0xff, 0x34, 0x12, 0x80, 0x00, 0xff, 0xff, 0xff, 0xfe, 1, 2, 3, 9]));
    expect(r).toEqual({ ok: true, length: 15, value: { a: -1, b: 0x1234, c: -32768, d: 0xfffffffe, h: '010203', opt: 9 } });
  });
  it('uses the default of a trailing optional field and reports its min/max length', () => {
    expect(L.minLength).toBe(14);
    expect(L.maxLength).toBe(15);
    const r = L.decode(Uint8Array.from([0xbe, 0xac, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 2, 3]));
    expect(r.ok && r.value.opt).toBe(7);
  });
  it('names the field and offset of a constant mismatch or truncation', () => {
    expect(L.decode(Uint8Array.from([0xbe, 0xad]))).toEqual({ ok: false, reason: 'magic is 0xbead, expected 0xbeac', field: 'magic', offset: 0 });
    expect(L.decode(Uint8Array.from([0xbe, 0xac, 1, 2]))).toMatchObject({ ok: false, field: 'b', offset: 3 });
  });
  it('decodes inside a window without reading past its end', () => {
    const buf = Uint8Array.from([9, 9, 0xbe, 0xac, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 2, 3, 0x55]);
    expect(L.decode(buf, 2, 16)).toMatchObject({ ok: true, length: 14, value: { opt: 7 } });
    expect(L.decode(buf, 2, 15)).toMatchObject({ ok: false, field: 'h' });
  });
  it('round-trips every value and rejects out-of-range ones', () => {
    fc.assert(
      fc.property(
        fc.record({
          a: fc.integer({ min: -128, max: 127 }),
          b: fc.integer({ min: 0, max: 0xffff }),
          c: fc.integer({ min: -32768, max: 32767 }),
          d: fc.integer({ min: 0, max: 0xffffffff }),
          h: fc.uint8Array({ minLength: 3, maxLength: 3 }).map((x) => Buffer.from(x).toString('hex')),
          opt: fc.integer({ min: 0, max: 255 }),
        }),
        (v) => {
          const r = L.decode(L.encode(v));
          expect(r).toEqual({ ok: true, length: 15, value: v });
        },
      ),
    );
    expect(() => L.encode({ a: 128, b: 0, c: 0, d: 0, h: '000000', opt: 0 })).toThrow(/a must be an integer in -128..127/);
    expect(() => L.encode({ a: 0, b: 0, c: 0, d: 0, h: '00', opt: 0 })).toThrow(RangeError);
  });
  it('refuses tables that cannot be decoded unambiguously', () => {
    expect(() => defineLayout([{ name: 'r', kind: 'rest', min: 0, max: 4 }, { name: 'x', kind: 'u8' }] as const)).toThrow(/must be last/);
    expect(() => defineLayout([{ name: 'o', kind: 'u8', default: 0 }, { name: 'x', kind: 'u8' }] as const)).toThrow(/follows an optional/);
  });
});
