/**
 * Rate limiter for advertisements: one event per (address, payload) per `minIntervalMs`.
 *
 * We scan with the controller's duplicate filter OFF (a filtering controller reports a beacon
 * once per scan and then goes silent, shared/docs/protocols.md §5.3 "Duplicate filtering"), so
 * every advertising event reaches us and the rate limiting happens here instead.
 *
 * Memory: a store aisle sees thousands of phones whose random addresses rotate every ~15 min,
 * so keys are unbounded over a day. The map is kept in last-emitted order (delete + set on
 * every emit), which makes both bounds cheap:
 *  - expiry: an entry older than minIntervalMs can no longer suppress anything, so entries are
 *    dropped from the front as soon as they expire (amortised O(1) per event);
 *  - capacity: when a flood still fills `maxEntries` within one interval, the oldest entry is
 *    evicted and counted; the only cost is that its next duplicate gets through once.
 */

export interface DedupeOptions {
  /** 0 disables de-duplication (every advertisement is emitted). */
  minIntervalMs: number;
  /** Hard bound on remembered keys. Default 4096. */
  maxEntries?: number;
}

export interface DedupeStats {
  entries: number;
  maxEntries: number;
  evicted: number;
  expired: number;
}

export const DEFAULT_DEDUPE_MAX_ENTRIES = 4096;

export interface Deduper {
  /** true when the event should be emitted (and is now remembered), false when suppressed. */
  admit(key: string, nowMs: number): boolean;
  stats(): DedupeStats;
  clear(): void;
}

export function createDeduper(options: DedupeOptions): Deduper {
  const interval = options.minIntervalMs;
  const cap = options.maxEntries ?? DEFAULT_DEDUPE_MAX_ENTRIES;
  if (!Number.isFinite(interval) || interval < 0) throw new RangeError(`dedupe.minIntervalMs must be ≥ 0, got ${interval}`);
  if (!Number.isSafeInteger(cap) || cap < 1) throw new RangeError(`dedupe.maxEntries must be a positive integer, got ${cap}`);
  const lastEmitted = new Map<string, number>();
  let evicted = 0;
  let expired = 0;

  function sweep(nowMs: number): void {
    for (const [k, t] of lastEmitted) {
      if (nowMs - t < interval) break;
      lastEmitted.delete(k);
      expired++;
    }
  }

  return {
    admit(key, nowMs) {
      if (interval === 0) return true;
      sweep(nowMs);
      const t = lastEmitted.get(key);
      if (t !== undefined && nowMs - t < interval) return false;
      lastEmitted.delete(key);
      lastEmitted.set(key, nowMs);
      if (lastEmitted.size > cap) {
        const oldest = lastEmitted.keys().next().value as string;
        lastEmitted.delete(oldest);
        evicted++;
      }
      return true;
    },
    stats: () => ({ entries: lastEmitted.size, maxEntries: cap, evicted, expired }),
    clear: () => lastEmitted.clear(),
  };
}

/**
 * A bounded set of recently seen keys in least-recently-seen order; `touch` returns the key it
 * pushed out, if any. The noble scanner uses it to know which peripherals it may drop from
 * noble's own (otherwise unbounded) caches.
 */
export interface RecentKeys {
  touch(key: string): string | undefined;
  readonly size: number;
}

export function createRecentKeys(cap: number): RecentKeys {
  if (!Number.isSafeInteger(cap) || cap < 1) throw new RangeError(`cap must be a positive integer, got ${cap}`);
  const keys = new Set<string>();
  return {
    touch(key) {
      keys.delete(key);
      keys.add(key);
      if (keys.size <= cap) return undefined;
      const oldest = keys.values().next().value as string;
      keys.delete(oldest);
      return oldest;
    },
    get size() {
      return keys.size;
    },
  };
}

/** Counters both scanners keep for what they hand to the pipeline. */
export interface EmitCounters {
  deduped: number;
  emitted: number;
  listenerErrors: number;
}

/**
 * The last step of every scanner: drop a repeat inside the dedupe window, otherwise hand the
 * advertisement to each listener — one that throws is counted and never stops the others.
 */
export function admitAndEmit<T>(key: string, event: T, mono: number, deduper: Deduper, listeners: Iterable<(e: T) => void>, n: EmitCounters): void {
  if (!deduper.admit(key, mono)) {
    n.deduped++;
    return;
  }
  n.emitted++;
  for (const l of listeners) {
    try {
      l(event);
    } catch {
      n.listenerErrors++;
    }
  }
}
