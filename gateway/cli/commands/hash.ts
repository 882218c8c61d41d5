/**
 * `touchpoint hash`: shows what a phone would send for an identifier under a hashing standard, so a
 * technician can check a merchant's list against it. Runs locally; nothing is sent anywhere.
 */
import type { Command } from 'commander';
import {
  HASHING_STANDARD_NAMES,
  type IdentifierField,
  hashIdentifiers,
  isCountryCode,
  isHashingStandardName,
} from '../../../protocol/identity/index.js';
import { type CliIo, UsageError, printJson } from '../io.js';

const FLAGS: { readonly [F in IdentifierField]: string } = {
  email: '--email',
  phone: '--phone',
  firstName: '--first-name',
  lastName: '--last-name',
  zip: '--zip',
};

interface HashCliOptions {
  email?: string;
  phone?: string;
  firstName?: string;
  lastName?: string;
  zip?: string;
  country?: string;
  standard: string;
  pepper?: string;
}

export function registerHash(program: Command, io: CliIo): void {
  program
    .command('hash')
    .description('normalize and hash user identifiers the way an ad platform matches them (one JSON line each)')
    .option(`${FLAGS.email} <address>`, 'email address')
    .option(`${FLAGS.phone} <number>`, 'phone number, +<country code> or national with --country')
    .option(`${FLAGS.firstName} <name>`, 'first name')
    .option(`${FLAGS.lastName} <name>`, 'last name')
    .option(`${FLAGS.zip} <code>`, 'postal code (google-v1 does not hash it)')
    .option('--country <code>', 'ISO 3166-1 alpha-2 country for phone numbers without +<country code>')
    .option('--standard <name>', `hashing standard: ${HASHING_STANDARD_NAMES.join(' | ')}`, 'google-v1')
    .option('--pepper <secret>', 'merchant secret: print HMAC-SHA256 instead (visible in shell history)')
    .action((opts: HashCliOptions) => {
      const { standard, pepper } = opts;
      if (!isHashingStandardName(standard)) {
        throw new UsageError(`--standard must be one of ${HASHING_STANDARD_NAMES.join(', ')}`);
      }
      const country = opts.country?.toUpperCase();
      if (country !== undefined && !isCountryCode(country)) {
        throw new UsageError('--country must be an ISO 3166-1 alpha-2 code such as US or GB');
      }
      const record = { email: opts.email, phone: opts.phone, firstName: opts.firstName, lastName: opts.lastName, zip: opts.zip };
      const results = hashIdentifiers(record, { standard, defaultCountry: country, pepper });
      if (results.length === 0) {
        throw new UsageError(`give at least one of ${Object.values(FLAGS).join(', ')}`);
      }
      // Check everything before printing anything: half a user is worse than none.
      for (const r of results) {
        if (!r.ok) throw new UsageError(`${FLAGS[r.field]}: ${r.reason}`);
      }
      for (const r of results) {
        if (!r.ok) continue;
        // A keyed value gets its own key so nobody pastes it into an ad platform as a SHA-256.
        const digest = r.keyed ? { hmacSha256: r.hash } : { sha256: r.hash };
        printJson(io, { field: r.field, standard: r.standard, normalized: r.normalized, ...digest });
      }
    });
}
