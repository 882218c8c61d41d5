/**
 * A TCP proxy on 127.0.0.1 between the gateway and its broker, to cut the network without touching
 * either process:
 * - cut():     a blackhole. Bytes in both directions vanish and new connections are accepted but go
 *              nowhere — what a dead uplink looks like: no RST, no FIN, only silence until a
 *              keepalive or connect timeout notices.
 * - restore(): connections that lived through a cut are closed (their byte streams have holes, as if
 *              they had died in the outage); new ones are forwarded again.
 * - resetAll(): every connection is reset (RST), the network stays up — a NAT or Wi-Fi drop.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  readonly port: number;
  readonly url: string;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Bytes dropped during cuts. */
  readonly droppedBytes: number;
  readonly isCut: boolean;
  cut(): void;
  restore(): void;
  resetAll(): void;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream?: Socket;
  /** Lived through a cut: never forwards again. */
  dead: boolean;
}

export async function startTcpProxy(target: { host?: string; port: number }, scheme = 'mqtt'): Promise<TcpProxy> {
  const host = target.host ?? '127.0.0.1';
  const pairs = new Set<Pair>();
  let cutNow = false;
  let accepted = 0;
  let droppedBytes = 0;

  const destroy = (p: Pair, reset = false) => {
    pairs.delete(p);
    if (reset) {
      p.client.resetAndDestroy();
      p.upstream?.resetAndDestroy();
    } else {
      p.client.destroy();
      p.upstream?.destroy();
    }
  };

  const server: Server = createServer((client) => {
    accepted++;
    const p: Pair = { client, dead: cutNow };
    pairs.add(p);
    client.on('error', () => destroy(p));
    client.on('close', () => destroy(p));
    client.on('data', (d) => {
      if (p.dead || !p.upstream) droppedBytes += d.length;
      else p.upstream.write(d);
    });
    if (p.dead) return;
    const up = connect({ host, port: target.port });
    p.upstream = up;
    // Until connected, writes are buffered by the socket; that is what a slow SYN-ACK looks like.
    up.on('data', (d) => {
      if (p.dead) droppedBytes += d.length;
      else client.write(d);
    });
    // Broker down: the client sees the connection close, as with a refused connect behind a NAT.
    up.on('error', () => destroy(p));
    up.on('close', () => destroy(p));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;

  return {
    port,
    url: `${scheme}://127.0.0.1:${port}`,
    get accepted() {
      return accepted;
    },
    get droppedBytes() {
      return droppedBytes;
    },
    get isCut() {
      return cutNow;
    },
    cut() {
      cutNow = true;
      for (const p of pairs) p.dead = true;
    },
    restore() {
      cutNow = false;
      for (const p of [...pairs]) if (p.dead) destroy(p);
    },
    resetAll() {
      for (const p of [...pairs]) destroy(p, true);
    },
    async close() {
      for (const p of [...pairs]) destroy(p);
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
