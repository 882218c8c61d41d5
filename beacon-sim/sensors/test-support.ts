/** Shared by the pty tests (beacon-sim and gateway/sensors): temp dirs, cleanup, a scripted raw device. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { afterEach } from 'vitest';

type Cleanup = () => unknown;

/** Registers cleanups run after each test, last registered first. Call once per test file. */
export function useCleanup(): { add(fn: Cleanup): void; tempDir(): string } {
  const list: Cleanup[] = [];
  afterEach(async () => {
    const errors: unknown[] = [];
    while (list.length > 0) {
      try {
        await list.pop()!();
      } catch (e) {
        errors.push(e);
      }
    }
    if (errors.length > 0) throw errors[0];
  });
  return {
    add: (fn) => void list.push(fn),
    tempDir() {
      const dir = mkdtempSync(join(tmpdir(), 'tp-sensors-'));
      list.push(() => rmSync(dir, { recursive: true, force: true }));
      return dir;
    },
  };
}

/** A device end driven byte by byte by the test (no emulator): what it writes, the gateway reads. */
export interface RawDevice {
  write(bytes: Uint8Array): Promise<void>;
  /** Everything the host sent. */
  readonly received: Buffer[];
  onData(listener: (chunk: Buffer) => void): void;
  close(): Promise<void>;
}

export async function openRawDevice(path: string): Promise<RawDevice> {
  const port = new SerialPort({ path, baudRate: 256000, autoOpen: false });
  port.on('error', () => {});
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
  const received: Buffer[] = [];
  port.on('data', (c: Buffer) => received.push(c));
  return {
    received,
    onData: (l) => void port.on('data', l),
    write: (bytes) =>
      new Promise<void>((resolve, reject) => {
        port.write(Buffer.from(bytes), (e) => (e ? reject(e) : port.drain((d) => (d ? reject(d) : resolve()))));
      }),
    close: () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
  };
}

/** Collects what a source emits. */
export function collect<T>(source: { on(listener: (e: T) => void): () => void }): T[] {
  const out: T[] = [];
  source.on((e) => out.push(e));
  return out;
}
