/**
 * Debian's Mosquitto as a second, independent broker for the interop and fault tests: started on
 * 127.0.0.1 with a generated config (per-listener auth, password file, an ACL file that mirrors the
 * embedded broker's rules, optionally a TLS listener), stopped and started again on the same ports.
 *
 * Availability: `npm test` must pass on a machine without Mosquitto, so the tests that need it ask
 * `detectMosquitto()` and skip with the reason in the suite name — unless
 * TOUCHPOINT_REQUIRE_MOSQUITTO=1 (set by .ci/run), where a missing binary is a failure.
 *
 * Differences from the embedded broker that the generated files cannot express (README.md):
 * - Mosquitto's ACL matches topic levels; it does not know Touchpoint's ID rules, cannot refuse a
 *   retained publish on a non-retained topic, and cannot bind a gateway login to its client ID.
 * - A phone's content topic needs an explicit deviceHash: Mosquitto cannot hash the client ID.
 * - MQTT 3.1.1: a denied PUBLISH gets a normal PUBACK and is discarded (aedes closes the
 *   connection). MQTT 5 clients get reason code 0x87 instead.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { buildTopic, topicFilter } from '../../../protocol/messages/index.js';
import type { Role } from '../../broker/users.js';

export const REQUIRE_MOSQUITTO_ENV = 'TOUCHPOINT_REQUIRE_MOSQUITTO';
/** Path of the broker binary to use instead of the one on PATH or in /usr/sbin. */
export const MOSQUITTO_BIN_ENV = 'TOUCHPOINT_MOSQUITTO';

export interface MosquittoAvailability {
  ok: boolean;
  /** The broker binary (PATH, else /usr/sbin/mosquitto where Debian puts it). */
  bin?: string;
  /** mosquitto_passwd, when installed (same Debian package); otherwise hashes are written here. */
  passwd?: string;
  version?: string;
  /** Why the Mosquitto tests cannot run (when !ok). */
  reason?: string;
  /** TOUCHPOINT_REQUIRE_MOSQUITTO=1: a missing broker fails instead of skipping. */
  required: boolean;
}

function which(name: string, extra: readonly string[] = []): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), ...extra];
  for (const d of dirs) {
    const p = join(d, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

let cached: MosquittoAvailability | undefined;

export function detectMosquitto(): MosquittoAvailability {
  if (cached) return cached;
  const required = process.env[REQUIRE_MOSQUITTO_ENV] === '1';
  const chosen = process.env[MOSQUITTO_BIN_ENV];
  const bin = chosen !== undefined && chosen !== '' ? (existsSync(chosen) ? chosen : undefined) : which('mosquitto', ['/usr/sbin', '/usr/local/sbin']);
  if (!bin) {
    cached = { ok: false, required, reason: chosen ? `${MOSQUITTO_BIN_ENV}=${chosen} does not exist` : 'mosquitto not installed (apt-get install mosquitto)' };
    return cached;
  }
  // `mosquitto -h` prints the version on its first line and exits 3.
  const help = spawnSync(bin, ['-h'], { encoding: 'utf8', timeout: 5000 });
  const version = /mosquitto version (\S+)/.exec(`${help.stdout}${help.stderr}`)?.[1];
  if (!version) {
    cached = { ok: false, required, bin, reason: `${bin} -h did not print a version` };
    return cached;
  }
  const passwd = which('mosquitto_passwd', ['/usr/sbin']);
  cached = { ok: true, required, bin, version, ...(passwd ? { passwd } : {}) };
  return cached;
}

/** A login on the Mosquitto broker: the same roles as the embedded broker's users file, password in clear. */
export interface MosquittoUser {
  username: string;
  password: string;
  role: Role;
  site?: string;
  /** gateway: its gateway ID (default: username). */
  gateway?: string;
  /** phone: required here (Mosquitto cannot derive it from the client ID as the embedded broker does). */
  deviceHash?: string;
}

/**
 * Mosquitto 2.0's PBKDF2 password hash: `$7$<iterations>$<salt b64>$<hash b64>`, PBKDF2-HMAC-SHA512
 * over the password with the 12 raw salt bytes, 101 iterations, 64-byte key (mosquitto 2.0 source,
 * common/password_mosq.c: pw_sha512_pbkdf2 = 7, PW_DEFAULT_ITERATIONS 101, SALT_LEN 12). Used when
 * mosquitto_passwd is not on the machine; the test checks it against a line mosquitto_passwd wrote.
 */
export function mosquittoPasswordHash(password: string, salt: Buffer = randomBytes(12), iterations = 101): string {
  const key = pbkdf2Sync(password, salt, iterations, 64, 'sha512');
  return `$7$${iterations}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Writes the password file with mosquitto_passwd when given one, else with mosquittoPasswordHash. */
export function writePasswordFile(path: string, users: readonly MosquittoUser[], passwdTool?: string): void {
  if (passwdTool) {
    writeFileSync(path, '', { mode: 0o600 });
    for (const u of users) {
      const r = spawnSync(passwdTool, ['-b', path, u.username, u.password], { encoding: 'utf8', timeout: 10_000 });
      if (r.status !== 0) throw new Error(`mosquitto_passwd failed for ${u.username}: ${r.stderr || r.stdout}`);
    }
    return;
  }
  writeFileSync(path, users.map((u) => `${u.username}:${mosquittoPasswordHash(u.password)}\n`).join(''), { mode: 0o600 });
}

/**
 * The embedded broker's ACL (gateway/broker/acl.ts) as a Mosquitto acl_file:
 *   gateway  write tp/v1/<site>/<gw>/{sensor,status,telemetry,config/state};
 *            read tp/v1/<site>/<gw>/config/set and the site's tp/v1/<site>/config/set
 *   backend  read everything (shared subscriptions are checked against the filter after $share/<group>/);
 *            write tp/v1/+/+/config/set, tp/v1/+/config/set and tp/v1/+/device/+/content
 *   phone    write tp/v1/<site>/user; read tp/v1/<site>/device/<deviceHash>/content
 * Anything not listed is denied once an acl_file is set.
 */
export function mosquittoAcl(users: readonly MosquittoUser[]): string {
  const lines: string[] = ['# generated from the embedded broker rules (gateway/broker/acl.ts)'];
  for (const u of users) {
    lines.push('', `user ${u.username}`);
    switch (u.role) {
      case 'gateway': {
        const site = need(u.site, u, 'site');
        const gatewayId = u.gateway ?? u.username;
        for (const kind of ['sensor', 'status', 'telemetry', 'config-state'] as const) lines.push(`topic write ${buildTopic({ kind, siteId: site, gatewayId })}`);
        lines.push(`topic read ${buildTopic({ kind: 'config-set', siteId: site, gatewayId })}`, `topic read ${buildTopic({ kind: 'site-config-set', siteId: site })}`);
        break;
      }
      case 'backend':
        lines.push('topic read #', `topic write ${topicFilter('config-set')}`, `topic write ${topicFilter('site-config-set')}`, `topic write ${topicFilter('content')}`);
        break;
      case 'phone': {
        const site = need(u.site, u, 'site');
        lines.push(`topic write ${buildTopic({ kind: 'user', siteId: site })}`);
        lines.push(`topic read ${buildTopic({ kind: 'content', siteId: site, deviceHash: need(u.deviceHash, u, 'deviceHash') })}`);
        break;
      }
    }
  }
  return lines.join('\n') + '\n';
}

function need(v: string | undefined, u: MosquittoUser, field: string): string {
  if (v === undefined) throw new Error(`mosquitto user ${u.username} (${u.role}) needs ${field}`);
  return v;
}

export interface MosquittoTls {
  caFile: string;
  certFile: string;
  keyFile: string;
}

export interface MosquittoOptions {
  dir: string;
  users: readonly MosquittoUser[];
  /** Adds a TLS listener with this server certificate. */
  tls?: MosquittoTls;
  /** Keep sessions and queued messages across a stop/start (written on SIGTERM). Default true. */
  persistence?: boolean;
  /** Write the password file with our own hashing even when mosquitto_passwd exists. */
  ownPasswordHashes?: boolean;
}

export interface RunningMosquitto {
  readonly version: string;
  readonly port: number;
  readonly tlsPort?: number;
  readonly urls: { mqtt: string; mqtts?: string };
  readonly aclPath: string;
  readonly running: boolean;
  /** Log lines since start (bounded, newest kept). */
  logs(): string[];
  /** Resolves with the first log line from now on that matches. */
  waitForLog(re: RegExp, timeoutMs?: number): Promise<string>;
  /** SIGTERM and wait (persistence is written on the way out). */
  stop(): Promise<void>;
  /** Starts again on the same ports with the same files. */
  start(): Promise<void>;
  /** Rewrites the ACL file and makes the running broker reload it (SIGHUP); resolves once reloaded. */
  reloadAcl(text: string): Promise<void>;
  close(): Promise<void>;
}

/** A free loopback port: Mosquitto cannot listen on port 0 and report it, so ask the kernel first. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export function mosquittoConfig(o: { dir: string; port: number; tlsPort?: number; tls?: MosquittoTls; persistence: boolean }): string {
  const auth = [`allow_anonymous false`, `password_file ${join(o.dir, 'passwd')}`, `acl_file ${join(o.dir, 'acl')}`];
  const lines = [
    '# generated by gateway/interop/test-support/mosquitto.ts',
    // Auth settings are per listener, so the TLS listener states its own (and nothing leaks between them).
    'per_listener_settings true',
    // As root Mosquitto drops to this user; as anyone else the line has no effect (mosquitto.conf(5)).
    `user ${userInfo().username}`,
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'log_type notice',
    'log_type information',
    // "Denied PUBLISH" and "Reloading config." are debug-level lines in 2.0.
    'log_type debug',
    'connection_messages true',
    `persistence ${o.persistence}`,
    ...(o.persistence ? [`persistence_location ${join(o.dir, 'data')}/`, 'autosave_interval 0'] : []),
    // Tests queue thousands of messages for a subscriber while it reconnects; the default is 1000.
    // Not 0 ("no limit"): with 0, Mosquitto 2.0.11 also drops a 3.1.1 client's connection right
    // after the PUBACK for a publish its ACL denied (observed; README.md), which is not the default.
    'max_queued_messages 100000',
    '',
    `listener ${o.port} 127.0.0.1`,
    ...auth,
  ];
  if (o.tls && o.tlsPort !== undefined) {
    lines.push('', `listener ${o.tlsPort} 127.0.0.1`, ...auth, `cafile ${o.tls.caFile}`, `certfile ${o.tls.certFile}`, `keyfile ${o.tls.keyFile}`, 'tls_version tlsv1.2');
  }
  return lines.join('\n') + '\n';
}

const READY = / running$/;
const MAX_LOG_LINES = 5000;

export async function startMosquitto(o: MosquittoOptions): Promise<RunningMosquitto> {
  const avail = detectMosquitto();
  if (!avail.ok) throw new Error(`mosquitto unavailable: ${avail.reason}`);
  const bin = avail.bin!;
  mkdirSync(join(o.dir, 'data'), { recursive: true });
  const aclPath = join(o.dir, 'acl');
  writePasswordFile(join(o.dir, 'passwd'), o.users, o.ownPasswordHashes ? undefined : avail.passwd);
  writeFileSync(aclPath, mosquittoAcl(o.users), { mode: 0o600 });
  const confPath = join(o.dir, 'mosquitto.conf');
  const persistence = o.persistence ?? true;

  let port = 0;
  let tlsPort: number | undefined;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const logLines: string[] = [];
  const waiters = new Set<{ re: RegExp; resolve: (line: string) => void }>();

  const onLine = (line: string) => {
    logLines.push(line);
    if (logLines.length > MAX_LOG_LINES) logLines.splice(0, logLines.length - MAX_LOG_LINES);
    for (const w of waiters) {
      if (w.re.test(line)) {
        waiters.delete(w);
        w.resolve(line);
      }
    }
  };

  function waitForLog(re: RegExp, timeoutMs = 10_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const w = {
        re,
        resolve: (l: string) => {
          clearTimeout(t);
          resolve(l);
        },
      };
      const t = setTimeout(() => {
        waiters.delete(w);
        reject(new Error(`mosquitto: no log line matching ${re} within ${timeoutMs} ms; last lines:\n${logLines.slice(-15).join('\n')}`));
      }, timeoutMs);
      waiters.add(w);
    });
  }

  async function launch(): Promise<void> {
    const c = spawn(bin, ['-c', confPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = c;
    // Mosquitto prefixes each line with a Unix timestamp; keep the message only.
    createInterface({ input: c.stderr! }).on('line', (l) => onLine(l.replace(/^\d+: /, '')));
    let exitCode: number | null = null;
    exited = new Promise<void>((resolve) => c.once('exit', (code) => ((exitCode = code), resolve())));
    const ready = waitForLog(READY, 10_000);
    const died = exited.then(() => {
      throw new Error(`mosquitto exited (${exitCode}) before it was ready:\n${logLines.slice(-10).join('\n')}`);
    });
    try {
      await Promise.race([ready, died]);
    } catch (e) {
      if (c.exitCode === null) c.kill('SIGKILL');
      await exited;
      throw e;
    } finally {
      ready.catch(() => {});
      died.catch(() => {});
    }
  }

  // Another process may take a port between freePort() and Mosquitto's bind: pick again, a few times.
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    tlsPort = o.tls ? await freePort() : undefined;
    writeFileSync(confPath, mosquittoConfig({ dir: o.dir, port, persistence, ...(o.tls && tlsPort !== undefined ? { tls: o.tls, tlsPort } : {}) }));
    try {
      await launch();
      break;
    } catch (e) {
      if (attempt >= 4 || !/Address already in use/i.test(String(e))) throw e;
    }
  }

  const isRunning = () => child !== undefined && child.exitCode === null && child.signalCode === null;
  const stop = async () => {
    if (!child || !isRunning()) return;
    const c = child;
    c.kill('SIGTERM');
    const t = setTimeout(() => c.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  };

  return {
    version: avail.version!,
    port,
    ...(tlsPort !== undefined ? { tlsPort } : {}),
    urls: { mqtt: `mqtt://127.0.0.1:${port}`, ...(tlsPort !== undefined ? { mqtts: `mqtts://127.0.0.1:${tlsPort}` } : {}) },
    aclPath,
    get running() {
      return isRunning();
    },
    logs: () => [...logLines],
    waitForLog,
    stop,
    async start() {
      if (isRunning()) return;
      // The old socket can linger for a moment after exit; Mosquitto sets SO_REUSEADDR, so retries are rare.
      for (let attempt = 0; ; attempt++) {
        try {
          return await launch();
        } catch (e) {
          if (attempt >= 20 || !/Address already in use/i.test(String(e))) throw e;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
    async reloadAcl(text: string) {
      writeFileSync(aclPath, text, { mode: 0o600 });
      if (!child || !isRunning()) return;
      // Mosquitto is single-threaded: it logs this line, then re-reads the files before it handles
      // any further packet, so whatever is sent after the line is seen is judged by the new ACL.
      const reloaded = waitForLog(/Reloading config/);
      child.kill('SIGHUP');
      await reloaded;
    },
    close: stop,
  };
}

/**
 * Suite name for tests that need Mosquitto: says so plainly when they are skipped, and how to turn
 * the skip into a failure (CI sets the flag and installs the package).
 */
export function mosquittoSuiteName(base: string, a: MosquittoAvailability = detectMosquitto()): string {
  return a.ok ? `${base} [mosquitto ${a.version}]` : `${base} — SKIPPED: ${a.reason}; ${REQUIRE_MOSQUITTO_ENV}=1 makes this a failure`;
}
