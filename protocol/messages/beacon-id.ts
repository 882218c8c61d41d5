/**
 * The canonical beacon-ID string: the `sensorId` of both sensor communications and user
 * communications. The backend matches the two streams by plain string equality on it ([0231]:
 * "matching beacon identifiers"), so every producer must spell one beacon exactly one way.
 *
 * Forms (lowercase hex, decimal without leading zeros, fields separated by `:`):
 *
 *   ibeacon:<uuid>:<major>:<minor>          ibeacon:426c7565-4368-6172-6d42-6561636f6e73:3838:4949
 *   altbeacon:<id1>:<id2>:<id3>             altbeacon:2f234454-cf6d-4a0f-adf2-f4911ba9ffa6:1:2
 *   eddystone-uid:<namespace>:<instance>    eddystone-uid:2f234454f4911ba9ffa6:000000000001
 *   eid:<registered beacon id>              eid:store-12.endcap-3
 *
 * - iBeacon: Proximity UUID as 8-4-4-4-12 hex, major and minor as uint16 (protocols.md §1.1).
 * - AltBeacon: the 20-byte beacon ID split as the android-beacon-library layout does — id1 16 bytes
 *   (written like a UUID), id2 and id3 uint16 (protocols.md §1.2). The manufacturer's company ID is
 *   not part of the identity: it names the maker, not the spot.
 * - Eddystone-UID: 10-byte namespace and 6-byte instance as plain hex (protocols.md §2.2).
 * - Eddystone-EID rotates every 2^K seconds (protocols.md §2.6), so the broadcast value cannot be an
 *   ID; phones and gateways send the ID the beacon was registered under after resolving the EID.
 *   That ID uses the topic-safe charset [A-Za-z0-9._-]{1,64}.
 *
 * Each beacon identifier stands for an item, item type or area of the store ([0199]–[0201]).
 */

export type BeaconKind = 'ibeacon' | 'altbeacon' | 'eddystone-uid' | 'eid';

export type BeaconId =
  | { kind: 'ibeacon'; uuid: string; major: number; minor: number }
  | { kind: 'altbeacon'; id1: string; id2: number; id3: number }
  | { kind: 'eddystone-uid'; namespace: string; instance: string }
  | { kind: 'eid'; registeredId: string };

/** Inputs to `formatBeaconId`: hex fields may be given as bytes or as hex in either case. */
export type BeaconIdInput =
  | { kind: 'ibeacon'; uuid: string | Uint8Array; major: number; minor: number }
  | { kind: 'altbeacon'; id1: string | Uint8Array; id2: number; id3: number }
  | { kind: 'eddystone-uid'; namespace: string | Uint8Array; instance: string | Uint8Array }
  | { kind: 'eid'; registeredId: string };

export type BeaconIdError = {
  reason: 'not-a-string' | 'too-long' | 'unknown-kind' | 'malformed' | 'out-of-range' | 'not-canonical';
  message: string;
};

export type BeaconIdResult = { ok: true; value: BeaconId } | { ok: false; error: BeaconIdError };

const UUID_SRC = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
/** 0…65535 without leading zeros, spelled out so the JSON Schema pattern enforces the range too. */
const UINT16_SRC = '(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3}|0)';
const REGISTERED_ID_SRC = '[A-Za-z0-9._-]{1,64}';

/** The JSON Schema `pattern` for `sensorId`; accepts exactly the strings `parseBeaconId` accepts. */
export const BEACON_ID_PATTERN =
  `^(?:(?:ibeacon|altbeacon):${UUID_SRC}:${UINT16_SRC}:${UINT16_SRC}` +
  `|eddystone-uid:[0-9a-f]{20}:[0-9a-f]{12}` +
  `|eid:${REGISTERED_ID_SRC})$`;
const BEACON_ID_RE = new RegExp(BEACON_ID_PATTERN);

/** The longest canonical form is `altbeacon:` + 36 + `:65535:65535` = 58; `eid:` + 64 = 68. */
export const BEACON_ID_MAX_LENGTH = 68;

const UUID_RE = new RegExp(`^${UUID_SRC}$`, 'i');
const HEX_RE = /^[0-9a-fA-F]*$/;
const REGISTERED_ID_RE = new RegExp(`^${REGISTERED_ID_SRC}$`);

function hexOf(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

function hexField(value: string | Uint8Array, bytes: number, name: string): string {
  if (value instanceof Uint8Array) {
    if (value.length !== bytes) throw new RangeError(`${name} must be ${bytes} bytes, got ${value.length}`);
    return hexOf(value);
  }
  if (typeof value !== 'string' || value.length !== bytes * 2 || !HEX_RE.test(value)) {
    throw new RangeError(`${name} must be ${bytes * 2} hex digits`);
  }
  return value.toLowerCase();
}

function uuidField(value: string | Uint8Array, name: string): string {
  let hex: string;
  if (typeof value === 'string' && UUID_RE.test(value)) hex = value.replace(/-/g, '').toLowerCase();
  else hex = hexField(value, 16, name);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function uint16Field(value: number, name: string): string {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) throw new RangeError(`${name} must be an integer 0…65535`);
  return String(value);
}

/**
 * Builds the canonical string. Throws RangeError on out-of-range input: the caller holds decoded
 * beacon fields, so a bad value here is a bug in the caller, not untrusted data.
 */
export function formatBeaconId(id: BeaconIdInput): string {
  switch (id.kind) {
    case 'ibeacon':
      return `ibeacon:${uuidField(id.uuid, 'uuid')}:${uint16Field(id.major, 'major')}:${uint16Field(id.minor, 'minor')}`;
    case 'altbeacon':
      return `altbeacon:${uuidField(id.id1, 'id1')}:${uint16Field(id.id2, 'id2')}:${uint16Field(id.id3, 'id3')}`;
    case 'eddystone-uid':
      return `eddystone-uid:${hexField(id.namespace, 10, 'namespace')}:${hexField(id.instance, 6, 'instance')}`;
    case 'eid':
      if (typeof id.registeredId !== 'string' || !REGISTERED_ID_RE.test(id.registeredId)) {
        throw new RangeError('registeredId must match [A-Za-z0-9._-]{1,64}');
      }
      return `eid:${id.registeredId}`;
    default:
      throw new RangeError(`unknown beacon kind ${String((id as { kind: unknown }).kind)}`);
  }
}

const fail = (reason: BeaconIdError['reason'], message: string): BeaconIdResult => ({
  ok: false,
  error: { reason, message },
});

/** Parses a canonical beacon-ID string. Never throws; non-canonical spellings are rejected, not fixed. */
export function parseBeaconId(input: unknown): BeaconIdResult {
  if (typeof input !== 'string') return fail('not-a-string', 'beacon ID must be a string');
  if (input.length > BEACON_ID_MAX_LENGTH) return fail('too-long', `beacon ID longer than ${BEACON_ID_MAX_LENGTH}`);
  const colon = input.indexOf(':');
  const kind = colon < 0 ? input : input.slice(0, colon);
  if (kind !== 'ibeacon' && kind !== 'altbeacon' && kind !== 'eddystone-uid' && kind !== 'eid') {
    return fail('unknown-kind', `unknown beacon kind "${kind}"`);
  }
  if (BEACON_ID_RE.test(input)) return { ok: true, value: decodeCanonical(kind, input.slice(colon + 1).split(':')) };
  return diagnose(kind, input.slice(colon + 1));
}

function decodeCanonical(kind: BeaconKind, parts: string[]): BeaconId {
  const [a = '', b = '', c = ''] = parts;
  switch (kind) {
    case 'ibeacon':
      return { kind, uuid: a, major: Number(b), minor: Number(c) };
    case 'altbeacon':
      return { kind, id1: a, id2: Number(b), id3: Number(c) };
    case 'eddystone-uid':
      return { kind, namespace: a, instance: b };
    case 'eid':
      return { kind, registeredId: a };
  }
}

/** Only runs for rejected input: says whether a lenient reader would have understood it. */
function diagnose(kind: BeaconKind, rest: string): BeaconIdResult {
  const parts = rest.split(':');
  const lowered = (s: string) => s.toLowerCase() !== s;
  const decimalLoose = (s: string) => /^[0-9]{1,6}$/.test(s);
  if (kind === 'ibeacon' || kind === 'altbeacon') {
    const [uuid = '', x = '', y = ''] = parts;
    if (parts.length !== 3 || !UUID_RE.test(uuid) || !decimalLoose(x) || !decimalLoose(y)) {
      return fail('malformed', `${kind} ID must be ${kind}:<uuid>:<uint16>:<uint16>`);
    }
    if (Number(x) > 0xffff || Number(y) > 0xffff) return fail('out-of-range', `${kind} numbers must be 0…65535`);
    if (lowered(uuid) || String(Number(x)) !== x || String(Number(y)) !== y) {
      return fail('not-canonical', 'use lowercase hex and decimals without leading zeros');
    }
  } else if (kind === 'eddystone-uid') {
    const [ns = '', inst = ''] = parts;
    if (parts.length !== 2 || ns.length !== 20 || inst.length !== 12 || !HEX_RE.test(ns) || !HEX_RE.test(inst)) {
      return fail('malformed', 'eddystone-uid ID must be eddystone-uid:<20 hex>:<12 hex>');
    }
    if (lowered(ns) || lowered(inst)) return fail('not-canonical', 'use lowercase hex');
  }
  return fail('malformed', `malformed ${kind} ID`);
}
