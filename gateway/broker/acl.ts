/**
 * Topic ACL for the embedded broker: pure decisions, no aedes objects, so they are tested directly.
 *
 * gateway  publish  tp/v1/<site>/<gateway>/{sensor,status,telemetry,config/state}   (its own only)
 *          subscribe tp/v1/<site>/<gateway>/config/set, tp/v1/<site>/config/set     (exactly)
 * backend  publish  tp/v1/+/+/config/set, tp/v1/+/config/set and tp/v1/+/device/+/content
 *          subscribe anything, including $share/<group>/<filter>
 * phone    publish  tp/v1/<site>/user
 *          subscribe tp/v1/<site>/device/<deviceHash>/content                        (exactly)
 * anonymous (explicit demo mode): anything but $SYS.
 *
 * Retain is refused on topics the contract does not retain (TOPIC_DELIVERY): a retained sensor
 * communication would reach every new subscriber as if it had just happened (topics.ts).
 */
import { buildTopic, isValidFilter, parseTopic, TOPIC_DELIVERY, type TopicKind } from '../../protocol/messages/index.js';
import { parseSharedFilter } from './shared.js';

export type Principal =
  | { role: 'anonymous' }
  | { role: 'backend'; username: string }
  | { role: 'gateway'; username: string; site: string; gateway: string }
  | { role: 'phone'; username: string; site: string; deviceHash: string };

export type AclDecision = { ok: true } | { ok: false; reason: string };

const allow: AclDecision = { ok: true };
const deny = (reason: string): AclDecision => ({ ok: false, reason });

const GATEWAY_PUBLISHES: readonly TopicKind[] = ['sensor', 'status', 'telemetry', 'config-state'];
const BACKEND_PUBLISHES: readonly TopicKind[] = ['config-set', 'site-config-set', 'content'];

export function mayPublish(p: Principal, topic: string, retain: boolean): AclDecision {
  if (typeof topic !== 'string' || topic.startsWith('$')) return deny('$-topics are reserved for the broker');
  if (p.role === 'anonymous') return allow;
  const t = parseTopic(topic);
  if (!t.ok) return deny(`not a Touchpoint topic (${t.error.reason})`);
  const ref = t.value;
  if (retain && !TOPIC_DELIVERY[ref.kind].retain) return deny(`${ref.kind} messages must not be retained`);
  switch (p.role) {
    case 'gateway':
      if (!GATEWAY_PUBLISHES.includes(ref.kind)) return deny(`a gateway may not publish ${ref.kind}`);
      if (!('gatewayId' in ref) || ref.siteId !== p.site || ref.gatewayId !== p.gateway) return deny('a gateway may publish only under its own topics');
      return allow;
    case 'backend':
      return BACKEND_PUBLISHES.includes(ref.kind) ? allow : deny(`the backend may not publish ${ref.kind}`);
    case 'phone':
      return ref.kind === 'user' && ref.siteId === p.site ? allow : deny('a phone may publish only user communications of its site');
  }
}

export function maySubscribe(p: Principal, filter: string): AclDecision {
  if (typeof filter !== 'string') return deny('not a filter');
  const shared = filter.startsWith('$share/');
  if (shared ? !parseSharedFilter(filter) : !isValidFilter(filter)) return deny('invalid topic filter');
  switch (p.role) {
    case 'anonymous':
    case 'backend':
      return allow;
    case 'gateway':
      return !shared &&
        (filter === buildTopic({ kind: 'config-set', siteId: p.site, gatewayId: p.gateway }) || filter === buildTopic({ kind: 'site-config-set', siteId: p.site }))
        ? allow
        : deny('a gateway may subscribe only to its own and its site’s config/set');
    case 'phone':
      return !shared && filter === buildTopic({ kind: 'content', siteId: p.site, deviceHash: p.deviceHash })
        ? allow
        : deny('a phone may subscribe only to its own content topic');
  }
}
