import { Command } from 'commander';
import { parseHex } from '../../../protocol/ble/bytes.js';
import { decodeAdvertisement } from '../../../protocol/ble/frames.js';
import { type CliIo, UsageError, printJson } from '../io.js';

/** `decode` is the parent of one subcommand per wire format; it is returned so others can add theirs. */
export function registerDecode(program: Command, io: CliIo): Command {
  const decode = program.command('decode').description('decode raw frames to JSON');
  decode
    .command('ble')
    .description('decode BLE advertising data (AD structures as HCI reports them); prints one JSON object per beacon frame')
    .argument('<hex...>', 'advertising data in hex; spaces allowed')
    .action((parts: string[]) => {
      const r = parseHex(parts.join(''));
      if (!r.ok) throw new UsageError(`invalid hex: ${r.reason}`);
      const d = decodeAdvertisement(r.bytes);
      // Malformed structures go to stderr so stdout stays one JSON object per frame.
      for (const e of d.errors) io.err(`warning: ${'message' in e ? e.message : `${e.format}: ${e.reason} (offset ${e.offset})`}`);
      if (d.frames.length === 0) printJson(io, { type: 'none' });
      for (const f of d.frames) printJson(io, f);
    });
  return decode;
}
