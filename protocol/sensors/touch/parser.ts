/**
 * Bytes from the touch board's serial port → lines → typed messages. Lines end in CR, LF or CR LF; a
 * line longer than the limit is dropped up to its terminator (a bridge never sends one, so it is noise
 * or a wrong baud rate); lines failing their CRC or their shape are counted and dropped, never misread.
 */
import { decodeTouchLine } from './line.js';
import { TP_MAX_LINE } from './tp1.js';
import type { TouchFormat, TouchLineErrorReason, TouchMessage } from './types.js';

const CR = 0x0d;
const LF = 0x0a;

export interface LineSplitter {
  /** Complete lines (latin1, terminator removed, empty lines skipped). */
  push(chunk: Uint8Array): string[];
  /** The unterminated rest, as a last line, if any. */
  end(): string[];
  readonly overlongLines: number;
  readonly pendingBytes: number;
}

export function createLineSplitter(maxLineLength = TP_MAX_LINE): LineSplitter {
  const buf = new Uint8Array(maxLineLength);
  let len = 0;
  let discarding = false;
  let overlong = 0;
  const take = (): string => {
    let s = '';
    for (let i = 0; i < len; i++) s += String.fromCharCode(buf[i]!);
    len = 0;
    return s;
  };
  return {
    push(chunk) {
      const lines: string[] = [];
      for (const b of chunk) {
        if (b === CR || b === LF) {
          if (discarding) discarding = false;
          else if (len > 0) lines.push(take());
          continue;
        }
        if (discarding) continue;
        if (len === maxLineLength) {
          overlong++;
          discarding = true;
          len = 0;
          continue;
        }
        buf[len++] = b;
      }
      return lines;
    },
    end() {
      discarding = false;
      return len > 0 ? [take()] : [];
    },
    get overlongLines() {
      return overlong;
    },
    get pendingBytes() {
      return len;
    },
  };
}

export interface TouchParserStats {
  bytesIn: number;
  /** Non-empty lines seen, including dropped ones. */
  lines: number;
  messages: number;
  /** TP lines whose CRC was wrong or missing: noise detected and dropped. */
  crcFailures: number;
  /** Lines of no accepted format or of a broken shape, and non-ASCII lines. */
  garbageLines: number;
  overlongLines: number;
  rejected: Record<TouchLineErrorReason, number>;
}

export interface TouchParser {
  push(chunk: Uint8Array): TouchMessage[];
  /** Decodes an unterminated last line (end of a capture file). */
  end(): TouchMessage[];
  readonly stats: Readonly<TouchParserStats>;
}

export interface TouchParserOptions {
  formats?: readonly TouchFormat[];
  maxLineLength?: number;
}

export function createTouchParser(options: TouchParserOptions = {}): TouchParser {
  const maxLineLength = options.maxLineLength ?? TP_MAX_LINE;
  const splitter = createLineSplitter(maxLineLength);
  const rejected: Record<TouchLineErrorReason, number> = {
    empty: 0, 'too-long': 0, 'non-ascii': 0, 'missing-crc': 0, 'bad-crc': 0, 'unsupported-version': 0, malformed: 0, 'unknown-format': 0,
  };
  const stats: TouchParserStats = { bytesIn: 0, lines: 0, messages: 0, crcFailures: 0, garbageLines: 0, overlongLines: 0, rejected };
  const decode = (lines: string[]): TouchMessage[] => {
    const out: TouchMessage[] = [];
    for (const line of lines) {
      stats.lines++;
      const r = decodeTouchLine(line, { formats: options.formats, maxLineLength });
      if (r.ok) {
        out.push(r.value);
        stats.messages++;
        continue;
      }
      rejected[r.reason]++;
      if (r.reason === 'bad-crc' || r.reason === 'missing-crc') stats.crcFailures++;
      else stats.garbageLines++;
    }
    stats.overlongLines = splitter.overlongLines;
    return out;
  };
  return {
    push(chunk) {
      stats.bytesIn += chunk.length;
      return decode(splitter.push(chunk));
    },
    end: () => decode(splitter.end()),
    get stats() {
      return stats;
    },
  };
}
