/**
 * `provision gateway` and signing keys: a fresh per-gateway key from the random source into the
 * bundle's secrets.yaml (referenced by the config, never written into it), the backend's copy in
 * the keyring file (--keyring), and nowhere a gateway of the site reads.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashPassword } from '../broker/users.js';
import { registerProvision } from '../cli/commands/provision.js';
import { loadGateway } from '../config/load.js';
import { formatSigningKey } from '../security/keys.js';
import { loadKeyringFile } from '../security/keyring-file.js';
import type { BundleSummary } from './bundle.js';
import { runCommands } from './test-support.js';

const EXAMPLES = new URL('../../examples/', import.meta.url);

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tp-provision-signing-'));
  copyFileSync(new URL('site-registry.yaml', EXAMPLES), join(dir, 'site-registry.yaml'));
  copyFileSync(new URL('secrets.example.yaml', EXAMPLES), join(dir, 'site-secrets.yaml'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Counting bytes instead of randomness: the keys below are predictable. */
function counterRandom(): (n: number) => Uint8Array {
  let next = 1;
  return (n) => Uint8Array.from({ length: n }, () => next++ & 0xff);
}

const cheapHash = (password: string) => hashPassword(password, { N: 1024, r: 8, p: 1 });
const provision = (args: string[], random: (n: number) => Uint8Array = counterRandom()) =>
  runCommands([(p, io) => registerProvision(p, io, { randomBytes: random, nowMs: () => 1_739_530_800_000, hashPassword: cheapHash })], ['provision', 'gateway', ...args]);

const args = (gateway: string, spot: string, extra: string[] = []) => [
  '--site', 'store-12', '--gateway', gateway, '--spot', spot, '--broker', 'mqtts://broker.store-12.example:8883',
  '--registry', join(dir, 'site-registry.yaml'), '--secrets', join(dir, 'site-secrets.yaml'),
  '--out', join(dir, `bundle-${gateway}`), '--no-app', ...extra,
];

const bundleSecrets = (gateway: string) => YAML.parse(readFileSync(join(dir, `bundle-${gateway}`, 'secrets.yaml'), 'utf8')) as Record<string, string>;

describe('provision gateway: signing key', () => {
  it('draws the key after the other secrets, keeps it in secrets.yaml only, and the config signs with it', async () => {
    const r = await provision(args('gw-store12-c', 'endcap-9'));
    expect(r.code, r.err.join('\n')).toBe(0);
    const summary = r.json[0] as BundleSummary;
    expect(summary.signing).toEqual({ keyId: 'gw-store12-c.k1', keyring: null });
    expect(summary.next.join('\n')).toMatch(/add the gateway's key to the backend's keyring: \{ siteId: store-12, gatewayId: gw-store12-c, signingKey: <signing-key from .*secrets\.yaml> \}/);
    // counting bytes: 16 for the identity key, 8 for the spot's IDs, 24 for the broker password, then the 32 of the signing key
    const expected = formatSigningKey({ keyId: 'gw-store12-c.k1', key: Uint8Array.from({ length: 32 }, (_, i) => 16 + 8 + 24 + 1 + i) });
    expect(bundleSecrets('gw-store12-c')['signing-key']).toBe(expected);
    const b = join(dir, 'bundle-gw-store12-c');
    expect(readFileSync(join(b, 'gateway.yaml'), 'utf8')).toContain('signingKey: ${SECRET:signing-key}');
    const g = loadGateway(join(b, 'gateway.yaml'), { env: {} });
    expect(g.ok && g.warnings).toEqual([]);
    expect(g.ok && g.config.gateway.signingKey).toBe(expected);
    const material = expected.split(':')[1]!;
    for (const f of ['gateway.yaml', 'site-registry.yaml', 'SHA256SUMS', 'broker-user.yaml']) expect(readFileSync(join(b, f), 'utf8')).not.toContain(material);
    expect(readFileSync(join(dir, 'site-registry.yaml'), 'utf8')).not.toContain(material);
    expect(JSON.stringify(r.json)).not.toContain(material);
  });

  it('--keyring: creates the backend keyring (mode 600) and appends each gateway; the same gateway twice is refused with nothing written', async () => {
    const keyring = join(dir, 'backend-keyring.yaml');
    const c = await provision(args('gw-store12-c', 'endcap-9', ['--keyring', keyring]));
    expect(c.code, c.err.join('\n')).toBe(0);
    expect((c.json[0] as BundleSummary).signing).toEqual({ keyId: 'gw-store12-c.k1', keyring });
    expect((c.json[0] as BundleSummary).next.join('\n')).not.toMatch(/keyring/);
    expect(statSync(keyring).mode & 0o777).toBe(0o600);
    // the real CSPRNG this time: two gateways, two unrelated keys
    const d = await provision(args('gw-store12-d', 'endcap-10', ['--keyring', keyring]), (n) => Uint8Array.from(globalThis.crypto.getRandomValues(new Uint8Array(n))));
    expect(d.code, d.err.join('\n')).toBe(0);
    const k = loadKeyringFile(keyring);
    if (!k.ok) throw new Error(k.errors.join('\n'));
    expect(k.warnings).toEqual([]);
    expect(k.entries.map((e) => [e.siteId, e.gatewayId, formatSigningKey(e)])).toEqual([
      ['store-12', 'gw-store12-c', bundleSecrets('gw-store12-c')['signing-key']],
      ['store-12', 'gw-store12-d', bundleSecrets('gw-store12-d')['signing-key']],
    ]);
    expect(bundleSecrets('gw-store12-c')['signing-key']).not.toBe(bundleSecrets('gw-store12-d')['signing-key']);

    // A keyring that already has this gateway: refused before the registry or the bundle are touched.
    writeFileSync(keyring, readFileSync(keyring, 'utf8').replace(/gw-store12-d\b/g, 'gw-store12-e'));
    const registryBefore = readFileSync(join(dir, 'site-registry.yaml'), 'utf8');
    const e = await provision(args('gw-store12-e', 'endcap-11', ['--keyring', keyring]));
    expect(e.code).toBe(2);
    expect(e.err.join('\n')).toMatch(/already has a key for gateway gw-store12-e at site store-12/);
    expect(readFileSync(join(dir, 'site-registry.yaml'), 'utf8')).toBe(registryBefore);
    expect(existsSync(join(dir, 'bundle-gw-store12-e'))).toBe(false);

    // A keyring that does not parse: refused, and its content is not echoed.
    writeFileSync(keyring, `keys:\n  - { siteId: store-12, gatewayId: gw-x, signingKey: "gw-x.k1:${'A'.repeat(40)}" }\n`);
    const f = await provision(args('gw-store12-f', 'endcap-12', ['--keyring', keyring]));
    expect(f.code).toBe(2);
    expect(f.err.join('\n')).toMatch(/--keyring .*keys\[0\]\.signingKey/);
    expect(f.err.join('\n')).not.toContain('A'.repeat(40));
  });
});
