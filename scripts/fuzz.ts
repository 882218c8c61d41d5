/**
 * Mutation fuzzing of every parser that reads bytes from outside (scripts/fuzz/targets.ts):
 * advertising data, the simulated radio wire, LD2410/LD2450 streams, touch lines, MQTT payloads
 * the backend receives, config/registry/users files, beacon config records and their Intel HEX.
 *
 *   node --import tsx scripts/fuzz.ts                         1 000 000 inputs per parser (~25 min on 2 cores)
 *   node --import tsx scripts/fuzz.ts --inputs 20000          a quick pass
 *   node --import tsx scripts/fuzz.ts --target touch-stream --seed 7
 *   node --import tsx scripts/fuzz.ts --target mqtt-payload --seed 1 --repro 123456   re-run one input, in process
 *   node --import tsx scripts/fuzz.ts --json fuzz-report.json
 *
 * Per parser it prints inputs, throws (must be 0), oracle failures (must be 0: out-of-bounds
 * symptoms, unbounded buffers, round trips), notes (inconsistencies, not failures), the slowest
 * input, the heap growth after a forced GC, and for the stream parsers whether a valid frame pushed
 * after every garbage input came out. A worker whose input counter stops for --hang-ms is a hang:
 * it is terminated and its input index reported. Exit code 1 when any goal is missed.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { machine } from './bench-harness.js';
import { adversarialRows } from './fuzz/adversarial.js';
import { inputFor, passed, readRepoFile, type TargetReport } from './fuzz/engine.js';
import { createTarget, TARGET_NAMES, type TargetName } from './fuzz/targets.js';
import type { RunRequest, WorkerMessage } from './fuzz/worker.js';
import { toHex } from '../protocol/bytes.js';

interface Hang {
  target: string;
  index: number;
  seed: number;
}

const { values } = parseArgs({
  options: {
    inputs: { type: 'string', default: '1000000' },
    seed: { type: 'string', default: '1' },
    target: { type: 'string', multiple: true },
    workers: { type: 'string' },
    'hang-ms': { type: 'string', default: '10000' },
    repro: { type: 'string' },
    json: { type: 'string' },
  },
});

const inputs = Number(values.inputs);
const seed = values.seed === 'random' ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
const hangMs = Number(values['hang-ms']);
const targets = (values.target ?? [...TARGET_NAMES]) as TargetName[];
for (const t of targets) {
  if (!TARGET_NAMES.includes(t)) {
    process.stderr.write(`unknown target ${t}; targets: ${TARGET_NAMES.join(', ')}\n`);
    process.exit(2);
  }
}
if (!Number.isSafeInteger(inputs) || inputs < 1 || !Number.isSafeInteger(seed) || !(hangMs > 0)) {
  process.stderr.write('--inputs and --seed must be integers, --hang-ms positive\n');
  process.exit(2);
}

if (values.repro !== undefined) {
  // One input, in this process, so a throw comes with its full stack.
  const target = createTarget(targets[0]!, readRepoFile);
  const index = Number(values.repro);
  // Stream targets keep one parser for the run: replay every earlier input so its state is the same.
  if (target.streamStats) {
    for (let i = 0; i < index; i++) {
      const earlier = inputFor(target, seed, i);
      target.run(earlier.input, earlier.rng);
    }
  }
  const { input, rng } = inputFor(target, seed, index);
  console.log(`${target.name} seed ${seed} input ${index} (${input.length} bytes):\n${toHex(input)}`);
  console.log('result:', target.run(input, rng) ?? 'ok');
  process.exit(0);
}

/** Workers are started through tsx's loader: a worker does not inherit --import hooks on Node 20. */
function startWorker(): Worker {
  const url = new URL('./fuzz/worker.ts', import.meta.url).href;
  return new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url)}); })`, { eval: true });
}

async function main(): Promise<number> {
  const workerCount = Math.max(1, Math.min(Number(values.workers ?? os.cpus().length), targets.length));
  console.log(`Touchpoint fuzzing — ${machine()}`);
  console.log(`${inputs.toLocaleString('en')} inputs per parser, seed ${seed}, ${workerCount} worker(s), hang after ${hangMs} ms without progress\n`);
  const queue = [...targets];
  const reports: TargetReport[] = [];
  const hangs: Hang[] = [];
  const errors: string[] = [];
  const started = Date.now();

  const lane = async () => {
    let worker = startWorker();
    try {
      for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
        const progress = new SharedArrayBuffer(4);
        const counter = new Int32Array(progress);
        const outcome = await new Promise<WorkerMessage | { type: 'hang'; index: number } | { type: 'crash'; message: string }>((resolve) => {
          let last = -1;
          let lastChange = Date.now();
          const timer = setInterval(() => {
            const now = Atomics.load(counter, 0);
            if (now !== last) {
              last = now;
              lastChange = Date.now();
            } else if (Date.now() - lastChange > hangMs) {
              clearInterval(timer);
              resolve({ type: 'hang', index: Math.max(0, now - 1) });
            }
          }, 250);
          const done = (m: WorkerMessage | { type: 'crash'; message: string }) => {
            clearInterval(timer);
            worker.off('message', done);
            worker.off('error', onError);
            resolve(m);
          };
          const onError = (e: Error) => done({ type: 'crash', message: e.stack ?? e.message });
          worker.on('message', done);
          worker.on('error', onError);
          worker.postMessage({ type: 'run', target: name, inputs, seed, from: 0, progress } satisfies RunRequest);
        });
        if (outcome.type === 'report') {
          reports.push(outcome.report);
          const r = outcome.report;
          process.stderr.write(`  ${r.target}: ${r.inputs} inputs in ${(r.ms / 1000).toFixed(0)} s${passed(r) ? '' : ' — FAILED'}\n`);
        } else if (outcome.type === 'hang') {
          hangs.push({ target: name, index: outcome.index, seed });
          process.stderr.write(`  ${name}: HANG at input ${outcome.index}\n`);
          await worker.terminate();
          worker = startWorker();
        } else {
          errors.push(`${name}: ${outcome.type === 'error' ? outcome.message : outcome.message}`);
          await worker.terminate();
          worker = startWorker();
        }
      }
    } finally {
      await worker.terminate();
    }
  };
  await Promise.all(Array.from({ length: workerCount }, lane));
  reports.sort((a, b) => targets.indexOf(a.target as TargetName) - targets.indexOf(b.target as TargetName));

  const pad = (s: string | number, n: number) => String(s).padStart(n);
  console.log(`${'parser'.padEnd(20)} ${pad('inputs', 10)} ${pad('throws', 7)} ${pad('oracle', 7)} ${pad('notes', 6)} ${pad('mean µs', 8)} ${pad('max µs', 9)} ${pad('heap Δ MiB', 11)} ${pad('recovered', 12)}  result`);
  for (const r of reports) {
    const rec = r.stream ? `${r.stream.recoveryChecks - r.stream.recoveryFailures}/${r.stream.recoveryChecks}` : '—';
    const notes = r.notes.reduce((n, x) => n + x.count, 0);
    console.log(
      `${r.target.padEnd(20)} ${pad(r.inputs.toLocaleString('en'), 10)} ${pad(r.throws, 7)} ${pad(r.oracleFailures, 7)} ${pad(notes, 6)} ${pad(r.meanUs.toFixed(1), 8)} ${pad(r.maxUs.toFixed(0), 9)} ${pad(r.heapGrowthMiB.toFixed(2), 11)} ${pad(rec, 12)}  ${passed(r) ? 'ok' : 'FAIL'}`,
    );
  }
  for (const h of hangs) console.log(`${h.target.padEnd(20)} HANG at input ${h.index} (repro: --target ${h.target} --seed ${h.seed} --repro ${h.index})`);
  for (const e of errors) console.log(`harness error: ${e}`);

  for (const r of reports) {
    for (const f of r.findings) {
      console.log(`\n${r.target} input ${f.index} — ${f.kind}: ${f.message}\n  repro: node --import tsx scripts/fuzz.ts --target ${r.target} --seed ${r.seed} --repro ${f.index}\n  input: ${f.inputHex.slice(0, 400)}${f.inputHex.length > 400 ? '…' : ''}`);
    }
    for (const n of r.notes) console.log(`\nnote ${r.target}: ${n.message} — ${n.count}× (first: input ${n.firstIndex})`);
    if (r.processWarnings > 0) console.log(`\nnote ${r.target}: the parser called process.emitWarning ${r.processWarnings}× (suppressed during the run)`);
    if (r.stream && r.stream.maxPendingBytes > 0) console.log(`\n${r.target}: largest held-back buffer ${r.stream.maxPendingBytes} bytes`);
    if (r.stream && r.stream.delayedRecoveries > 0) {
      console.log(`\nnote ${r.target}: ${r.stream.delayedRecoveries} of ${r.stream.recoveryChecks} valid frames after garbage came out only after ${r.stream.maxExtraFrames} more frame(s) at most (held by an unfinished candidate, scanner rule 4)`);
    }
  }
  console.log('\nHand-made worst cases (once each):');
  const adversarial = adversarialRows();
  for (const a of adversarial) {
    const headroom = a.headroom === undefined ? '' : `  (${a.headroom.toFixed(0)}× the device's line rate)`;
    console.log(`  ${a.case.padEnd(62)} ${a.result}${headroom}  [${a.ms.toFixed(0)} ms]`);
  }
  const totalInputs = reports.reduce((n, r) => n + r.inputs, 0);
  console.log(`\n${totalInputs.toLocaleString('en')} inputs in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (values.json) writeFileSync(values.json, JSON.stringify({ machine: machine(), seed, inputs, reports, hangs, errors, adversarial }, null, 2));
  const adversarialOk = adversarial.every((a) => !a.result.includes('?!') && (a.headroom === undefined || a.headroom > 1));
  const ok = hangs.length === 0 && errors.length === 0 && reports.length === targets.length && reports.every(passed) && adversarialOk;
  console.log(ok ? 'all goals met: no throw, no hang, no oracle failure, every frame after garbage recovered' : 'GOALS MISSED (see above)');
  return ok ? 0 : 1;
}

process.exitCode = await main();
