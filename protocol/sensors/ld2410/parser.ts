/** Streaming LD2410 parser and single-frame decoder (reports, ACKs and commands). */
import type { Decoded } from '../codec.js';
import type { FrameFamily } from '../ld24xx/scanner.js';
import { type RadarParser, type RadarParserStats, createRadarParser, decodeOneFrame } from '../ld24xx/radar-parser.js';
import { type Ld2410Ack, type Ld2410CommandFrame, ld2410Commands } from './commands.js';
import { type Ld2410Report, reportFamily } from './report.js';

export type Ld2410Frame = Ld2410Report | Ld2410CommandFrame | Ld2410Ack;
export type Ld2410ParserStats = RadarParserStats;
export type Ld2410Parser = RadarParser<Ld2410Frame>;

const families: readonly FrameFamily<Ld2410Frame>[] = [reportFamily, ld2410Commands.family];

export function createLd2410Parser(): Ld2410Parser {
  return createRadarParser(families);
}

export function decodeLd2410Frame(bytes: Uint8Array): Decoded<Ld2410Frame> {
  return decodeOneFrame(families, bytes);
}
