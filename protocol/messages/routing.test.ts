import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MESSAGE_EXAMPLES } from './examples.js';
import { decodeFromTopic, encodeForPublish } from './routing.js';
import { MESSAGE_KINDS, type GatewayStatus, type Message } from './schemas/index.js';
import { deviceTopicHash, parseTopic, TOPIC_DELIVERY, TOPIC_PAYLOAD_KIND } from './topics.js';

const examples = MESSAGE_KINDS.map((k) => [k, MESSAGE_EXAMPLES[k] as Message] as const);

describe('encodeForPublish / decodeFromTopic', () => {
  it.each(examples)('%s: encodes to its topic with its QoS/retain and decodes back', (kind, message) => {
    const enc = encodeForPublish(message);
    expect(enc.ok).toBe(true);
    if (!enc.ok) return;
    const topic = parseTopic(enc.value.topic);
    expect(topic.ok).toBe(true);
    if (!topic.ok) return;
    expect(TOPIC_PAYLOAD_KIND[topic.value.kind]).toBe(kind);
    expect({ qos: enc.value.qos, retain: enc.value.retain }).toEqual(TOPIC_DELIVERY[topic.value.kind]);
    expect(decodeFromTopic(enc.value.topic, enc.value.payload)).toEqual({ ok: true, topic: topic.value, message });
  });

  it('content goes to the hash of the device ID, never the ID itself', () => {
    const c = MESSAGE_EXAMPLES['content-item'] as Extract<Message, { kind: 'content-item' }>;
    const enc = encodeForPublish(c);
    expect(enc.ok && enc.value.topic).toBe(`tp/v1/store-12/device/${deviceTopicHash(c.deviceId)}/content`);
    expect(enc.ok && enc.value.topic.includes(c.deviceId)).toBe(false);
  });

  it('the Last Will is an offline status, QoS 1, retained', () => {
    const will: GatewayStatus = { v: 1, kind: 'gateway-status', gatewayId: 'gw-a', siteId: 's1', state: 'offline', timestamp: 1739527200000 };
    expect(encodeForPublish(will)).toEqual({
      ok: true,
      value: { topic: 'tp/v1/s1/gw-a/status', payload: JSON.stringify(will), qos: 1, retain: true },
    });
  });

  it('refuses to encode an invalid message', () => {
    const bad = { ...(MESSAGE_EXAMPLES.telemetry as object), uptimeS: -1 } as Message;
    expect(encodeForPublish(bad)).toMatchObject({ ok: false, reason: 'schema' });
  });

  it('flags payloads that claim another gateway, site or device than their topic', () => {
    const sensor = JSON.stringify(MESSAGE_EXAMPLES['sensor-communication']);
    expect(decodeFromTopic('tp/v1/store-12/gw-other/sensor', sensor)).toMatchObject({
      ok: false,
      reason: 'topic-mismatch',
      errors: [{ path: '/gatewayId' }],
    });
    expect(decodeFromTopic('tp/v1/store-99/gw-store12-a/sensor', sensor)).toMatchObject({ ok: false, reason: 'topic-mismatch', errors: [{ path: '/siteId' }] });
    const content = JSON.stringify(MESSAGE_EXAMPLES['content-item']);
    expect(decodeFromTopic(`tp/v1/store-12/device/${deviceTopicHash('someone-else-0000')}/content`, content)).toMatchObject({
      ok: false,
      reason: 'topic-mismatch',
      errors: [{ path: '/deviceId' }],
    });
  });

  it('a config-set without gatewayId is the site-wide one, on tp/v1/<site>/config/set; the two topics do not take each other’s payloads', () => {
    const { gatewayId, ...site } = MESSAGE_EXAMPLES['config-set'] as Extract<Message, { kind: 'config-set' }>;
    const enc = encodeForPublish(site);
    expect(enc).toMatchObject({ ok: true, value: { topic: 'tp/v1/store-12/config/set', qos: 1, retain: true } });
    if (!enc.ok) return;
    expect(decodeFromTopic(enc.value.topic, enc.value.payload)).toEqual({ ok: true, topic: { kind: 'site-config-set', siteId: 'store-12' }, message: site });
    expect(decodeFromTopic(`tp/v1/store-12/${gatewayId}/config/set`, enc.value.payload)).toMatchObject({ ok: false, reason: 'topic-mismatch', errors: [{ path: '/gatewayId' }] });
    expect(decodeFromTopic(enc.value.topic, JSON.stringify(MESSAGE_EXAMPLES['config-set']))).toMatchObject({ ok: false, reason: 'topic-mismatch', errors: [{ path: '/gatewayId' }] });
  });

  it('a payload of the wrong kind for the topic is a schema failure; a bad topic is a topic failure', () => {
    const status = JSON.stringify(MESSAGE_EXAMPLES['gateway-status']);
    expect(decodeFromTopic('tp/v1/store-12/gw-store12-a/sensor', status)).toMatchObject({ ok: false, reason: 'schema' });
    expect(decodeFromTopic('tp/v1/store-12/+/sensor', status)).toMatchObject({ ok: false, reason: 'wildcard' });
  });

  it('decodeFromTopic never throws', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.constantFrom('tp/v1/store-12/gw-store12-a/sensor', 'tp/v1/store-12/user')), fc.oneof(fc.string(), fc.uint8Array()), (t, p) => {
        expect(typeof decodeFromTopic(t, p).ok).toBe('boolean');
      }),
      { numRuns: 500 },
    );
  });
});
