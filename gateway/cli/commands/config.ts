/**
 * `touchpoint config validate <file>` and `touchpoint config show <file>`: what a technician runs
 * before starting a gateway. Problems print one per line as `file:line:col key: message` (the
 * form editors and CI annotate), then the command exits 2.
 */
import type { Command } from 'commander';
import { relative } from 'node:path';
import { stringify } from 'yaml';
import { formatIssue, loadConfig, loadGateway, redactConfig, type ConfigIssue } from '../../config/index.js';
import { type CliIo, UsageError, printJson } from '../io.js';

interface ValidateOptions {
  registry: boolean;
}

interface ShowOptions {
  yaml?: boolean;
}

function fail(io: CliIo, file: string, errors: readonly ConfigIssue[], warnings: readonly ConfigIssue[]): never {
  for (const w of warnings) io.err(formatIssue(w));
  for (const e of errors) io.err(formatIssue(e));
  throw new UsageError(`${file}: ${errors.length} ${errors.length === 1 ? 'error' : 'errors'}`);
}

export function registerConfig(program: Command, io: CliIo): void {
  const config = program.command('config').description('check and show a gateway config file (YAML)');

  config
    .command('validate')
    .argument('<file>', 'gateway config, e.g. /etc/touchpoint/gateway.yaml')
    .description('check the config, its secrets and the site registry it names; one problem per line, exit 2 if any')
    .option('--no-registry', 'check the config file alone (no site registry, no secrets file checks against it)')
    .action((file: string, opts: ValidateOptions) => {
      if (!opts.registry) {
        const r = loadConfig(file);
        if (!r.ok) fail(io, file, r.errors, r.warnings);
        for (const w of r.warnings) io.err(formatIssue(w));
        printJson(io, { ok: true, file, gatewayId: r.config.gateway.id, siteId: r.config.gateway.siteId, warnings: r.warnings.length });
        return;
      }
      const r = loadGateway(file);
      if (!r.ok) fail(io, file, r.errors, r.warnings);
      for (const w of r.warnings) io.err(formatIssue(w));
      printJson(io, {
        ok: true,
        file,
        gatewayId: r.config.gateway.id,
        siteId: r.config.gateway.siteId,
        sensorId: r.sensorId,
        registry: { path: relative(process.cwd(), r.config.registry.path) || r.config.registry.path, beacons: r.registry.beacons.length },
        warnings: r.warnings.length,
      });
    });

  config
    .command('show')
    .argument('<file>', 'gateway config')
    .description('print the effective config: defaults applied, relative paths resolved, secrets redacted (one JSON line)')
    .option('--yaml', 'print YAML instead of JSON')
    .action((file: string, opts: ShowOptions) => {
      const r = loadConfig(file);
      if (!r.ok) fail(io, file, r.errors, r.warnings);
      for (const w of r.warnings) io.err(formatIssue(w));
      const shown = redactConfig(r.config, r.hidden);
      if (opts.yaml) io.out(stringify(shown).replace(/\n$/, ''));
      else printJson(io, shown);
    });
}
