/**
 * LD2410 stream parser throughput on one core, side by side with the line rate of the radar's
 * 256000-baud UART (the baseline: what one saturated link delivers).
 *   node --import tsx scripts/bench-sensors.ts [seconds]
 */
import { performance } from 'node:perf_hooks';
import { LD2410_UART_BYTES_PER_SECOND, ld2410BenchStream, measureLd2410Throughput } from '../protocol/sensors/throughput.js';
import { fmt } from './bench-harness.js';

export function runSensorsBench(seconds = 1.5): void {
  const input = ld2410BenchStream(256 * 1024);
  console.log(`\nLD2410 stream parser, ${input.length} B capture (reports + ACKs + ~5 % noise), one core`);
  console.log(`  ${'UART 256000 baud 8N1 line rate (baseline)'.padEnd(52)} ${fmt(LD2410_UART_BYTES_PER_SECOND).padStart(10)} B/s  baseline`);
  for (const chunkSize of [1, 64, 4096]) {
    measureLd2410Throughput({ now: () => performance.now(), input, chunkSize, minDurationMs: 200 }); // warm-up
    const r = measureLd2410Throughput({ now: () => performance.now(), input, chunkSize, minDurationMs: seconds * 1000 });
    const name = `parser, chunks of ${chunkSize} B (${fmt(r.frames / r.seconds)} frames/s)`;
    console.log(`  ${name.padEnd(52)} ${fmt(r.bytesPerSecond).padStart(10)} B/s  ×${r.ratioToUart.toFixed(0)}`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) runSensorsBench(Number(process.argv[2] ?? 2));
