/**
 * A small benchmark harness: warm up, then run the body in batches until a time budget is spent,
 * and report operations per second on this one thread. Figures are printed, never asserted.
 */
import os from 'node:os';

export interface BenchResult {
  name: string;
  opsPerSec: number;
  ops: number;
  ms: number;
}

export function bench(name: string, body: (i: number) => void, budgetMs = 1500, batch = 1000): BenchResult {
  for (let i = 0; i < batch * 5; i++) body(i); // let the JIT settle
  let ops = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < budgetMs) {
    for (let i = 0; i < batch; i++) body(ops + i);
    ops += batch;
    elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  }
  return { name, opsPerSec: (ops / elapsed) * 1000, ops, ms: elapsed };
}

export function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${cpu}, ${os.cpus().length} cores, Node ${process.version}, ${os.platform()} ${os.arch()}`;
}

export function fmt(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(1);
}

/** Prints rows side by side with the ratio of each to the first (the baseline). */
export function table(title: string, rows: BenchResult[], unit = 'ops/s'): void {
  console.log(`\n${title}`);
  const base = rows[0]!;
  for (const r of rows) {
    const ratio = r === base ? 'baseline' : `×${(r.opsPerSec / base.opsPerSec).toFixed(2)}`;
    console.log(`  ${r.name.padEnd(52)} ${fmt(r.opsPerSec).padStart(10)} ${unit}  ${ratio}`);
  }
}
