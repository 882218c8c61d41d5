/**
 * What `touchpoint support-bundle` collects, as a list of files for the archive. A support bundle is
 * made when something is wrong, so no section may stop the others: each one that cannot be
 * collected becomes a note in manifest.json (and its own .txt saying why) instead of an error.
 *
 *   config/effective.json    the config as the gateway runs it (defaults, absolute paths), secrets redacted
 *   config/issues.txt        what `config validate` says (errors and warnings), when anything
 *   config/remote.json       persisted remote config layers and the config/state they give (redacted)
 *   versions.json            Node, the package, OS, board, uptime
 *   logs/gateway.log         the tail of log.file, or `journalctl -u <unit> --since -1h`
 *   doctor.json, doctor.txt  `touchpoint doctor` against the same config
 *   health/outbox.json       queue depths, oldest queued message, dead letters by reason
 *   health/metrics.txt       a scrape of the running gateway's /metrics (when configured)
 *
 * Every text goes through the log masker with the config's secret values, so a secret that once
 * reached a log line, a doctor detail or a persisted setting is not shipped.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync, openSync, readSync, closeSync } from 'node:fs';
import * as os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatIssue, loadConfig, loadGateway, redactConfig, type GatewayConfig } from '../config/index.js';
import { configSecretValues, createMasker, type Masker } from '../log/index.js';
import { createRemoteConfig, readPersistedRemoteConfig, REMOTE_CONFIG_FILE } from '../remote/index.js';
import { readOutboxSummary } from './outbox-summary.js';

export interface BundleFile {
  name: string;
  content: string;
}

export interface BundleResult {
  files: BundleFile[];
  notes: string[];
  /** The doctor loaded noble, whose adapter poll keeps the event loop alive: a CLI should exit explicitly. */
  nobleLoaded: boolean;
  gatewayId?: string;
  siteId?: string;
}

export interface BundleDeps {
  /** `touchpoint doctor --json` and its human lines for a config; default runs gateway/doctor. */
  doctor?: (configPath: string) => Promise<{ report: unknown; lines: string[] }>;
  /** Recent service logs when there is no log file; null when there are none to read. Default: journalctl. */
  journal?: (unit: string, since: string) => Promise<string | null>;
  /** GET a URL with a short timeout; default fetch. */
  httpGet?: (url: string) => Promise<string>;
  now?: () => number;
  env?: Readonly<Record<string, string | undefined>>;
}

export interface BundleOptions {
  configPath: string;
  /** systemd unit whose journal is read when the config names no log file. Default "touchpoint". */
  unit?: string;
  /** journalctl --since. Default "-1h". */
  since?: string;
  /** Bytes of a log file's end to include. Default 4 MiB. */
  maxLogBytes?: number;
  /** Skip the doctor (it probes Bluetooth, serial ports and the broker). */
  doctor?: boolean;
}

const json = (v: unknown) => JSON.stringify(v, null, 2) + '\n';
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** journalctl -u <unit> --since <since>, or null when journalctl is missing or the unit has no journal. */
export function journalctl(unit: string, since: string): Promise<string | null> {
  return new Promise((resolveP) => {
    execFile('journalctl', ['-u', unit, '--since', since, '--no-pager', '-o', 'short-iso'], { timeout: 15_000, maxBuffer: 32 * 1024 * 1024 }, (err, stdout) => {
      if (err && !stdout) return resolveP(null);
      resolveP(stdout);
    });
  });
}

/** gateway/doctor, loaded when needed; noble (loaded by its Bluetooth check) keeps the process alive afterwards. */
async function defaultDoctor(configPath: string, onNobleLoaded: () => void): Promise<{ report: unknown; lines: string[] }> {
  const { runDoctor, formatReport } = await import('../doctor/doctor.js');
  const report = await runDoctor({ config: configPath, bleTimeoutMs: 5000, brokerTimeoutMs: 5000, onNobleLoaded });
  return { report, lines: formatReport(report) };
}

async function defaultGet(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return res.text();
}

/** The end of a file, from the first whole line within the last `maxBytes`. */
function tail(path: string, maxBytes: number): string {
  const size = statSync(path).size;
  const start = Math.max(0, size - maxBytes);
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(size - start);
    readSync(fd, buf, 0, buf.length, start);
    const text = buf.toString('utf8');
    return start > 0 ? text.slice(text.indexOf('\n') + 1) : text;
  } finally {
    closeSync(fd);
  }
}

/** The package.json of this installation: the nearest one named touchpoint above this module. */
function packageInfo(): { name?: string; version?: string; path?: string } {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const p = join(dir, 'package.json');
    if (existsSync(p)) {
      try {
        const pkg = JSON.parse(readFileSync(p, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === 'touchpoint') return { name: pkg.name, ...(pkg.version ? { version: pkg.version } : {}), path: p };
      } catch {
        // keep looking upwards
      }
    }
    const up = resolve(dir, '..');
    if (up === dir) break;
    dir = up;
  }
  return {};
}

function readFirst(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').replace(/\0/g, '').trim();
  } catch {
    return undefined;
  }
}

export function versions(now: number): Record<string, unknown> {
  const osRelease = readFirst('/etc/os-release');
  const pretty = osRelease ? /^PRETTY_NAME="?([^"\n]*)"?/m.exec(osRelease)?.[1] : undefined;
  const cpus = os.cpus();
  return {
    collectedAt: new Date(now).toISOString(),
    package: packageInfo(),
    node: { version: process.version, versions: process.versions, execPath: process.execPath },
    os: {
      platform: os.platform(),
      release: os.release(),
      version: os.version(),
      arch: os.arch(),
      distribution: pretty,
      hostname: os.hostname(),
      uptimeS: Math.round(os.uptime()),
      loadavg: os.loadavg(),
      memory: { totalBytes: os.totalmem(), freeBytes: os.freemem() },
      cpus: { count: cpus.length, model: cpus[0]?.model },
    },
    // Raspberry Pi model and revision, when this is one.
    board: readFirst('/proc/device-tree/model'),
    process: { pid: process.pid, uid: process.getuid?.(), uptimeS: Math.round(process.uptime()) },
  };
}

export async function collectSupportBundle(options: BundleOptions, deps: BundleDeps = {}): Promise<BundleResult> {
  const now = (deps.now ?? Date.now)();
  const files: BundleFile[] = [];
  const notes: string[] = [];
  const env = deps.env ?? process.env;
  const configPath = options.configPath;
  let nobleLoaded = false;
  let mask: Masker = createMasker([]);
  const add = (name: string, content: string) => files.push({ name, content: mask.text(content) });
  const note = (section: string, text: string) => {
    notes.push(`${section}: ${text}`);
  };

  // Config first: its secrets are what everything after it is masked with.
  let config: GatewayConfig | undefined;
  const issues: string[] = [];
  const loaded = existsSync(configPath) ? loadGateway(configPath, { env }) : undefined;
  if (!loaded) {
    note('config', `${configPath} does not exist (give --config)`);
  } else if (loaded.ok) {
    config = loaded.config;
    mask = createMasker(configSecretValues(loaded.config, loaded.hidden, loaded.registry));
    add('config/effective.json', json(redactConfig(loaded.config, loaded.hidden)));
    issues.push(...loaded.warnings.map(formatIssue));
  } else {
    issues.push(...loaded.errors.map(formatIssue), ...loaded.warnings.map(formatIssue));
    // The config alone may still load when only the registry is wrong.
    const alone = loadConfig(configPath, { env });
    if (alone.ok) {
      config = alone.config;
      mask = createMasker(configSecretValues(alone.config, alone.hidden));
      add('config/effective.json', json(redactConfig(alone.config, alone.hidden)));
    }
    note('config', `not usable as it is: ${loaded.errors.length} problem(s), see config/issues.txt`);
  }
  if (issues.length > 0) add('config/issues.txt', issues.join('\n') + '\n');

  if (config) {
    const persistedPath = join(config.gateway.dataDir, REMOTE_CONFIG_FILE);
    const persisted = readPersistedRemoteConfig(persistedPath);
    if (!persisted.ok) note('remote config', persisted.reason);
    else {
      const state = createRemoteConfig({ local: config }).state();
      add('config/remote.json', json(mask.value({ file: persistedPath, persisted: persisted.value ?? null, state })));
    }
  }

  add('versions.json', json(versions(now)));

  // Logs: the configured file, else the journal of the service.
  try {
    if (config?.log?.file) {
      if (existsSync(config.log.file)) add('logs/gateway.log', tail(config.log.file, options.maxLogBytes ?? 4 * 1024 * 1024));
      else note('logs', `log.file ${config.log.file} does not exist yet`);
    } else {
      const unit = options.unit ?? 'touchpoint';
      const since = options.since ?? '-1h';
      const text = await (deps.journal ?? journalctl)(unit, since);
      if (text === null) note('logs', `no log file configured and journalctl -u ${unit} gave nothing (not installed as a service here?)`);
      else add('logs/journal.log', text);
    }
  } catch (e) {
    note('logs', message(e));
  }

  if (options.doctor === false) {
    note('doctor', 'skipped (--no-doctor)');
  } else {
    try {
      const d = await (deps.doctor ?? ((c: string) => defaultDoctor(c, () => (nobleLoaded = true))))(configPath);
      add('doctor.json', json(mask.value(d.report)));
      add('doctor.txt', d.lines.join('\n') + '\n');
    } catch (e) {
      note('doctor', `could not run: ${message(e)}`);
      add('doctor.txt', `touchpoint doctor could not run: ${message(e)}\n`);
    }
  }

  if (config) {
    const outboxPath = join(config.gateway.dataDir, 'outbox.sqlite');
    const summary = readOutboxSummary(outboxPath);
    if (summary.ok) add('health/outbox.json', json(summary.summary));
    else note('outbox', summary.message);
    if (config.metrics) {
      const host = config.metrics.host === '0.0.0.0' ? '127.0.0.1' : config.metrics.host === '::' ? '::1' : config.metrics.host;
      const url = `http://${host.includes(':') ? `[${host}]` : host}:${config.metrics.port}/metrics`;
      try {
        add('health/metrics.txt', await (deps.httpGet ?? defaultGet)(url));
      } catch (e) {
        note('metrics', `${url}: ${message(e)} (is the gateway running?)`);
      }
    } else if (!summary.ok && summary.reason === 'busy') {
      note('metrics', 'no metrics section in the config, so the running gateway’s health could not be read');
    }
  }

  return { files, notes, nobleLoaded, ...(config ? { gatewayId: config.gateway.id, siteId: config.gateway.siteId } : {}) };
}
