/**
 * Decoded radar reports → the RadarReading the pipeline consumes. Pure.
 *
 * LD2410: the codec already nulls the distance of a target kind the state byte says is absent (real
 * captures keep stale values there, notes §3.4 L5). A distance of 0 cm is not trusted either: firmware
 * V1.07 reports the stationary and detection distances as 0 in many real captures (notes §3.4 L1, L6–L9)
 * while the state says a target is there, and no radar measures a person at 0 cm.
 *
 * LD2450: no state byte and no energies; a slot holds a target or is all zero (notes §3.5). A target
 * with non-zero speed is moving, else stationary; its distance is |(x, y)|. Energies are reported as 0.
 */
import type { Ld2410Report } from '../../protocol/sensors/ld2410/report.js';
import type { Ld2450Report, Ld2450Target } from '../../protocol/sensors/ld2450/report.js';
import type { RadarReading, Stamp } from '../core/types.js';

const trusted = (cm: number | null): number | null => (cm !== null && cm > 0 ? cm : null);

function nearest(values: readonly (number | null)[]): number | null {
  let best: number | null = null;
  for (const v of values) if (v !== null && (best === null || v < best)) best = v;
  return best;
}

export function ld2410Reading(sensor: string, report: Ld2410Report, at: Stamp): RadarReading {
  const movingDistanceCm = trusted(report.movingDistanceCm);
  const staticDistanceCm = trusted(report.staticDistanceCm);
  return {
    sensor,
    model: 'ld2410',
    at,
    moving: report.movingTarget,
    stationary: report.staticTarget,
    distanceCm: nearest([movingDistanceCm, staticDistanceCm]) ?? trusted(report.detectionDistanceCm),
    movingDistanceCm,
    staticDistanceCm,
    movingEnergy: report.movingTarget ? report.movingEnergy : 0,
    staticEnergy: report.staticTarget ? report.staticEnergy : 0,
  };
}

const distanceOf = (t: Ld2450Target) => Math.round(Math.hypot(t.xMm, t.yMm) / 10);

export function ld2450Reading(sensor: string, report: Ld2450Report, at: Stamp): RadarReading {
  const targets = report.targets.filter((t): t is Ld2450Target => t !== null);
  const moving = targets.filter((t) => t.speedCmPerS !== 0).map(distanceOf);
  const still = targets.filter((t) => t.speedCmPerS === 0).map(distanceOf);
  return {
    sensor,
    model: 'ld2450',
    at,
    moving: moving.length > 0,
    stationary: still.length > 0,
    distanceCm: nearest([...moving, ...still].map(trusted)),
    movingDistanceCm: nearest(moving.map(trusted)),
    staticDistanceCm: nearest(still.map(trusted)),
    movingEnergy: 0,
    staticEnergy: 0,
  };
}
