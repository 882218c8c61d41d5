import { describe, expect, it } from 'vitest';
import { createInteractions, radarTarget, type InteractionsOptions } from './interactions.js';
import { at, radar, touch } from './test-support.js';
import type { StageEvent } from './types.js';

const SPOT = { itemId: 'sku-spot', itemType: 'sports' };
const base: InteractionsOptions = {
  approachCm: 100,
  viewMs: 3000,
  holdMs: 2000,
  inactivityMs: 10_000,
  maxDistanceCm: 400,
  spotItem: SPOT,
  touchItems: { 3: { itemId: 'sku-3' } },
  maxPeaks: 3,
};

const types = (events: StageEvent[]) => events.map((e) => e.interaction.type);

describe('radarTarget', () => {
  it('is the nearest trusted target within range, from the stronger of the two reports', () => {
    expect(radarTarget(radar(0, { distanceCm: 150, moving: true, energy: 70 }), 400)).toEqual({ distanceCm: 150, energy: 70, target: 'moving' });
    expect(radarTarget(radar(0, { distanceCm: 450, moving: true }), 400)).toBeNull();
    expect(radarTarget(radar(0, { distanceCm: null }), 400)).toBeNull();
    expect(radarTarget({ ...radar(0, { distanceCm: 80, moving: true, energy: 30 }), stationary: true, staticEnergy: 90 }, 400)).toMatchObject({ energy: 90, target: 'stationary' });
  });
});

describe('interactions: approach and view ([0232])', () => {
  it('approach fires when the target crosses approachCm; duration is the walk-up, peaks are its strongest reports', () => {
    const s = createInteractions(base);
    const walk: [number, number, number][] = [
      [0, 380, 20],
      [500, 300, 45],
      [1000, 210, 60],
      [1500, 140, 55],
    ];
    for (const [t, d, e] of walk) expect(s.onRadar(radar(t, { distanceCm: d, moving: true, energy: e }))).toEqual([]);
    const [approach] = s.onRadar(radar(2000, { distanceCm: 95, moving: true, energy: 40 }));
    expect(approach!.interaction).toEqual({
      type: 'approach',
      startedAt: at(0).wallMs,
      endedAt: at(2000).wallMs,
      durationMs: 2000,
      distanceM: 0.95,
      // Top 3 by energy (60, 55, 45), in time order.
      radarPeaks: [
        { at: at(500).wallMs, distanceM: 3, energy: 45, target: 'moving' },
        { at: at(1000).wallMs, distanceM: 2.1, energy: 60, target: 'moving' },
        { at: at(1500).wallMs, distanceM: 1.4, energy: 55, target: 'moving' },
      ],
      item: SPOT,
    });
    expect(approach!.cause).toEqual({ kind: 'radar', sensor: 'radar' });
    // Still close: no second approach.
    expect(s.onRadar(radar(2500, { distanceCm: 90, moving: true }))).toEqual([]);
  });

  it('stepping back beyond approachCm + hysteresis re-arms approach; a wobble at the edge does not', () => {
    const s = createInteractions(base);
    expect(types(s.onRadar(radar(0, { distanceCm: 90, moving: true })))).toEqual(['approach']);
    expect(s.onRadar(radar(500, { distanceCm: 125, moving: true }))).toEqual([]);
    expect(s.onRadar(radar(1000, { distanceCm: 95, moving: true }))).toEqual([]);
    expect(s.onRadar(radar(1500, { distanceCm: 200, moving: true }))).toEqual([]);
    const [again] = s.onRadar(radar(2500, { distanceCm: 80, moving: true }));
    expect(again!.interaction).toMatchObject({ type: 'approach', startedAt: at(1500).wallMs, durationMs: 1000 });
    expect(s.stats().approach).toBe(2);
  });

  it('view fires after viewMs stationary within approachCm, with the still period’s duration and peaks', () => {
    const s = createInteractions(base);
    s.onRadar(radar(0, { distanceCm: 90, moving: true }));
    const events: StageEvent[] = [];
    for (let t = 500; t <= 3500; t += 500) events.push(...s.onRadar(radar(t, { distanceCm: 70 + (t % 1000 === 0 ? 5 : 0), stationary: true, energy: t / 100 })));
    expect(types(events)).toEqual(['view']);
    expect(events[0]!.interaction).toMatchObject({
      type: 'view',
      startedAt: at(500).wallMs,
      endedAt: at(3500).wallMs,
      durationMs: 3000,
      distanceM: 0.7,
      item: SPOT,
    });
    expect(events[0]!.interaction.radarPeaks!.map((p) => p.energy)).toEqual([25, 30, 35]);
  });

  it('a moving or absent reading restarts the view clock; a far stationary target never views', () => {
    const s = createInteractions(base);
    s.onRadar(radar(0, { distanceCm: 80, stationary: true }));
    s.onRadar(radar(2000, { distanceCm: 80, stationary: true }));
    s.onRadar(radar(2500, { distanceCm: 80, moving: true }));
    expect(s.onRadar(radar(4000, { distanceCm: 80, stationary: true }))).toEqual([]);
    s.onRadar(radar(5000, { distanceCm: null }));
    expect(s.onRadar(radar(6000, { distanceCm: 80, stationary: true }))).toEqual([]);
    expect(types(s.onRadar(radar(9000, { distanceCm: 80, stationary: true })))).toEqual(['view']);

    const far = createInteractions(base);
    for (let t = 0; t <= 10_000; t += 1000) expect(far.onRadar(radar(t, { distanceCm: 250, stationary: true }))).toEqual([]);
  });

  it('after inactivityMs without a target the next visit is a new episode', () => {
    const s = createInteractions(base);
    expect(types(s.onRadar(radar(0, { distanceCm: 90, moving: true })))).toEqual(['approach']);
    s.tick(at(9_999));
    expect(s.onRadar(radar(9_999, { distanceCm: 90, moving: true }))).toEqual([]);
    s.tick(at(19_999));
    expect(types(s.onRadar(radar(19_999, { distanceCm: 90, moving: true })))).toEqual(['approach']);
  });
});

describe('interactions: touch and hold ([0232])', () => {
  it('emits touch on release with the press-to-release duration and the channel’s item', () => {
    const s = createInteractions(base);
    expect(s.onTouch(touch(1000, 3, true))).toEqual([]);
    const [t] = s.onTouch(touch(1800, 3, false));
    expect(t!.interaction).toEqual({ type: 'touch', startedAt: at(1000).wallMs, endedAt: at(1800).wallMs, durationMs: 800, touchChannel: 3, item: { itemId: 'sku-3' } });
    expect(t!.cause).toEqual({ kind: 'touch', sensor: 'touch', channel: 3 });
  });

  it('a press of at least holdMs is a hold (exactly holdMs included), one message per handling', () => {
    const s = createInteractions(base);
    s.onTouch(touch(0, 5, true));
    expect(types(s.onTouch(touch(1999, 5, false)))).toEqual(['touch']);
    s.onTouch(touch(3000, 5, true));
    const [h] = s.onTouch(touch(5000, 5, false));
    expect(h!.interaction).toMatchObject({ type: 'hold', durationMs: 2000, touchChannel: 5, item: SPOT });
    expect(s.stats()).toMatchObject({ touch: 1, hold: 1 });
  });

  it('a hold carries the radar’s closest distance and peaks while the pad was held', () => {
    const s = createInteractions(base);
    s.onRadar(radar(0, { distanceCm: 60, stationary: true, energy: 40 }));
    s.onTouch(touch(100, 3, true));
    s.onRadar(radar(1000, { distanceCm: 45, stationary: true, energy: 91 }));
    s.onRadar(radar(2000, { distanceCm: 50, moving: true, energy: 64 }));
    const [h] = s.onTouch(touch(8100, 3, false));
    expect(h!.interaction).toMatchObject({
      type: 'hold',
      durationMs: 8000,
      distanceM: 0.45,
      radarPeaks: [
        { at: at(1000).wallMs, distanceM: 0.45, energy: 91, target: 'stationary' },
        { at: at(2000).wallMs, distanceM: 0.5, energy: 64, target: 'moving' },
      ],
    });
  });

  it('keeps channels and boards apart, ignores duplicate presses and orphan releases', () => {
    const s = createInteractions(base);
    s.onTouch(touch(0, 1, true));
    s.onTouch(touch(100, 1, true, 'touch-b'));
    s.onTouch(touch(200, 1, true));
    expect(s.onTouch(touch(300, 2, false))).toEqual([]);
    expect(s.onTouch(touch(500, 1, false, 'touch-b'))[0]!.interaction).toMatchObject({ durationMs: 400 });
    expect(s.onTouch(touch(600, 1, false))[0]!.interaction).toMatchObject({ durationMs: 600 });
    expect(s.stats()).toMatchObject({ duplicatePresses: 1, orphanReleases: 1, touch: 2 });
  });

  it('a pad stuck pressed is closed by tick after maxTouchMs as a hold; its late release is an orphan', () => {
    const s = createInteractions({ ...base, maxTouchMs: 60_000 });
    s.onTouch(touch(0, 7, true));
    expect(s.tick(at(59_999))).toEqual([]);
    expect(s.pressedCount()).toBe(1);
    const [h] = s.tick(at(60_000));
    expect(h!.interaction).toMatchObject({ type: 'hold', durationMs: 60_000, endedAt: at(60_000).wallMs });
    expect(s.onTouch(touch(90_000, 7, false))).toEqual([]);
    expect(s.stats()).toMatchObject({ stuckTouches: 1, orphanReleases: 1 });
  });
});
