/**
 * The reference backend (patent [0220]–[0245]) on MQTT: subscribes to sensor and user
 * communications as a member of a shared-subscription group — `$share/<group>/tp/v1/+/+/sensor`
 * and `$share/<group>/tp/v1/+/user` — so several instances split the stream (MQTT 5.0 §4.8.2;
 * the embedded broker dispatches $share for 3.1.1 clients, gateway/broker/shared.ts), runs each
 * message through the processor (processor.ts) and publishes the content items it decides on to
 * each phone's content topic. Instances that should share matches and rate limits share one
 * database file (WAL); a message is stored before its PUBACK goes out, since the processor runs
 * synchronously inside MQTT.js's message handler.
 *
 * With a keyring (`keyring`), every sensor communication must carry a valid signature from its
 * gateway's key and a sequence number not seen before (gateway/security verifySensorCommunication);
 * unsigned, forged and replayed ones are dropped before anything is stored and counted by reason in
 * `stats().signatures`. Without one, signatures are not checked (`signatures.checked: false`).
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
import { ReplayState, verifySensorCommunication, type KeyLookup, type ReplayStateOptions, type VerifyRejection } from '../security/index.js';

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
  /**
   * Gateway signing keys (gateway/security: keyringLookup of a keyring file, createKeyring,
   * createDerivedKeyring). Given: unsigned, forged and replayed sensor communications are refused.
   */
  keyring?: KeyLookup;
  /** Replay window per gateway and gateways tracked (gateway/security ReplayState). */
  replay?: ReplayStateOptions;
}

/** Signature verification of sensor communications (all zero and checked: false without a keyring). */
export interface SignatureStats {
  checked: boolean;
  verified: number;
  /** Sum of the reasons below. */
  rejected: number;
  unsigned: number;
  malformed: number;
  unknownKey: number;
  wrongGateway: number;
  forged: number;
  /** A seq already accepted: a replay, or an honest QoS 1 redelivery (only the rate tells them apart). */
  duplicate: number;
  staleSeq: number;
  /** Gateways whose replay window was dropped to stay within replay.maxGateways. */
  evicted: number;
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
  signatures: SignatureStats;
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
  /** A sensor communication refused by signature verification (only with a keyring). */
  rejected: [{ topic: string; reason: VerifyRejection; detail: string; messageId: string }];
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
    signatures: { checked: false, verified: 0, rejected: 0, unsigned: 0, malformed: 0, unknownKey: 0, wrongGateway: 0, forged: 0, duplicate: 0, staleSeq: 0, evicted: 0 },
  };
}

function signatureStats(replay: ReplayState | undefined): SignatureStats {
  if (!replay) return emptyStats().signatures;
  const { accepted, evicted, ...refused } = replay.counters;
  const rejected = Object.values(refused).reduce((a, b) => a + b, 0);
  return { checked: true, verified: accepted, rejected, ...refused, evicted };
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
  const replay = o.keyring ? new ReplayState(o.replay) : undefined;
  const keyring = o.keyring;
  const processor = createProcessor({
    store,
    ...(replay && keyring ? { verifySensor: (m: SensorCommunication) => verifySensorCommunication(m, keyring, replay) } : {}),
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

  const rejectedLogged = new Map<VerifyRejection, number>();
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
      case 'rejected': {
        // Counted in the replay state (stats().signatures); logged, but not every one of a flood.
        const n = (rejectedLogged.get(e.reason) ?? 0) + 1;
        rejectedLogged.set(e.reason, n);
        if (n <= 20 || n % 1000 === 0) log({ level: e.reason === 'duplicate' ? 'info' : 'warn', event: 'sensor-rejected', reason: e.reason, detail: e.detail, count: n });
        return void events.emit('rejected', { topic: e.topic, reason: e.reason, detail: e.detail, messageId: e.messageId });
      }
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
  if (!replay) log({ level: 'warn', event: 'signatures-not-checked', message: 'no keyring: sensor communications are accepted without checking their signatures' });

  let closing: Promise<BackendStats> | undefined;
  return {
    events,
    store,
    processor,
    clientId,
    subscriptions,
    crm,
    stats: () => ({ ...stats, signatures: signatureStats(replay) }),
    close: () =>
      (closing ??= (async () => {
        // Stop taking messages first, then let the content items already handed to MQTT.js finish.
        await client.unsubscribeAsync(subscriptions).catch(() => {});
        await Promise.race([Promise.allSettled([...inFlight]), new Promise((r) => setTimeout(r, 2000).unref())]);
        await client.endAsync(true).catch(() => {});
        await Promise.allSettled([...inFlight]);
        store.close();
        return { ...stats, signatures: signatureStats(replay) };
      })()),
  };
}
