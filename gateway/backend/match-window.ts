/**
 * The beacon–device match window ([0231]): a sensor communication and a user communication match
 * when their sensor identifiers are equal and their timestamps lie within a threshold time period
 * ("one, five, etc. seconds"). Pure: numbers in, numbers out.
 *
 * The two timestamps come from different clocks — the gateway's (beacon timestamp 275-1, [0207])
 * and the phone's (device timestamp 275-2, [0217]) — so the window follows the gateway's reported
 * clock quality (sensor-communication `clock`):
 *
 *   centre = timestamp − clock.offsetMs        the beacon timestamp moved onto the reference clock
 *                                              (offsetMs = gateway clock − reference, 0 if unknown)
 *   half   = windowMs                          clock.synced: the offset was measured, trust it
 *          = windowMs + unsyncedSlackMs + |offsetMs|
 *                                              not synced: the offset is at best an estimate, so
 *                                              the window covers both the corrected and the raw
 *                                              timestamp, plus a fixed allowance for drift
 *   half   = min(half, maxWindowMs)            a wildly wrong clock gives fewer matches, never a
 *                                              window so wide that every shopper matches
 *
 *   match ⇔ |deviceTimestamp − centre| ≤ half  (inclusive: "within" the threshold period)
 *
 * So a synced gateway gets the narrow window and an unsynced one a wider window shifted by its
 * estimated offset. The phone's clock (NTP/NITZ on any phone) has no quality field; windowMs
 * covers it together with the behavioural lag between the phone's trigger and the gateway's event.
 */

export interface MatchWindowOptions {
  /** Half-width for a synced gateway clock, ms. Default 5000 ([0231]: "one, five, etc. seconds"). */
  windowMs: number;
  /** Extra half-width for a gateway whose clock is not synced, ms. Default 5000. */
  unsyncedSlackMs: number;
  /** No half-width exceeds this, ms; it also bounds the index range scan. Default 30000. */
  maxWindowMs: number;
}

export const DEFAULT_MATCH_WINDOW: Readonly<MatchWindowOptions> = { windowMs: 5000, unsyncedSlackMs: 5000, maxWindowMs: 30_000 };

export interface GatewayClock {
  synced: boolean;
  offsetMs: number;
}

export interface SensorWindow {
  /** The beacon timestamp on the reference clock, ms. */
  centreMs: number;
  /** Half-width of the window around centreMs, ms. */
  halfWidthMs: number;
}

/** Throws RangeError for options that cannot describe a window (a configuration error). */
export function checkMatchWindow(o: MatchWindowOptions): MatchWindowOptions {
  for (const [k, v] of Object.entries(o)) {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${k} must be a non-negative integer (ms)`);
  }
  if (o.maxWindowMs < o.windowMs) throw new RangeError('maxWindowMs must be at least windowMs');
  return o;
}

export function sensorWindow(timestamp: number, clock: GatewayClock, o: MatchWindowOptions): SensorWindow {
  const offset = Number.isFinite(clock.offsetMs) ? clock.offsetMs : 0;
  const slack = clock.synced ? 0 : o.unsyncedSlackMs + Math.abs(offset);
  return { centreMs: Math.round(timestamp - offset), halfWidthMs: Math.round(Math.min(o.maxWindowMs, o.windowMs + slack)) };
}

export function withinWindow(deviceTimestamp: number, w: SensorWindow): boolean {
  return Math.abs(deviceTimestamp - w.centreMs) <= w.halfWidthMs;
}
