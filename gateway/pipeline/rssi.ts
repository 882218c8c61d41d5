/**
 * RSSI smoothing: a running median of the last `window` readings, then an exponential moving
 * average over the medians.
 *
 * Why two steps: single advertisements swing by ±5 dB or more and multipath produces deep,
 * one-packet nulls (protocols.md §5.1: "smooth RSSI first"; at n = 2 a 5 dB error is a factor of
 * 1.8 in distance). A median ignores up to ⌊window/2⌋ outliers outright, where an average would be
 * dragged by them; the EMA then removes the remaining jitter with memory of about 1/alpha medians.
 * Both are O(window) per reading with no allocation after warm-up, and the output for the first
 * reading is that reading, so a new beacon has a value immediately. android-beacon-library makes
 * the same trade with its RunningAverage and ARMA filters (protocols.md §5.1); a Kalman filter
 * would need a motion model we do not have for a shopper.
 */
export interface RssiFilterOptions {
  /** Median window, readings (odd is best). Default 5. */
  window?: number;
  /** EMA weight of the newest median, 0 < alpha ≤ 1 (1 = median only). Default 0.3. */
  alpha?: number;
}

export const DEFAULT_RSSI_WINDOW = 5;
export const DEFAULT_RSSI_ALPHA = 0.3;

export class RssiFilter {
  private readonly ring: number[] = [];
  private readonly sorted: number[] = [];
  private next = 0;
  private ema: number | undefined;
  private readonly window: number;
  private readonly alpha: number;

  constructor(options: RssiFilterOptions = {}) {
    this.window = options.window ?? DEFAULT_RSSI_WINDOW;
    this.alpha = options.alpha ?? DEFAULT_RSSI_ALPHA;
    if (!Number.isSafeInteger(this.window) || this.window < 1) throw new RangeError(`window must be a positive integer, got ${this.window}`);
    if (!(this.alpha > 0 && this.alpha <= 1)) throw new RangeError(`alpha must be in (0, 1], got ${this.alpha}`);
  }

  /** Adds a reading and returns the smoothed value. */
  push(rssi: number): number {
    if (this.ring.length < this.window) {
      this.ring.push(rssi);
    } else {
      const old = this.ring[this.next]!;
      this.ring[this.next] = rssi;
      this.next = (this.next + 1) % this.window;
      this.sorted.splice(this.sorted.indexOf(old), 1);
    }
    // Insertion into the sorted copy keeps the median O(window) without re-sorting.
    let i = this.sorted.length;
    while (i > 0 && this.sorted[i - 1]! > rssi) i--;
    this.sorted.splice(i, 0, rssi);
    const n = this.sorted.length;
    const median = n % 2 === 1 ? this.sorted[(n - 1) / 2]! : (this.sorted[n / 2 - 1]! + this.sorted[n / 2]!) / 2;
    this.ema = this.ema === undefined ? median : this.ema + this.alpha * (median - this.ema);
    return this.ema;
  }

  get value(): number | undefined {
    return this.ema;
  }

  get samples(): number {
    return this.ring.length;
  }
}
