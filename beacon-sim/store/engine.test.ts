/**
 * The store engine without I/O: same seed → same event sequence (and however the driver ticks),
 * ground truth consistent with what phones sent, the radio bytes decodable by protocol/ble with EIDs
 * rotating, and the radar / touch hooks telling the emulators about the shoppers really there.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeAdvertisement } from '../../protocol/ble/frames.js';
import { validateUserCommunication } from '../../protocol/messages/index.js';
import { frameBeaconId } from '../../protocol/registry/resolve.js';
import { createTouchEmulator } from '../sensors/touch-emulator.js';
import type { RadioPacket } from '../radio/wire.js';
import { createStoreEngine } from './engine.js';
import { NETWORK_EVENTS, type StoreEvent } from './events.js';
import type { StoreLayout } from './layout-schema.js';
import { loadLayout } from './layout.js';

const T0 = 1_750_000_000_000;
let layout: StoreLayout;
beforeAll(() => {
  const r = loadLayout('examples/store-apparel.yaml');
  if (!r.ok) throw new Error('example layout does not load');
  layout = r.layout;
});

function run(seed: number, storeS: number, stepMs: number, onPacket?: (gw: string, p: RadioPacket) => void) {
  const engine = createStoreEngine({ layout, seed, startAtMs: T0, ...(onPacket ? { toGateway: onPacket } : {}) });
  const events: StoreEvent[] = [];
  engine.on((e) => events.push(e));
  for (let t = T0; t < T0 + storeS * 1000; t += stepMs) engine.advanceTo(t);
  engine.advanceTo(T0 + storeS * 1000);
  return { engine, events };
}

describe('store engine: determinism', () => {
  let a: ReturnType<typeof run>;
  beforeAll(() => {
    a = run(7, 150, 20);
  });

  it('same seed → the same event sequence, however the driver ticks (20 ms steps vs 997 ms steps)', () => {
    const b = run(7, 150, 997);
    const json = (x: StoreEvent[]) => x.filter((e) => !NETWORK_EVENTS.has(e.type)).map((e) => JSON.stringify(e));
    expect(a.events.length).toBeGreaterThan(500);
    expect(json(b.events)).toEqual(json(a.events));
    expect(b.engine.summary()).toEqual(a.engine.summary());
    expect(b.engine.truth()).toEqual(a.engine.truth());
  });

  it('another seed → other shoppers, other routes', () => {
    const c = run(8, 60, 100);
    const routes = (x: StoreEvent[]) => x.filter((e) => e.type === 'shopper.arrived').map((e) => JSON.stringify(e));
    expect(routes(c.events).slice(0, 3)).not.toEqual(routes(a.events).slice(0, 3));
  });

  it('the stream has every kind of simulation event, in time order', () => {
    const types = new Set(a.events.map((e) => e.type));
    for (const t of ['sim.started', 'shopper.arrived', 'phone.app-started', 'visit.started', 'visit.ended', 'pickup.started', 'pickup.ended', 'phone.user-communication', 'shopper.left', 'positions'] as const) {
      expect(types, t).toContain(t);
    }
    for (let i = 1; i < a.events.length; i++) expect(a.events[i]!.t).toBeGreaterThanOrEqual(a.events[i - 1]!.t);
  });

  it('ground truth: every user communication is a schema-valid message from a shopper who carries that phone; followUps count up per beacon', () => {
    const truth = a.engine.truth();
    const shoppers = new Map(truth.shoppers.map((s) => [s.shopperId, s]));
    const comms = a.events.filter((e): e is Extract<StoreEvent, { type: 'phone.user-communication' }> => e.type === 'phone.user-communication');
    expect(comms.length).toBeGreaterThan(20);
    expect(truth.userCommunications).toHaveLength(comms.length);
    for (const e of comms) {
      expect(validateUserCommunication(e.message).ok).toBe(true);
      const s = shoppers.get(e.shopperId)!;
      expect(s.phone?.deviceHash).toBe(e.deviceHash);
      // consent absent or revoked → nothing identifying
      const revoked = s.phone!.revokedAt !== null && e.t >= s.phone!.revokedAt;
      if (!s.phone!.consent || revoked) expect([e.message.consent, e.message.identifiers]).toEqual([false, []]);
      else expect(e.message.identifiers.map((i) => i.field)).toEqual(['email', 'phone']);
      expect(truth.displays.map((d) => d.sensorId)).toContain(e.message.sensorId);
    }
    expect(comms.some((e) => e.message.followUp > 0)).toBe(true);
    expect(comms.some((e) => !e.message.consent)).toBe(true);
    // nearly every communication comes from a display the shopper was at (the rest: walking past)
    const atDisplay = truth.userCommunications.filter((u) => {
      const d = truth.displays.find((x) => x.sensorId === u.sensorId)!;
      return truth.visits.some((v) => v.shopperId === u.shopperId && v.displayId === d.displayId && v.from - 5000 <= u.storeTime && (v.to ?? Infinity) + 5000 >= u.storeTime);
    });
    expect(atDisplay.length / truth.userCommunications.length).toBeGreaterThan(0.8);
  });

  it('no event carries a raw identifier of anyone in the population', () => {
    const text = a.events.map((e) => JSON.stringify(e)).join('\n').toLowerCase();
    for (const p of a.engine.people()) {
      expect(text).not.toContain(p.email.toLowerCase());
      expect(text).not.toContain(p.phone.replace(/\D/g, '').slice(-10));
    }
  });
});

describe('store engine: radio, radar and touch', () => {
  it('gateways receive protocol/ble advertisements; the EID rotates and still resolves to the registered beacon', () => {
    const packets: { gw: string; p: RadioPacket }[] = [];
    const { engine } = run(3, 300, 250, (gw, p) => packets.push({ gw, p }));
    const eids = new Set<string>();
    const rssi: number[] = [];
    for (const { gw, p } of packets) {
      for (const f of decodeAdvertisement(p.adv).frames) {
        if (f.type !== 'eddystone-eid' || gw !== 'gw-accessories') continue;
        eids.add(f.eid);
        rssi.push(p.rssi);
      }
    }
    // K = 7: a new EID every 128 s; 300 s of store time sees at least three
    expect(eids.size).toBeGreaterThanOrEqual(3);
    // the gateway at the beacon's own display hears it strongly
    expect(Math.min(...rssi)).toBeGreaterThan(-60);
    // …and the phones resolved every rotation to the registered ID
    const truth = engine.truth();
    const eidComms = truth.userCommunications.filter((u) => u.sensorId === 'eid:accessories-case');
    expect(eidComms.length).toBeGreaterThan(0);
    const all = packets.flatMap(({ p }) => decodeAdvertisement(p.adv).frames);
    expect(all.filter((f) => f.type === 'eddystone-eid').every((f) => frameBeaconId(f, engine.registry.eid, T0 + 150_000) !== 'eid:other')).toBe(true);
  });

  it('the radar sees a shopper picking an item up at its display; the touch scenario has the pad pressed then', () => {
    const engine = createStoreEngine({ layout, seed: 7, startAtMs: T0 });
    const checked: string[] = [];
    engine.on((e) => {
      if (e.type === 'pickup.started') {
        const seen = engine.radarTarget(e.displayId, e.t + 100);
        expect(seen, `${e.shopperId} at ${e.displayId}`).not.toBeNull();
        expect(seen!.distanceCm).toBeLessThanOrEqual(110);
        expect(seen!.moving).toBe(false);
        const touch = createTouchEmulator({ scenario: engine.touchScenario(e.displayId) });
        expect(touch.touchedAt(e.t + 50 - T0)[e.channel]).toBe(true);
        checked.push(e.displayId);
      }
      if (e.type === 'pickup.ended') {
        const touch = createTouchEmulator({ scenario: engine.touchScenario(e.displayId) });
        expect(touch.touchedAt(e.t + 100 - T0)[e.channel]).toBe(false);
      }
    });
    for (let t = T0; t <= T0 + 150_000; t += 100) engine.advanceTo(t);
    expect(checked.length).toBeGreaterThan(1);
    expect(engine.radarTarget('tees-wall', engine.now)).toBeNull(); // no radar there
  });
});
