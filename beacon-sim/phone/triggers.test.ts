/**
 * The phone's triggering events, claim by claim: dwell over consecutive receipts (claim 4, [0208]),
 * the RSSI threshold (claim 11, [0209]) and follow-ups with new timestamps (claim 8, [0217]).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type TriggerSettings, createTriggerDetector } from './triggers.js';

const B = 'ibeacon:6a0e2b9c-3f41-4d8e-9b7a-52c1d0e8f417:10:2';
const settings = (over: Partial<TriggerSettings> = {}): TriggerSettings => ({
  dwell: { stepMs: 1000, thresholdMs: 5000, maxMissedSteps: 0, minRssi: -75 },
  proximity: { enabled: false, rssiDbm: -60 },
  followUp: { everyMs: 3000, max: 10 },
  cooldownMs: 10_000,
  ...over,
});

/** Feeds receipts every `everyMs` from t0 to t1 (inclusive) at one RSSI; returns what fired. */
function feed(d: ReturnType<typeof createTriggerDetector>, t0: number, t1: number, everyMs: number, rssi = -65, beacon = B) {
  const fired = [];
  for (let t = t0; t <= t1; t += everyMs) {
    const f = d.receipt(beacon, rssi, t);
    if (f) fired.push(f);
  }
  return fired;
}

describe('claim 4: dwell over consecutive receipts', () => {
  it('fires when the first-to-last period reaches the threshold (≥), not one step before', () => {
    const d = createTriggerDetector(settings());
    const early = feed(d, 0, 4999, 500);
    expect(early).toEqual([]);
    const f = d.receipt(B, -66, 5000);
    expect(f).toEqual({ beaconId: B, type: 'dwell', followUp: 0, firstAt: 0, lastAt: 5000, periodMs: 5000, maxRssi: -65, receipts: 11 });
  });

  it('a step without a receipt breaks the run (claim as written); the period restarts', () => {
    const d = createTriggerDetector(settings());
    feed(d, 0, 3000, 500);
    // steps 4 and 5 (4000–5999 ms) empty → the receipt at 6000 starts a new run
    expect(d.receipt(B, -60, 6000)).toBeNull();
    expect(feed(d, 6500, 10_500, 500)).toEqual([]);
    const f = d.receipt(B, -60, 11_000);
    expect(f).toMatchObject({ type: 'dwell', firstAt: 6000, periodMs: 5000 });
    expect(d.stats().runsBroken).toBe(1);
  });

  it('maxMissedSteps lets that many empty steps pass', () => {
    const d = createTriggerDetector(settings({ dwell: { stepMs: 1000, thresholdMs: 5000, maxMissedSteps: 1, minRssi: -75 } }));
    feed(d, 0, 2900, 100);
    // step 3 empty, step 4 heard: one missed step is tolerated
    expect(feed(d, 4000, 5000, 100)).toMatchObject([{ type: 'dwell', firstAt: 0, lastAt: 5000 }]);
  });

  it('receipts below minRssi do not count (the beacon across the store)', () => {
    const d = createTriggerDetector(settings());
    expect(feed(d, 0, 20_000, 300, -80)).toEqual([]);
    expect(d.stats().tooWeak).toBeGreaterThan(60);
    expect(d.active).toBe(0);
  });

  it('each beacon has its own run', () => {
    const d = createTriggerDetector(settings());
    const other = 'eddystone-uid:8b0ca750095477cb3e77:000000000005';
    for (let t = 0; t <= 5000; t += 500) {
      d.receipt(B, -65, t);
      if (t < 3000) d.receipt(other, -65, t);
    }
    expect(d.active).toBe(2);
    expect(d.stats().triggers).toBe(1);
  });
});

describe('claim 11: RSSI threshold', () => {
  it('one broadcast at or above the threshold fires at once; its trigger data carry the period so far and the highest RSSI', () => {
    const d = createTriggerDetector(settings({ proximity: { enabled: true, rssiDbm: -60 } }));
    expect(feed(d, 0, 1500, 500, -70)).toEqual([]);
    expect(d.receipt(B, -61, 2000)).toBeNull();
    expect(d.receipt(B, -60, 2500)).toEqual({ beaconId: B, type: 'proximity', followUp: 0, firstAt: 0, lastAt: 2500, periodMs: 2500, maxRssi: -60, receipts: 6 });
  });

  it('disabled: only dwell fires', () => {
    const d = createTriggerDetector(settings());
    expect(d.receipt(B, -40, 0)).toBeNull();
  });
});

describe('claim 8: follow-ups while the beacon is still heard', () => {
  it('sends additional communications with new timestamps and a growing index, then stops when the run ends', () => {
    const d = createTriggerDetector(settings({ proximity: { enabled: true, rssiDbm: -60 } }));
    const fired = feed(d, 0, 12_000, 500, -55);
    expect(fired.map((f) => [f.followUp, f.lastAt, f.periodMs])).toEqual([
      [0, 0, 0],
      [1, 3000, 3000],
      [2, 6000, 6000],
      [3, 9000, 9000],
      [4, 12_000, 12_000],
    ]);
    expect(new Set(fired.map((f) => f.lastAt)).size).toBe(fired.length);
    // gone for 3 s: the run has ended, nothing follows up on it
    d.expire(15_000);
    expect(d.active).toBe(0);
  });

  it('at most followUp.max per run', () => {
    const d = createTriggerDetector(settings({ proximity: { enabled: true, rssiDbm: -60 }, followUp: { everyMs: 1000, max: 2 } }));
    expect(feed(d, 0, 10_000, 500, -50).map((f) => f.followUp)).toEqual([0, 1, 2]);
  });

  it('after a run that triggered, the beacon does not trigger again within the cooldown', () => {
    const d = createTriggerDetector(settings({ proximity: { enabled: true, rssiDbm: -60 } }));
    expect(feed(d, 0, 1000, 500, -50)).toHaveLength(1);
    d.expire(5000);
    expect(feed(d, 5000, 8000, 500, -50)).toEqual([]); // ends at 1000, cooldown until 11 000
    expect(d.stats().cooledDown).toBe(1);
    const later = feed(d, 11_000, 11_000, 500, -50);
    expect(later).toMatchObject([{ followUp: 0, type: 'proximity' }]);
  });
});

describe('settings and robustness', () => {
  it('refuses settings the claims cannot mean', () => {
    expect(() => createTriggerDetector(settings({ dwell: { stepMs: 1000, thresholdMs: 500, maxMissedSteps: 0, minRssi: -70 } }))).toThrow(RangeError);
    expect(() => createTriggerDetector(settings({ followUp: { everyMs: 0, max: 1 } }))).toThrow(RangeError);
  });

  it('property: any receipt sequence keeps the invariants (followUp 0 first, then 1, 2, … per run; period = last − first ≥ 0)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ dt: fc.integer({ min: 0, max: 4000 }), rssi: fc.integer({ min: -100, max: -30 }), b: fc.integer({ min: 0, max: 2 }) }), { maxLength: 200 }),
        (steps) => {
          const d = createTriggerDetector(settings({ proximity: { enabled: true, rssiDbm: -55 } }));
          const last = new Map<string, number>();
          let t = 0;
          for (const s of steps) {
            t += s.dt;
            const f = d.receipt(`eid:b${s.b}`, s.rssi, t);
            if (!f) continue;
            expect(f.periodMs).toBe(f.lastAt - f.firstAt);
            expect(f.periodMs).toBeGreaterThanOrEqual(0);
            expect(f.lastAt).toBe(t);
            const prev = last.get(f.beaconId);
            if (f.followUp > 0) expect(f.followUp).toBe((prev ?? -1) + 1);
            last.set(f.beaconId, f.followUp);
          }
        },
      ),
    );
  });
});
