import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { UsageError } from '../io.js';
import { registerConfig } from './config.js';

/** The same exit-code mapping as runCli (program.ts), with only this command registered. */
async function run(...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l) };
  const program = new Command('touchpoint').exitOverride().configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
  registerConfig(program, io);
  const all = (c: Command): Command[] => c.commands.flatMap((s) => [s, ...all(s)]);
  for (const c of all(program)) c.exitOverride();
  try {
    await program.parseAsync(args, { from: 'user' });
    return { code: 0, out, err };
  } catch (e) {
    if (e instanceof CommanderError) return { code: e.exitCode === 0 ? 0 : 2, out, err };
    if (e instanceof UsageError) {
      io.err(`touchpoint: ${e.message}`);
      return { code: 2, out, err };
    }
    throw e;
  }
}

describe('touchpoint config validate', () => {
  beforeEach(() => vi.stubEnv('TOUCHPOINT_BROKER_PASSWORD', 'example-password'));
  afterEach(() => vi.unstubAllEnvs());

  it('exit 0 on the example config, with the gateway’s sensorId from the example registry', async () => {
    const r = await run('config', 'validate', 'examples/gateway.yaml');
    expect(r.code).toBe(0);
    expect(r.out).toHaveLength(1);
    expect(JSON.parse(r.out[0]!)).toMatchObject({
      ok: true,
      file: 'examples/gateway.yaml',
      gatewayId: 'gw-store12-a',
      siteId: 'store-12',
      sensorId: 'ibeacon:f7826da6-4fa2-4e98-8024-bc5b71e0893e:100:1',
      registry: { path: 'examples/site-registry.yaml', beacons: 6 },
    });
  });

  it('exit 2 when a referenced environment variable is missing, naming file, line and key', async () => {
    vi.stubEnv('TOUCHPOINT_BROKER_PASSWORD', undefined);
    const r = await run('config', 'validate', 'examples/gateway.yaml');
    expect(r.code).toBe(2);
    expect(r.err.filter((l) => !l.includes('warning:'))).toEqual([
      expect.stringMatching(/^examples\/gateway\.yaml:\d+:3 broker\.passwordEnv: environment variable TOUCHPOINT_BROKER_PASSWORD is not set$/),
      'touchpoint: examples/gateway.yaml: 1 error',
    ]);
  });

  describe('with a broken file', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'tp-cli-config-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('prints every error on its own line and exits 2', async () => {
      const file = join(dir, 'gateway.yaml');
      writeFileSync(file, 'gateway:\n  id: gw-1\n  siteId: store-12\n  spot: a\nsensors:\n  radar:\n    path: /dev/ttyAMA0\n    baudRate: fast\npipeline:\n  approachCm: -1\n');
      const r = await run('config', 'validate', file, '--no-registry');
      expect(r.code).toBe(2);
      expect(r.out).toEqual([]);
      expect(r.err).toEqual([
        `${file}:8:5 sensors.radar.baudRate: expected one of 9600, 19200, 38400, 57600, 115200, 230400, 256000, 460800, got "fast"`,
        `${file}:10:3 pipeline.approachCm: expected an integer in 10…800, got -1`,
        `touchpoint: ${file}: 2 errors`,
      ]);
    });

    it('exit 2 for a file that does not exist; exit 0 for a minimal config checked alone', async () => {
      const missing = await run('config', 'validate', join(dir, 'nope.yaml'));
      expect(missing.code).toBe(2);
      expect(missing.err[0]).toBe(`${join(dir, 'nope.yaml')}:1:1 cannot read file (ENOENT)`);
      const file = join(dir, 'min.yaml');
      writeFileSync(file, 'gateway: { id: gw-1, siteId: s, spot: a }\n');
      expect((await run('config', 'validate', file, '--no-registry')).code).toBe(0);
      // With the registry check, the default site-registry.yaml next to it is missing.
      const withRegistry = await run('config', 'validate', file);
      expect(withRegistry.code).toBe(2);
      expect(withRegistry.err).toContain(`${join(dir, 'site-registry.yaml')}:1:1 cannot read file (ENOENT)`);
    });
  });
});

describe('touchpoint config show', () => {
  beforeEach(() => vi.stubEnv('TOUCHPOINT_BROKER_PASSWORD', 'example-password'));
  afterEach(() => vi.unstubAllEnvs());

  it('prints the effective config as one JSON line: defaults applied, secrets redacted', async () => {
    const r = await run('config', 'show', 'examples/gateway.yaml');
    expect(r.code).toBe(0);
    expect(r.out).toHaveLength(1);
    expect(r.out[0]).not.toContain('example-password');
    const c = JSON.parse(r.out[0]!) as Record<string, Record<string, unknown>>;
    expect(c.broker).toMatchObject({ password: '<redacted>', passwordEnv: 'TOUCHPOINT_BROKER_PASSWORD', keepaliveS: 30 });
    expect(c.pipeline).toMatchObject({ left: 'after-interaction', caches: { maxAddresses: 4096 } });
    expect(Object.keys(c)).toEqual(['gateway', 'broker', 'radio', 'sensors', 'registry', 'pipeline', 'outbox', 'telemetry', 'secretsFile']);
  });

  it('--yaml prints the same as YAML', async () => {
    const json = await run('config', 'show', 'examples/gateway.yaml');
    const yaml = await run('config', 'show', 'examples/gateway.yaml', '--yaml');
    expect(yaml.code).toBe(0);
    expect(parse(yaml.out.join('\n'))).toEqual(JSON.parse(json.out[0]!));
  });
});
