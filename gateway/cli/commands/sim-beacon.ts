/**
 * `sim beacon`: a provisioned beacon on the simulated radio, for checking the technician flow
 * without hardware. It reads the config record `provision beacon` wrote (the same Intel HEX that
 * `flash beacon` programs) and sends what the firmware would send from it (beacon-sim/beacon,
 * cross-checked byte for byte against the C core), so `scan --resolve` and the gateway resolve it
 * exactly as they would resolve the flashed chip. The beacon boots when the command starts.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { createRecordBeacon, recordBeaconAddress, runRecordBeacon } from '../../../beacon-sim/beacon/record-beacon.js';
import { createSimBroadcaster } from '../../../beacon-sim/radio/broadcaster.js';
import { DEFAULT_SIM_RADIO_PORT } from '../../../beacon-sim/radio/wire.js';
import { beaconConfigFromIntelHex } from '../../../protocol/beacon-config/config-hex.js';
import { intArg, numberArg } from '../args.js';
import { type CliIo, UsageError, printJson } from '../io.js';

interface SimBeaconOptions {
  config: string;
  simPort: number;
  duration?: number;
  rssi: number;
  pressEvery?: number;
}

export async function runSimBeacon(o: SimBeaconOptions, io: CliIo, abort?: AbortSignal): Promise<void> {
  if (o.duration !== undefined && !(o.duration > 0)) throw new UsageError(`--duration must be > 0 seconds, got ${o.duration}`);
  if (o.pressEvery !== undefined && !(o.pressEvery >= 0.05)) throw new UsageError(`--press-every must be ≥ 0.05 s, got ${o.pressEvery}`);
  let text: string;
  try {
    text = readFileSync(o.config, 'utf8');
  } catch (e) {
    throw new UsageError(`--config ${o.config}: ${(e as Error).message}`);
  }
  const parsed = beaconConfigFromIntelHex(text);
  if (!parsed.ok) throw new UsageError(`--config ${o.config}: ${parsed.reason}`);
  const { config } = parsed;

  const bootWallMs = Date.now();
  const beacon = createRecordBeacon({ config, bootWallMs });
  const radio = createSimBroadcaster({ port: o.simPort });
  const running = runRecordBeacon({ beacon, radio, rssi: o.rssi });
  const press = o.pressEvery === undefined ? undefined : setInterval(() => beacon.press(Date.now()), o.pressEvery * 1000);
  // The identity key stays in the record: only what is on air anyway is printed.
  printJson(io, {
    address: recordBeaconAddress(config),
    simPort: o.simPort,
    slots: config.slots.map((s) => s.type),
    intervalMs: config.intervalMs,
    deviceId: config.deviceId,
    bootedAt: new Date(bootWallMs).toISOString(),
  });

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

  running.stop();
  clearInterval(press);
  await radio.close();
  io.err(JSON.stringify({ summary: { stopped: reason, sent: running.sent(), presses: beacon.presses(), radioErrors: radio.stats().errors } }));
}

export function registerSimBeacon(sim: Command, io: CliIo): void {
  sim
    .command('beacon')
    .description('play a provisioned beacon on the simulated radio: the frames its config record (.hex from `provision beacon`) makes the firmware send')
    .requiredOption('--config <hex>', 'config record from `provision beacon`')
    .option('--sim-port <n>', 'UDP port of the simulated radio (where the gateway or `scan --radio sim` listens)', intArg('--sim-port', 1, 65_535), DEFAULT_SIM_RADIO_PORT)
    .option('--duration <s>', 'stop after this many seconds (default: until Ctrl-C)', numberArg('--duration'))
    .option('--rssi <dBm>', 'RSSI the receiver reports', intArg('--rssi', -127, 20), -50)
    .option('--press-every <s>', "press the beacon's button/touch input every this many seconds (event frames)", numberArg('--press-every'))
    .action((o: SimBeaconOptions) => runSimBeacon(o, io));
}
