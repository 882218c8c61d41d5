/**
 * The virtual store as a discrete-event simulation on the store clock. No I/O, no timers, no
 * Date.now(): `advanceTo(t)` runs every scheduled event with time ≤ t in (time, insertion) order and
 * emits StoreEvents synchronously. Because events run at their own times, not at the times a driver
 * happens to call, the event sequence of a seed does not depend on how fast or how often the driver
 * ticks — which is what makes a run reproducible at `--speed 1` and `--speed 50` alike.
 *
 * What happens on the floor:
 *  - shoppers arrive (keeping `shoppers.count` in the store), walk a planned route (shoppers.ts),
 *    stand at displays, press pads, leave; people come back on later visits;
 *  - every display beacon advertises at its interval plus the 0–10 ms advDelay of each advertising
 *    event (Core Spec Vol 6 Part B §4.4.2.2, protocols.md §5.2), its bytes made by protocol/ble's
 *    encoders through gateway/ble's frame renderer (EIDs recomputed per rotation period);
 *  - cart tags advertise while their cart is in use, from where the shopper is;
 *  - each advertising event reaches every gateway receiver and every running app with an RSSI from
 *    radio-model.ts (noise, misses, sensitivity) — gateways through `toGateway`, apps in-process;
 *  - apps trigger and produce user communications (beacon-sim/phone);
 *  - radar and touch emulators ask `radarTarget` / `touchScenario` who is in front of a display.
 * Ground truth (truth.ts) is collected from the same events.
 *
 * Random streams (random.ts): `plan` (arrivals, people, routes), `air` (beacon phases, advDelay,
 * RSSI noise and loss), one per phone (message IDs). Iteration orders are fixed (layout order,
 * arrival order), so one seed gives one event sequence.
 */
import { hexToBytes } from '../../protocol/bytes.js';
import { type RegistryIndex, indexRegistry } from '../../protocol/registry/index.js';
import { type EidConfig, type FrameRenderer, type FrameSlot, beaconSecondsAt, createFrameRenderer } from '../../gateway/ble/beacon-frames.js';
import { eidQuantumStart } from '../../protocol/ble/crypto/eid.js';
import type { RadioPacket } from '../radio/wire.js';
import type { Press, TouchScenario } from '../sensors/scenario.js';
import { type PhoneApp, createPhoneApp } from '../phone/phone-app.js';
import type { CountryCode } from '../../protocol/identity/index.js';
import { buildSiteRegistry } from './derive.js';
import type { StoreEvent, StoreSummary } from './events.js';
import { type Point, angleOff, distance, toPoint } from './geometry.js';
import type { BeaconLayout, DisplayLayout, StoreLayout } from './layout-schema.js';
import { beaconIdOf, cartBeaconId, measuredPower1mOf, standPoint } from './layout.js';
import { type ReceiverModel, receivePacket } from './radio-model.js';
import { chance, gaussian, stream, uniform } from './random.js';
import { type Itinerary, type Person, makePopulation, motionSummary, planVisit, positionAt } from './shoppers.js';
import { type GroundTruth, type TruthCollector, collectTruth } from './truth.js';

export interface StoreEngineOptions {
  layout: StoreLayout;
  seed: number;
  /** Store clock at simulated time 0, epoch ms. */
  startAtMs: number;
  /** Shoppers in the store at once; default layout.shoppers.count. */
  shoppers?: number;
  /** Reported in sim.started only (the engine itself has no notion of wall time). */
  speed?: number;
  /** Every advertising event a gateway receives (its RSSI as that gateway measures it). */
  toGateway?: (gatewayId: string, packet: RadioPacket) => void;
  /** `positions` events this often, store ms; 0: none. Default 500. */
  positionsEveryMs?: number;
  /** Ground-truth presence radius around a display's stand point, m. Default 1.5. */
  presenceRadiusM?: number;
}

export interface StoreEngine {
  readonly startAtMs: number;
  /** Store time processed so far. */
  readonly now: number;
  readonly layout: StoreLayout;
  readonly registry: RegistryIndex;
  /** Runs every event up to and including store time t. */
  advanceTo(t: number): void;
  on(listener: (e: StoreEvent) => void): () => void;
  truth(): GroundTruth;
  /** Everyone who may visit, raw identities included: for the CRM export and privacy tests, never for the wire. */
  people(): readonly Person[];
  /** The merchant's customer list (CRM export): customerId, email, phone as the CRM holds them. */
  customers(): { customerId: string; email: string; phone: string }[];
  /** The nearest shopper the display's radar sees at store time t, or null. */
  radarTarget(displayId: string, t: number): { distanceCm: number; moving: boolean } | null;
  /** A live TouchScenario for the display's pad (times in ms since the start), for beacon-sim/sensors. */
  touchScenario(displayId: string): TouchScenario;
  /** The running app of a shopper (also shortly after the shopper left), for the network side. */
  phone(shopperId: string): PhoneApp | undefined;
  /** A message from a phone's content topic, received at store time atMs. */
  deliverContent(shopperId: string, topic: string, payload: string | Uint8Array, atMs: number): void;
  /** Lets the network side report on a publication (events phone.published / publish-failed). */
  report(e: Extract<StoreEvent, { type: 'phone.published' | 'phone.publish-failed' }>): void;
  summary(): StoreSummary;
}

/** Longer than any run: the live touch scenario is one never-ending period (scenario.ts loops per period). */
export const LIVE_TOUCH_PERIOD_MS = 2 ** 45;
/** Receivers and beacons are fixtures with a size: never closer than this, m. */
const MIN_DISTANCE_M = 0.3;
const SAMPLE_MS = 200;
const PRESENCE_HYSTERESIS_M = 0.3;

interface Scheduled {
  at: number;
  seq: number;
  run: () => void;
}

/** Binary min-heap on (at, seq). */
class Agenda {
  private heap: Scheduled[] = [];
  private seq = 0;
  add(at: number, run: () => void): void {
    const h = this.heap;
    h.push({ at, seq: this.seq++, run });
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }
  peek(): Scheduled | undefined {
    return this.heap[0];
  }
  pop(): Scheduled | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
  private less(a: Scheduled, b: Scheduled): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }
}

export function frameSlot(b: BeaconLayout): FrameSlot {
  switch (b.type) {
    case 'ibeacon':
      return { type: 'ibeacon', uuid: b.uuid.toLowerCase(), major: b.major, minor: b.minor, measuredPower: b.measuredPower };
    case 'altbeacon':
      return { type: 'altbeacon', manufacturerId: b.manufacturerId, id1: b.id1.toLowerCase(), id2: b.id2, id3: b.id3, referenceRssi: b.referenceRssi, reserved: 0 };
    case 'eddystone-uid':
      return { type: 'eddystone-uid', namespace: b.namespace.toLowerCase(), instance: b.instance.toLowerCase(), txPower: b.txPower };
    case 'eddystone-eid':
      return { type: 'eddystone-eid', txPower: b.txPower };
  }
}

/** Static random address (two top bits set, Core Spec Vol 6 Part B §1.3.2.1), unique per emitter. */
function staticRandomAddress(kind: number, n: number): string {
  const hex = (v: number) => (v & 0xff).toString(16).padStart(2, '0');
  return ['c0', hex(kind), '5e', hex(n >> 16), hex(n >> 8), hex(n)].join(':');
}

interface Emitter {
  beaconId: string;
  address: string;
  measuredPower1m: number;
  intervalMs: number;
  slot: FrameSlot;
  renderer: FrameRenderer;
  startedAt: number;
  count: number;
  /** Where the emitter is at t; null: not advertising. */
  position(t: number): Point | null;
  /** Display beacons reach phones; cart tags do not (the app watches display beacons only). */
  toPhones: boolean;
  token: number;
  eid?: EidConfig;
  cached?: { key: number; adv: Uint8Array };
}

interface Shopper {
  shopperId: string;
  person: Person;
  plan: Itinerary;
  cart: number | null;
  phone: PhoneApp | null;
  /** displayId → still inside the presence radius. */
  near: Set<string>;
  stopped: Map<string, boolean>;
}

interface LiveTouch {
  scenario: TouchScenario;
  presses: Press[];
}

export function createStoreEngine(o: StoreEngineOptions): StoreEngine {
  const { layout, seed } = o;
  const start = o.startAtMs;
  const target = o.shoppers ?? layout.shoppers.count;
  if (!Number.isInteger(target) || target < 1) throw new RangeError(`shoppers must be a positive integer, got ${target}`);
  if (target > layout.shoppers.population) throw new RangeError(`${target} shoppers at once is more than the population of ${layout.shoppers.population}`);
  const positionsEvery = o.positionsEveryMs ?? 500;
  const radius = o.presenceRadiusM ?? 1.5;
  const plan = stream(seed, 'plan');
  const air = stream(seed, 'air');
  const agenda = new Agenda();
  const listeners = new Set<(e: StoreEvent) => void>();

  const registryResult = indexRegistry(buildSiteRegistry(layout));
  if (!registryResult.ok) throw new RangeError(`layout gives an unusable site registry: ${registryResult.errors.map((e) => `${e.path} ${e.message}`).join('; ')}`);
  const registry = registryResult.index;
  const displays = layout.displays;
  const displayById = new Map(displays.map((d) => [d.id, d]));
  const sensorIdOf = new Map(displays.map((d) => [d.id, beaconIdOf(d.beacon)]));
  const watched = new Set(sensorIdOf.values());
  const stands = new Map(displays.map((d) => [d.id, standPoint(d)]));
  const gateways = layout.gateways.map((g) => ({ id: g.id, at: toPoint(g.at ?? displayById.get(g.display)!.at) }));
  const gatewayOf = new Map(layout.gateways.map((g) => [g.display, g.id]));
  const radio = { pathLossExponent: layout.radio.pathLossExponent, noiseDb: layout.radio.noiseDb };
  const gatewayRx: ReceiverModel = layout.radio.gateway;
  const phoneRx: ReceiverModel = { ...layout.radio.phone, extraLossDb: layout.phone.bodyLossDb };
  const people = makePopulation(layout.shoppers.population, layout.shoppers, plan);

  const truth: TruthCollector = collectTruth({
    siteId: layout.site.id,
    seed,
    startedAt: start,
    displays: displays.map((d) => ({ displayId: d.id, sensorId: sensorIdOf.get(d.id)!, gatewayId: gatewayOf.get(d.id) ?? null, at: toPoint(d.at), stand: stands.get(d.id)! })),
  });
  const n: StoreSummary = {
    simulatedMs: 0,
    shoppersArrived: 0,
    shoppersLeft: 0,
    visits: 0,
    pickups: 0,
    advertisements: 0,
    gatewayReceptions: 0,
    phoneReceptions: 0,
    userCommunications: 0,
    withIdentifiers: 0,
    contentReceived: 0,
    contentShown: 0,
  };

  let now = start;
  const emit = (e: StoreEvent) => {
    truth.onEvent(e);
    for (const l of listeners) l(e);
  };

  // ---- touch pads: live scenarios read by the touch emulators ----
  const touches = new Map<string, LiveTouch>();
  for (const d of displays) {
    if (!d.touch) continue;
    const presses: Press[] = [];
    touches.set(d.id, { presses, scenario: { name: `live-${d.id}`, description: `shoppers at ${d.id}`, periodMs: LIVE_TOUCH_PERIOD_MS, presses } });
  }
  const padFree = (displayId: string, channel: number, from: number, to: number) => {
    const live = touches.get(displayId);
    if (!live) return false;
    const a = from - start;
    const b = to - start;
    return !live.presses.some((p) => p.channel === channel && p.atMs < b + 50 && a < p.atMs + p.holdMs + 50);
  };

  // ---- emitters ----
  let emitterToken = 0;
  function startEmitter(e: Emitter, at: number): void {
    const token = ++emitterToken;
    e.token = token;
    const fire = (t: number) => {
      if (e.token !== token) return;
      const pos = e.position(t);
      if (!pos) return;
      advertise(e, t, pos);
      // advInterval + advDelay of 0–10 ms per advertising event (protocols.md §5.2)
      const next = t + e.intervalMs + uniform(air, 0, 10);
      agenda.add(next, () => fire(next));
    };
    const first = at + uniform(air, 0, e.intervalMs);
    agenda.add(first, () => fire(first));
  }

  /**
   * The frame's bytes; static frames are encoded once and EID frames once per rotation (the renderer
   * recomputes the EID per quantum), and the same bytes object goes to every receiver.
   */
  function render(e: Emitter, t: number): Uint8Array {
    const wallMs = Math.floor(t);
    const key = e.eid ? eidQuantumStart(e.eid.exponent, beaconSecondsAt(e.eid, wallMs)) : 0;
    e.count++;
    if (e.cached?.key === key) return e.cached.adv;
    const { adv } = e.renderer.render(e.slot, { wallMs, uptimeS: (t - e.startedAt) / 1000, advCount: e.count });
    e.cached = { key, adv };
    return adv;
  }

  function advertise(e: Emitter, t: number, pos: Point): void {
    const adv = render(e, t);
    n.advertisements++;
    // Drawn even when nothing listens (radio 'ble' / 'none'), so the phones' events of a seed do not
    // depend on where the gateways' radio goes.
    for (const g of gateways) {
      const rssi = receivePacket(radio, gatewayRx, air, Math.max(MIN_DISTANCE_M, distance(pos, g.at)), e.measuredPower1m);
      if (rssi === null || !o.toGateway) continue;
      n.gatewayReceptions++;
      o.toGateway(g.id, { address: e.address, addressType: 'random', rssi, adv });
    }
    if (!e.toPhones) return;
    for (const s of inStore.values()) {
      if (!s.phone) continue;
      const me = positionAt(s.plan, t).at;
      const rssi = receivePacket(radio, phoneRx, air, Math.max(MIN_DISTANCE_M, distance(pos, me)), e.measuredPower1m);
      if (rssi === null) continue;
      n.phoneReceptions++;
      for (const m of s.phone.hear(adv, rssi, t)) {
        n.userCommunications++;
        if (m.identifiers.length > 0) n.withIdentifiers++;
        emit({ t: Math.round(t), type: 'phone.user-communication', shopperId: s.shopperId, deviceHash: s.phone.deviceHash, trigger: m.trigger.type, message: m });
      }
    }
  }

  displays.forEach((d, i) => {
    const b = d.beacon;
    const eid: EidConfig | undefined =
      b.type === 'eddystone-eid' ? { identityKey: hexToBytes(b.identityKey, 16), exponent: b.exponent, beaconSecondsAt: b.beaconSecondsAt, wallMsAt: layout.clock.beaconEpochMs } : undefined;
    const at = toPoint(d.at);
    const e: Emitter = {
      beaconId: sensorIdOf.get(d.id)!,
      address: staticRandomAddress(1, i + 1),
      measuredPower1m: measuredPower1mOf(b),
      intervalMs: b.intervalMs,
      slot: frameSlot(b),
      renderer: createFrameRenderer(eid ? { eid } : {}),
      ...(eid ? { eid } : {}),
      startedAt: start,
      count: 0,
      position: () => at,
      toPhones: true,
      token: 0,
    };
    startEmitter(e, start);
  });

  // ---- carts ----
  const carts = layout.carts;
  const cartFree: boolean[] = carts ? Array.from({ length: carts.count }, () => true) : [];
  const cartEmitters = new Map<number, Emitter>();

  // ---- shoppers ----
  const inStore = new Map<string, Shopper>();
  const recentPhones = new Map<string, PhoneApp>();
  const busy = new Set<string>();
  let pending = 0;
  let shopperSeq = 0;

  function scheduleArrival(at: number): void {
    pending++;
    agenda.add(at, () => arrive(at));
  }

  function arrive(t: number): void {
    pending--;
    const free = people.filter((p) => !busy.has(p.personId));
    if (free.length === 0) return;
    const person = free[Math.floor(plan() * free.length)]!;
    busy.add(person.personId);
    const shopperId = `s-${String(++shopperSeq).padStart(4, '0')}`;
    const itinerary = planVisit(plan, t, toPoint(layout.floor.entrance), displays, layout.shoppers, padFree);
    // Per-visit draws, always taken so that the stream does not depend on the outcomes.
    const wantsCart = chance(plan, layout.shoppers.cartShare);
    const revokes = chance(plan, layout.shoppers.revokeShare);
    const revokeAt = t + uniform(plan, 0.2, 0.8) * (itinerary.leaveAt - t);
    const offset = gaussian(plan) * layout.phone.clockSkewMs;

    let cart: number | null = null;
    if (carts && wantsCart) {
      const i = cartFree.findIndex((f) => f);
      if (i >= 0) {
        cartFree[i] = false;
        cart = i + 1;
      }
    }
    let phone: PhoneApp | null = null;
    if (person.app) {
      phone = createPhoneApp({
        siteId: layout.site.id,
        deviceId: person.app.deviceId,
        identity: { email: person.email, phone: person.phone },
        consent: person.app.consent,
        hashing: { standard: layout.phone.hashing.standard, defaultCountry: layout.phone.hashing.defaultCountry as CountryCode },
        triggers: { dwell: layout.phone.dwell, proximity: layout.phone.proximity, followUp: layout.phone.followUp, cooldownMs: layout.phone.cooldownMs },
        watch: (id) => watched.has(id),
        eid: registry.eid,
        random: stream(seed, `phone:${shopperId}`),
        clockOffsetMs: Math.round(offset),
        motion: { summary: (from, to) => motionSummary(itinerary, from, to) },
      });
      recentPhones.set(shopperId, phone);
      if (recentPhones.size > 1000) recentPhones.delete(recentPhones.keys().next().value!);
    }
    const s: Shopper = { shopperId, person, plan: itinerary, cart, phone, near: new Set(), stopped: new Map() };
    inStore.set(shopperId, s);
    n.shoppersArrived++;
    emit({
      t: Math.round(t),
      type: 'shopper.arrived',
      shopperId,
      personId: person.personId,
      customerId: person.customerId,
      route: itinerary.stops.map((x) => x.displayId),
      cart: cart === null || !carts ? null : cartBeaconId(carts, cart),
      phone: phone ? { deviceHash: phone.deviceHash, consent: phone.consent } : null,
    });
    if (phone) emit({ t: Math.round(t), type: 'phone.app-started', shopperId, deviceHash: phone.deviceHash, consent: phone.consent });

    if (carts && cart !== null) {
      const e: Emitter = {
        beaconId: cartBeaconId(carts, cart),
        address: staticRandomAddress(2, cart),
        measuredPower1m: carts.txPower - 41,
        intervalMs: carts.intervalMs,
        slot: { type: 'eddystone-uid', namespace: carts.namespace.toLowerCase(), instance: cart.toString(16).padStart(12, '0'), txPower: carts.txPower },
        renderer: createFrameRenderer(),
        startedAt: t,
        count: 0,
        position: (x) => (inStore.has(shopperId) ? positionAt(itinerary, x).at : null),
        toPhones: false,
        token: 0,
      };
      cartEmitters.set(cart, e);
      startEmitter(e, t);
    }
    for (const stop of itinerary.stops) {
      const p = stop.pickup;
      if (!p) continue;
      const live = touches.get(stop.displayId)!;
      live.presses.push({ channel: p.channel, atMs: p.from - start, holdMs: p.to - p.from });
      live.presses.sort((a, b) => a.atMs - b.atMs);
      const base = { shopperId, displayId: stop.displayId, sensorId: sensorIdOf.get(stop.displayId)!, channel: p.channel, itemId: p.itemId };
      agenda.add(p.from, () => {
        n.pickups++;
        emit({ t: Math.round(p.from), type: 'pickup.started', ...base });
      });
      agenda.add(p.to, () => emit({ t: Math.round(p.to), type: 'pickup.ended', ...base, durationMs: Math.round(p.to - p.from) }));
    }
    if (phone && phone.consent && revokes) {
      agenda.add(revokeAt, () => {
        if (!inStore.has(shopperId) || !phone.consent) return;
        phone.revokeConsent();
        // A revocation sticks: the person's next visit starts without consent.
        if (person.app) person.app.consent = false;
        emit({ t: Math.round(revokeAt), type: 'phone.consent-revoked', shopperId, deviceHash: phone.deviceHash });
      });
    }
    agenda.add(itinerary.leaveAt, () => leave(s, itinerary.leaveAt));
  }

  function leave(s: Shopper, t: number): void {
    for (const displayId of s.near) endVisit(s, displayId, t);
    inStore.delete(s.shopperId);
    busy.delete(s.person.personId);
    if (s.cart !== null) {
      cartFree[s.cart - 1] = true;
      const e = cartEmitters.get(s.cart);
      if (e) e.token = -1;
      cartEmitters.delete(s.cart);
    }
    n.shoppersLeft++;
    emit({ t: Math.round(t), type: 'shopper.left', shopperId: s.shopperId });
    scheduleArrival(t + uniform(plan, layout.shoppers.arrivalGapS[0]!, layout.shoppers.arrivalGapS[1]!) * 1000);
  }

  // ---- ground-truth presence, positions, app ticks ----
  function stoppedAt(s: Shopper, displayId: string, from: number, to: number): boolean {
    return s.plan.stops.some((x) => x.displayId === displayId && x.from <= to && x.to >= from);
  }
  function endVisit(s: Shopper, displayId: string, t: number): void {
    s.near.delete(displayId);
    const stopped = s.stopped.get(displayId) ?? false;
    s.stopped.delete(displayId);
    emit({ t: Math.round(t), type: 'visit.ended', shopperId: s.shopperId, displayId, sensorId: sensorIdOf.get(displayId)!, stopped });
  }
  let lastPositions = -Infinity;
  let lastTick = start;
  function sample(t: number): void {
    for (const s of inStore.values()) {
      const here = positionAt(s.plan, t).at;
      for (const d of displays) {
        const dist = distance(here, stands.get(d.id)!);
        const inside = s.near.has(d.id);
        if (!inside && dist <= radius) {
          s.near.add(d.id);
          // Heading for a planned stop here within the time it takes to cross the radius.
          const stopped = stoppedAt(s, d.id, t, t + ((radius + 0.5) / s.plan.speedMps) * 1000 + SAMPLE_MS);
          s.stopped.set(d.id, stopped);
          n.visits++;
          emit({ t: Math.round(t), type: 'visit.started', shopperId: s.shopperId, displayId: d.id, sensorId: sensorIdOf.get(d.id)!, stopped });
        } else if (inside && dist > radius + PRESENCE_HYSTERESIS_M) {
          s.stopped.set(d.id, (s.stopped.get(d.id) ?? false) || stoppedAt(s, d.id, t - 1000, t));
          endVisit(s, d.id, t);
        } else if (inside && !s.stopped.get(d.id) && positionAt(s.plan, t).standingAt === d.id) {
          s.stopped.set(d.id, true);
        }
      }
    }
    if (positionsEvery > 0 && t - lastPositions >= positionsEvery) {
      lastPositions = t;
      emit({
        t: Math.round(t),
        type: 'positions',
        shoppers: [...inStore.values()].map((s) => {
          const p = positionAt(s.plan, t);
          return { shopperId: s.shopperId, x: Math.round(p.at[0] * 100) / 100, y: Math.round(p.at[1] * 100) / 100, moving: p.moving, at: p.standingAt };
        }),
      });
    }
    if (t - lastTick >= 1000) {
      lastTick = t;
      for (const s of inStore.values()) s.phone?.tick(t);
      // Presses long over are of no use to the touch emulators (they only look forward).
      for (const live of touches.values()) {
        const cut = t - start - 60_000;
        for (let i = live.presses.length - 1; i >= 0; i--) if (live.presses[i]!.atMs + live.presses[i]!.holdMs < cut) live.presses.splice(i, 1);
      }
    }
    agenda.add(t + SAMPLE_MS, () => sample(t + SAMPLE_MS));
  }

  // ---- start ----
  let started = false;
  function begin(): void {
    started = true;
    emit({ t: Math.round(start), type: 'sim.started', siteId: layout.site.id, seed, shoppers: target, displays: displays.length, gateways: gateways.map((g) => g.id), speed: o.speed ?? 1 });
    let at = start + 500;
    for (let i = 0; i < target; i++) {
      scheduleArrival(at);
      at += uniform(plan, layout.shoppers.arrivalGapS[0]!, layout.shoppers.arrivalGapS[1]!) * 1000;
    }
    agenda.add(start + SAMPLE_MS, () => sample(start + SAMPLE_MS));
  }

  function advanceTo(t: number): void {
    if (!started) begin();
    for (;;) {
      const next = agenda.peek();
      if (!next || next.at > t) break;
      agenda.pop();
      now = Math.max(now, next.at);
      next.run();
    }
    now = Math.max(now, t);
    n.simulatedMs = Math.round(now - start);
  }

  return {
    startAtMs: start,
    get now() {
      return now;
    },
    layout,
    registry,
    advanceTo,
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    truth: () => truth.snapshot(),
    people: () => people,
    customers: () => people.filter((p) => p.customerId !== null).map((p) => ({ customerId: p.customerId!, email: p.email, phone: p.phone })),
    radarTarget(displayId, t) {
      const d = displayById.get(displayId);
      if (!d?.radar) return null;
      const at = toPoint(d.at);
      let best: { distanceCm: number; moving: boolean } | null = null;
      for (const s of inStore.values()) {
        if (t < s.plan.arriveAt || t > s.plan.leaveAt) continue;
        const p = positionAt(s.plan, t);
        const dist = distance(at, p.at);
        if (dist * 100 > d.radar.rangeCm || angleOff(at, d.facing, p.at) > d.radar.fovDeg / 2) continue;
        const cm = Math.max(1, Math.round(dist * 100));
        if (!best || cm < best.distanceCm) best = { distanceCm: cm, moving: p.moving };
      }
      return best;
    },
    touchScenario(displayId) {
      const live = touches.get(displayId);
      if (!live) throw new RangeError(`display ${displayId} has no touch pad`);
      return live.scenario;
    },
    phone: (shopperId) => recentPhones.get(shopperId),
    deliverContent(shopperId, topic, payload, atMs) {
      advanceTo(atMs);
      const phone = recentPhones.get(shopperId);
      if (!phone) return;
      const t = Math.max(now, atMs);
      const d = phone.content(topic, payload, t);
      if (!d.ok) {
        emit({ t: Math.round(t), type: 'phone.content-refused', shopperId, deviceHash: phone.deviceHash, reason: d.reason, detail: d.detail });
        return;
      }
      n.contentReceived++;
      const item = d.item;
      emit({ t: Math.round(t), type: 'phone.content-received', shopperId, deviceHash: phone.deviceHash, messageId: item.messageId, contentId: item.contentId, showAt: Math.round(d.showAt), expiresAt: d.expiresAt });
      agenda.add(Math.max(d.showAt, t), () => {
        const shownAt = Math.max(d.showAt, t);
        if (shownAt > d.expiresAt) {
          emit({ t: Math.round(shownAt), type: 'phone.content-expired', shopperId, deviceHash: phone.deviceHash, messageId: item.messageId, contentId: item.contentId });
          return;
        }
        n.contentShown++;
        emit({
          t: Math.round(shownAt),
          type: 'phone.content-shown',
          shopperId,
          deviceHash: phone.deviceHash,
          receivedAt: Math.round(t),
          item: {
            messageId: item.messageId,
            contentId: item.contentId,
            sensorId: item.sensorId,
            contentKind: item.contentKind,
            title: item.title,
            body: item.body,
            ...(item.itemId !== undefined ? { itemId: item.itemId } : {}),
            ...(item.url !== undefined ? { url: item.url } : {}),
          },
        });
      });
      // Show-on-reception items run now rather than at the next tick.
      advanceTo(t);
    },
    report(e) {
      emit(e);
    },
    summary: () => ({ ...n }),
  };
}

