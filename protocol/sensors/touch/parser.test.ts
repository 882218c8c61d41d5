import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeTouchLine } from './line.js';
import { createLineSplitter, createTouchParser } from './parser.js';
import { arbTpMessage } from '../test-support/arbitraries.js';
import type { TouchMessage } from './types.js';

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const HELLO: TouchMessage = { kind: 'hello', format: 'tp1', protocolVersion: 1, firmware: '1.0.0', channels: 13, extra: {} };
const T3: TouchMessage = { kind: 'touch', format: 'tp1', channel: 3, mcuMs: 1070 };
const R3: TouchMessage = { kind: 'release', format: 'tp1', channel: 3, mcuMs: 1190 };

function runAll(chunks: Uint8Array[]) {
  const p = createTouchParser();
  const out: TouchMessage[] = [];
  for (const c of chunks) out.push(...p.push(c));
  out.push(...p.end());
  return { out, stats: p.stats };
}

describe('touch line splitter', () => {
  it('accepts CR LF, LF and CR terminators and skips empty lines', () => {
    const s = createLineSplitter();
    expect(s.push(ascii('a\r\nb\nc\rd\r\n\r\n'))).toEqual(['a', 'b', 'c', 'd']);
    expect(s.push(ascii('e'))).toEqual([]);
    expect(s.end()).toEqual(['e']);
  });

  it('drops an overlong line up to its terminator and keeps the buffer bounded', () => {
    const s = createLineSplitter(8);
    expect(s.push(ascii('12345678\nabcdefghijklmnop\nok\n'))).toEqual(['12345678', 'ok']);
    expect(s.overlongLines).toBe(1);
    s.push(new Uint8Array(100_000).fill(0x41));
    expect(s.pendingBytes).toBeLessThanOrEqual(8);
  });
});

describe('touch stream parser', () => {
  const stream = [HELLO, T3, R3].map((m) => encodeTouchLine(m) + '\r\n').join('');
  const bytes = ascii(stream);

  it('gives the same messages for every split offset', () => {
    for (let k = 0; k <= bytes.length; k++) {
      const { out } = runAll([bytes.subarray(0, k), bytes.subarray(k)]);
      expect(out).toEqual([HELLO, T3, R3]);
    }
  });

  it('drops and counts noise, CRC failures and unknown lines, keeping the good lines around them', () => {
    const noisy =
      '\x00\xff\xfe garbage\r\n' + // UART noise before the bridge speaks
      encodeTouchLine(HELLO) + '\r\n' +
      encodeTouchLine(T3).replace('1070', '1071') + '\r\n' + // a flipped digit: CRC failure, not a touch at 1071
      'TP1 T 3 1070\r\n' + // CRC missing
      'hello world\r\n' +
      encodeTouchLine(R3) + '\r\n';
    const { out, stats } = runAll([Uint8Array.from(noisy, (c) => c.charCodeAt(0))]);
    expect(out).toEqual([HELLO, R3]);
    expect(stats.crcFailures).toBe(2);
    expect(stats.garbageLines).toBe(2);
    expect(stats.rejected['bad-crc']).toBe(1);
    expect(stats.rejected['missing-crc']).toBe(1);
    expect(stats.rejected['non-ascii']).toBe(1);
    expect(stats.messages).toBe(2);
    expect(stats.lines).toBe(6);
  });

  it('mixes formats on one stream, each message tagged with its format', () => {
    const text = ['3 touched', 'TOUCH: 0 0 0 1 0 0 0 0 0 0 0 0 0', encodeTouchLine(T3)].join('\n') + '\n';
    const { out } = runAll([ascii(text)]);
    expect(out.map((m) => m.format)).toEqual(['adafruit-mpr121test', 'bare-datastream', 'tp1']);
  });

  it('property: valid lines survive any garbage lines and any chunking', () => {
    const garbageLine = fc.string({ unit: fc.integer({ min: 0x00, max: 0xff }).filter((c) => c !== 10 && c !== 13).map((c) => String.fromCharCode(c)), maxLength: 300 })
      .filter((s) => !/^(TP[0-9]|[0-9]{1,2} |TOUCH:|TTHS:|RTHS:|FDAT:|BVAL:|DIFF:|Filt:|Base:)/.test(s));
    const item = fc.oneof(arbTpMessage.map((m) => ({ m })), garbageLine.map((g) => ({ g })));
    fc.assert(
      fc.property(fc.array(item, { maxLength: 10 }), fc.array(fc.nat(), { maxLength: 6 }), fc.constantFrom('\r\n', '\n', '\r'), (items, cuts, eol) => {
        const text = items.map((it) => ('m' in it ? encodeTouchLine(it.m) : it.g) + eol).join('');
        const b = Uint8Array.from(text, (c) => c.charCodeAt(0));
        const points = [...new Set(cuts.map((c) => c % (b.length + 1)))].sort((x, y) => x - y);
        const chunks: Uint8Array[] = [];
        let prev = 0;
        for (const p of points) {
          chunks.push(b.subarray(prev, p));
          prev = p;
        }
        chunks.push(b.subarray(prev));
        const { out, stats } = runAll(chunks);
        expect(out).toEqual(items.flatMap((it) => ('m' in it ? [it.m] : [])));
        expect(stats.bytesIn).toBe(b.length);
      }),
      { numRuns: 500 },
    );
  });
});
