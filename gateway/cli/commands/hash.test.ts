import { describe, expect, it } from 'vitest';
import { cli } from '../test-support.js';

const run = (args: string[]) => cli('hash', ...args);
const parse = (lines: string[]) => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

describe('touchpoint hash', () => {
  it('prints one JSON line per identifier, google-v1 by default (UserIdentifier E.164 example, §6.3)', async () => {
    const r = await run(['--email', ' Person@Example.com ', '--phone', '+1 650 253 1234']);
    expect(r.code).toBe(0);
    expect(r.out).toHaveLength(2);
    expect(parse(r.out)).toEqual([
      {
        field: 'email',
        standard: 'google-v1',
        normalized: 'person@example.com',
        sha256: '542d240129883c019e106e3b1b2d3f3cb3537c43c425364de8e951d5a3083345',
      },
      {
        field: 'phone',
        standard: 'google-v1',
        normalized: '+16502531234',
        sha256: 'e101d1333c2310c83a1f96c4e0c12aa18b151ee0baaa2db3998ee3797d74b685',
      },
    ]);
  });

  it('meta-v1 with a national number and --country (Meta PhoneUtilsTest style digits, §6.2/§6.3)', async () => {
    const r = await run(['--standard', 'meta-v1', '--phone', '(650) 253-1234', '--country', 'us', '--first-name', ' John Smith ']);
    expect(r.code).toBe(0);
    expect(parse(r.out)).toEqual([
      {
        field: 'phone',
        standard: 'meta-v1',
        normalized: '16502531234',
        sha256: 'bd7b52a0fffc6680469135b69d575132a985a745c9c5bb754c0a00b4cd0c73fe',
      },
      {
        field: 'firstName',
        standard: 'meta-v1',
        normalized: 'johnsmith',
        sha256: '45358dd8587f2de278ec7411a560bae78720c13aaa369d0cd95b67715adb445c',
      },
    ]);
  });

  it('labels a peppered value as keyed and does not call it sha256', async () => {
    // `printf %s 542d2401…3345 | openssl dgst -sha256 -hmac merchant-pepper-1`
    const r = await run(['--email', 'person@example.com', '--pepper', 'merchant-pepper-1']);
    expect(r.code).toBe(0);
    expect(parse(r.out)).toEqual([
      {
        field: 'email',
        standard: 'google-v1+hmac-sha256',
        normalized: 'person@example.com',
        hmacSha256: '536eb901dd4af18863bfc7642e2cf1deaa6a3e48d9cd574d25376f27d35338ea',
      },
    ]);
  });

  it.each([
    [['--email', 'not-an-email'], '--email: email is not an email address'],
    [['--phone', '6502531234'], '--phone: phone has no +<country code> and no defaultCountry was given'],
    [['--email', '   '], '--email: email is empty'],
    [['--zip', '94043'], '--zip: google-v1 takes zip in clear and never hashes it'],
    [['--email', 'a@b.co', '--standard', 'tiktok-v1'], '--standard must be one of google-v1, meta-v1'],
    [['--phone', '650 253 1234', '--country', 'XX'], '--country must be an ISO 3166-1 alpha-2 code such as US or GB'],
    [['--email', 'a@b.co', '--pepper', ''], '--email: pepper must be a non-empty string or byte array'],
    [[], 'give at least one of --email, --phone, --first-name, --last-name, --zip'],
  ])('%j → usage error, exit 2, nothing printed', async (args, message) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.out).toEqual([]);
    expect(r.err).toEqual([`touchpoint: ${message}`]);
  });

  it('prints nothing when one of several identifiers is invalid', async () => {
    const r = await run(['--email', 'person@example.com', '--phone', 'call me']);
    expect(r.code).toBe(2);
    expect(r.out).toEqual([]);
  });

  it('never echoes the rejected value', async () => {
    const r = await run(['--email', 'Secret.Person@@example']);
    expect(r.err.join('\n').toLowerCase()).not.toContain('secret');
  });
});
