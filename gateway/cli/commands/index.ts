import type { Command } from 'commander';
import type { CliIo } from '../io.js';

/** Every command module registers itself here; one line per module keeps merges trivial. */
export function registerCommands(program: Command, io: CliIo): void {
  void program;
  void io;
}
