/**
 * `touchpoint sim store --layout <file>`: the virtual store (beacon-sim/store) against gateways that
 * are already running and a broker — shoppers walk the floor, beacons advertise to each gateway's
 * simulated-radio port, radars and touch pads answer on pseudo-terminals, phones publish user
 * communications and show the content items they get. Prints one line per event (JSON lines with
 * --json), a summary line at the end. `--write-configs <dir>` writes the site registry, a gateway
 * config per gateway and the CRM export for this layout, then exits: run those gateways first.
 *
 * Time: --duration is in store seconds (wall time = duration / speed). Gateways started from
 * their own configs stamp with the system clock, which equals the store clock only at --speed 1
 * (beacon-sim/store clock.ts); for faster runs start them in-process on `startStoreSim().clock`.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { formatIssue } from '../../config/index.js';
import { describeStoreEvent } from '../../../beacon-sim/store/describe.js';
import { feedMapFromBroker } from '../../../beacon-sim/store/map/feed-mqtt.js';
import { type StoreMap, startStoreMap } from '../../../beacon-sim/store/map/server.js';
import { deriveGateways, writeGatewayFiles } from '../../../beacon-sim/store/derive.js';
import { loadLayout } from '../../../beacon-sim/store/layout.js';
import { customersToCsv, startStoreSim } from '../../../beacon-sim/store/run.js';
import { createStoreEngine } from '../../../beacon-sim/store/engine.js';
import { intArg, numberArg } from '../args.js';
import { type CliIo, UsageError, printJson } from '../io.js';

export interface SimStoreOptions {
  layout: string;
  shoppers?: number;
  speed: number;
  seed: number;
  duration?: number;
  broker?: string;
  phoneUser?: string;
  phonePasswordEnv?: string;
  radio: 'sim' | 'ble' | 'none';
  bleDisplays?: string;
  devDir?: string;
  sensors: boolean;
  json?: boolean;
  positions?: boolean;
  truth?: string;
  customers?: string;
  writeConfigs?: string;
  ui?: boolean;
  uiPort?: number;
}

/** Where the pseudo-terminals go unless --dev-dir says otherwise: predictable, so written configs match. */
export const defaultDevDir = (siteId: string) => join(tmpdir(), 'touchpoint-store', siteId);

/** Runs the store until a signal, the duration, or `abort` (tests). */
export async function runSimStore(o: SimStoreOptions, io: CliIo, abort?: AbortSignal): Promise<void> {
  const loaded = loadLayout(o.layout);
  for (const w of loaded.warnings) io.err(formatIssue(w));
  if (!loaded.ok) {
    for (const e of loaded.errors) io.err(formatIssue(e));
    throw new UsageError(`${o.layout}: ${loaded.errors.length} ${loaded.errors.length === 1 ? 'error' : 'errors'}`);
  }
  const layout = loaded.layout;
  if (!(o.speed > 0) || o.speed > 1000) throw new UsageError('--speed must be a number > 0 and ≤ 1000');
  if (o.duration !== undefined && !(o.duration > 0)) throw new UsageError('--duration must be a positive number of store seconds');
  if (o.shoppers !== undefined && o.shoppers > layout.shoppers.population) {
    throw new UsageError(`--shoppers ${o.shoppers} is more than the layout's population of ${layout.shoppers.population}`);
  }
  const devDir = o.devDir ?? defaultDevDir(layout.site.id);

  if (o.writeConfigs !== undefined) {
    const files = writeGatewayFiles(o.writeConfigs, deriveGateways(layout, { devDir, sensors: o.sensors, ...(o.broker ? { brokerUrl: o.broker } : {}) }));
    const customersPath = join(o.writeConfigs, 'customers.csv');
    const engine = createStoreEngine({ layout, seed: o.seed, startAtMs: 0, ...(o.shoppers !== undefined ? { shoppers: o.shoppers } : {}) });
    writeFileSync(customersPath, customersToCsv(engine.customers()));
    printJson(io, { registry: files.registryPath, ...(files.secretsPath ? { secrets: files.secretsPath } : {}), gateways: files.configs, customers: customersPath, devDir });
    return;
  }

  let password: string | undefined;
  if (o.phonePasswordEnv !== undefined) {
    password = process.env[o.phonePasswordEnv];
    if (password === undefined) throw new UsageError(`environment variable ${o.phonePasswordEnv} is not set`);
  }
  if (o.speed !== 1 && layout.gateways.length > 0 && o.radio === 'sim') {
    io.err(`touchpoint: warning: at --speed ${o.speed} gateways running on the system clock measure durations ${o.speed}× too short and stamp wall time; see beacon-sim/store/clock.ts`);
  }
  const sim = await startStoreSim({
    layout,
    seed: o.seed,
    speed: o.speed,
    radio: o.radio,
    sensors: o.sensors ? { devDir } : false,
    positionsEveryMs: o.positions || o.ui ? (o.positions ? 500 : 250) : 0,
    paused: true,
    ...(o.shoppers !== undefined ? { shoppers: o.shoppers } : {}),
    ...(o.duration !== undefined ? { durationS: o.duration } : {}),
    ...(o.broker ? { broker: { url: o.broker, ...(o.phoneUser ? { username: o.phoneUser } : {}), ...(password !== undefined ? { password } : {}) } } : {}),
    ...(o.bleDisplays ? { ble: { displays: o.bleDisplays.split(',').map((s) => s.trim()).filter(Boolean) } } : {}),
  });
  let map: StoreMap | undefined;
  let feed: { close(): Promise<void> } | undefined;
  if (o.ui) {
    map = await startStoreMap({ layout, port: o.uiPort ?? 0 });
    const m = map;
    sim.events.on('event', (e) => m.push({ kind: 'store', event: e }));
    if (o.broker) {
      feed = await feedMapFromBroker(m, {
        url: o.broker,
        siteId: layout.site.id,
        now: () => sim.clock.now(),
        ...(o.phoneUser ? { username: o.phoneUser } : {}),
        ...(password !== undefined ? { password } : {}),
        onRefused: (f) => io.err(`touchpoint: warning: the broker refused the map's subscription to ${f.join(', ')}; the map shows the store only`),
      });
    }
    io.err(`touchpoint: live store map at ${map.url}`);
  }
  sim.events.on('event', (e) => {
    if (e.type === 'positions' && !o.positions) return;
    if (o.json) {
      if (e.type !== 'positions' || o.positions) printJson(io, e);
      return;
    }
    const line = describeStoreEvent(e);
    if (line) io.out(line);
  });
  const devices = sim.site.gateways.map((g) => ({ gateway: g.gatewayId, display: g.displayId, sensorId: g.sensorId, simPort: g.simPort, ...(o.sensors && g.radarPath ? { radar: g.radarPath } : {}), ...(o.sensors && g.touchPath ? { touch: g.touchPath } : {}) }));
  io.err(
    `touchpoint: store ${layout.site.id}: ${layout.displays.length} beacons, radio ${o.radio}${o.broker ? `, phones on ${o.broker}` : ', phones offline (no --broker)'}; ` +
      `${JSON.stringify(devices)}. ${o.duration ? `Stopping after ${o.duration} store seconds.` : 'Ctrl-C to stop.'}`,
  );

  const reason = await new Promise<string>((resolve) => {
    const handlers: [NodeJS.Signals, () => void][] = (['SIGINT', 'SIGTERM'] as const).map((sig) => [sig, () => finish(sig)]);
    const finish = (why: string) => {
      for (const [sig, h] of handlers) process.off(sig, h);
      abort?.removeEventListener('abort', onAbort);
      resolve(why);
    };
    const onAbort = () => finish('aborted');
    for (const [sig, h] of handlers) process.once(sig, h);
    void sim.done.then(() => finish('duration'));
    if (abort?.aborted) finish('aborted');
    else abort?.addEventListener('abort', onAbort);
    sim.start();
  });
  const summary = await sim.stop();
  await feed?.close();
  await map?.close();
  if (o.truth) writeFileSync(o.truth, JSON.stringify(sim.truth(), null, 1) + '\n');
  if (o.customers) writeFileSync(o.customers, sim.customersCsv());
  printJson(io, { stopped: reason, ...summary });
}

export function registerSimStore(sim: Command, io: CliIo): void {
  sim
    .command('store')
    .description('run a virtual store (layout YAML): shoppers, beacons on the simulated radio, radar and touch pads on ptys, phones on the broker')
    .requiredOption('--layout <file>', 'store layout, e.g. examples/store-apparel.yaml')
    .addOption(new Option('--shoppers <n>', 'shoppers in the store at once (default: the layout’s)').argParser(intArg('--shoppers', 1, 500)))
    .addOption(new Option('--speed <x>', 'store seconds per wall second').argParser(numberArg('--speed')).default(1))
    .addOption(new Option('--seed <n>', 'seed: same seed, same shoppers, same events').argParser(intArg('--seed', 0, 0xffffffff)).default(1))
    .addOption(new Option('--duration <s>', 'stop after this many store seconds (default: until SIGINT/SIGTERM)').argParser(numberArg('--duration')))
    .option('--broker <url>', 'MQTT broker the phones connect to (role phone); without it phones publish nothing')
    .option('--phone-user <name>', 'broker username of the app (role phone)')
    .option('--phone-password-env <VAR>', 'environment variable holding that user’s password')
    .addOption(new Option('--radio <kind>', 'sim: UDP to each gateway’s sim port; ble: real advertising through bleno; none').choices(['sim', 'ble', 'none']).default('sim'))
    .option('--ble-displays <ids>', 'with --radio ble: comma-separated displays to put on air (default: all)')
    .option('--dev-dir <dir>', 'where the radar/touch pseudo-terminals go (default: <tmp>/touchpoint-store/<site>)')
    .option('--no-sensors', 'no radar/touch pseudo-terminals (no socat needed)')
    .option('--json', 'one JSON object per event (beacon-sim/store events.ts)')
    .option('--positions', 'include the positions events (every 0.5 store seconds)')
    .option('--truth <file>', 'write the ground truth (truth.ts) as JSON at the end')
    .option('--customers <file>', 'write the merchant’s CRM export (customer_id,email,phone) at the end')
    .option('--ui', 'serve the live store map on 127.0.0.1 (with --broker it also shows the site’s communications)')
    .addOption(new Option('--ui-port <port>', 'port of the live map (0 = any free port)').argParser(intArg('--ui-port', 0, 65535)).default(0))
    .option('--write-configs <dir>', 'write site-registry.yaml, a gateway config per gateway and customers.csv for this layout, then exit')
    .action((o: SimStoreOptions) => runSimStore(o, io));
}
