import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeTouchLine, encodeTouchLine } from './line.js';

// Lines as the sketches print them (format strings read from their sources, notes §4):
// Adafruit MPR121test.ino: Serial.print(i); Serial.println(" touched"); debug: "Filt: " + (value + "\t") × 12
// Bare Conductive DataStream.ino: "TOUCH: " + 13 values joined by " ", likewise TTHS/RTHS/FDAT/BVAL/DIFF
describe('Adafruit MPR121test lines (adafruit/Adafruit_MPR121 examples/MPR121test)', () => {
  it.each([
    ['3 touched', { kind: 'touch', channel: 3 }],
    ['11 released', { kind: 'release', channel: 11 }],
    ['0 touched', { kind: 'touch', channel: 0 }],
  ])('%s', (line, want) => {
    expect(decodeTouchLine(line)).toEqual({ ok: true, value: { ...want, format: 'adafruit-mpr121test', mcuMs: null } });
  });

  it('reads the Filt/Base debug lines (tab after every value)', () => {
    const filt = 'Filt: ' + [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((v) => `${v}\t`).join('');
    expect(decodeTouchLine(filt)).toEqual({
      ok: true,
      value: { kind: 'values', format: 'adafruit-mpr121test', mcuMs: null, series: { filtered: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] } },
    });
    expect(decodeTouchLine('Base: 1\t2\t').ok).toBe(false);
  });

  it.each(['12 touched', '3 touched!', '3  touched', 'MPR121 found!', '03 touched'])('does not accept %j', (line) => {
    expect(decodeTouchLine(line).ok).toBe(false);
  });
});

describe('Bare Conductive DataStream lines (BareConductive/mpr121 DataStream.ino)', () => {
  const thirteen = (v: (i: number) => number) => Array.from({ length: 13 }, (_, i) => v(i));
  it.each([
    ['TOUCH', 'touched', thirteen((i) => (i === 3 ? 1 : 0))],
    ['TTHS', 'touchThreshold', thirteen(() => 40)],
    ['RTHS', 'releaseThreshold', thirteen(() => 20)],
    ['FDAT', 'filtered', thirteen((i) => 600 + i)],
    ['BVAL', 'baseline', thirteen(() => 604)],
    ['DIFF', 'diff', thirteen((i) => 4 - i)],
  ])('%s → %s', (tag, series, values) => {
    const line = `${tag}: ${values.join(' ')}`;
    expect(decodeTouchLine(line)).toEqual({ ok: true, value: { kind: 'values', format: 'bare-datastream', mcuMs: null, series: { [series]: values } } });
    const r = decodeTouchLine(line);
    expect(r.ok && encodeTouchLine(r.value, 'bare-datastream')).toBe(line);
  });

  it.each([
    ['12 values', `FDAT: ${Array(12).fill(1).join(' ')}`],
    ['14 values', `FDAT: ${Array(14).fill(1).join(' ')}`],
    ['TOUCH value 2', `TOUCH: 2 ${Array(12).fill(0).join(' ')}`],
    ['negative filtered', `FDAT: -1 ${Array(12).fill(0).join(' ')}`],
    ['trailing space', `BVAL: ${Array(13).fill(1).join(' ')} `],
  ])('rejects %s as malformed', (_n, line) => {
    const r = decodeTouchLine(line);
    expect(!r.ok && r.reason).toBe('malformed');
  });

  it('round-trips Adafruit events and series through their own format', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 11 }), fc.boolean(), (channel, touch) => {
        const msg = { kind: touch ? ('touch' as const) : ('release' as const), format: 'adafruit-mpr121test' as const, channel, mcuMs: null };
        expect(decodeTouchLine(encodeTouchLine(msg, 'adafruit-mpr121test'))).toEqual({ ok: true, value: msg });
      }),
    );
  });

  it('can be restricted to some formats', () => {
    const r = decodeTouchLine('3 touched', { formats: ['tp1'] });
    expect(!r.ok && r.reason).toBe('unknown-format');
  });
});
