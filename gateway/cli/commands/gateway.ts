import type { Command } from 'commander';
import { formatIssue, loadGateway } from '../../config/index.js';
import { createSdNotifier } from '../../provision/sd-notify.js';
import { startGateway } from '../../run/gateway.js';
import { type CliIo, UsageError, printJson } from '../io.js';

export function registerGateway(program: Command, io: CliIo): void {
  const gateway = program.command('gateway').description('the gateway process');
  gateway
    .command('run')
    .description('run the gateway: radio (noble/bleno or simulated), serial sensors, pipeline, durable outbox, MQTT')
    .requiredOption('--config <file>', 'gateway YAML config (see examples/gateway.yaml)')
    .action(async (o: { config: string }) => {
      const loaded = loadGateway(o.config);
      if (!loaded.ok) {
        for (const e of loaded.errors) io.err(formatIssue(e));
        throw new UsageError(`${o.config} is not a usable config`);
      }
      for (const w of loaded.warnings) io.err(formatIssue(w));
      const g = await startGateway({ ...loaded, log: (r) => io.err(JSON.stringify(r)) });
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
      printJson(io, { stopped: { outbox: g.outbox.stats() } });
    });
}
