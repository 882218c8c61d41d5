/**
 * User identifiers → normalized, SHA-256-hashed identifiers that an ad platform or the merchant can
 * match against its own list without either side revealing who is in it.
 *
 * PRIVACY PATH. This code runs on the shopper's phone, and raw personal data (email, phone, name,
 * postal code) never leaves the device: only `hash` and the `standard` label of a HashOk go on the
 * wire. `normalized` is canonical personal data for local display and must not be sent or logged;
 * error reasons never contain the input so they can be logged. A value a standard does not hash
 * (google-v1 zip) is refused, not sent in clear.
 *
 * A hashing standard (`google-v1`, `meta-v1`) is the patent's "secure communication standard"
 * ([0059]–[0061]): a named, versioned table of per-field rules in standards.ts. Each result carries
 * its label so the receiver applies the same rules to its own list ([0215]–[0216], [0220]–[0223]).
 * Sources for every rule and vector: shared/docs/protocols.md §6.
 *
 * Decisions (documented where they are made):
 * - google-v1 strips dots from gmail.com / googlemail.com local parts by default; meta-v1 keeps
 *   them. `stripGmailDots` overrides per call and the label records the departure.
 * - Phone: libphonenumber `+` E.164 (Google keeps the `+`, Meta drops it); meta-v1 falls back to
 *   Meta's SDK rule so Meta's own vectors (`+001 …`, `01(650)…`, `4792813113`) come out as Meta's.
 * - google-v1 never hashes postal codes (Google takes them in clear): result code `not-hashed`.
 * - 64-hex input passes through lowercased under both standards; 32-hex (MD5, which Meta's SDK
 *   passes) is refused under both, so every hash is a SHA-256.
 * - Keyed: HMAC-SHA256(pepper, sha256hex(normalized)), labelled `<standard>+hmac-sha256`.
 */
export {
  HASHING_STANDARD_NAMES,
  HASHING_STANDARDS,
  IDENTIFIER_FIELDS,
  isHashingStandardName,
  isIdentifierField,
  parseStandardLabel,
  standardLabel,
  type FieldRule,
  type HashingStandard,
  type HashingStandardLabel,
  type HashingStandardName,
  type IdentifierField,
  type LabelParts,
} from './standards.js';
export {
  isCountryCode,
  normalizeIdentifier,
  type CountryCode,
  type IdentityError,
  type IdentityErrorCode,
  type NormalizeOk,
  type NormalizeOptions,
  type NormalizeResult,
} from './normalize.js';
export { hashIdentifier, hashIdentifiers, type HashOk, type HashOptions, type HashResult } from './hash.js';
export { isSha256Hex } from './digest.js';
