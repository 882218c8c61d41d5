import { describe, expect, it } from 'vitest';
import { createLd2410Parser } from './ld2410/parser.js';
import { LD2410_UART_BYTES_PER_SECOND, ld2410BenchStream, measureLd2410Throughput, measureParserThroughput, uartBytesPerSecond } from './throughput.js';

describe('throughput measurement', () => {
  it('a 256000-baud 8N1 UART carries 25 600 bytes/s', () => {
    expect(LD2410_UART_BYTES_PER_SECOND).toBe(25_600);
    expect(uartBytesPerSecond(115200)).toBe(11_520);
  });

  it('computes bytes/s and the UART ratio from the injected clock', () => {
    let t = 0;
    const now = () => (t += 250); // every call advances 250 ms
    const input = new Uint8Array(1000);
    const r = measureParserThroughput({ createParser: () => ({ push: () => [] }), input, chunkSize: 100, now, minDurationMs: 1000, uartBytesPerSecond: 500 });
    // start at 250; after pass k the clock reads 250 + 250k → four passes reach 1000 ms elapsed
    expect(r).toEqual({ bytes: 4000, frames: 0, seconds: 1, bytesPerSecond: 4000, ratioToUart: 8 });
  });

  it('the bench stream is deterministic and every frame in it is found', () => {
    const a = ld2410BenchStream(4096);
    expect(a).toEqual(ld2410BenchStream(4096));
    const p = createLd2410Parser();
    const frames = [...p.push(a), ...p.end()];
    expect(frames.length).toBeGreaterThan(100);
    expect(p.stats.bytesSkipped).toBeGreaterThan(0); // the noise is there and is skipped
  });

  it('measures the real parser (counts frames, finite positive rate)', () => {
    let t = 0;
    const r = measureLd2410Throughput({ now: () => (t += 1), minDurationMs: 3, input: ld2410BenchStream(2048) });
    expect(r.frames).toBeGreaterThan(0);
    expect(r.bytesPerSecond).toBeGreaterThan(0);
    expect(Number.isFinite(r.ratioToUart)).toBe(true);
  });
});
