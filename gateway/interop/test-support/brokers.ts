/**
 * One shape for "the broker under test", so the same delivery and fault tests run against the
 * embedded aedes broker and against Mosquitto: both with logins and the same topic ACL, both
 * stoppable and restartable on the same port, both with a backend-side collector that survives the
 * restart (aedes: an in-broker subscription re-attached to the new instance; Mosquitto: a backend
 * client with a persistent session, which Mosquitto writes to disk on SIGTERM and restores).
 */
import type { Aedes } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import { decodeFromTopic, topicFilter, type SensorCommunication } from '../../../protocol/messages/index.js';
import { startBroker, type RunningBroker } from '../../broker/broker.js';
import { hashPassword, type UserEntry } from '../../broker/users.js';
import { SensorCollector } from '../../publish/test-support/collector.js';
import { generateTls, type GeneratedTls } from './tls.js';
import { startMosquitto, type MosquittoUser, type RunningMosquitto } from './mosquitto.js';

export type BrokerKind = 'aedes' | 'mosquitto';

export const TEST_PASSWORD = 'interop-test-password';
export const BACKEND_USER = 'backend';

/**
 * What a backend sees: a SensorCollector fed either by an in-broker subscription (aedes) or by an
 * MQTT client (any broker), with the arrival time of each message for recovery figures.
 */
export class BackendCollector extends SensorCollector {
  /** performance.now() of each entry in `arrivals`. */
  readonly times: number[] = [];

  override attach(aedes: Aedes, all = false): this {
    aedes.subscribe(
      all ? 'tp/#' : topicFilter('sensor'),
      (packet, cb) => {
        this.feed(packet.topic, Buffer.from(packet.payload), packet.qos, packet.retain);
        cb();
      },
      () => {},
    );
    return this;
  }

  feed(topic: string, payload: Buffer, qos: number, retain: boolean): void {
    const text = payload.toString('utf8');
    const d = decodeFromTopic(topic, text);
    if (d.ok && d.message.kind === 'sensor-communication') {
      const m = d.message as SensorCommunication;
      this.arrivals.push({ gatewayId: m.gatewayId, seq: m.seq, messageId: m.messageId });
      this.times.push(performance.now());
    } else if (d.ok) this.other.push({ topic, payload: text, qos, retain });
    else this.invalid.push(topic);
  }

  /** Length of the run 0, 1, 2, … of seqs seen: everything below it has arrived. */
  contiguous(gatewayId: string): number {
    const seen = this.unique(gatewayId);
    let n = 0;
    while (seen.has(n)) n++;
    return n;
  }

  /** When seqs 0 … n−1 had all arrived (performance.now()), or undefined if they have not. */
  contiguousAt(gatewayId: string, n: number): number | undefined {
    const seen = new Set<number>();
    let prefix = 0;
    for (let i = 0; i < this.arrivals.length; i++) {
      const a = this.arrivals[i]!;
      if (a.gatewayId !== gatewayId) continue;
      seen.add(a.seq);
      while (seen.has(prefix)) prefix++;
      if (prefix >= n) return this.times[i];
    }
    return n <= 0 ? 0 : undefined;
  }
}

export interface BrokerUnderTest {
  readonly kind: BrokerKind;
  /** mqtt:// URL; stays valid across stop()/start(). */
  readonly url: string;
  readonly port: number;
  /** What a backend subscribed to every sensor topic has received. */
  readonly collector: BackendCollector;
  readonly running: boolean;
  /** Credentials of the gateway user for this gateway ID (username = gateway ID). */
  login(gatewayId: string): { username: string; password: string };
  stop(): Promise<void>;
  /** Starts again on the same port; the collector keeps collecting. */
  start(): Promise<void>;
  close(): Promise<void>;
  readonly mosquitto?: RunningMosquitto;
  /** The current aedes instance (aedes only). */
  aedes?(): RunningBroker;
}

export interface BrokerUnderTestOptions {
  /** Working directory (Mosquitto config, password file, persistence). */
  dir: string;
  site: string;
  gateways: readonly string[];
  /** Mosquitto only: also a TLS listener with freshly generated certificates. */
  tls?: boolean;
}

export function testUsers(site: string, gateways: readonly string[]): MosquittoUser[] {
  return [
    ...gateways.map((g): MosquittoUser => ({ username: g, password: TEST_PASSWORD, role: 'gateway', site, gateway: g })),
    { username: BACKEND_USER, password: TEST_PASSWORD, role: 'backend' },
  ];
}

/** The same users for the embedded broker: scrypt at a test-only cost (users.ts has the real default). */
export async function embeddedUsers(users: readonly MosquittoUser[]): Promise<UserEntry[]> {
  const cost = { N: 1024, r: 8, p: 1 };
  return Promise.all(
    users.map(async (u) => ({
      username: u.username,
      role: u.role,
      password: await hashPassword(u.password, cost),
      ...(u.site !== undefined ? { site: u.site } : {}),
      ...(u.gateway !== undefined ? { gateway: u.gateway } : {}),
      ...(u.deviceHash !== undefined ? { deviceHash: u.deviceHash } : {}),
    })),
  );
}

export async function startBrokerUnderTest(kind: BrokerKind, o: BrokerUnderTestOptions): Promise<BrokerUnderTest & { tls?: GeneratedTls }> {
  const users = testUsers(o.site, o.gateways);
  const login = (gatewayId: string) => ({ username: gatewayId, password: TEST_PASSWORD });
  if (kind === 'aedes') {
    const entries = await embeddedUsers(users);
    const collector = new BackendCollector();
    let broker: RunningBroker | undefined = await startBroker({ port: 0, users: entries });
    collector.attach(broker.aedes);
    const port = broker.port;
    return {
      kind,
      url: broker.urls.mqtt,
      port,
      collector,
      get running() {
        return broker !== undefined;
      },
      login,
      async stop() {
        const b = broker;
        broker = undefined;
        await b?.close();
      },
      async start() {
        if (broker) return;
        broker = await startBroker({ port, users: entries });
        // Before any client is served: the listen callback resolved us, sockets come in a later turn.
        collector.attach(broker.aedes);
      },
      async close() {
        await broker?.close();
        broker = undefined;
      },
      aedes: () => {
        if (!broker) throw new Error('aedes is stopped');
        return broker;
      },
    };
  }

  const tls = o.tls ? generateTls(o.dir) : undefined;
  const m = await startMosquitto({ dir: o.dir, users, ...(tls ? { tls } : {}) });
  const collector = new BackendCollector();
  let backend: MqttClient;
  try {
    backend = await mqtt.connectAsync(
      m.urls.mqtt,
      // A persistent session (clean: false, fixed client ID): Mosquitto queues for it while it reconnects.
      { clientId: 'tp-interop-backend', clean: false, username: BACKEND_USER, password: TEST_PASSWORD, reconnectPeriod: 50, protocolVersion: 4 },
      false,
    );
    backend.on('message', (topic, payload, packet) => collector.feed(topic, payload, packet.qos, packet.retain));
    await backend.subscribeAsync(topicFilter('sensor'), { qos: 1 });
  } catch (e) {
    await m.close();
    throw e;
  }
  return {
    kind,
    url: m.urls.mqtt,
    port: m.port,
    collector,
    get running() {
      return m.running;
    },
    login,
    stop: () => m.stop(),
    start: () => m.start(),
    async close() {
      await backend.endAsync(true).catch(() => {});
      await m.close();
    },
    mosquitto: m,
    ...(tls ? { tls } : {}),
  };
}
