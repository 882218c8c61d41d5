/**
 * One serial device by path, kept open for as long as the adapter runs: absent at start, unplugged,
 * replugged — the link retries with backoff and reports its state, never throws at its caller and
 * never leaves an 'error' event unhandled (an unhandled 'error' on a stream kills the process).
 *
 * A USB-serial adapter or a pty that goes away makes serialport emit 'close' with a DisconnectedError
 * (EIO on the tty); that, and a failed open (ENOENT while the device is absent, EACCES without the
 * dialout group), are the two usual ways into 'retrying'. The third is silence: a device that streams
 * (the radar reports ~10 times a second) and has sent nothing for `silenceMs` is closed and reopened,
 * because a pty whose other side died does not always wake the poller (seen in CI: the link stayed
 * 'open' 15 s after socat was killed) and a USB adapter that browns out can keep its tty open and mute.
 */
import { SerialPort, type SerialPortMock } from 'serialport';
import type { AdapterState } from '../core/types.js';
import { type RetryOptions, backoffDelay, resolveRetry } from './backoff.js';

export type AnySerialPort = SerialPort | SerialPortMock;
/** Test seam: SerialPortMock in unit tests, the real SerialPort everywhere else. */
export type OpenPort = (options: { path: string; baudRate: number }) => AnySerialPort;

export const openRealPort: OpenPort = ({ path, baudRate }) =>
  // lock (flock) is serialport's default on Linux: a second process opening the same radar fails
  // with a clear error instead of both reading half the bytes
  new SerialPort({ path, baudRate, autoOpen: false });

export interface SerialLinkOptions {
  path: string;
  baudRate: number;
  retry?: RetryOptions;
  openPort?: OpenPort;
  /** Reopen after this long without a byte while open (0 or absent: never; for devices that only talk on events). */
  silenceMs?: number;
  onData(chunk: Uint8Array): void;
  /** The port is open (first time or again). */
  onOpen?(): void;
  /** The open port went away (unplugged); retries follow. */
  onLost?(reason: string): void;
  onState?(state: AdapterState): void;
  /** Open failures, disconnects and port errors, as one line each. */
  onProblem?(message: string): void;
}

export class SerialLink {
  private _state: AdapterState = 'stopped';
  private _reconnects = 0;
  private failures = 0;
  private everOpened = false;
  private port: AnySerialPort | null = null;
  private timer: NodeJS.Timeout | null = null;
  private silenceTimer: NodeJS.Timeout | null = null;
  private lastDataMs = 0;
  private _silences = 0;
  private running = false;
  /** The open() in flight, so that stop() can wait for it. */
  private inFlight: Promise<void> | null = null;
  private readonly retry;
  private readonly openPort: OpenPort;

  constructor(private readonly options: SerialLinkOptions) {
    this.retry = resolveRetry(options.retry);
    this.openPort = options.openPort ?? openRealPort;
  }

  get state(): AdapterState {
    return this._state;
  }

  /** Successful opens after the link had been open before (replugs survived). */
  get reconnects(): number {
    return this._reconnects;
  }

  /** Times the link was reopened because the device went silent. */
  get silences(): number {
    return this._silences;
  }

  get isOpen(): boolean {
    return this.port !== null;
  }

  /** Resolves after the first attempt: open, or absent and retrying. Never rejects. */
  start(): Promise<void> {
    if (this.running) return Promise.resolve();
    this.running = true;
    this.failures = 0;
    this.setState('starting');
    return this.attempt();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.disarmSilence();
    const port = this.port;
    this.port = null;
    this.setState('stopped');
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    await this.inFlight;
  }

  write(bytes: Uint8Array): Promise<void> {
    const port = this.port;
    if (!port) return Promise.reject(new Error(`${this.options.path} is not open (${this._state})`));
    return new Promise((resolve, reject) => {
      port.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), (e) => {
        if (e) reject(e);
        else port.drain((d) => (d ? reject(d) : resolve()));
      });
    });
  }

  private setState(state: AdapterState): void {
    if (state === this._state) return;
    this._state = state;
    this.options.onState?.(state);
  }

  private problem(message: string): void {
    this.options.onProblem?.(message);
  }

  private attempt(): Promise<void> {
    const { path, baudRate } = this.options;
    const done = new Promise<void>((resolve) => {
      let port: AnySerialPort;
      try {
        port = this.openPort({ path, baudRate });
      } catch (e) {
        // invalid options (bad baud rate, empty path) throw synchronously in serialport
        this.problem(`cannot open ${path}: ${e instanceof Error ? e.message : String(e)}`);
        this.scheduleRetry();
        resolve();
        return;
      }
      port.on('error', (e: Error) => this.problem(`${path}: ${e.message}`));
      port.open((err) => {
        if (!this.running) {
          if (err) resolve();
          else port.close(() => resolve());
          return;
        }
        if (err) {
          this.problem(`cannot open ${path}: ${err.message}`);
          this.scheduleRetry();
          resolve();
          return;
        }
        this.port = port;
        this.failures = 0;
        if (this.everOpened) this._reconnects++;
        this.everOpened = true;
        port.on('data', (chunk: Buffer) => {
          this.lastDataMs = performance.now();
          this.options.onData(chunk);
        });
        this.armSilence(port);
        port.on('close', (e?: Error | null) => this.lost(port, e ?? null));
        this.setState('open');
        this.options.onOpen?.();
        resolve();
      });
    });
    this.inFlight = done;
    void done.then(() => {
      if (this.inFlight === done) this.inFlight = null;
    });
    return done;
  }

  /** Checked on a coarse interval rather than a timer re-armed per chunk: the radar sends ~10 chunks/s. */
  private armSilence(port: AnySerialPort): void {
    const ms = this.options.silenceMs ?? 0;
    if (!(ms > 0)) return;
    this.disarmSilence();
    this.lastDataMs = performance.now();
    this.silenceTimer = setInterval(() => {
      if (this.port !== port) return this.disarmSilence();
      const quiet = performance.now() - this.lastDataMs;
      if (quiet < ms) return;
      this._silences++;
      this.lost(port, new Error(`no data for ${Math.round(quiet)} ms`));
      // after lost(): the 'close' this triggers finds this.port !== port and is ignored
      if (port.isOpen) port.close(() => undefined);
    }, Math.max(10, Math.floor(ms / 4)));
    this.silenceTimer.unref();
  }

  private disarmSilence(): void {
    if (this.silenceTimer) clearInterval(this.silenceTimer);
    this.silenceTimer = null;
  }

  private lost(port: AnySerialPort, err: Error | null): void {
    if (this.port !== port || !this.running) return;
    this.port = null;
    this.disarmSilence();
    const reason = `${this.options.path} closed${err ? `: ${err.message}` : ''}`;
    this.problem(reason);
    this.options.onLost?.(reason);
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (!this.running) return;
    this.setState('retrying');
    const delay = backoffDelay(this.failures++, this.retry);
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.running) void this.attempt();
    }, delay);
  }
}
