/**
 * Runs one fuzz target over `inputs` generated inputs and measures what the report needs: throws
 * (must be 0), oracle failures, the slowest input (hang detection; a real hang is caught by the
 * watchdog in scripts/fuzz.ts), heap growth after a forced GC, and the stream recovery checks.
 *
 * Input `i` of a run depends only on (seed, i): a finding is replayed with
 * `node --import tsx scripts/fuzz.ts --target <name> --seed <seed> --repro <i>`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { toHex } from '../../protocol/bytes.js';
import { mutate, randomOps, Rng } from './mutate.js';
import { createTarget, type FuzzTarget, type StreamStats, type TargetName } from './targets.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const readRepoFile = (path: string) => readFileSync(ROOT + path, 'utf8');

export interface Finding {
  index: number;
  kind: 'throw' | 'oracle';
  message: string;
  /** The input, hex (first 4 KiB). */
  inputHex: string;
}

/** An inconsistency worth a look that is not a goal failure; counted per message. */
export interface Note {
  message: string;
  count: number;
  firstIndex: number;
  inputHex: string;
}

export interface TargetReport {
  target: string;
  parser: string;
  seed: number;
  inputs: number;
  throws: number;
  oracleFailures: number;
  findings: Finding[];
  /** Slowest single input, µs, and its index. */
  maxUs: number;
  maxIndex: number;
  meanUs: number;
  /** Bytes fed in total. */
  bytes: number;
  /** Used heap after a forced GC, MiB: after warm-up and at the end. */
  heapStartMiB: number;
  heapEndMiB: number;
  heapGrowthMiB: number;
  stream?: StreamStats;
  notes: Note[];
  /** process.emitWarning calls made by the parser (the yaml library warns on unknown tags), suppressed during the run. */
  processWarnings: number;
  ms: number;
}

/** 1 in 64 inputs is plain random bytes: the structure-blind baseline. */
const RANDOM_EVERY = 64;
const WARMUP = 2000;
const MAX_FINDINGS = 5;

/** Input number `index` of a run with `seed` on `target`. */
export function inputFor(target: FuzzTarget, seed: number, index: number): { input: Uint8Array; rng: Rng } {
  const rng = new Rng(seed, index);
  const seeds = target.seeds;
  if (rng.below(RANDOM_EVERY) === 0) {
    const bytes = new Uint8Array(rng.below(257));
    for (let i = 0; i < bytes.length; i++) bytes[i] = rng.u32() & 0xff;
    return { input: bytes, rng };
  }
  const base = seeds[rng.below(seeds.length)]!;
  const ops = randomOps(rng);
  const fix = rng.below(2) === 0;
  return { input: mutate(base, ops, { ...target.context, seeds }, fix), rng };
}

/** A GC function when the isolate allows one (v8 flag set at runtime), else a no-op. */
export function exposeGc(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  try {
    // The flag only takes effect for contexts created after it is set, hence the new context.
    v8.setFlagsFromString('--expose-gc');
    return vm.runInNewContext('gc') as () => void;
  } catch {
    return () => {};
  }
}

const heapMiB = () => v8.getHeapStatistics().used_heap_size / 2 ** 20;

export interface RunOptions {
  inputs: number;
  seed: number;
  /** First input index (for --repro and resumed runs). */
  from?: number;
  gc?: () => void;
  /** Called before each input with its index (the watchdog's heartbeat). */
  onInput?: (index: number) => void;
}

export function runTarget(name: TargetName, o: RunOptions): TargetReport {
  const target = createTarget(name, readRepoFile);
  const gc = o.gc ?? (() => {});
  const from = o.from ?? 0;
  const report: TargetReport = {
    target: target.name,
    parser: target.parser,
    seed: o.seed,
    inputs: 0,
    throws: 0,
    oracleFailures: 0,
    findings: [],
    maxUs: 0,
    maxIndex: -1,
    meanUs: 0,
    bytes: 0,
    heapStartMiB: 0,
    heapEndMiB: 0,
    heapGrowthMiB: 0,
    notes: [],
    processWarnings: 0,
    ms: 0,
  };
  const notes = new Map<string, Note>();
  const record = (index: number, kind: Finding['kind'], message: string, input: Uint8Array) => {
    if (report.findings.length < MAX_FINDINGS) report.findings.push({ index, kind, message, inputHex: toHex(input.subarray(0, 4096)) });
  };
  // A warning is printed (stack and all) on every call; over a million inputs that is the run's cost.
  const emitWarning = process.emitWarning;
  process.emitWarning = (() => void report.processWarnings++) as typeof process.emitWarning;
  const started = performance.now();
  let totalUs = 0;
  try {
  const end = from + o.inputs;
  const warmEnd = Math.min(end, from + Math.min(WARMUP, Math.floor(o.inputs / 10)));
  for (let i = from; i < end; i++) {
    if (i === warmEnd) {
      gc();
      report.heapStartMiB = heapMiB();
    }
    o.onInput?.(i);
    const { input, rng } = inputFor(target, o.seed, i);
    const t0 = performance.now();
    let verdict: ReturnType<FuzzTarget['run']>;
    try {
      verdict = target.run(input, rng);
    } catch (e) {
      report.throws++;
      record(i, 'throw', e instanceof Error ? `${e.name}: ${e.message} @ ${(e.stack ?? '').split('\n')[1]?.trim() ?? ''}` : String(e), input);
    }
    const us = (performance.now() - t0) * 1000;
    totalUs += us;
    if (us > report.maxUs && i >= warmEnd) {
      report.maxUs = us;
      report.maxIndex = i;
    }
    if (typeof verdict === 'string') {
      report.oracleFailures++;
      record(i, 'oracle', verdict, input);
    } else if (verdict !== undefined) {
      const n = notes.get(verdict.note);
      if (n) n.count++;
      else notes.set(verdict.note, { message: verdict.note, count: 1, firstIndex: i, inputHex: toHex(input.subarray(0, 4096)) });
    }
    report.bytes += input.length;
    report.inputs++;
  }
  } finally {
    process.emitWarning = emitWarning;
  }
  report.notes = [...notes.values()];
  gc();
  report.heapEndMiB = heapMiB();
  if (report.heapStartMiB === 0) report.heapStartMiB = report.heapEndMiB;
  report.heapGrowthMiB = report.heapEndMiB - report.heapStartMiB;
  report.meanUs = report.inputs > 0 ? totalUs / report.inputs : 0;
  report.ms = performance.now() - started;
  if (target.streamStats) report.stream = { ...target.streamStats() };
  return report;
}

/** Whether a report meets the goals: no throw, no oracle failure, every recovery check passed. */
export function passed(r: TargetReport): boolean {
  return r.throws === 0 && r.oracleFailures === 0 && (r.stream?.recoveryFailures ?? 0) === 0;
}
