/**
 * The app end to end without a network: real advertising bytes (protocol/ble encodeFrame) in, user
 * communications out that pass the protocol/messages schema, carry the site-standard hashes of the
 * user's identifiers (claim 15) and nothing raw — and none at all without consent; content items in,
 * display times out ([0246]).
 */
import { describe, expect, it } from 'vitest';
import { computeEid, encodeFrame, toHex } from '../../protocol/ble/index.js';
import { EidResolver } from '../../protocol/ble/crypto/eid-resolver.js';
import { hashIdentifier } from '../../protocol/identity/index.js';
import { type ContentItem, contentTopic, deviceTopicHash, encodeForPublish, validateUserCommunication } from '../../protocol/messages/index.js';
import { seededRandom } from '../sensors/rng.js';
import { type PhoneAppOptions, createPhoneApp } from './phone-app.js';

const SITE = 'store-apparel';
const DEVICE = '3f6c1d2e-8a7b-4c5d-9e0f-112233445566';
const SHELF = 'ibeacon:6a0e2b9c-3f41-4d8e-9b7a-52c1d0e8f417:10:2';
const shelfAdv = encodeFrame({ type: 'ibeacon', uuid: '6a0e2b9c-3f41-4d8e-9b7a-52c1d0e8f417', major: 10, minor: 2, measuredPower: -59 });
const otherAdv = encodeFrame({ type: 'ibeacon', uuid: '6a0e2b9c-3f41-4d8e-9b7a-52c1d0e8f417', major: 99, minor: 99, measuredPower: -59 });
const EMAIL = 'Ana.Silva1@Example.com';
const PHONE = '(212) 555-0147';
const T0 = 1_750_000_000_000;

function app(over: Partial<PhoneAppOptions> = {}) {
  return createPhoneApp({
    siteId: SITE,
    deviceId: DEVICE,
    identity: { email: EMAIL, phone: PHONE },
    consent: true,
    hashing: { standard: 'google-v1', defaultCountry: 'US' },
    triggers: { dwell: { stepMs: 1000, thresholdMs: 4000, maxMissedSteps: 0, minRssi: -75 }, proximity: { enabled: true, rssiDbm: -60 }, followUp: { everyMs: 2000, max: 5 }, cooldownMs: 0 },
    watch: (id) => id.startsWith('ibeacon:6a0e2b9c-3f41-4d8e-9b7a-52c1d0e8f417:10:') || id.startsWith('eid:'),
    eid: null,
    random: seededRandom(5),
    motion: { summary: () => ({ steps: 3, accel: { rmsMs2: 0.4, peakMs2: 5.2 } }) },
    ...over,
  });
}

/** Hears `adv` every 500 ms from t0 to t1 at `rssi`; returns the communications. */
function listen(a: ReturnType<typeof createPhoneApp>, adv: Uint8Array, t0: number, t1: number, rssi: number) {
  const out = [];
  for (let t = t0; t <= t1; t += 500) out.push(...a.hear(adv, rssi, t));
  return out;
}

const RAW = [EMAIL, EMAIL.toLowerCase(), PHONE, '+12125550147', '2125550147', '555-0147'];

describe('phone app: user communications', () => {
  it('a dwell at the shelf: schema-valid communication with sensor ID, device timestamp, trigger data, movement, site-standard hashes; then follow-ups', () => {
    const a = app({ clockOffsetMs: 250 });
    const sent = listen(a, shelfAdv, T0, T0 + 8000, -66);
    expect(sent.map((m) => m.followUp)).toEqual([0, 1, 2]);
    const first = sent[0]!;
    expect(validateUserCommunication(first).ok).toBe(true);
    expect(first).toMatchObject({
      siteId: SITE,
      deviceId: DEVICE,
      sensorId: SHELF,
      // the device clock runs 250 ms ahead of the store ([0217] timestamp 275-2)
      timestamp: T0 + 4000 + 250,
      trigger: { type: 'dwell', periodMs: 4000, maxRssi: -66, receipts: 9 },
      movement: { startedAt: T0 + 250, endedAt: T0 + 4250, steps: 3, accel: { rmsMs2: 0.4, peakMs2: 5.2 } },
      consent: true,
      hashingStandard: 'google-v1',
    });
    // exactly what protocol/identity gives for the same person under the site's standard (claim 15)
    const email = hashIdentifier('email', EMAIL, { standard: 'google-v1' });
    const phone = hashIdentifier('phone', PHONE, { standard: 'google-v1', defaultCountry: 'US' });
    expect(email.ok && phone.ok).toBe(true);
    expect(first.identifiers).toEqual([
      { field: 'email', sha256: email.ok ? email.hash : '' },
      { field: 'phone', sha256: phone.ok ? phone.hash : '' },
    ]);
    // follow-ups: new timestamps, same beacon (claim 8)
    expect(sent.map((m) => m.timestamp)).toEqual([T0 + 4250, T0 + 6250, T0 + 8250]);
    expect(new Set(sent.map((m) => m.messageId)).size).toBe(3);
    for (const m of sent) {
      const json = JSON.stringify(m).toLowerCase();
      for (const raw of RAW) expect(json).not.toContain(raw.toLowerCase());
      expect(encodeForPublish(m).ok).toBe(true);
    }
  });

  it('RSSI at or above the threshold triggers at once (claim 11)', () => {
    const a = app();
    expect(a.hear(shelfAdv, -70, T0)).toEqual([]);
    const [m] = a.hear(shelfAdv, -58, T0 + 500);
    expect(m?.trigger).toEqual({ type: 'proximity', periodMs: 500, maxRssi: -58, receipts: 2 });
  });

  it('ignores beacons that are not the merchant’s and frames without an identity', () => {
    const a = app();
    expect(listen(a, otherAdv, T0, T0 + 10_000, -50)).toEqual([]);
    expect(a.hear(encodeFrame({ type: 'eddystone-tlm', batteryMv: 3000, temperatureC: 20, advCount: 1, uptimeS: 1 }), -40, T0)).toEqual([]);
    expect(a.stats().ignored).toBe(22);
  });

  it('resolves a rotating EID to the registered beacon ID, across a rotation', () => {
    const key = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
    const resolver = new EidResolver();
    resolver.register({ beaconId: 'eid:case-7', identityKey: key, exponent: 2, beaconSecondsAt: 1000, wallMsAt: T0 });
    const a = app({ eid: resolver, triggers: { dwell: { stepMs: 1000, thresholdMs: 6000, maxMissedSteps: 0, minRssi: -75 }, proximity: { enabled: false, rssiDbm: -60 }, followUp: { everyMs: 60_000, max: 0 }, cooldownMs: 0 } });
    const eids = new Set<string>();
    const out = [];
    for (let t = T0; t <= T0 + 6000; t += 500) {
      const eid = toHex(computeEid(key, 2, 1000 + Math.floor((t - T0) / 1000)).eid);
      eids.add(eid);
      out.push(...a.hear(encodeFrame({ type: 'eddystone-eid', eid, txPower: -18 }), -65, t));
    }
    expect(eids.size).toBeGreaterThan(1); // K = 2: a new EID every 4 s
    expect(out.map((m) => [m.sensorId, m.trigger.type])).toEqual([['eid:case-7', 'dwell']]);
  });
});

describe('phone app: consent', () => {
  it('absent: communications still flow, with no identifiers, no standard, consent false', () => {
    const a = app({ consent: false });
    const sent = listen(a, shelfAdv, T0, T0 + 6000, -55);
    expect(sent.length).toBeGreaterThan(0);
    for (const m of sent) {
      expect(m.consent).toBe(false);
      expect(m.identifiers).toEqual([]);
      expect(m.hashingStandard).toBeUndefined();
      expect(validateUserCommunication(m).ok).toBe(true);
    }
  });

  it('revoked mid-visit: every communication after the revocation carries nothing identifying', () => {
    const a = app();
    const before = listen(a, shelfAdv, T0, T0 + 2000, -55);
    expect(before[0]!.identifiers).toHaveLength(2);
    a.revokeConsent();
    expect(a.consent).toBe(false);
    const after = listen(a, shelfAdv, T0 + 2500, T0 + 9000, -55);
    expect(after.length).toBeGreaterThan(0);
    for (const m of after) expect([m.consent, m.identifiers, m.hashingStandard]).toEqual([false, [], undefined]);
  });

  it('a pepper makes keyed digests with the label saying so ([0216])', () => {
    const a = app({ hashing: { standard: 'meta-v1', defaultCountry: 'US', pepper: 'merchant-secret' } });
    const [m] = listen(a, shelfAdv, T0, T0 + 500, -50);
    expect(m?.hashingStandard).toBe('meta-v1+hmac-sha256');
    expect(m?.identifiers.every((i) => i.keyed === true)).toBe(true);
  });

  it('never puts a raw identifier on the wire, even if an identity value could end up in a field', () => {
    // An "install ID" made from the phone number would leak it through deviceId: blocked, not sent.
    const a = app({ deviceId: 'install-2125550147-a' });
    const sent = listen(a, shelfAdv, T0, T0 + 1000, -50);
    expect(sent).toEqual([]);
    expect(a.stats().leaksBlocked).toBeGreaterThan(0);
  });
});

describe('phone app: content items', () => {
  const topic = contentTopic(SITE, deviceTopicHash(DEVICE));
  const item = (over: Partial<ContentItem> = {}): ContentItem => ({
    v: 1,
    kind: 'content-item',
    messageId: '01JM2Q8ZMBX2E4G6J8K0N2P4R6',
    contentId: 'promo-denim',
    siteId: SITE,
    deviceId: DEVICE,
    sensorId: SHELF,
    itemId: 'sku-denim-501',
    contentKind: 'incentive',
    title: '10% off the jeans in your hand',
    body: 'Show this at the till.',
    timing: { delayMs: 3000, expiresAt: T0 + 60_000 },
    timestamp: T0,
    ...over,
  });
  const payload = (c: ContentItem) => JSON.stringify(c);

  it('shows a relative-delay item delay after reception, an absolute one at its time, a plain one at once', () => {
    const a = app();
    expect(a.content(topic, payload(item()), T0 + 1000)).toMatchObject({ ok: true, receivedAt: T0 + 1000, showAt: T0 + 4000, expiresAt: T0 + 60_000 });
    expect(a.content(topic, payload(item({ messageId: '01JM2Q8ZMBX2E4G6J8K0N2P4R7', timing: { displayAt: T0 + 30_000, expiresAt: T0 + 60_000 } })), T0 + 1000)).toMatchObject({ ok: true, showAt: T0 + 30_000 });
    expect(a.content(topic, payload(item({ messageId: '01JM2Q8ZMBX2E4G6J8K0N2P4R8', timing: { expiresAt: T0 + 60_000 } })), T0 + 2000)).toMatchObject({ ok: true, showAt: T0 + 2000 });
  });

  it('refuses what it must not show: expired, for another device, repeated, malformed', () => {
    const a = app();
    expect(a.content(topic, payload(item({ timing: { delayMs: 10_000, expiresAt: T0 + 5000 } })), T0 + 1000)).toMatchObject({ ok: false, reason: 'expired' });
    const other = '9b2f6c1e-4d7a-4c3b-8e5f-0a1b2c3d4e5f';
    expect(a.content(contentTopic(SITE, deviceTopicHash(other)), payload(item({ deviceId: other, messageId: '01JM2Q8ZMBX2E4G6J8K0N2P4R9' })), T0)).toMatchObject({ ok: false, reason: 'not-for-this-device' });
    expect(a.content(topic, payload(item({ messageId: '01JM2Q8ZMBX2E4G6J8K0N2P4RA', deviceId: other })), T0)).toMatchObject({ ok: false, reason: 'invalid' });
    expect(a.content(topic, payload(item({ messageId: '01JM2Q8ZMBX2E4G6J8K0N2P4RB' })), T0)).toMatchObject({ ok: true });
    expect(a.content(topic, payload(item({ messageId: '01JM2Q8ZMBX2E4G6J8K0N2P4RB' })), T0 + 10)).toMatchObject({ ok: false, reason: 'duplicate' });
    expect(a.content(topic, '{"v":1,"kind":"content-item"}', T0)).toMatchObject({ ok: false, reason: 'invalid' });
    expect(a.content(topic, new Uint8Array([0xff, 0xfe]), T0)).toMatchObject({ ok: false, reason: 'invalid' });
  });
});
