/**
 * The merchant's first-party customer list ([0220]–[0224]): a CRM export (CSV of emails and
 * phones) turned into the "first party hashed list" 1155 — every identifier normalised and hashed
 * under every hashing-standard label a phone can send (protocol/identity), so a user
 * communication's hashed identifiers 285 find their customer by equality ([0222]–[0223]: the
 * list is hashed with the algorithm the user communication identifies).
 *
 * PRIVACY: raw values live only inside `hashCrm` while it runs. What comes out — and what the
 * backend stores — is (label, field, sha256, customerKey); errors name the row and field, never
 * the value. `customerKey` is the export's own customer ID column (the merchant's opaque key, so
 * a match can be joined back to the CRM inside the merchant's systems); a row without one is keyed
 * by a hash of its first identifier, never by the identifier.
 */
import {
  HASHING_STANDARD_NAMES,
  hashIdentifier,
  isCountryCode,
  type CountryCode,
  type HashingStandardName,
  type IdentifierField,
} from '../../protocol/identity/index.js';
import { parseCsv } from './csv.js';

export interface CrmOptions {
  /** Country for phone numbers written without +<country code>, unless the row has a country column. */
  defaultCountry?: CountryCode | undefined;
  /** Merchant secret: also produce `+hmac-sha256` hashes for phones that send keyed identifiers. */
  pepper?: Uint8Array | string | undefined;
}

export interface CrmHash {
  /** The hashing-standard label, exactly as a user communication's hashingStandard carries it. */
  standard: string;
  field: IdentifierField;
  sha256: string;
  customerKey: string;
}

export interface CrmRejection {
  /** 1-based CSV line of the record (the header is line 1). */
  line: number;
  field: IdentifierField | 'row';
  code: string;
}

export type CrmResult =
  | { ok: true; customers: number; hashes: CrmHash[]; rejected: CrmRejection[] }
  | { ok: false; reason: string };

/** Header spellings CRM exports use, after lowercasing and dropping spaces, `_` and `-`. */
const COLUMN_ALIASES: Record<string, IdentifierField | 'customerKey' | 'country'> = {
  customerid: 'customerKey',
  customer: 'customerKey',
  id: 'customerKey',
  email: 'email',
  emailaddress: 'email',
  mail: 'email',
  phone: 'phone',
  phonenumber: 'phone',
  mobile: 'phone',
  firstname: 'firstName',
  givenname: 'firstName',
  lastname: 'lastName',
  surname: 'lastName',
  familyname: 'lastName',
  zip: 'zip',
  zipcode: 'zip',
  postalcode: 'zip',
  postcode: 'zip',
  country: 'country',
  countrycode: 'country',
};

const CUSTOMER_KEY_RE = /^[A-Za-z0-9._:@-]{1,128}$/;

function columnOf(header: string): IdentifierField | 'customerKey' | 'country' | undefined {
  const h = header.trim().toLowerCase().replace(/[\s_-]+/g, '');
  // email2, phone_2, … : several columns of one kind are common in exports.
  return COLUMN_ALIASES[h] ?? COLUMN_ALIASES[h.replace(/\d+$/, '')];
}

/** Every label a user communication can carry for these options (protocol/identity standardLabel). */
function variants(pepper: CrmOptions['pepper']): { standard: HashingStandardName; stripGmailDots: boolean; keyed: boolean }[] {
  return HASHING_STANDARD_NAMES.flatMap((standard) =>
    [true, false].flatMap((stripGmailDots) => [false, ...(pepper !== undefined ? [true] : [])].map((keyed) => ({ standard, stripGmailDots, keyed }))),
  );
}

export function hashCrm(csvText: string, options: CrmOptions = {}): CrmResult {
  const parsed = parseCsv(csvText);
  if (!parsed.ok) return { ok: false, reason: `CSV line ${parsed.line}: ${parsed.reason}` };
  const [header, ...records] = parsed.rows;
  if (!header) return { ok: false, reason: 'the CSV is empty' };
  const columns = header.map(columnOf);
  if (!columns.some((c) => c === 'email' || c === 'phone' || c === 'firstName' || c === 'lastName' || c === 'zip')) {
    return { ok: false, reason: 'no identifier column (email, phone, first_name, last_name, zip) in the header' };
  }
  const hashes = new Map<string, CrmHash>();
  const rejected: CrmRejection[] = [];
  const keys = new Set<string>();
  const labels = variants(options.pepper);

  records.forEach((cells, r) => {
    const line = r + 2;
    const values: { field: IdentifierField; raw: string }[] = [];
    let key: string | undefined;
    let country: CountryCode | undefined = options.defaultCountry;
    cells.forEach((cell, c) => {
      const col = columns[c];
      const v = cell.trim();
      if (col === undefined || v === '') return;
      if (col === 'customerKey') key = v;
      else if (col === 'country') {
        const cc = v.toUpperCase();
        if (isCountryCode(cc)) country = cc;
        else rejected.push({ line, field: 'row', code: 'unknown-country' });
      } else values.push({ field: col, raw: v });
    });
    if (key !== undefined && !CUSTOMER_KEY_RE.test(key)) {
      rejected.push({ line, field: 'row', code: 'bad-customer-id' });
      return;
    }
    const rowHashes: Omit<CrmHash, 'customerKey'>[] = [];
    const failed = new Set<IdentifierField>();
    for (const { field, raw } of values) {
      for (const v of labels) {
        const h = hashIdentifier(field, raw, {
          standard: v.standard,
          stripGmailDots: v.stripGmailDots,
          ...(country !== undefined ? { defaultCountry: country } : {}),
          ...(v.keyed ? { pepper: options.pepper! } : {}),
        });
        if (h.ok) rowHashes.push({ standard: h.standard, field, sha256: h.hash });
        // google-v1 takes zip codes in clear and never hashes them: not a problem with the row.
        else if (h.code !== 'not-hashed' && !failed.has(field)) {
          failed.add(field);
          rejected.push({ line, field, code: h.code });
        }
      }
    }
    if (rowHashes.length === 0) return;
    // Without a customer ID, key the row by a hash (never the value) of its first identifier.
    const customerKey = key ?? `crm:${rowHashes[0]!.sha256.slice(0, 24)}`;
    keys.add(customerKey);
    for (const h of rowHashes) {
      const k = `${h.standard}|${h.field}|${h.sha256}|${customerKey}`;
      if (!hashes.has(k)) hashes.set(k, { ...h, customerKey });
    }
  });
  return { ok: true, customers: keys.size, hashes: [...hashes.values()], rejected };
}
