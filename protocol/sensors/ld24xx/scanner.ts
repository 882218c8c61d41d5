/**
 * A streaming frame scanner for header-delimited binary protocols (LD2410 reports + command/ACK
 * frames, LD2450 reports + command/ACK frames). Fed arbitrary chunks, it returns the frames found and
 * counts what it had to throw away. It never throws on input bytes.
 *
 * Rules (notes §3.4 "Parser notes": resynchronise on a 4-byte header, then trust LEN, validate markers
 * and footer):
 *  1. Find the next header of any frame family; bytes before it are skipped and counted.
 *  2. Read the frame length; an impossible length (larger than any valid frame) is rejected at once.
 *  3. A candidate that fails validation is rejected and scanning resumes at its header + 1, never after
 *     the bad frame: a valid frame may begin inside the bytes the bad one claimed.
 *  4. The frames carry no checksum, so a cut-off frame (header + LEN, then bytes lost) followed by a
 *     complete frame can pass every check as one longer frame, swallowing all or the start of the real
 *     one. A candidate is therefore accepted only if no header inside its span starts a valid frame; if
 *     such an inner frame has not fully arrived yet, the decision waits for it (at most one more frame).
 *     Real payloads practically never hold a header followed by a valid frame (energies are 0–100,
 *     coordinates stay within metres), while lost bytes on a UART are routine. An unfinished candidate is
 *     likewise given up as soon as a valid frame is complete inside its span.
 *  5. Only one unfinished candidate (bounded by the maximum frame length plus one more frame) or a partial
 *     header is kept between pushes, so memory stays bounded whatever the input.
 *  6. end() settles what is held back for a finite input (a pasted hex string, a capture file): frames
 *     still waiting for an inner candidate are emitted, unfinished candidates are skipped.
 */
import type { Decoded } from '../codec.js';

export interface FrameFamily<F> {
  /** The bytes every frame of this family starts with (4 bytes for every LD24xx frame). */
  readonly header: Uint8Array;
  /** Total frame length announced at `start`: 0 when more bytes are needed to know it, -1 when impossible. */
  frameLength(buf: Uint8Array, start: number, end: number): number;
  /** Validates and decodes one complete frame occupying buf[start, start+length). */
  decode(buf: Uint8Array, start: number, length: number): Decoded<F>;
}

export interface ScannerStats {
  /** Bytes received by push(). */
  bytesIn: number;
  /** Bytes that ended up in no frame (garbage, rejected candidates). */
  bytesSkipped: number;
  framesOk: number;
  /** Candidates that were rejected, for any of the reasons below. */
  badFrames: number;
  /** …because LEN was impossible (corrupted length field). */
  badLengths: number;
  /** …because a complete valid frame started inside them (they were cut off), or the input ended first. */
  truncatedFrames: number;
  /** …because a marker, the footer or a field failed validation. */
  invalidFrames: number;
  /** Reason of the most recent rejection, for diagnostics. */
  lastError: string | null;
}

export function emptyScannerStats(): ScannerStats {
  return { bytesIn: 0, bytesSkipped: 0, framesOk: 0, badFrames: 0, badLengths: 0, truncatedFrames: 0, invalidFrames: 0, lastError: null };
}

export class FrameScanner<F> {
  readonly stats: ScannerStats = emptyScannerStats();
  private pending: Uint8Array = new Uint8Array(0);
  /** first header byte → families starting with it */
  private readonly byFirstByte: (FrameFamily<F>[] | undefined)[] = new Array(256);

  constructor(
    private readonly families: readonly FrameFamily<F>[],
    private readonly maxFrameLength: number,
  ) {
    for (const f of families) {
      if (f.header.length < 1) throw new RangeError('frame header must not be empty');
      (this.byFirstByte[f.header[0]!] ??= []).push(f);
    }
  }

  /** Bytes held back waiting for the rest of a frame (or of a header). */
  get pendingBytes(): number {
    return this.pending.length;
  }

  reset(): void {
    this.pending = new Uint8Array(0);
  }

  push(chunk: Uint8Array): F[] {
    this.stats.bytesIn += chunk.length;
    let buf: Uint8Array;
    if (this.pending.length === 0) buf = chunk;
    else {
      buf = new Uint8Array(this.pending.length + chunk.length);
      buf.set(this.pending, 0);
      buf.set(chunk, this.pending.length);
    }
    return this.scan(buf, false);
  }

  /** Settles the held-back bytes at the end of a finite input (rule 6). The scanner is empty afterwards. */
  end(): F[] {
    const buf = this.pending;
    this.pending = new Uint8Array(0);
    return this.scan(buf, true);
  }

  private scan(buf: Uint8Array, final: boolean): F[] {
    const s = this.stats;
    const end = buf.length;
    const out: F[] = [];
    let pos = 0;
    const hold = (from: number) => {
      this.pending = buf.slice(from);
    };
    for (;;) {
      const found = this.findHeader(buf, pos, end);
      if (found === null) {
        const keep = final ? 0 : this.partialHeaderLength(buf, pos, end);
        s.bytesSkipped += end - keep - pos;
        hold(end - keep);
        break;
      }
      const [at, family] = found;
      s.bytesSkipped += at - pos;
      pos = at;
      const length = family.frameLength(buf, pos, end);
      if (length === 0 || (length > 0 && length <= this.maxFrameLength && pos + length > end)) {
        // unfinished candidate: give it up if a valid frame is already complete inside it, else wait
        if (final || this.innerFrame(buf, pos + 1, end, end) === 'valid') {
          this.reject(final ? 'frame cut off at end of input' : 'frame cut off by the next frame');
          s.truncatedFrames++;
          pos++;
          continue;
        }
        hold(pos);
        break;
      }
      if (length < 0 || length > this.maxFrameLength) {
        this.reject('impossible frame length');
        s.badLengths++;
        pos++;
        continue;
      }
      const r = family.decode(buf, pos, length);
      if (!r.ok) {
        this.reject(r.reason);
        s.invalidFrames++;
        pos++;
        continue;
      }
      const inner = this.innerFrame(buf, pos + 1, pos + length, end);
      if (inner === 'valid') {
        this.reject('frame cut off by the next frame');
        s.truncatedFrames++;
        pos++;
        continue;
      }
      if (inner === 'undecided' && !final) {
        hold(pos);
        break;
      }
      out.push(r.value);
      s.framesOk++;
      pos += length;
    }
    if (final) this.pending = new Uint8Array(0);
    return out;
  }

  /** The candidate's first byte is given up; scanning resumes right after it. */
  private reject(reason: string): void {
    this.stats.badFrames++;
    this.stats.bytesSkipped++;
    this.stats.lastError = reason;
  }

  private matchAt(buf: Uint8Array, i: number, end: number): FrameFamily<F> | null {
    const candidates = this.byFirstByte[buf[i]!];
    if (candidates === undefined) return null;
    for (const f of candidates) {
      const h = f.header;
      if (i + h.length > end) continue;
      let k = 1;
      while (k < h.length && buf[i + k] === h[k]) k++;
      if (k === h.length) return f;
    }
    return null;
  }

  private findHeader(buf: Uint8Array, from: number, end: number): [number, FrameFamily<F>] | null {
    for (let i = from; i < end; i++) {
      if (this.byFirstByte[buf[i]!] === undefined) continue;
      const f = this.matchAt(buf, i, end);
      if (f !== null) return [i, f];
    }
    return null;
  }

  /** Length of the longest suffix of buf[from, end) that is a proper prefix of some header. */
  private partialHeaderLength(buf: Uint8Array, from: number, end: number): number {
    let best = 0;
    for (const f of this.families) {
      const h = f.header;
      for (let k = Math.min(h.length - 1, end - from); k > best; k--) {
        let match = true;
        for (let j = 0; j < k && match; j++) match = buf[end - k + j] === h[j];
        if (match) {
          best = k;
          break;
        }
      }
    }
    return best;
  }

  /**
   * Looks for a header in [from, to) that starts a valid frame within the `end` bytes available:
   * 'valid' if one is found, 'undecided' if a candidate there has not fully arrived, else 'none'.
   */
  private innerFrame(buf: Uint8Array, from: number, to: number, end: number): 'valid' | 'undecided' | 'none' {
    let verdict: 'undecided' | 'none' = 'none';
    for (let i = from; i < to; i++) {
      if (this.byFirstByte[buf[i]!] === undefined) continue;
      const f = this.matchAt(buf, i, end);
      if (f === null) {
        if (this.isHeaderPrefix(buf, i, end)) verdict = 'undecided';
        continue;
      }
      const length = f.frameLength(buf, i, end);
      if (length < 0 || length > this.maxFrameLength) continue;
      if (length === 0 || i + length > end) {
        verdict = 'undecided';
        continue;
      }
      if (f.decode(buf, i, length).ok) return 'valid';
    }
    return verdict;
  }

  /** True when buf[i, end) is a proper prefix of some header (the rest has not arrived). */
  private isHeaderPrefix(buf: Uint8Array, i: number, end: number): boolean {
    const n = end - i;
    return this.families.some((f) => n < f.header.length && f.header.subarray(0, n).every((b, k) => buf[i + k] === b));
  }
}
