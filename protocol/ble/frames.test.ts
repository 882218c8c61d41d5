import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import vectors from './vectors/advertisements.json' with { type: 'json' };
import { parseHex, toHex } from './bytes.js';
import { decodeAdvertisement, decodeManufacturerData, encodeFrame, type BeaconFrame, type BeaconFrameInput } from './frames.js';
import { decodeEddystone, encodeEddystoneServiceData } from './eddystone/frames.js';
import { encodeIBeacon } from './ibeacon.js';

function bytes(hex: string): Uint8Array {
  const r = parseHex(hex);
  if (!r.ok) throw new Error(r.reason);
  return r.bytes;
}

describe('published and derived advertisement vectors (protocol/ble/vectors/advertisements.json)', () => {
  for (const v of vectors.vectors) {
    it(`${v.name} — ${v.source}`, () => {
      if ('manufacturerData' in v && v.manufacturerData) {
        const f = decodeManufacturerData(bytes(v.manufacturerData));
        expect(f ? [f] : []).toEqual(v.frames);
        return;
      }
      const d = decodeAdvertisement(bytes(v.hex!));
      expect(d.frames).toEqual(v.frames);
      expect(d.errors).toHaveLength('errors' in v ? (v.errors as number) : 0);
      if ('localName' in v) expect(d.ad.localName).toBe(v.localName);
      if ('flags' in v) expect(d.ad.flags).toBe(v.flags);
    });
  }
});

describe('round trip: decode → encode gives the same bytes for canonical advertisements', () => {
  const canonical = [
    '0201060303aafe0e16aafe100a016578616d706c6507', // R1
    '0201060303aafe1116aafe20001388150000000001000000 01', // T1
    '0201060303aafe1716aafe00ee8b0ca750095477cb3e77aabbccddeeff0000',
    '0201060303aafe1516aafe20011e1ce0211d355b79720c117cffff76d7', // E2
    '0201060303aafe0d16aafe30eea9b76a71c5f89290', // D1 frame
    '02011a1bff1801beac2f234454cf6d4a0fadf2f4911ba9ffa600010002c509', // A1
    '02011A1AFF4C00021583256B7478D043A4826905F9DC8A44BA00100020C6', // I1
    '02011a15ffffff5450010100000002000ca090036d57d556e5', // P4 Touchpoint event frame
  ];
  for (const hex of canonical) {
    it(hex.slice(0, 24), () => {
      const input = bytes(hex);
      const d = decodeAdvertisement(input);
      expect(d.frames).toHaveLength(1);
      const out = encodeFrame(d.frames[0] as BeaconFrameInput, d.ad.flags);
      expect(toHex(out)).toBe(toHex(input));
    });
  }

  it('R1 service data is byte-exact with google/eddystone eddystone-url-unit.js', () => {
    const sd = encodeEddystoneServiceData({ type: 'eddystone-url', url: 'https://www.example.com', txPower: 10 });
    expect([...sd]).toEqual([0x10, 10, 1, 101, 120, 97, 109, 112, 108, 101, 7]);
  });
});

const hexOf = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => toHex(b));
const uuidArb = hexOf(16).map((h) => `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`);
const urlArb = fc
  .tuple(
    fc.constantFrom('http://', 'https://', 'http://www.', 'https://www.'),
    fc.stringMatching(/^[a-z0-9]{1,6}$/),
    fc.constantFrom('.com', '.org/', '.info', '.de', ''),
    fc.stringMatching(/^(\/[A-Za-z0-9?=_~-]{0,4})?$/),
  )
  .map(([s, h, t, p]) => s + h + t + p);

const frameArb: fc.Arbitrary<BeaconFrame & BeaconFrameInput> = fc.oneof(
  fc.record({ type: fc.constant('ibeacon' as const), uuid: uuidArb, major: fc.integer({ min: 0, max: 0xffff }), minor: fc.integer({ min: 0, max: 0xffff }), measuredPower: fc.integer({ min: -128, max: -1 }) }),
  fc.record({ type: fc.constant('altbeacon' as const), manufacturerId: fc.integer({ min: 0, max: 0xffff }), id1: uuidArb, id2: fc.integer({ min: 0, max: 0xffff }), id3: fc.integer({ min: 0, max: 0xffff }), referenceRssi: fc.integer({ min: -128, max: 127 }), reserved: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ type: fc.constant('eddystone-uid' as const), namespace: hexOf(10), instance: hexOf(6), txPower: fc.integer({ min: -128, max: 127 }) }),
  fc.record({ type: fc.constant('eddystone-url' as const), url: urlArb, txPower: fc.integer({ min: -128, max: 127 }) }),
  fc.record({
    type: fc.constant('eddystone-tlm' as const),
    batteryMv: fc.option(fc.integer({ min: 1, max: 0xffff }), { nil: null }),
    temperatureC: fc.option(fc.integer({ min: -0x7fff, max: 0x7fff }).map((x) => x / 256), { nil: null }),
    advCount: fc.integer({ min: 0, max: 0xffffffff }),
    uptimeS: fc.integer({ min: 0, max: 0xffffffff }).map((x) => x / 10),
  }),
  fc.record({ type: fc.constant('eddystone-etlm' as const), etlm: hexOf(12), salt: fc.integer({ min: 0, max: 0xffff }), mic: hexOf(2) }),
  fc.record({ type: fc.constant('eddystone-eid' as const), eid: hexOf(8), txPower: fc.integer({ min: -128, max: 127 }) }),
  fc.record({
    type: fc.constant('touchpoint-event' as const),
    companyId: fc.integer({ min: 0, max: 0xffff }),
    eventCount: fc.integer({ min: 0, max: 0xffffffff }),
    lastEventAgeDs: fc.option(fc.integer({ min: 0, max: 0xfffe }), { nil: null }),
    idKind: fc.constantFrom('eid' as const, 'device' as const),
    id: hexOf(8),
  }),
);

describe('properties', () => {
  it('encode → decode → the same frame, within 31 bytes', () => {
    fc.assert(
      fc.property(frameArb, (frame) => {
        const adv = encodeFrame(frame);
        expect(adv.length).toBeLessThanOrEqual(31);
        const d = decodeAdvertisement(adv);
        expect(d.errors).toEqual([]);
        expect(d.frames).toEqual([frame]);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws and never reads out of bounds on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        const d = decodeAdvertisement(b);
        for (const s of d.ad.structures) expect(s.offset + 1 + s.data.length + 1).toBeLessThanOrEqual(b.length + 1);
        for (const f of d.frames) expect(JSON.stringify(f)).not.toContain('undefined');
      }),
      { numRuns: 20_000 },
    );
  });

  it('never throws on mutated valid advertisements, and keeps structures before the damage', () => {
    const seeds = vectors.vectors.filter((v) => v.hex).map((v) => bytes(v.hex!));
    fc.assert(
      fc.property(fc.constantFrom(...seeds), fc.nat(), fc.integer({ min: 0, max: 255 }), (seed, pos, val) => {
        const b = seed.slice();
        const at = pos % b.length;
        b[at] = val;
        const d = decodeAdvertisement(b);
        // every structure wholly before the mutated byte is still found
        const before = decodeAdvertisement(seed).ad.structures.filter((s) => s.offset + 1 + s.data.length < at);
        for (const s of before) expect(d.ad.structures.map((x) => x.offset)).toContain(s.offset);
      }),
      { numRuns: 5000 },
    );
  });

  it('decodeEddystone never throws on any service data', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 24 }), (b) => void decodeEddystone(b)), { numRuns: 20_000 });
  });
});

describe('encoder refusals', () => {
  it('refuses a non-negative iBeacon measured power', () => {
    expect(() => encodeIBeacon({ uuid: '83256b74-78d0-43a4-8269-05f9dc8a44ba', major: 1, minor: 2, measuredPower: 0 })).toThrow(RangeError);
  });
  it('refuses out-of-range fields', () => {
    expect(() => encodeIBeacon({ uuid: '83256b74-78d0-43a4-8269-05f9dc8a44ba', major: 70000, minor: 2, measuredPower: -59 })).toThrow(/major/);
    expect(() => encodeFrame({ type: 'eddystone-uid', namespace: 'abc', instance: '010203040506', txPower: 0 })).toThrow(RangeError);
  });
});
