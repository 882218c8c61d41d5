/**
 * `touchpoint touch info --port <path>`: which firmware the touch bridge runs and how many channels it
 * has, from its HELLO line. The bridge sends HELLO only at start-up, so the command asks for it
 * (HELLO?, protocol/sensors/touch/PROTOCOL.md "Requests"). Stop the gateway first: it holds the port.
 */
import { type Command, Option } from 'commander';
import { probeTouchBridge, touchRemedy } from '../../doctor/serial-probe.js';
import { intArg } from '../args.js';
import { type CliIo, printJson } from '../io.js';

interface TouchInfoOptions {
  port: string;
  baud: number;
  timeout: number;
}

function subcommandOf(program: Command, name: string, description: string): Command {
  return program.commands.find((c) => c.name() === name) ?? program.command(name).description(description);
}

export function registerTouchInfo(program: Command, io: CliIo): void {
  subcommandOf(program, 'touch', 'the TP1 touch bridge (MPR121 behind an MCU) on a serial port')
    .command('info')
    .description("print the touch bridge's firmware version and channel count (asks for its HELLO line)")
    .requiredOption('--port <path>', 'serial device, e.g. /dev/touchpoint-touch0')
    .addOption(new Option('--baud <n>', 'baud rate (USB bridges ignore it)').argParser(intArg('--baud', 1200, 4_000_000)).default(115200))
    .addOption(new Option('--timeout <ms>', 'wait for the answer to each of two requests').argParser(intArg('--timeout', 50, 60_000)).default(1500))
    .action(async (o: TouchInfoOptions) => {
      const r = await probeTouchBridge({ path: o.port, baudRate: o.baud, timeoutMs: o.timeout });
      if (!r.ok) throw new Error(`${r.message}; ${touchRemedy(r)}`);
      printJson(io, { port: r.path, firmware: r.hello.firmware, channels: r.hello.channels, protocolVersion: r.hello.protocolVersion, extra: r.hello.extra });
    });
}
