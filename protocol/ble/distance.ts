/**
 * Distance from RSSI with the log-distance path-loss model (shared/docs/protocols.md §5.1):
 *   RSSI(d) = P1m − 10·n·log10(d / 1 m)  ⇒  d = 10^((P1m − RSSI) / (10·n))
 * Assumptions, stated because every figure depends on them:
 * - P1m is the beacon's calibrated RSSI at 1 m (iBeacon measured power, AltBeacon reference RSSI).
 *   Eddystone calibrates at 0 m; the spec says to subtract 41 dB for 1 m (free-space loss at
 *   2.4 GHz over 1 m is 40.1–40.3 dB).
 * - n is 2 in free space and 2–4 indoors (a furnished room measured 2.4); shops with people,
 *   shelves and metal fixtures sit at the high end, so callers should calibrate per site.
 * - RSSI should be smoothed first (median/EMA): single readings swing by ±5 dB or more, which at
 *   n = 2 is a factor of 1.8 in distance.
 * The result is an estimate for ranking "near / far", not a position.
 */

export const EDDYSTONE_0M_TO_1M_DB = 41;

export interface DistanceModel {
  /** Path-loss exponent n; default 2 (free space). */
  pathLossExponent?: number;
}

export function estimateDistanceM(rssi: number, measuredPower1m: number, model: DistanceModel = {}): number {
  const n = model.pathLossExponent ?? 2;
  if (!(n > 0) || !Number.isFinite(rssi) || !Number.isFinite(measuredPower1m)) {
    throw new RangeError('rssi, measured power and a positive path-loss exponent are required');
  }
  return 10 ** ((measuredPower1m - rssi) / (10 * n));
}

/** Eddystone's TX power is calibrated at 0 m. */
export function eddystoneMeasuredPower1m(txPower0m: number): number {
  return txPower0m - EDDYSTONE_0M_TO_1M_DB;
}

/** The inverse, for simulators: the RSSI a receiver at distance d would see (no noise). */
export function rssiAtDistance(distanceM: number, measuredPower1m: number, model: DistanceModel = {}): number {
  const n = model.pathLossExponent ?? 2;
  return measuredPower1m - 10 * n * Math.log10(Math.max(distanceM, 0.01));
}

/**
 * android-beacon-library's curve fit (distance/CurveFittedDistanceCalculator.java), for phones
 * whose receivers were measured: ratio = rssi / txPower; d = ratio^10 when ratio < 1, else
 * A·ratio^B + C. Coefficients from its model-distance-calculations.json.
 */
export interface CurveFit {
  a: number;
  b: number;
  c: number;
}

export const CURVE_FITS = {
  /** Nexus 4/5: the library's default model. */
  nexus5: { a: 0.42093, b: 6.9476, c: 0.54992 },
  motoXPro: { a: 0.9401940951, b: 6.170094565, c: 0 },
} as const satisfies Record<string, CurveFit>;

export function curveFittedDistanceM(rssi: number, measuredPower1m: number, fit: CurveFit = CURVE_FITS.nexus5): number {
  if (rssi === 0 || measuredPower1m === 0) throw new RangeError('rssi and measured power must be non-zero dBm');
  const ratio = rssi / measuredPower1m;
  return ratio < 1 ? ratio ** 10 : fit.a * ratio ** fit.b + fit.c;
}
