/**
 * The streaming-parser contract, run against both radars: frames split anywhere, garbage anywhere,
 * truncated and corrupted frames in between, and always exactly the valid frames out, in order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBytes, hex } from '../bytes.js';
import { MAX_FRAME_LENGTH } from '../ld24xx/frame.js';
import type { RadarParser } from '../ld24xx/radar-parser.js';

/** Soak runs: SENSOR_PROPERTY_RUNS=20000 npx vitest run protocol/sensors */
const RUNS = Number(process.env.SENSOR_PROPERTY_RUNS ?? 400);

export interface FrameSample<F> {
  bytes: Uint8Array;
  expected: F;
}

export interface StreamSuiteOptions<F> {
  create: () => RadarParser<F>;
  /** Published/derived vectors: hex + decoded value. */
  vectors: readonly { id: string; hex: string; expected: F }[];
  /** Generated valid frames (encode of an arbitrary value) with their decoding. */
  arbFrame: fc.Arbitrary<FrameSample<F>>;
}

/** Pushes the chunks, then end(); returns everything emitted. */
function run<F>(parser: RadarParser<F>, chunks: readonly Uint8Array[]): F[] {
  const out: F[] = [];
  for (const c of chunks) out.push(...parser.push(c));
  out.push(...parser.end());
  return out;
}

function splitAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => Math.min(c, bytes.length)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) {
    chunks.push(bytes.subarray(prev, p));
    prev = p;
  }
  chunks.push(bytes.subarray(prev));
  return chunks;
}

type Segment<F> = { kind: 'frame'; sample: FrameSample<F> } | { kind: 'garbage'; bytes: Uint8Array };

export function streamingParserSuite<F>(name: string, opts: StreamSuiteOptions<F>): void {
  const samples: FrameSample<F>[] = opts.vectors.map((v) => ({ bytes: hex(v.hex), expected: v.expected }));
  const all = concatBytes(...samples.map((s) => s.bytes));
  const expectedAll = samples.map((s) => s.expected);

  describe(`${name} streaming parser`, () => {
    it('decodes all vectors back to back, byte-exact accounting', () => {
      const p = opts.create();
      expect(run(p, [all])).toEqual(expectedAll);
      expect(p.stats.framesOk).toBe(samples.length);
      expect(p.stats.bytesSkipped).toBe(0);
      expect(p.stats.badFrames).toBe(0);
      expect(p.stats.bytesIn).toBe(all.length);
      expect(p.stats.reports + p.stats.acks + p.stats.commands).toBe(samples.length);
    });

    it('emits each frame with the push that completes it (no garbage)', () => {
      const p = opts.create();
      let offset = 0;
      for (const s of samples) {
        // everything but the last byte: nothing yet
        expect(p.push(s.bytes.subarray(0, -1))).toEqual([]);
        expect(p.push(s.bytes.subarray(-1))).toEqual([s.expected]);
        offset += s.bytes.length;
      }
      expect(p.stats.bytesIn).toBe(offset);
      expect(p.pendingBytes).toBe(0);
    });

    it('gives the same frames for every single split offset of the whole vector stream', () => {
      for (let k = 0; k <= all.length; k++) {
        expect(run(opts.create(), splitAt(all, [k]))).toEqual(expectedAll);
      }
    });

    it('gives the same frames for every pair of split offsets across three frames', () => {
      const three = concatBytes(...samples.slice(0, 3).map((s) => s.bytes));
      const want = samples.slice(0, 3).map((s) => s.expected);
      for (let i = 0; i <= three.length; i++) {
        for (let j = i; j <= three.length; j++) expect(run(opts.create(), splitAt(three, [i, j]))).toEqual(want);
      }
    });

    it('gives the same frames when fed one byte at a time', () => {
      const chunks = Array.from(all, (b) => Uint8Array.of(b));
      expect(run(opts.create(), chunks)).toEqual(expectedAll);
    });

    it('never loses a valid frame after any truncated prefix of any frame', () => {
      for (const t of samples) {
        for (let k = 1; k < t.bytes.length; k++) {
          for (const v of samples) {
            const p = opts.create();
            const got = run(p, [t.bytes.subarray(0, k), v.bytes]);
            expect(got).toEqual([v.expected]);
            expect(p.stats.bytesSkipped).toBe(k);
          }
        }
      }
    });

    it('resynchronises after a corrupted length field (impossible or merely wrong)', () => {
      // only the families with a LEN field (F4… reports, FD… command frames); the LD2450 report is fixed-size
      const withLen = samples.filter((s) => s.bytes[0] === 0xf4 || s.bytes[0] === 0xfd);
      expect(withLen.length).toBeGreaterThan(0);
      for (const t of withLen) {
        const len = t.bytes[4]! | (t.bytes[5]! << 8);
        for (const bad of [0xffff, 0x0100, MAX_FRAME_LENGTH, 0x0001, 0x0000, len + 1, len + 2, len - 1, len - 2]) {
          const b = Uint8Array.from(t.bytes);
          b[4] = bad & 0xff;
          b[5] = (bad >> 8) & 0xff;
          for (const v of samples.slice(0, 6)) {
            const p = opts.create();
            expect(run(p, [b, v.bytes])).toEqual([v.expected]);
            expect(p.stats.badFrames).toBeGreaterThan(0);
          }
        }
      }
    });

    it('keeps its buffer bounded on endless garbage and on an endless unfinished frame', () => {
      const p = opts.create();
      const noise = new Uint8Array(100_000);
      for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919 + 13) & 0x7f; // no header starts with a byte < 0x80
      p.push(noise);
      expect(p.pendingBytes).toBeLessThanOrEqual(3);
      // a header announcing the largest legal length, then only part of it
      const head = samples.find((s) => s.bytes.length > 6)!.bytes.subarray(0, 4);
      p.push(concatBytes(head, Uint8Array.of(64, 0), new Uint8Array(40)));
      expect(p.pendingBytes).toBeLessThanOrEqual(2 * MAX_FRAME_LENGTH);
      expect(p.stats.bytesIn).toBe(p.stats.bytesSkipped + p.pendingBytes);
    });

    const garbage: fc.Arbitrary<Uint8Array> = fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 40 }),
      // pieces of real frames: a cut-off frame, a bare header, a header with a random length
      fc.tuple(fc.constantFrom(...samples), fc.nat()).map(([s, n]) => s.bytes.subarray(0, 1 + (n % (s.bytes.length - 1)))),
      fc.tuple(fc.constantFrom(...samples), fc.uint8Array({ maxLength: 8 })).map(([s, tail]) => concatBytes(s.bytes.subarray(0, 4), tail)),
      opts.arbFrame.chain((s) => fc.nat({ max: s.bytes.length - 2 }).map((n) => s.bytes.subarray(0, n + 1))),
      // a complete frame with one byte changed after the header (may stay valid: then it is not garbage)
      fc.tuple(fc.constantFrom(...samples), fc.nat(), fc.integer({ min: 1, max: 255 })).map(([s, at, x]) => {
        const b = Uint8Array.from(s.bytes);
        const i = 4 + (at % (b.length - 4));
        b[i] = b[i]! ^ x;
        return b;
      }),
    );
    const segment: fc.Arbitrary<Segment<F>> = fc.oneof(
      fc.constantFrom(...samples).map((sample) => ({ kind: 'frame' as const, sample })),
      opts.arbFrame.map((sample) => ({ kind: 'frame' as const, sample })),
      garbage.map((bytes) => ({ kind: 'garbage' as const, bytes })),
    );

    it('property: output is exactly the valid frames inserted, whatever the garbage and the chunking', () => {
      fc.assert(
        fc.property(fc.array(segment, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 8 }), (segments, cuts) => {
          // a mutated frame that is still a valid frame is a frame, not garbage: decode it alone to know
          const expected: F[] = [];
          for (const seg of segments) {
            if (seg.kind === 'frame') expected.push(seg.sample.expected);
            else {
              const alone = run(opts.create(), [seg.bytes]);
              expected.push(...alone);
            }
          }
          const stream = concatBytes(...segments.map((s) => (s.kind === 'frame' ? s.sample.bytes : s.bytes)));
          const p = opts.create();
          const got = run(p, splitAt(stream, cuts.map((c) => c % (stream.length + 1))));
          expect(got).toEqual(expected);
          expect(p.stats.framesOk).toBe(expected.length);
          expect(p.pendingBytes).toBe(0);
        }),
        { numRuns: RUNS },
      );
    });

    it('property: never throws, counts every byte, keeps the buffer bounded on random input', () => {
      fc.assert(
        fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 20 }), (chunks) => {
          const p = opts.create();
          let total = 0;
          for (const c of chunks) {
            p.push(c);
            total += c.length;
            expect(p.pendingBytes).toBeLessThanOrEqual(2 * MAX_FRAME_LENGTH);
          }
          p.end();
          expect(p.stats.bytesIn).toBe(total);
          expect(p.pendingBytes).toBe(0);
        }),
        { numRuns: 300 },
      );
    });
  });
}
