/**
 * `touchpoint gateway run` as systemd runs it: a child process whose stdout is a pipe (journald),
 * so every log record is one JSON line with level, time, msg and the gateway ID; SIGTERM stops it.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cli } from '../cli/test-support.js';
import { freeUdpPort, writeStore } from '../remote/test-support.js';

const MAIN = fileURLToPath(new URL('../cli/main.ts', import.meta.url));
const PASSWORD = 'run-test-pw-51c0';
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('gateway run logs', () => {
  it('writes pino JSON lines on stdout for journald, with the gateway ID and without the broker password', async () => {
    const files = writeStore({
      brokerUrl: 'mqtt://127.0.0.1:1883',
      simPort: await freeUdpPort(),
      username: 'gw-a',
      extraYaml: 'metrics: { port: 0 }',
    });
    cleanups.push(() => files.cleanup());
    // An embedded broker on a free port instead of the URL above; the password comes from the environment.
    const { writeFileSync, readFileSync } = await import('node:fs');
    writeFileSync(
      files.configPath,
      readFileSync(files.configPath, 'utf8').replace(/^broker: .*$/m, 'broker: { username: gw-a, passwordEnv: TP_RUN_PW, embedded: { port: 0 } }'),
    );
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'gateway', 'run', '--config', files.configPath, '--log-level', 'info'], {
      env: { ...process.env, TP_RUN_PW: PASSWORD },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    cleanups.push(() => child.exitCode === null && child.kill('SIGKILL'));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));

    const records = () =>
      stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    await vi.waitFor(() => expect(records().some((r) => r.event === 'connected')).toBe(true), { timeout: 30_000, interval: 50 });
    child.kill('SIGTERM');
    expect(await exited, stderr).toBe(0);

    const logs = records().filter((r) => 'level' in r);
    expect(logs.length).toBeGreaterThan(1);
    for (const r of logs) {
      expect(r).toMatchObject({ gatewayId: 'gw-a', siteId: 'store-12' });
      expect(typeof r.msg).toBe('string');
      expect(['info', 'warn', 'error']).toContain(r.level);
      expect(Number.isNaN(Date.parse(r.time as string))).toBe(false);
    }
    expect(logs.map((r) => r.event)).toEqual(expect.arrayContaining(['metrics-listening', 'connected']));
    // The CLI's own result lines are JSON too, and the process said it stopped.
    expect(records().some((r) => 'running' in r)).toBe(true);
    expect(records().some((r) => 'stopped' in r)).toBe(true);
    expect(stdout + stderr).not.toContain(PASSWORD);
  }, 60_000);

  it('--log-level must be a level', async () => {
    const r = await cli('gateway', 'run', '--config', 'examples/gateway.yaml', '--log-level', 'loud');
    expect(r.code).toBe(2);
    expect(r.err.join('\n')).toContain('--log-level must be one of fatal, error, warn, info, debug, trace, silent');
  });
});
