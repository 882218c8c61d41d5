/** The backend's keyring file: written by provisioning, read by the backend, never echoing a key. */
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatSigningKey, type SigningKey } from './keys.js';
import { addToKeyringFile, keyringLookup, KeyringFileError, loadKeyringFile, parseKeyringText, watchKeyringFile } from './keyring-file.js';

const key = (keyId: string, fill: number): SigningKey => ({ keyId, key: new Uint8Array(32).fill(fill) });
const A = key('gw-a.k1', 0xa1);
const B = key('gw-b.k1', 0xb2);

let dir = '';
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'tp-keyring-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('keyring file', () => {
  it('addToKeyringFile creates it (mode 600, block style, a header), appends, and keeps comments', () => {
    const path = join(dir, 'keyring.yaml');
    addToKeyringFile(path, { siteId: 's1', gatewayId: 'gw-a', ...A });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    writeFileSync(path, readFileSync(path, 'utf8') + '# rotated 2026-01, see ticket 12\n');
    addToKeyringFile(path, { siteId: 's1', gatewayId: 'gw-b', ...B });
    const text = readFileSync(path, 'utf8');
    expect(text).toMatch(/^# Touchpoint backend keyring/);
    expect(text).toContain('# rotated 2026-01, see ticket 12');
    expect(text).toContain(`  - siteId: s1\n    gatewayId: gw-a\n    signingKey: ${formatSigningKey(A)}\n`);
    const r = loadKeyringFile(path);
    expect(r).toEqual({ ok: true, warnings: [], entries: [{ siteId: 's1', gatewayId: 'gw-a', ...A }, { siteId: 's1', gatewayId: 'gw-b', ...B }] });
  });

  it('refuses a second key for the same gateway of a site, or a taken key ID; the same gateway ID at another site is fine', () => {
    const path = join(dir, 'keyring.yaml');
    addToKeyringFile(path, { siteId: 's1', gatewayId: 'gw-a', ...A });
    expect(() => addToKeyringFile(path, { siteId: 's1', gatewayId: 'gw-a', ...key('gw-a.k2', 1) })).toThrow(/already has a key for gateway gw-a at site s1 \(key ID gw-a\.k1\)/);
    expect(() => addToKeyringFile(path, { siteId: 's1', gatewayId: 'gw-c', ...key('gw-a.k1', 2) })).toThrow(KeyringFileError);
    addToKeyringFile(path, { siteId: 's2', gatewayId: 'gw-a', ...key('gw-a.k1', 3) });
    const r = loadKeyringFile(path);
    expect(r.ok && r.entries.map((e) => `${e.siteId}/${e.gatewayId}`)).toEqual(['s1/gw-a', 's2/gw-a']);
  });

  it('the lookup is by site and key ID: gw-a of site s2 cannot use the key of gw-a at s1', () => {
    const lookup = keyringLookup([{ siteId: 's1', gatewayId: 'gw-a', ...A }]);
    expect(lookup('gw-a.k1', { siteId: 's1', gatewayId: 'gw-a' })).toEqual({ keyId: 'gw-a.k1', gatewayId: 'gw-a', key: A.key });
    expect(lookup('gw-a.k1', { siteId: 's2', gatewayId: 'gw-a' })).toBeUndefined();
    expect(lookup('gw-b.k1', { siteId: 's1', gatewayId: 'gw-b' })).toBeUndefined();
  });

  it('problems name the entry and field, never the key text; a YAML error gives its position only', () => {
    const secret = formatSigningKey(A);
    const cases: [string, RegExp][] = [
      [`keys:\n  - { siteId: s1, gatewayId: gw-a, signingKey: "${secret.slice(0, -2)}" }\n`, /keys\[0\]\.signingKey: key gw-a\.k1: \d+ bytes, expected 32|not base64url/],
      [`keys:\n  - { siteId: s1, gatewayId: gw-a, signingKey: "${secret.replace(':', '')}" }\n`, /keys\[0\]\.signingKey: signing key must be <keyId>:<base64url key>/],
      [`keys:\n  - { siteId: s1, gatewayId: device, signingKey: "${secret}" }\n`, /keys\[0\]\.gatewayId/],
      [`keys:\n  - { siteId: s1, gatewayId: gw-a, signingKey: "${secret}", key: "${secret}" }\n`, /keys\[0\]: unknown key key/],
      [`keys:\n  - { siteId: s1, gatewayId: gw-a, signingKey: "${secret}" }\n  - { siteId: s1, gatewayId: gw-b, signingKey: "${secret}" }\n`, /keys\[1\]\.signingKey: key ID gw-a\.k1 is listed twice for site s1/],
      [`keys:\n  - { siteId: s1, gatewayId: gw-a, signingKey: "${secret}"\n`, /k\.yaml:\d+:\d+ YAML: /],
      [`keys: { a: 1 }\n`, /expected \{ keys: \[/],
    ];
    for (const [text, message] of cases) {
      const r = parseKeyringText(text, 'k.yaml');
      expect(r.ok, text).toBe(false);
      const all = r.ok ? '' : r.errors.join('\n');
      expect(all).toMatch(message);
      expect(all).not.toContain(secret.slice(8, 30));
    }
    expect(parseKeyringText('', 'k.yaml')).toEqual({ ok: true, entries: [] });
  });

  it('warns when others can read the file', () => {
    const path = join(dir, 'keyring.yaml');
    writeFileSync(path, `keys:\n  - { siteId: s1, gatewayId: gw-a, signingKey: "${formatSigningKey(A)}" }\n`, { mode: 0o644 });
    const r = loadKeyringFile(path);
    expect(r.ok && r.warnings).toEqual([`${path}: readable by group or others; chmod 600`]);
    expect(loadKeyringFile(join(dir, 'missing.yaml'))).toEqual({ ok: false, errors: [`${join(dir, 'missing.yaml')}: cannot read (ENOENT)`] });
  });

  it('watchKeyringFile: a gateway added while the backend runs is found on its first message; a broken file keeps the old keys', () => {
    const path = join(dir, 'keyring.yaml');
    addToKeyringFile(path, { siteId: 's1', gatewayId: 'gw-a', ...A });
    let t = 0;
    const errors: string[][] = [];
    const r = loadKeyringFile(path);
    const w = watchKeyringFile(path, r.ok ? r.entries : [], { now: () => t, recheckMs: 1000, onError: (e) => errors.push(e) });
    const claimB = { siteId: 's1', gatewayId: 'gw-b' };
    addToKeyringFile(path, { siteId: 's1', gatewayId: 'gw-b', ...B });
    expect(w.lookup('gw-b.k1', claimB)).toBeUndefined(); // checked at most once per recheckMs
    t = 1000;
    expect(w.lookup('gw-b.k1', claimB)?.gatewayId).toBe('gw-b');
    expect(w.size()).toBe(2);

    writeFileSync(path, 'keys: [');
    utimesSync(path, new Date(), new Date(Date.now() + 5000));
    t = 3000;
    expect(w.lookup('gw-x.k1', { siteId: 's1', gatewayId: 'gw-x' })).toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(w.lookup('gw-a.k1', { siteId: 's1', gatewayId: 'gw-a' })?.gatewayId).toBe('gw-a');
  });
});
