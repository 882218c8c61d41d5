import { describe, expect, it } from 'vitest';
import { DEFAULT_INTEREST, durationBonus, INTERACTION_WEIGHTS, isHandling, sensorScore, stockState, thresholdFor, userScore } from './interest.js';

const o = DEFAULT_INTEREST;

describe('interest ([0226]–[0232], [0244])', () => {
  it('ranks touch/hold above approach/view ([0232]) and leaving at zero', () => {
    const w = INTERACTION_WEIGHTS;
    expect(Math.min(w.touch, w.hold)).toBeGreaterThan(Math.max(w.approach, w.view));
    expect(w.left).toBe(0);
    expect(sensorScore({ type: 'left', durationMs: 60_000 }, 'item')).toBe(0);
  });

  it('adds dwell time, capped, and spreads thinner over types and areas', () => {
    expect(durationBonus(0)).toBe(0);
    expect(durationBonus(10_000)).toBe(0.5);
    expect(durationBonus(3_600_000)).toBe(3);
    expect(sensorScore({ type: 'hold', durationMs: 20_000 }, 'item')).toBe(7);
    expect(sensorScore({ type: 'hold', durationMs: 20_000 }, 'type')).toBe(3.5);
    expect(sensorScore({ type: 'hold', durationMs: 20_000 }, 'area')).toBe(1.75);
  });

  it('reads handling from phone movement: an acceleration peak while nearly standing still (claim 7)', () => {
    const trigger = { type: 'dwell' as const, periodMs: 10_000, maxRssi: -60 };
    const mv = (peakMs2: number, steps?: number) => ({ startedAt: 0, endedAt: 1, accel: { rmsMs2: 0.4, peakMs2 }, ...(steps !== undefined ? { steps } : {}) });
    expect(isHandling(mv(3.1, 4))).toBe(true);
    expect(isHandling(mv(3.1, 20))).toBe(false);
    expect(isHandling(mv(1.0))).toBe(false);
    expect(isHandling(undefined)).toBe(false);
    expect(userScore({ trigger, movement: mv(3.1, 4) }, 'item') - userScore({ trigger }, 'item')).toBe(2);
  });

  it('lowers the threshold at low and zero stock, raises it at high stock, keeps it when unknown', () => {
    const item = { itemId: 'x', threshold: 10, highStock: 50 };
    expect(stockState({ ...item, stock: 0 }, {}, o)).toBe('out');
    expect(thresholdFor({ ...item, stock: 0 }, {}, o)).toBe(5);
    expect(thresholdFor({ ...item, stock: 3 }, {}, o)).toBe(5);
    expect(thresholdFor({ ...item, stock: 4 }, {}, o)).toBe(10);
    expect(thresholdFor({ ...item, stock: 50 }, {}, o)).toBe(12.5);
    expect(thresholdFor({ itemId: 'x' }, {}, o)).toBe(8);
    expect(thresholdFor(undefined, { threshold: 6, lowStock: 10 }, o)).toBe(6);
    expect(thresholdFor({ itemId: 'x', stock: 9 }, { threshold: 6, lowStock: 10, lowStockFactor: 0.25 }, o)).toBe(1.5);
  });
});
