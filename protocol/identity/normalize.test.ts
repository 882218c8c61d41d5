import { describe, expect, it } from 'vitest';
import { type NormalizeOptions, normalizeIdentifier } from './normalize.js';
import type { IdentifierField } from './standards.js';

const META: NormalizeOptions = { standard: 'meta-v1' };
const GOOGLE: NormalizeOptions = { standard: 'google-v1' };

function normalized(field: IdentifierField, raw: string, opts: NormalizeOptions): string {
  const r = normalizeIdentifier(field, raw, opts);
  if (!r.ok) throw new Error(`expected ok for ${field}, got ${r.code}: ${r.reason}`);
  return r.normalized;
}

describe('Meta normalization vectors (protocols.md §6.2)', () => {
  // [SRC] facebook/capi-param-builder php/capi-param-builder/tests/PIIUtilsTest.php
  it.each([
    ['email', '  John.Doe@Example.COM  ', 'john.doe@example.com'],
    ['email', '  Test.User+Tag@EXAMPLE.COM  ', 'test.user+tag@example.com'],
    ['phone', '+1 (555) 123-4567', '15551234567'],
    ['firstName', '  John Smith  ', 'johnsmith'],
    ['lastName', '  Mary Johnson  ', 'maryjohnson'],
    ['zip', '  12345-6789  ', '12345'],
    ['zip', '  90210-1234  ', '90210'],
  ] as const)('PIIUtilsTest %s %j → %s', (field, raw, want) => {
    expect(normalized(field, raw, META)).toBe(want);
  });

  // [SRC] Meta PhoneUtilsTest (capi-param-builder and Meta's other SDKs), as quoted in §6.2.
  it.each([
    ['+1 (555) 123-4567', '15551234567'],
    ['+1 (616) 954-78 88', '16169547888'],
    ['1(650)123-4567', '16501234567'],
    ['+001 (616) 954-78 88', '16169547888'],
    ['01(650)123-4567', '16501234567'],
    ['4792813113', '4792813113'],
  ])('PhoneUtilsTest %j → %s', (raw, want) => {
    expect(normalized('phone', raw, META)).toBe(want);
  });

  it('with defaultCountry US every PhoneUtilsTest vector but the national-form one is unchanged', () => {
    // `4792813113` has no country code; Meta's docs ask for one, so a caller who states the country
    // gets it added. The other five already carry +1 / 1 / 001 / 01 and must not move.
    const us: NormalizeOptions = { standard: 'meta-v1', defaultCountry: 'US' };
    expect(normalized('phone', '+1 (555) 123-4567', us)).toBe('15551234567');
    expect(normalized('phone', '+1 (616) 954-78 88', us)).toBe('16169547888');
    expect(normalized('phone', '1(650)123-4567', us)).toBe('16501234567');
    expect(normalized('phone', '+001 (616) 954-78 88', us)).toBe('16169547888');
    expect(normalized('phone', '01(650)123-4567', us)).toBe('16501234567');
    expect(normalized('phone', '4792813113', us)).toBe('14792813113');
  });

  // [SRC] SDK test cases "derived from a CSV provided by Facebook", quoted in §6.2.
  it.each([
    ['NICK@EMAIL.com', 'nick@email.com'],
    ['     John_Smith@gmail.com    ', 'john_smith@gmail.com'],
  ])('CSV email %j → %s', (raw, want) => {
    expect(normalized('email', raw, META)).toBe(want);
  });

  it('passes an uppercase SHA-256 through lowercased (PIIUtilsTest testGetNormalizedAndHashedPIIWithSha256Hash)', () => {
    const r = normalizeIdentifier('email', 'A665A45920422F9D417E4867EFDC4FB8A04A1F3FFF1FA07E998E86F7F7A27AE3', META);
    expect(r).toMatchObject({
      ok: true,
      passthrough: true,
      normalized: 'a665a45920422f9d417e4867efdc4fb8a04a1f3fff1fa07e998e86f7f7a27ae3',
    });
  });

  it('refuses the MD5 that Meta SDK would pass (PIIUtilsTest ...WithMd5Hash): every hash on the wire is SHA-256', () => {
    expect(normalizeIdentifier('email', 'D41D8CD98F00B204E9800998ECF8427E', META)).toMatchObject({
      ok: false,
      code: 'prehash-unsupported',
    });
  });

  it('rejects what the SDK rejects instead of hashing it', () => {
    // PIIUtilsTest testGetNormalizedPIIWithInvalidEmail
    expect(normalizeIdentifier('email', 'invalid-email', META)).toMatchObject({ ok: false, code: 'invalid' });
    // PIIUtilsTest expects `abc123` → `123` (PHP keeps any digits); three digits are no phone number.
    expect(normalizeIdentifier('phone', 'abc123', META)).toMatchObject({ ok: false, code: 'invalid' });
  });

  it('strips all ASCII punctuation from names but keeps non-ASCII letters (SharedUtils.php regex)', () => {
    expect(normalized('firstName', " O'Brien-Smith, Jr. ", META)).toBe('obriensmithjr');
    expect(normalized('lastName', 'Müller', META)).toBe('müller');
  });

  it('lowercases a UK postcode and drops its space (normalize.py `zp`)', () => {
    expect(normalized('zip', ' SW1A 1AA ', META)).toBe('sw1a1aa');
  });
});

describe('Google normalization (protocols.md §6.1)', () => {
  it('formats phones as + E.164: UserIdentifier example and google-ads-python sample phone', () => {
    expect(normalized('phone', '+16502531234', GOOGLE)).toBe('+16502531234');
    expect(normalized('phone', '+1 800 5550101', GOOGLE)).toBe('+18005550101');
    expect(normalized('phone', '(650) 253-1234', { ...GOOGLE, defaultCountry: 'US' })).toBe('+16502531234');
    expect(normalized('phone', '07700 900123', { ...GOOGLE, defaultCountry: 'GB' })).toBe('+447700900123');
  });

  it('refuses phones it cannot put in E.164 instead of guessing a country', () => {
    expect(normalizeIdentifier('phone', '6502531234', GOOGLE)).toMatchObject({ ok: false, code: 'invalid' });
    // Meta's SDK reads these; E.164 has no country code 0.
    expect(normalizeIdentifier('phone', '+001 (616) 954-78 88', GOOGLE)).toMatchObject({ ok: false, code: 'invalid' });
    // extract: false: a number inside other text is not fished out.
    expect(normalizeIdentifier('phone', 'call +16502531234', GOOGLE)).toMatchObject({ ok: false, code: 'invalid' });
  });

  it('trims and lowercases names without removing interior spaces (Google Ads API UserIdentifier)', () => {
    expect(normalized('firstName', '  Mary Ann  ', GOOGLE)).toBe('mary ann');
    expect(normalized('lastName', "O'Brien", GOOGLE)).toBe("o'brien");
  });

  it('removes dots before @gmail.com / @googlemail.com by default (CM360 enhanced conversions), not elsewhere', () => {
    expect(normalized('email', ' Jane.Doe@Gmail.com ', GOOGLE)).toBe('janedoe@gmail.com');
    expect(normalized('email', 'j.a.n.e+news@googlemail.com', GOOGLE)).toBe('jane+news@googlemail.com');
    expect(normalized('email', 'jane.doe@example.com', GOOGLE)).toBe('jane.doe@example.com');
    expect(normalized('email', 'jane.doe@gmail.com.evil.test', GOOGLE)).toBe('jane.doe@gmail.com.evil.test');
  });

  it('gmail dot removal is a per-call option under both standards', () => {
    expect(normalized('email', 'jane.doe@gmail.com', { ...GOOGLE, stripGmailDots: false })).toBe('jane.doe@gmail.com');
    expect(normalized('email', 'jane.doe@gmail.com', META)).toBe('jane.doe@gmail.com');
    expect(normalized('email', 'jane.doe@gmail.com', { ...META, stripGmailDots: true })).toBe('janedoe@gmail.com');
  });

  it('does not turn a dots-only gmail local part into an address without one', () => {
    expect(normalizeIdentifier('email', '...@gmail.com', GOOGLE)).toMatchObject({ ok: false, code: 'invalid' });
  });

  it('keeps zip unhashed: normalized for local use, marked not hashable', () => {
    expect(normalizeIdentifier('zip', ' 94043 ', GOOGLE)).toMatchObject({ ok: true, normalized: '94043', hashable: false });
  });
});

describe('typed failures', () => {
  it.each(['', '   ', '\n\t'])('empty %j → empty', (raw) => {
    expect(normalizeIdentifier('email', raw, GOOGLE)).toMatchObject({ ok: false, field: 'email', code: 'empty' });
  });

  it('rejects interior control characters', () => {
    expect(normalizeIdentifier('firstName', 'jo\u0000hn', META)).toMatchObject({ ok: false, code: 'invalid' });
  });

  it('rejects names without letters and non-postal zips', () => {
    expect(normalizeIdentifier('firstName', '12345', GOOGLE)).toMatchObject({ ok: false, code: 'invalid' });
    expect(normalizeIdentifier('lastName', '--', META)).toMatchObject({ ok: false, code: 'invalid' });
    expect(normalizeIdentifier('zip', '-6789', META)).toMatchObject({ ok: false, code: 'invalid' });
  });

  it('reports bad options from untyped callers as results', () => {
    const anyOpts = (o: unknown) => o as NormalizeOptions;
    expect(normalizeIdentifier('email', 'a@b.co', anyOpts({ standard: 'tiktok-v1' }))).toMatchObject({ code: 'bad-option' });
    expect(normalizeIdentifier('email', 'a@b.co', anyOpts(undefined))).toMatchObject({ code: 'bad-option' });
    expect(normalizeIdentifier('phone', '1', anyOpts({ standard: 'google-v1', defaultCountry: 'us' }))).toMatchObject({
      code: 'bad-option',
    });
    expect(normalizeIdentifier('ssn' as IdentifierField, '1', GOOGLE)).toMatchObject({ code: 'bad-option' });
    expect(normalizeIdentifier('email', 42 as unknown as string, GOOGLE)).toMatchObject({ code: 'empty' });
  });

  it('never repeats the input in the reason', () => {
    const secret = 'Secret.Person@@example';
    const r = normalizeIdentifier('email', secret, GOOGLE);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason.toLowerCase()).not.toContain('secret');
  });
});
