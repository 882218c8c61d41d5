/**
 * The gateway process is killed with SIGKILL mid-stream and started again on the same outbox:
 * everything it had committed arrives, and the sequence continues without repeating a seq.
 * The gateway runs in a child process (test-support/gateway-child.ts) so the kill is real.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseSensorMessageId } from '../../protocol/messages/index.js';
import { startBroker, type RunningBroker } from '../broker/broker.js';
import { range, SensorCollector } from './test-support/collector.js';

const SITE = 'store-12';
const GW = 'gw-crash';
const WAIT = { timeout: 30_000, interval: 20 };
const CHILD = fileURLToPath(new URL('./test-support/gateway-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

type Line = { boot?: string; nextSeq?: number; accepted?: number; messageId?: string; drained?: boolean };

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function runGateway(db: string, url: string, count: number, paceMs: number) {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', CHILD, db, url, SITE, GW, String(count), String(paceMs)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Line[] = [];
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  createInterface({ input: child.stdout! }).on('line', (l) => lines.push(JSON.parse(l) as Line));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  return {
    child,
    lines,
    exited,
    stderr: () => stderr,
    accepted: () => lines.filter((l) => l.accepted !== undefined).map((l) => l.accepted!),
    boot: () => lines.find((l) => l.boot !== undefined),
  };
}

describe('publisher: gateway process killed with SIGKILL and restarted', () => {
  it('delivers every committed event; the restarted process continues the sequence without repeating one', { timeout: 90_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tp-crash-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const db = join(dir, 'outbox.db');
    const b: RunningBroker = await startBroker({ anonymous: true, port: 0 });
    cleanups.push(() => b.close());
    const col = new SensorCollector().attach(b.aedes);

    // run 1: an endless stream, killed while events are being appended and published
    const run1 = runGateway(db, b.urls.mqtt, 1_000_000, 1);
    await vi.waitFor(() => {
      expect(col.unique(GW).size).toBeGreaterThanOrEqual(40);
      expect(run1.accepted().length).toBeGreaterThanOrEqual(80);
    }, WAIT);
    run1.child.kill('SIGKILL');
    expect(await run1.exited).toEqual({ code: null, signal: 'SIGKILL' });
    const accepted1 = run1.accepted();
    const boot1 = run1.boot()!.boot!;

    // run 2: same outbox file; replays what run 1 left, appends 50 more, exits once drained
    const run2 = runGateway(db, b.urls.mqtt, 50, 0);
    expect(await run2.exited, run2.stderr()).toEqual({ code: 0, signal: null });
    expect(run2.lines.some((l) => l.drained)).toBe(true);
    const start2 = run2.boot()!;
    const accepted2 = run2.accepted();
    expect(start2.boot).not.toBe(boot1);
    // the counter survived the kill: run 2 starts after everything run 1 committed (printed or not)
    expect(start2.nextSeq!).toBeGreaterThan(Math.max(...accepted1));
    expect(accepted2).toEqual(range(start2.nextSeq!, start2.nextSeq! + 50));

    const total = start2.nextSeq! + 50;
    const seen = col.unique(GW);
    for (const s of [...accepted1, ...accepted2]) expect(seen.has(s)).toBe(true);
    // every persisted event arrived, first arrivals in seq order, nothing lost in between
    expect(col.firstArrivals(GW)).toEqual(range(0, total));
    // never the same seq with two identities: run 1's seqs carry boot 1, run 2's carry boot 2
    const idsBySeq = new Map<number, Set<string>>();
    for (const a of col.arrivals) idsBySeq.set(a.seq, (idsBySeq.get(a.seq) ?? new Set()).add(a.messageId));
    for (const [seq, ids] of idsBySeq) {
      expect(ids.size).toBe(1);
      expect(parseSensorMessageId([...ids][0])!.bootId).toBe(seq < start2.nextSeq! ? boot1 : start2.boot);
    }
  });
});
