/**
 * `provision gateway`: the bundle loads as `gateway run` will load it, the spot's fresh EID identity
 * and the gateway are in the site registry the backend reads (comments and references kept), the
 * broker's users file accepts the generated password, and taken IDs are refused without a trace.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadSiteRegistry } from '../../config/index.js';
import { loadGateway } from '../../config/load.js';
import { hashPassword, loadUsers, saveUsers, verifyPassword } from '../../broker/users.js';
import type { BundleSummary } from '../../provision/bundle.js';
import { runCommands } from '../../provision/test-support.js';
import { registerBeacon } from './beacon.js';
import { registerProvision } from './provision.js';

const EXAMPLES = new URL('../../../examples/', import.meta.url);
const TEST_CA = new URL('../../publish/test-support/tls/ca.crt', import.meta.url);

/** Counting bytes instead of randomness: every key below is predictable. */
function counterRandom(): (n: number) => Uint8Array {
  let next = 1;
  return (n) => Uint8Array.from({ length: n }, () => next++ & 0xff);
}

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tp-provision-'));
  copyFileSync(new URL('site-registry.yaml', EXAMPLES), join(dir, 'site-registry.yaml'));
  copyFileSync(new URL('secrets.example.yaml', EXAMPLES), join(dir, 'site-secrets.yaml'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const provision = (args: string[], random = counterRandom()) =>
  runCommands([(p, io) => registerProvision(p, io, { randomBytes: random, nowMs: () => 1_739_530_800_000, hashPassword: cheapHash })], ['provision', 'gateway', ...args]);

/** The production cost (users.ts DEFAULT_SCRYPT_COST) takes ~1 s on a busy CI core; the format is the same. */
const cheapHash = (password: string) => hashPassword(password, { N: 1024, r: 8, p: 1 });

const base = () => [
  '--site', 'store-12', '--gateway', 'gw-store12-c', '--spot', 'endcap-9', '--broker', 'mqtts://broker.store-12.example:8883',
  '--registry', join(dir, 'site-registry.yaml'), '--secrets', join(dir, 'site-secrets.yaml'), '--users', join(dir, 'users.yaml'),
  '--out', join(dir, 'bundle'), '--no-app',
];

describe('touchpoint provision gateway', () => {
  it('writes a bundle that loads like `gateway run` loads it, with the secrets only in secrets.yaml (mode 600)', async () => {
    const r = await provision([...base(), '--ca', TEST_CA.pathname, '--frames', 'eddystone-eid,ibeacon']);
    expect(r.code, r.err.join('\n')).toBe(0);
    const summary = r.json[0] as BundleSummary;
    const b = join(dir, 'bundle');
    expect(summary).toMatchObject({ bundle: b, siteId: 'store-12', gatewayId: 'gw-store12-c', spot: 'endcap-9', broker: { auth: 'password', username: 'gw-store12-c' } });
    expect(summary.beaconIds[0]).toBe('eid:store-12.endcap-9');
    expect(summary.beaconIds[1]).toMatch(/^ibeacon:/);
    expect(readdirSync(b).sort()).toEqual(['SHA256SUMS', 'broker-user.yaml', 'ca.pem', 'gateway.yaml', 'install-pi.sh', 'secrets.yaml', 'site-registry.yaml', 'touchpoint-gateway.service', 'udev'].sort());
    expect(statSync(b).mode & 0o777).toBe(0o700);
    expect(statSync(join(b, 'secrets.yaml')).mode & 0o777).toBe(0o600);
    expect(statSync(join(b, 'install-pi.sh')).mode & 0o111).not.toBe(0);

    const g = loadGateway(join(b, 'gateway.yaml'), { env: {} });
    expect(g.ok && g.warnings).toEqual([]);
    if (!g.ok) throw new Error(JSON.stringify(g.errors));
    expect(g.config.gateway).toMatchObject({ id: 'gw-store12-c', siteId: 'store-12', spot: 'endcap-9', dataDir: '/var/lib/touchpoint' });
    expect(g.config.broker).toMatchObject({ url: 'mqtts://broker.store-12.example:8883', username: 'gw-store12-c', ca: join(b, 'ca.pem') });
    expect(g.config.sensors).toMatchObject({ radar: { path: '/dev/touchpoint-radar0' }, touch: { path: '/dev/touchpoint-touch0' } });
    expect(g.sensorId).toBe('eid:store-12.endcap-9');
    // counting bytes: the identity key is the first 16 drawn; the EID frame carries it by reference
    const key = '0102030405060708090a0b0c0d0e0f10';
    expect(g.index.beacon('eid:store-12.endcap-9')?.eid?.identityKey).toBe(key);
    expect(g.config.radio.advertise?.frames.map((f) => f.type)).toEqual(['eddystone-eid', 'ibeacon']);
    // the other EID beacons of the site resolve too: their ${SECRET:…} keys came from --secrets
    expect(g.index.beacon('eid:case-7')?.eid?.identityKey).toBe('0102030405060708090a111213141516');
    const configText = readFileSync(join(b, 'gateway.yaml'), 'utf8') + readFileSync(join(b, 'site-registry.yaml'), 'utf8');
    expect(configText).not.toContain(key);
    expect(configText).not.toContain('0102030405060708090a111213141516');

    // the broker: the users file holds a scrypt hash that accepts the password in secrets.yaml
    const secrets = YAML.parse(readFileSync(join(b, 'secrets.yaml'), 'utf8')) as Record<string, string>;
    expect(secrets['broker-password']).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const [user] = loadUsers(join(dir, 'users.yaml'));
    expect(user).toMatchObject({ username: 'gw-store12-c', role: 'gateway', site: 'store-12', gateway: 'gw-store12-c' });
    expect(await verifyPassword(secrets['broker-password'], user!.password)).toBe(true);
    expect(await verifyPassword('wrong', user!.password)).toBe(false);
    expect(statSync(join(dir, 'users.yaml')).mode & 0o777).toBe(0o600);

    // every file is in SHA256SUMS and matches
    expect(spawnSync('sha256sum', ['--quiet', '--strict', '-c', 'SHA256SUMS'], { cwd: b }).status).toBe(0);
    expect(readFileSync(join(b, 'SHA256SUMS'), 'utf8')).toContain('  udev/99-touchpoint.rules\n');
  });

  it("adds the gateway and the spot's EID beacon to the site registry, keeping its comments and references", async () => {
    const before = readFileSync(join(dir, 'site-registry.yaml'), 'utf8');
    const r = await provision(base());
    expect(r.code, r.err.join('\n')).toBe(0);
    const after = readFileSync(join(dir, 'site-registry.yaml'), 'utf8');
    expect(after).toContain('# Site registry (protocol/registry)');
    expect(after).toContain('identityKey: ${SECRET:case-7-ik}');
    expect(statSync(join(dir, 'site-registry.yaml')).mode & 0o777).toBe(0o600);
    const reg = loadSiteRegistry(join(dir, 'site-registry.yaml'), { secrets: YAML.parse(readFileSync(join(dir, 'site-secrets.yaml'), 'utf8')) as Record<string, string> });
    if (!reg.ok) throw new Error(JSON.stringify(reg.errors));
    const mine = reg.registry.beacons.find((x) => x.beaconId === 'eid:store-12.endcap-9');
    expect(mine).toMatchObject({ spot: 'endcap-9', eid: { identityKey: '0102030405060708090a0b0c0d0e0f10', exponent: 10, beaconSecondsAt: 0, wallMsAt: 1_739_530_800_000 } });
    expect(reg.registry.gateways).toContainEqual({ gatewayId: 'gw-store12-c', spot: 'endcap-9' });
    expect(reg.registry.beacons.length).toBe((YAML.parse(before) as { beacons: unknown[] }).beacons.length + 1);
  });

  it('refuses a gateway ID the registry or the users file already has, and a spot that has its EID beacon; nothing is written', async () => {
    const registry = join(dir, 'site-registry.yaml');
    const untouched = () => {
      expect(existsSync(join(dir, 'bundle'))).toBe(false);
      expect(readdirSync(dir).filter((f) => f.includes('partial'))).toEqual([]);
    };
    const before = readFileSync(registry, 'utf8');
    const inRegistry = await provision(base().map((a) => (a === 'gw-store12-c' ? 'gw-store12-a' : a)));
    expect(inRegistry.code).toBe(2);
    expect(inRegistry.err.join('\n')).toMatch(/gateway gw-store12-a is already in the site registry .* \(at spot endcap-3\)/);
    expect(readFileSync(registry, 'utf8')).toBe(before);
    expect(existsSync(join(dir, 'users.yaml'))).toBe(false);
    untouched();

    saveUsers(join(dir, 'users.yaml'), [{ username: 'gw-store12-c', role: 'backend', password: await cheapHash('x') }]);
    const inUsers = await provision(base());
    expect(inUsers.code).toBe(2);
    expect(inUsers.err.join('\n')).toMatch(/already has a login named gw-store12-c/);
    expect(readFileSync(registry, 'utf8')).toBe(before);
    untouched();
    rmSync(join(dir, 'users.yaml'));

    expect((await provision(base())).code).toBe(0);
    rmSync(join(dir, 'bundle'), { recursive: true });
    const after = readFileSync(registry, 'utf8');
    const sameSpot = await provision(base().map((a) => (a === 'gw-store12-c' ? 'gw-store12-d' : a)));
    expect(sameSpot.code).toBe(2);
    expect(sameSpot.err.join('\n')).toMatch(/eid:store-12.endcap-9 is already in the registry \(one EID beacon per spot name\)/);
    expect(readFileSync(registry, 'utf8')).toBe(after);
    expect(loadUsers(join(dir, 'users.yaml')).map((u) => u.username)).toEqual(['gw-store12-c']);
    untouched();

    const foreign = await provision(base().map((a) => (a === 'store-12' ? 'store-99' : a)));
    expect(foreign.code).toBe(2);
    expect(foreign.err.join('\n')).toMatch(/is for site store-12, not store-99/);
    untouched();
  });

  it('refuses an existing bundle folder, bad IDs, a bad broker URL and a registry reference it cannot resolve', async () => {
    mkdirSync(join(dir, 'bundle'));
    writeFileSync(join(dir, 'bundle', 'x'), '');
    expect((await provision(base())).err.join('\n')).toMatch(/exists and is not empty/);
    rmSync(join(dir, 'bundle'), { recursive: true });
    expect((await provision(base().map((a) => (a === 'gw-store12-c' ? 'config' : a)))).code).toBe(2);
    expect((await provision(base().map((a) => (a === 'endcap-9' ? 'end cap' : a)))).code).toBe(2);
    expect((await provision(base().map((a) => (a.startsWith('mqtts:') ? 'http://x' : a)))).code).toBe(2);
    expect((await provision([...base(), '--frames', 'ibeacon'])).code).toBe(2);
    const noSecrets = base().filter((a, i, all) => a !== '--secrets' && all[i - 1] !== '--secrets');
    const r = await provision(noSecrets);
    expect(r.code).toBe(2);
    expect(r.err.join('\n')).toMatch(/case-7-ik.*--secrets/);
    expect(existsSync(join(dir, 'bundle'))).toBe(false);
  });

  it('--cert-request: a P-256 key (mode 600) and a CSR for CN=<gateway>, O=<site>; no password anywhere', async () => {
    const r = await provision([...base(), '--cert-request', '--no-radar', '--touch', '/dev/ttyACM0']);
    expect(r.code, r.err.join('\n')).toBe(0);
    const b = join(dir, 'bundle');
    expect(statSync(join(b, 'client.key')).mode & 0o777).toBe(0o600);
    const subject = execFileSync('openssl', ['req', '-in', join(b, 'client.csr'), '-noout', '-subject', '-verify'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(subject).toMatch(/O\s*=\s*store-12, CN\s*=\s*gw-store12-c/);
    const g = loadGateway(join(b, 'gateway.yaml'), { env: {} });
    if (!g.ok) throw new Error(JSON.stringify(g.errors));
    expect(g.config.broker).toMatchObject({ cert: join(b, 'client.crt'), key: join(b, 'client.key') });
    expect(g.config.broker.password).toBeUndefined();
    expect(g.config.sensors).toEqual({ touch: { path: '/dev/ttyACM0', baudRate: 115200, channels: {} } });
    expect(existsSync(join(b, 'broker-user.yaml'))).toBe(false);
    expect(existsSync(join(dir, 'users.yaml'))).toBe(false);
    expect((r.json[0] as BundleSummary).next[0]).toMatch(/client\.csr signed/);
  });

  it('includes the built package for npm ci on the Pi, without the build scripts that need TypeScript', async () => {
    const app = join(dir, 'app-src');
    mkdirSync(join(app, 'dist', 'gateway', 'cli'), { recursive: true });
    writeFileSync(join(app, 'dist', 'gateway', 'cli', 'main.js'), 'console.log(1)\n');
    writeFileSync(join(app, 'dist', 'gateway', 'cli', 'main.js.map'), '{}');
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'touchpoint', scripts: { prepare: 'tsc', test: 'vitest run' } }));
    writeFileSync(join(app, 'package-lock.json'), '{"lockfileVersion":3}');
    const r = await provision([...base().filter((a) => a !== '--no-app'), '--app', app]);
    expect(r.code, r.err.join('\n')).toBe(0);
    const b = join(dir, 'bundle');
    expect(JSON.parse(readFileSync(join(b, 'app', 'package.json'), 'utf8'))).toEqual({ name: 'touchpoint', scripts: { test: 'vitest run' } });
    expect(existsSync(join(b, 'app', 'dist', 'gateway', 'cli', 'main.js'))).toBe(true);
    expect(existsSync(join(b, 'app', 'dist', 'gateway', 'cli', 'main.js.map'))).toBe(false);
    expect(readFileSync(join(b, 'SHA256SUMS'), 'utf8')).toMatch(/ {2}app\/package-lock\.json\n/);
    const noBuild = await provision([...base().filter((a) => a !== '--no-app').map((a) => (a === join(dir, 'bundle') ? join(dir, 'b2') : a === 'gw-store12-c' ? 'gw-x' : a === 'endcap-9' ? 'endcap-x' : a)), '--app', dir]);
    expect(noBuild.code).toBe(2);
    expect(noBuild.err.join('\n')).toMatch(/npm run build first/);
  });

  it('shares the provision parent with `provision beacon`, in either registration order', async () => {
    const r = await runCommands([registerBeacon, registerProvision], ['provision', '--help']);
    const s = await runCommands([registerProvision, registerBeacon], ['provision', '--help']);
    for (const x of [r, s]) expect(x.out.join('\n')).toMatch(/beacon[\s\S]*gateway|gateway[\s\S]*beacon/);
  });
});
