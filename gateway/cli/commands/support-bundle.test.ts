import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import type { BundleDeps } from '../../health/bundle.js';
import { readTar } from '../../health/tar.js';
import { openOutbox } from '../../publish/outbox.js';
import { sampleEvent } from '../../publish/test-support/fixtures.js';
import { REMOTE_CONFIG_FILE } from '../../remote/persist.js';
import { registerSupportBundle } from './support-bundle.js';

const PASSWORD = 'broker-pw-7d1f0c2a';
const EID_KEY = '5ac1e2d3f4a5b6c7d8e9fa0b1c2d3e4f';
const REMOTE_EID_KEY = '00112233445566778899aabbccddeeff';
const NOW = Date.UTC(2025, 1, 14, 10, 20, 0);

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function gatewayDir(o: { logFile?: boolean; metrics?: boolean } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'tp-bundle-'));
  dirs.push(dir);
  writeFileSync(
    join(dir, 'site-registry.yaml'),
    `v: 1
siteId: store-12
beacons:
  - { beaconId: "ibeacon:f7826da6-4fa2-4e98-8024-bc5b71e0893e:100:1", spot: endcap-3 }
  - beaconId: eid:cart-tag-1
    spot: cart-1
    eid: { identityKey: ${EID_KEY}, exponent: 8, beaconSecondsAt: 0, wallMsAt: 1739530800000 }
`,
  );
  writeFileSync(
    join(dir, 'gateway.yaml'),
    `gateway: { id: gw-a, siteId: store-12, spot: endcap-3, dataDir: data }
broker: { url: "mqtts://broker.example:8883", username: gw-a, passwordEnv: TP_PW }
radio: { kind: sim }
registry: { path: site-registry.yaml }
${o.logFile ? 'log: { file: logs/gateway.log }' : ''}
${o.metrics ? 'metrics: { port: 9464 }' : ''}
`,
  );
  mkdirSync(join(dir, 'data'));
  const outbox = openOutbox({ path: join(dir, 'data', 'outbox.sqlite'), gatewayId: 'gw-a', siteId: 'store-12' });
  for (let i = 0; i < 3; i++) outbox.append(sampleEvent('store-12', 'gw-a', i));
  outbox.deadLetter(outbox.peekSensor(-1, 1)[0]!.id, 'refused by the broker ACL');
  outbox.close();
  writeFileSync(
    join(dir, 'data', REMOTE_CONFIG_FILE),
    JSON.stringify({
      v: 1,
      gateway: {
        revision: 3,
        messageId: '01JM2NZ7A0C2E4G6J8K0M2P4R6',
        timestamp: 1,
        appliedAt: 2,
        settings: { 'pipeline.dwell.thresholdMs': 5000, 'radio.advertise': { frames: [{ type: 'eddystone-eid', identityKey: REMOTE_EID_KEY, exponent: 8, txPower: -20 }] } },
      },
    }),
  );
  if (o.logFile) {
    mkdirSync(join(dir, 'logs'));
    writeFileSync(
      join(dir, 'logs', 'gateway.log'),
      [
        '{"level":"info","time":"2025-02-14T10:00:00.000Z","msg":"connected","gatewayId":"gw-a"}',
        // An old build logged its URL with credentials; the bundle must not ship it.
        `{"level":"warn","msg":"mqtt-error: connect mqtts://gw-a:${PASSWORD}@broker.example:8883 failed"}`,
        `{"level":"debug","msg":"eid key ${EID_KEY}"}`,
        '',
      ].join('\n'),
    );
  }
  return { dir, config: join(dir, 'gateway.yaml') };
}

async function run(args: string[], deps: BundleDeps) {
  const out: string[] = [];
  const err: string[] = [];
  const program = new Command().exitOverride();
  registerSupportBundle(program, { out: (l) => out.push(l), err: (l) => err.push(l) }, { now: () => NOW, env: { TP_PW: PASSWORD }, ...deps });
  await program.parseAsync(['support-bundle', ...args], { from: 'user' });
  return { out, err, json: JSON.parse(out.at(-1)!) as { bundle: string; files: string[]; notes: string[] } };
}

const fakeDoctor: BundleDeps['doctor'] = async (config) => ({
  report: { ok: false, config, checks: [{ id: 'broker', status: 'fail', detail: `mqtts://gw-a:${PASSWORD}@broker.example:8883 refused the password`, remedy: 'check the password' }] },
  lines: ['✓ node 20', `✗ broker mqtts://gw-a:${PASSWORD}@broker.example:8883`],
});

describe('touchpoint support-bundle', () => {
  it('writes one tar.gz with config, versions, logs, doctor and health; tar lists it; no secret is inside', async () => {
    const g = gatewayDir({ logFile: true, metrics: true });
    const archive = join(g.dir, 'support.tar.gz');
    let journalAsked = false;
    const r = await run(['--config', g.config, '--out', archive], {
      doctor: fakeDoctor,
      journal: async () => ((journalAsked = true), 'journal'),
      httpGet: async (url) => (url === 'http://127.0.0.1:9464/metrics' ? 'touchpoint_outbox_depth{class="sensor"} 2\n' : Promise.reject(new Error(url))),
    });
    expect(r.json.bundle).toBe(archive);
    expect(r.json.notes).toEqual([]);
    expect(journalAsked).toBe(false); // a log file is configured

    const listing = execFileSync('tar', ['-tzf', archive], { encoding: 'utf8' }).trim().split('\n');
    expect(listing).toEqual(
      [
        'support/',
        'support/README.txt',
        'support/manifest.json',
        'support/config/effective.json',
        'support/config/issues.txt',
        'support/config/remote.json',
        'support/versions.json',
        'support/logs/gateway.log',
        'support/doctor.json',
        'support/doctor.txt',
        'support/health/outbox.json',
        'support/health/metrics.txt',
      ],
    );
    expect(statSync(archive).mode & 0o777).toBe(0o600);

    const entries = new Map(readTar(readFileSync(archive)).map((e) => [e.name, e.content.toString('utf8')]));
    const file = (n: string) => entries.get(`support/${n}`)!;
    const effective = JSON.parse(file('config/effective.json'));
    expect(effective.broker).toMatchObject({ username: 'gw-a', password: '<redacted>', passwordEnv: 'TP_PW' });
    expect(effective.gateway.id).toBe('gw-a');
    // The registry's inline EID key is warned about, by position, never by value.
    expect(file('config/issues.txt')).toMatch(/site-registry.yaml:\d+:\d+ beacons\[1\].eid.identityKey: warning: secret written inline/);
    const remote = JSON.parse(file('config/remote.json'));
    expect(remote.state, remote.state.error).toMatchObject({ revision: 3, status: 'applied', config: { 'pipeline.dwell.thresholdMs': 5000 } });
    const versions = JSON.parse(file('versions.json'));
    expect(versions.node.version).toBe(process.version);
    expect(versions.package).toMatchObject({ name: 'touchpoint' });
    expect(versions.os.platform).toBe(process.platform);
    expect(file('logs/gateway.log')).toContain('"msg":"connected"');
    expect(file('logs/gateway.log')).toContain('mqtts://gw-a:<redacted>@broker.example:8883');
    expect(JSON.parse(file('doctor.json')).checks[0].status).toBe('fail');
    const outbox = JSON.parse(file('health/outbox.json'));
    expect(outbox).toMatchObject({ gatewayId: 'gw-a', nextSeq: 3, queued: { sensor: 2, telemetry: 0 }, deadLetters: { total: 1, byReason: [{ reason: 'refused by the broker ACL', count: 1 }] } });
    expect(file('health/metrics.txt')).toContain('touchpoint_outbox_depth');
    const manifest = JSON.parse(file('manifest.json'));
    expect(manifest).toMatchObject({ gatewayId: 'gw-a', siteId: 'store-12', createdAt: '2025-02-14T10:20:00.000Z' });

    const everything = gunzipSync(readFileSync(archive)).toString('latin1');
    for (const secret of [PASSWORD, EID_KEY, REMOTE_EID_KEY]) expect(everything).not.toContain(secret);
  });

  it('without a log file it takes the service journal; a broken config and a failing doctor become notes, not a failure', async () => {
    const g = gatewayDir();
    writeFileSync(g.config, readFileSync(g.config, 'utf8').replace('spot: endcap-3', 'spot: nowhere'));
    const cwd = process.cwd();
    process.chdir(g.dir);
    try {
      let asked: [string, string] | undefined;
      const r = await run(['--config', g.config, '--unit', 'touchpoint-gw', '--since', '-2h'], {
        doctor: async () => Promise.reject(new Error('noble not available')),
        journal: async (unit, since) => ((asked = [unit, since]), `Feb 14 10:00 pi touchpoint[1]: {"msg":"password ${PASSWORD}"}\n`),
      });
      expect(asked).toEqual(['touchpoint-gw', '-2h']);
      // The config alone loads, so its gateway ID names the bundle.
      expect(r.json.bundle).toBe(join(g.dir, 'touchpoint-support-gw-a-20250214T102000Z.tar.gz'));
      expect(r.json.notes).toEqual([expect.stringMatching(/^config: not usable as it is/), 'doctor: could not run: noble not available']);
      const names = execFileSync('tar', ['-tzf', r.json.bundle], { encoding: 'utf8' });
      expect(names).toContain('touchpoint-support-gw-a-20250214T102000Z/config/issues.txt');
      const entries = new Map(readTar(readFileSync(r.json.bundle)).map((e) => [e.name.split('/').slice(1).join('/'), e.content.toString('utf8')]));
      expect(entries.get('config/issues.txt')).toContain('no beacon is registered at spot nowhere');
      expect(entries.get('logs/journal.log')).toContain('password <redacted>');
      expect(entries.get('doctor.txt')).toContain('could not run');
    } finally {
      process.chdir(cwd);
    }
  });

  it('with no config at all it still bundles versions and says why the rest is missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tp-bundle-'));
    dirs.push(dir);
    const archive = join(dir, 'b.tar.gz');
    const r = await run(['--config', join(dir, 'missing.yaml'), '--out', archive, '--no-doctor'], { journal: async () => null });
    expect(r.json.notes).toEqual([
      expect.stringContaining('missing.yaml does not exist'),
      expect.stringContaining('journalctl -u touchpoint gave nothing'),
      'doctor: skipped (--no-doctor)',
    ]);
    expect(readTar(readFileSync(archive)).map((e) => e.name)).toEqual(['b/', 'b/README.txt', 'b/manifest.json', 'b/versions.json']);
  });

  it('fails (and says so) only when the archive cannot be written', async () => {
    const g = gatewayDir();
    await expect(run(['--config', g.config, '--out', join(g.dir, 'no', 'such', 'dir', 'b.tar.gz'), '--no-doctor'], { journal: async () => null })).rejects.toThrow(/ENOENT/);
  });
});
