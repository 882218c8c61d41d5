/**
 * Import formats (notes §4): what common MPR121 sketches already print, normalized to TouchMessage.
 *  - Adafruit examples/MPR121test/MPR121test.ino (adafruit/Adafruit_MPR121): `<i> touched` / `<i> released`
 *    for electrodes 0–11, and the optional debug lines `Filt: v0\tv1\t…\tv11\t` / `Base: …`.
 *  - Bare Conductive MPR121/Examples/DataStream/DataStream.ino (BareConductive/mpr121 @ 2cd77a21): a block
 *    of six lines, each a tag and 13 space-separated decimals (electrodes 0–11 + proximity):
 *    TOUCH (0/1), TTHS, RTHS (thresholds), FDAT (filtered), BVAL (baseline), DIFF (baseline − filtered).
 * Neither has a clock or a checksum: events carry mcuMs null, and a mangled line can only be caught by
 * its shape (value count, ranges).
 */
import { type TouchLineResult, type TouchMessage, type TouchSeriesName, lineError } from './types.js';

const ADAFRUIT_EVENT = /^([0-9]|1[01]) (touched|released)$/;
const ADAFRUIT_SERIES = /^(Filt|Base): ?(.*)$/;
const BARE = /^(TOUCH|TTHS|RTHS|FDAT|BVAL|DIFF): (.*)$/;
const UNSIGNED = /^(0|[1-9][0-9]{0,4})$/;
const SIGNED = /^(0|-?[1-9][0-9]{0,4})$/;

const ADAFRUIT_CHANNELS = 12;
const BARE_CHANNELS = 13;

const ADAFRUIT_TAGS: Record<string, TouchSeriesName> = { Filt: 'filtered', Base: 'baseline' };
const BARE_TAGS: Record<string, TouchSeriesName> = {
  TOUCH: 'touched',
  TTHS: 'touchThreshold',
  RTHS: 'releaseThreshold',
  FDAT: 'filtered',
  BVAL: 'baseline',
  DIFF: 'diff',
};

function numbers(tokens: readonly string[], pattern: RegExp): number[] | null {
  return tokens.every((t) => pattern.test(t)) ? tokens.map(Number) : null;
}

export function decodeAdafruit(line: string): TouchLineResult | null {
  const e = ADAFRUIT_EVENT.exec(line);
  if (e) return { ok: true, value: { kind: e[2] === 'touched' ? 'touch' : 'release', format: 'adafruit-mpr121test', channel: Number(e[1]), mcuMs: null } };
  const s = ADAFRUIT_SERIES.exec(line);
  if (!s) return null;
  // the sketch prints a tab after every value, the last one included
  const tokens = s[2]!.split(/[\t ]+/).filter((t) => t !== '');
  const values = numbers(tokens, UNSIGNED);
  if (values === null || values.length !== ADAFRUIT_CHANNELS) return lineError('malformed', `${s[1]}: needs ${ADAFRUIT_CHANNELS} unsigned values`, s[1]!.length + 1);
  return { ok: true, value: { kind: 'values', format: 'adafruit-mpr121test', mcuMs: null, series: { [ADAFRUIT_TAGS[s[1]!]!]: values } } };
}

export function decodeBare(line: string): TouchLineResult | null {
  const m = BARE.exec(line);
  if (!m) return null;
  const name = BARE_TAGS[m[1]!]!;
  const values = numbers(m[2]!.split(' '), name === 'diff' ? SIGNED : UNSIGNED);
  if (values === null || values.length !== BARE_CHANNELS) return lineError('malformed', `${m[1]}: needs ${BARE_CHANNELS} space-separated values`, m[1]!.length + 2);
  if (name === 'touched' && values.some((v) => v > 1)) return lineError('malformed', 'TOUCH values are 0 or 1', m[1]!.length + 2);
  return { ok: true, value: { kind: 'values', format: 'bare-datastream', mcuMs: null, series: { [name]: values } } };
}

function need(cond: boolean, what: string): void {
  if (!cond) throw new RangeError(`cannot encode: ${what}`);
}

function onlySeries(msg: TouchMessage): [TouchSeriesName, number[]] {
  need(msg.kind === 'values', 'only events and single-series values exist in this format');
  const entries = Object.entries((msg as { series: Record<string, number[]> }).series);
  need(entries.length === 1, 'one series per line');
  return entries[0] as [TouchSeriesName, number[]];
}

/** The line MPR121test.ino would print (no terminator). For emulators of legacy boards. */
export function encodeAdafruit(msg: TouchMessage): string {
  if (msg.kind === 'touch' || msg.kind === 'release') {
    need(Number.isInteger(msg.channel) && msg.channel >= 0 && msg.channel < ADAFRUIT_CHANNELS, 'channel 0..11');
    return `${msg.channel} ${msg.kind === 'touch' ? 'touched' : 'released'}`;
  }
  const [name, values] = onlySeries(msg);
  const tag = Object.keys(ADAFRUIT_TAGS).find((k) => ADAFRUIT_TAGS[k] === name);
  need(tag !== undefined && values.length === ADAFRUIT_CHANNELS && values.every((v) => UNSIGNED.test(String(v))), 'Filt/Base with 12 values');
  return `${tag}: ${values.map((v) => `${v}\t`).join('')}`;
}

/** The line DataStream.ino would print (no terminator). */
export function encodeBare(msg: TouchMessage): string {
  const [name, values] = onlySeries(msg);
  const tag = Object.keys(BARE_TAGS).find((k) => BARE_TAGS[k] === name)!;
  const pattern = name === 'diff' ? SIGNED : UNSIGNED;
  need(values.length === BARE_CHANNELS && values.every((v) => pattern.test(String(v))), `${tag} with 13 values`);
  need(name !== 'touched' || values.every((v) => v <= 1), 'TOUCH values 0/1');
  return `${tag}: ${values.join(' ')}`;
}
