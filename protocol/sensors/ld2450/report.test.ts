import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hex, toHex } from '../bytes.js';
import { arbLd2450ReportFields } from '../test-support/arbitraries.js';
import { decodeLd2450Report, decodeSignMagnitude, encodeLd2450Report, encodeSignMagnitude, ld2450SlotFor, presentLd2450Report } from './report.js';
import { LD2450_REPORT_VECTORS } from './vectors.js';

describe('LD2450 report vectors (R1 bytes from ESPHome ld2450.cpp; values and R2/R3 derived, notes §3.5)', () => {
  for (const v of LD2450_REPORT_VECTORS) {
    it(`${v.id} — ${v.source}`, () => {
      expect(decodeLd2450Report(hex(v.hex))).toEqual({ ok: true, value: v.expected });
      expect(toHex(encodeLd2450Report(v.expected.raw))).toBe(toHex(hex(v.hex)));
    });
  }
});

describe('LD2450 sign-magnitude (ESPHome decode_coordinate / decode_speed)', () => {
  it('bit 15 set is positive, clear is negative; never −0', () => {
    expect(decodeSignMagnitude(0x86b1)).toBe(1713);
    expect(decodeSignMagnitude(0x030e)).toBe(-782);
    expect(Object.is(decodeSignMagnitude(0x0000), 0)).toBe(true);
    expect(decodeSignMagnitude(0x8000)).toBe(0);
    expect(decodeSignMagnitude(0xffff)).toBe(0x7fff);
    expect(decodeSignMagnitude(0x7fff)).toBe(-0x7fff);
  });

  it('encode/decode are inverse over the whole range', () => {
    fc.assert(
      fc.property(fc.integer({ min: -0x7fff, max: 0x7fff }), (v) => {
        expect(decodeSignMagnitude(encodeSignMagnitude(v))).toBe(v);
      }),
    );
    expect(() => encodeSignMagnitude(0x8000)).toThrow(RangeError);
  });

  it('targets given in mm encode through ld2450SlotFor and decode back', () => {
    const t = { xMm: -250, yMm: 4000, speedCmPerS: -30, resolutionMm: 360 };
    const r = decodeLd2450Report(encodeLd2450Report({ slots: [ld2450SlotFor(t), ld2450SlotFor(null), ld2450SlotFor(null)] }));
    expect(r.ok && r.value.targets).toEqual([t, null, null]);
  });
});

describe('LD2450 report rules', () => {
  it('rejects bad header, bad footer and wrong size', () => {
    const good = hex(LD2450_REPORT_VECTORS[0]!.hex);
    const badFooter = Uint8Array.from(good);
    badFooter[29] = 0xcd;
    expect(decodeLd2450Report(badFooter).ok).toBe(false);
    const badHeader = Uint8Array.from(good);
    badHeader[2] = 0x04;
    expect(decodeLd2450Report(badHeader).ok).toBe(false);
    expect(decodeLd2450Report(good.subarray(0, 29)).ok).toBe(false);
  });

  it('round-trips any slot values byte-exactly', () => {
    fc.assert(
      fc.property(arbLd2450ReportFields, (f) => {
        expect(decodeLd2450Report(encodeLd2450Report(f))).toEqual({ ok: true, value: presentLd2450Report(f) });
      }),
    );
  });

  it('property: never throws on random bytes; accepted frames re-encode identically', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 28, maxLength: 32 }), (bytes) => {
        const b = Uint8Array.from(bytes);
        if (b.length >= 30) b.set([0xaa, 0xff, 0x03, 0x00], 0); // make acceptance reachable
        const r = decodeLd2450Report(b);
        if (r.ok) expect(toHex(encodeLd2450Report(r.value.raw))).toBe(toHex(b));
      }),
    );
  });
});
