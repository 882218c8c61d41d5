/**
 * Puts an emulated device on a serial port path with the real `serialport`, the same library and
 * calls the gateway uses: a timer writes what the device owes, host bytes are answered in arrival
 * order. When the pty vanishes (socat killed = unplugged) the port closes and `closed` resolves; the
 * same device object can be served again on a new pty and continues its scenario time.
 */
import { SerialPort } from 'serialport';

export interface EmulatedDevice {
  /** Bytes the device sends when it comes up on a port (the touch bridge's HELLO). */
  greet?(tMs: number): Uint8Array[];
  /** Bytes owed up to tMs (ms since the device was first served). */
  due(tMs: number): Uint8Array[];
  /** Host bytes in → bytes to send back. */
  receive?(bytes: Uint8Array, tMs: number): Uint8Array[];
}

export interface ServeOptions {
  baudRate?: number;
  /** How often the device's timer runs (default 10 ms: the touch bridge samples every 10 ms). */
  tickMs?: number;
  /** Device time source; default ms since this device object was first served. */
  now?: () => number;
  /**
   * Output not yet taken by the pty is dropped beyond this many bytes (default 8 KiB). A UART
   * transmits whether or not anyone listens; without this a sim nobody reads would grow without bound.
   */
  maxBacklogBytes?: number;
}

export interface ServedDevice {
  readonly path: string;
  readonly isOpen: boolean;
  /** Bytes handed to the port. */
  readonly bytesWritten: number;
  /** Bytes dropped because nobody was reading. */
  readonly bytesDropped: number;
  /** Writes raw bytes as the device (garbage, bursts); resolves when the port has taken them. */
  inject(bytes: Uint8Array): Promise<void>;
  /** Resolves when the port closed: close() was called or the pty vanished. */
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

const origins = new WeakMap<EmulatedDevice, number>();

export async function serveDevice(device: EmulatedDevice, path: string, options: ServeOptions = {}): Promise<ServedDevice> {
  if (!origins.has(device)) origins.set(device, performance.now());
  const origin = origins.get(device)!;
  const now = options.now ?? (() => performance.now() - origin);
  const maxBacklog = options.maxBacklogBytes ?? 8192;
  const port = new SerialPort({ path, baudRate: options.baudRate ?? 115200, autoOpen: false });
  // a pty write after socat died errors; the close event below is what matters
  port.on('error', () => {});
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(new Error(`cannot open ${path}: ${e.message}`)) : resolve())));

  let bytesWritten = 0;
  let bytesDropped = 0;
  let open = true;
  const send = (chunks: Uint8Array[]) => {
    for (const c of chunks) {
      if (!open) return;
      if (port.writableLength > maxBacklog) {
        bytesDropped += c.length;
        continue;
      }
      bytesWritten += c.length;
      port.write(Buffer.from(c.buffer, c.byteOffset, c.length));
    }
  };
  const timer = setInterval(() => send(device.due(now())), options.tickMs ?? 10);
  const closed = new Promise<void>((resolve) =>
    port.once('close', () => {
      open = false;
      clearInterval(timer);
      resolve();
    }),
  );
  port.on('data', (chunk: Buffer) => {
    if (device.receive) send(device.receive(chunk, now()));
  });
  if (device.greet) send(device.greet(now()));
  send(device.due(now()));

  return {
    path,
    get isOpen() {
      return open;
    },
    get bytesWritten() {
      return bytesWritten;
    },
    get bytesDropped() {
      return bytesDropped;
    },
    inject(bytes) {
      if (!open) return Promise.reject(new Error(`${path} is closed`));
      bytesWritten += bytes.length;
      return new Promise<void>((resolve, reject) => {
        port.write(Buffer.from(bytes), (e) => (e ? reject(e) : port.drain((d) => (d ? reject(d) : resolve()))));
      });
    },
    closed,
    async close() {
      clearInterval(timer);
      if (open && port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
      open = false;
      await closed;
    },
  };
}
