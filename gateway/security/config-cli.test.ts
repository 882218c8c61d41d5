/**
 * The signing key in the gateway config (gateway.signingKey) and `touchpoint keys`, through the
 * real program (cli()): the key is read from the secrets file, never printed by `config show` or
 * `config validate`, masked in logs, and a malformed one is refused without echoing it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cli } from '../cli/test-support.js';
import { loadConfig } from '../config/index.js';
import { configSecretValues } from '../log/index.js';
import { formatSigningKey, parseSigningKey } from './keys.js';

const KEY = formatSigningKey({ keyId: 'gw-1.k1', key: new Uint8Array(32).fill(0x5a) });
const KEY_MATERIAL = KEY.slice('gw-1.k1:'.length);

let dir = '';
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'tp-signing-config-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(signingKey: string, secret = KEY): string {
  writeFileSync(join(dir, 'secrets.yaml'), `signing-key: "${secret}"\n`, { mode: 0o600 });
  const path = join(dir, 'gateway.yaml');
  writeFileSync(path, `gateway: { id: gw-1, siteId: store-12, spot: endcap-3, signingKey: "${signingKey}" }\nsecretsFile: secrets.yaml\n`);
  return path;
}

describe('gateway.signingKey', () => {
  it('comes from the secrets file; config show redacts it, config validate does not print it, logs mask it', async () => {
    const path = write('${SECRET:signing-key}');
    const r = loadConfig(path);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.warnings).toEqual([]);
    expect(r.config.gateway.signingKey).toBe(KEY);
    expect(configSecretValues(r.config, r.hidden)).toContain(KEY);

    const show = await cli('config', 'show', path);
    expect(show.code).toBe(0);
    expect((show.json[0] as { gateway: { signingKey: string } }).gateway.signingKey).toBe('<redacted>');
    const validate = await cli('config', 'validate', '--no-registry', path);
    expect(validate.code).toBe(0);
    for (const x of [show, validate]) expect([...x.out, ...x.err].join('\n')).not.toContain(KEY_MATERIAL);
  });

  it('a key written inline works but is warned about; a malformed key is refused without echoing it', async () => {
    const inline = await cli('config', 'validate', '--no-registry', write(KEY));
    expect(inline.code).toBe(0);
    expect(inline.err.join('\n')).toMatch(/gateway\.signingKey: warning: secret written inline/);
    expect(inline.err.join('\n')).not.toContain(KEY_MATERIAL);

    for (const bad of [KEY.slice(0, -3), KEY.replace(':', '#'), KEY.replace('gw-1', 'gw 1'), `${KEY}AAAA`]) {
      const r = await cli('config', 'validate', '--no-registry', write('${SECRET:signing-key}', bad));
      expect(r.code, bad).toBe(2);
      const all = [...r.out, ...r.err].join('\n');
      expect(all).toMatch(/gateway\.signingKey: /);
      expect(all).not.toContain(bad.slice(10, 40));
    }
  });
});

describe('touchpoint keys (wired into the program)', () => {
  it('keys new prints a key the gateway config accepts; bad gateway IDs exit 2', async () => {
    const r = await cli('keys', 'new', 'gw-1');
    expect(r.code).toBe(0);
    const line = r.json[0] as { keyId: string; gatewayId: string; signingKey: string };
    expect(line).toMatchObject({ keyId: 'gw-1.k1', gatewayId: 'gw-1' });
    expect(parseSigningKey(line.signingKey).ok).toBe(true);
    const again = await cli('keys', 'new', 'gw-1');
    expect((again.json[0] as { signingKey: string }).signingKey).not.toBe(line.signingKey);
    const loaded = loadConfig(write('${SECRET:signing-key}', line.signingKey));
    expect(loaded.ok).toBe(true);

    const bad = await cli('keys', 'new', 'device');
    expect(bad.code).toBe(2);
    expect(bad.err.join('\n')).toMatch(/gateway ID "device"/);
    expect((await cli('keys', '--help')).out.join('\n')).toMatch(/site-secret[\s\S]*derive/);
  });
});
