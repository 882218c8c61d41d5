import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hex, toHex } from '../bytes.js';
import { arbLd2410ReportFields } from '../test-support/arbitraries.js';
import { decodeLd2410Report, encodeLd2410Report, presentLd2410Report } from './report.js';
import { LD2410_REPORT_VECTORS } from './vectors.js';

describe('LD2410 report vectors L1–L9 (notes §3.4: datasheet, aio-ld2410, Tasmota real captures)', () => {
  for (const v of LD2410_REPORT_VECTORS) {
    it(`${v.id} — ${v.source}`, () => {
      const r = decodeLd2410Report(hex(v.hex));
      expect(r).toEqual({ ok: true, value: v.expected });
      expect(toHex(encodeLd2410Report(v.expected.raw))).toBe(toHex(hex(v.hex)));
    });
  }

  it('frame sizes are 23 (basic) and 45 (engineering, N=8) bytes as the notes state', () => {
    expect(hex(LD2410_REPORT_VECTORS[0]!.hex).length).toBe(23);
    expect(hex(LD2410_REPORT_VECTORS[1]!.hex).length).toBe(45);
  });
});

describe('LD2410 report rules', () => {
  const l1 = () => hex(LD2410_REPORT_VECTORS[0]!.hex);

  it('hides distances of absent target kinds but keeps them in raw (L5: state 0 with 69 cm)', () => {
    const v = decodeLd2410Report(hex(LD2410_REPORT_VECTORS[4]!.hex));
    expect(v.ok && v.value.movingDistanceCm).toBe(null);
    expect(v.ok && v.value.raw.movingDistanceCm).toBe(69);
  });

  it('reads N from the frame instead of assuming 8 gates', () => {
    const fields = {
      mode: 'engineering' as const, state: 1, movingDistanceCm: 120, movingEnergy: 40, staticDistanceCm: 0, staticEnergy: 0, detectionDistanceCm: 120,
      maxMovingGate: 4, maxStaticGate: 2, movingEnergies: [1, 2, 3, 4, 5], staticEnergies: [6, 7, 8], extra: [],
    };
    const bytes = encodeLd2410Report(fields);
    expect(bytes.length).toBe(23 + 2 + 5 + 3);
    const r = decodeLd2410Report(bytes);
    expect(r.ok && r.value.mode === 'engineering' && [r.value.movingEnergies, r.value.staticEnergies, r.value.lightLevel, r.value.outPin])
      .toEqual([[1, 2, 3, 4, 5], [6, 7, 8], null, null]);
  });

  const corrupt = (at: number, value: number) => {
    const b = l1();
    b[at] = value;
    return decodeLd2410Report(b);
  };
  it.each([
    ['bad head marker', 7, 0xab],
    ['bad tail marker', 17, 0x56],
    ['bad check byte', 18, 0x01],
    ['bad footer', 22, 0xf4],
    ['unknown type', 6, 0x03],
    ['state > 3', 8, 0x04],
    ['energy > 100', 14, 101],
  ])('rejects %s', (_name, at, value) => {
    const r = corrupt(at, value);
    expect(r.ok).toBe(false);
  });

  it('rejects a basic report whose LEN is not 13 and an engineering report with N > 8', () => {
    const b = hex(LD2410_REPORT_VECTORS[1]!.hex);
    b[6] = 0x02; // engineering body labelled basic
    expect(decodeLd2410Report(b).ok).toBe(false);
    const e = hex(LD2410_REPORT_VECTORS[1]!.hex);
    e[17] = 9;
    expect(decodeLd2410Report(e).ok).toBe(false);
  });

  it('round-trips any valid wire values byte-exactly', () => {
    fc.assert(
      fc.property(arbLd2410ReportFields, (fields) => {
        const bytes = encodeLd2410Report(fields);
        expect(decodeLd2410Report(bytes)).toEqual({ ok: true, value: presentLd2410Report(fields) });
      }),
    );
  });

  it('encoder refuses what the decoder would reject', () => {
    const base = LD2410_REPORT_VECTORS[1]!.expected.raw;
    expect(() => encodeLd2410Report({ ...base, movingEnergy: 101 })).toThrow(RangeError);
    expect(() => encodeLd2410Report({ ...base, state: 4 })).toThrow(RangeError);
    expect(() => encodeLd2410Report({ ...base, mode: 'engineering', maxMovingGate: 9, movingEnergies: new Array(10).fill(0), staticEnergies: new Array(9).fill(0), maxStaticGate: 8, extra: [] })).toThrow(RangeError);
    expect(() => encodeLd2410Report({ ...base, mode: 'engineering', maxMovingGate: 8, movingEnergies: [1], staticEnergies: new Array(9).fill(0), maxStaticGate: 8, extra: [] })).toThrow(RangeError);
  });

  it('property: never throws on random bytes; whatever it accepts re-encodes to the same bytes', () => {
    const mutated = fc.tuple(arbLd2410ReportFields, fc.nat(), fc.integer({ min: 1, max: 255 })).map(([f, at, x]) => {
      const b = encodeLd2410Report(f);
      b[at % b.length]! ^= x;
      return b;
    });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 80 }), mutated), (bytes) => {
        const r = decodeLd2410Report(bytes);
        if (r.ok) expect(toHex(encodeLd2410Report(r.value.raw))).toBe(toHex(bytes));
        else expect(r.offset).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 2000 },
    );
  });
});
