import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildTopic,
  configSetTopic,
  configStateTopic,
  contentTopic,
  siteConfigSetTopic,
  deviceTopicHash,
  isValidFilter,
  parseTopic,
  sensorTopic,
  sharedSubscription,
  statusTopic,
  telemetryTopic,
  TOPIC_DELIVERY,
  TOPIC_KINDS,
  TOPIC_PAYLOAD_KIND,
  topicFilter,
  TopicIdError,
  topicMatchesFilter,
  topicTemplate,
  userTopic,
  type TopicKind,
  type TopicRef,
} from './topics.js';

const HASH = deviceTopicHash('9b2f6c1e-4d7a-4c3b-8e5f-0a1b2c3d4e5f');

describe('MQTT 3.1.1 topic filter matching (OASIS MQTT 3.1.1 §4.7.1.2, §4.7.1.3, §4.7.2 non-normative examples)', () => {
  const cases: [string, string, boolean][] = [
    ['sport/tennis/player1/#', 'sport/tennis/player1', true],
    ['sport/tennis/player1/#', 'sport/tennis/player1/ranking', true],
    ['sport/tennis/player1/#', 'sport/tennis/player1/score/wimbledon', true],
    ['sport/#', 'sport', true],
    ['sport/tennis/+', 'sport/tennis/player1', true],
    ['sport/tennis/+', 'sport/tennis/player2', true],
    ['sport/tennis/+', 'sport/tennis/player1/ranking', false],
    ['sport/+', 'sport', false],
    ['sport/+', 'sport/', true],
    ['+/+', '/finance', true],
    ['/+', '/finance', true],
    ['+', '/finance', false],
    ['#', '$SYS/monitor/Clients', false],
    ['+/monitor/Clients', '$SYS/monitor/Clients', false],
    ['$SYS/#', '$SYS/monitor/Clients', true],
    ['$SYS/monitor/+', '$SYS/monitor/Clients', true],
  ];
  it.each(cases)('%s vs %s → %s', (filter, topic, expected) => {
    expect(topicMatchesFilter(filter, topic)).toBe(expected);
  });

  it('invalid filters from §4.7.1.2/§4.7.1.3 are rejected and match nothing', () => {
    for (const f of ['sport/tennis#', 'sport/tennis/#/ranking', 'sport+', '']) {
      expect(isValidFilter(f)).toBe(false);
      expect(topicMatchesFilter(f, 'sport/tennis')).toBe(false);
    }
  });
});

describe('building topics', () => {
  it('builds every topic kind', () => {
    expect(sensorTopic('store-12', 'gw-a')).toBe('tp/v1/store-12/gw-a/sensor');
    expect(statusTopic('store-12', 'gw-a')).toBe('tp/v1/store-12/gw-a/status');
    expect(telemetryTopic('store-12', 'gw-a')).toBe('tp/v1/store-12/gw-a/telemetry');
    expect(configSetTopic('store-12', 'gw-a')).toBe('tp/v1/store-12/gw-a/config/set');
    expect(configStateTopic('store-12', 'gw-a')).toBe('tp/v1/store-12/gw-a/config/state');
    expect(siteConfigSetTopic('store-12')).toBe('tp/v1/store-12/config/set');
    expect(userTopic('store-12')).toBe('tp/v1/store-12/user');
    expect(contentTopic('store-12', HASH)).toBe(`tp/v1/store-12/device/${HASH}/content`);
  });

  it('deviceTopicHash is lowercase hex SHA-256 of the UTF-8 device ID (checked against node:crypto)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (id) => {
        expect(deviceTopicHash(id)).toBe(createHash('sha256').update(id, 'utf8').digest('hex'));
      }),
    );
  });

  const badIds: [string, string][] = [
    ['', 'empty'],
    ['+', 'wildcard'],
    ['#', 'wildcard'],
    ['store+1', 'wildcard'],
    ['a/b', 'separator'],
    ['a\u0000b', 'nul'],
    ['$SYS', 'leading-dollar'],
    ['x'.repeat(65), 'too-long'],
    ['stört', 'charset'],
    ['with space', 'charset'],
  ];
  it.each(badIds)('builders refuse %j as site and gateway ID (%s)', (id, reason) => {
    for (const build of [() => sensorTopic(id, 'gw'), () => sensorTopic('s', id), () => userTopic(id)]) {
      try {
        build();
        expect.unreachable('should throw');
      } catch (e) {
        expect(e).toBeInstanceOf(TopicIdError);
        expect((e as TopicIdError).reason).toBe(reason);
      }
    }
  });

  it('accepts IDs of exactly 64 characters', () => {
    const id = 'x'.repeat(64);
    expect(parseTopic(sensorTopic(id, id)).ok).toBe(true);
  });

  it('reserves gateway IDs that would overlap site-level topics', () => {
    expect(() => sensorTopic('s', 'device')).toThrow(TopicIdError);
    expect(() => statusTopic('s', 'user')).toThrow(TopicIdError);
    expect(() => configSetTopic('s', 'config')).toThrow(TopicIdError); // would cover the site-wide config/set
    expect(userTopic('device')).toBe('tp/v1/device/user'); // only gateway IDs are reserved
  });

  it('content topics need a 64-hex device hash, not a raw device ID', () => {
    expect(() => contentTopic('s', '9b2f6c1e-4d7a-4c3b-8e5f-0a1b2c3d4e5f')).toThrow(TopicIdError);
    expect(() => contentTopic('s', HASH.toUpperCase())).toThrow(TopicIdError);
  });
});

describe('parsing topics', () => {
  it('parses every kind', () => {
    expect(parseTopic('tp/v1/s1/gw-a/sensor')).toEqual({ ok: true, value: { kind: 'sensor', siteId: 's1', gatewayId: 'gw-a' } });
    expect(parseTopic('tp/v1/s1/gw-a/config/state')).toEqual({ ok: true, value: { kind: 'config-state', siteId: 's1', gatewayId: 'gw-a' } });
    expect(parseTopic('tp/v1/s1/user')).toEqual({ ok: true, value: { kind: 'user', siteId: 's1' } });
    expect(parseTopic('tp/v1/s1/config/set')).toEqual({ ok: true, value: { kind: 'site-config-set', siteId: 's1' } });
    expect(parseTopic(`tp/v1/s1/device/${HASH}/content`)).toEqual({ ok: true, value: { kind: 'content', siteId: 's1', deviceHash: HASH } });
  });

  const bad: [string, string][] = [
    ['tp/v2/s1/gw/sensor', 'unsupported-version'],
    ['xx/v1/s1/gw/sensor', 'not-ours'],
    ['$SYS/broker/uptime', 'not-ours'],
    ['tp/v1', 'unknown-topic'],
    ['tp/v1/s1', 'unknown-topic'],
    ['tp/v1/s1/gw/other', 'unknown-topic'],
    ['tp/v1/s1/gw/sensor/', 'unknown-topic'],
    ['tp/v1/s1/gw/config', 'unknown-topic'],
    ['tp/v1//gw/sensor', 'empty'],
    ['tp/v1/s1//sensor', 'empty'],
    ['tp/v1/+/gw/sensor', 'wildcard'],
    ['tp/v1/s1/#', 'unknown-topic'],
    ['tp/v1/s1/+/sensor', 'wildcard'],
    ['tp/v1/$s/gw/sensor', 'leading-dollar'],
    ['tp/v1/s1/g\u0000w/sensor', 'nul'],
    ['tp/v1/s1/device/sensor', 'reserved'],
    ['tp/v1/s1/user/sensor', 'reserved'],
    ['tp/v1/s1/config/sensor', 'reserved'],
    ['tp/v1/s1/device/abc/content', 'charset'],
    [`tp/v1/s1/${'x'.repeat(65)}/sensor`, 'too-long'],
    ['tp/v1/' + 'x/'.repeat(200), 'too-long'],
  ];
  it.each(bad)('%s → %s', (topic, reason) => {
    const r = parseTopic(topic);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.reason).toBe(reason);
  });

  it('non-strings are errors, not exceptions', () => {
    expect(parseTopic(undefined).ok).toBe(false);
    expect(parseTopic({ toString: () => 'tp/v1/s/user' }).ok).toBe(false);
  });
});

const id = fc.stringMatching(/^[A-Za-z0-9._-]{1,64}$/);
const gatewayId = id.filter((g) => g !== 'device' && g !== 'user' && g !== 'config');
const deviceHash = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex'));
const topicRef: fc.Arbitrary<TopicRef> = fc.oneof(
  fc.record({ kind: fc.constantFrom('sensor', 'status', 'telemetry', 'config-set', 'config-state') as fc.Arbitrary<'sensor'>, siteId: id, gatewayId }),
  fc.record({ kind: fc.constant('user' as const), siteId: id }),
  fc.record({ kind: fc.constant('site-config-set' as const), siteId: id }),
  fc.record({ kind: fc.constant('content' as const), siteId: id, deviceHash }),
);
/** Strings made of topic-ish pieces reach much deeper into parseTopic than uniform random text. */
const topicish = fc
  .array(fc.oneof(fc.constantFrom('tp', 'v1', 'v2', 'user', 'device', 'content', 'sensor', 'config', 'set', 'state', '', '+', '#', '$x', '\u0000', HASH), id), { maxLength: 8 })
  .map((levels) => levels.join('/'));

describe('topic properties', () => {
  it('build → parse round-trips over valid IDs', () => {
    fc.assert(
      fc.property(topicRef, (ref) => {
        expect(parseTopic(buildTopic(ref))).toEqual({ ok: true, value: ref });
      }),
    );
  });

  it('parse → build round-trips on whatever parses', () => {
    fc.assert(
      fc.property(topicish, (t) => {
        const r = parseTopic(t);
        if (r.ok) expect(buildTopic(r.value)).toBe(t);
      }),
      { numRuns: 2000 },
    );
  });

  it('parseTopic never throws', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), topicish, fc.anything()), (t) => typeof parseTopic(t).ok === 'boolean'), { numRuns: 2000 });
  });

  it('each kind’s filter matches exactly the topics of that kind (scoped by site/gateway when given)', () => {
    fc.assert(
      fc.property(topicRef, fc.constantFrom(...TOPIC_KINDS), fc.boolean(), (ref, kind, scoped) => {
        const scope = scoped ? { siteId: ref.siteId } : {};
        const topic = buildTopic(ref);
        expect(topicMatchesFilter(topicFilter(kind, scope), topic)).toBe(ref.kind === kind);
        expect(topicMatchesFilter(sharedSubscription('backend', topicFilter(kind, scope)), topic)).toBe(ref.kind === kind);
      }),
    );
  });
});

describe('filters and delivery', () => {
  it('builds wildcard and shared-subscription filters', () => {
    expect(topicFilter('sensor')).toBe('tp/v1/+/+/sensor');
    expect(topicFilter('sensor', { siteId: 's1' })).toBe('tp/v1/s1/+/sensor');
    expect(topicFilter('config-set', { siteId: 's1', gatewayId: 'gw' })).toBe('tp/v1/s1/gw/config/set');
    expect(topicFilter('user')).toBe('tp/v1/+/user');
    expect(topicFilter('content', { siteId: 's1' })).toBe('tp/v1/s1/device/+/content');
    expect(sharedSubscription('backend', topicFilter('sensor'))).toBe('$share/backend/tp/v1/+/+/sensor');
    expect(() => sharedSubscription('a/b', 'tp/#')).toThrow(TopicIdError);
    expect(() => sharedSubscription('g', 'tp/#/x')).toThrow(RangeError);
    expect(() => topicFilter('sensor', { gatewayId: '#' })).toThrow(TopicIdError);
  });

  it('QoS and retain per kind', () => {
    expect(TOPIC_DELIVERY).toEqual({
      sensor: { qos: 1, retain: false },
      status: { qos: 1, retain: true },
      telemetry: { qos: 0, retain: false },
      'config-set': { qos: 1, retain: true },
      'config-state': { qos: 1, retain: true },
      'site-config-set': { qos: 1, retain: true },
      user: { qos: 1, retain: false },
      content: { qos: 1, retain: false },
    });
  });

  it('templates, payload kinds and parse agree for every kind', () => {
    const sample: Record<string, string> = { site: 's1', gateway: 'gw', deviceHash: HASH };
    for (const kind of TOPIC_KINDS) {
      const topic = topicTemplate(kind).replace(/\{(\w+)\}/g, (_, p: string) => sample[p] ?? '?');
      const r = parseTopic(topic);
      expect(r.ok && r.value.kind).toBe(kind);
      expect(TOPIC_PAYLOAD_KIND[kind as TopicKind]).toBeTypeOf('string');
    }
  });
});
