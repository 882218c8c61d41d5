/** Hashing normalized identifiers under a standard, optionally keyed with a merchant pepper. */
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { hmacSha256Hex, sha256Hex } from './digest.js';
import { type IdentityError, type NormalizeOptions, normalizeIdentifier } from './normalize.js';
import {
  HASHING_STANDARDS,
  type HashingStandardLabel,
  IDENTIFIER_FIELDS,
  type IdentifierField,
  standardLabel,
} from './standards.js';

export interface HashOptions extends NormalizeOptions {
  /**
   * Merchant secret. With it the hash becomes HMAC-SHA256(pepper, sha256hex(normalized)) and the
   * label gains `+hmac-sha256`: matchable only by whoever holds the pepper, never by an ad platform.
   */
  readonly pepper?: Uint8Array | string;
}

export interface HashOk {
  readonly ok: true;
  readonly field: IdentifierField;
  /** What goes on the wire next to `hash`, so the receiver hashes its own list the same way. */
  readonly standard: HashingStandardLabel;
  /** Personal data in canonical form: for local display only, never for the wire. */
  readonly normalized: string;
  /** 64 lowercase hex digits. */
  readonly hash: string;
  readonly keyed: boolean;
  /** The input already was a SHA-256 and was not hashed again. */
  readonly passthrough: boolean;
}

export type HashResult = HashOk | IdentityError;

export function hashIdentifier(field: IdentifierField, raw: string, opts: HashOptions): HashResult {
  const n = normalizeIdentifier(field, raw, opts);
  if (!n.ok) return n;
  if (!n.hashable) {
    return { ok: false, field, code: 'not-hashed', reason: `${n.standard} takes ${field} in clear and never hashes it` };
  }
  const key = pepperBytes(opts.pepper);
  if (key === null) return { ok: false, field, code: 'bad-option', reason: 'pepper must be a non-empty string or byte array' };

  const digest = n.passthrough ? n.normalized : sha256Hex(n.normalized);
  const keyed = key !== undefined;
  return {
    ok: true,
    field,
    standard: standardLabel({
      standard: n.standard,
      stripGmailDots: opts.stripGmailDots ?? HASHING_STANDARDS[n.standard].rules.email.stripGmailDots,
      keyed,
    }),
    normalized: n.normalized,
    // Keying the SHA-256 rather than the normalized string lets a merchant key a list it only holds
    // as SHA-256 digests, and pass-through digests key the same way as raw input.
    hash: keyed ? hmacSha256Hex(key, digest) : digest,
    keyed,
    passthrough: n.passthrough,
  };
}

/**
 * One result per identifier present in `record`, in IDENTIFIER_FIELDS order: a fixed order is part
 * of the messaging format a receiver relies on to find each hash ([0060]).
 */
export function hashIdentifiers(
  record: Partial<Record<IdentifierField, string>>,
  opts: HashOptions,
): readonly HashResult[] {
  if (typeof record !== 'object' || record === null) return [];
  return IDENTIFIER_FIELDS.flatMap((field) => {
    const raw = record[field];
    return raw === undefined ? [] : [hashIdentifier(field, raw, opts)];
  });
}

/** undefined: no pepper; null: a pepper that is empty or not a string/bytes (a misconfiguration). */
function pepperBytes(pepper: unknown): Uint8Array | undefined | null {
  if (pepper === undefined) return undefined;
  const bytes = typeof pepper === 'string' ? utf8ToBytes(pepper) : pepper instanceof Uint8Array ? pepper : null;
  return bytes !== null && bytes.length > 0 ? bytes : null;
}
