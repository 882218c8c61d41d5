/**
 * Parser throughput measurement. Pure: the clock is passed in (the bench script hands it
 * performance.now), so tests can drive it with a fake clock.
 */
import { concatBytes, hex } from './bytes.js';
import { createLd2410Parser } from './ld2410/parser.js';
import { LD2410_ACK_VECTORS, LD2410_REPORT_VECTORS } from './ld2410/vectors.js';

/** Bytes per second a UART carries: 8N1 costs 10 bit times per byte (start + 8 data + stop). */
export function uartBytesPerSecond(baud: number, bitsPerByte = 10): number {
  return baud / bitsPerByte;
}

/** LD2410 default link: 256000 baud 8N1 (notes §3.1) → 25 600 bytes/s. */
export const LD2410_UART_BYTES_PER_SECOND = uartBytesPerSecond(256000);

export interface ThroughputResult {
  bytes: number;
  frames: number;
  seconds: number;
  bytesPerSecond: number;
  /** bytesPerSecond / the UART's capacity: how many saturated links one core could keep up with. */
  ratioToUart: number;
}

export interface ThroughputOptions {
  createParser: () => { push(chunk: Uint8Array): readonly unknown[] };
  input: Uint8Array;
  chunkSize: number;
  /** Milliseconds, monotonic. */
  now: () => number;
  /** Keep feeding the input again until at least this much time has passed. */
  minDurationMs: number;
  uartBytesPerSecond: number;
}

export function measureParserThroughput(o: ThroughputOptions): ThroughputResult {
  if (o.chunkSize < 1 || o.input.length === 0) throw new RangeError('need a non-empty input and chunkSize ≥ 1');
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < o.input.length; i += o.chunkSize) chunks.push(o.input.subarray(i, i + o.chunkSize));
  const parser = o.createParser();
  let bytes = 0;
  let frames = 0;
  const start = o.now();
  let elapsed = 0;
  do {
    for (const c of chunks) frames += parser.push(c).length;
    bytes += o.input.length;
    elapsed = o.now() - start;
  } while (elapsed < o.minDurationMs);
  const seconds = elapsed / 1000;
  const bytesPerSecond = seconds > 0 ? bytes / seconds : Number.POSITIVE_INFINITY;
  return { bytes, frames, seconds, bytesPerSecond, ratioToUart: bytesPerSecond / o.uartBytesPerSecond };
}

/**
 * A deterministic LD2410 capture: mostly engineering and basic reports (what a radar streams), an ACK now
 * and then, and about 5 % line noise, so resynchronisation is part of the cost.
 */
export function ld2410BenchStream(targetBytes = 64 * 1024): Uint8Array {
  const frames = [...LD2410_REPORT_VECTORS.map((v) => hex(v.hex)), hex(LD2410_ACK_VECTORS[0]!.hex)];
  const parts: Uint8Array[] = [];
  let n = 0;
  let seed = 0x2410;
  const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 16;
  while (n < targetBytes) {
    const f = frames[rand() % frames.length]!;
    parts.push(f);
    n += f.length;
    if (rand() % 10 === 0) {
      const noise = Uint8Array.from({ length: 1 + (rand() % 16) }, () => rand() & 0xff);
      parts.push(noise);
      n += noise.length;
    }
  }
  return concatBytes(...parts);
}

export function measureLd2410Throughput(opts: { now: () => number; chunkSize?: number; minDurationMs?: number; input?: Uint8Array }): ThroughputResult {
  return measureParserThroughput({
    createParser: createLd2410Parser,
    input: opts.input ?? ld2410BenchStream(),
    chunkSize: opts.chunkSize ?? 64,
    now: opts.now,
    minDurationMs: opts.minDurationMs ?? 1000,
    uartBytesPerSecond: LD2410_UART_BYTES_PER_SECOND,
  });
}
