/**
 * The cross-process air: UDP datagrams on the loopback interface. The store simulator and the
 * gateway may be different processes; each gateway listens on its own port, and a simulator
 * sends each gateway the RSSI that gateway would measure (RSSI depends on the receiver).
 *
 * Loopback only, on purpose: this is a simulator's radio, not a network protocol. Both ends
 * bind to a loopback address (an unbound UDP socket would be bound to every interface by its
 * first send).
 */
import { type Socket, createSocket } from 'node:dgram';
import { isIP } from 'node:net';

export const LOOPBACK = '127.0.0.1';
/** Floods of thousands of datagrams per second must not be dropped by a default-sized buffer. */
const RECEIVE_BUFFER_BYTES = 4 << 20;

export function checkLoopback(host: string): void {
  const ok = host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
  if (!ok) throw new RangeError(`the simulated radio is loopback-only; host must be 127.x.x.x, ::1 or localhost, got ${JSON.stringify(host)}`);
}

function checkPort(port: number, allowZero: boolean): void {
  if (!Number.isInteger(port) || port < (allowZero ? 0 : 1) || port > 65_535) throw new RangeError(`port must be an integer ${allowZero ? 0 : 1}..65535, got ${port}`);
}

function family(host: string): 'udp4' | 'udp6' {
  return host === '::1' ? 'udp6' : 'udp4';
}

function resolveHost(host: string): string {
  return host === 'localhost' ? LOOPBACK : host;
}

export interface UdpRadioReceiver {
  readonly port: number;
  readonly host: string;
  close(): Promise<void>;
}

/** Listens on host:port (port 0: any free port; read it back from `.port`). */
export function openUdpRadioReceiver(options: { port: number; host?: string; onDatagram: (datagram: Uint8Array) => void; onError?: (e: Error) => void }): Promise<UdpRadioReceiver> {
  const host = resolveHost(options.host ?? LOOPBACK);
  checkLoopback(host);
  checkPort(options.port, true);
  const socket = createSocket({ type: family(host), recvBufferSize: RECEIVE_BUFFER_BYTES });
  return new Promise((resolve, reject) => {
    const onBindError = (e: Error) => reject(e);
    socket.once('error', onBindError);
    socket.on('message', (msg) => options.onDatagram(msg));
    socket.bind({ port: options.port, address: host, exclusive: true }, () => {
      socket.removeListener('error', onBindError);
      socket.on('error', (e) => options.onError?.(e));
      const port = socket.address().port;
      resolve({
        port,
        host,
        close: () => closeSocket(socket),
      });
    });
  });
}

function closeSocket(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}

export interface UdpRadioSender {
  /** Queued until the socket is bound; never throws for transport errors (counted instead). */
  send(datagram: Uint8Array): void;
  /** Resolves when every datagram handed to send() so far has left the socket. */
  flush(): Promise<void>;
  close(): Promise<void>;
  stats(): { sent: number; errors: number; lastError?: string };
}

export function createUdpRadioSender(options: { port: number; host?: string }): UdpRadioSender {
  const host = resolveHost(options.host ?? LOOPBACK);
  checkLoopback(host);
  checkPort(options.port, false);
  const socket = createSocket({ type: family(host) });
  let bound = false;
  let closed = false;
  let queue: Uint8Array[] = [];
  let inFlight = 0;
  let sent = 0;
  let errors = 0;
  let lastError: string | undefined;
  let idle: (() => void)[] = [];

  const settle = () => {
    if (inFlight === 0 && queue.length === 0) {
      const waiters = idle;
      idle = [];
      for (const w of waiters) w();
    }
  };
  const transmit = (d: Uint8Array) => {
    inFlight++;
    socket.send(d, options.port, host, (e) => {
      inFlight--;
      if (e) {
        errors++;
        lastError = e.message;
      } else sent++;
      settle();
    });
  };
  socket.on('error', (e) => {
    errors++;
    lastError = e.message;
  });
  socket.bind({ port: 0, address: host }, () => {
    bound = true;
    const q = queue;
    queue = [];
    for (const d of q) transmit(d);
    settle();
  });

  return {
    send(datagram) {
      if (closed) return;
      if (bound) transmit(datagram);
      else queue.push(datagram);
    },
    flush() {
      if (inFlight === 0 && queue.length === 0) return Promise.resolve();
      return new Promise((resolve) => idle.push(resolve));
    },
    async close() {
      if (closed) return;
      await this.flush();
      closed = true;
      await closeSocket(socket);
    },
    stats() {
      const s: { sent: number; errors: number; lastError?: string } = { sent, errors };
      if (lastError !== undefined) s.lastError = lastError;
      return s;
    },
  };
}
