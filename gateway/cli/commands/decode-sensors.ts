/**
 * `decode ld2410 <hex…>`, `decode ld2450 <hex…>`, `decode touch <line…>`: offline decoding of what a
 * technician copied from a serial monitor or a logic analyser. Radar input may hold several frames,
 * garbage and spaces; the output is one JSON array of the frames found (or one JSON object for a touch line).
 */
import type { Command } from 'commander';
import { parseHex } from '../../../protocol/sensors/bytes.js';
import { createLd2410Parser } from '../../../protocol/sensors/ld2410/parser.js';
import type { RadarParser } from '../../../protocol/sensors/ld24xx/radar-parser.js';
import { createLd2450Parser } from '../../../protocol/sensors/ld2450/parser.js';
import { decodeTouchLine } from '../../../protocol/sensors/touch/line.js';
import { type CliIo, UsageError, printJson } from '../io.js';

function decodeRadar<F>(name: string, parser: RadarParser<F>, parts: readonly string[], io: CliIo): void {
  const input = parts.join(' ');
  const bytes = parseHex(input);
  if (!bytes.ok) throw new UsageError(`invalid hex: ${bytes.reason} at character ${bytes.offset}`);
  if (bytes.bytes.length === 0) throw new UsageError('no hex bytes given');
  const frames = [...parser.push(bytes.bytes), ...parser.end()];
  const s = parser.stats;
  if (frames.length === 0) {
    throw new UsageError(`no valid ${name} frame in ${bytes.bytes.length} bytes${s.lastError ? ` (last problem: ${s.lastError})` : ''}`);
  }
  printJson(io, frames);
  if (s.bytesSkipped > 0) io.err(`touchpoint: skipped ${s.bytesSkipped} of ${s.bytesIn} bytes that were not part of a valid ${name} frame${s.lastError ? ` (last problem: ${s.lastError})` : ''}`);
}

export function registerDecodeSensors(decode: Command, io: CliIo): void {
  decode
    .command('ld2410')
    .description('decode HLK-LD2410/B/C report, command and ACK frames from hex (spaces allowed, several frames OK)')
    .argument('<hex...>', 'frame bytes in hex, e.g. F4 F3 F2 F1 0D 00 02 AA …')
    .action((parts: string[]) => decodeRadar('LD2410', createLd2410Parser(), parts, io));

  decode
    .command('ld2450')
    .description('decode HLK-LD2450 report, command and ACK frames from hex (spaces allowed, several frames OK)')
    .argument('<hex...>', 'frame bytes in hex, e.g. AA FF 03 00 …')
    .action((parts: string[]) => decodeRadar('LD2450', createLd2450Parser(), parts, io));

  decode
    .command('touch')
    .description('decode one touch-bridge line: TP1 (checked against its CRC), Adafruit MPR121test or Bare Conductive DataStream')
    .argument('<line...>', 'the line, e.g. "TP1 T 3 123456 *2C" (quote it to keep tabs)')
    // a DataStream DIFF line holds negative numbers, which are values here, not options
    .allowUnknownOption()
    .action((parts: string[]) => {
      const r = decodeTouchLine(parts.join(' '));
      if (!r.ok) throw new UsageError(`touch line rejected (${r.reason}): ${r.detail}`);
      printJson(io, r.value);
    });
}
