/** The contract between protocol/identity (who hashes) and protocol/messages (who carries). */
import { describe, expect, it } from 'vitest';
import { HASHING_STANDARD_NAMES, hashIdentifier, standardLabel } from '../identity/index.js';
import { HASHING_STANDARD_PATTERN } from './index.js';
import { validateUserCommunication } from './validate.js';
import example from './examples/user-communication.json' with { type: 'json' };

describe('hashing-standard labels travel in user communications', () => {
  const labels = HASHING_STANDARD_NAMES.flatMap((standard) =>
    [true, false].flatMap((stripGmailDots) => [true, false].map((keyed) => standardLabel({ standard, stripGmailDots, keyed }))),
  );
  it.each(labels)('%s matches the schema pattern', (label) => {
    expect(new RegExp(HASHING_STANDARD_PATTERN).test(label)).toBe(true);
  });
  it('a message built from hashIdentifier output validates, and a raw email cannot pass', () => {
    const h = hashIdentifier('email', ' Person@Example.com ', { standard: 'meta-v1', pepper: 'merchant-pepper' });
    if (!h.ok) throw new Error(h.reason);
    const msg = { ...example, hashingStandard: h.standard, identifiers: [{ field: 'email', sha256: h.hash, keyed: true }] };
    expect(validateUserCommunication(msg)).toMatchObject({ ok: true });
    const raw = { ...msg, identifiers: [{ field: 'email', sha256: 'person@example.com' }] };
    expect(validateUserCommunication(raw)).toMatchObject({ ok: false });
  });
});
