/**
 * Topic ↔ payload in one step, so publishers and subscribers cannot pair a payload with the wrong
 * topic, QoS or retain flag, and a subscriber notices a payload that claims a site, gateway or
 * device other than the topic it arrived on (broker ACLs restrict topics, not payload fields).
 */
import type { ValidationIssue } from './primitives.js';
import type { Message } from './schemas/index.js';
import {
  buildTopic,
  deviceTopicHash,
  parseTopic,
  TOPIC_DELIVERY,
  TOPIC_PAYLOAD_KIND,
  type Delivery,
  type TopicError,
  type TopicRef,
} from './topics.js';
import { parseAs, validateMessage, type ValidationFailureReason } from './validate.js';

/** Where a message of this content goes. */
export function topicFor(message: Message): TopicRef {
  switch (message.kind) {
    case 'sensor-communication':
      return { kind: 'sensor', siteId: message.siteId, gatewayId: message.gatewayId };
    case 'gateway-status':
      return { kind: 'status', siteId: message.siteId, gatewayId: message.gatewayId };
    case 'telemetry':
      return { kind: 'telemetry', siteId: message.siteId, gatewayId: message.gatewayId };
    case 'config-set':
      // No gatewayId: the site-wide desired config, merged by every gateway of the site.
      return message.gatewayId === undefined
        ? { kind: 'site-config-set', siteId: message.siteId }
        : { kind: 'config-set', siteId: message.siteId, gatewayId: message.gatewayId };
    case 'config-state':
      return { kind: 'config-state', siteId: message.siteId, gatewayId: message.gatewayId };
    case 'user-communication':
      return { kind: 'user', siteId: message.siteId };
    case 'content-item':
      return { kind: 'content', siteId: message.siteId, deviceHash: deviceTopicHash(message.deviceId) };
  }
}

export type Publication = Delivery & { topic: string; payload: string };

export type EncodeResult = { ok: true; value: Publication } | { ok: false; reason: ValidationFailureReason; errors: ValidationIssue[] };

/**
 * Validates `message` and returns what to hand to the MQTT client. A gateway's Last Will is
 * `encodeForPublish({ kind: 'gateway-status', state: 'offline', … })` registered at connect time.
 */
export function encodeForPublish(message: Message): EncodeResult {
  const checked = validateMessage(message);
  if (!checked.ok) return checked;
  const ref = topicFor(checked.value);
  return { ok: true, value: { topic: buildTopic(ref), payload: JSON.stringify(checked.value), ...TOPIC_DELIVERY[ref.kind] } };
}

export type DecodeFailureReason = TopicError['reason'] | ValidationFailureReason | 'topic-mismatch';

export type DecodeResult =
  | { ok: true; topic: TopicRef; message: Message }
  | { ok: false; reason: DecodeFailureReason; errors: ValidationIssue[] };

/** Parses a received topic and payload, validates the payload as the kind the topic carries, and cross-checks their IDs. Never throws. */
export function decodeFromTopic(topic: string, payload: string | Uint8Array): DecodeResult {
  const t = parseTopic(topic);
  if (!t.ok) return { ok: false, reason: t.error.reason, errors: [{ path: '', message: `topic: ${t.error.message}` }] };
  const m = parseAs(TOPIC_PAYLOAD_KIND[t.value.kind], payload);
  if (!m.ok) return m;
  const expected = topicFor(m.value);
  const got: Record<string, string> = t.value;
  const want: Record<string, string> = expected;
  // The kinds differ only for config-set, whose gatewayId picks the gateway or the site-wide topic.
  const mismatches =
    got.kind !== want.kind
      ? [{ path: '/gatewayId', message: got.kind === 'site-config-set' ? 'must be absent on the site-wide config/set' : 'required on a gateway’s config/set' }]
      : Object.keys(got)
          .filter((k) => got[k] !== want[k])
          .map((k) => ({ path: k === 'deviceHash' ? '/deviceId' : `/${k}`, message: `does not match the topic's ${k}` }));
  if (mismatches.length > 0) return { ok: false, reason: 'topic-mismatch', errors: mismatches };
  return { ok: true, topic: t.value, message: m.value };
}
