/**
 * What happens in front of the shelf, as a function of time: where the person is for the radar and
 * which pads a hand is on for the touch bridge. Scenarios loop (a sim runs for hours); the emulators
 * turn them into byte streams. Times are ms since the emulator started.
 */
import { type Random, randomInt, seededRandom } from './rng.js';

export interface Person {
  distanceCm: number;
  moving: boolean;
}

export interface RadarScenario {
  readonly name: string;
  readonly description: string;
  /** Length of one loop. */
  readonly periodMs: number;
  /** The person in front of the radar at t, null when nobody is there. */
  at(tMs: number): Person | null;
}

export type RadarSegment =
  | { ms: number; empty: true }
  | { ms: number; walkFromCm: number; walkToCm: number }
  | { ms: number; standAtCm: number };

export function segmentScenario(name: string, description: string, segments: readonly RadarSegment[]): RadarScenario {
  const periodMs = segments.reduce((n, s) => n + s.ms, 0);
  if (!(periodMs > 0)) throw new RangeError('a scenario needs a positive length');
  return {
    name,
    description,
    periodMs,
    at(tMs) {
      let t = ((tMs % periodMs) + periodMs) % periodMs;
      for (const s of segments) {
        if (t >= s.ms) {
          t -= s.ms;
          continue;
        }
        if ('empty' in s) return null;
        if ('standAtCm' in s) return { distanceCm: s.standAtCm, moving: false };
        return { distanceCm: Math.round(s.walkFromCm + ((s.walkToCm - s.walkFromCm) * t) / s.ms), moving: true };
      }
      return null;
    },
  };
}

/** The brief's shopper: approaches from 4 m, stands at 0.8 m for 6 s, leaves. */
export const APPROACH: RadarScenario = segmentScenario('approach', 'person approaches from 4 m, stands at 0.8 m for 6 s, leaves', [
  { ms: 2000, empty: true },
  { ms: 4000, walkFromCm: 400, walkToCm: 80 },
  { ms: 6000, standAtCm: 80 },
  { ms: 3000, walkFromCm: 80, walkToCm: 400 },
  { ms: 3000, empty: true },
]);

export const EMPTY_ROOM: RadarScenario = segmentScenario('empty', 'nobody in range', [{ ms: 1000, empty: true }]);

export function standingAt(distanceCm: number): RadarScenario {
  return segmentScenario(`standing-${distanceCm}`, `person stands still at ${distanceCm} cm`, [{ ms: 1000, standAtCm: distanceCm }]);
}

/** Visits with random gaps, approach distances, dwell times. Same seed, same visits. */
export function randomRadarScenario(seed: number, visits = 20): RadarScenario {
  const r: Random = seededRandom(seed);
  const segments: RadarSegment[] = [];
  for (let i = 0; i < visits; i++) {
    const from = randomInt(r, 300, 450);
    const stand = randomInt(r, 50, 150);
    segments.push(
      { ms: randomInt(r, 2000, 8000), empty: true },
      { ms: randomInt(r, 2000, 5000), walkFromCm: from, walkToCm: stand },
      { ms: randomInt(r, 2000, 10_000), standAtCm: stand },
      { ms: randomInt(r, 2000, 4000), walkFromCm: stand, walkToCm: randomInt(r, 300, 450) },
    );
  }
  return segmentScenario(`random-${seed}`, `${visits} seeded random visits (seed ${seed})`, segments);
}

/** A hand on one pad. */
export interface Press {
  channel: number;
  atMs: number;
  holdMs: number;
}

export interface TouchScenario {
  readonly name: string;
  readonly description: string;
  readonly periodMs: number;
  /** Presses within one period, sorted by start; presses on one channel do not overlap. */
  readonly presses: readonly Press[];
}

export function touchScenario(name: string, description: string, periodMs: number, presses: readonly Press[]): TouchScenario {
  const sorted = [...presses].sort((a, b) => a.atMs - b.atMs);
  for (const p of sorted) {
    if (!Number.isInteger(p.channel) || p.channel < 0 || p.channel > 12) throw new RangeError(`channel must be 0..12, got ${p.channel}`);
    if (p.atMs < 0 || p.holdMs <= 0 || p.atMs + p.holdMs >= periodMs) throw new RangeError(`press on ${p.channel} at ${p.atMs} ms does not fit the ${periodMs} ms period`);
    const overlap = sorted.find((q) => q !== p && q.channel === p.channel && q.atMs < p.atMs + p.holdMs && p.atMs < q.atMs + q.holdMs);
    if (overlap) throw new RangeError(`presses on channel ${p.channel} overlap`);
  }
  return { name, description, periodMs, presses: sorted };
}

/** The brief's example: a hand touches pad 3 for 4 s (from 1 s), every 8 s. */
export const PAD3: TouchScenario = touchScenario('pad3', 'hand touches pad 3 for 4 s', 8000, [{ channel: 3, atMs: 1000, holdMs: 4000 }]);

export const NO_TOUCH: TouchScenario = { name: 'idle', description: 'nobody touches anything', periodMs: 1000, presses: [] };

/** Random presses on electrodes 0–11 (not the proximity channel), at most one pad at a time. */
export function randomTouchScenario(seed: number, presses = 30): TouchScenario {
  const r = seededRandom(seed ^ 0x7f4a7c15);
  const list: Press[] = [];
  let t = 500;
  for (let i = 0; i < presses; i++) {
    t += randomInt(r, 300, 6000);
    const holdMs = randomInt(r, 150, 4000);
    list.push({ channel: randomInt(r, 0, 11), atMs: t, holdMs });
    t += holdMs;
  }
  return touchScenario(`random-${seed}`, `${presses} seeded random presses (seed ${seed})`, t + 1000, list);
}
