/**
 * Field types shared by several message schemas. Each is a TypeBox schema (so it is also plain
 * JSON Schema) plus, where code needs it, the RegExp built from the same pattern string, so the
 * schema and the hand-written checks can never disagree.
 */
import { Type } from '@sinclair/typebox';

/** Every payload carries `v: 1`. A breaking change gets `v: 2`, a new `$id` and a new topic version. */
export const SCHEMA_VERSION = 1 as const;

/** Base of every schema `$id`. The host is a name, not a server we promise to run. */
export const SCHEMA_ID_BASE = 'https://touchpoint.dev/schemas/v1/';

/**
 * Site, gateway, content and group IDs appear as MQTT topic levels, so they use a charset that
 * cannot form a wildcard (`+`, `#`), a level separator (`/`), a `$`-prefixed system topic, NUL, or
 * anything a broker ACL template would have to escape. 64 characters is enough for
 * `store-0412-aisle-07-endcap-b` style names and keeps topics short on the wire.
 */
export const ID_MAX_LENGTH = 64;
export const ID_PATTERN = '^[A-Za-z0-9._-]{1,64}$';
export const ID_RE = new RegExp(ID_PATTERN);

/**
 * Gateway IDs that would collide with site-level topics. A broker ACL of the usual form
 * `tp/v1/<site>/<gateway>/#` would, for a gateway named `device`, cover every phone's content topic
 * `tp/v1/<site>/device/+/content`, for a gateway named `user` it would cover
 * `tp/v1/<site>/user` because `#` also matches its parent level (MQTT 3.1.1 §4.7.1.2), and for a
 * gateway named `config` the site-wide desired config `tp/v1/<site>/config/set`.
 */
export const RESERVED_GATEWAY_IDS: readonly string[] = ['device', 'user', 'config'];
export const GATEWAY_ID_PATTERN = '^(?!(?:device|user|config)$)[A-Za-z0-9._-]{1,64}$';
export const GATEWAY_ID_RE = new RegExp(GATEWAY_ID_PATTERN);

/**
 * A phone app's pseudonymous install ID: random, generated on first launch, reset with the app's
 * data, never derived from the person or the hardware (so it is not an identifier of the person in
 * the sense of claims 14–15, which the `identifiers` hashes are). At least 16 characters so that
 * nobody sends a short guessable counter; no `.` or `@` so an email address cannot slip in.
 * A UUID (36) or ULID (26) fits.
 */
export const DEVICE_ID_PATTERN = '^[A-Za-z0-9_-]{16,64}$';
export const DEVICE_ID_RE = new RegExp(DEVICE_ID_PATTERN);

/**
 * A gateway process's boot ID: changes on every start. A UUID string (as in Linux
 * `/proc/sys/kernel/random/boot_id`) is 36 characters, hence the bound.
 */
export const BOOT_ID_PATTERN = '^[A-Za-z0-9_-]{1,36}$';

/**
 * ULID (github.com/ulid/spec): 26 Crockford base-32 characters (no I, L, O, U); the first is at
 * most 7 because the 48-bit time part plus 80 random bits is 128 bits. Used as messageId for
 * messages that have no gateway sequence number (user communications, content items, config).
 */
export const ULID_PATTERN = '^[0-7][0-9A-HJKMNP-TV-Z]{25}$';
export const ULID_RE = new RegExp(ULID_PATTERN);

/**
 * The largest time value ECMAScript can represent in a Date (ECMA-262 §21.4.1.1, ±8.64e15 ms),
 * so every valid timestamp round-trips through `new Date(ms)`.
 */
export const MAX_EPOCH_MS = 8_640_000_000_000_000;

export const Ulid = (description: string) => Type.String({ pattern: ULID_PATTERN, description });

export const SiteId = Type.String({
  pattern: ID_PATTERN,
  description: 'Site (store) ID; also a topic level, so [A-Za-z0-9._-]{1,64}.',
});

export const GatewayId = Type.String({
  pattern: GATEWAY_ID_PATTERN,
  description:
    'Gateway ID; also a topic level, so [A-Za-z0-9._-]{1,64}, and not "device", "user" or "config" (reserved site-level topic names).',
});

export const DeviceId = Type.String({
  pattern: DEVICE_ID_PATTERN,
  description:
    'Pseudonymous per-install ID of the phone app (random, e.g. a UUID or ULID), not personal data. The content topic carries sha256(deviceId), never the ID itself.',
});

export const EpochMs = (description: string) =>
  Type.Integer({ minimum: 0, maximum: MAX_EPOCH_MS, description: `${description} Unix epoch milliseconds.` });

export const DurationMs = (description: string) =>
  Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: `${description} Milliseconds.` });

export const Count = (description: string) =>
  Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description });

/**
 * RSSI in dBm. The HCI LE Advertising Report carries RSSI as int8 with range −127…+20 dBm
 * (127 = not available) — Bluetooth Core Specification Vol 4 Part E §7.7.65.2 — so anything
 * outside that range is a unit or sign bug (see protocols.md §1.1 on unsigned reads).
 */
export const RSSI_MIN_DBM = -127;
export const RSSI_MAX_DBM = 20;
export const Rssi = (description: string) =>
  Type.Number({ minimum: RSSI_MIN_DBM, maximum: RSSI_MAX_DBM, description: `${description} dBm.` });

/** Free text labels (item type, area, titles): no control characters, which only cause trouble in logs and UIs. */
export const NO_CONTROL_CHARS_PATTERN = '^[^\\u0000-\\u001f\\u007f]*$';
export const Label = (description: string, maxLength = 128) =>
  Type.String({ minLength: 1, maxLength, pattern: NO_CONTROL_CHARS_PATTERN, description });

/** One problem found in a payload: a JSON Pointer (RFC 6901) to the field, '' for the whole value. */
export type ValidationIssue = { path: string; message: string };
