/**
 * Regression tests for what fuzzing and the adversarial inputs of scripts/fuzz found.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeIntelHex, encodeIntelHex } from '../../protocol/beacon-config/index.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('Intel HEX decoding is linear in the image size', () => {
  it('copies each byte of a many-record image a bounded number of times (was: the whole segment again per record)', () => {
    // 64 KiB in 4096 records of 16 bytes: merging pairwise copied ~128 MiB; one copy per run is 64 KiB.
    const data = Uint8Array.from({ length: 64 * 1024 }, (_, i) => (i * 7) & 0xff);
    const text = encodeIntelHex([{ address: 0x7f000, data }]);
    const typedArrayProto = Object.getPrototypeOf(Uint8Array.prototype) as { set: (src: ArrayLike<number>, offset?: number) => void };
    let copied = 0;
    const original = typedArrayProto.set;
    vi.spyOn(typedArrayProto, 'set').mockImplementation(function (this: Uint8Array, src: ArrayLike<number>, offset?: number) {
      copied += src.length;
      return original.call(this, src, offset);
    });
    const r = decodeIntelHex(text);
    expect(r.ok && r.segments).toEqual([{ address: 0x7f000, data }]);
    expect(copied).toBeLessThanOrEqual(2 * data.length);
  });

  it('still refuses overlapping records and keeps separate segments apart', () => {
    const a = encodeIntelHex([{ address: 0, data: new Uint8Array(32).fill(1) }, { address: 64, data: new Uint8Array(8).fill(2) }]);
    const r = decodeIntelHex(a);
    expect(r.ok && r.segments.map((s) => [s.address, s.data.length])).toEqual([[0, 32], [64, 8]]);
    const overlapping = encodeIntelHex([{ address: 0, data: new Uint8Array(32) }]).replace(':00000001FF', '') + encodeIntelHex([{ address: 16, data: new Uint8Array(4) }]);
    expect(decodeIntelHex(overlapping)).toMatchObject({ ok: false, reason: 'overlapping data at 0x10' });
  });
});

describe('LD2450 stream: a valid report after garbage holding an unfinished command candidate', () => {
  it('is held until that candidate can be judged, then comes out — delayed by one frame, never lost (fuzz seed 1, input 123651)', async () => {
    const { createLd2450Parser, LD2450_REPORT_VECTORS } = await import('../../protocol/sensors/ld2450/index.js');
    const { hex } = await import('../../protocol/sensors/bytes.js');
    // A complete command frame whose data holds a second command header announcing 34 bytes:
    // that inner candidate ends 2 bytes past the report that follows, so the outer frame waits.
    const garbage = hex('fdfcfbfa1c00c200010018fcf401e803b80b00473bcbaa62b411fdfcfbfa2200c10004030201');
    const report = LD2450_REPORT_VECTORS[0]!;
    const p = createLd2450Parser();
    expect(p.push(garbage)).toEqual([]);
    const first = p.push(hex(report.hex));
    const second = p.push(hex(report.hex));
    const reports = [...first, ...second].filter((f) => f.kind === 'report');
    expect(reports).toEqual([report.expected, report.expected]);
    expect(p.pendingBytes).toBe(0);
  });
});
