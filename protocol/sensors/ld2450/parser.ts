/** Streaming LD2450 parser and single-frame decoder (reports, ACKs and commands). */
import type { Decoded } from '../codec.js';
import type { FrameFamily } from '../ld24xx/scanner.js';
import { type RadarParser, type RadarParserStats, createRadarParser, decodeOneFrame } from '../ld24xx/radar-parser.js';
import { type Ld2450Ack, type Ld2450CommandFrame, ld2450Commands } from './commands.js';
import { type Ld2450Report, ld2450ReportFamily } from './report.js';

export type Ld2450Frame = Ld2450Report | Ld2450CommandFrame | Ld2450Ack;
export type Ld2450ParserStats = RadarParserStats;
export type Ld2450Parser = RadarParser<Ld2450Frame>;

const families: readonly FrameFamily<Ld2450Frame>[] = [ld2450ReportFamily, ld2450Commands.family];

export function createLd2450Parser(): Ld2450Parser {
  return createRadarParser(families);
}

export function decodeLd2450Frame(bytes: Uint8Array): Decoded<Ld2450Frame> {
  return decodeOneFrame(families, bytes);
}
