/** createPtyPair: real socat, real serialport on both ends. */
import { existsSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { createPtyPair } from './pty.js';
import { openRawDevice, useCleanup } from './test-support.js';

const c = useCleanup();

describe('createPtyPair', () => {
  it('creates both links, carries bytes both ways, and on close kills socat and removes the links', async () => {
    const dir = c.tempDir();
    const pair = await createPtyPair(dir, 'radar0');
    c.add(() => pair.close());
    expect(pair.path).toBe(`${dir}/radar0`);
    expect(pair.devicePath).toBe(`${dir}/radar0.dev`);
    const host = await openRawDevice(pair.path);
    c.add(() => host.close());
    const device = await openRawDevice(pair.devicePath);
    c.add(() => device.close());
    // every byte value, both directions: raw mode, no echo, no CR/LF translation
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    await device.write(all);
    await host.write(Uint8Array.of(0x0d, 0x0a, 0x03, 0x1a));
    await vi.waitFor(() => expect(Buffer.concat(host.received)).toEqual(Buffer.from(all)), { timeout: 10_000 });
    await vi.waitFor(() => expect(Buffer.concat(device.received)).toEqual(Buffer.from([0x0d, 0x0a, 0x03, 0x1a])), { timeout: 10_000 });

    await pair.close();
    expect(pair.closed).toBe(true);
    expect(existsSync(pair.path) || existsSync(pair.devicePath)).toBe(false);
    expect(() => process.kill(pair.pid, 0)).toThrow(); // socat is gone
    await pair.close(); // twice is fine
  });

  it('a new pair on the same path works after the old one was closed (replug)', async () => {
    const dir = c.tempDir();
    const first = await createPtyPair(dir, 'touch0');
    await first.close();
    const second = await createPtyPair(dir, 'touch0');
    c.add(() => second.close());
    expect(second.pid).not.toBe(first.pid);
    expect(existsSync(second.path)).toBe(true);
  });

  it('rejects names that are not plain file names, and reports a missing socat clearly', async () => {
    const dir = c.tempDir();
    await expect(createPtyPair(dir, '../x')).rejects.toThrow(RangeError);
    await expect(createPtyPair(dir, 'x', { socat: `${dir}/no-such-socat` })).rejects.toThrow(/cannot start socat/);
  });
});
