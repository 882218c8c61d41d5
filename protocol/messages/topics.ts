/**
 * MQTT topic names, built and parsed in one place.
 *
 *   tp/v1/<site>/<gateway>/sensor          gateway → backend   sensor communications
 *   tp/v1/<site>/<gateway>/status          gateway → all       online/offline, retained, Last Will
 *   tp/v1/<site>/<gateway>/telemetry       gateway → backend   health counters
 *   tp/v1/<site>/<gateway>/config/set      backend → gateway   desired config, retained
 *   tp/v1/<site>/<gateway>/config/state    gateway → backend   applied config, retained
 *   tp/v1/<site>/config/set                backend → gateways  site-wide desired config, retained
 *   tp/v1/<site>/user                      phone → backend     user communications
 *   tp/v1/<site>/device/<deviceHash>/content  backend → phone  content items
 *
 * IDs are single topic levels restricted to [A-Za-z0-9._-]{1,64} (primitives.ts). That one rule
 * keeps out everything MQTT treats specially: `+` and `#` (wildcards, forbidden in topic names,
 * MQTT 3.1.1 §4.7.1), `/` (level separator, which would shift every later level), empty levels,
 * NUL (forbidden in UTF-8 strings, §1.5.3), and a leading `$` (reserved for broker topics such as
 * $SYS and $share, §4.7.2). Gateway IDs `device`, `user` and `config` are reserved (see primitives.ts).
 *
 * `deviceHash` is sha256(UTF-8 deviceId) in lowercase hex — deviceTopicHash() — so the install ID
 * never appears in topic names, which brokers log freely, while phone and backend can both
 * compute it.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { ID_MAX_LENGTH, ID_RE, RESERVED_GATEWAY_IDS } from './primitives.js';
import type { MessageKind } from './schemas/index.js';

export const TOPIC_ROOT = 'tp';
export const TOPIC_VERSION = 'v1';

export type GatewayTopicKind = 'sensor' | 'status' | 'telemetry' | 'config-set' | 'config-state';
export type TopicKind = GatewayTopicKind | 'site-config-set' | 'user' | 'content';

export type TopicRef =
  | { kind: GatewayTopicKind; siteId: string; gatewayId: string }
  | { kind: 'site-config-set'; siteId: string }
  | { kind: 'user'; siteId: string }
  | { kind: 'content'; siteId: string; deviceHash: string };

export const TOPIC_KINDS: readonly TopicKind[] = ['sensor', 'status', 'telemetry', 'config-set', 'config-state', 'site-config-set', 'user', 'content'];
export const GATEWAY_TOPIC_KINDS: readonly GatewayTopicKind[] = ['sensor', 'status', 'telemetry', 'config-set', 'config-state'];

/** Levels after `tp/v1/<site>/<gateway>/`. */
const GATEWAY_SUFFIX: Record<GatewayTopicKind, readonly string[]> = {
  sensor: ['sensor'],
  status: ['status'],
  telemetry: ['telemetry'],
  'config-set': ['config', 'set'],
  'config-state': ['config', 'state'],
};

/** Levels after `tp/v1/<site>/` of the site-wide desired config (why `config` is a reserved gateway ID). */
const SITE_CONFIG_SET = ['config', 'set'] as const;

export type Delivery = { qos: 0 | 1 | 2; retain: boolean };

/**
 * QoS and retain flag per topic kind.
 * - sensor, user, content: QoS 1; consumers de-duplicate by messageId. Not retained: a stale
 *   interaction replayed to a new subscriber would be matched as if it just happened.
 * - status: QoS 1, retained, so a backend that starts later sees which gateways are up.
 * - telemetry: QoS 0; the next report supersedes a lost one.
 * - config/set: QoS 1, retained, so a gateway gets its desired config on every connect.
 * - config/state: QoS 1, retained, so the backend always sees what each gateway runs.
 * - site-wide config/set: as config/set; every gateway of the site merges it under its own.
 */
export const TOPIC_DELIVERY: { readonly [K in TopicKind]: Delivery } = {
  sensor: { qos: 1, retain: false },
  status: { qos: 1, retain: true },
  telemetry: { qos: 0, retain: false },
  'config-set': { qos: 1, retain: true },
  'config-state': { qos: 1, retain: true },
  'site-config-set': { qos: 1, retain: true },
  user: { qos: 1, retain: false },
  content: { qos: 1, retain: false },
};

/** The payload kind each topic carries. */
export const TOPIC_PAYLOAD_KIND: { readonly [K in TopicKind]: MessageKind } = {
  sensor: 'sensor-communication',
  status: 'gateway-status',
  telemetry: 'telemetry',
  'config-set': 'config-set',
  'config-state': 'config-state',
  'site-config-set': 'config-set',
  user: 'user-communication',
  content: 'content-item',
};

export type TopicIdRole = 'siteId' | 'gatewayId' | 'deviceHash' | 'group';

export type TopicIdProblem = 'not-a-string' | 'empty' | 'too-long' | 'wildcard' | 'separator' | 'nul' | 'leading-dollar' | 'charset' | 'reserved';

export type TopicError = {
  reason: TopicIdProblem | 'not-ours' | 'unsupported-version' | 'unknown-topic';
  message: string;
  /** Which ID was wrong, for ID problems. */
  role?: TopicIdRole;
};

export type TopicParseResult = { ok: true; value: TopicRef } | { ok: false; error: TopicError };

const DEVICE_HASH_RE = /^[0-9a-f]{64}$/;

/**
 * Why `id` cannot be used as a topic level in `role`, or undefined if it can. The specific reasons
 * exist for error messages; the charset check alone would reject all of them.
 */
export function topicIdProblem(id: unknown, role: TopicIdRole): TopicIdProblem | undefined {
  if (typeof id !== 'string') return 'not-a-string';
  if (id.length === 0) return 'empty';
  if (id.length > ID_MAX_LENGTH) return 'too-long';
  if (id.includes('+') || id.includes('#')) return 'wildcard';
  if (id.includes('/')) return 'separator';
  if (id.includes('\u0000')) return 'nul';
  if (id.startsWith('$')) return 'leading-dollar';
  if (role === 'deviceHash') return DEVICE_HASH_RE.test(id) ? undefined : 'charset';
  if (!ID_RE.test(id)) return 'charset';
  if (role === 'gatewayId' && RESERVED_GATEWAY_IDS.includes(id)) return 'reserved';
  return undefined;
}

export function isValidTopicId(id: unknown, role: TopicIdRole): boolean {
  return topicIdProblem(id, role) === undefined;
}

/** Thrown by the builders: a bad ID there comes from the caller's config, not from the network. */
export class TopicIdError extends RangeError {
  override name = 'TopicIdError';
  constructor(
    readonly role: TopicIdRole,
    readonly reason: TopicIdProblem,
  ) {
    super(`invalid ${role} for an MQTT topic level (${reason}); allowed: [A-Za-z0-9._-]{1,64}`);
  }
}

function requireId(id: string, role: TopicIdRole): string {
  const problem = topicIdProblem(id, role);
  if (problem) throw new TopicIdError(role, problem);
  return id;
}

/** sha256(UTF-8 deviceId) as lowercase hex: the `deviceHash` level of a phone's content topic. */
export function deviceTopicHash(deviceId: string): string {
  return bytesToHex(sha256(utf8ToBytes(deviceId)));
}

/** Builds the topic name for `ref`. Throws TopicIdError if an ID is not topic-safe. */
export function buildTopic(ref: TopicRef): string {
  const site = requireId(ref.siteId, 'siteId');
  const base = `${TOPIC_ROOT}/${TOPIC_VERSION}/${site}`;
  switch (ref.kind) {
    case 'user':
      return `${base}/user`;
    case 'site-config-set':
      return `${base}/${SITE_CONFIG_SET.join('/')}`;
    case 'content':
      return `${base}/device/${requireId(ref.deviceHash, 'deviceHash')}/content`;
    default:
      return [base, requireId(ref.gatewayId, 'gatewayId'), ...GATEWAY_SUFFIX[ref.kind]].join('/');
  }
}

export const sensorTopic = (siteId: string, gatewayId: string) => buildTopic({ kind: 'sensor', siteId, gatewayId });
export const statusTopic = (siteId: string, gatewayId: string) => buildTopic({ kind: 'status', siteId, gatewayId });
export const telemetryTopic = (siteId: string, gatewayId: string) => buildTopic({ kind: 'telemetry', siteId, gatewayId });
export const configSetTopic = (siteId: string, gatewayId: string) => buildTopic({ kind: 'config-set', siteId, gatewayId });
export const configStateTopic = (siteId: string, gatewayId: string) => buildTopic({ kind: 'config-state', siteId, gatewayId });
export const siteConfigSetTopic = (siteId: string) => buildTopic({ kind: 'site-config-set', siteId });
export const userTopic = (siteId: string) => buildTopic({ kind: 'user', siteId });
export const contentTopic = (siteId: string, deviceHash: string) => buildTopic({ kind: 'content', siteId, deviceHash });

/** Longest topic we build is `tp/v1/` + 64 + `/` + 64 + `/config/state` = 148; anything far longer is not ours. */
export const MAX_TOPIC_LENGTH = 256;

const topicFail = (reason: TopicError['reason'], message: string, role?: TopicIdRole): TopicParseResult => ({
  ok: false,
  error: role ? { reason, message, role } : { reason, message },
});

function idLevel(level: string, role: TopicIdRole): TopicParseResult | undefined {
  const problem = topicIdProblem(level, role);
  return problem ? topicFail(problem, `invalid ${role} level (${problem})`, role) : undefined;
}

/** Parses a topic name into its kind and IDs. Never throws. */
export function parseTopic(topic: unknown): TopicParseResult {
  if (typeof topic !== 'string') return topicFail('not-ours', 'topic must be a string');
  if (topic.length > MAX_TOPIC_LENGTH) return topicFail('too-long', `topic longer than ${MAX_TOPIC_LENGTH}`);
  const levels = topic.split('/');
  if (levels[0] !== TOPIC_ROOT) return topicFail('not-ours', `topic does not start with ${TOPIC_ROOT}/`);
  if (levels[1] !== TOPIC_VERSION) return topicFail('unsupported-version', `topic version is not ${TOPIC_VERSION}`);
  const site = levels[2];
  if (site === undefined) return topicFail('unknown-topic', 'topic has no site level');
  const siteProblem = idLevel(site, 'siteId');
  if (siteProblem) return siteProblem;
  const rest = levels.slice(3);

  if (rest.length === 1 && rest[0] === 'user') return { ok: true, value: { kind: 'user', siteId: site } };
  if (sameLevels(SITE_CONFIG_SET, rest)) return { ok: true, value: { kind: 'site-config-set', siteId: site } };
  if (rest.length === 3 && rest[0] === 'device' && rest[2] === 'content') {
    const hash = rest[1] ?? '';
    return idLevel(hash, 'deviceHash') ?? { ok: true, value: { kind: 'content', siteId: site, deviceHash: hash } };
  }
  const [gateway, ...suffix] = rest;
  const kind = GATEWAY_TOPIC_KINDS.find((k) => sameLevels(GATEWAY_SUFFIX[k], suffix));
  if (gateway === undefined || kind === undefined) return topicFail('unknown-topic', 'not a Touchpoint v1 topic');
  return idLevel(gateway, 'gatewayId') ?? { ok: true, value: { kind, siteId: site, gatewayId: gateway } };
}

function sameLevels(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Topic name with AsyncAPI-style `{site}`, `{gateway}`, `{deviceHash}` placeholders, for documents
 * (the AsyncAPI channel addresses are generated from this).
 */
export function topicTemplate(kind: TopicKind): string {
  const base = `${TOPIC_ROOT}/${TOPIC_VERSION}/{site}`;
  switch (kind) {
    case 'user':
      return `${base}/user`;
    case 'site-config-set':
      return `${base}/${SITE_CONFIG_SET.join('/')}`;
    case 'content':
      return `${base}/device/{deviceHash}/content`;
    default:
      return [base, '{gateway}', ...GATEWAY_SUFFIX[kind]].join('/');
  }
}

export type FilterScope = { siteId?: string; gatewayId?: string; deviceHash?: string };

/**
 * Subscription filter for one topic kind; every ID left out becomes `+`.
 * topicFilter('sensor') → tp/v1/+/+/sensor; topicFilter('sensor', { siteId: 's1' }) → tp/v1/s1/+/sensor.
 * Throws TopicIdError for an ID that is given but not topic-safe.
 */
export function topicFilter(kind: TopicKind, scope: FilterScope = {}): string {
  const level = (id: string | undefined, role: TopicIdRole) => (id === undefined ? '+' : requireId(id, role));
  const base = `${TOPIC_ROOT}/${TOPIC_VERSION}/${level(scope.siteId, 'siteId')}`;
  switch (kind) {
    case 'user':
      return `${base}/user`;
    case 'site-config-set':
      return `${base}/${SITE_CONFIG_SET.join('/')}`;
    case 'content':
      return `${base}/device/${level(scope.deviceHash, 'deviceHash')}/content`;
    default:
      return [base, level(scope.gatewayId, 'gatewayId'), ...GATEWAY_SUFFIX[kind]].join('/');
  }
}

/**
 * MQTT 5 shared subscription `$share/<group>/<filter>` (MQTT 5.0 §4.8.2): the broker hands each
 * message to one member of the group, so several backend instances split the load. The group name
 * must not contain `/`, `+` or `#`; the topic-ID rule covers that.
 */
export function sharedSubscription(group: string, filter: string): string {
  requireId(group, 'group');
  if (!isValidFilter(filter)) throw new RangeError('filter is not a valid MQTT topic filter');
  return `$share/${group}/${filter}`;
}

/** MQTT 3.1.1 §4.7.1: `#` only as the whole last level, `+` only as a whole level, no NUL, not empty. */
export function isValidFilter(filter: string): boolean {
  if (typeof filter !== 'string' || filter.length === 0 || filter.length > MAX_TOPIC_LENGTH || filter.includes('\u0000')) return false;
  const levels = filter.split('/');
  return levels.every((l, i) => {
    if (l === '#') return i === levels.length - 1;
    if (l === '+') return true;
    return !l.includes('#') && !l.includes('+');
  });
}

/**
 * Whether `topic` matches `filter` (MQTT 3.1.1 §4.7): `+` matches one level, `#` the rest including
 * the parent level, and wildcards at the first level do not match `$` topics. A `$share/<group>/`
 * prefix on the filter is ignored. Never throws; an invalid filter matches nothing.
 */
export function topicMatchesFilter(filter: string, topic: string): boolean {
  if (typeof filter !== 'string' || typeof topic !== 'string') return false;
  let f = filter;
  if (f.startsWith('$share/')) {
    const slash = f.indexOf('/', '$share/'.length);
    if (slash < 0) return false;
    f = f.slice(slash + 1);
  }
  if (!isValidFilter(f) || topic.length === 0 || topic.includes('+') || topic.includes('#')) return false;
  const fl = f.split('/');
  const tl = topic.split('/');
  if (topic.startsWith('$') && (fl[0] === '+' || fl[0] === '#')) return false;
  for (let i = 0; i < fl.length; i++) {
    if (fl[i] === '#') return true;
    if (i >= tl.length) return false;
    if (fl[i] !== '+' && fl[i] !== tl[i]) return false;
  }
  return fl.length === tl.length;
}
