/**
 * Helpers that turn what a stage observed into the schema's interaction fields, so every stage
 * rounds, clamps and orders times the same way (protocol/messages/schemas/sensor-communication.ts).
 */
import type { Stamp } from '../core/types.js';
import type { Interaction, InteractionType, ItemRef, RadarPeak, RssiSummary } from './types.js';

/** The schema's plausibility bound on distances (sensor-communication.ts MAX_DISTANCE_M). */
export const MAX_DISTANCE_M = 100;

/** Running max / mean of RSSI and min distance over an interaction. */
export class SignalSummary {
  private max = -Infinity;
  private sum = 0;
  private n = 0;
  minDistanceM = Infinity;

  add(rssi: number, distanceM?: number): void {
    if (rssi > this.max) this.max = rssi;
    this.sum += rssi;
    this.n++;
    if (distanceM !== undefined && distanceM < this.minDistanceM) this.minDistanceM = distanceM;
  }

  get samples(): number {
    return this.n;
  }

  rssi(): RssiSummary | undefined {
    if (this.n === 0) return undefined;
    // Rounding the mean to 0.1 dB must not lift it above the max (a schema rule).
    const mean = Math.min(this.max, Math.round((this.sum / this.n) * 10) / 10);
    return { max: this.max, mean, samples: this.n };
  }

  distance(): number | undefined {
    return Number.isFinite(this.minDistanceM) ? clampDistance(this.minDistanceM) : undefined;
  }
}

export function clampDistance(m: number): number {
  return Math.round(Math.min(Math.max(m, 0), MAX_DISTANCE_M) * 100) / 100;
}

/**
 * Times as the schema wants them: integer epoch ms for the wall clock, duration from the monotonic
 * clock (authoritative when NTP stepped the wall clock in between), and never endedAt < startedAt —
 * a wall clock stepped backwards mid-interaction would otherwise make a message the schema refuses.
 */
export function span(start: Stamp, end: Stamp): Pick<Interaction, 'startedAt' | 'endedAt' | 'durationMs'> {
  const startedAt = Math.max(0, Math.round(start.wallMs));
  const endedAt = Math.max(startedAt, Math.round(end.wallMs));
  const durationMs = Math.max(0, Math.round(end.monoMs - start.monoMs));
  return { startedAt, endedAt, durationMs };
}

export interface InteractionParts {
  rssi?: RssiSummary | undefined;
  distanceM?: number | undefined;
  radarPeaks?: RadarPeak[] | undefined;
  touchChannel?: number | undefined;
  item?: ItemRef | undefined;
}

/** Builds an interaction, leaving out empty optional fields (the schema refuses `item: {}`). */
export function makeInteraction(type: InteractionType, start: Stamp, end: Stamp, parts: InteractionParts = {}): Interaction {
  const i: Interaction = { type, ...span(start, end) };
  if (parts.rssi) i.rssi = parts.rssi;
  if (parts.distanceM !== undefined) i.distanceM = clampDistance(parts.distanceM);
  if (parts.radarPeaks && parts.radarPeaks.length > 0) i.radarPeaks = parts.radarPeaks;
  if (parts.touchChannel !== undefined) i.touchChannel = parts.touchChannel;
  if (parts.item && Object.keys(parts.item).length > 0) i.item = parts.item;
  return i;
}
