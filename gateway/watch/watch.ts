/**
 * A backend-side subscriber for technicians and the `npm start` orchestrator: subscribes to sensor
 * communications (optionally as a member of a shared-subscription group), gateway status and
 * telemetry, checks every payload against the contract (decodeFromTopic) and accounts for loss and
 * duplicates per gateway (SequenceTracker).
 */
import mqtt, { ErrorWithSubackPacket, type IClientOptions } from 'mqtt';
import {
  decodeFromTopic,
  sharedSubscription,
  topicFilter,
  type GatewayStatus,
  type SensorCommunication,
  type Telemetry,
  type ValidationIssue,
} from '../../protocol/messages/index.js';
import { SequenceTracker, type ObserveResult, type TrackerSummary } from './sequence-tracker.js';

export interface WatchOptions {
  url: string;
  /** Only this site (default: all sites). */
  siteId?: string;
  /** Stop after this many distinct sensor communications. */
  count?: number;
  /** Join shared-subscription group `$share/<share>/…` for sensor communications. */
  share?: string;
  username?: string;
  password?: string;
  /** A fixed client ID makes the session persistent (clean: false): the broker queues while we are away. */
  clientId?: string;
  ca?: string | Buffer;
  rejectUnauthorized?: boolean;
  /** Give up after this long; the summary says how far it got. */
  timeoutMs?: number;
  /** Stops the watch (e.g. on SIGINT). */
  signal?: AbortSignal;
  onEvent?: (event: WatchEvent) => void;
  /** Also called once subscribed (tests and orchestrators start publishing then). */
  onReady?: () => void;
}

export type WatchEvent =
  | { type: 'sensor'; topic: string; message: SensorCommunication; check: ObserveResult }
  | { type: 'status'; topic: string; message: GatewayStatus; retained: boolean }
  | { type: 'telemetry'; topic: string; message: Telemetry }
  | { type: 'other'; topic: string; kind: string }
  | { type: 'invalid'; topic: string; reason: string; errors: ValidationIssue[] };

export interface WatchSummary extends TrackerSummary {
  invalid: number;
  statuses: number;
  telemetry: number;
  /** true when --count was reached (or no count was asked for). */
  complete: boolean;
  stoppedBy: 'count' | 'timeout' | 'signal';
}

export async function runWatch(o: WatchOptions): Promise<WatchSummary> {
  const tracker = new SequenceTracker();
  const emit = o.onEvent ?? (() => {});
  let invalid = 0;
  let statuses = 0;
  let telemetry = 0;
  const options: IClientOptions = {
    protocolVersion: 4,
    reconnectPeriod: 1000,
    clean: o.clientId === undefined,
    ...(o.clientId !== undefined ? { clientId: o.clientId } : {}),
    ...(o.username !== undefined ? { username: o.username } : {}),
    ...(o.password !== undefined ? { password: o.password } : {}),
    ...(o.ca !== undefined ? { ca: o.ca } : {}),
    ...(o.rejectUnauthorized !== undefined ? { rejectUnauthorized: o.rejectUnauthorized } : {}),
  };
  const scope = o.siteId !== undefined ? { siteId: o.siteId } : {};
  const sensorFilter = topicFilter('sensor', scope);
  const filters = [
    o.share !== undefined ? sharedSubscription(o.share, sensorFilter) : sensorFilter,
    topicFilter('status', scope),
    topicFilter('telemetry', scope),
  ];
  // Fail fast on a wrong URL or credentials; reconnect silently once we have been connected.
  const client = await mqtt.connectAsync(o.url, options, false);
  let finish: (by: WatchSummary['stoppedBy']) => void = () => {};
  const done = new Promise<WatchSummary['stoppedBy']>((resolve) => (finish = resolve));
  const reached = () => o.count !== undefined && tracker.received >= o.count;

  client.on('message', (topic, payload, packet) => {
    const d = decodeFromTopic(topic, payload);
    if (!d.ok) {
      invalid++;
      return emit({ type: 'invalid', topic, reason: d.reason, errors: d.errors });
    }
    switch (d.message.kind) {
      case 'sensor-communication': {
        const m = d.message;
        emit({ type: 'sensor', topic, message: m, check: tracker.observe(m) });
        if (reached()) finish('count');
        return;
      }
      case 'gateway-status':
        statuses++;
        return emit({ type: 'status', topic, message: d.message, retained: packet.retain });
      case 'telemetry':
        telemetry++;
        return emit({ type: 'telemetry', topic, message: d.message });
      default:
        return emit({ type: 'other', topic, kind: d.message.kind });
    }
  });
  client.on('error', () => {}); // reconnects; a permanent failure shows up as a timeout

  const timer = o.timeoutMs !== undefined ? setTimeout(() => finish('timeout'), o.timeoutMs) : undefined;
  const onAbort = () => finish('signal');
  o.signal?.addEventListener('abort', onAbort, { once: true });
  if (o.signal?.aborted) finish('signal');
  try {
    await client.subscribeAsync(filters, { qos: 1 }).catch((e: unknown) => {
      // SUBACK 0x80 per refused filter (MQTT 3.1.1 §3.9.3); name them instead of "Unspecified error"
      const codes = e instanceof ErrorWithSubackPacket ? ((e.packet.granted ?? []) as number[]) : [];
      const refused = filters.filter((_, i) => codes[i] === 128);
      throw new Error(refused.length > 0 ? `broker refused the subscription to ${refused.join(', ')}` : String(e));
    });
    o.onReady?.();
    if (o.count === 0) finish('count');
    const stoppedBy = await done;
    const s = tracker.summary();
    return { ...s, invalid, statuses, telemetry, complete: o.count === undefined || reached(), stoppedBy };
  } finally {
    clearTimeout(timer);
    o.signal?.removeEventListener('abort', onAbort);
    await client.endAsync(true).catch(() => {});
  }
}
