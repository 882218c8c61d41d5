/**
 * A minimal tar.gz writer (and the reader its tests use): regular files and directories in POSIX
 * ustar format (IEEE Std 1003.1-2017, pax "ustar Interchange Format"), gzip from node:zlib. Enough
 * for a support bundle that any `tar -xzf` opens, without a `tar` binary or another dependency.
 *
 * Header (512 bytes): name[100] mode[8] uid[8] gid[8] size[12] mtime[12] chksum[8] typeflag[1]
 * linkname[100] magic[6]="ustar\0" version[2]="00" uname[32] gname[32] devmajor[8] devminor[8]
 * prefix[155]. Numbers are octal ASCII, NUL-terminated; the checksum is the byte sum of the header
 * with the chksum field read as eight spaces. Names longer than 100 bytes are split at a `/` into
 * prefix + name; each entry's data is padded to 512 bytes, and two zero blocks end the archive.
 */
import { gunzipSync, gzipSync } from 'node:zlib';

const BLOCK = 512;

export interface TarEntry {
  /** Path inside the archive, `/`-separated; a trailing `/` makes a directory. */
  name: string;
  content?: string | Uint8Array;
  /** Default 0o644 for files, 0o755 for directories. */
  mode?: number;
  /** Seconds since the epoch. */
  mtime?: number;
}

function octal(value: number, width: number): string {
  // width includes the terminating NUL
  const s = Math.floor(value).toString(8);
  if (s.length > width - 1) throw new RangeError(`value ${value} does not fit a ${width}-byte tar field`);
  return s.padStart(width - 1, '0') + '\0';
}

function splitName(name: string): { prefix: string; name: string } {
  if (Buffer.byteLength(name) <= 100) return { prefix: '', name };
  for (let i = name.lastIndexOf('/'); i > 0; i = name.lastIndexOf('/', i - 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100 && rest !== '') return { prefix, name: rest };
  }
  throw new RangeError(`tar name too long for ustar: ${name}`);
}

function header(e: TarEntry, size: number, dir: boolean): Buffer {
  const h = Buffer.alloc(BLOCK, 0);
  const { prefix, name } = splitName(e.name);
  const put = (text: string, offset: number, len: number) => h.write(text, offset, len, 'utf8');
  put(name, 0, 100);
  put(octal(e.mode ?? (dir ? 0o755 : 0o644), 8), 100, 8);
  put(octal(0, 8), 108, 8);
  put(octal(0, 8), 116, 8);
  put(octal(size, 12), 124, 12);
  put(octal(e.mtime ?? Math.floor(Date.now() / 1000), 12), 136, 12);
  put('        ', 148, 8);
  put(dir ? '5' : '0', 156, 1);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  put('touchpoint', 265, 32);
  put('touchpoint', 297, 32);
  put(prefix, 345, 155);
  let sum = 0;
  for (const b of h) sum += b;
  put(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8);
  return h;
}

/** The uncompressed tar stream of `entries`. */
export function tarBytes(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const dir = e.name.endsWith('/');
    const data = dir ? Buffer.alloc(0) : Buffer.from(e.content ?? '');
    parts.push(header(e, data.length, dir), data);
    const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
    if (pad > 0) parts.push(Buffer.alloc(pad, 0));
  }
  parts.push(Buffer.alloc(2 * BLOCK, 0));
  return Buffer.concat(parts);
}

/** tar.gz bytes of `entries`. */
export function tarGz(entries: readonly TarEntry[]): Buffer {
  return gzipSync(tarBytes(entries), { level: 9 });
}

export interface ReadTarEntry {
  name: string;
  type: 'file' | 'directory' | 'other';
  mode: number;
  mtime: number;
  content: Buffer;
}

/** Reads a tar (or tar.gz) written by tarBytes or any ustar writer. Throws on a damaged archive. */
export function readTar(bytes: Uint8Array): ReadTarEntry[] {
  let buf = Buffer.from(bytes);
  if (buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);
  const out: ReadTarEntry[] = [];
  const str = (o: number, l: number) => buf.toString('utf8', o, o + l).replace(/\0.*$/s, '');
  const num = (o: number, l: number) => parseInt(str(o, l).trim() || '0', 8);
  for (let off = 0; off + BLOCK <= buf.length; ) {
    const h = buf.subarray(off, off + BLOCK);
    if (h.every((b) => b === 0)) break;
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
    if (sum !== num(off + 148, 8)) throw new Error(`tar header checksum mismatch at offset ${off}`);
    const size = num(off + 124, 12);
    const prefix = str(off + 345, 155);
    const name = (prefix ? prefix + '/' : '') + str(off, 100);
    const flag = str(off + 156, 1);
    const start = off + BLOCK;
    if (start + size > buf.length) throw new Error(`tar entry ${name} runs past the end`);
    out.push({
      name,
      type: flag === '5' ? 'directory' : flag === '0' || flag === '' ? 'file' : 'other',
      mode: num(off + 100, 8),
      mtime: num(off + 136, 12),
      content: Buffer.from(buf.subarray(start, start + size)),
    });
    off = start + Math.ceil(size / BLOCK) * BLOCK;
  }
  return out;
}
