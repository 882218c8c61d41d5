/**
 * `radar info` / `radar config`: what a technician runs at the shelf to see and change an LD2410's
 * configuration. Both open the port directly (stop the gateway first: serialport locks the device),
 * run one configuration session (enable-config → commands → end-config, each ACK awaited, notes §3.3)
 * and print one JSON object with what the radar reports afterwards.
 */
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { SerialPort } from 'serialport';
import type { Ld2410Command, Ld2410Parameters } from '../../../protocol/sensors/ld2410/commands.js';
import { MAX_NO_ONE_TIMEOUT_S } from '../../../protocol/sensors/ld2410/commands.js';
import { MAX_ENERGY, MAX_GATE } from '../../../protocol/sensors/ld2410/report.js';
import { BAUD_RATES, type ProtocolInfo } from '../../../protocol/sensors/ld24xx/common.js';
import { DEFAULT_ACK_TIMEOUT_MS, RadarCommandError, type RadarSession, radarSession } from '../../sensors/radar-session.js';
import { RADAR_DEFAULT_BAUD } from '../../sensors/radar-adapter.js';
import { intArg } from '../args.js';
import { type CliIo, UsageError, printJson } from '../io.js';

type Session = RadarSession<'ld2410'>;

interface PortOptions {
  port: string;
  baud: number;
  ackTimeout: number;
}

interface Sensitivity {
  gate: number | 'all';
  movingSensitivity: number;
  staticSensitivity: number;
}

interface ConfigOptions extends PortOptions {
  maxGate?: number;
  timeout?: number;
  sensitivity?: Sensitivity[];
  engineering?: 'on' | 'off';
  resolution?: 75 | 20;
}

export interface RadarState {
  port: string;
  protocol: ProtocolInfo;
  firmware: { version: string; type: number } | null;
  parameters: Ld2410Parameters | null;
  /** Gate size setting; null when the firmware does not answer (0x00AB exists on B/C firmware ≥ 2.04). */
  resolutionCm: 75 | 20 | null;
  mac: string | null;
  bluetooth: boolean | null;
}

const baudArg = (v: string): number => {
  const n = Number(v);
  if (!BAUD_RATES.some(([, b]) => b === n)) throw new InvalidArgumentError(`--baud must be one of ${BAUD_RATES.map(([, b]) => b).join(', ')} (notes §3.1)`);
  return n;
};

/** `gate:moving:static`, gate 0–8 or "all" (the datasheet's FFFF), sensitivities 0–100. */
export function parseSensitivity(spec: string): Sensitivity {
  const m = /^(all|\d+):(\d+):(\d+)$/.exec(spec.trim());
  if (!m) throw new InvalidArgumentError(`--sensitivity takes gate:moving:static (e.g. 3:40:30 or all:50:40), got ${JSON.stringify(spec)}`);
  const gate = m[1] === 'all' ? ('all' as const) : Number(m[1]);
  const [moving, still] = [Number(m[2]), Number(m[3])];
  if (gate !== 'all' && gate > MAX_GATE) throw new InvalidArgumentError(`--sensitivity gate must be 0..${MAX_GATE} or all, got ${gate}`);
  if (moving > MAX_ENERGY || still > MAX_ENERGY) throw new InvalidArgumentError(`--sensitivity values must be 0..${MAX_ENERGY}, got ${spec}`);
  return { gate, movingSensitivity: moving, staticSensitivity: still };
}

function resolutionArg(v: string): 75 | 20 {
  const n = Number(v);
  if (n === 0.75) return 75;
  if (n === 0.2) return 20;
  throw new InvalidArgumentError(`--resolution is 0.75 or 0.2 (metres per gate, notes §3.3 0x00AA), got ${JSON.stringify(v)}`);
}

async function openPort(path: string, baudRate: number): Promise<SerialPort> {
  const port = new SerialPort({ path, baudRate, autoOpen: false });
  port.on('error', () => {}); // errors surface as failed commands; an unhandled 'error' would kill the CLI
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(new Error(`cannot open ${path}: ${e.message}`)) : resolve())));
  return port;
}

/** Opens the port, runs fn inside one configuration session, always closes. */
async function withSession<T>(o: PortOptions, fn: (s: Session, protocol: ProtocolInfo) => Promise<T>): Promise<T> {
  const port = await openPort(o.port, o.baud);
  const session = radarSession(port, { model: 'ld2410', timeoutMs: o.ackTimeout });
  try {
    return await session.inConfig(fn);
  } catch (e) {
    if (e instanceof RadarCommandError && e.endConfigError) {
      throw new Error(`${e.message}; end-config failed too (${e.endConfigError.message}): the radar may still be in configuration mode and not reporting — power-cycle it`);
    }
    throw e;
  } finally {
    session.dispose();
    if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }
}

/** A query that older firmware may not know: NAK or silence gives null and a warning, not a failure. */
async function optional<T>(io: CliIo, what: string, fn: () => Promise<T>): Promise<T | null> {
  try {
    return await fn();
  } catch (e) {
    if (!(e instanceof RadarCommandError) || (e.reason !== 'nak' && e.reason !== 'timeout')) throw e;
    io.err(`touchpoint: ${what} not available: ${e.message}`);
    return null;
  }
}

async function readState(s: Session, protocol: ProtocolInfo, port: string, io: CliIo): Promise<RadarState> {
  const fw = (await s.send({ command: 'readFirmware' })).payload;
  const parameters = (await s.send({ command: 'readParameters' })).payload;
  const resolution = await optional(io, 'distance resolution', async () => (await s.send({ command: 'getDistanceResolution' })).payload);
  const mac = await optional(io, 'MAC address', async () => (await s.send({ command: 'getMac' })).payload);
  return {
    port,
    protocol,
    firmware: fw ? { version: fw.version, type: fw.firmwareType } : null,
    parameters,
    resolutionCm: resolution?.resolutionCm ?? null,
    mac: mac && !mac.bluetoothOff ? mac.mac : null,
    bluetooth: mac ? !mac.bluetoothOff : null,
  };
}

function portOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--port <path>', 'serial device, e.g. /dev/touchpoint-radar0 or /dev/ttyAMA0')
    .addOption(new Option('--baud <n>', 'baud rate').argParser(baudArg).default(RADAR_DEFAULT_BAUD))
    .addOption(new Option('--ack-timeout <ms>', 'how long to wait for each ACK').argParser(intArg('--ack-timeout', 10, 60_000)).default(DEFAULT_ACK_TIMEOUT_MS));
}

export function registerRadar(program: Command, io: CliIo): void {
  const radar = program.command('radar').description('read or change the configuration of an HLK-LD2410 radar on a serial port (stop the gateway first)');

  portOptions(radar.command('info'))
    .description('print firmware, parameters, distance resolution and MAC as JSON')
    .action(async (o: PortOptions) => {
      printJson(io, await withSession(o, (s, protocol) => readState(s, protocol, o.port, io)));
    });

  portOptions(radar.command('config'))
    .description('change parameters (enable config → commands → end config, each ACK awaited), then print what the radar reports')
    .addOption(new Option('--max-gate <n>', 'farthest gate for moving and stationary targets (2–8, notes §3.3)').argParser(intArg('--max-gate', 2, MAX_GATE)))
    .addOption(new Option('--timeout <s>', 'no-one duration: seconds the radar keeps reporting presence after the target left').argParser(intArg('--timeout', 0, MAX_NO_ONE_TIMEOUT_S)))
    .addOption(
      new Option('--sensitivity <gate:moving:static...>', 'gate thresholds 0–100 (lower = more sensitive), e.g. 3:40:30 or all:50:40').argParser(
        (v: string, prev: Sensitivity[] | undefined) => [...(prev ?? []), parseSensitivity(v)],
      ),
    )
    .addOption(new Option('--engineering <on|off>', 'engineering reports (per-gate energies); volatile, ends at restart').choices(['on', 'off']))
    .addOption(new Option('--resolution <metres>', 'gate size 0.75 or 0.2 (takes effect after the radar restarts)').argParser(resolutionArg))
    .action(async (o: ConfigOptions) => {
      const wanted = [o.maxGate, o.timeout, o.sensitivity, o.engineering, o.resolution].some((v) => v !== undefined);
      if (!wanted) throw new UsageError('nothing to change: give --max-gate, --timeout, --sensitivity, --engineering or --resolution (radar info only reads)');
      const applied: string[] = [];
      const state = await withSession(o, async (s, protocol) => {
        const run = async (c: Ld2410Command) => {
          await s.send(c);
          applied.push(c.command);
        };
        if (o.maxGate !== undefined || o.timeout !== undefined) {
          // 0x0060 sets all three values at once: keep the current ones that were not given
          const current = o.maxGate === undefined || o.timeout === undefined ? (await s.send({ command: 'readParameters' })).payload : null;
          await run({
            command: 'setMaxGates',
            maxMovingGate: o.maxGate ?? current!.maxMovingGate,
            maxStaticGate: o.maxGate ?? current!.maxStaticGate,
            noOneTimeoutS: o.timeout ?? current!.noOneTimeoutS,
          });
        }
        for (const sens of o.sensitivity ?? []) await run({ command: 'setGateSensitivity', ...sens });
        if (o.engineering) await run({ command: o.engineering === 'on' ? 'engineeringOn' : 'engineeringOff' });
        if (o.resolution !== undefined) await run({ command: 'setDistanceResolution', resolutionCm: o.resolution });
        return readState(s, protocol, o.port, io);
      });
      const out: RadarState & { applied: string[]; reports?: 'engineering' | 'basic'; restartRequired?: boolean } = { ...state, applied };
      if (o.engineering) out.reports = o.engineering === 'on' ? 'engineering' : 'basic';
      if (o.resolution !== undefined) {
        out.restartRequired = true;
        io.err('touchpoint: the distance resolution takes effect after the radar restarts (power-cycle it)');
      }
      printJson(io, out);
    });
}
