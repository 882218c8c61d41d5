/**
 * `touchpoint support-bundle [--config <file>] [--out <file.tar.gz>]`: one archive a technician can
 * send — config (secrets redacted), versions, recent logs, doctor output and outbox/metrics health
 * (gateway/health/bundle.ts lists what and why). Sections that cannot be collected become notes
 * in manifest.json; the command fails only when the archive itself cannot be written.
 */
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import { collectSupportBundle, type BundleDeps } from '../../health/bundle.js';
import { tarGz, type TarEntry } from '../../health/tar.js';
import { type CliIo, printJson, processIo } from '../io.js';

interface SupportBundleCli {
  config: string;
  out?: string;
  unit: string;
  since: string;
  doctor: boolean;
}

const README = `Touchpoint support bundle

manifest.json          what was collected, and notes on what could not be
config/effective.json  the gateway config as it runs (defaults filled in), secrets shown as <redacted>
config/issues.txt      problems and warnings in the config files, if any
config/remote.json     remote configuration persisted by the gateway and the config/state it reports
versions.json          Node, touchpoint, operating system, board
logs/                  recent gateway logs (log file, or the systemd journal of the last hour)
doctor.json/.txt       touchpoint doctor: each check with its remedy
health/outbox.json     messages waiting to be sent, dead letters by reason
health/metrics.txt     Prometheus metrics of the running gateway (when enabled)

Secrets from the configuration (broker password, identity keys) are masked in every file.
`;

/** touchpoint-support-<gateway>-20250214T102000Z */
function bundleName(who: string, now: number): string {
  const stamp = new Date(now).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `touchpoint-support-${who.replace(/[^A-Za-z0-9._-]/g, '_')}-${stamp}`;
}

export function registerSupportBundle(program: Command, io: CliIo, deps: BundleDeps = {}): void {
  program
    .command('support-bundle')
    .description('collect config (secrets redacted), versions, recent logs, doctor output and health into one .tar.gz to send to support')
    .option('--config <file>', 'gateway config', '/etc/touchpoint/gateway.yaml')
    .option('--out <file>', 'archive to write (default: ./touchpoint-support-<gateway>-<UTC time>.tar.gz)')
    .option('--unit <name>', 'systemd unit to read the journal of, when the config names no log file', 'touchpoint')
    .option('--since <time>', 'journal start, as journalctl --since takes it', '-1h')
    .option('--no-doctor', 'skip touchpoint doctor (it probes Bluetooth, serial ports and the broker)')
    .action(async (o: SupportBundleCli) => {
      const now = (deps.now ?? Date.now)();
      const r = await collectSupportBundle({ configPath: o.config, unit: o.unit, since: o.since, doctor: o.doctor }, { ...deps, now: () => now });
      const top = o.out ? basename(o.out).replace(/\.tar\.gz$|\.tgz$/, '') : bundleName(r.gatewayId ?? hostname(), now);
      const out = resolve(o.out ?? `${top}.tar.gz`);
      const mtime = Math.floor(now / 1000);
      const manifest = {
        bundle: top,
        createdAt: new Date(now).toISOString(),
        config: resolve(o.config),
        ...(r.gatewayId ? { gatewayId: r.gatewayId, siteId: r.siteId } : {}),
        files: r.files.map((f) => f.name),
        notes: r.notes,
      };
      const entries: TarEntry[] = [
        { name: `${top}/`, mtime },
        { name: `${top}/README.txt`, content: README, mtime },
        { name: `${top}/manifest.json`, content: JSON.stringify(manifest, null, 2) + '\n', mtime },
        ...r.files.map((f) => ({ name: `${top}/${f.name}`, content: f.content, mtime })),
      ];
      // Logs and configs of a store: readable by the technician only.
      writeFileSync(out, tarGz(entries), { mode: 0o600 });
      printJson(io, { bundle: out, files: manifest.files, notes: r.notes });
      // noble's adapter poll holds the event loop (doctor.ts has the same note): end the real CLI once done
      if (r.nobleLoaded && io === processIo) setTimeout(() => process.exit(), 200).unref();
    });
}
