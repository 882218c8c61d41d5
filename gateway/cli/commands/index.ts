import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { registerBeacon } from './beacon.js';
import { registerConfig } from './config.js';
import { registerDecode } from './decode.js';
import { registerDecodeSensors } from './decode-sensors.js';
import { registerDemo } from './demo.js';
import { registerEid } from './eid.js';
import { registerEncode } from './encode.js';
import { registerHash } from './hash.js';
import { registerScan } from './scan.js';

/** Every command module registers itself here; one line per module keeps merges trivial. */
export function registerCommands(program: Command, io: CliIo): void {
  registerDecodeSensors(registerDecode(program, io), io);
  registerEncode(program, io);
  registerEid(program, io);
  registerHash(program, io);
  registerScan(program, io);
  registerBeacon(program, io);
  registerConfig(program, io);
  registerDemo(program, io);
}
