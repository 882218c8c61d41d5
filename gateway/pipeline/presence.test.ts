import { describe, expect, it } from 'vitest';
import type { Stamp } from '../core/types.js';
import { createPresence, type PresenceOptions } from './presence.js';
import { at } from './test-support.js';
import type { Sighting, StageEvent } from './types.js';

const BEACON = 'eid:tag-4';

function sighting(ms: number, rssi = -70, smoothedRssi = rssi, extra: Partial<Sighting> = {}): Sighting {
  return { beaconId: BEACON, spot: 'cart', registered: true, rssi, smoothedRssi, distanceM: 3, at: at(ms), frameType: 'eddystone-eid', address: 'aa:aa:aa:aa:aa:aa', ...extra };
}

const base: PresenceOptions = {
  dwell: { intervalMs: 1000, thresholdMs: 5000 },
  proximity: { rssiDbm: -60, hysteresisDb: 3 },
  inactivityMs: 10_000,
  spotItem: { itemId: 'sku-spot', area: 'aisle-7' },
};

const types = (events: StageEvent[]) => events.map((e) => e.interaction.type);

/** Feeds sightings at the given times; returns every event with the time that caused it. */
function feed(p: ReturnType<typeof createPresence>, times: number[], rssi = -70): { t: number; e: StageEvent }[] {
  const out: { t: number; e: StageEvent }[] = [];
  for (const t of times) for (const e of p.onSighting(sighting(t, rssi))) out.push({ t, e });
  return out;
}

describe('presence: dwell (claim 4, [0208])', () => {
  it('fires exactly when the first-to-last period reaches thresholdMs with a sighting in every interval', () => {
    const p = createPresence(base);
    // One sighting per second, at jittered offsets inside each 1 s bucket.
    const times = [0, 1100, 2050, 3400, 4200, 4999, 5000, 6000];
    const events = feed(p, times).filter((x) => x.e.interaction.type === 'dwell');
    expect(events).toHaveLength(1);
    expect(events[0]!.t).toBe(5000);
    expect(events[0]!.e.interaction).toMatchObject({
      type: 'dwell',
      startedAt: at(0).wallMs,
      endedAt: at(5000).wallMs,
      durationMs: 5000,
      rssi: { max: -70, mean: -70, samples: 7 },
      distanceM: 3,
      item: { itemId: 'sku-spot', area: 'aisle-7' },
    });
    expect(events[0]!.e.cause).toEqual({ kind: 'beacon', beaconId: BEACON });
  });

  it('does not fire one millisecond before the threshold', () => {
    const p = createPresence(base);
    expect(types(feed(p, [0, 1000, 2000, 3000, 4000, 4999]).map((x) => x.e))).not.toContain('dwell');
  });

  it('a missed interval restarts the run: the dwell then needs thresholdMs from the next sighting', () => {
    const p = createPresence(base);
    // Bucket 3 (3000–3999) is empty: the sighting at 4000 starts a new run.
    const before = feed(p, [0, 1000, 2000, 4000, 5000, 6000, 7000, 8000]);
    expect(types(before.map((x) => x.e))).not.toContain('dwell');
    const after = feed(p, [9000]);
    expect(after.map((x) => [x.t, x.e.interaction.type])).toEqual([[9000, 'dwell']]);
    expect(after[0]!.e.interaction).toMatchObject({ startedAt: at(4000).wallMs, durationMs: 5000 });
    expect(p.stats().runsBroken).toBe(1);
  });

  it('maxMissedIntervals: 1 lets one empty interval pass, not two', () => {
    const p = createPresence({ ...base, dwell: { ...base.dwell, maxMissedIntervals: 1 } });
    expect(types(feed(p, [0, 1000, 3000, 5000]).map((x) => x.e))).toContain('dwell');
    const q = createPresence({ ...base, dwell: { ...base.dwell, maxMissedIntervals: 1 } });
    expect(types(feed(q, [0, 1000, 4000, 5000]).map((x) => x.e))).not.toContain('dwell');
  });

  it('fires once per beacon session, and again only after the beacon was gone for inactivityMs', () => {
    const p = createPresence(base);
    const t1 = Array.from({ length: 21 }, (_, i) => i * 1000); // 0 … 20 s
    expect(types(feed(p, t1).map((x) => x.e)).filter((t) => t === 'dwell')).toHaveLength(1);
    const t2 = Array.from({ length: 6 }, (_, i) => 30_000 + i * 1000); // back after 10 s of silence
    expect(types(feed(p, t2).map((x) => x.e))).toContain('dwell');
  });
});

describe('presence: proximity (claim 11, [0209])', () => {
  it('fires when the smoothed RSSI reaches the threshold (≥), once, and re-arms below threshold − hysteresis', () => {
    const p = createPresence(base);
    const script: [number, number][] = [
      [0, -70],
      [100, -61],
      [200, -60], // fires: equal is enough ("greater than or equal to")
      [300, -55],
      [400, -62], // within hysteresis: still disarmed
      [500, -59],
      [600, -64], // below −63: re-armed
      [700, -60], // fires again
    ];
    const fired: number[] = [];
    for (const [t, r] of script) for (const e of p.onSighting(sighting(t, r))) if (e.interaction.type === 'proximity') fired.push(t);
    expect(fired).toEqual([200, 700]);
  });

  it('reports the crossing as an instant with the session’s RSSI summary and the current distance', () => {
    const p = createPresence(base);
    p.onSighting(sighting(0, -75));
    const [e] = p.onSighting(sighting(100, -58, -59, { distanceM: 0.9 }));
    expect(e!.interaction).toEqual({
      type: 'proximity',
      startedAt: at(100).wallMs,
      endedAt: at(100).wallMs,
      durationMs: 0,
      rssi: { max: -58, mean: -66.5, samples: 2 },
      distanceM: 0.9,
      item: { itemId: 'sku-spot', area: 'aisle-7' },
    });
  });

  it('uses the smoothed value, so one strong packet does not fire', () => {
    const p = createPresence(base);
    expect(p.onSighting(sighting(0, -50, -72))).toEqual([]);
  });
});

describe('presence: left (trigger by absence)', () => {
  function engaged() {
    const p = createPresence(base);
    p.onSighting(sighting(0, -70));
    // A proximity makes the visit one that ends with left.
    expect(types(p.onSighting(sighting(1000, -55)))).toEqual(['proximity']);
    p.onSighting(sighting(2500, -70));
    return p;
  }

  it('fires from tick once inactivityMs has passed since the last sighting, and not a millisecond before', () => {
    const p = engaged();
    expect(p.tick(at(12_499))).toEqual([]);
    const [left, ...rest] = p.tick(at(12_500));
    expect(rest).toEqual([]);
    expect(left!.cause).toEqual({ kind: 'absence' });
    expect(left!.at).toEqual(at(12_500));
    expect(left!.interaction).toEqual({
      type: 'left',
      startedAt: at(0).wallMs,
      endedAt: at(2500).wallMs,
      durationMs: 2500,
      rssi: { max: -55, mean: -65, samples: 3 },
      distanceM: 3,
      item: { itemId: 'sku-spot', area: 'aisle-7' },
    });
    expect(p.tick(at(20_000))).toEqual([]);
    expect(p.stats()).toMatchObject({ left: 1, sessionActive: false });
  });

  it('radar and touch activity keep the visit open; the radar distance wins over BLE estimates', () => {
    const p = engaged();
    p.onActivity(at(8000), 0.6);
    p.onActivity(at(11_000));
    expect(p.tick(at(20_999))).toEqual([]);
    const [left] = p.tick(at(21_000));
    expect(left!.interaction).toMatchObject({ type: 'left', endedAt: at(11_000).wallMs, durationMs: 11_000, distanceM: 0.6 });
  });

  it('a visit that produced no interaction ends quietly, unless left is "always"', () => {
    const quiet = createPresence(base);
    quiet.onSighting(sighting(0));
    expect(quiet.tick(at(10_000))).toEqual([]);
    expect(quiet.stats()).toMatchObject({ sessionsQuiet: 1, left: 0 });

    const always = createPresence({ ...base, left: 'always' });
    always.onActivity(at(0), 1.2);
    expect(types(always.tick(at(10_000)))).toEqual(['left']);
  });

  it('noteInteraction marks the visit (interactions from radar or touch)', () => {
    const p = createPresence(base);
    p.onActivity(at(0), 0.8);
    p.noteInteraction(at(500));
    expect(types(p.tick(at(10_500)))).toEqual(['left']);
  });

  it('if ticks lag, the next event sends the previous visit’s left before starting a new one', () => {
    const p = engaged();
    const events = p.onSighting(sighting(60_000, -55));
    expect(types(events)).toEqual(['left', 'proximity']);
    expect(events[0]!.interaction.endedAt).toBe(at(2500).wallMs);
    expect(p.stats().sessionsStarted).toBe(2);
  });

  it('keeps endedAt ≥ startedAt when the wall clock steps back mid-visit; the duration comes from the monotonic clock', () => {
    const p = createPresence({ ...base, left: 'always' });
    const start: Stamp = at(0);
    const stepped: Stamp = { wallMs: start.wallMs - 60_000, monoMs: 4000 };
    p.onActivity(start);
    p.onActivity(stepped);
    const [left] = p.tick({ wallMs: stepped.wallMs + 10_000, monoMs: 14_000 });
    expect(left!.interaction).toMatchObject({ startedAt: start.wallMs, endedAt: start.wallMs, durationMs: 4000 });
  });
});
