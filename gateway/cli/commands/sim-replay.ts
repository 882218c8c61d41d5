/**
 * `touchpoint sim replay --layout <file>`: the store loop in virtual time (gateway/demo/store-replay.ts)
 * — the simulator, the gateways' pipelines and the backend's matcher without network or wall clock —
 * and how well sensor-ID-and-time matching did against the simulator's ground truth. Same seed, same
 * output. Fast: minutes of store time in seconds, to compare match windows or layouts.
 */
import type { Command } from 'commander';
import { replayStore } from '../../demo/store-replay.js';
import { intArg } from '../args.js';
import { type CliIo, printJson } from '../io.js';

interface ReplayOptions {
  layout: string;
  items?: string;
  seed: number;
  duration: number;
  shoppers?: number;
  windowMs?: number;
  truthWindowMs: number;
}

export function registerSimReplay(sim: Command, io: CliIo): void {
  sim
    .command('replay')
    .description('the store, the gateways’ pipelines and the backend’s matcher in virtual time; prints counts and match precision/recall against the ground truth')
    .requiredOption('--layout <file>', 'store layout, e.g. examples/store-apparel.yaml')
    .option('--items <file>', 'backend items file (stock, thresholds, content)')
    .option('--seed <n>', 'seed', intArg('--seed', 0, 0xffffffff), 1)
    .option('--duration <s>', 'store seconds to simulate', intArg('--duration', 1, 7 * 86_400), 300)
    .option('--shoppers <n>', 'shoppers in the store at once (default: the layout’s)', intArg('--shoppers', 1, 500))
    .option('--window-ms <n>', 'the backend’s match window half-width (default 5000)', intArg('--window-ms', 0, 3_600_000))
    .option('--truth-window-ms <n>', 'pairs the ground truth expects: same sensor, same shopper, at most this far apart', intArg('--truth-window-ms', 0, 3_600_000), 5000)
    .action(async (o: ReplayOptions) => {
      const r = await replayStore({
        layout: o.layout,
        seed: o.seed,
        durationS: o.duration,
        truthWindowMs: o.truthWindowMs,
        ...(o.items !== undefined ? { items: o.items } : {}),
        ...(o.shoppers !== undefined ? { shoppers: o.shoppers } : {}),
        ...(o.windowMs !== undefined ? { match: { windowMs: o.windowMs } } : {}),
      });
      const byType: Record<string, number> = {};
      for (const s of r.sensorCommunications) byType[s.interaction.type] = (byType[s.interaction.type] ?? 0) + 1;
      const round = (x: number) => Math.round(x * 1000) / 1000;
      printJson(io, {
        replay: {
          seed: o.seed,
          storeSeconds: o.duration,
          shoppers: r.store.shoppersArrived,
          sensorCommunications: r.sensorCommunications.length,
          byType,
          userCommunications: r.userCommunications,
          matches: r.matches.length,
          contentItems: r.contentItems,
          matchPrecision: round(r.score.precision),
          matchRecall: round(r.score.recall),
          score: r.score,
        },
      });
    });
}
