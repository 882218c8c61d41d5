/**
 * Stage 3: radar readings and touch events → the interaction types of [0232]:
 * approach ("walking up to an item"), view ("stopping and looking at an item"), touch ("picking up
 * and/or otherwise handling the item") and hold ("… handling the item for a period of time").
 *
 * Radar (one visit = one *episode*, from the first reading with a target within `maxDistanceCm`
 * until no such reading for `inactivityMs`):
 * - approach fires when the target first comes within `approachCm`. startedAt is the first
 *   reading of the episode, so durationMs is how long the walk-up took; fired at the crossing so
 *   the backend can act while the shopper is still there. Once per episode; re-armed when the
 *   target goes back beyond approachCm + `approachHysteresisCm` (stepping back and coming again).
 * - view fires when the target has been within approachCm, stationary and not moving, for
 *   `viewMs` (≥). Any reading that is moving, absent or farther restarts that clock. LD2410-class
 *   radars flag "moving" on limb motion too, so a fidgeting shopper views later, not wrongly.
 *   Once per episode (re-armed with approach).
 * Touch (per sensor and channel): emitted on *release*, so the interaction carries its true
 * duration — `hold` when the pad was held for at least `holdMs` (the patent's "achieves" is ≥,
 * [0208]), `touch` otherwise; one message per handling, never a touch followed by a hold. A pad
 * still pressed after `maxTouchMs` (a stuck electrode, a product resting on it, a lost release
 * line) is closed by tick() as a hold ending at that tick; its late release is then ignored.
 * Peaks: every interaction carries the closest radar distance and the strongest radar reports
 * (top `maxPeaks` by energy, in time order) seen during it — a touch also gets the radar's view
 * of the shopper's position while the pad was held.
 */
import type { RadarReading, Stamp, TouchEvent } from '../core/types.js';
import { clampDistance, makeInteraction } from './summary.js';
import type { ItemRef, RadarPeak, StageEvent } from './types.js';

export interface InteractionsOptions {
  approachCm: number;
  viewMs: number;
  holdMs: number;
  /** A radar episode ends after this long without a target in range. */
  inactivityMs: number;
  /** Targets beyond this are ignored (the aisle, the next shelf). Default 600 cm. */
  maxDistanceCm?: number;
  /** Default 30 cm. */
  approachHysteresisCm?: number;
  /** Item/type/area of this spot: radar interactions and unmapped touch channels. */
  spotItem?: ItemRef;
  /** Touch channel → item (a shelf with several products on one touch board). */
  touchItems?: Readonly<Record<number, ItemRef>>;
  /** Radar peaks kept per interaction (schema max 32). Default 4. */
  maxPeaks?: number;
  /** A press longer than this is closed by tick(). Default 300 000 ms. */
  maxTouchMs?: number;
}

export const INTERACTIONS_DEFAULTS = {
  maxDistanceCm: 600,
  approachHysteresisCm: 30,
  maxPeaks: 4,
  maxTouchMs: 300_000,
} as const;

/** Pads pressed at once across all touch boards; more is a bridge bug, not a shopper. */
const MAX_PRESSED = 64;

export interface InteractionsStats {
  approach: number;
  view: number;
  touch: number;
  hold: number;
  radarReadings: number;
  /** Readings with a target within maxDistanceCm. */
  radarPresent: number;
  /** A press on a pad already pressed (bridge resync, duplicate line). */
  duplicatePresses: number;
  /** A release without a press (lost press line, or after a stuck-pad close). */
  orphanReleases: number;
  /** Presses closed by tick() after maxTouchMs. */
  stuckTouches: number;
}

export interface InteractionsStage {
  onRadar(r: RadarReading): StageEvent[];
  onTouch(t: TouchEvent): StageEvent[];
  tick(now: Stamp): StageEvent[];
  /** Pads pressed right now. */
  pressedCount(): number;
  stats(): InteractionsStats;
}

export interface RadarTarget {
  distanceCm: number;
  energy: number;
  target: 'moving' | 'stationary';
}

/** The reading's nearest target when it is within range, else null (no target, untrusted distance). */
export function radarTarget(r: RadarReading, maxDistanceCm: number = INTERACTIONS_DEFAULTS.maxDistanceCm): RadarTarget | null {
  if (!(r.moving || r.stationary) || r.distanceCm === null || !(r.distanceCm <= maxDistanceCm) || r.distanceCm < 0) return null;
  const moving = r.moving && (!r.stationary || r.movingEnergy >= r.staticEnergy);
  return {
    distanceCm: r.distanceCm,
    energy: Math.min(100, Math.max(0, Math.round(moving ? r.movingEnergy : r.staticEnergy))),
    target: moving ? 'moving' : 'stationary',
  };
}

/** Closest distance and strongest reports over one interaction. */
export class PeakTracker {
  minDistanceCm = Infinity;
  private readonly top: RadarPeak[] = [];

  constructor(private readonly max: number) {}

  add(at: Stamp, t: RadarTarget): void {
    if (t.distanceCm < this.minDistanceCm) this.minDistanceCm = t.distanceCm;
    const peak: RadarPeak = { at: Math.max(0, Math.round(at.wallMs)), distanceM: clampDistance(t.distanceCm / 100), energy: t.energy, target: t.target };
    if (this.top.length < this.max) {
      this.top.push(peak);
      return;
    }
    let weakest = 0;
    for (let i = 1; i < this.top.length; i++) if (this.top[i]!.energy < this.top[weakest]!.energy) weakest = i;
    // Strictly stronger only: among equals the earliest report stays.
    if (peak.energy > this.top[weakest]!.energy) this.top[weakest] = peak;
  }

  peaks(): RadarPeak[] {
    return [...this.top].sort((a, b) => a.at - b.at);
  }

  distanceM(): number | undefined {
    return Number.isFinite(this.minDistanceCm) ? this.minDistanceCm / 100 : undefined;
  }
}

interface Episode {
  start: Stamp;
  lastPresent: Stamp;
  sensor: string;
  peaks: PeakTracker;
  approachFired: boolean;
  viewFired: boolean;
  stillStart: Stamp | undefined;
  stillPeaks: PeakTracker;
}

interface Press {
  sensor: string;
  channel: number;
  at: Stamp;
  peaks: PeakTracker;
}

export function createInteractions(options: InteractionsOptions): InteractionsStage {
  const { approachCm, viewMs, holdMs, inactivityMs, spotItem } = options;
  const maxDistanceCm = options.maxDistanceCm ?? INTERACTIONS_DEFAULTS.maxDistanceCm;
  const hysteresisCm = options.approachHysteresisCm ?? INTERACTIONS_DEFAULTS.approachHysteresisCm;
  const maxPeaks = Math.min(32, options.maxPeaks ?? INTERACTIONS_DEFAULTS.maxPeaks);
  const maxTouchMs = options.maxTouchMs ?? INTERACTIONS_DEFAULTS.maxTouchMs;
  const touchItems = options.touchItems ?? {};
  if (!(approachCm > 0) || !(viewMs >= 0) || !(holdMs >= 0) || !(inactivityMs > 0) || !(maxPeaks >= 1)) {
    throw new RangeError('interactions: approachCm, inactivityMs and maxPeaks must be > 0, viewMs and holdMs ≥ 0');
  }

  let episode: Episode | undefined;
  const pressed = new Map<string, Press>();
  const counts: InteractionsStats = {
    approach: 0, view: 0, touch: 0, hold: 0, radarReadings: 0, radarPresent: 0, duplicatePresses: 0, orphanReleases: 0, stuckTouches: 0,
  };

  const newEpisode = (at: Stamp, sensor: string): Episode => ({
    start: at, lastPresent: at, sensor, peaks: new PeakTracker(maxPeaks), approachFired: false, viewFired: false, stillStart: undefined, stillPeaks: new PeakTracker(maxPeaks),
  });

  function expireEpisode(now: Stamp): void {
    if (episode && now.monoMs - episode.lastPresent.monoMs >= inactivityMs) episode = undefined;
  }

  function closePress(p: Press, end: Stamp): StageEvent {
    const duration = end.monoMs - p.at.monoMs;
    const type = duration >= holdMs ? 'hold' : 'touch';
    counts[type]++;
    return {
      interaction: makeInteraction(type, p.at, end, {
        touchChannel: p.channel,
        item: touchItems[p.channel] ?? spotItem,
        distanceM: p.peaks.distanceM(),
        radarPeaks: p.peaks.peaks(),
      }),
      cause: { kind: 'touch', sensor: p.sensor, channel: p.channel },
      at: end,
    };
  }

  return {
    onRadar(r) {
      counts.radarReadings++;
      expireEpisode(r.at);
      const target = radarTarget(r, maxDistanceCm);
      if (!target) {
        if (episode) episode.stillStart = undefined;
        return [];
      }
      counts.radarPresent++;
      for (const p of pressed.values()) p.peaks.add(r.at, target);
      if (episode && episode.approachFired && target.distanceCm > approachCm + hysteresisCm) {
        // Stepped back: the next walk-up is a new approach.
        episode = undefined;
      }
      if (!episode) episode = newEpisode(r.at, r.sensor);
      const ep = episode;
      ep.lastPresent = r.at;
      ep.peaks.add(r.at, target);
      const cause = { kind: 'radar', sensor: r.sensor } as const;
      const events: StageEvent[] = [];
      const near = target.distanceCm <= approachCm;

      if (near && !ep.approachFired) {
        ep.approachFired = true;
        counts.approach++;
        events.push({
          interaction: makeInteraction('approach', ep.start, r.at, { distanceM: ep.peaks.distanceM(), radarPeaks: ep.peaks.peaks(), item: spotItem }),
          cause,
          at: r.at,
        });
      }

      const still = near && r.stationary && !r.moving;
      if (!still) {
        ep.stillStart = undefined;
      } else {
        if (!ep.stillStart) {
          ep.stillStart = r.at;
          ep.stillPeaks = new PeakTracker(maxPeaks);
        }
        ep.stillPeaks.add(r.at, target);
        if (!ep.viewFired && r.at.monoMs - ep.stillStart.monoMs >= viewMs) {
          ep.viewFired = true;
          counts.view++;
          events.push({
            interaction: makeInteraction('view', ep.stillStart, r.at, {
              distanceM: ep.stillPeaks.distanceM(),
              radarPeaks: ep.stillPeaks.peaks(),
              item: spotItem,
            }),
            cause,
            at: r.at,
          });
        }
      }
      return events;
    },

    onTouch(t) {
      const key = `${t.sensor}\u0000${t.channel}`;
      const p = pressed.get(key);
      if (t.touched) {
        if (p) counts.duplicatePresses++;
        else if (pressed.size < MAX_PRESSED) pressed.set(key, { sensor: t.sensor, channel: t.channel, at: t.at, peaks: new PeakTracker(maxPeaks) });
        return [];
      }
      if (!p) {
        counts.orphanReleases++;
        return [];
      }
      pressed.delete(key);
      return [closePress(p, t.at)];
    },

    tick(now) {
      expireEpisode(now);
      const events: StageEvent[] = [];
      for (const [key, p] of pressed) {
        if (now.monoMs - p.at.monoMs < maxTouchMs) continue;
        pressed.delete(key);
        counts.stuckTouches++;
        events.push(closePress(p, now));
      }
      return events;
    },

    pressedCount() {
      return pressed.size;
    },

    stats() {
      return { ...counts };
    },
  };
}
