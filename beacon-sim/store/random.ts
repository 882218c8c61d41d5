/**
 * Seeded randomness for the virtual store. One seed feeds several *independent* streams (shopper
 * planning, radio noise, each phone's message IDs…), so that, for example, giving one more shopper a
 * phone does not change where every other shopper walks. Same seed → same streams on every machine.
 *
 * The generator is beacon-sim/sensors' mulberry32 (seededRandom); stream seeds are derived from the
 * run seed and a label with FNV-1a (32-bit, offset basis 2166136261, prime 16777619 — the published
 * FNV parameters, IETF draft-eastlake-fnv) followed by one mulberry32 step to spread nearby labels.
 */
import { type Random, seededRandom } from '../sensors/rng.js';

export type { Random };

function fnv1a(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619) >>> 0;
  }
  return h;
}

/** The seed of stream `label` under run seed `seed`. */
export function streamSeed(seed: number, label: string): number {
  return Math.floor(seededRandom((fnv1a(label) ^ (seed >>> 0)) >>> 0)() * 4294967296) >>> 0;
}

export function stream(seed: number, label: string): Random {
  return seededRandom(streamSeed(seed, label));
}

/** Uniform in [lo, hi). */
export function uniform(r: Random, lo: number, hi: number): number {
  return lo + (hi - lo) * r();
}

/** Integer in [lo, hi]. */
export function intBetween(r: Random, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}

/**
 * Standard normal deviate (Box–Muller, the cosine branch only, so every call consumes exactly two
 * draws and the stream stays aligned however results are used).
 */
export function gaussian(r: Random): number {
  const u = 1 - r(); // (0, 1]: log(0) must not happen
  const v = r();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

export function chance(r: Random, p: number): boolean {
  return r() < p;
}

/** k distinct items (k clipped to the list), in draw order. */
export function pick<T>(r: Random, items: readonly T[], k: number): T[] {
  const pool = [...items];
  const out: T[] = [];
  for (let i = 0; i < k && pool.length > 0; i++) out.push(pool.splice(Math.floor(r() * pool.length), 1)[0]!);
  return out;
}
