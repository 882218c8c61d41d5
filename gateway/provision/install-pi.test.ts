/**
 * scripts/install-pi.sh on this machine: shellcheck-clean, `--dry-run` prints every change with its
 * commands and writes nothing, a real run under TOUCHPOINT_ROOT installs everything there, and a second
 * run changes nothing. The system tools it calls (useradd, systemctl, raspi-config, npm …) are
 * stand-ins first on PATH that keep their state in the test's folder and log every call, so the test
 * can tell which calls would have changed the system. systemd-analyze is the real one.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../broker/users.js';
import { provisionGateway } from './bundle.js';

const SCRIPT = new URL('../../scripts/install-pi.sh', import.meta.url).pathname;
const EXAMPLES = new URL('../../examples/', import.meta.url).pathname;

let dir = '';
let shims = '';
let bundle = '';

/** Which stand-in calls change the system (the rest only read). */
const MUTATING = /^(useradd|usermod|groupadd|npm|chown|udevadm|raspi-config nonint do_|systemctl (?!is-))/;

/** Stand-in for every system tool install-pi.sh calls (state and call log under $TP_STATE). */
const STANDIN = new URL('./test-support/standin.sh', import.meta.url).pathname;

function run(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync('bash', [SCRIPT, ...args], {
    encoding: 'utf8',
    env: { PATH: `${shims}:${process.env.PATH}`, TP_STATE: join(dir, 'state'), TP_REAL_NODE: process.execPath, HOME: dir, ...env },
  });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

const calls = () => readFileSync(join(dir, 'state', 'calls.log'), 'utf8').trim().split('\n');
const mutating = (list: string[]) => list.filter((c) => MUTATING.test(c));

/** Every file under a folder, relative, with symlinks as "-> target". */
function tree(root: string): string[] {
  if (!existsSync(root)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      const s = lstatSync(p);
      if (s.isSymbolicLink()) out.push(`${p.slice(root.length)} -> ${readlinkSync(p)}`);
      else if (s.isDirectory()) walk(p);
      else out.push(p.slice(root.length));
    }
  };
  walk(root);
  return out.sort();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tp-install-'));
  shims = join(dir, 'bin');
  mkdirSync(shims);
  mkdirSync(join(dir, 'state'));
  writeFileSync(join(dir, 'state', 'groups'), 'dialout\n');
  const standin = join(dir, 'standin');
  writeFileSync(standin, readFileSync(STANDIN));
  chmodSync(standin, 0o755);
  for (const tool of ['node', 'npm', 'uname', 'getent', 'useradd', 'groupadd', 'usermod', 'id', 'chown', 'stat', 'systemctl', 'raspi-config', 'udevadm']) {
    spawnSync('ln', ['-s', standin, join(shims, tool)]);
  }
  // a small built "package": install-pi.sh copies it and runs npm ci (a stand-in here)
  const app = join(dir, 'app-src');
  mkdirSync(join(app, 'dist', 'gateway', 'cli'), { recursive: true });
  writeFileSync(join(app, 'dist', 'gateway', 'cli', 'main.js'), 'console.log("touchpoint")\n');
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'touchpoint', version: '0.1.0' }));
  writeFileSync(join(app, 'package-lock.json'), '{"lockfileVersion":3}');
  writeFileSync(join(dir, 'registry.yaml'), readFileSync(join(EXAMPLES, 'site-registry.yaml')));
  bundle = join(dir, 'bundle');
  await provisionGateway(
    {
      site: 'store-12', gateway: 'gw-store12-c', spot: 'endcap-9', broker: 'mqtt://10.0.0.5:1883', registry: join(dir, 'registry.yaml'),
      secrets: join(EXAMPLES, 'secrets.example.yaml'), out: bundle, app, radar: '/dev/ttyAMA0', nodePath: join(shims, 'node'),
    },
    { hashPassword: (p) => hashPassword(p, { N: 1024, r: 8, p: 1 }) },
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('scripts/install-pi.sh', () => {
  it('is shellcheck-clean (apt-get install shellcheck)', () => {
    const r = spawnSync('shellcheck', ['--severity=style', SCRIPT], { encoding: 'utf8' });
    expect(r.error, 'shellcheck is needed (apt-get install shellcheck)').toBeUndefined();
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('--dry-run prints every change with its commands and writes nothing (root prefix stays empty)', () => {
    const root = join(dir, 'root-dry');
    mkdirSync(join(root, 'etc'), { recursive: true });
    writeFileSync(join(root, 'etc', 'os-release'), 'VERSION_CODENAME=bookworm\n');
    const before = tree(root);
    const r = run([bundle, '--dry-run'], { TOUCHPOINT_ROOT: root });
    expect(r.status, r.err + r.out).toBe(0);
    const would = r.out.split('\n').filter((l) => l.startsWith('would '));
    const expected = [
      /install the package in \/opt\/touchpoint\/releases\/[0-9a-f]{16}/,
      /point \/opt\/touchpoint\/current at/,
      /create system user touchpoint/,
      /create group bluetooth/,
      /add touchpoint to dialout,bluetooth/,
      /create \/etc\/touchpoint/,
      /install \/etc\/touchpoint\/gateway.yaml \(mode 0640, owner root:touchpoint\)/,
      /install \/etc\/touchpoint\/site-registry.yaml/,
      /install \/etc\/touchpoint\/secrets.yaml \(mode 0600, owner touchpoint:touchpoint\)/,
      /install \/etc\/systemd\/system\/touchpoint-gateway.service/,
      /enable touchpoint-gateway.service at boot/,
      /enable the UART/,
      /take the serial console off the UART/,
      /install \/etc\/udev\/rules.d\/99-touchpoint.rules/,
      /stop, disable and mask bluetooth.service/,
      /install \/usr\/local\/bin\/touchpoint$/,
      /install \/usr\/local\/bin\/touchpoint-doctor/,
    ];
    expect(would).toHaveLength(expected.length);
    expected.forEach((re, i) => expect(would[i]).toMatch(re));
    // each change is followed by the exact commands it runs
    for (const cmd of ['npm ci --prefix', 'useradd --system --user-group', 'usermod -aG dialout,bluetooth touchpoint', 'raspi-config nonint do_serial_hw 0', 'systemctl mask bluetooth.service', 'systemctl enable touchpoint-gateway.service']) {
      expect(r.out).toContain(`$ ${cmd}`);
    }
    expect(r.out).toMatch(/ok {6}systemd-analyze verify touchpoint-gateway.service/);
    expect(r.out).toMatch(/done {4}17 changes would be made/);
    expect(tree(root)).toEqual(before);
    expect(mutating(calls())).toEqual([]);
  });

  it('installs under TOUCHPOINT_ROOT; a second run changes nothing', () => {
    const root = join(dir, 'root-real');
    mkdirSync(join(root, 'etc'), { recursive: true });
    writeFileSync(join(root, 'etc', 'os-release'), 'VERSION_CODENAME=bookworm\n');
    const first = run([bundle], { TOUCHPOINT_ROOT: root });
    expect(first.status, first.err + first.out).toBe(0);
    expect(first.out).toMatch(/done {4}\d+ changes/);
    const files = tree(root);
    expect(files).toEqual(
      expect.arrayContaining([
        '/etc/touchpoint/gateway.yaml',
        '/etc/touchpoint/secrets.yaml',
        '/etc/touchpoint/site-registry.yaml',
        '/etc/systemd/system/touchpoint-gateway.service',
        '/etc/udev/rules.d/99-touchpoint.rules',
        '/usr/local/bin/touchpoint',
        '/usr/local/bin/touchpoint-doctor',
        expect.stringMatching(/^\/opt\/touchpoint\/current -> \/opt\/touchpoint\/releases\/[0-9a-f]{16}$/),
        expect.stringMatching(/^\/opt\/touchpoint\/releases\/[0-9a-f]{16}\/dist\/gateway\/cli\/main.js$/),
      ]),
    );
    expect(statSync(join(root, 'etc/touchpoint/secrets.yaml')).mode & 0o777).toBe(0o600);
    expect(statSync(join(root, 'etc/touchpoint/gateway.yaml')).mode & 0o777).toBe(0o640);
    expect(readFileSync(join(root, 'etc/touchpoint/secrets.yaml'), 'utf8')).toBe(readFileSync(join(bundle, 'secrets.yaml'), 'utf8'));
    const unit = readFileSync(join(root, 'etc/systemd/system/touchpoint-gateway.service'), 'utf8');
    expect(unit).toContain(`ExecStart=${join(shims, 'node')} /opt/touchpoint/current/dist/gateway/cli/main.js gateway run --config /etc/touchpoint/gateway.yaml`);
    expect(readFileSync(join(root, 'usr/local/bin/touchpoint-doctor'), 'utf8')).toMatch(/systemd-run .*--uid=touchpoint[\s\S]*AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN[\s\S]*doctor --config \/etc\/touchpoint\/gateway.yaml "\$@"/);
    const firstCalls = calls();
    expect(mutating(firstCalls)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^npm ci --prefix .*\/opt\/touchpoint\/releases\/[0-9a-f]{16} --omit=dev/),
        'useradd --system --user-group --home-dir /var/lib/touchpoint --no-create-home --shell /usr/sbin/nologin touchpoint',
        'groupadd --system bluetooth',
        'usermod -aG dialout,bluetooth touchpoint',
        'systemctl enable touchpoint-gateway.service',
        'raspi-config nonint do_serial_hw 0',
        'raspi-config nonint do_serial_cons 1',
        'systemctl disable --now bluetooth.service',
        'systemctl mask bluetooth.service',
      ]),
    );

    const second = run([bundle], { TOUCHPOINT_ROOT: root });
    expect(second.status, second.err + second.out).toBe(0);
    expect(second.out).toMatch(/done {4}nothing to change/);
    expect(second.out.split('\n').filter((l) => /^(change|would)/.test(l))).toEqual([]);
    expect(mutating(calls().slice(firstCalls.length))).toEqual([]);
    expect(tree(root)).toEqual(files);

    // a file edited on the Pi is put back, and only that
    writeFileSync(join(root, 'etc/touchpoint/gateway.yaml'), 'edited: true\n');
    const third = run([bundle], { TOUCHPOINT_ROOT: root });
    expect(third.out.split('\n').filter((l) => l.startsWith('change'))).toEqual(['change  install /etc/touchpoint/gateway.yaml (mode 0640, owner root:touchpoint)']);
  });

  it('--package installs an npm tarball instead of app/, without the build scripts that need TypeScript', () => {
    const root = join(dir, 'root-tgz');
    const src = join(dir, 'tgz-src', 'package');
    mkdirSync(join(src, 'dist', 'gateway', 'cli'), { recursive: true });
    writeFileSync(join(src, 'dist', 'gateway', 'cli', 'main.js'), 'console.log("packed")\n');
    writeFileSync(join(src, 'package.json'), JSON.stringify({ name: 'touchpoint', version: '0.2.0', scripts: { prepare: 'tsc -p tsconfig.build.json', start: 'node x' } }));
    const tgz = join(dir, 'touchpoint-0.2.0.tgz');
    expect(spawnSync('tar', ['-czf', tgz, '-C', join(dir, 'tgz-src'), 'package']).status).toBe(0);
    const before = calls().length;
    const r = run([bundle, '--package', tgz], { TOUCHPOINT_ROOT: root });
    expect(r.status, r.err + r.out).toBe(0);
    const current = readlinkSync(join(root, 'opt/touchpoint/current'));
    expect(JSON.parse(readFileSync(join(root, current, 'package.json'), 'utf8'))).toEqual({ name: 'touchpoint', version: '0.2.0', scripts: { start: 'node x' } });
    expect(readFileSync(join(root, current, 'dist/gateway/cli/main.js'), 'utf8')).toContain('packed');
    expect(mutating(calls().slice(before))).toContainEqual(`npm install --prefix ${join(root, current)} --omit=dev --no-audit --no-fund`);
    const again = run([bundle, '--package', tgz], { TOUCHPOINT_ROOT: root });
    expect(again.out).toMatch(/done {4}nothing to change/);
  });

  it('refuses a bundle that does not match its SHA256SUMS, old Node, and a missing bundle, each with what to do', () => {
    const root = join(dir, 'root-refuse');
    const tampered = join(dir, 'tampered');
    spawnSync('cp', ['-R', bundle, tampered]);
    writeFileSync(join(tampered, 'gateway.yaml'), readFileSync(join(tampered, 'gateway.yaml'), 'utf8') + '# edited\n');
    const t = run([tampered, '--dry-run'], { TOUCHPOINT_ROOT: root });
    expect(t.status).toBe(1);
    expect(t.err).toMatch(/does not match its SHA256SUMS .* sha256sum -c SHA256SUMS/);

    const old = run([bundle, '--dry-run'], { TOUCHPOINT_ROOT: root, TP_NODE_VERSION: 'v18.19.0' });
    expect(old.status).toBe(1);
    expect(old.err).toMatch(/Node.js v18.19.0 .* needs Node 20 or newer/);

    expect(run([join(dir, 'nope'), '--dry-run']).err).toMatch(/no bundle folder/);
    expect(run(['--bogus']).status).not.toBe(0);
    expect(existsSync(root)).toBe(false);
  });
});
