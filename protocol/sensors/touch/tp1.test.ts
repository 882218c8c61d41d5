import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc8 } from './crc8.js';
import { decodeTouchLine, encodeTouchLine } from './line.js';
import { TP_MAX_LINE } from './tp1.js';
import { arbTpMessage } from '../test-support/arbitraries.js';
import type { TouchMessage } from './types.js';

/** Shared with the C encoder test (hardware/touch-bridge/test/test_touch_proto.c compares its output). */
const EXAMPLES = readFileSync(new URL('../../../hardware/touch-bridge/test/examples.txt', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l !== '' && !l.startsWith('#'));

/** What each example line means, written independently of both encoders (same order as the file). */
const EXAMPLE_MEANING: TouchMessage[] = [
  { kind: 'hello', format: 'tp1', protocolVersion: 1, firmware: '1.0.0', channels: 13, extra: {} },
  { kind: 'touch', format: 'tp1', channel: 3, mcuMs: 123456 },
  { kind: 'release', format: 'tp1', channel: 3, mcuMs: 127456 },
  { kind: 'touch', format: 'tp1', channel: 12, mcuMs: 4294967295 },
  { kind: 'release', format: 'tp1', channel: 0, mcuMs: 0 },
  {
    kind: 'values',
    format: 'tp1',
    mcuMs: 1000,
    series: {
      touched: [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0],
      filtered: [512, 498, 505, 210, 500, 501, 502, 503, 504, 505, 506, 507, 650],
      baseline: [516, 500, 508, 512, 500, 500, 500, 500, 500, 500, 500, 500, 660],
    },
  },
  { kind: 'values', format: 'tp1', mcuMs: 42, series: { touched: [0], filtered: [0], baseline: [0] } },
  { kind: 'error', format: 'tp1', code: 'overcurrent' },
];

describe('CRC-8/SMBUS', () => {
  it('has the catalogue check value F4 for "123456789"', () => {
    expect(crc8('123456789')).toBe(0xf4);
    expect(crc8(new TextEncoder().encode('123456789'))).toBe(0xf4);
  });

  it('matches a bit-by-bit reference implementation', () => {
    const reference = (s: string) => {
      let c = 0;
      for (const ch of s) {
        c ^= ch.charCodeAt(0);
        for (let b = 0; b < 8; b++) c = c & 0x80 ? ((c << 1) ^ 0x07) & 0xff : (c << 1) & 0xff;
      }
      return c;
    };
    fc.assert(
      fc.property(fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) }), (s) => {
        expect(crc8(s)).toBe(reference(s));
      }),
    );
  });
});

describe('TP1 shared examples (hardware/touch-bridge/test/examples.txt)', () => {
  it('has one meaning per example line', () => expect(EXAMPLES.length).toBe(EXAMPLE_MEANING.length));
  EXAMPLES.forEach((line, i) => {
    it(`decodes and re-encodes: ${line}`, () => {
      expect(decodeTouchLine(line)).toEqual({ ok: true, value: EXAMPLE_MEANING[i] });
      expect(encodeTouchLine(EXAMPLE_MEANING[i]!)).toBe(line);
    });
  });
});

const tpLine = EXAMPLES[1]!; // TP1 T 3 123456 *2C

describe('TP1 rejects instead of misreading', () => {
  it.each([
    ['bad-crc', 'TP1 T 3 123456 *2D'],
    ['bad-crc', 'TP1 T 3 123457 *2C'],
    ['missing-crc', 'TP1 T 3 123456'],
    ['missing-crc', 'TP1 T 3 123456 *2c'], // lowercase hex would let a bit-5 flip through
    ['missing-crc', 'TP1 T 3 123456*2C'],
    ['unsupported-version', withCrcLine('TP2 T 3 123456')],
    ['malformed', withCrcLine('TP1 T 13 1')],
    ['malformed', withCrcLine('TP1 T 3 01')],
    ['malformed', withCrcLine('TP1 T 3 4294967296')],
    ['malformed', withCrcLine('TP1  T 3 1')],
    ['malformed', withCrcLine('TP1 X 3 1')],
    ['malformed', withCrcLine('TP1 HELLO ch=13 fw=1.0.0')],
    ['malformed', withCrcLine('TP1 HELLO fw=1.0.0 ch=14')],
    ['malformed', withCrcLine('TP1 HELLO fw=1.0.0 ch=13 fw=2')],
    ['malformed', withCrcLine('TP1 D 1 s=0002 f=1 b=1')],
    ['malformed', withCrcLine('TP1 D 1 s=0000 f=1,2 b=1')],
    ['malformed', withCrcLine('TP1 D 1 s=000a f=1 b=1')],
    ['malformed', withCrcLine('TP1 D 1 s=0000 f=65536 b=1')],
    ['malformed', withCrcLine('TP1 E Overcurrent')],
    ['non-ascii', 'TP1 T 3 12\u00ff456 *2C'],
    ['too-long', 'TP1 ' + 'x'.repeat(TP_MAX_LINE)],
    ['empty', ''],
    ['unknown-format', 'Adafruit MPR121 Capacitive Touch sensor test'],
  ])('%s: %s', (reason, line) => {
    const r = decodeTouchLine(line);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toBe(reason);
  });

  it('keeps unknown HELLO fields (forward compatible) in order', () => {
    const line = withCrcLine('TP1 HELLO fw=1.2.0-rc1 ch=12 addr=5A board=nano');
    const r = decodeTouchLine(line);
    expect(r.ok && r.value).toEqual({ kind: 'hello', format: 'tp1', protocolVersion: 1, firmware: '1.2.0-rc1', channels: 12, extra: { addr: '5A', board: 'nano' } });
    expect(r.ok && encodeTouchLine(r.value)).toBe(line);
  });

  it('treats HELLO keys as data, not as object properties', () => {
    const r = decodeTouchLine(withCrcLine('TP1 HELLO fw=1 ch=1 constructor=x tostring=y'));
    expect(r.ok && r.value.kind === 'hello' && r.value.extra).toEqual({ constructor: 'x', tostring: 'y' });
  });

  it('tolerates the line terminator', () => {
    expect(decodeTouchLine(`${tpLine}\r\n`).ok).toBe(true);
    expect(decodeTouchLine(`${tpLine}\n`).ok).toBe(true);
  });

  it('detects every single-byte corruption of a valid line (an 8-bit CRC catches every burst ≤ 8 bits)', () => {
    fc.assert(
      fc.property(arbTpMessage, fc.nat(), fc.integer({ min: 1, max: 255 }), (msg, at, x) => {
        const line = encodeTouchLine(msg);
        const i = at % line.length;
        const bad = line.slice(0, i) + String.fromCharCode(line.charCodeAt(i) ^ x) + line.slice(i + 1);
        expect(decodeTouchLine(bad).ok).toBe(false);
      }),
      { numRuns: 3000 },
    );
  });
});

function withCrcLine(body: string): string {
  return `${body} *${crc8(body).toString(16).toUpperCase().padStart(2, '0')}`;
}

describe('TP1 round trip', () => {
  it('decode(encode(m)) = m for every message, within the line limit', () => {
    fc.assert(
      fc.property(arbTpMessage, (m) => {
        const line = encodeTouchLine(m);
        expect(line.length).toBeLessThanOrEqual(TP_MAX_LINE);
        expect(decodeTouchLine(line)).toEqual({ ok: true, value: m });
      }),
      { numRuns: 1000 },
    );
  });

  it('never throws on random text; any accepted TP line re-encodes to itself', () => {
    const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 });
    const tpish = fc.tuple(fc.constantFrom('TP1 T ', 'TP1 R ', 'TP1 D ', 'TP1 HELLO ', 'TP1 E '), printable).map(([a, b]) => withCrcLine(a + b));
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 220 }), printable, tpish), (line) => {
        const r = decodeTouchLine(line);
        if (r.ok && r.value.format === 'tp1') expect(encodeTouchLine(r.value)).toBe(line);
      }),
      { numRuns: 3000 },
    );
  });

  it('encoder refuses what TP1 cannot carry', () => {
    expect(() => encodeTouchLine({ kind: 'touch', format: 'adafruit-mpr121test', channel: 3, mcuMs: null })).toThrow(RangeError);
    expect(() => encodeTouchLine({ kind: 'touch', format: 'tp1', channel: 13, mcuMs: 1 })).toThrow(RangeError);
    expect(() => encodeTouchLine({ kind: 'hello', format: 'tp1', protocolVersion: 1, firmware: '1.0 beta', channels: 13, extra: {} })).toThrow(RangeError);
    expect(() => encodeTouchLine({ kind: 'values', format: 'tp1', mcuMs: 1, series: { filtered: [1], baseline: [1] } })).toThrow(RangeError);
  });
});
