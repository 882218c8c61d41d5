import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hex, toHex } from '../bytes.js';
import { decodeLd2410CommandFrame } from '../ld2410/commands.js';
import { LD2410_ACK_VECTORS, LD2410_COMMAND_VECTORS } from '../ld2410/vectors.js';
import { arbLd2450Ack, arbLd2450Command } from '../test-support/arbitraries.js';
import { LD2450_COMMANDS, type Ld2450Command, decodeLd2450CommandFrame, encodeLd2450Ack, encodeLd2450Command } from './commands.js';
import { LD2450_ACK_VECTORS, LD2450_COMMAND_VECTORS } from './vectors.js';

describe('LD2450 command and ACK vectors ([DERIVED] from ESPHome ld2450.cpp, notes §3.5)', () => {
  for (const v of LD2450_COMMAND_VECTORS) {
    it(`command ${v.id} — ${v.source}`, () => {
      expect(decodeLd2450CommandFrame(hex(v.hex))).toEqual({ ok: true, value: v.expected });
      const { kind: _k, ...cmd } = v.expected;
      expect(toHex(encodeLd2450Command(cmd as Ld2450Command))).toBe(toHex(hex(v.hex)));
    });
  }
  for (const v of LD2450_ACK_VECTORS) {
    it(`ACK ${v.id} — ${v.source}`, () => {
      expect(decodeLd2450CommandFrame(hex(v.hex))).toEqual({ ok: true, value: v.expected });
      expect(toHex(encodeLd2450Ack(v.expected))).toBe(toHex(hex(v.hex)));
    });
  }
});

describe('LD2450 shares the LD2410 framing (notes §3.5)', () => {
  const shared = new Set(Object.keys(LD2450_COMMANDS));
  it('decodes every LD2410 trace of a shared word to the same value', () => {
    let n = 0;
    for (const v of [...LD2410_COMMAND_VECTORS, ...LD2410_ACK_VECTORS]) {
      if (!shared.has(v.expected.command)) continue;
      expect(decodeLd2450CommandFrame(hex(v.hex))).toEqual(decodeLd2410CommandFrame(hex(v.hex)));
      n++;
    }
    expect(n).toBeGreaterThanOrEqual(12);
  });

  it('refuses LD2410-only words and the LD2410 refuses LD2450-only words', () => {
    expect(decodeLd2450CommandFrame(hex('fd fc fb fa 02 00 61 00 04 03 02 01')).ok).toBe(false);
    expect(decodeLd2410CommandFrame(hex('fd fc fb fa 02 00 90 00 04 03 02 01')).ok).toBe(false);
  });
});

describe('LD2450 command codec rules', () => {
  it('round-trips every command and ACK kind', () => {
    fc.assert(fc.property(arbLd2450Command, (c) => {
      expect(decodeLd2450CommandFrame(encodeLd2450Command(c))).toEqual({ ok: true, value: { kind: 'command', ...c } });
    }), { numRuns: 500 });
    fc.assert(fc.property(arbLd2450Ack, (a) => {
      expect(decodeLd2450CommandFrame(encodeLd2450Ack(a))).toEqual({ ok: true, value: a });
    }), { numRuns: 500 });
  });

  it('zone coordinates are two\'s complement (not sign-magnitude like reports)', () => {
    const bytes = encodeLd2450Command({
      command: 'setZone',
      zoneType: 'filter',
      zones: [{ x1: -1, y1: 0, x2: 32767, y2: -32768 }, { x1: 0, y1: 0, x2: 0, y2: 0 }, { x1: 0, y1: 0, x2: 0, y2: 0 }],
    });
    expect(toHex(bytes.subarray(8, 18))).toBe('0200ffff0000ff7f0080');
  });

  it.each([
    ['tracking mode 3', 'fd fc fb fa 06 00 91 01 00 00 03 00 04 03 02 01'],
    ['zone type 3', `fd fc fb fa 1c 00 c2 00 03 00${' 00'.repeat(24)} 04 03 02 01`],
    ['short zone value', 'fd fc fb fa 04 00 c2 00 01 00 04 03 02 01'],
  ])('rejects %s', (_n, h) => {
    expect(decodeLd2450CommandFrame(hex(h)).ok).toBe(false);
  });
});
