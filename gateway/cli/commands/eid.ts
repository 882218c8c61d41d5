import type { Command } from 'commander';
import { toHex } from '../../../protocol/ble/bytes.js';
import { computeEid } from '../../../protocol/ble/crypto/eid.js';
import { hexArg, intArg } from '../args.js';
import { type CliIo, printJson } from '../io.js';

export function registerEid(program: Command, io: CliIo): void {
  program
    .command('eid')
    .description('compute an Eddystone-EID and its temporary key (google/eddystone eid-computation.md)')
    .requiredOption('--identity-key <hex>', '16-byte identity key', hexArg('--identity-key', 16))
    .requiredOption('--exponent <K>', 'rotation exponent 0..15', intArg('--exponent', 0, 15))
    .requiredOption('--time <seconds>', "beacon's 32-bit seconds counter", intArg('--time', 0, 0xffffffff))
    .action((o: { identityKey: Uint8Array; exponent: number; time: number }) => {
      const r = computeEid(o.identityKey, o.exponent, o.time);
      printJson(io, { eid: toHex(r.eid), temporaryKey: toHex(r.temporaryKey) });
    });
}
