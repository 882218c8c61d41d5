/** The tar writer against GNU tar (the reference reader on every Pi) and against its own reader. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { readTar, tarBytes, tarGz } from './tar.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'tp-tar-'));
  dirs.push(d);
  return d;
}

const LONG = `bundle/${'deep-folder-name/'.repeat(6)}file-with-a-long-name.txt`;

describe('tarGz', () => {
  it('GNU tar lists and extracts what it writes: directories, files, an empty file, a name over 100 bytes, UTF-8', () => {
    const d = tmp();
    const archive = join(d, 'b.tar.gz');
    const binary = Buffer.from([0, 1, 2, 255, 254, 10, 13]);
    writeFileSync(
      archive,
      tarGz([
        { name: 'bundle/', mtime: 1_739_528_400 },
        { name: 'bundle/README.txt', content: 'hello\n', mtime: 1_739_528_400 },
        { name: 'bundle/empty.txt', content: '' },
        { name: 'bundle/exactly-512.bin', content: Buffer.alloc(512, 7) },
        { name: 'bundle/binary.bin', content: binary },
        { name: 'bundle/größe.txt', content: 'Grüße ✓\n' },
        { name: LONG, content: 'long\n' },
      ]),
    );
    expect(LONG.length).toBeGreaterThan(100);
    const listing = execFileSync('tar', ['-tzf', archive], { encoding: 'utf8' }).trim().split('\n');
    expect(listing).toEqual(['bundle/', 'bundle/README.txt', 'bundle/empty.txt', 'bundle/exactly-512.bin', 'bundle/binary.bin', 'bundle/größe.txt', LONG]);
    expect(execFileSync('tar', ['-xzOf', archive, 'bundle/README.txt'], { encoding: 'utf8' })).toBe('hello\n');
    expect(execFileSync('tar', ['-xzOf', archive, LONG], { encoding: 'utf8' })).toBe('long\n');
    expect(execFileSync('tar', ['-xzOf', archive, 'bundle/größe.txt'], { encoding: 'utf8' })).toBe('Grüße ✓\n');
    expect(execFileSync('tar', ['-xzOf', archive, 'bundle/binary.bin'])).toEqual(binary);
    const verbose = execFileSync('tar', ['-tvzf', archive], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
    expect(verbose).toMatch(/^drwxr-xr-x touchpoint\/touchpoint +0 2025-02-14 10:20 bundle\/$/m);
    expect(verbose).toMatch(/^-rw-r--r-- touchpoint\/touchpoint +6 2025-02-14 10:20 bundle\/README.txt$/m);
  });

  it('a stream of blocks: 512-byte headers, data padded to 512, two zero blocks at the end', () => {
    const t = tarBytes([{ name: 'a', content: 'x' }]);
    expect(t.length).toBe(512 + 512 + 1024);
    expect(t.subarray(257, 263).toString('latin1')).toBe('ustar\0');
    expect(t.subarray(1024).every((b) => b === 0)).toBe(true);
  });

  it('round-trips through its own reader, which checks every header checksum', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            name: fc.stringMatching(/^[a-z0-9_.-]{1,40}(\/[a-z0-9_.-]{1,40}){0,4}$/),
            content: fc.uint8Array({ maxLength: 1500 }),
          }),
          { maxLength: 6 },
        ),
        (entries) => {
          const back = readTar(tarGz(entries.map((e) => ({ ...e, mtime: 1 }))));
          expect(back.map((e) => [e.name, e.type, [...e.content]])).toEqual(entries.map((e) => [e.name, 'file', [...e.content]]));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('the reader refuses a damaged header rather than returning garbage', () => {
    const t = tarBytes([{ name: 'a.txt', content: 'abc' }]);
    t[0] = 'b'.charCodeAt(0);
    expect(() => readTar(t)).toThrow(/checksum/);
  });

  it('a name that cannot be split into prefix + name is refused', () => {
    expect(() => tarBytes([{ name: 'x'.repeat(150), content: '' }])).toThrow(RangeError);
  });
});
