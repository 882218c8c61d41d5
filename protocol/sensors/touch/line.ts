/** One text line from a touch board → typed message or typed error, whichever format it is in. */
import { decodeAdafruit, decodeBare, encodeAdafruit, encodeBare } from './foreign.js';
import { TP_MAX_LINE, decodeTp1, encodeTp1, looksLikeTp } from './tp1.js';
import { TOUCH_FORMATS, type TouchFormat, type TouchLineResult, type TouchMessage, lineError } from './types.js';

export interface DecodeTouchLineOptions {
  /** Formats to accept (default: all). A line of another format is 'unknown-format'. */
  formats?: readonly TouchFormat[];
  maxLineLength?: number;
}

/** Printable ASCII plus TAB (Adafruit's debug lines separate values with tabs). */
const PRINTABLE = /^[\t\x20-\x7e]*$/;

/**
 * Never throws. A line that starts like TP ("TP" + digit) is judged only as TP: a CRC failure is reported
 * as such, never reinterpreted as another format. A trailing CR/LF is ignored.
 */
export function decodeTouchLine(input: string, options: DecodeTouchLineOptions = {}): TouchLineResult {
  const formats = options.formats ?? TOUCH_FORMATS;
  const max = options.maxLineLength ?? TP_MAX_LINE;
  const line = input.replace(/\r?\n$|\r$/, '');
  if (line.length === 0) return lineError('empty', 'empty line');
  if (line.length > max) return lineError('too-long', `line longer than ${max} characters`, max);
  if (!PRINTABLE.test(line)) {
    const at = line.search(/[^\t\x20-\x7e]/);
    return lineError('non-ascii', `byte 0x${line.charCodeAt(at).toString(16).padStart(2, '0')} is not printable ASCII`, at);
  }
  if (looksLikeTp(line)) return formats.includes('tp1') ? decodeTp1(line) : lineError('unknown-format', 'TP1 not accepted here');
  if (formats.includes('bare-datastream')) {
    const r = decodeBare(line);
    if (r) return r;
  }
  if (formats.includes('adafruit-mpr121test')) {
    const r = decodeAdafruit(line);
    if (r) return r;
  }
  return lineError('unknown-format', 'not a TP1, Bare Conductive DataStream or Adafruit MPR121test line');
}

/** The line for a message in the given format (default TP1), without terminator. Throws RangeError if the format cannot carry it. */
export function encodeTouchLine(msg: TouchMessage, format: TouchFormat = 'tp1'): string {
  switch (format) {
    case 'tp1':
      return encodeTp1(msg);
    case 'adafruit-mpr121test':
      return encodeAdafruit(msg);
    case 'bare-datastream':
      return encodeBare(msg);
  }
}
