import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../bytes.js';
import { beaconConfigFromIntelHex, beaconConfigToIntelHex } from './config-hex.js';
import { crc32 } from './crc32.js';
import { type BeaconConfigInput, type BeaconSlot, CONFIG_ADDRESS, decodeBeaconConfig, encodeBeaconConfig, normalizeBeaconConfig } from './record.js';

// Slot values from the notes' published vectors: I1 (§1.1), the UID namespace example (§2.2),
// R1 (§2.3), D1's identity key (§2.6).
const I1_SLOT: BeaconSlot = { type: 'ibeacon', uuid: '83256b74-78d0-43a4-8269-05f9dc8a44ba', major: 16, minor: 32, measuredPower: -58 };
const BASE: BeaconConfigInput = {
  intervalMs: 1000,
  timeReference: 65280,
  identityKey: '0102030405060708090A111213141516',
  eidExponent: 10,
  deviceId: '7470000000000001',
  slots: [
    I1_SLOT,
    { type: 'eddystone-uid', namespace: '8b0ca750095477cb3e77', instance: '000000000001', txPower: -25 },
    { type: 'eddystone-url', url: 'https://www.example.com', txPower: 10 },
    { type: 'eddystone-tlm' },
    { type: 'eddystone-etlm' },
    { type: 'eddystone-eid', txPower: -20 },
    { type: 'event' },
  ],
};

const le32 = (v: number) => toHex(Uint8Array.of(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24));

/** Rewrites the CRC so a structural change reaches the field checks. */
function resealed(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  const length = out[6]! | (out[7]! << 8);
  new DataView(out.buffer).setUint32(length, crc32(out, 0, length), true);
  return out;
}

describe('beacon config record', () => {
  it('lays out header, fields and CRC as README "Config record" specifies', () => {
    const bytes = encodeBeaconConfig({ intervalMs: 1000, timeReference: 65280, deviceId: '0011223344556677', slots: [{ type: 'eddystone-tlm' }] });
    expect(toHex(bytes)).toBe(
      '54504243' + '01' + '00' + '2f00' + // "TPBC", v1, reserved, length 47
        '0102e803' + '020100' + '030106' + '040400ff0000' + // interval 1000, 0 dBm, flags 06, time 65280
        '07080011223344556677' + '060100' + '0805ffff036400' + // device id, K 0, event: FFFF, 3, 100 ms
        '100104' + // one TLM slot
        le32(crc32(bytes, 0, 47)),
    );
    expect(bytes.length).toBe(51);
  });

  it('round-trips to the normalized config (defaults filled, hex lowercased)', () => {
    const r = decodeBeaconConfig(encodeBeaconConfig(BASE));
    expect(r).toEqual({ ok: true, unknownFields: 0, config: normalizeBeaconConfig(BASE) });
    expect(r.ok && r.config).toMatchObject({
      txPowerDbm: 0,
      adFlags: 6,
      identityKey: '0102030405060708090a111213141516',
      event: { companyId: 0xffff, burst: 3, fastIntervalMs: 100 },
      input: null,
    });
  });

  it('round-trips through Intel HEX at the last page of each part', () => {
    for (const chip of ['nrf52832', 'nrf52840'] as const) {
      const text = beaconConfigToIntelHex(BASE, chip);
      expect(beaconConfigFromIntelHex(text)).toEqual({ ok: true, config: normalizeBeaconConfig(BASE), address: CONFIG_ADDRESS[chip], chip, unknownFields: 0 });
    }
    expect(beaconConfigToIntelHex(BASE).split('\n')[0]).toBe(':020000040007F3');
  });

  it('skips unknown tags so older firmware reads newer records', () => {
    const bytes = encodeBeaconConfig(BASE);
    const length = bytes[6]! | (bytes[7]! << 8);
    const extra = Uint8Array.of(0x7e, 3, 1, 2, 3);
    const grown = new Uint8Array(bytes.length + extra.length);
    grown.set(bytes.subarray(0, length));
    grown.set(extra, length);
    new DataView(grown.buffer).setUint16(6, length + extra.length, true);
    const r = decodeBeaconConfig(resealed(grown));
    expect(r).toMatchObject({ ok: true, unknownFields: 1 });
  });

  it('refuses every single-bit flip and every truncation', () => {
    const bytes = encodeBeaconConfig(BASE);
    for (let i = 0; i < bytes.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const m = bytes.slice();
        m[i]! ^= 1 << bit;
        expect(decodeBeaconConfig(m).ok, `byte ${i} bit ${bit}`).toBe(false);
      }
      expect(decodeBeaconConfig(bytes.subarray(0, i)).ok).toBe(false);
    }
  });

  it('reports erased flash, a bad CRC and a bad field with their offsets', () => {
    expect(decodeBeaconConfig(new Uint8Array(4096).fill(0xff))).toEqual({ ok: false, reason: 'bad magic (erased page?)', offset: 0 });
    const bytes = encodeBeaconConfig(BASE);
    const length = bytes[6]! | (bytes[7]! << 8);
    const bad = bytes.slice();
    bad[length]! ^= 0xff;
    expect(decodeBeaconConfig(bad)).toEqual({ ok: false, reason: 'CRC mismatch', offset: length });
    const tx = bytes.slice();
    tx[14] = 2; // the TX power field value: +2 dBm is not a TXPOWER step
    expect(decodeBeaconConfig(resealed(tx))).toEqual({ ok: false, reason: 'TX power 2 dBm is not a TXPOWER step', offset: 14 });
  });

  it('refuses configs the firmware could not send', () => {
    expect(() => encodeBeaconConfig({ ...BASE, identityKey: null })).toThrow(/identityKey/);
    expect(() => encodeBeaconConfig({ ...BASE, txPowerDbm: 2 })).toThrow(RangeError);
    expect(() => encodeBeaconConfig({ ...BASE, intervalMs: 19 })).toThrow(RangeError);
    expect(() => encodeBeaconConfig({ ...BASE, slots: [] })).toThrow(RangeError);
    expect(() => encodeBeaconConfig({ ...BASE, slots: Array(9).fill({ type: 'eddystone-tlm' }) })).toThrow(RangeError);
    expect(() => encodeBeaconConfig({ ...BASE, slots: [{ ...I1_SLOT, measuredPower: 0 }] })).toThrow(RangeError);
    expect(() => encodeBeaconConfig({ ...BASE, slots: [{ type: 'eddystone-url', url: 'https://inbox.google.com/u/0/?pli=1', txPower: 0 }] })).toThrow(RangeError);
  });

  const slotArb: fc.Arbitrary<BeaconSlot> = fc.oneof(
    fc.record({
      type: fc.constant('ibeacon' as const),
      uuid: fc.uuid(),
      major: fc.integer({ min: 0, max: 0xffff }),
      minor: fc.integer({ min: 0, max: 0xffff }),
      measuredPower: fc.integer({ min: -128, max: -1 }),
    }),
    fc.record({
      type: fc.constant('eddystone-uid' as const),
      namespace: fc.uint8Array({ minLength: 10, maxLength: 10 }).map((b) => toHex(b)),
      instance: fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) => toHex(b)),
      txPower: fc.integer({ min: -100, max: 20 }),
    }),
    fc.record({
      type: fc.constant('eddystone-url' as const),
      url: fc.stringMatching(/^https?:\/\/[a-z0-9]{1,8}\.(com|org|net)\/[A-Za-z0-9]{0,4}$/),
      txPower: fc.integer({ min: -128, max: 127 }),
    }),
    fc.constant({ type: 'eddystone-tlm' as const }),
    fc.constant({ type: 'eddystone-etlm' as const }),
    fc.record({ type: fc.constant('eddystone-eid' as const), txPower: fc.integer({ min: -128, max: 127 }) }),
    fc.constant({ type: 'event' as const }),
  );
  const configArb: fc.Arbitrary<BeaconConfigInput> = fc.record({
    intervalMs: fc.integer({ min: 20, max: 10240 }),
    txPowerDbm: fc.constantFrom(-40, -20, -16, -12, -8, -4, 0, 3, 4),
    adFlags: fc.integer({ min: 0, max: 255 }),
    timeReference: fc.integer({ min: 0, max: 0xffffffff }),
    identityKey: fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => toHex(b)),
    eidExponent: fc.integer({ min: 0, max: 15 }),
    deviceId: fc.uint8Array({ minLength: 8, maxLength: 8 }).map((b) => toHex(b)),
    event: fc.record({ companyId: fc.integer({ min: 0, max: 0xffff }), burst: fc.integer({ min: 0, max: 10 }), fastIntervalMs: fc.integer({ min: 20, max: 10240 }) }),
    input: fc.option(fc.record({ pin: fc.integer({ min: 0, max: 31 }), activeLow: fc.boolean(), pull: fc.boolean(), debounceMs: fc.integer({ min: 0, max: 255 }) })),
    slots: fc.array(slotArb, { minLength: 1, maxLength: 8 }),
  });

  it('round-trips any valid config (property)', () => {
    fc.assert(
      fc.property(configArb, (c) => {
        const r = decodeBeaconConfig(encodeBeaconConfig(c));
        expect(r).toEqual({ ok: true, unknownFields: 0, config: normalizeBeaconConfig(c) });
      }),
    );
  });

  it('never throws on random bytes, nor on random fields behind a valid header and CRC', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => void decodeBeaconConfig(b)));
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (body) => {
        const rec = new Uint8Array(8 + body.length + 4);
        rec.set([0x54, 0x50, 0x42, 0x43, 1, 0, (8 + body.length) & 0xff, (8 + body.length) >> 8]);
        rec.set(body, 8);
        const r = decodeBeaconConfig(resealed(rec));
        if (r.ok) expect(r.config.slots.length).toBeGreaterThan(0);
      }),
    );
  });
});
