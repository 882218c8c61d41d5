import { describe, expect, it } from 'vitest';
import {
  HASHING_STANDARD_NAMES,
  HASHING_STANDARDS,
  IDENTIFIER_FIELDS,
  isHashingStandardName,
  parseStandardLabel,
  standardLabel,
} from './standards.js';

describe('hashing standards table', () => {
  it('has one entry per exported name, with a rule for every field', () => {
    expect(Object.keys(HASHING_STANDARDS).sort()).toEqual([...HASHING_STANDARD_NAMES].sort());
    for (const name of HASHING_STANDARD_NAMES) {
      expect(HASHING_STANDARDS[name].name).toBe(name);
      expect(Object.keys(HASHING_STANDARDS[name].rules).sort()).toEqual([...IDENTIFIER_FIELDS].sort());
    }
  });

  it('encodes the platform differences of protocols.md §6.3', () => {
    const g = HASHING_STANDARDS['google-v1'].rules;
    const m = HASHING_STANDARDS['meta-v1'].rules;
    expect([g.phone.keepPlus, m.phone.keepPlus]).toEqual([true, false]);
    expect([g.email.stripGmailDots, m.email.stripGmailDots]).toEqual([true, false]);
    expect([g.zip.hashed, m.zip.hashed]).toEqual([false, true]);
  });

  it('recognises names', () => {
    expect(isHashingStandardName('meta-v1')).toBe(true);
    expect(isHashingStandardName('meta-v2')).toBe(false);
    expect(isHashingStandardName(undefined)).toBe(false);
  });
});

describe('standard labels', () => {
  it('is the bare name when nothing departs from the standard', () => {
    expect(standardLabel({ standard: 'google-v1', stripGmailDots: true, keyed: false })).toBe('google-v1');
    expect(standardLabel({ standard: 'meta-v1', stripGmailDots: false, keyed: false })).toBe('meta-v1');
  });

  it('names each departure', () => {
    expect(standardLabel({ standard: 'google-v1', stripGmailDots: false, keyed: false })).toBe('google-v1+gmail-dots-kept');
    expect(standardLabel({ standard: 'meta-v1', stripGmailDots: true, keyed: true })).toBe(
      'meta-v1+gmail-dots-stripped+hmac-sha256',
    );
  });

  it('parses back every label it can produce, and nothing else', () => {
    for (const standard of HASHING_STANDARD_NAMES) {
      for (const stripGmailDots of [true, false]) {
        for (const keyed of [true, false]) {
          const parts = { standard, stripGmailDots, keyed };
          expect(parseStandardLabel(standardLabel(parts))).toEqual({ ok: true, ...parts });
        }
      }
    }
    for (const bad of ['', 'google', 'google-v1+', 'google-v1+gmail-dots-stripped', 'meta-v1+hmac-sha256+gmail-dots-stripped']) {
      expect(parseStandardLabel(bad).ok).toBe(false);
    }
  });
});
