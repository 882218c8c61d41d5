import { describe, expect, it } from 'vitest';
import { CURVE_FITS, curveFittedDistanceM, eddystoneMeasuredPower1m, estimateDistanceM, rssiAtDistance } from './distance.js';

describe('log-distance model', () => {
  // shared/docs/protocols.md §5.1 table, P1m = −59 dBm
  const table: [number, number, number][] = [
    [-65, 2, 2.0], [-69, 2, 3.16], [-75, 2, 6.31], [-79, 2, 10.0], [-89, 2, 31.6],
    [-65, 2.5, 1.74], [-75, 3, 3.41], [-89, 3, 10.0], [-79, 4, 3.16], [-89, 4, 5.62],
  ];
  for (const [rssi, n, d] of table) {
    it(`RSSI ${rssi} dBm, n=${n} → ${d} m`, () => {
      expect(estimateDistanceM(rssi, -59, { pathLossExponent: n })).toBeCloseTo(d, 1);
    });
  }
  it('is 1 m at the calibrated power, and inverts rssiAtDistance', () => {
    expect(estimateDistanceM(-59, -59)).toBe(1);
    expect(estimateDistanceM(rssiAtDistance(4.2, -62, { pathLossExponent: 2.7 }), -62, { pathLossExponent: 2.7 })).toBeCloseTo(4.2, 9);
  });
  it('converts Eddystone 0 m power to 1 m with the spec\'s 41 dB', () => {
    expect(eddystoneMeasuredPower1m(-18)).toBe(-59);
    // sandeepmistry's scanner: distance = 10^(((txPower − rssi) − 41)/20)
    expect(estimateDistanceM(-79, eddystoneMeasuredPower1m(-18))).toBeCloseTo(10 ** ((-18 + 79 - 41) / 20), 12);
  });
  it('refuses a non-positive exponent', () => {
    expect(() => estimateDistanceM(-60, -59, { pathLossExponent: 0 })).toThrow(RangeError);
  });
});

describe('curve-fitted model (android-beacon-library)', () => {
  // [SRC] ModelSpecificDistanceCalculatorTest.java
  it('Nexus 5 at the calibrated power is 1.0 ± 0.1 m (exactly 0.97085)', () => {
    expect(curveFittedDistanceM(-59, -59, CURVE_FITS.nexus5)).toBeCloseTo(0.97085, 5);
  });
  it('Moto X Pro (−49, −58) → 2.661125466', () => {
    expect(curveFittedDistanceM(-58, -49, CURVE_FITS.motoXPro)).toBeCloseTo(2.661125466, 8);
  });
  it('uses ratio^10 closer than 1 m', () => {
    expect(curveFittedDistanceM(-50, -59)).toBeCloseTo((50 / 59) ** 10, 12);
  });
});
