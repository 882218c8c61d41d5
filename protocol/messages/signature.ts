/**
 * Signed sensor communications: an HMAC-SHA256 (RFC 2104, FIPS 180-4) over the message's canonical
 * form, with a per-gateway key from provisioning, carried in the optional `signature` field.
 *
 *   signature = "hmac-sha256:" keyId ":" base64url(HMAC-SHA256(key, UTF-8(canonical(message))))
 *
 * - canonical(message): RFC 8785 (JSON Canonicalization Scheme) of the message with the top-level
 *   `signature` property removed: object keys sorted by UTF-16 code units, no whitespace, strings
 *   and numbers serialised exactly as ECMAScript JSON.stringify does (RFC 8785 §3.2.2 takes them
 *   from ECMA-262), so any language with a JCS library verifies the same bytes. Why canonical and
 *   not "the payload as received": brokers, bridges and backends re-serialise JSON, and a key order
 *   or whitespace change must not turn an authentic message into a forgery.
 * - keyId: which key signed ([A-Za-z0-9._-]{1,64}, the topic-ID charset), so keys can rotate without
 *   a flag day: the verifier looks the key up by keyId and checks it belongs to the message's gateway.
 * - the tag: 32 bytes in base64url without padding (RFC 4648 §5), always 43 characters.
 *
 * The HMAC authenticates content and origin; replay protection (an authentic message sent again)
 * needs state and lives with the verifier (gateway/security/verify.ts): seq and messageId are part
 * of the signed content, so they cannot be changed without breaking the tag.
 *
 * Pure: keys come in as bytes; nothing here reads files, clocks or randomness.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { constantTimeEqual } from '../ble/crypto/eax.js';
import { ID_PATTERN } from './primitives.js';

export const SIGNATURE_ALGORITHM = 'hmac-sha256';
/** HMAC-SHA256 output length (RFC 4231 §4: 256-bit tags, not truncated). */
export const SIGNATURE_TAG_BYTES = 32;
/** ceil(32 · 4 / 3) characters of base64url without padding. */
const TAG_CHARS = 43;
/**
 * The same key length as the tag: RFC 2104 §3 recommends keys of at least the output length, and a
 * longer key adds no strength to HMAC-SHA256.
 */
export const SIGNING_KEY_BYTES = 32;

export const KEY_ID_PATTERN = ID_PATTERN;
const KEY_ID_RE = new RegExp(KEY_ID_PATTERN);

/** The `signature` field's JSON Schema pattern (schemas/sensor-communication.ts uses this string). */
export const SIGNATURE_PATTERN = `^${SIGNATURE_ALGORITHM}:[A-Za-z0-9._-]{1,64}:[A-Za-z0-9_-]{${TAG_CHARS}}$`;
const SIGNATURE_RE = new RegExp(SIGNATURE_PATTERN);

/** Deeper than any Touchpoint message (4 levels); the bound keeps hostile values off the call stack. */
const MAX_DEPTH = 32;

/**
 * RFC 8785 canonical JSON of a JSON value. Throws TypeError on what JSON cannot carry exactly
 * (NaN, ±Infinity, bigint, functions, symbols, undefined at the top or inside arrays, cycles,
 * nesting deeper than 32): a value that parsed from JSON and passed schema validation never does.
 * `omitTopLevel` names top-level keys to leave out (the signature itself).
 */
export function canonicalJson(value: unknown, omitTopLevel: readonly string[] = []): string {
  return serialise(value, 0, omitTopLevel);
}

function serialise(v: unknown, depth: number, omit: readonly string[]): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'string':
      return JSON.stringify(v);
    case 'number':
      if (!Number.isFinite(v)) throw new TypeError(`${v} has no JSON form`);
      // ECMAScript Number::toString, as RFC 8785 §3.2.2.3 requires; -0 becomes "0".
      return JSON.stringify(v);
    case 'object':
      break;
    default:
      throw new TypeError(`a ${typeof v} has no JSON form`);
  }
  if (depth >= MAX_DEPTH) throw new TypeError(`nested deeper than ${MAX_DEPTH} levels`);
  if (Array.isArray(v)) {
    let s = '[';
    for (let i = 0; i < v.length; i++) s += (i > 0 ? ',' : '') + serialise(v[i], depth + 1, []);
    return s + ']';
  }
  if (ArrayBuffer.isView(v)) throw new TypeError('binary data has no JSON form');
  const obj = v as Record<string, unknown>;
  // Default sort compares UTF-16 code units: exactly RFC 8785 §3.2.3.
  const keys = Object.keys(obj).sort();
  let s = '{';
  let first = true;
  for (const k of keys) {
    const x = obj[k];
    // JSON.stringify drops undefined members; so does the canonical form, so optional fields set to
    // undefined in memory sign the same as absent ones on the wire.
    if (x === undefined || (depth === 0 && omit.includes(k))) continue;
    s += (first ? '' : ',') + JSON.stringify(k) + ':' + serialise(x, depth + 1, []);
    first = false;
  }
  return s + '}';
}

/** The bytes an HMAC covers for a sensor communication: canonical JSON without `signature`. */
export function signedBytes(message: object): Uint8Array {
  return new TextEncoder().encode(canonicalJson(message, ['signature']));
}

export interface SignatureParts {
  algorithm: typeof SIGNATURE_ALGORITHM;
  keyId: string;
  tag: Uint8Array;
}

/** Splits a `signature` field. Never throws; undefined for anything not in the format above. */
export function parseSignature(signature: unknown): SignatureParts | undefined {
  if (typeof signature !== 'string' || signature.length > 256 || !SIGNATURE_RE.test(signature)) return undefined;
  const keyId = signature.slice(SIGNATURE_ALGORITHM.length + 1, signature.length - TAG_CHARS - 1);
  const tag = base64urlDecode(signature.slice(signature.length - TAG_CHARS));
  // 43 characters carry 258 bits: the 2 spare bits must be zero, or two strings would share a tag.
  if (!tag || tag.length !== SIGNATURE_TAG_BYTES || base64urlEncode(tag) !== signature.slice(-TAG_CHARS)) return undefined;
  return { algorithm: SIGNATURE_ALGORITHM, keyId, tag };
}

export function formatSignature(keyId: string, tag: Uint8Array): string {
  if (!KEY_ID_RE.test(keyId)) throw new RangeError(`keyId must match ${KEY_ID_PATTERN}`);
  if (tag.length !== SIGNATURE_TAG_BYTES) throw new RangeError(`tag must be ${SIGNATURE_TAG_BYTES} bytes`);
  return `${SIGNATURE_ALGORITHM}:${keyId}:${base64urlEncode(tag)}`;
}

function checkKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length < SIGNING_KEY_BYTES) {
    throw new RangeError(`signing key must be at least ${SIGNING_KEY_BYTES} bytes`);
  }
}

/** HMAC-SHA256 tag of a message (its `signature` field, if any, is not covered). Throws on a bad key or a non-JSON value. */
export function signatureTag(key: Uint8Array, message: object): Uint8Array {
  checkKey(key);
  return hmac(sha256, key, signedBytes(message));
}

/** The `signature` field value for `message` under (keyId, key). */
export function signMessage(message: object, keyId: string, key: Uint8Array): string {
  return formatSignature(keyId, signatureTag(key, message));
}

/**
 * True when `message.signature` is a well-formed signature whose tag matches `key`. Compares in
 * constant time; never throws (a value without a JSON form simply does not verify).
 */
export function checkSignature(message: object, key: Uint8Array): boolean {
  const parts = parseSignature((message as { signature?: unknown }).signature);
  if (!parts) return false;
  let expected: Uint8Array;
  try {
    expected = signatureTag(key, message);
  } catch {
    return false;
  }
  return constantTimeEqual(expected, parts.tag);
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B64URL_INDEX = new Map(Array.from(B64URL, (c, i) => [c, i] as const));

/** RFC 4648 §5 base64url, without padding. */
export function base64urlEncode(bytes: Uint8Array): string {
  let s = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    s += B64URL[n >> 18]! + B64URL[(n >> 12) & 63]! + B64URL[(n >> 6) & 63]! + B64URL[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    s += B64URL[n >> 18]! + B64URL[(n >> 12) & 63]!;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    s += B64URL[n >> 18]! + B64URL[(n >> 12) & 63]! + B64URL[(n >> 6) & 63]!;
  }
  return s;
}

/** base64url without padding → bytes; undefined on any other character or an impossible length. Never throws. */
export function base64urlDecode(text: string): Uint8Array | undefined {
  if (text.length % 4 === 1) return undefined;
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (const c of text) {
    const v = B64URL_INDEX.get(c);
    if (v === undefined) return undefined;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
    acc &= (1 << bits) - 1;
  }
  return out;
}
