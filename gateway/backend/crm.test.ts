import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MESSAGE_EXAMPLES, type UserCommunication } from '../../protocol/messages/index.js';
import { hashCrm } from './crm.js';

const CSV = readFileSync(new URL('../../examples/crm-customers.csv', import.meta.url), 'utf8');

function lookup(r: ReturnType<typeof hashCrm>, standard: string, field: string, sha256: string): string[] {
  if (!r.ok) throw new Error(r.reason);
  return r.hashes.filter((h) => h.standard === standard && h.field === field && h.sha256 === sha256).map((h) => h.customerKey);
}

describe('CRM hashed list ([0220]–[0224])', () => {
  const r = hashCrm(CSV, { defaultCountry: 'US' });

  it('hashes the shipped export: published vectors (shared/docs/protocols.md §6.3)', () => {
    expect(r.ok && r.customers).toBe(12);
    // Snap Conversions API docs: "Person@Example.com" → person@example.com → 542d2401…
    expect(lookup(r, 'google-v1', 'email', '542d240129883c019e106e3b1b2d3f3cb3537c43c425364de8e951d5a3083345')).toEqual(['C-1001']);
    expect(lookup(r, 'meta-v1', 'email', '542d240129883c019e106e3b1b2d3f3cb3537c43c425364de8e951d5a3083345')).toEqual(['C-1001']);
    // Google's E.164 example +16502531234 (with "+") and the same number Meta's way (digits only).
    expect(lookup(r, 'google-v1', 'phone', 'e101d1333c2310c83a1f96c4e0c12aa18b151ee0baaa2db3998ee3797d74b685')).toEqual(['C-1001']);
    expect(lookup(r, 'meta-v1', 'phone', 'bd7b52a0fffc6680469135b69d575132a985a745c9c5bb754c0a00b4cd0c73fe')).toEqual(['C-1001']);
    // Gmail dots: google-v1 drops them (janedoe@gmail.com), meta-v1 keeps them (jane.doe@gmail.com).
    expect(lookup(r, 'google-v1', 'email', 'd6117306485ed0e50afab3ac871e98f81699151f30281527d63ff5f233656c69')).toEqual(['C-1002']);
    expect(lookup(r, 'meta-v1', 'email', '831f6494ad6be4fcb3a724c3d5fef22d3ceffa3c62ef3a7984e45a0ea177f982')).toEqual(['C-1002']);
    expect(lookup(r, 'google-v1+gmail-dots-kept', 'email', '831f6494ad6be4fcb3a724c3d5fef22d3ceffa3c62ef3a7984e45a0ea177f982')).toEqual(['C-1002']);
    // nick@email.com (the Meta SDK test CSV case)
    expect(lookup(r, 'meta-v1', 'email', '816341caf0c06dbc4c156d3465323f52b3cb62533241d5f9247c008f657e8343')).toEqual(['C-1006']);
  });

  it('references the contract’s example user communication: both its hashes name one customer', () => {
    const u = MESSAGE_EXAMPLES['user-communication'] as UserCommunication;
    const keys = u.identifiers.flatMap((id) => lookup(r, u.hashingStandard!, id.field, id.sha256));
    expect(keys).toEqual(['C-1001', 'C-1001']);
  });

  it('covers every unkeyed label, and the keyed ones only with a pepper', () => {
    const labels = (x: ReturnType<typeof hashCrm>) => (x.ok ? [...new Set(x.hashes.map((h) => h.standard))].sort() : []);
    expect(labels(r)).toEqual(['google-v1', 'google-v1+gmail-dots-kept', 'meta-v1', 'meta-v1+gmail-dots-stripped']);
    expect(labels(hashCrm(CSV, { defaultCountry: 'US', pepper: 'merchant-secret' }))).toHaveLength(8);
  });

  it('uses a row’s country for its phone number', () => {
    // C-1005: "020 7946 0011" in GB → +442079460011
    expect(lookup(r, 'google-v1', 'phone', sha('+442079460011'))).toEqual(['C-1005']);
    expect(lookup(r, 'meta-v1', 'phone', sha('442079460011'))).toEqual(['C-1005']);
  });

  it('rejects bad values by line and field, never echoing them, and keys rows without an ID by a hash', () => {
    const x = hashCrm('Email,Phone\nnot-an-email,+1 650 253 1234\n,\nsecret@example.com,12\n');
    expect(x.ok).toBe(true);
    if (!x.ok) return;
    expect(x.rejected).toEqual([
      { line: 2, field: 'email', code: 'invalid' },
      { line: 4, field: 'phone', code: 'invalid' },
    ]);
    expect(JSON.stringify(x)).not.toMatch(/not-an-email|secret@example\.com/);
    expect(x.customers).toBe(2);
    expect(new Set(x.hashes.map((h) => h.customerKey)).size).toBe(2);
    for (const h of x.hashes) expect(h.customerKey).toMatch(/^crm:[0-9a-f]{24}$/);
  });

  it('refuses a file it cannot use', () => {
    expect(hashCrm('')).toEqual({ ok: false, reason: 'the CSV is empty' });
    expect(hashCrm('name,city\nx,y\n')).toMatchObject({ ok: false, reason: expect.stringMatching(/no identifier column/) });
    expect(hashCrm('email\n"unterminated\n')).toMatchObject({ ok: false, reason: expect.stringMatching(/line 2/) });
  });
});

function sha(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}
