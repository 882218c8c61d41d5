/**
 * Identifier normalization: one function per rule kind, driven by the rule tables in
 * standards.ts. Untrusted input never throws and never reaches the hash unvalidated; failures are
 * typed results whose reason never repeats the input (reasons get logged, inputs are personal data).
 */
import { type CountryCode, isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js';
import { isMd5Hex, isSha256Hex } from './digest.js';
import {
  type FieldRule,
  HASHING_STANDARDS,
  type HashingStandardName,
  type IdentifierField,
  isHashingStandardName,
  isIdentifierField,
} from './standards.js';

export type { CountryCode };

/** An ISO 3166-1 alpha-2 code (uppercase) that libphonenumber has numbering metadata for. */
export function isCountryCode(s: string): s is CountryCode {
  return typeof s === 'string' && isSupportedCountry(s);
}

export interface NormalizeOptions {
  readonly standard: HashingStandardName;
  /** Country assumed for a phone number written without `+<country code>`. */
  readonly defaultCountry?: CountryCode;
  /**
   * Overrides the standard's Gmail rule (google-v1 strips the dots, meta-v1 keeps them). Departing
   * from the default shows in the result's label so the receiver can do the same.
   */
  readonly stripGmailDots?: boolean;
}

export type IdentityErrorCode =
  /** Nothing but whitespace, or not a string. */
  | 'empty'
  /** Not an email / phone / name / postal code under this standard's rules. */
  | 'invalid'
  /** The standard sends this field in clear (google-v1 zip), so it is never hashed here. */
  | 'not-hashed'
  /** An MD5 or other digest that cannot be turned into the SHA-256 the receiver computes. */
  | 'prehash-unsupported'
  /** Unknown standard or field, unsupported defaultCountry, empty pepper. */
  | 'bad-option';

export interface IdentityError {
  readonly ok: false;
  readonly field: IdentifierField;
  readonly code: IdentityErrorCode;
  /** One line, safe to log: it never contains the input. */
  readonly reason: string;
}

export interface NormalizeOk {
  readonly ok: true;
  readonly field: IdentifierField;
  readonly standard: HashingStandardName;
  /** Personal data in canonical form: for local display and hashing only, never for the wire. */
  readonly normalized: string;
  /** The input already was a SHA-256; `normalized` is that digest, lowercased. */
  readonly passthrough: boolean;
  /** False when the standard takes this field in clear and so never hashes it. */
  readonly hashable: boolean;
}

export type NormalizeResult = NormalizeOk | IdentityError;

type Step = { ok: true; value: string } | { ok: false; code: IdentityErrorCode; reason: string };

export function normalizeIdentifier(field: IdentifierField, raw: string, opts: NormalizeOptions): NormalizeResult {
  const fail = (code: IdentityErrorCode, reason: string): IdentityError => ({ ok: false, field, code, reason });
  // Callers in plain JS (or decoding JSON) can hand anything in; check what the types promise.
  if (!isIdentifierField(field)) return fail('bad-option', 'unknown identifier field');
  if (!isHashingStandardName(opts?.standard)) return fail('bad-option', 'unknown hashing standard');
  if (opts.defaultCountry !== undefined && !isCountryCode(opts.defaultCountry)) {
    return fail('bad-option', 'defaultCountry is not a supported ISO 3166-1 alpha-2 code');
  }
  if (typeof raw !== 'string') return fail('empty', `no ${field} given`);

  const value = raw.trim();
  if (value === '') return fail('empty', `${field} is empty`);
  // Interior control characters or unpaired surrogates mean a corrupted value, not a person; hashing
  // it would put a digest on the wire that can only ever be a false non-match.
  if (/[\p{Cc}\p{Cs}]/u.test(value)) return fail('invalid', `${field} contains control characters`);

  const rule = HASHING_STANDARDS[opts.standard].rules[field];
  const hashable = rule.kind !== 'zip' || rule.hashed;
  const ok = (normalized: string, passthrough: boolean): NormalizeOk => ({
    ok: true,
    field,
    standard: opts.standard,
    normalized,
    passthrough,
    hashable,
  });

  // Digests pass through lowercased, as Meta's SDK does (normalize.py `is_already_hashed`), so a
  // device that stores only the hash can still take part. MD5 is refused rather than passed: the
  // receiver computes SHA-256 and every hash on the wire is 32 bytes.
  if (hashable && isSha256Hex(value)) return ok(value.toLowerCase(), true);
  if (hashable && isMd5Hex(value)) {
    return fail('prehash-unsupported', `${field} looks like an MD5 digest; only SHA-256 digests pass through`);
  }

  const r = applyRule(rule, value, opts);
  return r.ok ? ok(r.value, false) : fail(r.code, r.reason);
}

function applyRule(rule: FieldRule, value: string, opts: NormalizeOptions): Step {
  switch (rule.kind) {
    case 'email':
      return normalizeEmail(value, rule.pattern, opts.stripGmailDots ?? rule.stripGmailDots);
    case 'phone':
      return normalizePhone(value, rule.keepPlus, rule.metaSdkFallback, opts.defaultCountry);
    case 'name':
      return normalizeName(value, rule.strip);
    case 'zip':
      return normalizeZip(value, rule);
  }
}

const invalid = (reason: string): Step => ({ ok: false, code: 'invalid', reason });

function normalizeEmail(value: string, pattern: RegExp, stripGmailDots: boolean): Step {
  const lower = value.toLowerCase();
  const s = stripGmailDots ? withoutGmailDots(lower) : lower;
  // Checked after stripping: `...@gmail.com` must not become `@gmail.com`.
  return pattern.test(s) ? { ok: true, value: s } : invalid('email is not an email address');
}

// CM360 enhanced conversions: "remove all periods (.) before the domain in gmail.com and
// googlemail.com addresses". Only those two domains; `+tag` stays (no Google source drops it).
function withoutGmailDots(email: string): string {
  const at = email.lastIndexOf('@');
  const domain = email.slice(at + 1);
  if (at < 0 || (domain !== 'gmail.com' && domain !== 'googlemail.com')) return email;
  return email.slice(0, at).replaceAll('.', '') + email.slice(at);
}

function normalizePhone(
  value: string,
  keepPlus: boolean,
  metaSdkFallback: boolean,
  defaultCountry: CountryCode | undefined,
): Step {
  const e164 = parseE164(value, defaultCountry);
  if (e164 !== null) return { ok: true, value: keepPlus ? e164 : e164.slice(1) };
  const digits = metaSdkFallback ? metaSdkPhoneDigits(value) : null;
  if (digits !== null) return { ok: true, value: digits };
  return invalid(
    value.startsWith('+') || defaultCountry !== undefined
      ? 'phone is not a possible phone number'
      : 'phone has no +<country code> and no defaultCountry was given',
  );
}

/**
 * `+` E.164 via libphonenumber, or null. `extract: false` so that a number buried in other text is
 * refused rather than fished out; "possible" (length fits the country) rather than "valid" (range
 * assigned today), because bundled range metadata ages and an unassigned number only fails to match.
 */
function parseE164(value: string, defaultCountry: CountryCode | undefined): string | null {
  try {
    const p = parsePhoneNumberFromString(value, { defaultCountry, extract: false });
    return p !== undefined && p.isPossible() ? String(p.number) : null;
  } catch {
    // Third-party parser on untrusted input; this module promises never to throw.
    return null;
  }
}

/**
 * Meta's SDK rule (facebook-python-business-sdk normalize.py `ph`): drop whitespace, `-`, `(`, `)`
 * (and `.`, which Meta's PHP SDK also drops), then a leading `+` and up to two leading zeros; what is
 * left must read as country code + number. 7 digits is the shortest normalize.py's
 * `^\d{1,4}\(?\d{2,3}\)?\d{4,}$` takes; 15 is the E.164 maximum (ITU-T E.164 §6).
 */
function metaSdkPhoneDigits(value: string): string | null {
  const s = value.replace(/[\s\-().]/gu, '').replace(/^\+?0{0,2}/, '');
  return /^[1-9]\d{6,14}$/.test(s) ? s : null;
}

function normalizeName(value: string, strip: RegExp | null): Step {
  const lower = value.toLowerCase();
  const s = strip === null ? lower : lower.replace(strip, '');
  // A "name" without a single letter is a form-filling accident, not something to match on.
  return /\p{L}/u.test(s) ? { ok: true, value: s } : invalid('name has no letters');
}

function normalizeZip(value: string, rule: Extract<FieldRule, { kind: 'zip' }>): Step {
  let s = rule.lowercase ? value.toLowerCase() : value;
  if (rule.stripWhitespace) s = s.replace(/\s+/gu, '');
  if (rule.cutAtDash) s = s.split('-', 1)[0] ?? '';
  return rule.pattern.test(s) ? { ok: true, value: s } : invalid('zip is not a postal code');
}
