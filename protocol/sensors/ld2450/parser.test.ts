import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBytes, hex } from '../bytes.js';
import { arbLd2450Ack, arbLd2450Command, arbLd2450ReportFields } from '../test-support/arbitraries.js';
import { streamingParserSuite } from '../test-support/stream-suite.js';
import { encodeLd2450Ack, encodeLd2450Command } from './commands.js';
import { type Ld2450Frame, createLd2450Parser, decodeLd2450Frame } from './parser.js';
import { encodeLd2450Report, presentLd2450Report } from './report.js';
import { LD2450_ACK_VECTORS, LD2450_REPORT_VECTORS, LD2450_VECTORS } from './vectors.js';

const arbFrame = fc.oneof(
  arbLd2450ReportFields.map((f) => ({ bytes: encodeLd2450Report(f), expected: presentLd2450Report(f) as Ld2450Frame })),
  arbLd2450Command.map((c) => ({ bytes: encodeLd2450Command(c), expected: { kind: 'command', ...c } as Ld2450Frame })),
  arbLd2450Ack.map((a) => ({ bytes: encodeLd2450Ack(a), expected: a as Ld2450Frame })),
);

streamingParserSuite<Ld2450Frame>('LD2450', { create: createLd2450Parser, vectors: LD2450_VECTORS, arbFrame });

describe('LD2450 parser specifics', () => {
  it('decodeLd2450Frame dispatches on the header', () => {
    for (const v of LD2450_VECTORS) expect(decodeLd2450Frame(hex(v.hex))).toEqual({ ok: true, value: v.expected });
    expect(decodeLd2450Frame(hex('f4 f3 f2 f1 0d 00')).ok).toBe(false);
  });

  it('an ACK whose MAC holds the footer bytes 04 03 02 01 still parses between reports', () => {
    const mac = LD2450_ACK_VECTORS.find((v) => v.id.startsWith('MAC'))!;
    const r = hex(LD2450_REPORT_VECTORS[0]!.hex);
    const p = createLd2450Parser();
    expect(p.push(concatBytes(r, hex(mac.hex), r))).toEqual([LD2450_REPORT_VECTORS[0]!.expected, mac.expected, LD2450_REPORT_VECTORS[0]!.expected]);
  });
});
