/**
 * Publisher: drains the outbox to any MQTT 3.1.1 broker (mqtt://, mqtts://, ws://, wss://).
 *
 * Delivery contract
 * - Sensor communications go out at QoS 1 strictly in seq order, at most `windowSize` unacknowledged
 *   at a time, and leave the outbox only on PUBACK. After a reconnect (or a process restart) the
 *   first unacknowledged seq is sent again and everything after it follows in order. TCP delivers a
 *   prefix of what was written and a broker acknowledges QoS 1 in order (MQTT 3.1.1 §4.6), so the
 *   first arrival of every seq is in order whatever the window; resends after a lost PUBACK are
 *   duplicates with the same messageId, which consumers drop.
 * - Session: `clean: true`, clientId = gateway ID. The outbox, not the MQTT session, owns
 *   redelivery. A persistent session would only add broker-side state: a 3.1.1 broker does not
 *   resend the client's publishes, the only inbound topic (config/set) is retained and is
 *   re-subscribed on connect, and MQTT.js would replay its own copies on top of ours.
 *   MQTT.js replays its outgoing store on every connect regardless of `clean`, so it gets a
 *   NullStore (null-store.ts) and its pending callbacks are dropped on every close.
 * - Status: retained `online` (encodeForPublish) as the first packet of every connection, alone,
 *   before any data; the Last Will is the retained `offline` payload, restamped at each connect.
 *   A graceful stop publishes `offline` itself, because a clean DISCONNECT discards the Will.
 * - Telemetry (QoS 0, lower priority) is queued in the outbox every `telemetryIntervalMs` and sent
 *   when no sensor communication is waiting; it is deleted once written (at most once, by design).
 *
 * Refused publishes. A 3.1.1 broker that refuses a PUBLISH (aedes: authorizePublish error) closes
 * the connection; there is no negative PUBACK. The symptom is "the connection closed while this
 * message was the oldest unacknowledged one, shortly after we sent it". The oldest one is the
 * suspect because a broker processes and acknowledges in order. To tell a refusal from a network
 * drop: (1) a strike counts only if the close came within `refusalWindowMs` of the send (a broker
 * refuses in one round trip; a dead link is noticed by keepalive much later), and (2) only if the
 * message was the last thing sent on that connection, so the blame is unambiguous. After any close
 * with unacknowledged data the next connection probes: it sends one message at a time until every
 * seq that was unacknowledged has its PUBACK. (The first PUBACK is not enough: aedes destroys the
 * socket on a refusal while the PUBACKs for the publishes before it in the same read are still
 * corked, so those come back unacknowledged too.) After `maxAttempts` strikes (persisted in the
 * outbox row, so a crash loop counts too) the message moves to the dead_letter table with the
 * reason, is counted and logged, and the next seq goes out. The same rule guards the status
 * publish (after `maxAttempts` strikes the gateway stops announcing itself rather than loop);
 * telemetry is QoS 0 and never resent, so a refused report only counts a strike.
 *
 * Control messages (config/state, gateway/remote) share this one connection: a broker lets one
 * client ID per gateway, and a second connection would knock this one off. publishControl() keeps
 * the latest publication per topic and sends it after the status, alone (nothing new is written
 * until its PUBACK), on every connection until it is acknowledged; it takes part in the refusal
 * bookkeeping above like the status does (after `maxAttempts` strikes control publishes stop), so
 * a refused config/state is never blamed on a sensor communication nor blocks them for long.
 * `subscriptions` are (re)subscribed after the status on every connection and what arrives is
 * emitted as `message`.
 */
import { EventEmitter } from 'node:events';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import {
  encodeForPublish,
  type GatewayStatus,
  type Publication,
  type Telemetry,
} from '../../protocol/messages/index.js';
import { systemClock, type Clock, type SensorHealth } from '../core/types.js';
import { NullStore } from './null-store.js';
import type { Outbox, OutboxRow } from './outbox.js';

/** What the pipeline adds to each telemetry report. */
export interface TelemetryHealth {
  radio?: Telemetry['radio'];
  sensors?: Telemetry['sensors'];
}

export type LogLevel = 'info' | 'warn' | 'error';
export interface LogRecord {
  level: LogLevel;
  event: string;
  [field: string]: unknown;
}

export interface PublisherOptions {
  /** mqtt://host:1883, mqtts://host:8883, ws://host:port/path or wss://… */
  url: string;
  outbox: Outbox;
  username?: string;
  password?: string;
  /** mqtts/wss: CA bundle (PEM), client certificate and key (PEM) for mutual TLS. */
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  /** Default true; set false only for a lab broker with a self-signed certificate and no CA. */
  rejectUnauthorized?: boolean;
  /** Unacknowledged QoS 1 messages at a time, 1–32. Default 8. */
  windowSize?: number;
  /** Connection closes blamed on one message before it is dead-lettered. Default 3. */
  maxAttempts?: number;
  /** A close counts against the last message sent only within this time after sending it. Default 10 s. */
  refusalWindowMs?: number;
  reconnectPeriodMs?: number;
  connectTimeoutMs?: number;
  keepaliveS?: number;
  /** Telemetry period; 0 turns periodic telemetry off. Default 60 s. */
  telemetryIntervalMs?: number;
  /** Called for each telemetry report: radio and sensor health from the pipeline. */
  health?: () => TelemetryHealth;
  /** Gateway software version for the status payload. */
  version?: string;
  clock?: Clock;
  /** Default: warn and error as JSON lines on stderr. */
  log?: (record: LogRecord) => void;
  /** Extra MQTT.js options (e.g. wsOptions); the delivery-relevant ones above win. */
  mqttOptions?: Partial<IClientOptions>;
  /** Filters subscribed (QoS 1) on every connection, after the status; received messages are emitted as `message`. */
  subscriptions?: readonly string[];
}

export interface PublisherStats {
  connected: boolean;
  connects: number;
  connectionLosses: number;
  /** Sensor communications acknowledged by the broker since start. */
  eventsPublished: number;
  telemetrySent: number;
  inFlight: number;
  probing: boolean;
  /** Dead-lettered by this publisher (refused by the broker) since start. */
  refusedDeadLettered: number;
  /** Closes blamed on a message, per kind (each is one strike). */
  strikes: { sensor: number; status: number; telemetry: number };
  statusDisabled: boolean;
  /** Control publishes (config/state) stopped after repeated suspected refusals. */
  controlDisabled: boolean;
  queueDepth: number;
  telemetryDepth: number;
  lastError?: string;
}

export type PublisherEvents = {
  connect: [];
  close: [{ unacked: number }];
  acked: [{ seq: number; messageId: string }];
  'dead-letter': [{ seq: number | null; messageId: string | null; attempts: number; reason: string }];
  strike: [{ kind: 'sensor' | 'status' | 'telemetry'; seq?: number; attempts?: number }];
  /** The sensor queue became empty: everything accepted so far was acknowledged or dead-lettered. */
  drained: [];
  /** A message on one of `subscriptions`. */
  message: [{ topic: string; payload: Buffer }];
};

type Sent = { kind: 'status' | 'sensor' | 'telemetry' | 'control'; row?: OutboxRow; at: number; acked: boolean };

interface Conn {
  log: Sent[];
  lastSeq: number;
  lastTelemetryId: number;
  statusDone: boolean;
  inflight: number;
  telemetryWrites: number;
  /** Control publications already written on this connection. */
  controlSent: Set<Publication>;
}

const MAX_WINDOW = 32;

const defaultLog = (r: LogRecord) => {
  if (r.level !== 'info') process.stderr.write(JSON.stringify(r) + '\n');
};

/** Maps the adapters' health counters (gateway/core/types.ts) to the telemetry schema's shape. */
export function sensorHealthToTelemetry(list: readonly SensorHealth[]): Telemetry['sensors'] {
  const out: Telemetry['sensors'] = {};
  for (const h of list) {
    out[h.sensor] = {
      framesOk: h.framesOk,
      bytesSkipped: h.bytesSkipped,
      crcFailures: h.crcFailures,
      reconnects: h.reconnects,
      ...(h.lastFrameAgeMs === null ? {} : { lastFrameAgeMs: Math.max(0, Math.round(h.lastFrameAgeMs)) }),
    };
  }
  return out;
}

export class Publisher extends EventEmitter<PublisherEvents> {
  readonly outbox: Outbox;
  private readonly opts: PublisherOptions;
  private readonly clock: Clock;
  private readonly log: (r: LogRecord) => void;
  private readonly windowSize: number;
  private readonly maxAttempts: number;
  private readonly refusalWindowMs: number;
  private readonly startMono: number;
  private client: MqttClient | undefined;
  private conn: Conn | undefined;
  /**
   * After a close with unacknowledged data, every seq up to the highest one then unacknowledged is
   * sent alone (aedes drops the PUBACKs queued before a refused publish, so any of them may be it).
   */
  private probeThrough = -1;
  private stopping = false;
  private statusStrikes = 0;
  private statusDisabled = false;
  private controlStrikes = 0;
  private controlDisabled = false;
  /** Latest control publication per topic, kept until acknowledged. */
  private readonly control = new Map<string, Publication>();
  private pumping = false;
  private repump = false;
  private pendingDeletes: number[] = [];
  private flushScheduled = false;
  private telemetryTimer: NodeJS.Timeout | undefined;
  private unsubscribeOutbox: (() => void) | undefined;
  private readonly counters = {
    connects: 0,
    connectionLosses: 0,
    eventsPublished: 0,
    telemetrySent: 0,
    refusedDeadLettered: 0,
    strikes: { sensor: 0, status: 0, telemetry: 0 },
  };
  private lastError: string | undefined;

  constructor(options: PublisherOptions) {
    super();
    this.opts = options;
    this.outbox = options.outbox;
    this.clock = options.clock ?? systemClock;
    this.log = options.log ?? defaultLog;
    this.windowSize = options.windowSize ?? 8;
    this.maxAttempts = options.maxAttempts ?? 3;
    this.refusalWindowMs = options.refusalWindowMs ?? 10_000;
    if (!Number.isInteger(this.windowSize) || this.windowSize < 1 || this.windowSize > MAX_WINDOW) {
      throw new RangeError(`windowSize must be 1..${MAX_WINDOW}`);
    }
    if (!Number.isInteger(this.maxAttempts) || this.maxAttempts < 1) throw new RangeError('maxAttempts must be ≥ 1');
    this.startMono = this.clock.mono();
  }

  /** Connects in the background and keeps reconnecting; returns at once (the outbox queues meanwhile). */
  start(): void {
    if (this.client) throw new Error('publisher already started');
    const o = this.opts;
    const will = this.statusPublication('offline');
    const options: IClientOptions = {
      ...o.mqttOptions,
      clientId: this.outbox.gatewayId,
      protocolVersion: 4,
      clean: true,
      reconnectPeriod: o.reconnectPeriodMs ?? 1000,
      connectTimeout: o.connectTimeoutMs ?? 10_000,
      keepalive: o.keepaliveS ?? 30,
      outgoingStore: new NullStore(),
      queueQoSZero: false,
      will: { topic: will.topic, payload: Buffer.from(will.payload), qos: will.qos, retain: will.retain },
      ...(o.username !== undefined ? { username: o.username } : {}),
      ...(o.password !== undefined ? { password: o.password } : {}),
      ...(o.ca !== undefined ? { ca: o.ca } : {}),
      ...(o.cert !== undefined ? { cert: o.cert } : {}),
      ...(o.key !== undefined ? { key: o.key } : {}),
      ...(o.rejectUnauthorized !== undefined ? { rejectUnauthorized: o.rejectUnauthorized } : {}),
    };
    const client = mqtt.connect(o.url, options);
    this.client = client;
    client.on('connect', () => this.onConnect());
    client.on('message', (topic, payload) => this.emit('message', { topic, payload }));
    client.on('close', () => this.onClose());
    client.on('error', (e) => {
      // While the broker is unreachable this fires on every reconnect attempt; log changes only.
      if (e.message !== this.lastError) this.log({ level: 'warn', event: 'mqtt-error', message: e.message });
      this.lastError = e.message;
    });
    // The Will's timestamp is "connect time" (gateway-status.ts): restamp it before each attempt.
    client.on('reconnect', () => {
      const w = this.statusPublication('offline');
      client.options.will = { topic: w.topic, payload: Buffer.from(w.payload), qos: w.qos, retain: w.retain };
    });
    this.unsubscribeOutbox = this.outbox.onAppend(() => this.pump());
    const period = o.telemetryIntervalMs ?? 60_000;
    if (period > 0) {
      this.telemetryTimer = setInterval(() => this.queueTelemetry(), period);
      this.telemetryTimer.unref();
    }
  }

  get connected(): boolean {
    return this.conn !== undefined;
  }

  stats(): PublisherStats {
    const s = this.outbox.isClosed ? undefined : this.outbox.stats();
    return {
      connected: this.connected,
      connects: this.counters.connects,
      connectionLosses: this.counters.connectionLosses,
      eventsPublished: this.counters.eventsPublished,
      telemetrySent: this.counters.telemetrySent,
      inFlight: this.conn?.inflight ?? 0,
      probing: this.probeThrough >= 0,
      refusedDeadLettered: this.counters.refusedDeadLettered,
      strikes: { ...this.counters.strikes },
      statusDisabled: this.statusDisabled,
      controlDisabled: this.controlDisabled,
      queueDepth: s?.sensorDepth ?? 0,
      telemetryDepth: s?.telemetryDepth ?? 0,
      ...(this.lastError !== undefined ? { lastError: this.lastError } : {}),
    };
  }

  /**
   * Publishes a control message (config/state) on the gateway's connection: after the status, on
   * this and every later connection until the broker acknowledges it; a newer one for the same topic
   * replaces it. Returns false when control publishes were stopped after repeated refusals.
   */
  publishControl(p: Publication): boolean {
    if (this.controlDisabled || this.stopping) return false;
    this.control.set(p.topic, p);
    this.pump();
    return true;
  }

  /** Builds a telemetry report now and queues it (also what the timer does). */
  queueTelemetry(): boolean {
    if (this.outbox.isClosed) return false;
    const health = this.opts.health?.() ?? {};
    const s = this.outbox.stats();
    const mem = process.memoryUsage();
    const report: Telemetry = {
      v: 1,
      kind: 'telemetry',
      gatewayId: this.outbox.gatewayId,
      siteId: this.outbox.siteId,
      timestamp: Math.max(0, Math.round(this.clock.now())),
      uptimeS: Math.max(0, Math.floor((this.clock.mono() - this.startMono) / 1000)),
      counters: {
        eventsPublished: this.counters.eventsPublished,
        queueDepth: s.sensorDepth,
        // "given up on (invalid or undeliverable) since start" (telemetry.ts)
        deadLettered: s.deadLettered + s.sensorRefused + s.sensorDropped + s.rejectedInvalid,
      },
      radio: health.radio ?? { advertisementsSeen: 0, scanRestarts: 0, watchdogResets: 0 },
      sensors: health.sensors ?? {},
      memory: { rssBytes: mem.rss, heapUsedBytes: mem.heapUsed },
    };
    const r = this.outbox.appendTelemetry(report);
    if (!r.ok) this.log({ level: 'warn', event: 'telemetry-not-queued', reason: r.reason, errors: r.errors });
    return r.ok;
  }

  /**
   * graceful (default): stop sending, let the in-flight window drain, publish `offline` (retained)
   * and DISCONNECT. graceful:false drops the connection without DISCONNECT, so the broker publishes
   * the Last Will, as after a crash.
   */
  async stop(options: { graceful?: boolean; timeoutMs?: number } = {}): Promise<void> {
    const client = this.client;
    if (this.stopping || !client) return;
    this.stopping = true;
    clearInterval(this.telemetryTimer);
    this.unsubscribeOutbox?.();
    const timeoutMs = options.timeoutMs ?? 5000;
    if (options.graceful !== false && this.conn) {
      await this.until(() => !this.conn || this.conn.inflight === 0, timeoutMs);
      if (this.conn && !this.statusDisabled) {
        const p = this.statusPublication('offline');
        await withTimeout(client.publishAsync(p.topic, p.payload, { qos: p.qos, retain: p.retain }), timeoutMs).catch(() => undefined);
      }
      this.flushDeletes();
      await withTimeout(client.endAsync(), timeoutMs).catch(() => client.end(true));
    } else {
      await new Promise<void>((resolve) => client.end(true, {}, () => resolve()));
    }
    this.flushDeletes();
  }

  private statusPublication(state: GatewayStatus['state']): Publication {
    const status: GatewayStatus = {
      v: 1,
      kind: 'gateway-status',
      gatewayId: this.outbox.gatewayId,
      siteId: this.outbox.siteId,
      state,
      timestamp: Math.max(0, Math.round(this.clock.now())),
      bootId: this.outbox.bootId,
      ...(this.opts.version !== undefined ? { version: this.opts.version } : {}),
    };
    const enc = encodeForPublish(status);
    // Our own IDs and a fixed shape: failing here is a programming error, not input.
    if (!enc.ok) throw new Error(`status payload invalid: ${JSON.stringify(enc.errors)}`);
    return enc.value;
  }

  private onConnect(): void {
    if (this.stopping || !this.client) return;
    this.counters.connects++;
    this.lastError = undefined;
    const conn: Conn = { log: [], lastSeq: -1, lastTelemetryId: 0, statusDone: this.statusDisabled, inflight: 0, telemetryWrites: 0, controlSent: new Set() };
    this.conn = conn;
    this.log({ level: 'info', event: 'connected', probeThrough: this.probeThrough });
    this.emit('connect');
    if (conn.statusDone) {
      this.subscribe(conn);
      return this.pump();
    }
    const p = this.statusPublication('online');
    const sent: Sent = { kind: 'status', at: this.clock.mono(), acked: false };
    this.record(conn, sent);
    this.client.publish(p.topic, p.payload, { qos: p.qos, retain: p.retain }, (err) => {
      if (this.conn !== conn) return;
      if (err) this.log({ level: 'warn', event: 'status-publish-error', message: err.message });
      else {
        this.acknowledge(conn, sent);
        this.statusStrikes = 0;
      }
      conn.statusDone = true;
      this.subscribe(conn);
      this.pump();
    });
  }

  private subscribe(conn: Conn): void {
    const filters = this.opts.subscriptions ?? [];
    if (filters.length === 0 || !this.client) return;
    this.client.subscribe(Object.fromEntries(filters.map((f) => [f, { qos: 1 as const }])), (err, granted) => {
      if (this.conn !== conn) return;
      if (err) return this.log({ level: 'warn', event: 'subscribe-error', message: err.message });
      // MQTT 3.1.1 §3.9.3: 0x80 is a refused filter (broker ACL); the connection stays up.
      for (const g of granted ?? []) if (g.qos === 128) this.log({ level: 'warn', event: 'subscribe-refused', topic: g.topic });
    });
  }

  private onClose(): void {
    const conn = this.conn;
    if (!conn) return;
    this.conn = undefined;
    this.counters.connectionLosses++;
    // With the NullStore nothing would be replayed; removing also frees MQTT.js's packet ids and
    // callbacks (they fire with "Message removed" and are ignored: this.conn has changed).
    const client = this.client!;
    for (const [id, pending] of Object.entries(client.outgoing)) if (pending.cmd === 'publish') client.removeOutgoingMessage(Number(id));
    this.flushDeletes();
    const unacked = conn.log.filter((e) => e.kind === 'sensor' && !e.acked);
    this.emit('close', { unacked: unacked.length });
    for (const e of unacked) this.probeThrough = Math.max(this.probeThrough, e.row!.seq!);
    if (this.stopping || this.outbox.isClosed) return;

    const now = this.clock.mono();
    // QoS 0 telemetry is never acknowledged; one that went out long ago was accepted.
    const suspect = conn.log.find((e) => !e.acked && !(e.kind === 'telemetry' && now - e.at > this.refusalWindowMs));
    if (!suspect || now - suspect.at > this.refusalWindowMs) return;
    const solo = suspect === conn.log[conn.log.length - 1];
    if (suspect.kind === 'telemetry') {
      this.counters.strikes.telemetry++;
      this.emit('strike', { kind: 'telemetry' });
      this.log({ level: 'warn', event: 'telemetry-suspected-refused' });
      return;
    }
    if (!solo) return;
    if (suspect.kind === 'control') {
      this.controlStrikes++;
      if (this.controlStrikes >= this.maxAttempts) {
        this.controlDisabled = true;
        this.control.clear();
        this.log({ level: 'error', event: 'control-refused', attempts: this.controlStrikes, message: 'broker closes the connection on config/state publishes; not reporting config state any more' });
      } else {
        this.log({ level: 'warn', event: 'control-publish-unacknowledged', attempts: this.controlStrikes });
      }
      return;
    }
    if (suspect.kind === 'status') {
      this.counters.strikes.status++;
      this.statusStrikes++;
      this.emit('strike', { kind: 'status', attempts: this.statusStrikes });
      if (this.statusStrikes >= this.maxAttempts) {
        this.statusDisabled = true;
        this.log({ level: 'error', event: 'status-refused', attempts: this.statusStrikes, message: 'broker closes the connection on the status publish; not announcing online any more' });
      }
      return;
    }
    const row = suspect.row!;
    const attempts = this.outbox.recordFailedAttempt(row.id);
    if (attempts === undefined) return;
    this.counters.strikes.sensor++;
    this.emit('strike', { kind: 'sensor', seq: row.seq ?? undefined, attempts });
    this.log({ level: 'warn', event: 'publish-unacknowledged', seq: row.seq, messageId: row.messageId, attempts, maxAttempts: this.maxAttempts });
    if (attempts < this.maxAttempts) return;
    const reason = `broker closed the connection ${attempts} times right after this publish without PUBACK (refused: ACL/authorizePublish?)`;
    if (this.outbox.deadLetter(row.id, reason)) {
      this.counters.refusedDeadLettered++;
      this.log({ level: 'error', event: 'dead-letter', seq: row.seq, messageId: row.messageId, topic: row.topic, attempts, reason });
      this.emit('dead-letter', { seq: row.seq, messageId: row.messageId, attempts, reason });
      if (this.outbox.sensorQueueDepth() === 0) this.emit('drained');
    }
  }

  private record(conn: Conn, sent: Sent): void {
    // Keep the log short: old telemetry at its head can no longer be blamed for anything.
    const now = this.clock.mono();
    while (conn.log.length > 0 && conn.log[0]!.kind === 'telemetry' && now - conn.log[0]!.at > this.refusalWindowMs) conn.log.shift();
    conn.log.push(sent);
  }

  /** PUBACKs arrive in publish order (MQTT 3.1.1 §4.6), so everything sent before `sent` is done too. */
  private acknowledge(conn: Conn, sent: Sent): void {
    sent.acked = true;
    const i = conn.log.indexOf(sent);
    if (i >= 0) conn.log.splice(0, i + 1);
  }

  private pump(): void {
    if (this.pumping) {
      this.repump = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.repump = false;
        this.pumpOnce();
      } while (this.repump);
    } finally {
      this.pumping = false;
    }
  }

  private pumpOnce(): void {
    const conn = this.conn;
    const client = this.client;
    if (!conn || !client || !conn.statusDone || this.stopping || this.outbox.isClosed) return;
    if (this.control.size > 0) this.sendControl(conn, client);
    // A control publish goes out alone, like the status: if the broker refuses it, the close is
    // blamed on it (a strike) instead of on sensor communications written behind it, which would
    // otherwise be resent into the same refusal on every connection.
    if (conn.controlSent.size > 0) return;
    const probing = conn.lastSeq < this.probeThrough || (conn.inflight > 0 && conn.lastSeq <= this.probeThrough);
    const window = probing ? 1 : this.windowSize;
    let unsent = 0;
    if (conn.inflight < window) {
      for (const row of this.outbox.peekSensor(conn.lastSeq, window - conn.inflight)) {
        unsent++;
        this.sendSensor(conn, client, row);
      }
    } else {
      unsent = 1; // the window is full; whether more wait does not matter here
    }
    if (unsent > 0 || conn.inflight > 0) return;
    if (conn.telemetryWrites >= window) return;
    for (const row of this.outbox.peekTelemetry(conn.lastTelemetryId, window - conn.telemetryWrites)) {
      conn.lastTelemetryId = row.id;
      conn.telemetryWrites++;
      const sent: Sent = { kind: 'telemetry', row, at: this.clock.mono(), acked: false };
      this.record(conn, sent);
      client.publish(row.topic, row.payload, { qos: row.qos, retain: row.retain }, (err) => {
        conn.telemetryWrites--;
        if (err) return; // not connected: the row stays queued for the next connection
        this.counters.telemetrySent++;
        this.deleteLater(row.id);
        if (this.conn === conn) this.pump();
      });
    }
  }

  private sendControl(conn: Conn, client: MqttClient): void {
    for (const [topic, p] of this.control) {
      if (conn.controlSent.has(p)) continue;
      conn.controlSent.add(p);
      const sent: Sent = { kind: 'control', at: this.clock.mono(), acked: false };
      this.record(conn, sent);
      client.publish(topic, p.payload, { qos: p.qos, retain: p.retain }, (err) => {
        if (this.conn !== conn || err) return; // resent on the next connection
        this.acknowledge(conn, sent);
        this.controlStrikes = 0;
        if (this.control.get(topic) === p) this.control.delete(topic);
        conn.controlSent.delete(p);
        this.pump();
      });
    }
  }

  private sendSensor(conn: Conn, client: MqttClient, row: OutboxRow): void {
    const sent: Sent = { kind: 'sensor', row, at: this.clock.mono(), acked: false };
    this.record(conn, sent);
    conn.inflight++;
    conn.lastSeq = row.seq!;
    client.publish(row.topic, row.payload, { qos: 1, retain: row.retain }, (err) => {
      if (this.conn !== conn) return; // connection gone: the row is still in the outbox
      if (err) {
        if (this.stopping) return;
        // Not a PUBACK (3.1.1 has no negative ack); drop this connection so the row goes out again in order.
        this.log({ level: 'warn', event: 'publish-error', seq: row.seq, message: err.message });
        client.stream?.destroy();
        return;
      }
      conn.inflight--;
      this.acknowledge(conn, sent);
      if (row.seq! >= this.probeThrough) this.probeThrough = -1;
      this.counters.eventsPublished++;
      this.deleteLater(row.id);
      this.emit('acked', { seq: row.seq!, messageId: row.messageId! });
      this.pump();
    });
  }

  /** PUBACKed rows are deleted in one transaction per event-loop turn (one fsync, not one per ack). */
  private deleteLater(id: number): void {
    this.pendingDeletes.push(id);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flushDeletes());
  }

  private flushDeletes(): void {
    this.flushScheduled = false;
    if (this.pendingDeletes.length === 0) return;
    const ids = this.pendingDeletes;
    this.pendingDeletes = [];
    if (this.outbox.isClosed) return; // a crash here means resending them: duplicates, never loss
    try {
      this.outbox.remove(ids);
    } catch (e) {
      this.log({ level: 'error', event: 'outbox-delete-failed', message: e instanceof Error ? e.message : String(e) });
    }
    if (this.outbox.sensorQueueDepth() === 0) this.emit('drained');
  }

  /**
   * Operator action once the cause is fixed (e.g. the broker ACL): puts the dead letters back with
   * their original seq and reconnects, so they go out first, in seq order, ahead of newer events.
   */
  requeueDeadLetters(): number {
    const n = this.outbox.requeueDeadLetters();
    if (n > 0 && this.conn) this.client?.stream?.destroy();
    return n;
  }

  /** Resolves once no sensor communication is queued (resolves at once if none is). */
  whenDrained(): Promise<void> {
    if (this.outbox.isClosed || (this.outbox.sensorQueueDepth() === 0 && this.pendingDeletes.length === 0)) return Promise.resolve();
    return new Promise((resolve) => this.once('drained', resolve));
  }

  private until(predicate: () => boolean, timeoutMs: number): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (!predicate()) return;
        done();
      };
      const done = () => {
        clearTimeout(timer);
        this.off('acked', check);
        this.off('close', check);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.on('acked', check);
      this.on('close', check);
    });
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), ms);
    }),
  ]);
}

export function createPublisher(options: PublisherOptions): Publisher {
  return new Publisher(options);
}
