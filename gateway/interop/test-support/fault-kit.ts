/**
 * Shared pieces of the fault tests: a producer at a fixed event rate, recovery timing, and the
 * one-line report each fault prints (sent, delivered, lost, duplicated, max recovery time).
 * Timings are printed for the reader, never asserted.
 */
import type { Outbox } from '../../publish/outbox.js';
import type { SensorCollector } from '../../publish/test-support/collector.js';
import { sampleEvent } from '../../publish/test-support/fixtures.js';

export interface FaultReport {
  fault: string;
  broker: string;
  /** Events committed to the outbox (accepted). */
  sent: number;
  /** Distinct accepted seqs seen by the backend. */
  delivered: number;
  /** Accepted but never seen. */
  lost: number;
  /** Arrivals beyond the first of a seq (QoS 1 at-least-once; consumers drop them by messageId). */
  duplicated: number;
  /** Fault cleared → every event accepted before that moment delivered, ms; null when not measured. */
  maxRecoveryMs: number | null;
  [extra: string]: unknown;
}

export function faultReport(
  fault: string,
  broker: string,
  gatewayId: string,
  accepted: Iterable<number>,
  collector: SensorCollector,
  recoveriesMs: readonly number[],
  extra: Record<string, unknown> = {},
): FaultReport {
  const seen = collector.unique(gatewayId);
  let sent = 0;
  let delivered = 0;
  for (const s of accepted) {
    sent++;
    if (seen.has(s)) delivered++;
  }
  return {
    fault,
    broker,
    sent,
    delivered,
    lost: sent - delivered,
    duplicated: collector.duplicates(gatewayId),
    maxRecoveryMs: recoveriesMs.length > 0 ? Math.round(Math.max(...recoveriesMs)) : null,
    ...extra,
  };
}

/** Printed so CI logs carry the figures (`npm run test:faults` output). */
export function printReport(r: FaultReport): void {
  process.stdout.write(`[fault-report] ${JSON.stringify(r)}\n`);
}

export interface Producer {
  /** Seqs accepted so far, in order. */
  readonly accepted: number[];
  readonly refused: number;
  stop(): Promise<void>;
  /** Resolves once `n` events have been accepted. */
  reached(n: number): Promise<void>;
}

/**
 * Appends sampleEvents at `ratePerS` on average (catching up after a slow turn, as sensors keep
 * producing while the process is busy), until `max` or stop().
 */
export function startProducer(o: { outbox: Outbox; site: string; ratePerS: number; max?: number }): Producer {
  const accepted: number[] = [];
  let refused = 0;
  let i = 0;
  const t0 = performance.now();
  const waiters: { n: number; resolve: () => void }[] = [];
  const tick = () => {
    const due = Math.min(o.max ?? Infinity, Math.floor(((performance.now() - t0) * o.ratePerS) / 1000));
    while (i < due) {
      const r = o.outbox.append(sampleEvent(o.site, o.outbox.gatewayId, i));
      i++;
      if (r.ok) accepted.push(r.seq);
      else refused++;
    }
    for (const w of [...waiters]) {
      if (accepted.length >= w.n) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
    if (o.max !== undefined && i >= o.max) clearInterval(timer);
  };
  const timer = setInterval(tick, 5);
  return {
    accepted,
    get refused() {
      return refused;
    },
    async stop() {
      clearInterval(timer);
    },
    reached(n) {
      if (accepted.length >= n) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ n, resolve }));
    },
  };
}

/** Milliseconds from `since` until `done()` holds (polled; for the report only). */
export async function timeUntil(done: () => boolean, since = performance.now(), timeoutMs = 60_000, pollMs = 5): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`condition not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
  return performance.now() - since;
}
