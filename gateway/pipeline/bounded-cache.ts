/**
 * A map with a size cap (least recently used entry evicted first) and an idle expiry. Every piece
 * of per-address or per-beacon state in the pipeline lives in one of these, because the radio
 * hears whatever is around: phones rotate random addresses every few minutes, and a busy store
 * or a deliberate flood produces tens of thousands of addresses an hour. State keyed by anything
 * a stranger controls must have a bound that does not depend on the stranger.
 *
 * Map iteration order is insertion order; re-inserting on every touch keeps it in last-use order,
 * so the oldest entry is always first — eviction is O(1) and expiry stops at the first live entry.
 * Times are monotonic milliseconds and expected to be non-decreasing.
 */
export interface BoundedCacheStats {
  size: number;
  capacity: number;
  /** Removed to make room (the cap was hit). */
  evictions: number;
  /** Removed because they were idle for longer than the TTL. */
  expirations: number;
}

interface Slot<V> {
  value: V;
  touchedMs: number;
}

export class BoundedCache<K, V> {
  private readonly map = new Map<K, Slot<V>>();
  private evictions = 0;
  private expirations = 0;

  constructor(
    readonly capacity: number,
    /** Idle time after which an entry is gone; Infinity for none. */
    readonly ttlMs: number,
    private readonly onRemove?: (key: K, value: V, why: 'evicted' | 'expired') => void,
  ) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    if (!(ttlMs > 0)) throw new RangeError(`ttlMs must be > 0, got ${ttlMs}`);
  }

  get size(): number {
    return this.map.size;
  }

  /** The live value, marked as used at `nowMs`; undefined when absent or expired. */
  get(key: K, nowMs: number): V | undefined {
    const slot = this.map.get(key);
    if (!slot) return undefined;
    this.map.delete(key);
    if (nowMs - slot.touchedMs >= this.ttlMs) {
      this.expirations++;
      this.onRemove?.(key, slot.value, 'expired');
      return undefined;
    }
    slot.touchedMs = Math.max(slot.touchedMs, nowMs);
    this.map.set(key, slot);
    return slot.value;
  }

  /** The value without touching it or checking expiry. */
  peek(key: K): V | undefined {
    return this.map.get(key)?.value;
  }

  set(key: K, value: V, nowMs: number): void {
    this.map.delete(key);
    this.map.set(key, { value, touchedMs: nowMs });
    while (this.map.size > this.capacity) {
      const oldest = this.map.keys().next();
      if (oldest.done) break;
      const slot = this.map.get(oldest.value)!;
      this.map.delete(oldest.value);
      this.evictions++;
      this.onRemove?.(oldest.value, slot.value, 'evicted');
    }
  }

  delete(key: K): boolean {
    return this.map.delete(key);
  }

  /** Drops every entry idle for ttlMs at `nowMs`; returns how many. */
  prune(nowMs: number): number {
    let n = 0;
    for (const [key, slot] of this.map) {
      if (nowMs - slot.touchedMs < this.ttlMs) break;
      this.map.delete(key);
      this.expirations++;
      n++;
      this.onRemove?.(key, slot.value, 'expired');
    }
    return n;
  }

  /** Live entries, oldest use first. */
  *entries(): IterableIterator<[K, V]> {
    for (const [key, slot] of this.map) yield [key, slot.value];
  }

  stats(): BoundedCacheStats {
    return { size: this.map.size, capacity: this.capacity, evictions: this.evictions, expirations: this.expirations };
  }
}
