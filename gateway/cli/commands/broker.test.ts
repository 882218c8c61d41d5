import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { UsageError, type CliIo } from '../io.js';
import { registerBroker, type BrokerDeps } from './broker.js';

/** Runs `touchpoint broker …` in-process the way runCli does (exit codes 0/1/2), before the lead wires it in. */
async function run(args: string[], deps: BrokerDeps = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l) };
  const program = new Command('touchpoint').exitOverride().configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  registerBroker(program, io, deps);
  for (const c of program.commands) c.exitOverride().commands.forEach((s) => s.exitOverride());
  let code = 0;
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (e) {
    code = e instanceof CommanderError ? (e.exitCode === 0 ? 0 : 2) : e instanceof UsageError ? 2 : 1;
    if (!(e instanceof CommanderError)) err.push(String(e));
  }
  return { code, out, err, json: out.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'tp-cli-broker-'));
  dirs.push(d);
  return d;
};

/** Starts the command, hands back its URLs and a stop function; the command's promise resolves after stop. */
async function startCommand(args: string[]) {
  let stop!: () => void;
  const until = new Promise<void>((r) => (stop = r));
  let listening!: (u: { mqtt: string; ws?: string }) => void;
  const urls = new Promise<{ mqtt: string; ws?: string }>((r) => (listening = r));
  const result = run(args, { until, onListening: listening });
  const u = await Promise.race([urls, result.then((r) => Promise.reject(new Error(`broker exited: ${r.err.join(' ')}`)))]);
  return { urls: u, stop: async () => (stop(), result) };
}

describe('touchpoint broker', () => {
  it('refuses to run without --users unless --anonymous is given (secure by default)', async () => {
    const r = await run(['broker', '--port', '0']);
    expect(r.code).toBe(2);
    expect(r.err.join(' ')).toMatch(/--users <file>, or --anonymous/);
    expect((await run(['broker', '--anonymous', '--users', 'x.yaml'])).code).toBe(2);
    expect((await run(['broker', '--anonymous', '--port', '70000'])).code).toBe(2);
  });

  it('--anonymous: prints the listening URLs as a JSON line, serves MQTT, stops cleanly', async () => {
    const { urls, stop } = await startCommand(['broker', '--anonymous', '--port', '0', '--ws-port', '0']);
    expect(urls.mqtt).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    expect(urls.ws).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    for (const url of [urls.mqtt, urls.ws!]) {
      const c = await mqtt.connectAsync(url, { reconnectPeriod: 0 }, false);
      await c.publishAsync('tp/v1/s1/gw-a/status', '{}', { qos: 1 });
      await c.endAsync();
    }
    const r = await stop();
    expect(r.code).toBe(0);
    expect(r.json[0]).toEqual({ listening: urls, auth: 'anonymous' });
    expect(r.json[1]).toMatchObject({ stopped: true, authFailures: 0 });
  });

  it('passwd writes scrypt entries to a YAML or JSON users file, which the broker then enforces', async () => {
    const dir = tempDir();
    const file = join(dir, 'users.yaml');
    const pw = 'gateway-password-1';
    const a = await run(['broker', 'passwd', file, 'gw-a', '--role', 'gateway', '--site', 's1', '--password', pw]);
    expect(a.code).toBe(0);
    expect(a.json[0]).toEqual({ file, user: { username: 'gw-a', role: 'gateway', site: 's1', gateway: 'gw-a' }, users: 1 });
    expect((await run(['broker', 'passwd', file, 'backend', '--role', 'backend', '--password', 'backend-password-1'])).code).toBe(0);
    const doc = YAML.parse(readFileSync(file, 'utf8')) as { users: { username: string; password: string }[] };
    expect(doc.users.map((u) => u.username)).toEqual(['gw-a', 'backend']);
    expect(doc.users[0]!.password).toMatch(/^\$scrypt\$n=16384,r=8,p=5\$/);
    expect(readFileSync(file, 'utf8')).not.toContain(pw);

    expect((await run(['broker', 'passwd', file, 'x', '--role', 'admin', '--password', 'long-enough-pw'])).code).toBe(2);
    expect((await run(['broker', 'passwd', file, 'x', '--role', 'backend', '--password', 'short'])).code).toBe(2);
    expect((await run(['broker', 'passwd', file, 'gw-c', '--role', 'gateway', '--password', 'long-enough-pw'])).code).toBe(2); // no --site

    const { urls, stop } = await startCommand(['broker', '--users', file, '--port', '0']);
    const ok = await mqtt.connectAsync(urls.mqtt, { username: 'gw-a', password: pw, clientId: 'gw-a', reconnectPeriod: 0 }, false);
    await ok.endAsync();
    await expect(mqtt.connectAsync(urls.mqtt, { username: 'gw-a', password: 'nope', clientId: 'gw-a', reconnectPeriod: 0 }, false)).rejects.toThrow(
      /Bad username or password/,
    );
    const r = await stop();
    expect(r.json[0]).toMatchObject({ auth: 'users', users: 2 });
    expect(r.json[1]).toMatchObject({ stopped: true, authFailures: 1 });
    expect(r.err.some((l) => l.includes('auth-failed'))).toBe(true);
  });

  it('rejects an invalid users file with exit code 2', async () => {
    const file = join(tempDir(), 'users.json');
    writeFileSync(file, JSON.stringify({ users: [{ username: 'gw-a', role: 'gateway', password: 'plain' }] }));
    const r = await run(['broker', '--users', file, '--port', '0']);
    expect(r.code).toBe(2);
    expect(r.err.join(' ')).toMatch(/password: must be a \$scrypt\$ hash/);
  });
});
