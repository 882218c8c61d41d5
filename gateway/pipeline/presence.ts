/**
 * Stage 2: sightings (and radar / touch activity) → dwell, proximity and left.
 *
 * dwell (claim 4, [0208]): a beacon received "at a plurality of at least partially consecutive
 * times" whose first-to-last period "achieves (is equal to or longer than) the threshold period".
 * Time is cut into `intervalMs` buckets counted from the first sighting of the run; the run holds
 * while every bucket has at least one sighting ([0208]: "a beacon broadcast … at each time step
 * of the predetermined time interval"). A bucket with none — a missed interval — restarts the run
 * at the next sighting. Dwell fires when the period from the run's first sighting reaches
 * `thresholdMs` (≥, so exactly at the threshold fires), once per beacon session.
 *   Tolerance: a gap between two sightings of up to `intervalMs` never breaks the run; a gap up to
 *   2·intervalMs may or may not (it depends where in its bucket the earlier sighting fell); longer
 *   always does. `maxMissedIntervals` (default 0, the claim as written) lets that many empty buckets
 *   pass. A Pi hears a fraction of advertisements (protocols.md §5.3: 30–40 % in bluepy#310), so
 *   choose intervalMs as several advertising intervals — 1 s for a 100–350 ms beacon.
 *
 * proximity (claim 11, [0209]): a signal strength that "achieves (is greater than or equal to) the
 * threshold RSSI". We compare the *smoothed* RSSI, not a single advertisement: one packet can be
 * 5 dB off (protocols.md §5.1), and a trigger on one lucky packet is a false alarm. Fires on the
 * rising edge; re-arms when the smoothed RSSI falls `hysteresisDb` below the threshold, so a value
 * hovering at the threshold does not fire on every advertisement.
 *
 * left: the end of a *spot session* — a trigger by the absence of events (the realtime-marketing
 * talk's "user left game" event). Sightings, radar presence and touches all keep the session
 * alive; when none arrives for `inactivityMs` the session ends. That is noticed by `tick(now)`
 * (or, if ticks lag, by the next event, before it starts a new session). By default only sessions
 * that produced an interaction end with `left`: a passer-by who triggered nothing needs no
 * "has left" message. A beacon unheard for `inactivityMs` also ends that beacon's session
 * silently, which re-arms its dwell.
 *
 * Per-beacon state sits in a capped LRU (bounded-cache.ts) like every other keyed state.
 */
import type { Stamp } from '../core/types.js';
import { BoundedCache, type BoundedCacheStats } from './bounded-cache.js';
import { SignalSummary, makeInteraction } from './summary.js';
import type { ItemRef, Sighting, StageEvent } from './types.js';

export interface PresenceOptions {
  dwell: {
    intervalMs: number;
    thresholdMs: number;
    /** Empty buckets a run survives. Default 0. */
    maxMissedIntervals?: number;
  };
  proximity: {
    /** Smoothed RSSI at or above this fires proximity. */
    rssiDbm: number;
    /** Re-arm below rssiDbm − hysteresisDb. Default 3 dB. */
    hysteresisDb?: number;
  };
  inactivityMs: number;
  /** The gateway's spot item: used when a sighted beacon has no item of its own, and on left. */
  spotItem?: ItemRef;
  /** Per-beacon state cap. Default 1024. */
  maxBeacons?: number;
  /** 'after-interaction' (default): left only ends sessions that produced an interaction. */
  left?: 'after-interaction' | 'always';
}

export const DEFAULT_PROXIMITY_HYSTERESIS_DB = 3;

export interface PresenceStats {
  dwell: number;
  proximity: number;
  left: number;
  sessionsStarted: number;
  /** Sessions that ended without an interaction (no left sent). */
  sessionsQuiet: number;
  /** Dwell runs restarted by a missed interval. */
  runsBroken: number;
  beacons: BoundedCacheStats;
  sessionActive: boolean;
}

export interface PresenceStage {
  onSighting(s: Sighting): StageEvent[];
  /** Evidence of a shopper from another sensor: radar presence (with its distance) or a touch. */
  onActivity(at: Stamp, radarDistanceM?: number): StageEvent[];
  /** Marks the current session as having produced an interaction (from the interactions stage). */
  noteInteraction(at: Stamp): StageEvent[];
  tick(now: Stamp): StageEvent[];
  stats(): PresenceStats;
}

interface BeaconPresence {
  runStart: Stamp;
  /** Highest bucket index seen in the current run. */
  runBucket: number;
  run: SignalSummary;
  session: SignalSummary;
  dwellFired: boolean;
  proximityArmed: boolean;
}

interface SpotSession {
  start: Stamp;
  last: Stamp;
  engaged: boolean;
  ble: SignalSummary;
  minRadarM: number;
}

export function createPresence(options: PresenceOptions): PresenceStage {
  const { intervalMs, thresholdMs } = options.dwell;
  const maxMissed = options.dwell.maxMissedIntervals ?? 0;
  const { rssiDbm } = options.proximity;
  const hysteresis = options.proximity.hysteresisDb ?? DEFAULT_PROXIMITY_HYSTERESIS_DB;
  const { inactivityMs, spotItem } = options;
  const leftPolicy = options.left ?? 'after-interaction';
  if (!(intervalMs > 0) || !(thresholdMs >= 0) || !(inactivityMs > 0) || !(maxMissed >= 0)) {
    throw new RangeError('presence: intervalMs and inactivityMs must be > 0, thresholdMs and maxMissedIntervals ≥ 0');
  }
  const beacons = new BoundedCache<string, BeaconPresence>(options.maxBeacons ?? 1024, inactivityMs);
  let session: SpotSession | undefined;
  const counts = { dwell: 0, proximity: 0, left: 0, sessionsStarted: 0, sessionsQuiet: 0, runsBroken: 0 };

  function expire(now: Stamp): StageEvent[] {
    if (!session || now.monoMs - session.last.monoMs < inactivityMs) return [];
    const s = session;
    session = undefined;
    if (!s.engaged && leftPolicy === 'after-interaction') {
      counts.sessionsQuiet++;
      return [];
    }
    counts.left++;
    // Radar measures the shopper; a BLE estimate is only a fallback (protocols.md §5.1: "ranking, not a position").
    const distanceM = Number.isFinite(s.minRadarM) ? s.minRadarM : s.ble.distance();
    const interaction = makeInteraction('left', s.start, s.last, { rssi: s.ble.rssi(), distanceM, item: spotItem });
    return [{ interaction, cause: { kind: 'absence' }, at: now }];
  }

  function touchSession(at: Stamp): { events: StageEvent[]; session: SpotSession } {
    const events = expire(at);
    if (!session) {
      session = { start: at, last: at, engaged: false, ble: new SignalSummary(), minRadarM: Infinity };
      counts.sessionsStarted++;
    } else if (at.monoMs > session.last.monoMs) {
      session.last = at;
    }
    return { events, session };
  }

  return {
    onSighting(s) {
      const { events, session: spot } = touchSession(s.at);
      spot.ble.add(s.rssi, s.distanceM);
      const t = s.at.monoMs;
      let b = beacons.get(s.beaconId, t);
      if (!b) {
        b = { runStart: s.at, runBucket: 0, run: new SignalSummary(), session: new SignalSummary(), dwellFired: false, proximityArmed: true };
        beacons.set(s.beaconId, b, t);
      } else {
        // Out-of-order stamps land in bucket 0 rather than a negative one.
        const bucket = Math.max(0, Math.floor((t - b.runStart.monoMs) / intervalMs));
        if (bucket - b.runBucket > 1 + maxMissed) {
          counts.runsBroken++;
          b.runStart = s.at;
          b.runBucket = 0;
          b.run = new SignalSummary();
        } else if (bucket > b.runBucket) {
          b.runBucket = bucket;
        }
      }
      b.run.add(s.rssi, s.distanceM);
      b.session.add(s.rssi, s.distanceM);
      const item = s.item ?? spotItem;
      const cause = { kind: 'beacon', beaconId: s.beaconId } as const;

      if (!b.dwellFired && t - b.runStart.monoMs >= thresholdMs) {
        b.dwellFired = true;
        counts.dwell++;
        events.push({
          interaction: makeInteraction('dwell', b.runStart, s.at, { rssi: b.run.rssi(), distanceM: b.run.distance(), item }),
          cause,
          at: s.at,
        });
      }
      if (b.proximityArmed && s.smoothedRssi >= rssiDbm) {
        b.proximityArmed = false;
        counts.proximity++;
        events.push({
          interaction: makeInteraction('proximity', s.at, s.at, { rssi: b.session.rssi(), distanceM: s.distanceM, item }),
          cause,
          at: s.at,
        });
      } else if (!b.proximityArmed && s.smoothedRssi < rssiDbm - hysteresis) {
        b.proximityArmed = true;
      }
      if (events.some((e) => e.cause.kind === 'beacon')) spot.engaged = true;
      return events;
    },

    onActivity(at, radarDistanceM) {
      const { events, session: spot } = touchSession(at);
      if (radarDistanceM !== undefined && radarDistanceM < spot.minRadarM) spot.minRadarM = radarDistanceM;
      return events;
    },

    noteInteraction(at) {
      const { events, session: spot } = touchSession(at);
      spot.engaged = true;
      return events;
    },

    tick(now) {
      beacons.prune(now.monoMs);
      return expire(now);
    },

    stats() {
      return { ...counts, beacons: beacons.stats(), sessionActive: session !== undefined };
    },
  };
}
