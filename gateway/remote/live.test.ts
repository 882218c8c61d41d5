import { describe, expect, it, vi } from 'vitest';
import type { SiteRegistry } from '../../protocol/registry/index.js';
import { parseConfigText, type GatewayConfig } from '../config/index.js';
import type { RadioAdvertisement, Source } from '../core/types.js';
import { IBEACON, IBEACON_ID, ibeaconAd, ManualClock } from '../pipeline/test-support.js';
import type { UnstampedSensorCommunication } from '../pipeline/index.js';
import { createLiveApplier, createLiveDedupe, createLiveInterval, createLivePipeline, createSwappable } from './live.js';
import { expandSettings, mergeConfig } from './settings.js';

const SPOT_ID = 'ibeacon:f7826da6-4fa2-4e98-8024-bc5b71e0893e:100:1';
const REGISTRY: SiteRegistry = {
  v: 1,
  siteId: 'store-12',
  beacons: [
    { beaconId: SPOT_ID, spot: 'endcap-3' },
    { beaconId: IBEACON_ID, spot: 'cart-1' },
  ],
};

function config(): GatewayConfig {
  const r = parseConfigText('gateway: { id: gw-a, siteId: store-12, spot: endcap-3 }\npipeline: { proximity: { rssiDbm: -60 } }', 'gateway.yaml', { env: {} });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.config;
}

function withSettings(base: GatewayConfig, settings: Record<string, unknown>): GatewayConfig {
  const e = expandSettings(settings);
  if (!e.ok) throw new Error(JSON.stringify(e.issues));
  const m = mergeConfig(base, [e.value.patch]);
  if (!m.ok) throw new Error(JSON.stringify(m.issues));
  return m.config;
}

function harness() {
  const clock = new ManualClock();
  const p = createLivePipeline({ config: config(), registry: REGISTRY, clock });
  const bodies: UnstampedSensorCommunication[] = [];
  p.on((b) => bodies.push(b));
  const hear = (ms: number, rssi: number) => {
    clock.monoMs = ms;
    p.onAdvertisement(ibeaconAd(ms, rssi, IBEACON));
  };
  return { clock, p, bodies, hear };
}

describe('createLivePipeline', () => {
  it('a new proximity threshold changes what the same advertisements produce, for the same listeners', () => {
    const { p, bodies, hear } = harness();
    for (let i = 0; i < 5; i++) hear(i * 100, -70);
    expect(bodies.filter((b) => b.interaction.type === 'proximity')).toHaveLength(0);

    p.updateConfig(withSettings(p.config, { 'pipeline.proximity.rssiDbm': -75 }));
    expect(p.generation).toBe(1);
    for (let i = 5; i < 10; i++) hear(i * 100, -70);
    const prox = bodies.filter((b) => b.interaction.type === 'proximity');
    expect(prox).toHaveLength(1);
    expect(prox[0]!.sensorId).toBe(SPOT_ID);
    expect(p.config.pipeline.proximity.rssiDbm).toBe(-75);
  });

  it('emitted counters keep counting across rebuilds', () => {
    const { p, hear } = harness();
    p.updateConfig(withSettings(p.config, { 'pipeline.proximity.rssiDbm': -75 }));
    hear(0, -70);
    p.updateConfig(withSettings(p.config, { 'pipeline.proximity.rssiDbm': -76 }));
    hear(100, -70);
    expect(p.stats().emitted.proximity).toBe(2);
  });

  it('a config the stages cannot be built from throws and leaves the running stages in place', () => {
    const { p, bodies, hear } = harness();
    const broken = { ...p.config, gateway: { ...p.config.gateway, spot: 'nowhere' } };
    expect(() => p.updateConfig(broken)).toThrow(/no beacon is registered/);
    expect(p.generation).toBe(0);
    p.updateConfig(withSettings(p.config, { 'pipeline.proximity.rssiDbm': -80 }));
    hear(0, -70);
    expect(bodies).toHaveLength(1);
  });

  it('a listener that throws does not stop the others', () => {
    const { p, hear } = harness();
    const seen: string[] = [];
    p.on(() => {
      throw new Error('bad sink');
    });
    p.on((b) => seen.push(b.interaction.type));
    p.updateConfig(withSettings(p.config, { 'pipeline.proximity.rssiDbm': -80 }));
    hear(0, -70);
    expect(seen).toEqual(['proximity']);
    expect(p.stats().listenerErrors).toBe(1);
  });
});

function fakeSource() {
  const listeners = new Set<(a: RadioAdvertisement) => void>();
  const src: Source<RadioAdvertisement> = {
    on: (l) => (listeners.add(l), () => listeners.delete(l)),
    start: async () => {},
    stop: async () => {},
  };
  return { src, emit: (a: RadioAdvertisement) => listeners.forEach((l) => l(a)) };
}

describe('createLiveDedupe', () => {
  it('applies the window on the advertisement’s monotonic time, and a new window at once', () => {
    const { src, emit } = fakeSource();
    const d = createLiveDedupe(src, 0);
    const got: number[] = [];
    d.on((a) => got.push(a.at.monoMs));
    for (const t of [0, 100, 200]) emit(ibeaconAd(t, -60));
    expect(got).toEqual([0, 100, 200]);
    d.setMinIntervalMs(1000);
    for (const t of [300, 400, 1299, 1300]) emit(ibeaconAd(t, -60));
    expect(got).toEqual([0, 100, 200, 300, 1300]);
    expect(d.stats()).toMatchObject({ minIntervalMs: 1000, passed: 5, deduped: 2 });
    d.setMinIntervalMs(0);
    emit(ibeaconAd(1301, -60));
    expect(got.at(-1)).toBe(1301);
  });
});

describe('createSwappable', () => {
  it('stops the old, starts the new; on failure the old one is started again and the error comes out', async () => {
    const events: string[] = [];
    const start = async (cfg: { frames: string }) => {
      if (cfg.frames === 'bad') throw new Error('frame eddystone-eid needs the eid configuration');
      events.push(`start ${cfg.frames}`);
      return { stop: () => void events.push(`stop ${cfg.frames}`) };
    };
    const s = createSwappable(start);
    await s.apply({ frames: 'a' });
    await s.apply({ frames: 'a' }); // unchanged: nothing restarts
    await s.apply({ frames: 'b' });
    await expect(s.apply({ frames: 'bad' })).rejects.toThrow(/eid configuration/);
    expect(s.current).toEqual({ frames: 'b' });
    await s.apply(undefined);
    expect(events).toEqual(['start a', 'stop a', 'start b', 'stop b', 'start b', 'stop b']);
    expect(s.current).toBeUndefined();
  });
});

describe('createLiveInterval', () => {
  it('changes its period and stops', () => {
    vi.useFakeTimers();
    try {
      let n = 0;
      const t = createLiveInterval(() => n++, 1000);
      vi.advanceTimersByTime(3000);
      expect(n).toBe(3);
      t.set(100);
      vi.advanceTimersByTime(1000);
      expect(n).toBe(13);
      t.set(0);
      vi.advanceTimersByTime(1000);
      expect(n).toBe(13);
      t.set(500);
      t.stop();
      vi.advanceTimersByTime(1000);
      expect(n).toBe(13);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('createLiveApplier', () => {
  it('applies only what changed; a failing advertiser undoes the steps before it and leaves the pipeline alone', async () => {
    const { p } = harness();
    const calls: string[] = [];
    const telemetry = { ms: 60000, set: (ms: number) => void calls.push(`telemetry ${ms}`), stop: () => {} };
    const dedupe = { setMinIntervalMs: (ms: number) => void calls.push(`dedupe ${ms}`) };
    const advertiser = {
      apply: async (a: unknown) => {
        if (a && JSON.stringify(a).includes('"cadenceMs":999')) throw new Error('bleno refused');
        calls.push(`advertise ${a === undefined ? 'off' : 'on'}`);
      },
    };
    const apply = createLiveApplier({ pipeline: p, dedupe, telemetry, advertiser });
    const base = p.config;
    const next = withSettings(base, { 'telemetry.intervalMs': 5000, 'pipeline.viewMs': 1000 });
    expect((await apply(next, base)).sort()).toEqual(['pipeline', 'telemetry']);
    expect(calls).toEqual(['telemetry 5000']);
    expect(p.generation).toBe(1);

    calls.length = 0;
    const failing = withSettings(next, { 'radio.advertise': { cadenceMs: 999, frames: [{ type: 'eddystone-tlm' }] }, 'radio.scan.dedupeMs': 10, 'pipeline.viewMs': 2000 });
    await expect(apply(failing, next)).rejects.toThrow('bleno refused');
    expect(calls).toEqual([]);
    expect(p.generation).toBe(1);
  });

  it('a step failing after others undoes them in reverse order', async () => {
    const { p } = harness();
    const calls: string[] = [];
    const telemetry = { ms: 60000, set: (ms: number) => void calls.push(`telemetry ${ms}`), stop: () => {} };
    const dedupe = { setMinIntervalMs: (ms: number) => void calls.push(`dedupe ${ms}`) };
    const pipeline = Object.assign(Object.create(p) as typeof p, {
      updateConfig: () => {
        throw new Error('cannot build stages');
      },
    });
    const apply = createLiveApplier({ pipeline, dedupe, telemetry });
    const base = p.config;
    const next = withSettings(base, { 'telemetry.intervalMs': 5000, 'radio.scan.dedupeMs': 10, 'pipeline.viewMs': 1000 });
    await expect(apply(next, base)).rejects.toThrow('cannot build stages');
    expect(calls).toEqual(['dedupe 10', 'telemetry 5000', 'telemetry 60000', 'dedupe 0']);
  });
});
