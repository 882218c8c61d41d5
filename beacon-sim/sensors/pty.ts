/**
 * A pair of real pseudo-terminals joined by socat, so that an emulator and the gateway both open a
 * serial device by path exactly as they would open /dev/ttyUSB0: the gateway opens `<dir>/<name>`,
 * the emulator opens `<dir>/<name>.dev`. Killing socat closes both masters, which is what unplugging
 * a USB-serial adapter looks like to the process holding the slave (EIO → serialport "disconnected").
 *
 * socat rather than openpty(3): Node has no openpty, a native addon would be a new dependency, and
 * socat is one Debian package (installed by .ci/run). `-d -d` makes socat log "starting data transfer
 * loop" once both ptys exist and it is copying, which is the readiness signal used here.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

export interface PtyPair {
  /** The path the gateway opens, as it would open /dev/touchpoint-radar0. */
  readonly path: string;
  /** The path the emulator opens (the "device" end). */
  readonly devicePath: string;
  readonly pid: number;
  /** True once socat has exited (closed by us, or died). */
  readonly closed: boolean;
  /** Resolves when socat exits. */
  readonly exited: Promise<void>;
  /** Kills socat and waits for it to exit; the links are gone afterwards. Safe to call twice. */
  close(): Promise<void>;
}

export interface PtyPairOptions {
  /** How long to wait for socat to create both links (default 5000 ms: a loaded 2-core CI machine). */
  readyTimeoutMs?: number;
  /** socat binary (default "socat" from PATH). */
  socat?: string;
}

const READY_LINE = 'starting data transfer loop';

function removeStaleLink(path: string): void {
  try {
    if (lstatSync(path).isSymbolicLink()) unlinkSync(path);
  } catch {
    // absent: nothing to remove
  }
}

/** Starts socat and resolves once both links exist and socat is copying bytes. */
export async function createPtyPair(dir: string, name: string, options: PtyPairOptions = {}): Promise<PtyPair> {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new RangeError(`pty name must be a plain file name, got ${JSON.stringify(name)}`);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  const devicePath = `${path}.dev`;
  // a socat killed with SIGKILL leaves its links behind; socat would replace them, but a dangling
  // link must not be mistaken for readiness below
  removeStaleLink(path);
  removeStaleLink(devicePath);

  // socat's address syntax treats ',' ':' '!' as separators; refuse paths that would be misparsed
  if (/[,:!]/.test(path)) throw new RangeError(`pty path must not contain , : or !: ${path}`);
  const child: ChildProcess = spawn(
    options.socat ?? 'socat',
    ['-d', '-d', `pty,raw,echo=0,link=${path}`, `pty,raw,echo=0,link=${devicePath}`],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  let closed = false;
  let spawnError: Error | null = null;
  const exited = new Promise<void>((resolve) => {
    const done = () => {
      closed = true;
      // SIGKILL (or a crash) leaves the links; a later pair on the same path must not see them
      removeStaleLink(path);
      removeStaleLink(devicePath);
      resolve();
    };
    child.once('exit', done);
    // spawn failure (socat not installed): no 'exit' follows
    child.once('error', (e) => {
      spawnError = e;
      done();
    });
  });

  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      log += chunk.toString('latin1');
      if (log.length > 8192) log = log.slice(-4096);
      if (log.includes(READY_LINE)) check();
    };
    const check = () => {
      if (existsSync(path) && existsSync(devicePath)) {
        child.stderr?.off('data', onData);
        // keep draining stderr so socat never blocks on a full pipe
        child.stderr?.resume();
        resolve();
      } else setTimeout(check, 10);
    };
    child.stderr?.on('data', onData);
    void exited.then(() => {
      const e = spawnError as Error | null;
      reject(new Error(e ? `cannot start socat (apt-get install socat): ${e.message}` : `socat exited before the pty pair ${path} was ready: ${log.trim().split('\n').at(-1) ?? ''}`));
    });
  });

  const close = async (): Promise<void> => {
    if (!closed) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(timer);
    }
  };

  const timeoutMs = options.readyTimeoutMs ?? 5000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ready,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`pty pair ${path} not ready within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (e) {
    await close();
    throw e;
  } finally {
    clearTimeout(timer);
  }

  return {
    path,
    devicePath,
    pid: child.pid!,
    get closed() {
      return closed;
    },
    exited,
    close,
  };
}
