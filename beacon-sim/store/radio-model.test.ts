/**
 * The RSSI model's statistics: received RSSI follows the log-distance model of protocol/ble
 * (rssiAtDistance, protocols.md §5.1) with Gaussian noise of the configured σ, packets go missing at
 * the configured rate, nothing below the sensitivity is heard. Tolerances are ~5 standard errors of
 * each estimate, so the test fails on a wrong model, not on an unlucky seed.
 */
import { describe, expect, it } from 'vitest';
import { estimateDistanceM, rssiAtDistance } from '../../protocol/ble/distance.js';
import { seededRandom } from '../sensors/rng.js';
import { type ReceiverModel, meanRssi, receivePacket } from './radio-model.js';
import { gaussian, stream, streamSeed } from './random.js';

const N = 20_000;
const model = { pathLossExponent: 2.5, noiseDb: 4 };
const open: ReceiverModel = { missRate: 0, sensitivityDbm: -127 };

function sample(receiver: ReceiverModel, d: number, p1m: number, seed = 42) {
  const r = seededRandom(seed);
  const got: number[] = [];
  let lost = 0;
  for (let i = 0; i < N; i++) {
    const v = receivePacket(model, receiver, r, d, p1m);
    if (v === null) lost++;
    else got.push(v);
  }
  const mean = got.reduce((a, b) => a + b, 0) / got.length;
  const sd = Math.sqrt(got.reduce((a, b) => a + (b - mean) ** 2, 0) / (got.length - 1));
  return { got, lost, mean, sd };
}

describe('RSSI model', () => {
  it('mean follows the log-distance model at every distance; spread is the configured σ (plus rounding)', () => {
    for (const d of [0.5, 1, 2, 4, 8]) {
      const s = sample(open, d, -59);
      const expected = rssiAtDistance(d, -59, { pathLossExponent: 2.5 });
      // σ/√N ≈ 0.03 dB; rounding to whole dBm adds no bias
      expect(Math.abs(s.mean - expected)).toBeLessThan(0.15);
      // rounding adds 1/12 dB² of variance: √(16 + 1/12) = 4.01
      expect(Math.abs(s.sd - Math.sqrt(16 + 1 / 12))).toBeLessThan(0.15);
      expect(s.lost).toBe(0);
    }
  });

  it('the mean inverts back to the distance with protocol/ble estimateDistanceM', () => {
    const s = sample(open, 3, -59, 7);
    expect(estimateDistanceM(s.mean, -59, { pathLossExponent: 2.5 })).toBeCloseTo(3, 1);
  });

  it('extra loss (a phone in a pocket) lowers the mean by that much', () => {
    const base = sample(open, 2, -59, 3).mean;
    const pocket = sample({ ...open, extraLossDb: 3 }, 2, -59, 3).mean;
    expect(meanRssi(model, { ...open, extraLossDb: 3 }, 2, -59)).toBeCloseTo(rssiAtDistance(2, -59, { pathLossExponent: 2.5 }) - 3, 9);
    expect(base - pocket).toBeGreaterThan(2.8);
    expect(base - pocket).toBeLessThan(3.2);
  });

  it('misses packets at the configured rate', () => {
    const s = sample({ missRate: 0.3, sensitivityDbm: -127 }, 1, -59, 11);
    // binomial: σ = √(N·0.3·0.7) ≈ 65 packets
    expect(Math.abs(s.lost - 0.3 * N)).toBeLessThan(330);
  });

  it('hears nothing below the sensitivity: the received share is the Gaussian tail above it', () => {
    // mean at 10 m = −59 − 25 = −84 dBm; floor −84 → about half heard (Φ(0.5 dB/4.01 dB) with rounding at −83.5)
    const s = sample({ missRate: 0, sensitivityDbm: -84 }, 10, -59, 5);
    expect(Math.min(...s.got)).toBeGreaterThanOrEqual(-84);
    const share = s.got.length / N;
    expect(share).toBeGreaterThan(0.5);
    expect(share).toBeLessThan(0.6);
  });

  it('clamps to the HCI RSSI range and draws exactly three numbers per packet, heard or not', () => {
    const r = seededRandom(1);
    expect(receivePacket({ pathLossExponent: 2, noiseDb: 0 }, open, r, 0.0001, 20)).toBe(20);
    const a = seededRandom(9);
    const b = seededRandom(9);
    receivePacket(model, { missRate: 1, sensitivityDbm: -127 }, a, 1, -59);
    b();
    gaussian(b);
    expect(a()).toBe(b());
  });

  it('independent streams per label; same seed and label, same stream', () => {
    expect(stream(1, 'air')()).toBe(stream(1, 'air')());
    expect(streamSeed(1, 'air')).not.toBe(streamSeed(1, 'plan'));
    expect(streamSeed(1, 'air')).not.toBe(streamSeed(2, 'air'));
  });
});
