/**
 * Maps an observed 8-byte Eddystone EID back to the registered beacon that sent it.
 *
 * An EID is a keyed PRF of the beacon's clock quantum (eid.ts), so the only way to recognise
 * one is to know, for every registered beacon, which EIDs it may be broadcasting right now.
 * A beacon's clock drifts up to 150 ppm (google/eddystone `eddystone-eid/eid-computation.md`,
 * notes §2.6), so "right now" is a window of beacon time [b − skew, b + skew] around the
 * expected beacon time b = beaconSecondsAt + (nowMs − wallMsAt)/1000.
 *
 * Hot path. `resolve()` is one Map lookup. The expected EIDs of every quantum that overlaps
 * each beacon's window are precomputed into `byEid` (key = lowercase hex of the EID). Windows
 * move with time: each beacon records the wall time at which its window next gains or loses a
 * quantum, and a min-heap on that time lets `resolve()` refresh only the beacons whose window
 * actually changed — O(log n) per change, nothing per lookup. Temporary keys (which change every
 * 65 536 s) are cached per beacon with their expanded key schedule; a window crossing a TK
 * boundary holds two.
 *
 * Memory. A window of W = 2·skew seconds overlaps at most ⌊W/2^K⌋ + 1 quanta, plus one more
 * when W is not a multiple of 2^K (the window then straddles a partial quantum at each end):
 * `eidEntriesPerBeacon()`. That many are reserved at registration; registration throws
 * RangeError when one beacon would need more than `maxEntriesPerBeacon` (K = 0 with a one-hour
 * skew needs 7 201) or when the reservations of all beacons would exceed `maxEntries`.
 *
 * Replay. A hit is accepted only after re-checking that its quantum overlaps the window at
 * `nowMs`, so an EID captured and replayed later than skew after its quantum ended is refused
 * even if the table were stale. The price of the skew window is exactly this replay tolerance.
 *
 * Time. `nowMs` is passed in (protocol/ is pure). It is expected to be mostly non-decreasing;
 * a step backwards is handled correctly but costs one pass over all beacons.
 */
import { aes128Encryptor, type Aes128BlockEncryptor } from './aes.js';
import {
  EID_BYTES,
  MAX_BEACON_SECONDS,
  TEMPORARY_KEY_PERIOD_SECONDS,
  checkExponent,
  checkIdentityKey,
  eidFromTkEncryptor,
  temporaryKey,
} from './eid.js';

export interface EidRegistration {
  beaconId: string;
  identityKey: Uint8Array;
  /** Rotation exponent K: a new EID every 2^K seconds. */
  exponent: number;
  /** Beacon clock reference: the beacon counter read `beaconSecondsAt` at wall time `wallMsAt`. */
  beaconSecondsAt: number;
  wallMsAt: number;
}

export interface EidResolverOptions {
  /**
   * Half-width of the accepted beacon-time window, in seconds. Default 600: at the worst-case
   * 150 ppm drift a beacon clock moves 13 s/day, so 600 s tolerates ~46 days between clock
   * re-references plus a few seconds of gateway clock error; with the common K = 10 it costs
   * 2–3 table entries per beacon. A wider window tolerates staler references but also lets a
   * replayed EID resolve for longer (up to skew after its quantum ended).
   */
  skewSeconds?: number;
  /**
   * Default 10 000. One gateway covers one store (tens to a few hundred beacons); 10 000 leaves
   * room for a central resolver of a mid-size chain and still bounds registration mistakes.
   */
  maxBeacons?: number;
  /** Default 4 096 entries (K = 0 with a ±34 min window). */
  maxEntriesPerBeacon?: number;
  /**
   * Default 262 144 reserved entries in total: ≈ 53 MiB at the ~213 B/entry (hex key, entry
   * object, share of beacon state and TK schedules) that scripts/bench-eid.ts measured.
   */
  maxEntries?: number;
}

export interface EidResolution {
  beaconId: string;
  /** Start of the quantum the EID belongs to, in beacon seconds (t with the K low bits cleared). */
  beaconSeconds: number;
  /** Observed quantum minus expected quantum: > 0 when the beacon clock runs ahead. */
  skewQuanta: number;
}

export interface EidResolverStats {
  beacons: number;
  /** EIDs currently in the lookup table. */
  entries: number;
  /** Entries reserved by registrations (the memory bound). */
  reservedEntries: number;
  tkComputations: number;
  eidComputations: number;
  hits: number;
  misses: number;
  /** Lookups refused because the EID was not 8 bytes / 16 hex digits. Not counted as misses. */
  invalid: number;
}

export const DEFAULT_SKEW_SECONDS = 600;
export const DEFAULT_MAX_BEACONS = 10_000;
export const DEFAULT_MAX_ENTRIES_PER_BEACON = 4096;
export const DEFAULT_MAX_ENTRIES = 262_144;

/**
 * Most quanta of 2^K s that a window of 2·skewSeconds can overlap, capped by the number of
 * quanta a 32-bit counter has.
 */
export function eidEntriesPerBeacon(exponent: number, skewSeconds: number): number {
  checkExponent(exponent);
  checkSkew(skewSeconds);
  const quantum = 2 ** exponent;
  const window = 2 * skewSeconds;
  const n = Math.floor(window / quantum) + (window % quantum === 0 ? 1 : 2);
  return Math.min(n, Math.floor(MAX_BEACON_SECONDS / quantum) + 1);
}

function checkSkew(skewSeconds: number): void {
  // 2^31 s keeps every derived quantity far inside exact double arithmetic.
  if (!Number.isFinite(skewSeconds) || skewSeconds < 0 || skewSeconds > 2 ** 31) {
    throw new RangeError(`skewSeconds must be a number 0..2^31, got ${skewSeconds}`);
  }
}

function checkPositiveInt(name: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${v}`);
}

interface Entry {
  beacon: BeaconState;
  quantum: number;
  /** Another beacon/quantum with the same 64-bit EID: astronomically rare, still handled. */
  next: Entry | undefined;
}

interface BeaconState {
  id: string;
  identityKey: Uint8Array;
  exponent: number;
  quantumSeconds: number;
  maxQuantum: number;
  beaconSecondsAt: number;
  wallMsAt: number;
  reserved: number;
  /** Quanta lo..hi are in the table (empty when hi < lo); keys[q − lo] is quantum q's key. */
  lo: number;
  hi: number;
  keys: string[];
  /** TK epoch (t >>> 16) → encryptor with the TK's key schedule expanded. */
  tks: Map<number, Aes128BlockEncryptor>;
  /** Wall ms at which the window next changes; −∞ until first computed. */
  until: number;
  heapIndex: number;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const HEX_EID = /^[0-9a-fA-F]{16}$/;

function eidKey(eid: Uint8Array): string {
  let s = '';
  for (let i = 0; i < EID_BYTES; i++) s += HEX[eid[i]!];
  return s;
}

export class EidResolver {
  private readonly skew: number;
  private readonly maxBeacons: number;
  private readonly maxEntriesPerBeacon: number;
  private readonly maxEntries: number;
  private readonly beacons = new Map<string, BeaconState>();
  private readonly byEid = new Map<string, Entry>();
  /** Min-heap on BeaconState.until. */
  private readonly heap: BeaconState[] = [];
  private lastNowMs = -Infinity;
  private reservedEntries = 0;
  private entryCount = 0;
  private tkComputations = 0;
  private eidComputations = 0;
  private hits = 0;
  private misses = 0;
  private invalid = 0;

  constructor(options: EidResolverOptions = {}) {
    this.skew = options.skewSeconds ?? DEFAULT_SKEW_SECONDS;
    checkSkew(this.skew);
    this.maxBeacons = options.maxBeacons ?? DEFAULT_MAX_BEACONS;
    this.maxEntriesPerBeacon = options.maxEntriesPerBeacon ?? DEFAULT_MAX_ENTRIES_PER_BEACON;
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    checkPositiveInt('maxBeacons', this.maxBeacons);
    checkPositiveInt('maxEntriesPerBeacon', this.maxEntriesPerBeacon);
    checkPositiveInt('maxEntries', this.maxEntries);
  }

  /**
   * Adds a beacon, or replaces the registration with the same beaconId (how a fresh clock
   * reference is applied). EIDs are computed lazily on the next resolve()/refresh().
   * Throws RangeError on invalid input or when a bound would be exceeded.
   */
  register(reg: EidRegistration): void {
    if (typeof reg.beaconId !== 'string' || reg.beaconId.length === 0) {
      throw new RangeError('beaconId must be a non-empty string');
    }
    checkIdentityKey(reg.identityKey);
    checkExponent(reg.exponent);
    if (!Number.isFinite(reg.beaconSecondsAt) || reg.beaconSecondsAt < 0 || reg.beaconSecondsAt > MAX_BEACON_SECONDS) {
      throw new RangeError(`beaconSecondsAt must be 0..${MAX_BEACON_SECONDS}, got ${reg.beaconSecondsAt}`);
    }
    if (!Number.isFinite(reg.wallMsAt)) throw new RangeError(`wallMsAt must be a finite number, got ${reg.wallMsAt}`);

    const reserved = eidEntriesPerBeacon(reg.exponent, this.skew);
    if (reserved > this.maxEntriesPerBeacon) {
      throw new RangeError(
        `beacon ${reg.beaconId}: K=${reg.exponent} with ±${this.skew} s skew needs ${reserved} EIDs in the window, ` +
          `more than maxEntriesPerBeacon=${this.maxEntriesPerBeacon}; raise K or lower skewSeconds`,
      );
    }
    const previous = this.beacons.get(reg.beaconId);
    if (!previous && this.beacons.size >= this.maxBeacons) {
      throw new RangeError(`cannot register ${reg.beaconId}: maxBeacons=${this.maxBeacons} reached`);
    }
    const freed = previous ? previous.reserved : 0;
    if (this.reservedEntries - freed + reserved > this.maxEntries) {
      throw new RangeError(
        `cannot register ${reg.beaconId}: ${reserved} more entries would exceed maxEntries=${this.maxEntries}`,
      );
    }
    if (previous) this.unregister(reg.beaconId);

    const quantumSeconds = 2 ** reg.exponent;
    const state: BeaconState = {
      id: reg.beaconId,
      identityKey: reg.identityKey.slice(),
      exponent: reg.exponent,
      quantumSeconds,
      maxQuantum: Math.floor(MAX_BEACON_SECONDS / quantumSeconds),
      beaconSecondsAt: reg.beaconSecondsAt,
      wallMsAt: reg.wallMsAt,
      reserved,
      lo: 0,
      hi: -1,
      keys: [],
      tks: new Map(),
      until: -Infinity,
      heapIndex: -1,
    };
    this.beacons.set(state.id, state);
    this.reservedEntries += reserved;
    this.heapPush(state);
  }

  /** Removes a beacon and its table entries; returns whether it was registered. */
  unregister(beaconId: string): boolean {
    const b = this.beacons.get(beaconId);
    if (!b) return false;
    for (let q = b.lo; q <= b.hi; q++) this.removeEntry(b, q);
    b.keys = [];
    b.tks.clear();
    b.hi = b.lo - 1;
    this.heapRemove(b);
    this.beacons.delete(beaconId);
    this.reservedEntries -= b.reserved;
    return true;
  }

  /**
   * The beacon whose window at `nowMs` contains the quantum this EID belongs to, or null.
   * `eid` is 8 bytes or 16 hex digits; anything else gives null (counted as invalid), never a throw.
   */
  resolve(eid: Uint8Array | string, nowMs: number): EidResolution | null {
    let key: string;
    if (typeof eid === 'string') {
      if (!HEX_EID.test(eid)) {
        this.invalid++;
        return null;
      }
      key = eid.toLowerCase();
    } else if (eid instanceof Uint8Array && eid.length === EID_BYTES) {
      key = eidKey(eid);
    } else {
      this.invalid++;
      return null;
    }
    if (!Number.isFinite(nowMs)) {
      this.invalid++;
      return null;
    }
    this.refresh(nowMs);
    for (let e = this.byEid.get(key); e !== undefined; e = e.next) {
      const b = e.beacon;
      const now = this.beaconNow(b, nowMs);
      // The overlap test windowQuanta() solves for q, checked directly: no floors, no allocation.
      const start = e.quantum * b.quantumSeconds;
      if (start > now + this.skew || start + b.quantumSeconds <= now - this.skew) continue;
      this.hits++;
      return {
        beaconId: b.id,
        beaconSeconds: start,
        skewQuanta: e.quantum - Math.floor(now / b.quantumSeconds),
      };
    }
    this.misses++;
    return null;
  }

  /** Brings every beacon's table up to `nowMs` (resolve() does this itself). */
  refresh(nowMs: number): void {
    if (!Number.isFinite(nowMs)) throw new RangeError(`nowMs must be finite, got ${nowMs}`);
    if (nowMs < this.lastNowMs) {
      for (const b of this.beacons.values()) this.refreshBeacon(b, nowMs);
      this.heapify();
    } else {
      for (let top = this.heap[0]; top !== undefined && top.until <= nowMs; top = this.heap[0]) {
        this.refreshBeacon(top, nowMs);
        this.siftDown(0);
      }
    }
    this.lastNowMs = nowMs;
  }

  stats(): EidResolverStats {
    return {
      beacons: this.beacons.size,
      entries: this.entryCount,
      reservedEntries: this.reservedEntries,
      tkComputations: this.tkComputations,
      eidComputations: this.eidComputations,
      hits: this.hits,
      misses: this.misses,
      invalid: this.invalid,
    };
  }

  private beaconNow(b: BeaconState, nowMs: number): number {
    return b.beaconSecondsAt + (nowMs - b.wallMsAt) / 1000;
  }

  /**
   * Quanta q whose span [q·2^K, (q+1)·2^K) overlaps [now − skew, now + skew], clipped to the
   * 32-bit counter. Division by a power of two is exact, so these floors carry no rounding.
   */
  private windowQuanta(b: BeaconState, now: number): [number, number] {
    // Clamped into [0, maxQuantum + 1] and [-1, maxQuantum]: far outside the counter range the
    // raw floors reach magnitudes where q + 1 === q, and loops over them would never end.
    const q = b.quantumSeconds;
    const lo = Math.min(b.maxQuantum + 1, Math.max(0, Math.floor((now - this.skew) / q)));
    const hi = Math.max(-1, Math.min(b.maxQuantum, Math.floor((now + this.skew) / q)));
    return [lo, hi];
  }

  private refreshBeacon(b: BeaconState, nowMs: number): void {
    const now = this.beaconNow(b, nowMs);
    const [lo, hi] = this.windowQuanta(b, now);
    this.applyWindow(b, lo, hi);

    // Next wall time at which either edge of the window crosses a quantum boundary.
    const q = b.quantumSeconds;
    const loRaw = Math.floor((now - this.skew) / q);
    const hiRaw = Math.floor((now + this.skew) / q);
    const toWall = (beaconSeconds: number) => b.wallMsAt + (beaconSeconds - b.beaconSecondsAt) * 1000;
    const hiNext = hiRaw < b.maxQuantum ? toWall((hiRaw + 1) * q - this.skew) : Infinity;
    const loNext = loRaw <= b.maxQuantum ? toWall((loRaw + 1) * q + this.skew) : Infinity;
    // Rounding in toWall could land a hair before the boundary; never schedule at or before now.
    const minStep = Math.max(1e-3, Math.abs(nowMs) * 2 ** -50);
    b.until = Math.max(Math.min(hiNext, loNext), nowMs + minStep);
  }

  private applyWindow(b: BeaconState, lo: number, hi: number): void {
    const empty = hi < lo;
    const had = b.hi >= b.lo;
    if (!had || empty || hi < b.lo || lo > b.hi) {
      for (let q = b.lo; q <= b.hi; q++) this.removeEntry(b, q);
      b.keys = [];
      b.lo = empty ? 0 : lo;
      b.hi = b.lo - 1;
      if (!empty) {
        for (let q = lo; q <= hi; q++) b.keys.push(this.addEntry(b, q));
        b.hi = hi;
      }
    } else {
      // Overlapping ranges: drop what fell out at either end, then add what came in.
      if (lo > b.lo) {
        for (let q = b.lo; q < lo; q++) this.removeEntry(b, q);
        b.keys.splice(0, lo - b.lo);
        b.lo = lo;
      }
      if (hi < b.hi) {
        for (let q = hi + 1; q <= b.hi; q++) this.removeEntry(b, q);
        b.keys.length = hi - b.lo + 1;
        b.hi = hi;
      }
      if (lo < b.lo) {
        const added: string[] = [];
        for (let q = lo; q < b.lo; q++) added.push(this.addEntry(b, q));
        b.keys.unshift(...added);
        b.lo = lo;
      }
      for (let q = b.hi + 1; q <= hi; q++) b.keys.push(this.addEntry(b, q));
      b.hi = hi;
    }
    this.pruneTemporaryKeys(b);
  }

  private temporaryKeyFor(b: BeaconState, quantumStart: number): Aes128BlockEncryptor {
    const epoch = Math.floor(quantumStart / TEMPORARY_KEY_PERIOD_SECONDS);
    let tk = b.tks.get(epoch);
    if (!tk) {
      // K ≤ 15 makes a quantum divide 2^16 s, so one quantum never spans two TK epochs.
      tk = aes128Encryptor(temporaryKey(b.identityKey, quantumStart));
      b.tks.set(epoch, tk);
      this.tkComputations++;
    }
    return tk;
  }

  private pruneTemporaryKeys(b: BeaconState): void {
    if (b.tks.size <= 1) return;
    const first = Math.floor((b.lo * b.quantumSeconds) / TEMPORARY_KEY_PERIOD_SECONDS);
    const last = Math.floor((b.hi * b.quantumSeconds) / TEMPORARY_KEY_PERIOD_SECONDS);
    for (const epoch of b.tks.keys()) {
      // An empty window drops them all; the next non-empty one recomputes what it needs.
      if (b.hi < b.lo || epoch < first || epoch > last) b.tks.delete(epoch);
    }
  }

  private addEntry(b: BeaconState, quantum: number): string {
    const start = quantum * b.quantumSeconds;
    const eid = eidFromTkEncryptor(this.temporaryKeyFor(b, start), b.exponent, start);
    this.eidComputations++;
    const key = eidKey(eid);
    this.byEid.set(key, { beacon: b, quantum, next: this.byEid.get(key) });
    this.entryCount++;
    return key;
  }

  private removeEntry(b: BeaconState, quantum: number): void {
    const key = b.keys[quantum - b.lo];
    if (key === undefined) return;
    let prev: Entry | undefined;
    for (let e = this.byEid.get(key); e !== undefined; prev = e, e = e.next) {
      if (e.beacon !== b || e.quantum !== quantum) continue;
      if (prev) prev.next = e.next;
      else if (e.next) this.byEid.set(key, e.next);
      else this.byEid.delete(key);
      this.entryCount--;
      return;
    }
  }

  // Binary min-heap on `until`, with back-pointers so unregister() can remove from the middle.

  private heapPush(b: BeaconState): void {
    b.heapIndex = this.heap.length;
    this.heap.push(b);
    this.siftUp(b.heapIndex);
  }

  private heapRemove(b: BeaconState): void {
    const i = b.heapIndex;
    const last = this.heap.pop()!;
    b.heapIndex = -1;
    if (last === b) return;
    this.heap[i] = last;
    last.heapIndex = i;
    this.siftDown(i);
    this.siftUp(last.heapIndex);
  }

  private heapify(): void {
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private swap(i: number, j: number): void {
    const a = this.heap[i]!;
    const c = this.heap[j]!;
    this.heap[i] = c;
    this.heap[j] = a;
    c.heapIndex = i;
    a.heapIndex = j;
  }

  private siftUp(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.heap[parent]!.until <= this.heap[i]!.until) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const n = this.heap.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.heap[l]!.until < this.heap[m]!.until) m = l;
      if (r < n && this.heap[r]!.until < this.heap[m]!.until) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}
