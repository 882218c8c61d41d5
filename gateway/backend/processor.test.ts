/**
 * The processor against an in-memory SQLite store: de-duplication, the [0231] match in both
 * arrival orders and at the window edges, clock-quality widening, the CRM join under google-v1
 * and meta-v1, interest thresholds with stock, content items and the rate limit.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { contentTopic, deviceTopicHash, validateContentItem, type SensorCommunication, type UserCommunication } from '../../protocol/messages/index.js';
import type { CatalogItem } from './items.js';
import { BEACON, closeHarnesses, CRM_CSV, DEVICE_A, DEVICE_B, DEVICE_C, harness, OTHER_BEACON, publication, sensorComm, SITE, T0, userComm } from './test-support.js';

afterEach(closeHarnesses);

describe('processor: validation and de-duplication', () => {
  it('drops a repeated messageId for both kinds, counts it, and matches nothing twice', () => {
    const h = harness();
    const s = sensorComm({ seq: 1, ts: T0 });
    const u = userComm({ deviceId: DEVICE_A, ts: T0 + 1000 });
    expect(h.feed(s).events.map((e) => e.type)).toEqual(['sensor']);
    expect(h.matchesOf(h.feed(u))).toHaveLength(1);
    expect(h.feed(s).events).toEqual([expect.objectContaining({ type: 'duplicate', kind: 'sensor-communication', messageId: s.messageId })]);
    expect(h.feed(u).events).toEqual([expect.objectContaining({ type: 'duplicate', kind: 'user-communication', messageId: u.messageId })]);
    expect(h.store.db.prepare('SELECT COUNT(*) FROM matches').pluck().get()).toBe(1);
    expect(h.store.db.prepare('SELECT COUNT(*) FROM sensor_communications').pluck().get()).toBe(1);
  });

  it('keeps a replayed seq under a new bootId: a different message (message-id.ts)', () => {
    const h = harness();
    h.feed(sensorComm({ seq: 7, ts: T0 }));
    expect(h.feed(sensorComm({ seq: 7, ts: T0 + 10, boot: 'boot-2' })).events[0]?.type).toBe('sensor');
  });

  it('reports invalid payloads and topic/payload mismatches without storing anything', () => {
    const h = harness();
    const pub = publication(sensorComm({ seq: 1, ts: T0 }));
    expect(h.p.handle(pub.topic, '{"v":1}').events[0]).toMatchObject({ type: 'invalid', reason: 'schema' });
    expect(h.p.handle(pub.topic.replace('gw-store12-a', 'gw-other'), pub.payload).events[0]).toMatchObject({ type: 'invalid', reason: 'topic-mismatch' });
    expect(h.p.handle(pub.topic, new Uint8Array([0xff, 0xfe])).events[0]).toMatchObject({ type: 'invalid' });
    expect(h.store.db.prepare('SELECT COUNT(*) FROM sensor_communications').pluck().get()).toBe(0);
  });
});

describe('processor: untrusted input', () => {
  it('never throws on random payloads and topics, and stores nothing from them', () => {
    const h = harness();
    const topics = [publication(sensorComm({ seq: 1, ts: T0 })).topic, publication(userComm({ deviceId: DEVICE_A, ts: T0 })).topic];
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom(...topics), fc.string({ maxLength: 80 })), fc.uint8Array({ maxLength: 300 }), (topic, bytes) => {
        const r = h.p.handle(topic, bytes);
        expect(r.content).toEqual([]);
        expect(r.events.every((e) => e.type === 'invalid' || e.type === 'ignored')).toBe(true);
      }),
      { seed: 7, numRuns: 400 },
    );
    expect(h.store.db.prepare('SELECT (SELECT COUNT(*) FROM sensor_communications) + (SELECT COUNT(*) FROM user_communications)').pluck().get()).toBe(0);
  });
});

describe('processor: beacon–device match ([0231])', () => {
  it('matches whichever side arrives second', () => {
    const h = harness();
    h.feed(sensorComm({ seq: 1, ts: T0 }));
    const late = h.matchesOf(h.feed(userComm({ deviceId: DEVICE_A, ts: T0 + 2000 })));
    expect(late).toEqual([expect.objectContaining({ by: 'user', deviceId: DEVICE_A, deltaMs: 2000, deviceHash: deviceTopicHash(DEVICE_A) })]);

    h.feed(userComm({ deviceId: DEVICE_B, ts: T0 + 100_000 }));
    const early = h.matchesOf(h.feed(sensorComm({ seq: 2, ts: T0 + 103_000 })));
    expect(early).toEqual([expect.objectContaining({ by: 'sensor', deviceId: DEVICE_B, deltaMs: -3000, interactionType: 'touch' })]);
  });

  it('needs equal sensor identifiers', () => {
    const h = harness();
    h.feed(sensorComm({ seq: 1, ts: T0 }));
    expect(h.matchesOf(h.feed(userComm({ deviceId: DEVICE_A, ts: T0, sensorId: OTHER_BEACON })))).toEqual([]);
  });

  it('includes both window edges and nothing beyond, in both arrival orders', () => {
    for (const order of ['sensor-first', 'user-first'] as const) {
      const h = harness();
      const s = sensorComm({ seq: 1, ts: T0 });
      const users = [
        userComm({ deviceId: DEVICE_A, ts: T0 + 5000 }),
        userComm({ deviceId: DEVICE_B, ts: T0 - 5000 }),
        userComm({ deviceId: DEVICE_C, ts: T0 + 5001 }),
        userComm({ deviceId: 'install-dddddddddddddddd', ts: T0 - 5001 }),
      ];
      const results = order === 'sensor-first' ? [h.feed(s), ...users.map(h.feed)] : [...users.map(h.feed), h.feed(s)];
      const matched = results.flatMap(h.matchesOf).map((m) => m.deviceId).sort();
      expect(matched, order).toEqual([DEVICE_A, DEVICE_B]);
    }
  });

  it('widens the window for an unsynced gateway clock and centres it on the offset estimate', () => {
    const h = harness();
    // offsetMs = gateway − reference = +2000: the reference time is T0 − 2000; half-width 5000 + 5000 + 2000.
    const s = sensorComm({ seq: 1, ts: T0, clock: { synced: false, offsetMs: 2000, source: 'rtc' } });
    expect(h.feed(s).events[0]).toMatchObject({ type: 'sensor', halfWindowMs: 12_000 });
    expect(h.matchesOf(h.feed(userComm({ deviceId: DEVICE_A, ts: T0 - 2000 + 12_000 })))).toHaveLength(1);
    expect(h.matchesOf(h.feed(userComm({ deviceId: DEVICE_B, ts: T0 - 2000 - 12_000 })))).toHaveLength(1);
    expect(h.matchesOf(h.feed(userComm({ deviceId: DEVICE_C, ts: T0 - 2000 + 12_001 })))).toHaveLength(0);
    // The same distance from a synced gateway's timestamp is far outside its 5 s window.
    const synced = sensorComm({ seq: 2, ts: T0 + 500_000 });
    h.feed(synced);
    expect(h.matchesOf(h.feed(userComm({ deviceId: DEVICE_A, ts: T0 + 500_000 + 10_000 })))).toHaveLength(0);
  });

  it('shifts a synced gateway window by its measured offset', () => {
    const h = harness();
    h.feed(sensorComm({ seq: 1, ts: T0, clock: { synced: true, offsetMs: 4000, source: 'ntp' } }));
    expect(h.matchesOf(h.feed(userComm({ deviceId: DEVICE_A, ts: T0 - 9000 })))).toHaveLength(1);
    expect(h.matchesOf(h.feed(userComm({ deviceId: DEVICE_B, ts: T0 + 2000 })))).toHaveLength(0);
  });

  it('takes the window size from the options', () => {
    const h = harness({ match: { windowMs: 1000 } });
    h.feed(sensorComm({ seq: 1, ts: T0 }));
    expect(h.matchesOf(h.feed(userComm({ deviceId: DEVICE_A, ts: T0 + 1000 })))).toHaveLength(1);
    expect(h.matchesOf(h.feed(userComm({ deviceId: DEVICE_B, ts: T0 + 1500 })))).toHaveLength(0);
  });
});

describe('processor: referencing the user ([0220]–[0224])', () => {
  const referencedKey = (h: ReturnType<typeof harness>, id: string) =>
    h.store.db.prepare('SELECT customer_key FROM user_communications WHERE message_id = ?').pluck().get(id);

  it('joins google-v1 hashes with the CRM export hashed the google way (E.164 with +, Gmail dots dropped)', () => {
    const h = harness({ crm: true });
    const u = userComm({ deviceId: DEVICE_A, ts: T0, identity: { email: 'janedoe@gmail.com' } });
    expect(h.feed(u).events).toContainEqual(expect.objectContaining({ type: 'user', referenced: true }));
    expect(referencedKey(h, u.messageId)).toBe('C-1002');
    const phone = userComm({ deviceId: DEVICE_B, ts: T0, identity: { phone: '+1 650 253 1234' } });
    h.feed(phone);
    expect(referencedKey(h, phone.messageId)).toBe('C-1001');
  });

  it('joins a meta-v1 phone hash with a CRM phone normalised the meta way (digits, no +)', () => {
    const h = harness({ crm: true });
    // CRM row C-1002 has "(650) 555-0123", country US; Meta hashes "16505550123".
    const u = userComm({ deviceId: DEVICE_A, ts: T0, identity: { phone: '+16505550123' }, standard: 'meta-v1' });
    expect(u.identifiers[0]?.sha256).toBe(createHash('sha256').update('16505550123').digest('hex'));
    h.feed(u);
    expect(referencedKey(h, u.messageId)).toBe('C-1002');
    // Meta keeps Gmail dots: jane.doe@gmail.com under meta-v1 is C-1002 too, and the dotless form is nobody.
    const dotted = userComm({ deviceId: DEVICE_B, ts: T0, identity: { email: 'jane.doe@gmail.com' }, standard: 'meta-v1' });
    const dotless = userComm({ deviceId: DEVICE_C, ts: T0, identity: { email: 'janedoe@gmail.com' }, standard: 'meta-v1' });
    h.feed(dotted);
    h.feed(dotless);
    expect(referencedKey(h, dotted.messageId)).toBe('C-1002');
    expect(referencedKey(h, dotless.messageId)).toBeNull();
  });

  it('a hash under one standard does not match the other standard’s list', () => {
    const h = harness({ crm: true });
    const google = userComm({ deviceId: DEVICE_A, ts: T0, identity: { phone: '+16505550123' }, standard: 'google-v1' });
    // Same digest, but labelled meta-v1: the Google form "+16505550123" is not Meta's "16505550123".
    const mislabelled = { ...google, messageId: userComm({ deviceId: DEVICE_A, ts: T0 + 1 }).messageId, hashingStandard: 'meta-v1' };
    h.feed(google);
    h.feed(mislabelled);
    expect(referencedKey(h, google.messageId)).toBe('C-1002');
    expect(referencedKey(h, mislabelled.messageId)).toBeNull();
  });

  it('leaves unknown and non-consenting users anonymous', () => {
    const h = harness({ crm: true });
    const stranger = userComm({ deviceId: DEVICE_A, ts: T0, identity: { email: 'stranger@example.com' } });
    const noConsent = userComm({ deviceId: DEVICE_B, ts: T0, consent: false });
    expect(h.feed(stranger).events).toContainEqual(expect.objectContaining({ type: 'user', referenced: false }));
    expect(h.feed(noConsent).events).toContainEqual(expect.objectContaining({ type: 'user', referenced: false }));
  });

  it('stores hashes only: no raw CRM value anywhere in the database', () => {
    const h = harness({ crm: true });
    h.feed(userComm({ deviceId: DEVICE_A, ts: T0, identity: { email: 'person@example.com' } }));
    const raw = CRM_CSV.split(/\r?\n/)
      .slice(1)
      .flatMap((line) => line.split(',').slice(1, 5))
      .map((v) => v.replace(/"/g, '').trim())
      .filter((v) => v.length > 3);
    expect(raw.length).toBeGreaterThan(20);
    const dump = h.store.db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
      .pluck()
      .all()
      .flatMap((t) => h.store.db.prepare(`SELECT * FROM ${t as string}`).all().map((r) => JSON.stringify(r)))
      .join('\n')
      .toLowerCase();
    for (const v of raw) expect(dump, v).not.toContain(v.toLowerCase());
    // C-1001's "Person@Example.com" is the Snap Conversions API docs example: normalised and
    // hashed it is 542d2401… (shared/docs/protocols.md §6.3). The hash is stored; the address is not.
    expect(dump).toContain('542d240129883c019e106e3b1b2d3f3cb3537c43c425364de8e951d5a3083345');
  });
});

const GLOVE: CatalogItem = { itemId: 'sku-88412', name: 'Pro fielding glove', itemType: 'sports', stock: 20 };

describe('processor: interest level and content items ([0226]–[0246])', () => {
  it('a dwell plus a touch stays below the default threshold; a hold on top passes it', () => {
    const h = harness({ items: [GLOVE] });
    h.feed(userComm({ deviceId: DEVICE_A, ts: T0 }));
    const touch = h.feed(sensorComm({ seq: 1, ts: T0 + 1000, type: 'touch' }));
    expect(touch.events).toContainEqual({ type: 'interest', interest: expect.objectContaining({ itemId: 'sku-88412', passed: false, threshold: 8 }) });
    expect(touch.content).toEqual([]);
    const hold = h.feed(sensorComm({ seq: 2, ts: T0 + 3000, type: 'hold', durationMs: 8000 }));
    expect(hold.events).toContainEqual({ type: 'interest', interest: expect.objectContaining({ passed: true }) });
    expect(hold.content).toHaveLength(1);
  });

  it('touch and hold weigh more than approach and view', () => {
    const level = (type: SensorCommunication['interaction']['type']) => {
      const h = harness({ items: [GLOVE] });
      h.feed(userComm({ deviceId: DEVICE_A, ts: T0 }));
      const r = h.feed(sensorComm({ seq: 1, ts: T0, type, durationMs: 2000 }));
      return r.events.flatMap((e) => (e.type === 'interest' ? [e.interest.interest] : []))[0]!;
    };
    expect(level('hold')).toBeGreaterThan(level('touch'));
    expect(level('touch')).toBeGreaterThan(level('view'));
    expect(level('view')).toBeGreaterThan(level('approach'));
  });

  it('low stock lowers the threshold so the same interactions send an incentive', () => {
    const h = harness({ items: [{ ...GLOVE, stock: 2 }] });
    h.feed(userComm({ deviceId: DEVICE_A, ts: T0 }));
    const r = h.feed(sensorComm({ seq: 1, ts: T0 + 1000, type: 'touch' }));
    expect(r.events).toContainEqual({ type: 'interest', interest: expect.objectContaining({ threshold: 4, passed: true }) });
    expect(r.content[0]?.message).toMatchObject({ contentKind: 'incentive', itemId: 'sku-88412', deviceId: DEVICE_A, sensorId: BEACON });
  });

  it('an item out of stock here gets the other-location content from the items file', () => {
    const elsewhere = { contentId: 'glove-elsewhere', title: 'Sold out here', body: 'In stock at Store 14, Main St.', url: 'https://shop.example/glove' };
    const h = harness({ items: [{ ...GLOVE, stock: 0, elsewhere }] });
    h.feed(userComm({ deviceId: DEVICE_A, ts: T0 }));
    const r = h.feed(sensorComm({ seq: 1, ts: T0 + 1000, type: 'touch' }));
    expect(r.content[0]?.message).toMatchObject({ contentKind: 'alternative-location', ...elsewhere });
  });

  it('the content item validates, goes to the device’s content topic and carries timing instructions', () => {
    const h = harness({ items: [{ ...GLOVE, stock: 1 }], contentTiming: { ttlMs: 120_000 } });
    h.feed(sensorComm({ seq: 1, ts: T0, type: 'hold', durationMs: 8000 }));
    const r = h.feed(userComm({ deviceId: DEVICE_A, ts: T0 + 500 }));
    const c = r.content[0]!;
    expect(validateContentItem(c.message).ok).toBe(true);
    expect(c.publication).toMatchObject({ topic: contentTopic(SITE, deviceTopicHash(DEVICE_A)), qos: 1, retain: false });
    expect(c.message.timing).toEqual({ delayMs: 0, expiresAt: h.now() + 120_000 });
    expect(h.store.db.prepare('SELECT status FROM content_items WHERE message_id = ?').pluck().get(c.message.messageId)).toBe('sent');
  });

  it('sends at most one content item per device per item per period', () => {
    const h = harness({ items: [{ ...GLOVE, stock: 1 }], contentPeriodMs: 60_000 });
    h.feed(userComm({ deviceId: DEVICE_A, ts: T0 }));
    expect(h.feed(sensorComm({ seq: 1, ts: T0 + 100, type: 'hold' })).content).toHaveLength(1);
    const again = h.feed(sensorComm({ seq: 2, ts: T0 + 200, type: 'hold' }));
    expect(again.content).toEqual([]);
    expect(again.events).toContainEqual({ type: 'rate-limited', siteId: SITE, itemId: 'sku-88412', deviceId: DEVICE_A });
    // Another device is not limited by the first one's item (its user communication matches both holds).
    expect(h.feed(userComm({ deviceId: DEVICE_B, ts: T0 + 300 })).content.map((c) => c.message.deviceId)).toEqual([DEVICE_B]);
    expect(h.feed(sensorComm({ seq: 3, ts: T0 + 400, type: 'hold' })).content).toEqual([]);
    h.advance(60_001);
    expect(h.feed(sensorComm({ seq: 4, ts: T0 + 500, type: 'hold' })).content.map((c) => c.message.deviceId).sort()).toEqual([DEVICE_A, DEVICE_B]);
  });

  it('a failed publish does not count against the rate limit', () => {
    const h = harness({ items: [{ ...GLOVE, stock: 1 }] });
    h.feed(userComm({ deviceId: DEVICE_A, ts: T0 }));
    const pub = publication(sensorComm({ seq: 1, ts: T0 + 100, type: 'hold' }));
    const first = h.p.handle(pub.topic, pub.payload);
    h.p.contentDone(first.content[0]!.message.messageId, false);
    expect(h.feed(sensorComm({ seq: 2, ts: T0 + 200, type: 'hold' })).content).toHaveLength(1);
  });

  it('an item type spreads interest thinner over every item of the type, and sends one item at most', () => {
    const jeans = [
      { itemId: 'jeans-slim', itemType: 'denim', stock: 1 },
      { itemId: 'jeans-wide', itemType: 'denim', stock: 1, threshold: 2 },
    ];
    const h = harness({ items: jeans });
    h.feed(userComm({ deviceId: DEVICE_A, ts: T0, sensorId: OTHER_BEACON }));
    const r = h.feed(sensorComm({ seq: 1, ts: T0, sensorId: OTHER_BEACON, type: 'hold', durationMs: 0, item: { itemType: 'denim' } }));
    const levels = r.events.flatMap((e) => (e.type === 'interest' ? [[e.interest.itemId, e.interest.interest]] : []));
    // user dwell (2 + 0.25) × 0.5 + hold 6 × 0.5
    expect(Object.fromEntries(levels)).toEqual({ 'jeans-slim': 4.125, 'jeans-wide': 4.125 });
    expect(r.content.map((c) => c.message.itemId)).toEqual(['jeans-wide']);
  });

  it('a user communication alone finds its item through the items file or what gateways reported', () => {
    const h = harness({ items: [{ ...GLOVE, stock: 1, threshold: 2, sensorIds: [OTHER_BEACON] }] });
    expect(h.feed(userComm({ deviceId: DEVICE_A, ts: T0, sensorId: OTHER_BEACON })).content[0]?.message.itemId).toBe('sku-88412');
    const h2 = harness({ items: [{ ...GLOVE, stock: 1, threshold: 2 }] });
    h2.feed(sensorComm({ seq: 1, ts: T0 - 600_000 })); // long before: no match, but the beacon's item is learned
    expect(h2.feed(userComm({ deviceId: DEVICE_A, ts: T0 })).content[0]?.message.itemId).toBe('sku-88412');
  });
});
