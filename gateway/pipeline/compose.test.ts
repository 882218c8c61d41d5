import { describe, expect, it } from 'vitest';
import { validateSensorCommunication } from '../../protocol/messages/index.js';
import type { SiteRegistry } from '../../protocol/registry/index.js';
import { parseConfigText, type GatewayConfig } from '../config/index.js';
import { createPipeline, PipelineSetupError, recommendedTickMs, connectSources } from './compose.js';
import { at, IBEACON, IBEACON_ID, ibeaconAd, ManualClock, radar, touch, WALL0 } from './test-support.js';
import { withOutboxFields, type ClockQuality, type UnstampedSensorCommunication } from './types.js';
import type { RadioAdvertisement, Source } from '../core/types.js';

const SPOT_ID = 'ibeacon:f7826da6-4fa2-4e98-8024-bc5b71e0893e:100:1';
const FIXTURE = { ...IBEACON, minor: 1 };

const REGISTRY: SiteRegistry = {
  v: 1,
  siteId: 'store-12',
  beacons: [
    { beaconId: SPOT_ID, spot: 'endcap-3', item: { itemId: 'sku-88412', itemType: 'sports', area: 'aisle-7' } },
    // The shopper's cart tag; test-support's IBEACON (minor 7).
    { beaconId: IBEACON_ID, spot: 'cart-1', item: { itemId: 'cart', area: 'mobile' } },
  ],
};

function config(extra = ''): GatewayConfig {
  const r = parseConfigText(
    `gateway: { id: gw-store12-a, siteId: store-12, spot: endcap-3 }
sensors:
  radar: { path: /dev/ttyAMA0, maxDistanceCm: 400 }
  touch: { path: /dev/ttyUSB0, channels: { 3: { itemId: sku-3 } } }
pipeline:
  dwell: { intervalMs: 1000, thresholdMs: 10000 }
  proximity: { rssiDbm: -60 }
  inactivityMs: 30000
  approachCm: 100
  viewMs: 3000
  holdMs: 2000
${extra}`,
    'gateway.yaml',
    { env: {} },
  );
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.config;
}

const QUALITY: ClockQuality = { synced: true, offsetMs: -3, source: 'ntp' };

function harness(cfg = config()) {
  const clock = new ManualClock();
  const p = createPipeline({ config: cfg, registry: REGISTRY, clock, clockQuality: () => QUALITY });
  const bodies: UnstampedSensorCommunication[] = [];
  p.on((b) => bodies.push(b));
  /** Moves the clock to `ms`, then delivers. */
  const step = <T>(ms: number, fn: () => T): T => {
    clock.monoMs = ms;
    return fn();
  };
  return { clock, p, bodies, step };
}

describe('createPipeline: a scripted visit', () => {
  it('approach, proximity, dwell, hold and left, each a valid sensor communication once the outbox stamps it', () => {
    const { p, bodies, step } = harness();
    // The spot's own fixture beacon is always in range and never counts as presence.
    for (let t = 0; t < 40_000; t += 1000) step(t, () => p.onAdvertisement(ibeaconAd(t, -50, FIXTURE, 'f1:f1:f1:f1:f1:f1')));
    expect(bodies).toEqual([]);

    // A shopper walks up (radar), with a cart tag getting stronger (BLE), and holds the product on pad 3.
    const script: [number, () => void][] = [];
    const walk: [number, number][] = [[40_000, 300], [40_500, 200], [41_000, 120], [41_500, 90]];
    for (const [t, d] of walk) script.push([t, () => p.onRadar(radar(t, { distanceCm: d, moving: true, energy: 60 }))]);
    for (let t = 40_000; t <= 50_000; t += 1000) script.push([t, () => p.onAdvertisement(ibeaconAd(t, t < 43_000 ? -75 : -52))]);
    script.push([45_000, () => p.onTouch(touch(45_000, 3, true))], [47_500, () => p.onTouch(touch(47_500, 3, false))]);
    // Leaning in while holding the product.
    script.push([46_000, () => p.onRadar(radar(46_000, { distanceCm: 45, stationary: true, energy: 91 }))]);
    // In time order, radar before BLE at equal times (a stable sort keeps insertion order).
    for (const [t, fn] of script.sort((a, b) => a[0] - b[0])) step(t, fn);

    // Nothing more is heard after 50 s; left fires at 80 s, not before.
    step(79_999, () => p.tick());
    const beforeLeft = bodies.map((b) => b.interaction.type);
    step(80_000, () => p.tick());

    expect(beforeLeft).toEqual(['approach', 'proximity', 'hold', 'dwell']);
    expect(bodies.map((b) => b.interaction.type)).toEqual(['approach', 'proximity', 'hold', 'dwell', 'left']);
    for (const b of bodies) {
      expect(b.sensorId).toBe(SPOT_ID);
      expect(b.clock).toEqual(QUALITY);
    }
    const [approach, proximity, hold, dwell, left] = bodies;
    expect(approach!.timestamp).toBe(WALL0 + 41_500);
    expect(approach!.interaction).toMatchObject({ startedAt: at(40_000).wallMs, durationMs: 1500, distanceM: 0.9, item: { itemId: 'sku-88412' } });
    // The tag jumps to −52 dBm at 43 s; the median of 5 follows at 45 s (three −52s), then the EMA
    // (alpha 0.3) goes −75 → −68.1 → −63.3 → −59.9 and crosses −60 at 47 s: smoothing lag, by design.
    expect(proximity!.interaction).toMatchObject({ startedAt: at(47_000).wallMs, item: { itemId: 'cart', area: 'mobile' } });
    expect(hold!.interaction).toMatchObject({ durationMs: 2500, touchChannel: 3, item: { itemId: 'sku-3' }, distanceM: 0.45 });
    expect(hold!.interaction.radarPeaks).toEqual([{ at: at(46_000).wallMs, distanceM: 0.45, energy: 91, target: 'stationary' }]);
    expect(dwell!.interaction).toMatchObject({ startedAt: at(40_000).wallMs, endedAt: at(50_000).wallMs, durationMs: 10_000, rssi: { max: -52, samples: 11 } });
    expect(left!.timestamp).toBe(WALL0 + 80_000);
    expect(left!.interaction).toMatchObject({ startedAt: at(40_000).wallMs, endedAt: at(50_000).wallMs, durationMs: 10_000, distanceM: 0.45 });

    // What the outbox will publish: body + seq + messageId + gateway and site.
    bodies.forEach((body, i) => {
      const message = withOutboxFields(body, { gatewayId: 'gw-store12-a', siteId: 'store-12', bootId: '3f9c2d7e-8b41-4c55-9a0e-6d2f1b7c9e10', seq: 1040 + i });
      const v = validateSensorCommunication(message);
      expect(v.ok ? [] : v.errors).toEqual([]);
      expect(message.messageId).toBe(`gw-store12-a:3f9c2d7e-8b41-4c55-9a0e-6d2f1b7c9e10:${1040 + i}`);
    });

    const stats = p.stats();
    expect(stats.emitted).toEqual({ approach: 1, view: 0, touch: 0, hold: 1, dwell: 1, proximity: 1, left: 1 });
    expect(stats.sightings.filtered).toBe(40);
  });

  it('a body without outbox fields is not a valid message; the outbox fields make it one', () => {
    const { p, bodies, step } = harness();
    step(0, () => p.onTouch(touch(0, 1, true)));
    step(300, () => p.onTouch(touch(300, 1, false)));
    expect(bodies).toHaveLength(1);
    expect(validateSensorCommunication(bodies[0]).ok).toBe(false);
    expect(validateSensorCommunication(withOutboxFields(bodies[0]!, { gatewayId: 'gw-1', siteId: 's', bootId: 'b', seq: 0 })).ok).toBe(true);
    // An unmapped channel reports the spot's item from the registry.
    expect(bodies[0]!.interaction).toMatchObject({ type: 'touch', touchChannel: 1, item: { itemId: 'sku-88412', itemType: 'sports', area: 'aisle-7' } });
  });

  it('radar alone: a passer-by beyond approachCm leaves no trace; view needs the stationary time', () => {
    const { p, bodies, step } = harness();
    for (let t = 0; t <= 5000; t += 500) step(t, () => p.onRadar(radar(t, { distanceCm: 250, moving: true })));
    step(40_000, () => p.tick());
    expect(bodies).toEqual([]);
    for (let t = 50_000; t <= 53_000; t += 500) step(t, () => p.onRadar(radar(t, { distanceCm: 60, stationary: true })));
    expect(bodies.map((b) => b.interaction.type)).toEqual(['approach', 'view']);
  });

  it('tick without an argument uses the injected clock', () => {
    const { p, bodies, step, clock } = harness(config('  left: always\n'));
    step(0, () => p.onRadar(radar(0, { distanceCm: 300, moving: true })));
    clock.monoMs = 29_999;
    p.tick();
    expect(bodies).toEqual([]);
    clock.monoMs = 30_000;
    p.tick();
    expect(bodies.map((b) => b.interaction.type)).toEqual(['left']);
  });
});

describe('createPipeline: wiring', () => {
  it('sensorId: gateway.sensorId overrides the spot’s beacon; no beacon and no override is a setup error', () => {
    const clock = new ManualClock();
    expect(createPipeline({ config: config(), registry: REGISTRY, clock }).sensorId).toBe(SPOT_ID);
    const override = config();
    override.gateway.sensorId = 'eid:endcap-3';
    expect(createPipeline({ config: override, registry: REGISTRY, clock }).sensorId).toBe('eid:endcap-3');
    const lost = config();
    lost.gateway.spot = 'nowhere';
    expect(() => createPipeline({ config: lost, registry: REGISTRY, clock })).toThrow(PipelineSetupError);
  });

  it('without a clock-quality provider the body says the clock is unknown', () => {
    const clock = new ManualClock();
    const p = createPipeline({ config: config(), registry: REGISTRY, clock });
    const bodies: UnstampedSensorCommunication[] = [];
    p.on((b) => bodies.push(b));
    p.onTouch(touch(0, 1, true));
    p.onTouch(touch(10, 1, false));
    expect(bodies[0]!.clock).toEqual({ synced: false, offsetMs: 0, source: 'none' });
  });

  it('a throwing listener is counted and does not stop the others; unsubscribe works', () => {
    const { p, bodies, step } = harness();
    const seenByEvent: string[] = [];
    p.on(() => {
      throw new Error('disk full');
    });
    const off = p.onEvent((_b, e) => seenByEvent.push(e.cause.kind));
    step(0, () => p.onTouch(touch(0, 1, true)));
    step(100, () => p.onTouch(touch(100, 1, false)));
    off();
    step(200, () => p.onTouch(touch(200, 1, true)));
    step(300, () => p.onTouch(touch(300, 1, false)));
    expect(bodies).toHaveLength(2);
    expect(seenByEvent).toEqual(['touch']);
    expect(p.stats()).toMatchObject({ listenerErrors: 2, lastListenerError: 'disk full' });
  });

  it('connectSources subscribes to adapter sources and unsubscribes all at once', () => {
    const { p } = harness();
    const listeners = new Set<(ad: RadioAdvertisement) => void>();
    const radio: Source<RadioAdvertisement> = {
      on: (l) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
      start: async () => {},
      stop: async () => {},
    };
    const off = connectSources(p, { radio });
    for (const l of listeners) l(ibeaconAd(0, -60));
    expect(p.stats().sightings.seen).toBe(1);
    off();
    expect(listeners.size).toBe(0);
  });

  it('recommendedTickMs stays between 100 ms and 1 s', () => {
    expect(recommendedTickMs(config())).toBe(1000);
    const fast = config();
    fast.pipeline.inactivityMs = 2000;
    expect(recommendedTickMs(fast)).toBe(200);
  });
});
