/**
 * Ground truth of a simulated run: who was at which display when, who picked what up, and which
 * phone sent which user communication — what a backend's beacon–device matches ([0231]) are scored
 * against. Built from the event stream alone (`collectTruth`), so the same truth can be rebuilt from
 * a `sim store --json` log by another process.
 *
 * Scoring (`scoreMatches`). A match pairs a sensor communication S (gateway at display D, time tS)
 * with a user communication U (phone of shopper P, sensorId D, time tU). It is *correct* when P
 * could have caused S — `attributeSensorCommunication`:
 *  - touch / hold: P had that pad of D pressed around S's interval (the presser is known exactly);
 *  - approach / view / dwell / proximity / left: P was within the presence radius of D during S's
 *    interval (widened by `slackMs`); dwell and proximity, which come from cart tags, also need P
 *    to push a cart.
 * The *expected* pairs are every (S, U) with U.sensorId = S.sensorId, |tS − tU| ≤ windowMs and U's
 * shopper among S's causes. precision = correct matches / matches; recall = expected pairs found /
 * expected pairs. A backend that pairs by sensor ID and time alone loses precision exactly when two
 * shoppers stand at one display, which is the case the patent's threshold window ([0231]) cannot
 * separate.
 */
import type { StoreEvent } from './events.js';

export interface TruthDisplay {
  displayId: string;
  sensorId: string;
  gatewayId: string | null;
  at: readonly [number, number];
  stand: readonly [number, number];
}

export interface TruthShopper {
  shopperId: string;
  personId: string;
  customerId: string | null;
  arrivedAt: number;
  leftAt: number | null;
  route: string[];
  cart: string | null;
  phone: { deviceHash: string; consent: boolean; revokedAt: number | null } | null;
}

export interface TruthVisit {
  shopperId: string;
  displayId: string;
  sensorId: string;
  from: number;
  /** null while the shopper is still there. */
  to: number | null;
  /** The display was a planned stop (the shopper stood there), not a walk past. */
  stopped: boolean;
}

export interface TruthPickup {
  shopperId: string;
  displayId: string;
  sensorId: string;
  channel: number;
  itemId: string | null;
  from: number;
  to: number | null;
}

export interface TruthUserCommunication {
  messageId: string;
  shopperId: string;
  deviceHash: string;
  sensorId: string;
  /** Device timestamp (what the message carries). */
  timestamp: number;
  /** Store time at which it was generated. */
  storeTime: number;
  followUp: number;
  trigger: 'dwell' | 'proximity';
  consent: boolean;
  identifiers: number;
}

export interface TruthContent {
  shopperId: string;
  messageId: string;
  contentId: string;
  receivedAt: number;
  shownAt: number | null;
  outcome: 'pending' | 'shown' | 'expired';
}

export interface GroundTruth {
  v: 1;
  siteId: string;
  seed: number;
  startedAt: number;
  /** Store time of the last event seen. */
  until: number;
  displays: TruthDisplay[];
  shoppers: TruthShopper[];
  visits: TruthVisit[];
  pickups: TruthPickup[];
  userCommunications: TruthUserCommunication[];
  content: TruthContent[];
}

export interface TruthCollector {
  onEvent(e: StoreEvent): void;
  /** A copy of the truth so far. */
  snapshot(): GroundTruth;
}

export function collectTruth(init: { siteId: string; seed: number; startedAt: number; displays: TruthDisplay[] }): TruthCollector {
  const t: GroundTruth = { v: 1, ...init, until: init.startedAt, shoppers: [], visits: [], pickups: [], userCommunications: [], content: [] };
  const shoppers = new Map<string, TruthShopper>();
  const openVisits = new Map<string, TruthVisit>();
  const openPickups = new Map<string, TruthPickup>();
  const content = new Map<string, TruthContent>();
  return {
    onEvent(e) {
      t.until = Math.max(t.until, e.t);
      switch (e.type) {
        case 'shopper.arrived': {
          const s: TruthShopper = {
            shopperId: e.shopperId,
            personId: e.personId,
            customerId: e.customerId,
            arrivedAt: e.t,
            leftAt: null,
            route: [...e.route],
            cart: e.cart,
            phone: e.phone ? { ...e.phone, revokedAt: null } : null,
          };
          shoppers.set(e.shopperId, s);
          t.shoppers.push(s);
          break;
        }
        case 'shopper.left': {
          const s = shoppers.get(e.shopperId);
          if (s) s.leftAt = e.t;
          break;
        }
        case 'phone.consent-revoked': {
          const p = shoppers.get(e.shopperId)?.phone;
          if (p) p.revokedAt = e.t;
          break;
        }
        case 'visit.started': {
          const v: TruthVisit = { shopperId: e.shopperId, displayId: e.displayId, sensorId: e.sensorId, from: e.t, to: null, stopped: e.stopped };
          openVisits.set(`${e.shopperId}|${e.displayId}`, v);
          t.visits.push(v);
          break;
        }
        case 'visit.ended': {
          const key = `${e.shopperId}|${e.displayId}`;
          const v = openVisits.get(key);
          if (v) {
            v.to = e.t;
            v.stopped = v.stopped || e.stopped;
            openVisits.delete(key);
          }
          break;
        }
        case 'pickup.started': {
          const p: TruthPickup = { shopperId: e.shopperId, displayId: e.displayId, sensorId: e.sensorId, channel: e.channel, itemId: e.itemId, from: e.t, to: null };
          openPickups.set(`${e.shopperId}|${e.displayId}|${e.channel}`, p);
          t.pickups.push(p);
          break;
        }
        case 'pickup.ended': {
          const key = `${e.shopperId}|${e.displayId}|${e.channel}`;
          const p = openPickups.get(key);
          if (p) {
            p.to = e.t;
            openPickups.delete(key);
          }
          break;
        }
        case 'phone.user-communication':
          t.userCommunications.push({
            messageId: e.message.messageId,
            shopperId: e.shopperId,
            deviceHash: e.deviceHash,
            sensorId: e.message.sensorId,
            timestamp: e.message.timestamp,
            storeTime: e.t,
            followUp: e.message.followUp,
            trigger: e.trigger,
            consent: e.message.consent,
            identifiers: e.message.identifiers.length,
          });
          break;
        case 'phone.content-received': {
          const c: TruthContent = { shopperId: e.shopperId, messageId: e.messageId, contentId: e.contentId, receivedAt: e.t, shownAt: null, outcome: 'pending' };
          content.set(e.messageId, c);
          t.content.push(c);
          break;
        }
        case 'phone.content-shown': {
          const c = content.get(e.item.messageId);
          if (c) Object.assign(c, { shownAt: e.t, outcome: 'shown' });
          break;
        }
        case 'phone.content-expired': {
          const c = content.get(e.messageId);
          if (c) c.outcome = 'expired';
          break;
        }
        default:
          break;
      }
    },
    snapshot: () => structuredClone(t),
  };
}

/** What scoring needs of a sensor communication (a subset of the protocol/messages schema). */
export interface SensorCommunicationLike {
  messageId: string;
  sensorId: string;
  timestamp: number;
  interaction: { type: string; startedAt: number; endedAt: number; touchChannel?: number };
}

const overlaps = (from: number, to: number | null, a: number, b: number) => from <= b && (to ?? Infinity) >= a;

/** Shoppers who could have caused this sensor communication (see the module header). */
export function attributeSensorCommunication(truth: GroundTruth, s: SensorCommunicationLike, slackMs = 2000): string[] {
  const display = truth.displays.find((d) => d.sensorId === s.sensorId);
  if (!display) return [];
  const a = Math.min(s.interaction.startedAt, s.timestamp) - slackMs;
  const b = Math.max(s.interaction.endedAt, s.timestamp) + slackMs;
  const type = s.interaction.type;
  if (type === 'touch' || type === 'hold') {
    const pressers = truth.pickups.filter(
      (p) => p.displayId === display.displayId && (s.interaction.touchChannel === undefined || p.channel === s.interaction.touchChannel) && overlaps(p.from, p.to, a, b),
    );
    return [...new Set(pressers.map((p) => p.shopperId))];
  }
  const near = truth.visits.filter((v) => v.displayId === display.displayId && overlaps(v.from, v.to, a, b)).map((v) => v.shopperId);
  const withCart = new Set(truth.shoppers.filter((x) => x.cart !== null).map((x) => x.shopperId));
  const causes = type === 'dwell' || type === 'proximity' ? near.filter((id) => withCart.has(id)) : near;
  return [...new Set(causes)];
}

export interface MatchScore {
  matches: number;
  correct: number;
  expected: number;
  found: number;
  /** correct / matches (1 when there are no matches). */
  precision: number;
  /** found / expected (1 when nothing was expected). */
  recall: number;
  /** Matches naming a user communication the simulation never sent. */
  unknownUserCommunications: number;
}

export function scoreMatches(
  truth: GroundTruth,
  input: { sensorCommunications: readonly SensorCommunicationLike[]; matches: readonly { sensorMessageId: string; userMessageId: string }[]; windowMs: number; slackMs?: number },
): MatchScore {
  const users = new Map(truth.userCommunications.map((u) => [u.messageId, u]));
  const causes = new Map(input.sensorCommunications.map((s) => [s.messageId, new Set(attributeSensorCommunication(truth, s, input.slackMs))]));
  const expected = new Set<string>();
  for (const s of input.sensorCommunications) {
    const who = causes.get(s.messageId)!;
    for (const u of truth.userCommunications) {
      if (u.sensorId === s.sensorId && Math.abs(u.timestamp - s.timestamp) <= input.windowMs && who.has(u.shopperId)) expected.add(`${s.messageId}|${u.messageId}`);
    }
  }
  let correct = 0;
  let found = 0;
  let unknown = 0;
  const seen = new Set<string>();
  for (const m of input.matches) {
    const key = `${m.sensorMessageId}|${m.userMessageId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const u = users.get(m.userMessageId);
    if (!u) unknown++;
    if (u && causes.get(m.sensorMessageId)?.has(u.shopperId)) correct++;
    if (expected.has(key)) found++;
  }
  const matches = seen.size;
  return {
    matches,
    correct,
    expected: expected.size,
    found,
    precision: matches === 0 ? 1 : correct / matches,
    recall: expected.size === 0 ? 1 : found / expected.size,
    unknownUserCommunications: unknown,
  };
}
