/**
 * The reference backend (patent [0220]–[0245]) on MQTT: subscribes to sensor and user
 * communications as a member of a shared-subscription group — `$share/<group>/tp/v1/+/+/sensor`
 * and `$share/<group>/tp/v1/+/user` — so several instances split the stream (MQTT 5.0 §4.8.2;
 * the embedded broker dispatches $share for 3.1.1 clients, gateway/broker/shared.ts), runs each
 * message through the processor (processor.ts) and publishes the content items it decides on to
 * each phone's content topic. Instances that should share matches and rate limits share one
 * database file (WAL); a message is stored before its PUBACK goes out, since the processor runs
 * synchronously inside MQTT.js's message handler.
 */
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import mqtt, { ErrorWithSubackPacket, type IClientOptions, type MqttClient } from 'mqtt';
import { isValidTopicId, sharedSubscription, topicFilter, type ContentItem, type SensorCommunication, type UserCommunication, type ValidationIssue } from '../../protocol/messages/index.js';
import type { ContentTiming } from './content.js';
import { hashCrm, type CrmOptions } from './crm.js';
import type { InterestOptions } from './interest.js';
import { EMPTY_CATALOG, type ItemCatalog } from './items.js';
import { checkMatchWindow, DEFAULT_MATCH_WINDOW, type MatchWindowOptions } from './match-window.js';
import { createProcessor, type BackendEvent, type InterestInfo, type MatchInfo, type PendingContent, type Processor } from './processor.js';
import { BackendStore } from './store.js';

export interface BackendOptions {
  /** mqtt://, mqtts://, ws:// or wss:// */
  url: string;
  /** SQLite file; ':memory:' for a throwaway run. */
  dbPath: string;
  /** Shared-subscription group. Default 'backend'. */
  share?: string;
  /** Only this site (default: every site). */
  siteId?: string;
  username?: string;
  password?: string;
  /** Default: tp-backend-<group>-<random>, unique per instance. */
  clientId?: string;
  ca?: string | Buffer;
  /** The merchant's CRM export (CSV text). Hashed at start; raw values are dropped right after. */
  crmCsv?: string;
  crm?: CrmOptions;
  catalog?: ItemCatalog;
  match?: Partial<MatchWindowOptions>;
  interest?: Partial<InterestOptions>;
  contentPeriodMs?: number;
  contentTiming?: Partial<ContentTiming>;
  now?: () => number;
  log?: (record: { level: 'info' | 'warn' | 'error'; event: string; [k: string]: unknown }) => void;
}

export interface BackendStats {
  received: number;
  sensorCommunications: number;
  userCommunications: number;
  duplicates: number;
  invalid: number;
  ignored: number;
  matches: number;
  referenced: number;
  anonymous: number;
  audienceAdditions: number;
  contentItems: number;
  contentItemsFailed: number;
  rateLimited: number;
  errors: number;
}

export interface ContentItemEvent {
  topic: string;
  message: ContentItem;
  interest: number;
  threshold: number;
}

/** What the backend tells npm start, the live map and tests. */
export interface BackendEventMap {
  sensor: [{ topic: string; message: SensorCommunication; halfWindowMs: number }];
  user: [{ topic: string; message: UserCommunication; referenced: boolean }];
  match: [MatchInfo];
  interest: [InterestInfo];
  'content-item': [ContentItemEvent];
  duplicate: [{ topic: string; kind: string; messageId: string }];
  invalid: [{ topic: string; reason: string; errors: ValidationIssue[] }];
}

export interface RunningBackend {
  readonly events: EventEmitter<BackendEventMap>;
  readonly store: BackendStore;
  readonly processor: Processor;
  readonly clientId: string;
  readonly subscriptions: readonly string[];
  readonly crm: { customers: number; hashes: number; rejected: number } | undefined;
  stats(): BackendStats;
  /** Waits for content items still being published, disconnects and closes the database. */
  close(): Promise<BackendStats>;
}

export function emptyStats(): BackendStats {
  return {
    received: 0,
    sensorCommunications: 0,
    userCommunications: 0,
    duplicates: 0,
    invalid: 0,
    ignored: 0,
    matches: 0,
    referenced: 0,
    anonymous: 0,
    audienceAdditions: 0,
    contentItems: 0,
    contentItemsFailed: 0,
    rateLimited: 0,
    errors: 0,
  };
}

export async function startBackend(o: BackendOptions): Promise<RunningBackend> {
  const share = o.share ?? 'backend';
  if (!isValidTopicId(share, 'group')) throw new RangeError('share group must be [A-Za-z0-9._-]{1,64}');
  if (o.siteId !== undefined && !isValidTopicId(o.siteId, 'siteId')) throw new RangeError('siteId must be [A-Za-z0-9._-]{1,64}');
  checkMatchWindow({ ...DEFAULT_MATCH_WINDOW, ...o.match });
  const now = o.now ?? Date.now;
  const log = o.log ?? (() => {});

  let crm: RunningBackend['crm'];
  let crmHashes: ReturnType<typeof hashCrm> | undefined;
  if (o.crmCsv !== undefined) {
    crmHashes = hashCrm(o.crmCsv, o.crm);
    if (!crmHashes.ok) throw new Error(`CRM: ${crmHashes.reason}`);
  }
  const store = new BackendStore(o.dbPath);
  try {
    if (crmHashes?.ok) {
      store.replaceCrm(crmHashes.hashes, { customers: crmHashes.customers, rejected: crmHashes.rejected.length }, now());
      crm = { customers: crmHashes.customers, hashes: crmHashes.hashes.length, rejected: crmHashes.rejected.length };
      for (const r of crmHashes.rejected) log({ level: 'warn', event: 'crm-rejected', line: r.line, field: r.field, code: r.code });
      crmHashes = undefined;
    }
  } catch (e) {
    store.close();
    throw e;
  }
  const processor = createProcessor({
    store,
    catalog: o.catalog ?? EMPTY_CATALOG,
    ...(o.match ? { match: o.match } : {}),
    ...(o.interest ? { interest: o.interest } : {}),
    ...(o.contentPeriodMs !== undefined ? { contentPeriodMs: o.contentPeriodMs } : {}),
    ...(o.contentTiming ? { contentTiming: o.contentTiming } : {}),
    now,
  });

  const events = new EventEmitter<BackendEventMap>();
  const stats = emptyStats();
  const clientId = o.clientId ?? `tp-backend-${share}-${randomBytes(6).toString('hex')}`;
  const scope = o.siteId !== undefined ? { siteId: o.siteId } : {};
  const subscriptions = [sharedSubscription(share, topicFilter('sensor', scope)), sharedSubscription(share, topicFilter('user', scope))];
  const options: IClientOptions = {
    protocolVersion: 4,
    clientId,
    clean: true,
    reconnectPeriod: 1000,
    ...(o.username !== undefined ? { username: o.username } : {}),
    ...(o.password !== undefined ? { password: o.password } : {}),
    ...(o.ca !== undefined ? { ca: o.ca } : {}),
  };

  let client: MqttClient;
  try {
    client = await mqtt.connectAsync(o.url, options, false);
  } catch (e) {
    store.close();
    throw e;
  }
  const inFlight = new Set<Promise<void>>();

  const publish = (c: PendingContent) => {
    const p = client
      .publishAsync(c.publication.topic, c.publication.payload, { qos: c.publication.qos, retain: c.publication.retain })
      .then(
        () => {
          processor.contentDone(c.message.messageId, true);
          stats.contentItems++;
          events.emit('content-item', { topic: c.publication.topic, message: c.message, interest: c.interest, threshold: c.threshold });
        },
        (e: unknown) => {
          stats.contentItemsFailed++;
          if (store.db.open) processor.contentDone(c.message.messageId, false);
          log({ level: 'warn', event: 'content-publish-failed', messageId: c.message.messageId, error: String(e) });
        },
      )
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };

  const dispatch = (e: BackendEvent) => {
    switch (e.type) {
      case 'sensor':
        stats.sensorCommunications++;
        return void events.emit('sensor', { topic: e.topic, message: e.message, halfWindowMs: e.halfWindowMs });
      case 'user':
        stats.userCommunications++;
        if (e.referenced) stats.referenced++;
        else stats.anonymous++;
        return void events.emit('user', { topic: e.topic, message: e.message, referenced: e.referenced });
      case 'duplicate':
        stats.duplicates++;
        return void events.emit('duplicate', { topic: e.topic, kind: e.kind, messageId: e.messageId });
      case 'invalid':
        stats.invalid++;
        log({ level: 'warn', event: 'invalid', topic: e.topic, reason: e.reason, errors: e.errors.slice(0, 3) });
        return void events.emit('invalid', { topic: e.topic, reason: e.reason, errors: e.errors });
      case 'ignored':
        stats.ignored++;
        return;
      case 'match':
        stats.matches++;
        return void events.emit('match', e.match);
      case 'interest':
        return void events.emit('interest', e.interest);
      case 'audience':
        stats.audienceAdditions++;
        return;
      case 'rate-limited':
        stats.rateLimited++;
        return;
    }
  };

  client.on('message', (topic, payload) => {
    stats.received++;
    let result;
    try {
      result = processor.handle(topic, payload);
    } catch (e) {
      // A database error (disk full, lock timeout): the message is lost to this instance, counted
      // and logged; better than a crash that loses every message in flight.
      stats.errors++;
      log({ level: 'error', event: 'process-failed', topic, error: e instanceof Error ? e.message : String(e) });
      return;
    }
    for (const e of result.events) dispatch(e);
    for (const c of result.content) publish(c);
  });
  client.on('error', (e) => log({ level: 'warn', event: 'mqtt-error', error: e.message }));

  try {
    await client.subscribeAsync(subscriptions, { qos: 1 }).catch((e: unknown) => {
      const codes = e instanceof ErrorWithSubackPacket ? ((e.packet.granted ?? []) as number[]) : [];
      const refused = subscriptions.filter((_, i) => codes[i] === 128);
      throw new Error(refused.length > 0 ? `broker refused the subscription to ${refused.join(', ')}` : String(e));
    });
  } catch (e) {
    await client.endAsync(true).catch(() => {});
    store.close();
    throw e;
  }
  log({ level: 'info', event: 'backend-ready', clientId, subscriptions });

  let closing: Promise<BackendStats> | undefined;
  return {
    events,
    store,
    processor,
    clientId,
    subscriptions,
    crm,
    stats: () => ({ ...stats }),
    close: () =>
      (closing ??= (async () => {
        // Stop taking messages first, then let the content items already handed to MQTT.js finish.
        await client.unsubscribeAsync(subscriptions).catch(() => {});
        await Promise.race([Promise.allSettled([...inFlight]), new Promise((r) => setTimeout(r, 2000).unref())]);
        await client.endAsync(true).catch(() => {});
        await Promise.allSettled([...inFlight]);
        store.close();
        return { ...stats };
      })()),
  };
}
