/** Messages between the soak/fleet scripts and bench-process.ts, and a small client for them. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Parallel arrays: gateway ID, seq, arrival time (epoch ms, sub-ms: performance.timeOrigin + now()). */
export interface ArrivalBatch {
  g: string[];
  s: number[];
  t: number[];
}

export type BenchChildRequest = { type: 'stats' } | { type: 'exit' };

export type BenchChildReply =
  | { type: 'ready'; url: string }
  | { type: 'arrivals'; batch: ArrivalBatch }
  | {
      type: 'stats';
      /** CPU time over wall time since the previous stats request (1 = one core busy). */
      cpuShare: number;
      rssBytes: number;
      /** Distinct sensor communications seen, and the tracker's lost/duplicate counts. */
      received: number;
      lost: number;
      duplicates: number;
    };

export type BenchStats = Extract<BenchChildReply, { type: 'stats' }>;

export interface BenchChild {
  readonly url: string;
  readonly child: ChildProcess;
  stats(): Promise<BenchStats>;
  /** Returns the unsubscribe function. */
  onArrivals(listener: (b: ArrivalBatch) => void): () => void;
  close(): Promise<void>;
}

const SCRIPT = fileURLToPath(new URL('./bench-process.ts', import.meta.url));

export async function forkBenchChild(args: string[]): Promise<BenchChild> {
  const child = fork(SCRIPT, args, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const arrivalListeners: ((b: ArrivalBatch) => void)[] = [];
  let statsWaiters: ((s: BenchStats) => void)[] = [];
  const ready = new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bench child ${args[0]} exited (${code}) before it was ready`)));
    child.on('message', (m: BenchChildReply) => {
      if (m.type === 'ready') resolve(m.url);
      else if (m.type === 'arrivals') for (const l of arrivalListeners) l(m.batch);
      else if (m.type === 'stats') {
        const w = statsWaiters;
        statsWaiters = [];
        for (const r of w) r(m);
      }
    });
  });
  const url = await ready;
  return {
    url,
    child,
    stats() {
      return new Promise((resolve) => {
        statsWaiters.push(resolve);
        child.send({ type: 'stats' } satisfies BenchChildRequest);
      });
    },
    onArrivals(l) {
      arrivalListeners.push(l);
      return () => {
        const i = arrivalListeners.indexOf(l);
        if (i >= 0) arrivalListeners.splice(i, 1);
      };
    },
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        child.send({ type: 'exit' } satisfies BenchChildRequest);
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      }
    },
  };
}
