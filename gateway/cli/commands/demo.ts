import type { Command } from 'commander';
import { runSampleStore } from '../../demo/sample-store.js';
import { intArg } from '../args.js';
import { type CliIo, printJson } from '../io.js';

export function registerDemo(program: Command, io: CliIo): void {
  program
    .command('demo')
    .description('run the built-in sample store: encode each spot\'s beacon frames, decode them back, resolve EIDs, open eTLMs')
    .option('--rounds <n>', 'broadcast rounds, one beacon-second apart', intArg('--rounds', 1, 100_000), 3)
    .option('--json', 'print one JSON object per decoded frame instead of a table')
    .action((o: { rounds: number; json?: boolean }) => {
      const r = runSampleStore(Date.now(), o.rounds);
      if (o.json) for (const l of r.lines) printJson(io, l);
      else {
        io.out('Touchpoint sample store: frames encoded by protocol/ble, received as raw advertising data and decoded');
        for (const l of r.lines.slice(-r.lines.length / o.rounds)) {
          const extra = [l.resolved && `EID → ${l.resolved}`, l.opened && `eTLM → ${JSON.stringify(l.opened)}`, l.distanceM !== undefined && `~${l.distanceM} m`]
            .filter(Boolean)
            .join('  ');
          io.out(`${l.spot.padEnd(9)} ${l.item.padEnd(17)} ${l.frame.type.padEnd(15)} ${l.adv}`);
          io.out(`${''.padEnd(9)} ${JSON.stringify(l.frame)}${extra ? '  ' + extra : ''}`);
        }
      }
      printJson(io, { summary: r.summary });
      if (r.summary.errors > 0 || r.summary.decoded !== r.summary.frames) process.exitCode = 1;
    });
}
