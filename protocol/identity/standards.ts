/**
 * Hashing standards: the named, versioned rule sets a phone and a receiver both apply so that the
 * same person yields the same hash on both sides. The patent calls them "secure communication
 * standards" that name the hash function and which user attributes to hash individually
 * ([0059]–[0061], [0066]–[0068]); the user communication identifies the algorithm so the receiver
 * hashes its own list the same way ([0215]–[0216], [0222]–[0223]); the attributes are email, phone,
 * first name, last name and zip ([0073], [0256]).
 *
 * A rule that changes any output byte is a new version (`google-v2`), never an edit of `-v1`:
 * receivers keep hashed lists keyed by the label.
 *
 * Sources are in shared/docs/protocols.md §6 unless a comment names another.
 */

export const IDENTIFIER_FIELDS = ['email', 'phone', 'firstName', 'lastName', 'zip'] as const;
export type IdentifierField = (typeof IDENTIFIER_FIELDS)[number];

export const HASHING_STANDARD_NAMES = ['google-v1', 'meta-v1'] as const;
export type HashingStandardName = (typeof HASHING_STANDARD_NAMES)[number];

export type FieldRule =
  | {
      readonly kind: 'email';
      /** Checked on the final normalized value, so a rule can never produce an address it would reject. */
      readonly pattern: RegExp;
      /** Default for removing `.` from the local part of gmail.com / googlemail.com addresses. */
      readonly stripGmailDots: boolean;
    }
  | {
      readonly kind: 'phone';
      /** `+` E.164 (Google) or the same digits without `+` (Meta). */
      readonly keepPlus: boolean;
      /**
       * When libphonenumber cannot read the number, fall back to Meta's SDK rule (drop separators, a
       * leading `+` and up to two leading zeros; keep what is left if it looks like an international
       * number). Needed for Meta's own vectors `+001 (616) 954-78 88` and `01(650)123-4567`.
       */
      readonly metaSdkFallback: boolean;
    }
  | {
      readonly kind: 'name';
      /** Characters removed after trim + lowercase; null keeps the interior as is. */
      readonly strip: RegExp | null;
    }
  | {
      readonly kind: 'zip';
      /** False: the platform takes postal codes in clear, so this standard never hashes them. */
      readonly hashed: boolean;
      readonly lowercase: boolean;
      readonly stripWhitespace: boolean;
      /** Keep the part before the first `-` (US ZIP+4 → ZIP). */
      readonly cutAtDash: boolean;
      readonly pattern: RegExp;
    };

export interface HashingStandard {
  readonly name: HashingStandardName;
  /** Every standard here is SHA-256 over the UTF-8 normalized string, lowercase hex. */
  readonly algorithm: 'sha256';
  readonly rules: { readonly [F in IdentifierField]: Extract<FieldRule, { readonly kind: FieldKind<F> }> };
}

type FieldKind<F extends IdentifierField> = F extends 'firstName' | 'lastName' ? 'name' : F;

// Meta's SDK email check, applied after lower().strip() (facebook-python-business-sdk
// facebook_business/adobjects/serverside/normalize.py `email_pattern`).
const META_EMAIL = /^[a-z0-9_.+-]+@[a-z0-9-]+\.[a-z0-9-.]+$/;
// Google publishes no pattern; this only insists on one `@`, a dotted domain and no whitespace,
// so internationalized addresses still pass.
const GOOGLE_EMAIL = /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/u;
// ASCII punctuation !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~ plus whitespace: Meta capi-param-builder
// php/capi-param-builder/src/piiUtil/SharedUtils.php STRIP_WHITESPACE_AND_PUNCTUATION_REGEX, used
// by StringUtils::getNormalizedName.
const META_NAME_STRIP = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~\s]+/gu;

export const HASHING_STANDARDS: { readonly [N in HashingStandardName]: HashingStandard } = {
  'google-v1': {
    name: 'google-v1',
    algorithm: 'sha256',
    rules: {
      // Google Ads API UserIdentifier: trim + lowercase. Dot removal on by default: Campaign Manager
      // 360 enhanced conversions requires it, and google-ads-python's
      // examples/remarketing/upload_conversion_enhancement.py does it ("Google Ads requires removal
      // of any '.' characters preceding gmail.com or googlemail.com"). Gmail ignores those dots, so
      // stripping them loses nothing and `jane.doe@` and `janedoe@` hash as the one mailbox they are.
      // (The newest upload_enhanced_conversions_for_leads.py strips '.' and '+' from every local
      // part, against its own docstring; not followed.)
      email: { kind: 'email', pattern: GOOGLE_EMAIL, stripGmailDots: true },
      // Google Ads API UserIdentifier: "Phone numbers must be formatted in E.164 format (for example,
      // +16502531234)"; the "+" is part of the hashed string.
      phone: { kind: 'phone', keepPlus: true, metaSdkFallback: false },
      // Google Ads API: trim + lowercase. (DV360's Customer Match page also removes interior
      // whitespace; google-v1 follows the Google Ads API, so "Mary Ann" stays "mary ann".)
      firstName: { kind: 'name', strip: null },
      lastName: { kind: 'name', strip: null },
      // Google Ads API enhanced conversions: "do not hash country, state, city or postal code".
      zip: {
        kind: 'zip',
        hashed: false,
        lowercase: false,
        stripWhitespace: false,
        cutAtDash: false,
        pattern: /^[A-Za-z0-9](?:[A-Za-z0-9 -]{0,10}[A-Za-z0-9])?$/,
      },
    },
  },
  'meta-v1': {
    name: 'meta-v1',
    algorithm: 'sha256',
    rules: {
      // Meta keeps dots and `+tag`: capi-param-builder PIIUtilsTest `Test.User+Tag@EXAMPLE.COM`.
      email: { kind: 'email', pattern: META_EMAIL, stripGmailDots: false },
      // Meta: digits only, country code included, no "+" (normalize.py `ph`; PhoneUtilsTest).
      phone: { kind: 'phone', keepPlus: false, metaSdkFallback: true },
      firstName: { kind: 'name', strip: META_NAME_STRIP },
      lastName: { kind: 'name', strip: META_NAME_STRIP },
      // normalize.py `zp`: lower().strip(), drop whitespace, keep the part before "-".
      // ZipCodeUtils.php wants at least 2 characters; 10 is the longest postal code in use.
      zip: {
        kind: 'zip',
        hashed: true,
        lowercase: true,
        stripWhitespace: true,
        cutAtDash: true,
        pattern: /^[a-z0-9]{2,10}$/,
      },
    },
  },
};

export function isHashingStandardName(s: unknown): s is HashingStandardName {
  return typeof s === 'string' && (HASHING_STANDARD_NAMES as readonly string[]).includes(s);
}

export function isIdentifierField(s: unknown): s is IdentifierField {
  return typeof s === 'string' && (IDENTIFIER_FIELDS as readonly string[]).includes(s);
}

/**
 * What travels next to each hash: the standard name, plus a modifier for every way this call
 * departed from it, so the label alone tells a receiver how to hash its own list ([0223]).
 * `+hmac-sha256` marks a merchant-keyed value that no ad platform can match.
 */
export type HashingStandardLabel =
  `${HashingStandardName}${'' | typeof GMAIL_KEPT | typeof GMAIL_STRIPPED}${'' | typeof KEYED}`;

const GMAIL_KEPT = '+gmail-dots-kept';
const GMAIL_STRIPPED = '+gmail-dots-stripped';
const KEYED = '+hmac-sha256';

export interface LabelParts {
  readonly standard: HashingStandardName;
  readonly stripGmailDots: boolean;
  readonly keyed: boolean;
}

export function standardLabel(parts: LabelParts): HashingStandardLabel {
  const def = HASHING_STANDARDS[parts.standard].rules.email.stripGmailDots;
  const gmail = parts.stripGmailDots === def ? '' : parts.stripGmailDots ? GMAIL_STRIPPED : GMAIL_KEPT;
  return `${parts.standard}${gmail}${parts.keyed ? KEYED : ''}`;
}

// Every canonical label, so parsing is a lookup and accepts exactly what standardLabel emits.
const LABELS: ReadonlyMap<string, LabelParts> = new Map(
  HASHING_STANDARD_NAMES.flatMap((standard) =>
    [true, false].flatMap((stripGmailDots) =>
      [false, true].map((keyed): [string, LabelParts] => {
        const parts = { standard, stripGmailDots, keyed };
        return [standardLabel(parts), parts];
      }),
    ),
  ),
);

/** For a receiver: which rules (and whether its pepper) to apply to reproduce a labelled hash. */
export function parseStandardLabel(label: string): ({ ok: true } & LabelParts) | { ok: false; reason: string } {
  const parts = LABELS.get(label);
  return parts ? { ok: true, ...parts } : { ok: false, reason: 'unknown hashing standard label' };
}
