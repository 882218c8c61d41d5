/**
 * `touchpoint scan`: what the radio hears, one JSON line per advertisement that carries a beacon
 * frame (address, RSSI, frames decoded by protocol/ble). The same adapters as the gateway:
 * the noble scanner on a Pi, the simulated radio's scanner elsewhere. With `--resolve --registry`
 * each line also says which registered beacon sent it, at which spot (gateway/cli/scan-resolve.ts):
 * the technician's check that a freshly flashed beacon is heard and resolved.
 */
import { type Command, Option } from 'commander';
import { DEFAULT_SIM_RADIO_PORT } from '../../../beacon-sim/radio/wire.js';
import { decodeRadioAdvertisement } from '../../ble/advertisement.js';
import type { NobleLike } from '../../ble/libs.js';
import { DEFAULT_WATCHDOG, createNobleScanner } from '../../ble/scanner.js';
import { createSimScanner } from '../../ble/sim-scanner.js';
import { type Clock, type RadioAdvertisement, systemClock } from '../../core/types.js';
import { intArg, numberArg } from '../args.js';
import { type CliIo, UsageError, printJson, processIo } from '../io.js';
import { type ScanResolver, createScanResolver, loadScanRegistry } from '../scan-resolve.js';

export interface ScanDeps {
  clock?: Clock;
  /** Replaces the lazy import of noble (tests). */
  loadNoble?: () => Promise<NobleLike>;
  /**
   * noble keeps the process alive after scanning stops (its hci.js polls the adapter with a
   * timer it never clears). Default: when running as the real CLI, exit once the scan is over.
   */
  exitAfterBleScan?: boolean;
}

interface ScanOptions {
  radio: 'sim' | 'ble';
  simPort: number;
  duration?: number;
  count?: number;
  all?: boolean;
  dedupe: number;
  hci?: number;
  resolve?: boolean;
  registry?: string;
  secrets?: string;
}

function line(adv: RadioAdvertisement, all: boolean, resolver: ScanResolver | null): Record<string, unknown> | null {
  const d = decodeRadioAdvertisement(adv);
  if (d.frames.length === 0 && d.errors.length === 0 && !all) return null;
  const out: Record<string, unknown> = {
    at: new Date(adv.at.wallMs).toISOString(),
    address: adv.address,
    addressType: adv.addressType,
    rssi: adv.rssi,
  };
  if (resolver) {
    const r = resolver.resolve(adv.address, d.frames, adv.at);
    if (!r) return null;
    Object.assign(out, r);
  }
  out.frames = d.frames;
  if (d.errors.length > 0) out.errors = d.errors;
  if (adv.localName !== undefined) out.localName = adv.localName;
  if (adv.txPowerLevel !== undefined) out.txPowerLevel = adv.txPowerLevel;
  return out;
}

export function registerScan(program: Command, io: CliIo, deps: ScanDeps = {}): void {
  program
    .command('scan')
    .description('print received BLE advertisements that carry beacon frames, one JSON line each (address, RSSI, decoded frames)')
    .addOption(
      new Option('--radio <radio>', "ble: this machine's Bluetooth adapter (noble); sim: the simulated radio on 127.0.0.1")
        .choices(['ble', 'sim'])
        .default('ble'),
    )
    .option('--sim-port <n>', 'UDP port of the simulated radio', intArg('--sim-port', 1, 65_535), DEFAULT_SIM_RADIO_PORT)
    .option('--duration <s>', 'stop after this many seconds (default: until Ctrl-C)', numberArg('--duration'))
    .option('--count <n>', 'stop after printing this many advertisements', intArg('--count', 1, Number.MAX_SAFE_INTEGER))
    .option('--all', 'also print advertisements without a beacon frame (phones, other devices)')
    .option('--dedupe <ms>', 'print the same address+payload (with --resolve: the same beacon and frame kind) at most once per this many ms (0: every advertisement)', intArg('--dedupe', 0, 3_600_000), 1000)
    .option('--hci <n>', 'adapter number N of hciN (--radio ble); default NOBLE_HCI_DEVICE_ID or hci0', intArg('--hci', 0, 255))
    .option('--resolve', 'name each beacon from the site registry: beaconId, spot, item, resolved, status (resolved | unregistered | no-id); EIDs through its identity keys. Dedupes per beacon and frame kind')
    .option('--registry <file>', 'site registry (YAML or JSON) for --resolve')
    .option('--secrets <file>', 'secrets file for ${SECRET:…} references in the registry')
    .action(async (o: ScanOptions) => {
      if (o.duration !== undefined && !(o.duration > 0)) throw new UsageError(`--duration must be > 0 seconds, got ${o.duration}`);
      if (o.resolve && o.registry === undefined) throw new UsageError('--resolve needs --registry <file> (the site registry)');
      if (!o.resolve && (o.registry !== undefined || o.secrets !== undefined)) throw new UsageError('--registry and --secrets are for --resolve');
      // Before the radio starts, so a bad registry is a usage error and not a half-run scan.
      const resolver = o.resolve ? createScanResolver(loadScanRegistry(o.registry!, o.secrets), o.dedupe) : null;
      const clock = deps.clock ?? systemClock;
      const dedupe = { minIntervalMs: o.dedupe };
      const scanner =
        o.radio === 'sim'
          ? createSimScanner({ clock, port: o.simPort, dedupe })
          : createNobleScanner({
              clock,
              dedupe,
              watchdog: DEFAULT_WATCHDOG,
              env: o.hci === undefined ? {} : { hciDeviceId: o.hci },
              ...(deps.loadNoble ? { loadNoble: deps.loadNoble } : {}),
            });

      let printed = 0;
      let finish: (why: string) => void = () => {};
      const done = new Promise<string>((resolve) => (finish = resolve));
      const unsubscribe = scanner.on((adv) => {
        const l = line(adv, o.all ?? false, resolver);
        if (!l) return;
        printed++;
        printJson(io, l);
        if (o.count !== undefined && printed >= o.count) finish('count');
      });
      const onSignal = () => finish('signal');
      let timer: ReturnType<typeof setTimeout> | undefined;
      let why: string;
      try {
        try {
          await scanner.start();
        } catch (e) {
          if (o.radio === 'sim' && (e as { code?: string }).code === 'EADDRINUSE') {
            throw new Error(`UDP port ${o.simPort} on 127.0.0.1 is already in use (another scan or gateway?); pick one with --sim-port`);
          }
          throw e;
        }
        // after noble's own SIGINT handler (installed on the next tick), so ours is the last one
        // and noble does not exit the process itself
        await new Promise((r) => setImmediate(r));
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        if (o.duration !== undefined) timer = setTimeout(() => finish('duration'), o.duration * 1000);
        why = await done;
      } finally {
        clearTimeout(timer);
        process.removeListener('SIGINT', onSignal);
        process.removeListener('SIGTERM', onSignal);
        unsubscribe();
        await scanner.stop();
        if (o.radio === 'ble' && (deps.exitAfterBleScan ?? io === processIo)) {
          // unref: fires only if something (noble's adapter poll) still holds the event loop
          setTimeout(() => process.exit(), 200).unref();
        }
      }
      // stderr, so that stdout stays one advertisement per line
      io.err(JSON.stringify({ summary: { stopped: why, printed, ...scanner.stats(), ...(resolver ? { resolve: resolver.stats() } : {}) } }));
    });
}
