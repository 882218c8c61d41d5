/**
 * Seeded pseudo-random numbers for reproducible scenarios and sensor noise: the same seed gives the
 * same byte stream on every machine. mulberry32 (Tommy Ettinger, public domain; as listed in
 * bryc/code `jshash/PRNGs.md`): 32-bit state, fast, good enough for noise — not for cryptography.
 */
export type Random = () => number;

export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Integer in [min, max]. */
export function randomInt(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}
