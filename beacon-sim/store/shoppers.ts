/**
 * The people who may visit the store and what one visit looks like.
 *
 * People: a seeded population with synthetic identities (emails on the RFC 2606 reserved domains
 * example.com/.org/.net, US numbers in the 555-01XX range reserved for fiction by the NANPA), some of
 * them in the merchant's customer list (the CRM export the backend hashes, [0220]–[0222]), some
 * with the merchant's app on their phone and consent to share hashed identifiers ([0204], claim 15).
 * Raw identities live only here and in `people()` of the engine: nothing in the event stream or on
 * the broker carries them.
 *
 * A visit is planned whole when the shopper walks in: a route of spots (weighted by `attraction`,
 * ordered nearest first from the entrance), straight walks between stand points, a dwell at each,
 * and maybe an item picked up (a pad pressed) at spots with a touch pad. Planning the whole visit up
 * front is what lets the radar and touch emulators ask "who is where at t" for any t without
 * running the simulation, and keeps every random draw in arrival order (determinism).
 * Aisles are spots like any other; nobody walks around fixtures (straight lines on the plan).
 */
import { type Point, distance, headingDeg, lerp, offset } from './geometry.js';
import type { DisplayLayout, ShoppersLayout } from './layout-schema.js';
import { standPoint } from './layout.js';
import { type Random, chance, intBetween, pick, uniform } from './random.js';

export interface Person {
  personId: string;
  /** The merchant's customer ID when the person is in the CRM export, else null. */
  customerId: string | null;
  /** Raw identifiers, as typed into the app or the CRM (mixed case, formatted numbers). */
  email: string;
  phone: string;
  /** The merchant's app, when installed. */
  app: { deviceId: string; consent: boolean } | null;
}

const FIRST = ['ana', 'ben', 'carla', 'dev', 'elif', 'femi', 'greta', 'hugo', 'ines', 'jonas', 'kai', 'lena', 'mateo', 'nora', 'omar', 'pia', 'quinn', 'rosa', 'sami', 'tara', 'uma', 'vik', 'wen', 'yara', 'zoe'];
const LAST = ['silva', 'berg', 'okafor', 'novak', 'tanaka', 'haddad', 'larsen', 'moreau', 'rossi', 'schmidt', 'kowalski', 'nguyen', 'garcia', 'murphy', 'fischer', 'sato'];
const DOMAINS = ['example.com', 'example.org', 'example.net'];

function uuidLike(r: Random): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(r() * 16).toString(16)).join('');
  // RFC 4122 version 4 / variant bits, so it looks like what an app would generate
  const v = `${hex.slice(0, 12)}4${hex.slice(13, 16)}${((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17)}`;
  return `${v.slice(0, 8)}-${v.slice(8, 12)}-${v.slice(12, 16)}-${v.slice(16, 20)}-${v.slice(20, 32)}`;
}

/** Raw phone spellings people type; all normalise to the same +1 E.164 number. */
function formatPhone(r: Random, area: number, line: number): string {
  const l = String(line).padStart(4, '0');
  switch (intBetween(r, 0, 2)) {
    case 0:
      return `(${area}) 555-${l}`;
    case 1:
      return `+1 ${area} 555 ${l}`;
    default:
      return `${area}.555.${l}`;
  }
}

export function makePopulation(size: number, s: Pick<ShoppersLayout, 'crmShare' | 'appShare' | 'consentShare'>, r: Random): Person[] {
  const people: Person[] = [];
  for (let i = 0; i < size; i++) {
    const first = FIRST[intBetween(r, 0, FIRST.length - 1)]!;
    const last = LAST[intBetween(r, 0, LAST.length - 1)]!;
    const domain = DOMAINS[intBetween(r, 0, DOMAINS.length - 1)]!;
    // Capitalised as people type it; the hashing standard lowercases (protocol/identity).
    const email = `${first[0]!.toUpperCase()}${first.slice(1)}.${last}${i + 1}@${domain}`;
    // Area codes 201–999 × lines 0100–0199 (555-0100…0199 is fictional): unique per index.
    const phone = formatPhone(r, 201 + Math.floor(i / 100), 100 + (i % 100));
    const inCrm = chance(r, s.crmShare);
    const hasApp = chance(r, s.appShare);
    const consent = chance(r, s.consentShare);
    const deviceId = uuidLike(r);
    people.push({
      personId: `p-${String(i + 1).padStart(5, '0')}`,
      customerId: inCrm ? `c-${String(100_000 + i * 7)}` : null,
      email,
      phone,
      app: hasApp ? { deviceId, consent } : null,
    });
  }
  return people;
}

export interface Pickup {
  channel: number;
  itemId: string | null;
  from: number;
  to: number;
  /** Peak linear acceleration of the phone while the item is handled, m/s² (movement data, claim 7). */
  peakMs2: number;
}

export interface Stop {
  displayId: string;
  at: Point;
  from: number;
  to: number;
  pickup: Pickup | null;
}

export type Leg = { kind: 'walk'; from: Point; to: Point; t0: number; t1: number } | { kind: 'stand'; at: Point; t0: number; t1: number; displayId: string };

export interface Itinerary {
  arriveAt: number;
  leaveAt: number;
  speedMps: number;
  legs: Leg[];
  stops: Stop[];
}

/** Is this pad free over [from, to]? (Two hands do not press one pad at once.) */
export type PadCheck = (displayId: string, channel: number, from: number, to: number) => boolean;

function weightedRoute(r: Random, displays: readonly DisplayLayout[], k: number): DisplayLayout[] {
  const pool = displays.filter((d) => d.attraction > 0);
  const out: DisplayLayout[] = [];
  while (out.length < k && pool.length > 0) {
    const total = pool.reduce((a, d) => a + d.attraction, 0);
    let x = r() * total;
    let i = 0;
    for (; i < pool.length - 1; i++) {
      x -= pool[i]!.attraction;
      if (x < 0) break;
    }
    out.push(pool.splice(i, 1)[0]!);
  }
  return out;
}

function nearestFirst(start: Point, stops: DisplayLayout[]): DisplayLayout[] {
  const left = [...stops];
  const out: DisplayLayout[] = [];
  let here = start;
  while (left.length > 0) {
    let best = 0;
    for (let i = 1; i < left.length; i++) if (distance(here, standPoint(left[i]!)) < distance(here, standPoint(left[best]!))) best = i;
    const d = left.splice(best, 1)[0]!;
    out.push(d);
    here = standPoint(d);
  }
  return out;
}

export function planVisit(r: Random, arriveAt: number, entrance: Point, displays: readonly DisplayLayout[], s: ShoppersLayout, padFree: PadCheck): Itinerary {
  const speed = uniform(r, s.walkSpeedMps[0]!, s.walkSpeedMps[1]!);
  const k = intBetween(r, s.stops[0]!, s.stops[1]!);
  const route = nearestFirst(entrance, weightedRoute(r, displays, k));
  const legs: Leg[] = [];
  const stops: Stop[] = [];
  let here: Point = entrance;
  let t = arriveAt;
  const walk = (to: Point) => {
    const t1 = t + (distance(here, to) / speed) * 1000;
    legs.push({ kind: 'walk', from: here, to, t0: t, t1 });
    here = to;
    t = t1;
  };
  for (const d of route) {
    // Not everyone stands on the same spot: ±0.3 m along the front, ±0.15 m closer or farther.
    const base = standPoint(d);
    const at = offset(offset(base, d.facing + 90, uniform(r, -0.3, 0.3)), d.facing, uniform(r, -0.15, 0.15));
    walk(at);
    const dwellMs = uniform(r, s.dwellS[0]!, s.dwellS[1]!) * 1000;
    const from = t;
    const to = t + dwellMs;
    let pickup: Pickup | null = null;
    const pads = d.touch ? Object.keys(d.touch.pads).map(Number) : [];
    const wants = pads.length > 0 && chance(r, s.pickupChance);
    // Drawn whether or not the pickup happens, so one pad conflict does not shift every later draw.
    const channel = pads.length > 0 ? pick(r, pads, 1)[0]! : 0;
    const startMs = from + uniform(r, 500, Math.max(600, Math.min(3000, dwellMs / 3)));
    const holdMs = uniform(r, s.holdS[0]!, s.holdS[1]!) * 1000;
    const peak = uniform(r, 4, 8);
    if (wants) {
      const end = Math.min(startMs + holdMs, to - 300);
      if (end - startMs >= 100 && padFree(d.id, channel, startMs, end)) {
        const item = d.touch!.pads[String(channel)];
        pickup = { channel, itemId: item?.itemId ?? d.item.itemId ?? null, from: startMs, to: end, peakMs2: Math.round(peak * 100) / 100 };
      }
    }
    legs.push({ kind: 'stand', at, t0: from, t1: to, displayId: d.id });
    stops.push({ displayId: d.id, at, from, to, pickup });
    t = to;
  }
  walk(entrance);
  return { arriveAt, leaveAt: t, speedMps: speed, legs, stops };
}

/** The leg in progress at t (the last one at or after the end). */
function legAt(it: Itinerary, t: number): Leg | undefined {
  let lo = 0;
  let hi = it.legs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (it.legs[mid]!.t1 < t) lo = mid + 1;
    else hi = mid;
  }
  return it.legs[lo];
}

export function positionAt(it: Itinerary, t: number): { at: Point; moving: boolean; standingAt: string | null } {
  const leg = legAt(it, t);
  if (!leg) return { at: [0, 0], moving: false, standingAt: null };
  if (leg.kind === 'stand') return { at: leg.at, moving: false, standingAt: t >= leg.t0 && t <= leg.t1 ? leg.displayId : null };
  const span = leg.t1 - leg.t0;
  const f = span <= 0 ? 1 : Math.min(1, Math.max(0, (t - leg.t0) / span));
  return { at: lerp(leg.from, leg.to, f), moving: t >= leg.t0 && t < leg.t1, standingAt: null };
}

/** Stride of an adult walking slowly, m: an assumption for the pedometer. */
const STRIDE_M = 0.7;
/** Linear acceleration of a phone carried while walking vs standing, m/s² RMS: assumptions. */
const WALK_RMS = 1.2;
const STILL_RMS = 0.15;
const WALK_PEAK = 2.6;
const STILL_PEAK = 0.4;

/**
 * What the phone's motion sensors would report over [from, to]: pedometer steps, compass heading
 * of the last walk, and an accelerometer summary in which handling an item shows as a peak
 * (claims 6–7, [0212]). A pure function of the plan (no random draws), so it never shifts a stream.
 */
export function motionSummary(it: Itinerary, from: number, to: number, heading = true): { steps: number; headingDeg?: number; accel: { rmsMs2: number; peakMs2: number } } {
  let walked = 0;
  let walkMs = 0;
  let lastWalk: Leg | undefined;
  for (const leg of it.legs) {
    const a = Math.max(from, leg.t0);
    const b = Math.min(to, leg.t1);
    if (leg.kind === 'walk' && leg.t0 < to) lastWalk = leg;
    if (b <= a || leg.kind !== 'walk') continue;
    walkMs += b - a;
    walked += (distance(leg.from, leg.to) * (b - a)) / Math.max(1, leg.t1 - leg.t0);
  }
  const span = Math.max(1, to - from);
  const frac = Math.min(1, walkMs / span);
  let peak = walkMs > 0 ? WALK_PEAK : STILL_PEAK;
  for (const s of it.stops) if (s.pickup && s.pickup.from < to && s.pickup.to > from) peak = Math.max(peak, s.pickup.peakMs2);
  const out: { steps: number; headingDeg?: number; accel: { rmsMs2: number; peakMs2: number } } = {
    steps: Math.round(walked / STRIDE_M),
    accel: { rmsMs2: Math.round((STILL_RMS + (WALK_RMS - STILL_RMS) * frac) * 100) / 100, peakMs2: peak },
  };
  if (heading && lastWalk && lastWalk.kind === 'walk' && distance(lastWalk.from, lastWalk.to) > 0.01) out.headingDeg = headingDeg(lastWalk.from, lastWalk.to);
  return out;
}
