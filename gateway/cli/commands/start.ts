/**
 * `npm start` / `touchpoint start`: the whole store on this machine (gateway/demo/store-loop.ts) —
 * embedded aedes, the virtual store with shoppers and phones, the real gateways on the simulated
 * radio and pseudo-terminal sensors, the reference backend, and the live map on 127.0.0.1.
 * Ends with one JSON summary line; exit 1 when an accepted event was lost or nothing arrived.
 */
import type { Command } from 'commander';
import { runStoreLoop } from '../../demo/store-loop.js';
import { intArg, numberArg } from '../args.js';
import { type CliIo, UsageError, printJson } from '../io.js';

/** The map's port unless --map-port says otherwise; taken → any free port (printed). */
export const DEFAULT_MAP_PORT = 7480;

interface StartOptions {
  duration?: number;
  seed: number;
  speed: number;
  shoppers?: number;
  layout?: string;
  items?: string;
  map: boolean;
  mapPort: number;
}

export function registerStart(program: Command, io: CliIo): void {
  program
    .command('start')
    .description('npm start: embedded broker + virtual store (shoppers, phones, radio, radar and touch on ptys) + the real gateways + the reference backend + the live map; ends with a JSON summary')
    .option('--duration <s>', 'stop after this many wall-clock seconds (default: run until Ctrl-C)', intArg('--duration', 1, 86_400))
    .option('--seed <n>', 'seed of the simulated store', intArg('--seed', 0, 2 ** 31), 1)
    .option('--speed <x>', 'store seconds per wall second, for every part', numberArg('--speed'), 4)
    .option('--shoppers <n>', 'shoppers in the store at once (default: the layout’s)', intArg('--shoppers', 1, 500))
    .option('--layout <file>', 'store layout (default: examples/store-apparel.yaml)')
    .option('--items <file>', 'backend items file (default: <layout>-items.yaml beside the layout)')
    .option('--map-port <port>', `port of the live map on 127.0.0.1 (0 = any free port)`, intArg('--map-port', 0, 65535), DEFAULT_MAP_PORT)
    .option('--no-map', 'do not serve the live map')
    .action(async (o: StartOptions) => {
      if (!(o.speed >= 0.1 && o.speed <= 50)) throw new UsageError('--speed must be between 0.1 and 50');
      const abort = new AbortController();
      const onSignal = () => abort.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const common = {
          durationS: o.duration ?? 86_400,
          seed: o.seed,
          speed: o.speed,
          out: (l: string) => io.out(l),
          signal: abort.signal,
          onReady: ({ mapUrl }: { mapUrl: string | undefined }) => {
            if (mapUrl) io.err(`touchpoint: live store map at ${mapUrl}`);
          },
          ...(o.shoppers !== undefined ? { shoppers: o.shoppers } : {}),
          ...(o.layout !== undefined ? { layout: o.layout } : {}),
          ...(o.items !== undefined ? { items: o.items } : {}),
        };
        let result;
        try {
          result = await runStoreLoop({ ...common, ...(o.map ? { ui: { port: o.mapPort } } : {}) });
        } catch (e) {
          if (!(o.map && o.mapPort !== 0 && (e as NodeJS.ErrnoException).code === 'EADDRINUSE')) throw e;
          io.err(`touchpoint: port ${o.mapPort} is in use; serving the map on a free port instead`);
          result = await runStoreLoop({ ...common, ui: { port: 0 } });
        }
        printJson(io, { summary: result.summary });
        if (result.summary.lost > 0 || result.summary.sensorCommunications === 0) process.exitCode = 1;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
