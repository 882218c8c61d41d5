import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBytes, hex } from '../bytes.js';
import { arbLd2410Ack, arbLd2410Command, arbLd2410ReportFields } from '../test-support/arbitraries.js';
import { streamingParserSuite } from '../test-support/stream-suite.js';
import { encodeLd2410Ack, encodeLd2410Command } from './commands.js';
import { type Ld2410Frame, createLd2410Parser, decodeLd2410Frame } from './parser.js';
import { encodeLd2410Report, presentLd2410Report } from './report.js';
import { LD2410_ACK_VECTORS, LD2410_REPORT_VECTORS, LD2410_VECTORS } from './vectors.js';

const arbFrame = fc.oneof(
  arbLd2410ReportFields.map((f) => ({ bytes: encodeLd2410Report(f), expected: presentLd2410Report(f) as Ld2410Frame })),
  arbLd2410Command.map((c) => ({ bytes: encodeLd2410Command(c), expected: { kind: 'command', ...c } as Ld2410Frame })),
  arbLd2410Ack.map((a) => ({ bytes: encodeLd2410Ack(a), expected: a as Ld2410Frame })),
);

streamingParserSuite<Ld2410Frame>('LD2410', { create: createLd2410Parser, vectors: LD2410_VECTORS, arbFrame });

describe('LD2410 parser specifics', () => {
  it('decodeLd2410Frame dispatches on the header', () => {
    for (const v of LD2410_VECTORS) expect(decodeLd2410Frame(hex(v.hex))).toEqual({ ok: true, value: v.expected });
    expect(decodeLd2410Frame(hex('aa ff 03 00')).ok).toBe(false);
    expect(decodeLd2410Frame(new Uint8Array(0)).ok).toBe(false);
  });

  it('counts reports and ACKs interleaved on one stream (a report between command and ACK)', () => {
    const p = createLd2410Parser();
    const stream = concatBytes(hex(LD2410_REPORT_VECTORS[0]!.hex), hex(LD2410_ACK_VECTORS[0]!.hex), hex(LD2410_REPORT_VECTORS[1]!.hex), hex(LD2410_ACK_VECTORS[4]!.hex));
    const frames = p.push(stream);
    expect(frames.map((f) => f.kind)).toEqual(['report', 'ack', 'report', 'ack']);
    expect([p.stats.reports, p.stats.acks, p.stats.commands, p.stats.framesOk]).toEqual([2, 2, 0, 4]);
  });

  it('a cut-off engineering report followed by a basic report does not swallow it', () => {
    // 22 bytes of L2 + the 23-byte L1 are exactly 45 bytes ending in F8 F7 F6 F5: only the energy
    // range (header bytes land in the gate energies) and rule 4 keep them apart
    const p = createLd2410Parser();
    const l1 = hex(LD2410_REPORT_VECTORS[0]!.hex);
    const frames = [...p.push(concatBytes(hex(LD2410_REPORT_VECTORS[1]!.hex).subarray(0, 22), l1)), ...p.end()];
    expect(frames).toEqual([LD2410_REPORT_VECTORS[0]!.expected]);
    expect(p.stats.bytesSkipped).toBe(22);
  });

  it('a cut-off firmware ACK followed by a 12-byte command does not become one bogus firmware ACK', () => {
    // FD FC FB FA 0C 00 A0 01 00 00 + end-config (12 bytes) is a well-formed 22-byte firmware ACK
    const cut = hex('fd fc fb fa 0c 00 a0 01 00 00');
    const end = hex('fd fc fb fa 02 00 fe 00 04 03 02 01');
    expect(decodeLd2410Frame(concatBytes(cut, end)).ok).toBe(true); // the ambiguity is real
    const p = createLd2410Parser();
    expect([...p.push(concatBytes(cut, end)), ...p.end()]).toEqual([{ kind: 'command', command: 'endConfig' }]);
    expect(p.stats.truncatedFrames).toBe(1);
  });

  it('end() emits nothing twice and empties the buffer', () => {
    const p = createLd2410Parser();
    const l1 = hex(LD2410_REPORT_VECTORS[0]!.hex);
    expect(p.push(l1.subarray(0, 10))).toEqual([]);
    expect(p.pendingBytes).toBe(10);
    expect(p.end()).toEqual([]);
    expect(p.pendingBytes).toBe(0);
    expect(p.stats.bytesSkipped).toBe(10);
    expect(p.push(l1)).toEqual([LD2410_REPORT_VECTORS[0]!.expected]);
  });
});
