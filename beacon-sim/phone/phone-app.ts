/**
 * The merchant's app on a shopper's phone (claims 1–20, [0202]–[0217], [0245]–[0248]), without
 * I/O: advertising events in, validated user communications out; content messages in, display
 * decisions out. `mqtt-link.ts` puts it on a broker; the store engine feeds it the radio.
 *
 *  - hearing: raw advertising data is decoded with protocol/ble and named with protocol/registry's
 *    `frameBeaconId` — the same canonical beacon ID gateways report; rotating EIDs are resolved with
 *    the site's EID registrations ([0199], [0202]). Only the merchant's own beacons (`watch`) count.
 *  - triggering: triggers.ts (claims 4, 8, 11).
 *  - the user communication ([0210]–[0217]): sensor identifier, device timestamp, trigger data
 *    (period, highest RSSI, receipts), movement data recorded during the period (claim 6, [0212]),
 *    hashed identifiers under the site's hashing standard (claim 15, [0213]–[0216]) and the
 *    follow-up index (claim 8). Validated against the protocol/messages schema before it leaves.
 *  - privacy: the raw identifiers never leave this object. They are hashed once, when the app
 *    starts, with protocol/identity `hashIdentifier`; without consent (absent, or revoked later)
 *    the communication carries no identifiers at all (`consent: false`, the schema's rule). As a
 *    last line of defence every outgoing payload is checked for the raw and normalised values and
 *    dropped if one appears.
 *  - content ([0245]–[0248]): a content item arriving on the phone's content topic is checked
 *    (schema, topic, addressed to this device, not a repeat) and its timing instructions ([0246])
 *    turned into a store-clock time to show it, or a refusal when it would only show expired.
 */
import { type BeaconFrame, decodeAdvertisement } from '../../protocol/ble/frames.js';
import { type EidResolver } from '../../protocol/ble/crypto/eid-resolver.js';
import { type CountryCode, type HashingStandardName, type IdentifierField, hashIdentifier, normalizeIdentifier } from '../../protocol/identity/index.js';
import { type ContentItem, type UserCommunication, decodeFromTopic, deviceTopicHash, validateUserCommunication } from '../../protocol/messages/index.js';
import { frameBeaconId } from '../../protocol/registry/resolve.js';
import { type Random } from '../sensors/rng.js';
import { type TriggerDetector, type TriggerFire, type TriggerSettings, type TriggerStats, createTriggerDetector } from './triggers.js';
import { ulid } from './ulid.js';

/** What the app knows about its user: personal data that stays on the device ([0214]). */
export type PhoneIdentity = Partial<Record<IdentifierField, string>>;

export type Movement = NonNullable<UserCommunication['movement']>;

/** The phone's motion sensors, summarised over a window of store time (claim 6, [0212]). */
export interface MotionSensors {
  summary(fromMs: number, toMs: number): Omit<Movement, 'startedAt' | 'endedAt'> | undefined;
}

export interface HashingSettings {
  standard: HashingStandardName;
  defaultCountry?: CountryCode;
  /** Merchant key: HMAC-SHA-256 digests ([0216]); absent = plain SHA-256. */
  pepper?: string;
}

export interface PhoneAppOptions {
  siteId: string;
  /** Pseudonymous install ID (primitives.ts DEVICE_ID_PATTERN). */
  deviceId: string;
  identity: PhoneIdentity;
  /** Whether the user consented to sharing hashed identifiers when the app started. */
  consent: boolean;
  hashing: HashingSettings;
  triggers: TriggerSettings;
  /** The merchant's beacons: broadcasts of anything else are ignored. */
  watch: (beaconId: string) => boolean;
  /** Resolver of the site's EID beacons; null when the site has none. */
  eid: EidResolver | null;
  /** Source of the message IDs' random part. */
  random: Random;
  /** This phone's clock minus the store clock, ms; device timestamps carry it ([0217] timestamp 275-2). */
  clockOffsetMs?: number;
  motion?: MotionSensors;
}

export type ContentDecision =
  | { ok: true; item: ContentItem; receivedAt: number; showAt: number; expiresAt: number }
  | { ok: false; reason: 'invalid' | 'not-for-this-device' | 'duplicate' | 'expired'; detail: string };

export interface PhoneStats {
  advertisements: number;
  /** Broadcasts that named none of the merchant's beacons (other beacons, unresolved EIDs, TLM). */
  ignored: number;
  userCommunications: number;
  /** Built but refused by the schema (a bug: counted and dropped, never published). */
  invalid: number;
  /** Refused by the raw-identifier check (a bug: counted and dropped, never published). */
  leaksBlocked: number;
  triggers: TriggerStats;
  contentAccepted: number;
  contentRefused: number;
}

export interface PhoneApp {
  readonly deviceId: string;
  /** sha256(deviceId): the level of its content topic (topics.ts). */
  readonly deviceHash: string;
  readonly consent: boolean;
  /** One advertising event at store time `atMs`; returns the user communications to publish. */
  hear(adv: Uint8Array, rssi: number, atMs: number): UserCommunication[];
  /** Lets runs the phone no longer hears end (call about once a second). */
  tick(atMs: number): void;
  /** The user withdraws consent: from now on nothing identifying is sent. */
  revokeConsent(): void;
  /** A message from the content topic, received at store time `atMs`. */
  content(topic: string, payload: string | Uint8Array, atMs: number): ContentDecision;
  stats(): PhoneStats;
}

interface Hashed {
  identifiers: UserCommunication['identifiers'];
  standard: string | undefined;
}

function hashAll(identity: PhoneIdentity, h: HashingSettings): Hashed {
  const identifiers: UserCommunication['identifiers'] = [];
  let standard: string | undefined;
  for (const [field, raw] of Object.entries(identity) as [IdentifierField, string][]) {
    if (raw === undefined) continue;
    const r = hashIdentifier(field, raw, { standard: h.standard, ...(h.defaultCountry ? { defaultCountry: h.defaultCountry } : {}), ...(h.pepper ? { pepper: h.pepper } : {}) });
    // Refused values (invalid, or sent in clear by the standard, like google-v1 zip) are left out: never sent raw.
    if (!r.ok) continue;
    identifiers.push(r.keyed ? { field, sha256: r.hash, keyed: true } : { field, sha256: r.hash });
    standard = r.standard;
  }
  return { identifiers, standard };
}

/** Every spelling of the user's identifiers that must never appear in a payload. */
function forbiddenStrings(identity: PhoneIdentity, h: HashingSettings): string[] {
  const out = new Set<string>();
  for (const [field, raw] of Object.entries(identity) as [IdentifierField, string][]) {
    if (!raw) continue;
    out.add(raw.trim().toLowerCase());
    const n = normalizeIdentifier(field, raw, { standard: h.standard, ...(h.defaultCountry ? { defaultCountry: h.defaultCountry } : {}) });
    if (n.ok) out.add(n.normalized.toLowerCase());
    if (field === 'phone') {
      const digits = raw.replace(/\D/g, '');
      if (digits.length >= 7) out.add(digits);
    }
  }
  return [...out].filter((s) => s.length >= 5);
}

/**
 * Decoded frames and their fixed beacon IDs per advertising-data buffer: a simulator hands every
 * phone the same bytes object for one advertising event, so each event is parsed once, not once per
 * phone. EIDs are still resolved per receipt (the answer depends on the time).
 */
const decodedCache = new WeakMap<Uint8Array, { frame: BeaconFrame; id: string | null }[]>();

function decodeOnce(adv: Uint8Array): { frame: BeaconFrame; id: string | null }[] {
  let d = decodedCache.get(adv);
  if (!d) {
    d = decodeAdvertisement(adv).frames.map((frame) => ({ frame, id: frame.type === 'eddystone-eid' ? null : frameBeaconId(frame, null, 0) }));
    decodedCache.set(adv, d);
  }
  return d;
}

export function createPhoneApp(o: PhoneAppOptions): PhoneApp {
  const offset = o.clockOffsetMs ?? 0;
  const device = (storeMs: number) => Math.round(storeMs + offset);
  const detector: TriggerDetector = createTriggerDetector(o.triggers);
  const deviceHash = deviceTopicHash(o.deviceId);
  let consent = o.consent;
  // Hashed once, at start ([0215]); the raw values are only kept for the leak check below.
  let hashed: Hashed = consent ? hashAll(o.identity, o.hashing) : { identifiers: [], standard: undefined };
  const forbidden = forbiddenStrings(o.identity, o.hashing);
  const seenContent = new Set<string>();
  const n = { advertisements: 0, ignored: 0, userCommunications: 0, invalid: 0, leaksBlocked: 0, contentAccepted: 0, contentRefused: 0 };

  function build(f: TriggerFire, atMs: number): UserCommunication | null {
    const timestamp = device(atMs);
    const motion = o.motion?.summary(f.firstAt, atMs);
    const message: UserCommunication = {
      v: 1,
      kind: 'user-communication',
      messageId: ulid(timestamp, o.random),
      deviceId: o.deviceId,
      siteId: o.siteId,
      sensorId: f.beaconId,
      timestamp,
      trigger: { type: f.type, periodMs: Math.round(f.periodMs), maxRssi: f.maxRssi, receipts: f.receipts },
      ...(motion ? { movement: { startedAt: device(f.firstAt), endedAt: timestamp, ...motion } } : {}),
      identifiers: consent ? hashed.identifiers.map((i) => ({ ...i })) : [],
      ...(consent && hashed.identifiers.length > 0 && hashed.standard ? { hashingStandard: hashed.standard } : {}),
      consent,
      followUp: f.followUp,
    };
    const checked = validateUserCommunication(message);
    if (!checked.ok) {
      n.invalid++;
      return null;
    }
    const json = JSON.stringify(checked.value).toLowerCase();
    if (forbidden.some((s) => json.includes(s))) {
      n.leaksBlocked++;
      return null;
    }
    n.userCommunications++;
    return checked.value;
  }

  return {
    deviceId: o.deviceId,
    deviceHash,
    get consent() {
      return consent;
    },
    hear(adv, rssi, atMs) {
      n.advertisements++;
      const out: UserCommunication[] = [];
      const seen = new Set<string>();
      for (const { frame, id: fixed } of decodeOnce(adv)) {
        const id = frame.type === 'eddystone-eid' ? frameBeaconId(frame, o.eid, atMs) : fixed;
        if (id === null || !o.watch(id) || seen.has(id)) continue;
        seen.add(id);
        const f = detector.receipt(id, rssi, atMs);
        if (!f) continue;
        const m = build(f, atMs);
        if (m) out.push(m);
      }
      if (seen.size === 0) n.ignored++;
      return out;
    },
    tick(atMs) {
      detector.expire(atMs);
    },
    revokeConsent() {
      consent = false;
      hashed = { identifiers: [], standard: undefined };
    },
    content(topic, payload, atMs) {
      const refuse = (reason: 'invalid' | 'not-for-this-device' | 'duplicate' | 'expired', detail: string): ContentDecision => {
        n.contentRefused++;
        return { ok: false, reason, detail };
      };
      const d = decodeFromTopic(topic, payload);
      if (!d.ok) return refuse('invalid', `${d.reason}: ${d.errors.map((e) => `${e.path} ${e.message}`).join('; ')}`);
      if (d.message.kind !== 'content-item') return refuse('invalid', `a ${d.message.kind} on a content topic`);
      const item = d.message;
      if (item.deviceId !== o.deviceId) return refuse('not-for-this-device', 'addressed to another install ID');
      if (seenContent.has(item.messageId)) return refuse('duplicate', `messageId ${item.messageId} already received (QoS 1 redelivery)`);
      seenContent.add(item.messageId);
      // [0246]: at a time (displayAt), relative to reception (delayMs), or on reception; never after expiresAt.
      // Timing is in device-clock terms; the store clock is the device clock minus its offset.
      const receivedDevice = device(atMs);
      const showDevice = item.timing.displayAt ?? receivedDevice + (item.timing.delayMs ?? 0);
      const showAt = Math.max(atMs, showDevice - offset);
      const expiresAt = item.timing.expiresAt - offset;
      if (showAt > expiresAt) return refuse('expired', `would show at ${Math.round(showAt)}, expires at ${expiresAt}`);
      n.contentAccepted++;
      return { ok: true, item, receivedAt: atMs, showAt, expiresAt };
    },
    stats: () => ({ ...n, triggers: detector.stats() }),
  };
}
