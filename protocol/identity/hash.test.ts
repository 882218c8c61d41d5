import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isMd5Hex, isSha256Hex } from './digest.js';
import { type HashOptions, type HashResult, hashIdentifier, hashIdentifiers } from './hash.js';
import { normalizeIdentifier } from './normalize.js';
import { HASHING_STANDARD_NAMES, type HashingStandardName, IDENTIFIER_FIELDS, type IdentifierField } from './standards.js';

const GOOGLE: HashOptions = { standard: 'google-v1' };
const META: HashOptions = { standard: 'meta-v1' };

function hashOf(field: IdentifierField, raw: string, opts: HashOptions): { normalized: string; hash: string } {
  const r = hashIdentifier(field, raw, opts);
  if (!r.ok) throw new Error(`expected ok for ${field}, got ${r.code}: ${r.reason}`);
  return { normalized: r.normalized, hash: r.hash };
}

describe('hash vectors (protocols.md §6.3, each [RECOMPUTED] with sha256sum)', () => {
  it.each([['google-v1'], ['meta-v1']] as const)(
    '%s: Person@Example.com → person@example.com (Snap Conversions API docs, Parameters)',
    (standard) => {
      expect(hashOf('email', 'Person@Example.com', { standard })).toEqual({
        normalized: 'person@example.com',
        hash: '542d240129883c019e106e3b1b2d3f3cb3537c43c425364de8e951d5a3083345',
      });
    },
  );

  it('meta-v1: +44 844 412 4653 → 448444124653 (Snap docs show prefix dc008fda46e2e64002cf2f82a4906236282d4…)', () => {
    expect(hashOf('phone', '+44 844 412 4653', META)).toEqual({
      normalized: '448444124653',
      hash: 'dc008fda46e2e64002cf2f82a4906236282d431c4f75e5b60bfe79fc48546383',
    });
  });

  it('meta-v1: 12345678901 is the `ph` example hash in Meta CAPI docs / SDK examples', () => {
    for (const raw of ['12345678901', '+1 234 567 8901']) {
      expect(hashOf('phone', raw, META)).toEqual({
        normalized: '12345678901',
        hash: '254aa248acb47dd654ca3ea53f48c2c26d641d23d7e2e93a1ec56258df7674c4',
      });
    }
  });

  it('Gravatar docs (docs.gravatar.com/rest/hash): trim + lowercase before hashing', () => {
    const r = hashOf('email', 'MyEmailAddress@example.com ', GOOGLE);
    expect(r).toEqual({
      normalized: 'myemailaddress@example.com',
      hash: '84059b07d4be67b806386c0aad8070a23f18836bbaae342275dc0a83414c32ee',
    });
    // Gravatar's un-normalized counter-example is the hash of the raw string; we must not produce it.
    expect(createHash('sha256').update('MyEmailAddress@example.com ').digest('hex')).toBe(
      'bbb8db824654275128ce09499cbbeff439840ae68f19f83861c243450dc1d6c7',
    );
    expect(r.hash).not.toBe('bbb8db824654275128ce09499cbbeff439840ae68f19f83861c243450dc1d6c7');
  });

  it('the same phone side by side: Google keeps "+", Meta drops it (UserIdentifier E.164 example)', () => {
    expect(hashOf('phone', '+1 650 253 1234', GOOGLE)).toEqual({
      normalized: '+16502531234',
      hash: 'e101d1333c2310c83a1f96c4e0c12aa18b151ee0baaa2db3998ee3797d74b685',
    });
    expect(hashOf('phone', '+1 650 253 1234', META)).toEqual({
      normalized: '16502531234',
      hash: 'bd7b52a0fffc6680469135b69d575132a985a745c9c5bb754c0a00b4cd0c73fe',
    });
  });

  it('google-v1: google-ads-python sample phone "+1 800 5550101"', () => {
    expect(hashOf('phone', '+1 800 5550101', GOOGLE)).toEqual({
      normalized: '+18005550101',
      hash: '61d6c2976b5d92b1ad63073a12fddd26040cd980067d03a93dd1cc50f1a3ac68',
    });
  });

  it('PIIUtilsTest phone "+1 (555) 123-4567" under both standards', () => {
    expect(hashOf('phone', '+1 (555) 123-4567', GOOGLE).hash).toBe(
      '8a59780bb8cd2ba022bfa5ba2ea3b6e07af17a7d8b30c1f9b3390e36f69019e4',
    );
    expect(hashOf('phone', '+1 (555) 123-4567', META).hash).toBe(
      'd6736136ea896c1bfdc553e0e86e702c70d060d805696ca3e4e9e0961353860a',
    );
  });

  it('meta-v1: PhoneUtilsTest numbers', () => {
    const bb2f = 'bb2fa2e6d2cea4746530c99686d0c7886ab2019875dca2d7e9e171c0e6ada00d';
    const f41a = '1f41a6876308cc581e7c096db4b342524d51f06f1df35537e30859e3956b5e89';
    expect(hashOf('phone', '+1 (616) 954-78 88', META).hash).toBe(bb2f);
    expect(hashOf('phone', '+001 (616) 954-78 88', META).hash).toBe(bb2f);
    expect(hashOf('phone', '1(650)123-4567', META).hash).toBe(f41a);
    expect(hashOf('phone', '01(650)123-4567', META).hash).toBe(f41a);
  });

  it.each([
    ['dana@example.com', '07e2f1394b0ea80e2adca010ea8318df697001a005ba7452720edda4b0ce57b3'],
    // PIIUtilsTest testGetNormalizedAndHashedPIIWithValidEmail
    ['  Test.User@Example.COM  ', 'a97d7a4513204a9cc7cb2f11d72d41a59b18d1ba633d22e58d53c625518f5203'],
    // SDK CSV cases
    ['NICK@EMAIL.com', '816341caf0c06dbc4c156d3465323f52b3cb62533241d5f9247c008f657e8343'],
    ['     John_Smith@gmail.com    ', '62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f'],
  ])('both standards: email %j', (raw, want) => {
    // None of these has a dot before @gmail.com, so the standards agree.
    expect(hashOf('email', raw, GOOGLE).hash).toBe(want);
    expect(hashOf('email', raw, META).hash).toBe(want);
  });

  it('meta-v1: first name "  John Smith  " → johnsmith (PIIUtilsTest); google-v1 keeps the space', () => {
    expect(hashOf('firstName', '  John Smith  ', META).hash).toBe(
      '45358dd8587f2de278ec7411a560bae78720c13aaa369d0cd95b67715adb445c',
    );
    expect(hashOf('firstName', '  John Smith  ', GOOGLE).normalized).toBe('john smith');
  });

  it('gmail dots: google-v1 strips by default, meta-v1 keeps, either can be overridden', () => {
    const dotted = '831f6494ad6be4fcb3a724c3d5fef22d3ceffa3c62ef3a7984e45a0ea177f982'; // jane.doe@gmail.com
    const undotted = 'd6117306485ed0e50afab3ac871e98f81699151f30281527d63ff5f233656c69'; // janedoe@gmail.com
    expect(hashIdentifier('email', 'Jane.Doe@gmail.com', GOOGLE)).toMatchObject({ hash: undotted, standard: 'google-v1' });
    expect(hashIdentifier('email', 'Jane.Doe@gmail.com', { ...GOOGLE, stripGmailDots: false })).toMatchObject({
      hash: dotted,
      standard: 'google-v1+gmail-dots-kept',
    });
    expect(hashIdentifier('email', 'Jane.Doe@gmail.com', META)).toMatchObject({ hash: dotted, standard: 'meta-v1' });
    expect(hashIdentifier('email', 'Jane.Doe@gmail.com', { ...META, stripGmailDots: true })).toMatchObject({
      hash: undotted,
      standard: 'meta-v1+gmail-dots-stripped',
    });
  });

  it('meta-v1 zip: PIIUtilsTest "  90210-1234  " → 90210', () => {
    expect(hashOf('zip', '  90210-1234  ', META)).toEqual({
      normalized: '90210',
      hash: createHash('sha256').update('90210').digest('hex'),
    });
  });
});

describe('pass-through, refusal and keyed hashing', () => {
  const SHA_123 = 'a665a45920422f9d417e4867efdc4fb8a04a1f3fff1fa07e998e86f7f7a27ae3'; // sha256("123"), PIIUtilsTest

  it.each(['google-v1', 'meta-v1'] as const)('%s passes an uppercase SHA-256 through lowercased, not hashed twice', (standard) => {
    for (const field of ['email', 'phone', 'firstName'] as const) {
      expect(hashIdentifier(field, ` ${SHA_123.toUpperCase()} `, { standard })).toEqual({
        ok: true,
        field,
        standard,
        normalized: SHA_123,
        hash: SHA_123,
        keyed: false,
        passthrough: true,
      });
    }
  });

  it('google-v1 refuses to hash zip: Google takes postal codes in clear', () => {
    expect(hashIdentifier('zip', '94043', GOOGLE)).toMatchObject({ ok: false, field: 'zip', code: 'not-hashed' });
  });

  it('keys with HMAC-SHA256(pepper, sha256hex(normalized)) and says so', () => {
    // `printf %s 542d2401…3345 | openssl dgst -sha256 -hmac merchant-pepper-1`
    const r = hashIdentifier('email', 'Person@Example.com', { ...GOOGLE, pepper: 'merchant-pepper-1' });
    expect(r).toEqual({
      ok: true,
      field: 'email',
      standard: 'google-v1+hmac-sha256',
      normalized: 'person@example.com',
      hash: '536eb901dd4af18863bfc7642e2cf1deaa6a3e48d9cd574d25376f27d35338ea',
      keyed: true,
      passthrough: false,
    });
  });

  it('keys a byte pepper, and a pre-hashed input the same way as its raw form', () => {
    // `printf %s 542d2401…3345 | openssl dgst -sha256 -mac HMAC -macopt hexkey:000102030405060708090a0b0c0d0e0f`
    const pepper = Uint8Array.from({ length: 16 }, (_, i) => i);
    const want = 'aafe4b9b273d7609ebedaa0aa052f986d755caae9c4530f7545c768f8ceaa481';
    expect(hashOf('email', 'person@example.com', { ...META, pepper }).hash).toBe(want);
    expect(
      hashIdentifier('email', '542D240129883C019E106E3B1B2D3F3CB3537C43C425364DE8E951D5A3083345', { ...META, pepper }),
    ).toMatchObject({ hash: want, keyed: true, passthrough: true, standard: 'meta-v1+hmac-sha256' });
  });

  it('refuses an empty or mistyped pepper instead of silently hashing unkeyed', () => {
    expect(hashIdentifier('email', 'a@b.co', { ...GOOGLE, pepper: '' })).toMatchObject({ ok: false, code: 'bad-option' });
    expect(hashIdentifier('email', 'a@b.co', { ...GOOGLE, pepper: new Uint8Array(0) })).toMatchObject({ code: 'bad-option' });
    expect(hashIdentifier('email', 'a@b.co', { ...GOOGLE, pepper: 7 as unknown as string })).toMatchObject({ code: 'bad-option' });
  });
});

describe('hashIdentifiers', () => {
  it('hashes a whole user in the fixed field order, failures in place', () => {
    const rs = hashIdentifiers(
      { zip: '94043', lastName: 'Doe', phone: '+1 650 253 1234', email: 'Jane.Doe@gmail.com', firstName: '' },
      GOOGLE,
    );
    expect(rs.map((r) => [r.field, r.ok])).toEqual([
      ['email', true],
      ['phone', true],
      ['firstName', false],
      ['lastName', true],
      ['zip', false],
    ]);
    expect(rs[1]).toMatchObject({ hash: 'e101d1333c2310c83a1f96c4e0c12aa18b151ee0baaa2db3998ee3797d74b685' });
  });

  it('returns nothing for an empty or missing record', () => {
    expect(hashIdentifiers({}, META)).toEqual([]);
    expect(hashIdentifiers(null as unknown as Record<string, string>, META)).toEqual([]);
  });
});

describe('properties', () => {
  const raw = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 80 }),
    fc.string({ maxLength: 40 }),
    fc.emailAddress(),
    fc.stringMatching(/^[ +0]{0,3}[0-9 ()\-.]{1,20}$/),
    fc
      .tuple(fc.constantFrom('', '1', '+1 ', '+44 ', '0', '00', '+001 ', '01'), fc.stringMatching(/^\(?[2-9]\d{2}\)?[ .-]?\d{3}[ -]?\d{4}$/))
      .map(([prefix, rest]) => prefix + rest),
    fc.stringMatching(/^ ?[0-9a-fA-F]{32}$|^[0-9a-fA-F]{64} ?$/),
    fc.constantFrom('  John Smith  ', ' SW1A 1AA ', '12345-6789', 'jane.doe@gmail.com'),
  );
  const options = fc.record(
    {
      standard: fc.constantFrom<HashingStandardName>(...HASHING_STANDARD_NAMES),
      defaultCountry: fc.constantFrom('US', 'GB', 'DE', 'IN', 'BR') as fc.Arbitrary<'US' | 'GB' | 'DE' | 'IN' | 'BR'>,
      stripGmailDots: fc.boolean(),
      pepper: fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), fc.uint8Array({ minLength: 1, maxLength: 40 })),
    },
    { requiredKeys: ['standard'] },
  );
  const field = fc.constantFrom<IdentifierField>(...IDENTIFIER_FIELDS);

  it('never throws, and every ok hash is 64 lowercase hex that node:crypto agrees with', () => {
    fc.assert(
      fc.property(field, raw, options, (f, s, opts) => {
        const r: HashResult = hashIdentifier(f, s, opts);
        if (!r.ok) {
          expect(r.reason).not.toMatch(/[\r\n]/);
          if (s.trim().length >= 12) expect(r.reason).not.toContain(s.trim());
          return;
        }
        expect(r.hash).toMatch(/^[0-9a-f]{64}$/);
        const digest = r.passthrough ? r.normalized : createHash('sha256').update(r.normalized, 'utf8').digest('hex');
        const key = typeof opts.pepper === 'string' ? Buffer.from(opts.pepper, 'utf8') : opts.pepper;
        expect(r.hash).toBe(key === undefined ? digest : createHmac('sha256', key).update(digest).digest('hex'));
        expect(r.keyed).toBe(key !== undefined);
        expect(r.standard.startsWith(opts.standard)).toBe(true);
        expect(r.standard.endsWith('+hmac-sha256')).toBe(r.keyed);
      }),
      { numRuns: 3000 },
    );
  });

  it('normalizing is idempotent when no country has to be assumed', () => {
    fc.assert(
      fc.property(field, raw, options, (f, s, o) => {
        const opts = { standard: o.standard, stripGmailDots: o.stripGmailDots };
        const once = normalizeIdentifier(f, s, opts);
        if (!once.ok) return;
        // Meta strips punctuation from names before nothing else looks, as its SDK does, so a name
        // can come out digest-shaped; a second pass would then read it as a digest.
        fc.pre(once.passthrough || !(isSha256Hex(once.normalized) || isMd5Hex(once.normalized)));
        const twice = normalizeIdentifier(f, once.normalized, opts);
        expect(twice).toMatchObject({ ok: true, normalized: once.normalized });
      }),
      { numRuns: 3000 },
    );
  });
});
