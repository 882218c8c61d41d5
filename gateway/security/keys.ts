/**
 * Per-gateway signing keys: how they are made at provisioning, written down, read back, and looked
 * up by the backend.
 *
 * A key is written as `<keyId>:<base64url of 32 bytes>` — one line that fits a secrets file entry
 * (`${SECRET:signing-key}` in the gateway config) or an environment variable. The keyId names the
 * key, not the gateway (`gw-store12-a.2026-01` is a good habit), so a gateway can be re-keyed while
 * the backend still accepts the old key for messages already queued.
 *
 * Two ways to provision:
 * - random keys (`generateSigningKey`), one per gateway, listed in the backend's keyring;
 * - derived keys (`deriveGatewayKey`): HKDF-SHA256 (RFC 5869) of a site secret with the site and
 *   gateway IDs as `info`, so the backend holds one secret per site and derives any gateway's key on
 *   demand, and one gateway's key reveals nothing about another's.
 */
import { randomBytes } from 'node:crypto';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import {
  base64urlDecode,
  base64urlEncode,
  GATEWAY_ID_RE,
  ID_RE,
  KEY_ID_PATTERN,
  SIGNING_KEY_BYTES,
} from '../../protocol/messages/index.js';

export interface SigningKey {
  keyId: string;
  key: Uint8Array;
}

/** What the backend knows about a key: its bytes and the one gateway allowed to sign with it. */
export interface KeyEntry extends SigningKey {
  gatewayId: string;
}

/** Who the message says sent it: a derived keyring needs it to compute the key. */
export interface ClaimedSender {
  siteId: string;
  gatewayId: string;
}

/**
 * keyId (and the sender the message claims) → the key and the gateway it belongs to, or
 * undefined for a key the backend does not know or has revoked. The verifier still checks that
 * the entry's gateway is the message's, so a lookup may ignore `claimed`.
 */
export type KeyLookup = (keyId: string, claimed: ClaimedSender) => KeyEntry | undefined;

export type SigningKeyResult = { ok: true; key: SigningKey } | { ok: false; reason: string };

const KEY_ID_RE = new RegExp(KEY_ID_PATTERN);

/** `<keyId>:<base64url key>`. Never throws; the reason never contains key material. */
export function parseSigningKey(text: string): SigningKeyResult {
  if (typeof text !== 'string') return { ok: false, reason: 'signing key must be a string' };
  const t = text.trim();
  const colon = t.indexOf(':');
  if (colon < 0) return { ok: false, reason: 'signing key must be <keyId>:<base64url key>' };
  const keyId = t.slice(0, colon);
  if (!KEY_ID_RE.test(keyId)) return { ok: false, reason: `key ID must match ${KEY_ID_PATTERN}` };
  const key = base64urlDecode(t.slice(colon + 1));
  if (!key) return { ok: false, reason: `key ${keyId}: not base64url` };
  if (key.length !== SIGNING_KEY_BYTES) return { ok: false, reason: `key ${keyId}: ${key.length} bytes, expected ${SIGNING_KEY_BYTES}` };
  return { ok: true, key: { keyId, key } };
}

export function formatSigningKey(k: SigningKey): string {
  if (!KEY_ID_RE.test(k.keyId)) throw new RangeError(`key ID must match ${KEY_ID_PATTERN}`);
  if (k.key.length !== SIGNING_KEY_BYTES) throw new RangeError(`key must be ${SIGNING_KEY_BYTES} bytes`);
  return `${k.keyId}:${base64urlEncode(k.key)}`;
}

/** A fresh random key (node:crypto CSPRNG). */
export function generateSigningKey(keyId: string, random: (n: number) => Uint8Array = randomBytes): SigningKey {
  const key = Uint8Array.from(random(SIGNING_KEY_BYTES));
  if (key.length !== SIGNING_KEY_BYTES) throw new RangeError('random source returned the wrong length');
  formatSigningKey({ keyId, key });
  return { keyId, key };
}

/** HKDF salt: fixes the purpose, so the same site secret used elsewhere yields unrelated keys. */
const DERIVE_SALT = new TextEncoder().encode('touchpoint/v1/sensor-communication-hmac');

/**
 * The key of one gateway derived from a site secret (≥ 32 bytes): HKDF-SHA256(ikm = siteSecret,
 * salt = purpose, info = "<siteId>/<gatewayId>/<keyId>"). The keyId is in `info`, so rotating the
 * keyId rotates the key without a new site secret.
 */
export function deriveGatewayKey(siteSecret: Uint8Array, siteId: string, gatewayId: string, keyId: string): KeyEntry {
  if (!(siteSecret instanceof Uint8Array) || siteSecret.length < SIGNING_KEY_BYTES) {
    throw new RangeError(`site secret must be at least ${SIGNING_KEY_BYTES} bytes`);
  }
  if (!ID_RE.test(siteId)) throw new RangeError('siteId is not a valid site ID');
  if (!GATEWAY_ID_RE.test(gatewayId)) throw new RangeError('gatewayId is not a valid gateway ID');
  if (!KEY_ID_RE.test(keyId)) throw new RangeError(`key ID must match ${KEY_ID_PATTERN}`);
  const info = new TextEncoder().encode(`${siteId}/${gatewayId}/${keyId}`);
  return { keyId, gatewayId, key: hkdf(sha256, siteSecret, DERIVE_SALT, info, SIGNING_KEY_BYTES) };
}

/**
 * A lookup over a fixed list of keys. Throws RangeError on a duplicate keyId or a malformed entry:
 * the list is the backend's own configuration, and an ambiguous keyId must never pick a key at random.
 */
export function createKeyring(entries: readonly KeyEntry[]): KeyLookup {
  const byId = new Map<string, KeyEntry>();
  for (const e of entries) {
    formatSigningKey(e);
    if (!GATEWAY_ID_RE.test(e.gatewayId)) throw new RangeError(`key ${e.keyId}: gatewayId is not a valid gateway ID`);
    if (byId.has(e.keyId)) throw new RangeError(`key ${e.keyId} listed twice`);
    byId.set(e.keyId, { keyId: e.keyId, gatewayId: e.gatewayId, key: Uint8Array.from(e.key) });
  }
  return (keyId) => byId.get(keyId);
}

/**
 * A lookup that derives keys (deriveGatewayKey) from one secret per site, for backends that hold
 * site secrets instead of a list of gateway keys. Derivations are cached (bounded, oldest dropped
 * first) so a message costs one Map lookup once its gateway has been seen.
 */
export function createDerivedKeyring(siteSecrets: Readonly<Record<string, Uint8Array>>, maxCached = 10_000): KeyLookup {
  const secrets = new Map<string, Uint8Array>();
  for (const [siteId, secret] of Object.entries(siteSecrets)) {
    if (!ID_RE.test(siteId)) throw new RangeError(`site ${siteId}: not a valid site ID`);
    if (!(secret instanceof Uint8Array) || secret.length < SIGNING_KEY_BYTES) throw new RangeError(`site ${siteId}: secret must be at least ${SIGNING_KEY_BYTES} bytes`);
    secrets.set(siteId, Uint8Array.from(secret));
  }
  const cache = new Map<string, KeyEntry>();
  return (keyId, claimed) => {
    const secret = secrets.get(claimed.siteId);
    if (!secret || !KEY_ID_RE.test(keyId) || !GATEWAY_ID_RE.test(claimed.gatewayId)) return undefined;
    const k = `${claimed.siteId}/${claimed.gatewayId}/${keyId}`;
    let entry = cache.get(k);
    if (!entry) {
      entry = deriveGatewayKey(secret, claimed.siteId, claimed.gatewayId, keyId);
      if (cache.size >= maxCached) cache.delete(cache.keys().next().value!);
      cache.set(k, entry);
    }
    return entry;
  };
}
