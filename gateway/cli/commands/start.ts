import type { Command } from 'commander';
import { runStoreDemo } from '../../demo/store-demo.js';
import { intArg } from '../args.js';
import { type CliIo, printJson } from '../io.js';

export function registerStart(program: Command, io: CliIo): void {
  program
    .command('start')
    .description('npm start: embedded broker + simulated store (radio, radar and touch on ptys) + the real gateway + a watcher; ends with a JSON summary')
    .option('--duration <s>', 'stop after this many seconds (default: run until Ctrl-C)', intArg('--duration', 1, 86_400))
    .option('--seed <n>', 'seed of the simulated shopper', intArg('--seed', 0, 2 ** 31), 1)
    .action(async (o: { duration?: number; seed: number }) => {
      const abort = new AbortController();
      const onSignal = () => abort.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const summary = await runStoreDemo({ durationS: o.duration ?? 86_400, seed: o.seed, out: (l) => io.out(l), signal: abort.signal });
        printJson(io, { summary });
        if (summary.lost > 0 || summary.sensorCommunications === 0) process.exitCode = 1;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
