import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hashPassword, isPasswordHash, loadUsers, parseUsers, saveUsers, upsertUser, validateUsers, verifyPassword } from './users.js';

const FAST = { N: 1024, r: 8, p: 1 };
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('scrypt password hashes', () => {
  it('verifies the RFC 7914 §12 test vector (P="password", S="NaCl", N=1024, r=8, p=16, dkLen=64)', async () => {
    const dk =
      'fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640';
    const encoded = `$scrypt$n=1024,r=8,p=16$${Buffer.from('NaCl').toString('base64')}$${Buffer.from(dk, 'hex').toString('base64')}`;
    expect(await verifyPassword('password', encoded)).toBe(true);
    expect(await verifyPassword('Password', encoded)).toBe(false);
  });

  it('hashes with a random salt and the default cost, and verifies', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    expect(a).toMatch(/^\$scrypt\$n=16384,r=8,p=5\$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse battery', a)).toBe(true);
    expect(await verifyPassword(Buffer.from('correct horse battery'), a)).toBe(true);
    expect(await verifyPassword('correct horse batterx', a)).toBe(false);
  });

  it('treats a missing password, unknown user or malformed hash as a mismatch without throwing', async () => {
    const h = await hashPassword('secret-secret', FAST);
    expect(await verifyPassword(undefined, h)).toBe(false);
    expect(await verifyPassword('secret-secret', undefined)).toBe(false);
    expect(await verifyPassword('x', '$scrypt$n=abc')).toBe(false);
    expect(await verifyPassword('x', '$scrypt$n=3,r=8,p=1$AAAA$AAAA')).toBe(false); // N not a power of two
    expect(isPasswordHash(h)).toBe(true);
    expect(isPasswordHash('plain text')).toBe(false);
  });
});

describe('users file', () => {
  it('parses YAML and JSON, defaults a gateway ID to the username', async () => {
    const pw = await hashPassword('secret-secret', FAST);
    const yaml = `users:\n  - username: gw-a\n    role: gateway\n    site: s1\n    password: "${pw}"\n  - { username: backend, role: backend, password: "${pw}" }\n`;
    const y = parseUsers(yaml, 'users.yaml');
    expect(y.ok && y.users.map((u) => [u.username, u.role, u.gateway])).toEqual([
      ['gw-a', 'gateway', 'gw-a'],
      ['backend', 'backend', undefined],
    ]);
    const j = parseUsers(JSON.stringify({ users: [{ username: 'app', role: 'phone', site: 's1', password: pw }] }), 'users.json');
    expect(j.ok && j.users[0]!.role).toBe('phone');
  });

  it('lists every problem', async () => {
    const pw = await hashPassword('secret-secret', FAST);
    const r = validateUsers({
      users: [
        { username: 'gw-a', role: 'gateway', password: pw }, // no site
        { username: 'x', role: 'admin', password: pw },
        { username: 'y', role: 'backend', password: 'plain' },
        { username: 'gw-1', role: 'gateway', site: 's1', password: pw },
        { username: 'gw-2', role: 'gateway', site: 's1', gateway: 'gw-1', password: pw }, // same gateway twice
        { username: 'device', role: 'gateway', site: 's1', password: pw }, // reserved gateway ID
        { username: 'gw-1', role: 'backend', password: pw }, // duplicate username
      ],
    });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors).toHaveLength(6);
    expect(parseUsers('users: [', 'u.yaml').ok).toBe(false);
  });

  it('saves atomically and loads back; upsert replaces by username', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tp-users-'));
    dirs.push(dir);
    const pw = await hashPassword('secret-secret', FAST);
    for (const name of ['users.yaml', 'users.json']) {
      const path = join(dir, name);
      let users = upsertUser([], { username: 'gw-a', role: 'gateway', site: 's1', gateway: 'gw-a', password: pw });
      users = upsertUser(users, { username: 'gw-a', role: 'gateway', site: 's2', gateway: 'gw-a', password: pw });
      saveUsers(path, users);
      expect(loadUsers(path)).toEqual([{ username: 'gw-a', role: 'gateway', site: 's2', gateway: 'gw-a', password: pw }]);
    }
  });
});
