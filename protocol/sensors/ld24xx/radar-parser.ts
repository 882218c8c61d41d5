/**
 * The streaming parser object both radars expose: a FrameScanner over their frame families plus
 * per-kind counters. Reports, ACKs and commands may interleave on one stream (notes §3.4 parser notes);
 * commands are decoded too so that an emulator can run the same parser on the host → radar direction.
 */
import { type Decoded, fail } from '../codec.js';
import { MAX_FRAME_LENGTH } from './frame.js';
import { type FrameFamily, FrameScanner, type ScannerStats, emptyScannerStats } from './scanner.js';

export type RadarFrameKind = 'report' | 'command' | 'ack';

export interface RadarParserStats extends ScannerStats {
  reports: number;
  acks: number;
  commands: number;
}

export interface RadarParser<F> {
  /** Returns every frame completed by this chunk, in stream order. Never throws on input bytes. */
  push(chunk: Uint8Array): F[];
  /** Live counters. */
  readonly stats: Readonly<RadarParserStats>;
  /**
   * Settles held-back bytes at the end of a finite input (a pasted hex dump, a capture file): returns the
   * frames still owed, counts the rest as skipped. The parser can be reused afterwards.
   */
  end(): F[];
  /** Bytes held back for an unfinished frame (bounded by two frames' worth). */
  readonly pendingBytes: number;
  /** Drops held-back bytes (e.g. after the port was reopened); counters are kept. */
  reset(): void;
}

export function createRadarParser<F extends { kind: RadarFrameKind }>(families: readonly FrameFamily<F>[]): RadarParser<F> {
  const scanner = new FrameScanner<F>(families, MAX_FRAME_LENGTH);
  const stats: RadarParserStats = { ...emptyScannerStats(), reports: 0, acks: 0, commands: 0 };
  const count = (frames: F[]): F[] => {
    for (const f of frames) {
      if (f.kind === 'report') stats.reports++;
      else if (f.kind === 'ack') stats.acks++;
      else stats.commands++;
    }
    Object.assign(stats, scanner.stats);
    return frames;
  };
  return {
    push: (chunk) => count(scanner.push(chunk)),
    end: () => count(scanner.end()),
    get stats() {
      return stats;
    },
    get pendingBytes() {
      return scanner.pendingBytes;
    },
    reset() {
      scanner.reset();
    },
  };
}

/** Decodes exactly one frame, of whichever family its header names, given as its own byte array. */
export function decodeOneFrame<F>(families: readonly FrameFamily<F>[], bytes: Uint8Array): Decoded<F> {
  for (const family of families) {
    const h = family.header;
    if (bytes.length < h.length || !h.every((b, i) => bytes[i] === b)) continue;
    const length = family.frameLength(bytes, 0, bytes.length);
    if (length === 0) return fail('frame too short', bytes.length);
    if (length < 0) return fail('impossible frame length', 4);
    if (length !== bytes.length) return fail(`frame length is ${length} bytes, got ${bytes.length}`, 4);
    return family.decode(bytes, 0, length);
  }
  return fail('no known frame header', 0);
}
