/**
 * Intel HEX (Intel, "Hexadecimal Object File Format Specification", Rev. A, 1988): the file
 * format OpenOCD's `program` and nrfjprog take. Records are `:LLAAAATT<data>CC` with CC the two's
 * complement of the byte sum. We write data (00), end of file (01) and extended linear address
 * (04) records; the reader also accepts extended segment addresses (02) and skips start
 * addresses (03, 05).
 */
import { toHex } from '../bytes.js';

export interface HexSegment {
  address: number;
  data: Uint8Array;
}

export type IntelHexResult = { ok: true; segments: HexSegment[] } | { ok: false; reason: string; line: number; offset: number };

const RECORD_DATA = 0x00;
const RECORD_EOF = 0x01;
const RECORD_SEGMENT = 0x02;
const RECORD_LINEAR = 0x04;

function record(type: number, address: number, data: Uint8Array): string {
  const bytes = new Uint8Array(5 + data.length);
  bytes[0] = data.length;
  bytes[1] = (address >> 8) & 0xff;
  bytes[2] = address & 0xff;
  bytes[3] = type;
  bytes.set(data, 4);
  let sum = 0;
  for (let i = 0; i < bytes.length - 1; i++) sum += bytes[i]!;
  bytes[bytes.length - 1] = -sum & 0xff;
  return ':' + toHex(bytes).toUpperCase();
}

/** Intel HEX text (LF line endings, trailing newline), `bytesPerRecord` data bytes per line. */
export function encodeIntelHex(segments: readonly HexSegment[], bytesPerRecord = 16): string {
  if (!Number.isInteger(bytesPerRecord) || bytesPerRecord < 1 || bytesPerRecord > 255) {
    throw new RangeError(`bytesPerRecord must be 1..255, got ${bytesPerRecord}`);
  }
  const lines: string[] = [];
  let upper = -1;
  for (const seg of segments) {
    if (!Number.isInteger(seg.address) || seg.address < 0 || seg.address + seg.data.length > 0x1_0000_0000) {
      throw new RangeError(`segment at ${seg.address} does not fit a 32-bit address space`);
    }
    let i = 0;
    while (i < seg.data.length) {
      const addr = seg.address + i;
      if (addr >>> 16 !== upper) {
        upper = addr >>> 16;
        lines.push(record(RECORD_LINEAR, 0, Uint8Array.of(upper >> 8, upper & 0xff)));
      }
      // a record never crosses a 64 KiB boundary: its 16-bit address would wrap
      const n = Math.min(bytesPerRecord, seg.data.length - i, 0x1_0000 - (addr & 0xffff));
      lines.push(record(RECORD_DATA, addr & 0xffff, seg.data.subarray(i, i + n)));
      i += n;
    }
  }
  lines.push(record(RECORD_EOF, 0, new Uint8Array(0)));
  return lines.join('\n') + '\n';
}

/**
 * Parses Intel HEX text into contiguous segments sorted by address (adjacent records merge).
 * Never throws: a bad record gives its 1-based line and the character offset in that line.
 */
export function decodeIntelHex(text: string): IntelHexResult {
  const lines = text.split(/\r?\n/);
  const chunks: HexSegment[] = [];
  let upper = 0;
  let sawEof = false;
  for (let ln = 0; ln < lines.length; ln++) {
    const line = lines[ln]!.trim();
    if (line === '') continue;
    const fail = (reason: string, offset: number): IntelHexResult => ({ ok: false, reason, line: ln + 1, offset });
    if (sawEof) return fail('data after the end-of-file record', 0);
    if (line[0] !== ':') return fail('record does not start with ":"', 0);
    if (!/^:([0-9a-fA-F]{2})+$/.test(line)) return fail('record is not an even number of hex digits', 1);
    const bytes = new Uint8Array((line.length - 1) / 2);
    for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(line.slice(1 + 2 * i, 3 + 2 * i), 16);
    if (bytes.length < 5 || bytes.length !== bytes[0]! + 5) return fail('record length does not match its byte count', 1);
    let sum = 0;
    for (const b of bytes) sum += b;
    if ((sum & 0xff) !== 0) return fail('checksum mismatch', line.length - 2);
    const len = bytes[0]!;
    const addr16 = (bytes[1]! << 8) | bytes[2]!;
    const data = bytes.subarray(4, 4 + len);
    switch (bytes[3]) {
      case RECORD_DATA:
        chunks.push({ address: upper + addr16, data: data.slice() });
        break;
      case RECORD_EOF:
        sawEof = true;
        break;
      case RECORD_SEGMENT:
        if (len !== 2) return fail('extended segment address record must carry 2 bytes', 1);
        upper = ((data[0]! << 8) | data[1]!) * 16;
        break;
      case RECORD_LINEAR:
        if (len !== 2) return fail('extended linear address record must carry 2 bytes', 1);
        upper = ((data[0]! << 8) | data[1]!) * 0x1_0000;
        break;
      case 0x03:
      case 0x05:
        break;
      default:
        return fail(`unknown record type 0x${bytes[3]!.toString(16).padStart(2, '0')}`, 7);
    }
  }
  if (!sawEof) return { ok: false, reason: 'no end-of-file record', line: lines.length, offset: 0 };
  chunks.sort((a, b) => a.address - b.address);
  // Adjacent records are gathered into runs and each run is copied once: merging them pairwise
  // copied the growing segment per record, quadratic in the image size (a 1 MiB image took seconds).
  const segments: HexSegment[] = [];
  let run: HexSegment[] = [];
  let runEnd = -1;
  const flush = () => {
    if (run.length === 0) return;
    const data = new Uint8Array(runEnd - run[0]!.address);
    for (const c of run) data.set(c.data, c.address - run[0]!.address);
    segments.push({ address: run[0]!.address, data });
    run = [];
  };
  for (const c of chunks) {
    if (run.length > 0 && runEnd > c.address) {
      return { ok: false, reason: `overlapping data at 0x${c.address.toString(16)}`, line: 0, offset: 0 };
    }
    if (run.length === 0 || runEnd !== c.address) flush();
    run.push(c);
    runEnd = c.address + c.data.length;
  }
  flush();
  return { ok: true, segments };
}
