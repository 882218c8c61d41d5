/**
 * `touchpoint provision beacon` and `touchpoint flash beacon`: make a Touchpoint beacon's
 * provisioning record (hardware/beacon-firmware, config page as Intel HEX; format in
 * protocol/beacon-config) and put firmware + record on the chip with OpenOCD.
 *
 * Identity keys come from node:crypto randomBytes and are never printed unless --show-secrets.
 * With --registry, the beacon's identities are added to the site registry (protocol/registry):
 * `eid:<site>.<spot>` with its EID registration when the beacon sends EID, plus its iBeacon and
 * Eddystone-UID IDs, all at --spot.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes as nodeRandomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { beaconConfigFromIntelHex, beaconConfigToIntelHex } from '../../../protocol/beacon-config/config-hex.js';
import { decodeIntelHex } from '../../../protocol/beacon-config/intel-hex.js';
import { type BeaconChip, type BeaconConfigInput, type BeaconSlot, CONFIG_ADDRESS, TX_POWER_STEPS, normalizeBeaconConfig } from '../../../protocol/beacon-config/record.js';
import { eventDeviceId } from '../../../protocol/ble/touchpoint-event.js';
import { toHex } from '../../../protocol/bytes.js';
import type { RegisteredBeacon } from '../../../protocol/registry/index.js';
import { allocateSpotIds, readRegistryFile, saveRegistryFile } from '../../provision/spot-identity.js';
import { intArg } from '../args.js';
import { type CliIo, UsageError, printJson } from '../io.js';

export interface BeaconDeps {
  randomBytes?: (n: number) => Uint8Array;
  nowMs?: () => number;
  /** Runs one OpenOCD command line (argv); default spawnSync with inherited stdio. */
  runProbe?: (argv: string[]) => number;
}

const FRAME_NAMES = ['ibeacon', 'eddystone-uid', 'eddystone-url', 'eddystone-tlm', 'eddystone-etlm', 'eddystone-eid', 'event'] as const;
type FrameName = (typeof FRAME_NAMES)[number];
const DEFAULT_FRAMES: FrameName[] = ['ibeacon', 'eddystone-uid', 'eddystone-tlm', 'eddystone-eid'];
const NAME_RE = /^[A-Za-z0-9._-]{1,64}$/;

function framesArg(v: string): FrameName[] {
  const list = v.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = list.filter((f) => !(FRAME_NAMES as readonly string[]).includes(f));
  if (bad.length > 0) throw new InvalidArgumentError(`unknown frame ${bad.join(', ')} (known: ${FRAME_NAMES.join(', ')})`);
  if (list.length === 0 || list.length > 8) throw new InvalidArgumentError('--frames lists 1..8 frames');
  return list as FrameName[];
}

function nameArg(option: string): (v: string) => string {
  return (v) => {
    if (!NAME_RE.test(v)) throw new InvalidArgumentError(`${option} must match [A-Za-z0-9._-]{1,64}, got ${JSON.stringify(v)}`);
    return v;
  };
}

interface ProvisionOptions {
  site: string;
  spot: string;
  frames: FrameName[];
  out: string;
  registry?: string;
  showSecrets?: boolean;
  chip: BeaconChip;
  interval: number;
  txPower: number;
  exponent: number;
  timeReference: number;
  uuid?: string;
  major?: number;
  minor?: number;
  namespace?: string;
  url?: string;
  inputPin?: number;
}

// The 8-byte id in event frames of beacons without an identity key; gateways map it back through
// the registry (protocol/registry indexedBeaconId), so the rule lives in protocol/ble.
export { eventDeviceId };

function provision(o: ProvisionOptions, io: CliIo, deps: BeaconDeps): void {
  const random = deps.randomBytes ?? ((n: number) => Uint8Array.from(nodeRandomBytes(n)));
  const now = deps.nowMs ?? Date.now;
  if (o.frames.includes('eddystone-url') && !o.url) throw new UsageError('--frames eddystone-url needs --url');
  if (!(TX_POWER_STEPS as readonly number[]).includes(o.txPower)) {
    throw new UsageError(`--tx-power must be one of ${TX_POWER_STEPS.join(', ')} dBm`);
  }
  const registry = o.registry ? readRegistryFile(o.registry, o.site) : null;
  const taken = new Set(registry?.registry.beacons.map((b) => b.beaconId) ?? []);

  // Calibration defaults for 0 dBm: −59 dBm at 1 m (notes §5.1), so −18 dBm at 0 m for Eddystone
  // (the spec's 41 dB loss over the first metre, notes §2.2); both shift with the radio power.
  const rssi1m = -59 + o.txPower;
  const tx0m = rssi1m + 41;
  const needsKey = o.frames.includes('eddystone-eid') || o.frames.includes('eddystone-etlm');
  const identityKey = needsKey ? toHex(random(16)) : null;
  // the ID choice is shared with `provision gateway` (gateway/provision/spot-identity.ts)
  const { ids, uuid, major, minor, namespace, instance } = allocateSpotIds({
    site: o.site,
    spot: o.spot,
    eid: o.frames.includes('eddystone-eid'),
    ibeacon: o.frames.includes('ibeacon'),
    uid: o.frames.includes('eddystone-uid'),
    taken,
    random,
    ...(o.uuid !== undefined ? { uuid: o.uuid } : {}),
    ...(o.major !== undefined ? { major: o.major } : {}),
    ...(o.minor !== undefined ? { minor: o.minor } : {}),
    ...(o.namespace !== undefined ? { namespace: o.namespace } : {}),
  });

  const slots: BeaconSlot[] = o.frames.map((f): BeaconSlot => {
    switch (f) {
      case 'ibeacon':
        return { type: 'ibeacon', uuid, major, minor, measuredPower: rssi1m };
      case 'eddystone-uid':
        return { type: 'eddystone-uid', namespace, instance, txPower: tx0m };
      case 'eddystone-url':
        return { type: 'eddystone-url', url: o.url!, txPower: tx0m };
      case 'eddystone-eid':
        return { type: 'eddystone-eid', txPower: tx0m };
      default:
        return { type: f };
    }
  });
  const primary = ids[0] ?? `eid:${o.site}.${o.spot}`;
  const input: BeaconConfigInput = {
    intervalMs: o.interval,
    txPowerDbm: o.txPower,
    timeReference: o.timeReference,
    identityKey,
    eidExponent: o.exponent,
    deviceId: eventDeviceId(primary),
    input: o.inputPin === undefined ? null : { pin: o.inputPin, activeLow: true, pull: true, debounceMs: 30 },
    slots,
  };
  let hex: string;
  try {
    normalizeBeaconConfig(input);
    hex = beaconConfigToIntelHex(input, o.chip);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  writeFileSync(o.out, hex, { mode: 0o600 });
  // The beacon's counter starts at the time reference when the flashed chip resets; flashing
  // follows provisioning, so "now" is the clock reference (the resolver tolerates ±600 s).
  const wallMsAt = now();
  const frames = o.frames
    .filter((f): f is Exclude<FrameName, 'event'> => f !== 'event')
    .map((f) => {
      const s = slots[o.frames.indexOf(f)]!;
      const measuredPower = 'measuredPower' in s ? s.measuredPower : 'txPower' in s ? s.txPower : undefined;
      return {
        type: f,
        intervalMs: o.interval * o.frames.length, // one slot per interval, round-robin
        ...(measuredPower !== undefined ? { measuredPower } : {}),
        ...(f === 'eddystone-url' ? { url: o.url! } : {}),
      };
    });
  const entries: RegisteredBeacon[] = ids.map((beaconId) => ({
    beaconId,
    spot: o.spot,
    ...(beaconId.startsWith('eid:') && identityKey ? { eid: { identityKey, exponent: o.exponent, beaconSecondsAt: o.timeReference, wallMsAt } } : {}),
    frames,
  }));
  // mode 600: it holds identity keys
  if (registry) saveRegistryFile(registry, { beacons: entries });
  const secret = (v: string | null) => (v === null ? null : o.showSecrets ? v : '(hidden; --show-secrets)');
  printJson(io, {
    siteId: o.site,
    spot: o.spot,
    beaconIds: ids,
    frames: o.frames,
    chip: o.chip,
    configAddress: `0x${CONFIG_ADDRESS[o.chip].toString(16).padStart(8, '0')}`,
    out: o.out,
    registry: o.registry ?? null,
    deviceId: input.deviceId,
    identityKey: secret(identityKey),
    exponent: needsKey ? o.exponent : null,
    timeReference: o.timeReference,
    wallMsAt: needsKey ? wallMsAt : null,
  });
}

interface FlashOptions {
  firmware: string;
  config: string;
  probe: 'openocd';
  interface: string;
  dryRun?: boolean;
}

/** Quotes an argument for a POSIX shell only when it needs it (for the printed command line). */
function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function flash(o: FlashOptions, io: CliIo, deps: BeaconDeps): number {
  const read = (path: string, what: string): string => {
    try {
      return readFileSync(path, 'utf8');
    } catch (e) {
      throw new UsageError(`${what} ${path}: ${(e as Error).message}`);
    }
  };
  const cfg = beaconConfigFromIntelHex(read(o.config, '--config'));
  if (!cfg.ok) throw new UsageError(`--config ${o.config}: ${cfg.reason}`);
  if (cfg.chip === null) throw new UsageError(`--config ${o.config}: record at 0x${cfg.address.toString(16)} is not the config page of a known chip`);
  const fw = decodeIntelHex(read(o.firmware, '--firmware'));
  if (!fw.ok) throw new UsageError(`--firmware ${o.firmware}: line ${fw.line}: ${fw.reason}`);
  const page = CONFIG_ADDRESS[cfg.chip];
  const clash = fw.segments.find((s) => s.address + s.data.length > page && s.address < page + 0x1000);
  if (clash) throw new UsageError(`--firmware ${o.firmware} writes into the config page at 0x${page.toString(16)}: not a beacon image for ${cfg.chip}`);
  // OpenOCD's nrf52 target covers both parts; `program` erases the sectors it writes, verifies
  // and (last) resets. Two runs so a bad firmware image never leaves a half-written config.
  const base = ['openocd', '-f', `interface/${o.interface}.cfg`, '-f', 'target/nrf52.cfg'];
  const commands = [
    [...base, '-c', `program ${o.firmware} verify exit`],
    [...base, '-c', `program ${o.config} verify reset exit`],
  ];
  for (const c of commands) io.out(c.map(shellQuote).join(' '));
  if (o.dryRun) return 0;
  const run = deps.runProbe ?? ((argv: string[]) => spawnSync(argv[0]!, argv.slice(1), { stdio: 'inherit' }).status ?? 1);
  for (const c of commands) {
    const code = run(c);
    if (code !== 0) {
      io.err(`openocd exited with ${code}`);
      return code;
    }
  }
  return 0;
}

function subcommandOf(program: Command, name: string, description: string): Command {
  return program.commands.find((c) => c.name() === name) ?? program.command(name).description(description);
}

export function registerBeacon(program: Command, io: CliIo, deps: BeaconDeps = {}): void {
  subcommandOf(program, 'provision', 'make provisioning files for Touchpoint devices')
    .command('beacon')
    .description('make a beacon config record (Intel HEX for the config flash page) and register the beacon')
    .requiredOption('--site <id>', 'site ID', nameArg('--site'))
    .requiredOption('--spot <id>', 'spot the beacon marks', nameArg('--spot'))
    .option('--frames <list>', `comma-separated slots, sent round-robin (${FRAME_NAMES.join(', ')})`, framesArg, DEFAULT_FRAMES)
    .requiredOption('--out <file.hex>', 'where to write the config record (Intel HEX)')
    .option('--registry <file>', 'site registry (JSON or YAML) to add the beacon to; created if missing')
    .option('--show-secrets', 'print the EID identity key')
    .option('--chip <part>', 'nrf52832 or nrf52840', (v) => {
      if (v !== 'nrf52832' && v !== 'nrf52840') throw new InvalidArgumentError('--chip must be nrf52832 or nrf52840');
      return v;
    }, 'nrf52832')
    .option('--interval <ms>', 'advertising interval: one slot per interval', intArg('--interval', 20, 10240), 1000)
    .option('--tx-power <dBm>', 'radio TX power', intArg('--tx-power', -40, 4), 0)
    .option('--exponent <K>', 'EID rotation exponent 0..15', intArg('--exponent', 0, 15), 10)
    .option('--time-reference <s>', "beacon seconds counter at boot (Nordic's example starts at 65280)", intArg('--time-reference', 0, 0xffffffff), 65280)
    .option('--uuid <uuid>', 'iBeacon proximity UUID (default: derived from the site)')
    .option('--major <n>', 'iBeacon major (default: derived from the site)', intArg('--major', 0, 0xffff))
    .option('--minor <n>', 'iBeacon minor (default: random, unused in the registry)', intArg('--minor', 0, 0xffff))
    .option('--namespace <hex>', 'Eddystone-UID namespace, 10 bytes (default: SHA-1 of "<site>.touchpoint")')
    .option('--url <url>', 'Eddystone-URL target')
    .option('--input-pin <n>', 'button/touch input on P0.n (active low, pull-up, 30 ms debounce)', intArg('--input-pin', 0, 31))
    .action((o: ProvisionOptions) => provision(o, io, deps));

  subcommandOf(program, 'flash', 'write firmware and configuration to a device')
    .command('beacon')
    .description('flash the beacon firmware and its config record through a debug probe (OpenOCD)')
    .requiredOption('--firmware <hex>', 'firmware image (make -C hardware/beacon-firmware firmware → build/beacon.hex)')
    .requiredOption('--config <hex>', 'config record from `provision beacon`')
    .option('--probe <tool>', 'flashing tool (openocd)', (v) => {
      if (v !== 'openocd') throw new InvalidArgumentError('--probe supports openocd');
      return v;
    }, 'openocd')
    .option('--interface <name>', 'OpenOCD interface config (interface/<name>.cfg)', 'cmsis-dap')
    .option('--dry-run', 'print the commands without running them')
    .action((o: FlashOptions) => {
      const code = flash(o, io, deps);
      if (code !== 0) throw new Error(`flashing failed (openocd exit ${code})`);
    });
}
