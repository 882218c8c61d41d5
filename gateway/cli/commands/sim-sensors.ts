/**
 * `sim sensors`: an LD2410 radar and a TP1 touch bridge emulated on real pseudo-terminals, for a
 * laptop without hardware. Prints one JSON line with the device paths to configure in the gateway
 * (exactly as /dev/touchpoint-radar0 and /dev/touchpoint-touch0), runs until SIGINT/SIGTERM or
 * --duration, then stops the emulators and socat and prints a summary line.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import { SENSOR_SCENARIOS, type SensorSim, startSensorSim } from '../../../beacon-sim/sensors/sim.js';
import { intArg, numberArg } from '../args.js';
import { type CliIo, UsageError, printJson } from '../io.js';

export interface SimSensorsOptions {
  dir?: string;
  scenario: string;
  seed: number;
  duration?: number;
}

/** Runs the sim until a signal, the duration, or `abort` (tests). */
export async function runSimSensors(o: SimSensorsOptions, io: CliIo, abort?: AbortSignal): Promise<void> {
  if (!SENSOR_SCENARIOS[o.scenario]) throw new UsageError(`unknown scenario ${JSON.stringify(o.scenario)}; known: ${Object.keys(SENSOR_SCENARIOS).join(', ')}`);
  if (o.duration !== undefined && !(o.duration > 0)) throw new UsageError('--duration must be a positive number of seconds');
  const ownDir = o.dir === undefined;
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'touchpoint-sim-'));
  if (!ownDir) mkdirSync(dir, { recursive: true });
  let sim: SensorSim;
  try {
    sim = await startSensorSim({ dir, scenario: o.scenario, seed: o.seed });
  } catch (e) {
    if (ownDir) rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  printJson(io, { radar: sim.radarPath, touch: sim.touchPath });
  io.err(
    `touchpoint: ${SENSOR_SCENARIOS[o.scenario]!.description}. LD2410 on ${sim.radarPath} (256000 baud), touch bridge on ${sim.touchPath} (TP1, 115200 baud). ` +
      (o.duration ? `Stopping after ${o.duration} s.` : 'Ctrl-C to stop.'),
  );

  const reason = await new Promise<string>((resolve) => {
    const handlers: [NodeJS.Signals, () => void][] = (['SIGINT', 'SIGTERM'] as const).map((sig) => [sig, () => finish(sig)]);
    let timer: NodeJS.Timeout | undefined;
    const finish = (why: string) => {
      for (const [sig, h] of handlers) process.off(sig, h);
      clearTimeout(timer);
      abort?.removeEventListener('abort', onAbort);
      resolve(why);
    };
    const onAbort = () => finish('aborted');
    for (const [sig, h] of handlers) process.once(sig, h);
    if (o.duration) timer = setTimeout(() => finish('duration'), o.duration * 1000);
    if (abort?.aborted) finish('aborted');
    else abort?.addEventListener('abort', onAbort);
  });

  try {
    await sim.stop();
  } finally {
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  }
  printJson(io, { stopped: reason, radarReports: sim.radar.reportsSent, radarCommands: sim.radar.commands.length, touchLines: sim.touch.linesSent });
}

export function registerSimSensors(sim: Command, io: CliIo): void {
  sim
    .command('sensors')
    .description('emulate an LD2410 radar and a TP1 touch bridge on pseudo-terminals (needs socat); prints the device paths as JSON')
    .option('--dir <dir>', 'where the device links go (default: a new temporary directory, removed on exit)')
    .addOption(new Option('--scenario <name>', 'what happens at the shelf').choices(Object.keys(SENSOR_SCENARIOS)).default('shopper'))
    .addOption(new Option('--seed <n>', 'seed of the sensor noise and of the random scenario').argParser(intArg('--seed', 0, 0xffffffff)).default(1))
    .addOption(new Option('--duration <s>', 'stop after this many seconds (default: until SIGINT/SIGTERM)').argParser(numberArg('--duration')))
    .action((o: SimSensorsOptions) => runSimSensors(o, io));
}
