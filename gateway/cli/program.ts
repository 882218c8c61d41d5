import { Command, CommanderError } from 'commander';
import { type CliIo, UsageError, processIo } from './io.js';
import { registerCommands } from './commands/index.js';

export function createProgram(io: CliIo): Command {
  const program = new Command('touchpoint')
    .description('Touchpoint: in-store BLE beacons, radar and touch sensors, stamped sensor communications over MQTT')
    .version(process.env.npm_package_version ?? '0.1.0')
    .showHelpAfterError()
    .configureOutput({
      writeOut: (s) => io.out(s.replace(/\n$/, '')),
      writeErr: (s) => io.err(s.replace(/\n$/, '')),
    });
  registerCommands(program, io);
  return program;
}

/**
 * Runs the CLI and returns its exit code instead of exiting, so tests drive it in-process.
 * Exit codes: 0 ok, 1 operation failed, 2 bad input or usage.
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const program = createProgram(io);
  program.exitOverride();
  for (const sub of allCommands(program)) sub.exitOverride();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version arrive as "errors" with exit code 0
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof UsageError) {
      io.err(`touchpoint: ${e.message}`);
      return 2;
    }
    io.err(`touchpoint: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

function* allCommands(cmd: Command): Generator<Command> {
  for (const sub of cmd.commands) {
    yield sub;
    yield* allCommands(sub);
  }
}
