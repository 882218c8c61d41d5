import type { Command } from 'commander';

/** `sim` is the parent of the simulators (sensors now; the virtual store later). */
export function registerSim(program: Command): Command {
  return program.command('sim').description('simulators for laptops and tests without hardware');
}
