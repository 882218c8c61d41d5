import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hexToBytes } from '../bytes.js';
import { decodeIntelHex, encodeIntelHex } from './intel-hex.js';

// The data record and the extended linear address record that the Intel HEX article on
// Wikipedia uses as its examples (":10010000214601360121470136007EFE09D2190140" → 16 bytes at
// 0x0100, checksum 0x40; ":020000040800F2" → upper address 0x0800; ":00000001FF" end of file).
const WIKI_DATA = ':10010000214601360121470136007EFE09D2190140';

describe('Intel HEX', () => {
  it('decodes the textbook data record and its checksum', () => {
    const r = decodeIntelHex(`${WIKI_DATA}\n:00000001FF\n`);
    expect(r).toEqual({ ok: true, segments: [{ address: 0x0100, data: hexToBytes('214601360121470136007EFE09D21901') }] });
  });

  it('encodes the same bytes to the same record, with an extended linear address first', () => {
    const text = encodeIntelHex([{ address: 0x0100, data: hexToBytes('214601360121470136007EFE09D21901') }]);
    expect(text).toBe(`:020000040000FA\n${WIKI_DATA}\n:00000001FF\n`);
    expect(encodeIntelHex([{ address: 0x0800_0000, data: Uint8Array.of(1) }]).split('\n')[0]).toBe(':020000040800F2');
  });

  it('splits records at 64 KiB boundaries and merges them back', () => {
    const data = Uint8Array.from({ length: 40 }, (_, i) => i);
    const text = encodeIntelHex([{ address: 0x1_fff0, data }]);
    expect(text.split('\n').filter((l) => l.startsWith(':02000004'))).toEqual([':020000040001F9', ':020000040002F8']);
    expect(decodeIntelHex(text)).toEqual({ ok: true, segments: [{ address: 0x1_fff0, data }] });
  });

  it('reports a bad checksum, a missing EOF, a bad record type and overlaps with their line', () => {
    expect(decodeIntelHex(`${WIKI_DATA.slice(0, -2)}41\n:00000001FF`)).toMatchObject({ ok: false, reason: 'checksum mismatch', line: 1 });
    expect(decodeIntelHex(WIKI_DATA)).toMatchObject({ ok: false, reason: 'no end-of-file record' });
    expect(decodeIntelHex(':00000007F9\n:00000001FF')).toMatchObject({ ok: false, line: 1 });
    expect(decodeIntelHex(`${WIKI_DATA}\n${WIKI_DATA}\n:00000001FF`)).toMatchObject({ ok: false, reason: 'overlapping data at 0x100' });
    expect(decodeIntelHex(`:00000001FF\n${WIKI_DATA}`)).toMatchObject({ ok: false, line: 2 });
  });

  it('round-trips any set of non-overlapping segments', () => {
    const seg = fc.record({ address: fc.integer({ min: 0, max: 0xffff_0000 }), data: fc.uint8Array({ minLength: 1, maxLength: 100 }) });
    fc.assert(
      fc.property(fc.array(seg, { maxLength: 4 }), fc.integer({ min: 1, max: 255 }), (segs, per) => {
        const sorted = [...segs].sort((a, b) => a.address - b.address);
        // keep gaps so adjacent segments do not merge
        // (compare with the last segment kept, not the last one generated: that one may have been dropped)
        const disjoint: typeof sorted = [];
        for (const s of sorted) {
          const last = disjoint.at(-1);
          if (!last || s.address > last.address + last.data.length) disjoint.push(s);
        }
        expect(decodeIntelHex(encodeIntelHex(disjoint, per))).toEqual({ ok: true, segments: disjoint });
      }),
      { examples: [[[{ address: 1, data: Uint8Array.from([0]) }, { address: 0, data: Uint8Array.from([0, 0, 0]) }, { address: 3, data: Uint8Array.from([0]) }], 1]] },
    );
  });

  it('never throws on arbitrary text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (s) => void decodeIntelHex(s)));
    fc.assert(fc.property(fc.array(fc.stringMatching(/^:[0-9A-F]{0,40}$/), { maxLength: 6 }), (ls) => void decodeIntelHex(ls.join('\n'))));
  });
});
