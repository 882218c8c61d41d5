/**
 * One fuzzing worker thread: runs the targets scripts/fuzz.ts hands it, one at a time, and writes
 * the index of the input it is on into shared memory before each one, so the main thread can tell
 * a hang (the counter stops) from slow progress and name the input that hung.
 */
import { parentPort } from 'node:worker_threads';
import { exposeGc, runTarget } from './engine.js';
import type { TargetName } from './targets.js';

export interface RunRequest {
  type: 'run';
  target: TargetName;
  inputs: number;
  seed: number;
  from: number;
  /** Int32Array over a SharedArrayBuffer: [0] = inputs started (the heartbeat). */
  progress: SharedArrayBuffer;
}

export type WorkerMessage = { type: 'report'; report: ReturnType<typeof runTarget> } | { type: 'error'; target: string; message: string };

// Parsers that fail by building Error objects (the yaml library) spend most of their time capturing
// stacks; findings only print the top frame.
Error.stackTraceLimit = 3;
const gc = exposeGc();

parentPort!.on('message', (req: RunRequest) => {
  const progress = new Int32Array(req.progress);
  try {
    const report = runTarget(req.target, {
      inputs: req.inputs,
      seed: req.seed,
      from: req.from,
      gc,
      onInput: (i) => void Atomics.store(progress, 0, i - req.from + 1),
    });
    parentPort!.postMessage({ type: 'report', report } satisfies WorkerMessage);
  } catch (e) {
    parentPort!.postMessage({ type: 'error', target: req.target, message: e instanceof Error ? (e.stack ?? e.message) : String(e) } satisfies WorkerMessage);
  }
});
