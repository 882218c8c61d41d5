/**
 * Ground truth from the event stream, and match scoring against it, on a hand-written scene: two
 * shoppers at one display (the case a time window cannot separate), one picking an item up.
 */
import { describe, expect, it } from 'vitest';
import type { UserCommunication } from '../../protocol/messages/index.js';
import type { StoreEvent } from './events.js';
import { type SensorCommunicationLike, attributeSensorCommunication, collectTruth, scoreMatches } from './truth.js';

const S = 'ibeacon:6a0e2b9c-3f41-4d8e-9b7a-52c1d0e8f417:10:2';
const OTHER = 'ibeacon:6a0e2b9c-3f41-4d8e-9b7a-52c1d0e8f417:10:4';

function uc(id: string, t: number): UserCommunication {
  return { v: 1, kind: 'user-communication', messageId: id, deviceId: 'dddddddddddddddddd', siteId: 'x', sensorId: S, timestamp: t, trigger: { type: 'proximity', periodMs: 0, maxRssi: -55 }, identifiers: [], consent: false, followUp: 0 };
}

function scene() {
  const truth = collectTruth({
    siteId: 'x',
    seed: 1,
    startedAt: 0,
    displays: [
      { displayId: 'denim', sensorId: S, gatewayId: 'gw-denim', at: [0, 0], stand: [0.7, 0] },
      { displayId: 'jackets', sensorId: OTHER, gatewayId: 'gw-jackets', at: [9, 0], stand: [9, 0.7] },
    ],
  });
  const events: StoreEvent[] = [
    { t: 0, type: 'shopper.arrived', shopperId: 'A', personId: 'p-1', customerId: 'c-1', route: ['denim'], cart: null, phone: { deviceHash: 'a'.repeat(64), consent: true } },
    { t: 0, type: 'shopper.arrived', shopperId: 'B', personId: 'p-2', customerId: null, route: ['denim'], cart: 'eddystone-uid:0c4a27c0a1b2c3d4e5f6:000000000001', phone: { deviceHash: 'b'.repeat(64), consent: false } },
    { t: 10_000, type: 'visit.started', shopperId: 'A', displayId: 'denim', sensorId: S, stopped: true },
    { t: 12_000, type: 'visit.started', shopperId: 'B', displayId: 'denim', sensorId: S, stopped: true },
    { t: 13_000, type: 'pickup.started', shopperId: 'A', displayId: 'denim', sensorId: S, channel: 3, itemId: 'sku-1' },
    { t: 14_000, type: 'phone.user-communication', shopperId: 'A', deviceHash: 'a'.repeat(64), trigger: 'proximity', message: uc('UA', 14_000) },
    { t: 15_000, type: 'phone.user-communication', shopperId: 'B', deviceHash: 'b'.repeat(64), trigger: 'proximity', message: uc('UB', 15_000) },
    { t: 16_000, type: 'pickup.ended', shopperId: 'A', displayId: 'denim', sensorId: S, channel: 3, itemId: 'sku-1', durationMs: 3000 },
    { t: 30_000, type: 'visit.ended', shopperId: 'A', displayId: 'denim', sensorId: S, stopped: true },
    { t: 40_000, type: 'visit.ended', shopperId: 'B', displayId: 'denim', sensorId: S, stopped: true },
    { t: 41_000, type: 'phone.consent-revoked', shopperId: 'A', deviceHash: 'a'.repeat(64) },
    { t: 45_000, type: 'shopper.left', shopperId: 'A' },
  ];
  for (const e of events) truth.onEvent(e);
  return truth.snapshot();
}

const sc = (id: string, type: string, startedAt: number, endedAt: number, extra: Partial<SensorCommunicationLike['interaction']> = {}): SensorCommunicationLike => ({
  messageId: id,
  sensorId: S,
  timestamp: endedAt,
  interaction: { type, startedAt, endedAt, ...extra },
});

describe('ground truth', () => {
  it('is built from the events: shoppers, visits, pickups, who sent what', () => {
    const t = scene();
    expect(t.until).toBe(45_000);
    expect(t.shoppers.map((s) => [s.shopperId, s.leftAt, s.phone?.revokedAt])).toEqual([
      ['A', 45_000, 41_000],
      ['B', null, null],
    ]);
    expect(t.visits).toEqual([
      { shopperId: 'A', displayId: 'denim', sensorId: S, from: 10_000, to: 30_000, stopped: true },
      { shopperId: 'B', displayId: 'denim', sensorId: S, from: 12_000, to: 40_000, stopped: true },
    ]);
    expect(t.pickups).toEqual([{ shopperId: 'A', displayId: 'denim', sensorId: S, channel: 3, itemId: 'sku-1', from: 13_000, to: 16_000 }]);
    expect(t.userCommunications.map((u) => [u.messageId, u.shopperId, u.timestamp, u.storeTime])).toEqual([
      ['UA', 'A', 14_000, 14_000],
      ['UB', 'B', 15_000, 15_000],
    ]);
  });

  it('attributes a hold to whoever pressed that pad, an approach to everyone there, a cart dwell to cart pushers only', () => {
    const t = scene();
    expect(attributeSensorCommunication(t, sc('h', 'hold', 13_000, 16_000, { touchChannel: 3 }))).toEqual(['A']);
    expect(attributeSensorCommunication(t, sc('h2', 'hold', 13_000, 16_000, { touchChannel: 4 }))).toEqual([]);
    expect(attributeSensorCommunication(t, sc('v', 'view', 12_500, 15_000)).sort()).toEqual(['A', 'B']);
    expect(attributeSensorCommunication(t, sc('d', 'dwell', 12_500, 20_000))).toEqual(['B']);
    expect(attributeSensorCommunication(t, sc('late', 'approach', 60_000, 60_000))).toEqual([]);
    expect(attributeSensorCommunication(t, { ...sc('o', 'approach', 12_000, 12_000), sensorId: OTHER })).toEqual([]);
  });

  it('scores matches: the window pairs both phones with the hold, only one is right', () => {
    const t = scene();
    const hold = sc('S1', 'hold', 13_000, 16_000, { touchChannel: 3 });
    const score = scoreMatches(t, {
      sensorCommunications: [hold],
      matches: [
        { sensorMessageId: 'S1', userMessageId: 'UA' },
        { sensorMessageId: 'S1', userMessageId: 'UB' },
        { sensorMessageId: 'S1', userMessageId: 'UA' }, // repeated: counted once
      ],
      windowMs: 5000,
    });
    expect(score).toEqual({ matches: 2, correct: 1, expected: 1, found: 1, precision: 0.5, recall: 1, unknownUserCommunications: 0 });
    const missed = scoreMatches(t, { sensorCommunications: [hold], matches: [{ sensorMessageId: 'S1', userMessageId: 'NOPE' }], windowMs: 5000 });
    expect(missed).toMatchObject({ matches: 1, correct: 0, found: 0, precision: 0, recall: 0, unknownUserCommunications: 1 });
    expect(scoreMatches(t, { sensorCommunications: [], matches: [], windowMs: 5000 })).toMatchObject({ precision: 1, recall: 1 });
  });
});
