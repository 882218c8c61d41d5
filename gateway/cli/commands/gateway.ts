import type { Command } from 'commander';
import { formatIssue, loadGateway } from '../../config/index.js';
import { join } from 'node:path';
import { readOutboxSummary } from '../../health/index.js';
import { LOG_LEVELS, parseLogLevel } from '../../log/index.js';
import { createSdNotifier } from '../../provision/sd-notify.js';
import { startGateway } from '../../run/gateway.js';
import { type CliIo, UsageError, printJson } from '../io.js';

export function registerGateway(program: Command, io: CliIo): void {
  const gateway = program.command('gateway').description('the gateway process');
  gateway
    .command('run')
    .description('run the gateway: radio (noble/bleno or simulated), serial sensors, pipeline, durable outbox, MQTT')
    .requiredOption('--config <file>', 'gateway YAML config (see examples/gateway.yaml)')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent (default: log.level in the config, else info)')
    .action(async (o: { config: string; logLevel?: string }) => {
      const logLevel = o.logLevel === undefined ? undefined : parseLogLevel(o.logLevel);
      if (o.logLevel !== undefined && !logLevel) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
      const loaded = loadGateway(o.config);
      if (!loaded.ok) {
        for (const e of loaded.errors) io.err(formatIssue(e));
        throw new UsageError(`${o.config} is not a usable config`);
      }
      for (const w of loaded.warnings) io.err(formatIssue(w));
      // Logs: pino JSON lines on stdout for journald, pretty in a terminal (gateway/log).
      const g = await startGateway({ ...loaded, configPath: o.config, ...(logLevel ? { logLevel } : {}) });
      printJson(io, { running: { gatewayId: loaded.config.gateway.id, siteId: loaded.config.gateway.siteId, sensorId: g.pipeline.sensorId, broker: g.brokerUrl } });
      // Under systemd (Type=notify, WatchdogSec): READY once running, then the watchdog heartbeat.
      const notify = createSdNotifier();
      await notify.ready(`gateway ${loaded.config.gateway.id} running`);
      const stopBeat = notify.startWatchdog();
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      stopBeat();
      await notify.stopping();
      await g.stop();
      // stop() closed the outbox; what is left in it for the next start is read from the file.
      const left = readOutboxSummary(join(g.remote.config.gateway.dataDir, 'outbox.sqlite'));
      printJson(io, { stopped: { outbox: left.ok ? { queued: left.summary.queued, deadLetters: left.summary.deadLetters.total, nextSeq: left.summary.nextSeq } : left.message } });
    });
}
