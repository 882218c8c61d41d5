/**
 * `touchpoint doctor [--config <file>] [--json]`: is this gateway ready, and if not, what to do —
 * one line per check with ✓ / ! / ✗ / – and a remedy under each problem (gateway/doctor/doctor.ts).
 * Exit code 1 when something blocks operation. On an installed Pi, `sudo touchpoint-doctor` runs it
 * as the service runs (its user, groups and Bluetooth capabilities).
 */
import { type Command, Option } from 'commander';
import { type DoctorDeps, formatReport, runDoctor } from '../../doctor/doctor.js';
import { intArg } from '../args.js';
import { type CliIo, printJson, processIo } from '../io.js';

interface DoctorCli {
  config: string;
  json?: boolean;
  ntp?: string;
  timeout: number;
}

export function registerDoctor(program: Command, io: CliIo, deps: DoctorDeps = {}): void {
  program
    .command('doctor')
    .description('check everything a gateway needs (Node, config, Bluetooth, bluetoothd, serial sensors, broker, clock, outbox), each with a remedy; exit 1 if something blocks operation')
    .option('--config <file>', 'gateway config', '/etc/touchpoint/gateway.yaml')
    .option('--json', 'one JSON object for machines: { ok, config, checks: [{ id, status, detail, remedy }] }')
    .option('--ntp <server>', 'measure the clock offset against this NTP server (host or host:port, UDP 123)')
    .addOption(new Option('--timeout <ms>', 'wait for the Bluetooth adapter and the broker').argParser(intArg('--timeout', 100, 120_000)).default(8000))
    .action(async (o: DoctorCli) => {
      let nobleLoaded = false;
      const report = await runDoctor(
        { config: o.config, ...(o.ntp ? { ntp: o.ntp } : {}), bleTimeoutMs: o.timeout, brokerTimeoutMs: o.timeout, onNobleLoaded: () => (nobleLoaded = true) },
        deps,
      );
      if (o.json) printJson(io, report);
      else for (const line of formatReport(report)) io.out(line);
      // noble's adapter poll holds the event loop (scan.ts has the same note): end the real CLI once done
      if (nobleLoaded && io === processIo) setTimeout(() => process.exit(), 200).unref();
      const failed = report.checks.filter((c) => c.status === 'fail').map((c) => c.id);
      if (failed.length > 0) throw new Error(`not ready: ${failed.join(', ')}`);
    });
}
