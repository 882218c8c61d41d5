/**
 * The embedded broker: aedes 1.x (ESM, MQTT 3.1.1) over TCP (node:net) or TLS (node:tls), and
 * optionally WebSocket (`ws` + createWebSocketStream), with per-user credentials and the topic ACL
 * of acl.ts.
 *
 * Secure by default: without a users list it refuses to start unless `anonymous` is set
 * explicitly (the demo, `npm start`), and it binds 127.0.0.1 unless told otherwise.
 *
 * Client IDs: a gateway must connect with client ID = its gateway ID, and no other user may take a
 * configured gateway's ID, because a second connection with the same client ID disconnects the
 * first (MQTT 3.1.1 §3.1.4) — with someone else's ID a credential could knock a gateway offline.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { Aedes, type AedesOptions, type AuthenticateError, type Client, type PublishPacket } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { deviceTopicHash } from '../../protocol/messages/index.js';
import { mayPublish, maySubscribe, type Principal } from './acl.js';
import { attachRetainedStore, type RetainedStore } from './retained-store.js';
import { SharedSubscriptions } from './shared.js';
import { verifyPassword, type UserEntry } from './users.js';

export type BrokerLogRecord = { level: 'info' | 'warn' | 'error'; event: string; [field: string]: unknown };

export interface BrokerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 1883; 0 picks a free port. */
  port?: number;
  /** WebSocket listener port (0 picks one); absent = no WebSocket listener. */
  wsPort?: number;
  /**
   * Serve MQTT over TLS on `port` instead of plain TCP (no plain listener at all: a second, plain
   * port next to it would be the one a misconfigured client silently uses). PEM certificate chain
   * and private key. Not combined with wsPort, which would be plain text.
   */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Authentication and ACL from a users file (users.ts). */
  users?: readonly UserEntry[];
  /** Explicit demo mode: no authentication, no ACL. Required when `users` is absent. */
  anonymous?: boolean;
  /** Directory for retained messages that survive a restart. */
  persistenceDir?: string;
  log?: (record: BrokerLogRecord) => void;
  /** Test seam: consulted before the ACL; an Error refuses the publish (aedes closes the connection). */
  authorizePublish?: (client: Client | null, packet: PublishPacket) => Error | null;
}

export interface RunningBroker {
  aedes: Aedes;
  host: string;
  port: number;
  wsPort?: number;
  /** `mqtt` is mqtts://… when the listener is TLS. */
  urls: { mqtt: string; ws?: string };
  tls: boolean;
  mode: 'users' | 'anonymous';
  shared: SharedSubscriptions;
  /** Refused publishes and subscriptions, and failed logins, since start. */
  counters: { authFailures: number; publishDenied: number; subscribeDenied: number };
  close(): Promise<void>;
}

const hostForUrl = (h: string) => (h.includes(':') ? `[${h}]` : h);

const authError = (message: string, returnCode: 2 | 4 | 5): AuthenticateError => Object.assign(new Error(message), { returnCode });

export async function startBroker(options: BrokerOptions): Promise<RunningBroker> {
  const users = options.users;
  if (!users && !options.anonymous) throw new Error('refusing to start without a users file; pass anonymous: true for a demo broker');
  if (users && options.anonymous) throw new Error('choose a users file or anonymous mode, not both');
  if (options.tls && options.wsPort !== undefined) throw new Error('tls covers the MQTT listener only; a WebSocket listener next to it would be plain text');
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? (() => {});
  const byName = new Map((users ?? []).map((u) => [u.username, u]));
  const gatewayOwners = new Map((users ?? []).filter((u) => u.role === 'gateway').map((u) => [u.gateway!, u.username]));
  const principals = new WeakMap<Client, Principal>();
  /** Connected clients by client ID (the "holder" check in authenticate). */
  const connected = new Map<string, Client>();
  const counters = { authFailures: 0, publishDenied: 0, subscribeDenied: 0 };
  const anonymous: Principal = { role: 'anonymous' };
  const principalOf = (client: Client | null): Principal | undefined => (client ? principals.get(client) : undefined);
  // A phone's client ID may be its install ID (toPrincipal); keep install IDs out of the logs.
  const idForLog = (client: Client | null | undefined) =>
    client && principalOf(client)?.role === 'phone' ? `phone:${deviceTopicHash(client.id).slice(0, 12)}` : client?.id;

  const aedesOptions: AedesOptions = {
    // IDs are up to 64 characters; the 23-character limit only applies to MQTT 3.1 clients in aedes.
    maxClientsIdLength: 64,
    authenticate: (client, username, password, done) => {
      if (!users) {
        principals.set(client, anonymous);
        return done(null, true);
      }
      const user = username === undefined ? undefined : byName.get(username);
      void verifyPassword(password, user?.password).then((ok) => {
        if (!ok || !user) {
          counters.authFailures++;
          log({ level: 'warn', event: 'auth-failed', username });
          return done(authError('bad username or password', 4), null);
        }
        const owner = gatewayOwners.get(client.id);
        // Backends and phones have no configured client IDs, so a live one is protected instead: the
        // phone credential ships in every app, and with a connected backend's ID it would knock it off.
        const holder = connected.get(client.id);
        const holderPrincipal = holder !== undefined && holder !== client ? principalOf(holder) : undefined;
        const heldByOther = holderPrincipal !== undefined && holderPrincipal.role !== 'anonymous' && holderPrincipal.username !== username;
        if ((user.role === 'gateway' ? client.id !== user.gateway : owner !== undefined) || heldByOther) {
          counters.authFailures++;
          log({ level: 'warn', event: 'client-id-refused', username, ...(user.role === 'phone' ? {} : { clientId: client.id }) });
          return done(authError(`client ID ${client.id} is not allowed for ${username}`, 2), null);
        }
        principals.set(client, toPrincipal(user, client.id));
        done(null, true);
      });
    },
    authorizePublish: (client, packet, done) => {
      const hook = options.authorizePublish?.(client, packet);
      if (hook) return done(hook);
      // client is null for wills re-published after a restart; they were checked when the client was.
      const p = client ? principalOf(client) : anonymous;
      const d = p ? mayPublish(p, packet.topic, packet.retain) : { ok: false as const, reason: 'not authenticated' };
      if (d.ok) return done(null);
      counters.publishDenied++;
      log({ level: 'warn', event: 'publish-denied', clientId: idForLog(client), topic: packet.topic, reason: d.reason });
      done(new Error(`publish to ${packet.topic} denied: ${d.reason}`));
    },
    authorizeSubscribe: (client, sub, done) => {
      const p = principalOf(client);
      const d = p ? maySubscribe(p, sub.topic) : { ok: false as const, reason: 'not authenticated' };
      if (d.ok) return done(null, sub);
      counters.subscribeDenied++;
      log({ level: 'warn', event: 'subscribe-denied', clientId: idForLog(client), topic: sub.topic, reason: d.reason });
      // MQTT 3.1.1 §3.9.3: a refused filter gets return code 0x80 in the SUBACK; the connection stays.
      done(null, null);
    },
  };
  const aedes = await Aedes.createBroker(aedesOptions);
  const shared = new SharedSubscriptions(aedes);
  let retained: RetainedStore | undefined;
  if (options.persistenceDir) retained = await attachRetainedStore(aedes, options.persistenceDir);
  aedes.on('clientReady', (c: Client) => {
    connected.set(c.id, c);
    log({ level: 'info', event: 'client-connected', clientId: idForLog(c) });
  });
  aedes.on('clientDisconnect', (c: Client) => {
    if (connected.get(c.id) === c) connected.delete(c.id);
    log({ level: 'info', event: 'client-disconnected', clientId: idForLog(c) });
  });

  const sockets = new Set<Socket>();
  // TLS: aedes gets the socket once the handshake is done; a client that refuses our certificate
  // (or we refuse it) never reaches authenticate, and is only logged.
  const server: Server = options.tls
    ? createTlsServer({ cert: options.tls.cert, key: options.tls.key, minVersion: 'TLSv1.2' }, (socket) => aedes.handle(socket))
    : createServer((socket) => aedes.handle(socket));
  // Raw TCP sockets, also the ones still in a TLS handshake, so close() does not wait on them.
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  if (options.tls) {
    server.on('tlsClientError', (e: Error) => log({ level: 'warn', event: 'tls-handshake-failed', message: e.message }));
  }
  let wss: WebSocketServer | undefined;
  try {
    await listen(server, options.port ?? 1883, host);
    if (options.wsPort !== undefined) {
      wss = new WebSocketServer({ host, port: options.wsPort });
      wss.on('connection', (ws, req) => {
        const stream = createWebSocketStream(ws);
        stream.on('error', () => ws.terminate());
        aedes.handle(stream, req);
      });
      await new Promise<void>((resolve, reject) => {
        wss!.once('listening', resolve);
        wss!.once('error', reject);
      });
    }
  } catch (e) {
    server.close();
    wss?.close();
    await new Promise<void>((r) => aedes.close(() => r()));
    retained?.close();
    throw e;
  }
  const port = (server.address() as { port: number }).port;
  const wsPort = wss ? (wss.address() as { port: number }).port : undefined;
  const urls = { mqtt: `${options.tls ? 'mqtts' : 'mqtt'}://${hostForUrl(host)}:${port}`, ...(wsPort !== undefined ? { ws: `ws://${hostForUrl(host)}:${wsPort}` } : {}) };
  let closing: Promise<void> | undefined;
  return {
    aedes,
    host,
    port,
    ...(wsPort !== undefined ? { wsPort } : {}),
    urls,
    mode: users ? 'users' : 'anonymous',
    tls: options.tls !== undefined,
    shared,
    counters,
    close: () =>
      (closing ??= (async () => {
        const serverClosed = new Promise<void>((r) => server.close(() => r()));
        for (const s of sockets) s.destroy();
        if (wss) {
          for (const c of wss.clients) c.terminate();
          await new Promise<void>((r) => wss!.close(() => r()));
        }
        await new Promise<void>((r) => aedes.close(() => r()));
        await serverClosed;
        retained?.close();
      })()),
  };
}

function toPrincipal(u: UserEntry, clientId: string): Principal {
  switch (u.role) {
    case 'backend':
      return { role: 'backend', username: u.username };
    case 'gateway':
      return { role: 'gateway', username: u.username, site: u.site!, gateway: u.gateway! };
    case 'phone':
      // Without a fixed deviceHash the app's install ID is its client ID: it then reads only the
      // content topic of sha256(client ID), which nobody can guess without the install ID.
      return { role: 'phone', username: u.username, site: u.site!, deviceHash: u.deviceHash ?? deviceTopicHash(clientId) };
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
