import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BEACON_ID_PATTERN, formatBeaconId, parseBeaconId, type BeaconIdInput } from './beacon-id.js';

const ascii = (s: string) => new TextEncoder().encode(s);
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

describe('beacon ID: published vectors (decoded values from /work/shared/docs/protocols.md)', () => {
  it('iBeacon I2 (theengs/decoder test_ble.cpp; Bluetooth-Devices/ibeacon-ble test_init.py): UUID bytes are ASCII "BlueCharmBeacons", major 3838, minor 4949', () => {
    const id = formatBeaconId({ kind: 'ibeacon', uuid: ascii('BlueCharmBeacons'), major: 3838, minor: 4949 });
    expect(id).toBe('ibeacon:426c7565-4368-6172-6d42-6561636f6e73:3838:4949');
    expect(parseBeaconId(id)).toEqual({
      ok: true,
      value: { kind: 'ibeacon', uuid: '426c7565-4368-6172-6d42-6561636f6e73', major: 3838, minor: 4949 },
    });
  });

  it('iBeacon I1 (forforf/multi_beacon ibeacon_protocol.md): upper-case UUID is written lower-case', () => {
    expect(formatBeaconId({ kind: 'ibeacon', uuid: '83256B74-78D0-43A4-8269-05F9DC8A44BA', major: 16, minor: 32 })).toBe(
      'ibeacon:83256b74-78d0-43a4-8269-05f9dc8a44ba:16:32',
    );
  });

  it('AltBeacon A1 (android-beacon-library AltBeaconParserTest): id1 2f234454-…, id2 1, id3 2', () => {
    const id = formatBeaconId({ kind: 'altbeacon', id1: '2f234454cf6d4a0fadf2f4911ba9ffa6', id2: 1, id3: 2 });
    expect(id).toBe('altbeacon:2f234454-cf6d-4a0f-adf2-f4911ba9ffa6:1:2');
    expect(parseBeaconId(id)).toEqual({
      ok: true,
      value: { kind: 'altbeacon', id1: '2f234454-cf6d-4a0f-adf2-f4911ba9ffa6', id2: 1, id3: 2 },
    });
  });

  it('Eddystone-UID U1 (android-beacon-library GattBeaconTest): namespace 00…09, instance 010203040506 given as bytes', () => {
    const ns = Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const inst = Uint8Array.from([1, 2, 3, 4, 5, 6]);
    expect(formatBeaconId({ kind: 'eddystone-uid', namespace: ns, instance: inst })).toBe(
      'eddystone-uid:00010203040506070809:010203040506',
    );
  });

  it('Eddystone-UID U2 (android-beacon-library BleAdvertisementTest) and the spec namespace example (google/eddystone eddystone-uid/README.md)', () => {
    expect(formatBeaconId({ kind: 'eddystone-uid', namespace: '2f234454f4911ba9ffa6', instance: '000000000001' })).toBe(
      'eddystone-uid:2f234454f4911ba9ffa6:000000000001',
    );
    // UUID 8b0ca750-e7a7-4e14-bd99-095477cb3e77 elided to namespace 8b0ca750095477cb3e77
    const r = parseBeaconId('eddystone-uid:8b0ca750095477cb3e77:aabbccddeeff');
    expect(r).toEqual({ ok: true, value: { kind: 'eddystone-uid', namespace: '8b0ca750095477cb3e77', instance: 'aabbccddeeff' } });
  });

  it('registered EID', () => {
    expect(formatBeaconId({ kind: 'eid', registeredId: 'store-12.endcap-3' })).toBe('eid:store-12.endcap-3');
    expect(parseBeaconId('eid:store-12.endcap-3')).toEqual({ ok: true, value: { kind: 'eid', registeredId: 'store-12.endcap-3' } });
  });
});

describe('beacon ID: rejections', () => {
  const reasons: [string, string][] = [
    ['IBEACON:426c7565-4368-6172-6d42-6561636f6e73:1:2', 'unknown-kind'],
    ['ibeacon:426C7565-4368-6172-6d42-6561636f6e73:1:2', 'not-canonical'],
    ['ibeacon:426c7565-4368-6172-6d42-6561636f6e73:01:2', 'not-canonical'],
    ['ibeacon:426c7565-4368-6172-6d42-6561636f6e73:65536:2', 'out-of-range'],
    ['ibeacon:426c7565-4368-6172-6d42-6561636f6e73:1', 'malformed'],
    ['ibeacon:426c75654368617 26d426561636f6e73:1:2', 'malformed'],
    ['ibeacon:426c7565-4368-6172-6d42-6561636f6e73:1:2:3', 'malformed'],
    ['eddystone-uid:2F234454F4911BA9FFA6:000000000001', 'not-canonical'],
    ['eddystone-uid:2f234454f4911ba9ffa6:0000000001', 'malformed'],
    ['eid:', 'malformed'],
    ['eid:a/b', 'malformed'],
    ['eid:a:b', 'malformed'],
    ['', 'unknown-kind'],
    ['eid:' + 'a'.repeat(65), 'too-long'],
  ];
  it.each(reasons)('%s → %s', (input, reason) => {
    const r = parseBeaconId(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.reason).toBe(reason);
  });

  it('rejects non-strings', () => {
    expect(parseBeaconId(42)).toMatchObject({ ok: false, error: { reason: 'not-a-string' } });
  });

  it('formatBeaconId refuses out-of-range fields', () => {
    expect(() => formatBeaconId({ kind: 'ibeacon', uuid: 'not-a-uuid', major: 1, minor: 1 })).toThrow(RangeError);
    expect(() => formatBeaconId({ kind: 'ibeacon', uuid: new Uint8Array(15), major: 1, minor: 1 })).toThrow(RangeError);
    expect(() => formatBeaconId({ kind: 'altbeacon', id1: new Uint8Array(16), id2: 65536, id3: 0 })).toThrow(RangeError);
    expect(() => formatBeaconId({ kind: 'altbeacon', id1: new Uint8Array(16), id2: 1.5, id3: 0 })).toThrow(RangeError);
    expect(() => formatBeaconId({ kind: 'eddystone-uid', namespace: 'zz'.repeat(10), instance: '00'.repeat(6) })).toThrow(RangeError);
    expect(() => formatBeaconId({ kind: 'eid', registeredId: 'has space' })).toThrow(RangeError);
  });
});

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const u16 = fc.integer({ min: 0, max: 0xffff });
const beaconInput: fc.Arbitrary<BeaconIdInput> = fc.oneof(
  fc.record({ kind: fc.constant('ibeacon' as const), uuid: fc.oneof(bytes(16), fc.uuid()), major: u16, minor: u16 }),
  fc.record({ kind: fc.constant('altbeacon' as const), id1: fc.oneof(bytes(16), fc.uuid().map((u) => u.toUpperCase())), id2: u16, id3: u16 }),
  fc.record({ kind: fc.constant('eddystone-uid' as const), namespace: bytes(10), instance: fc.oneof(bytes(6), bytes(6).map(hex)) }),
  fc.record({ kind: fc.constant('eid' as const), registeredId: fc.stringMatching(/^[A-Za-z0-9._-]{1,64}$/) }),
);

describe('beacon ID: properties', () => {
  it('format → parse → format is the identity on the string, and the schema pattern accepts it', () => {
    const re = new RegExp(BEACON_ID_PATTERN);
    fc.assert(
      fc.property(beaconInput, (input) => {
        const s = formatBeaconId(input);
        const parsed = parseBeaconId(s);
        expect(parsed.ok).toBe(true);
        if (parsed.ok) expect(formatBeaconId(parsed.value)).toBe(s);
        expect(re.test(s)).toBe(true);
      }),
    );
  });

  it('the JSON Schema pattern and parseBeaconId agree on every string (mutated valid IDs and random text)', () => {
    const re = new RegExp(BEACON_ID_PATTERN);
    const mutated = fc
      .tuple(beaconInput.map(formatBeaconId), fc.nat(), fc.constantFrom('', ':', '0', 'A', 'g', '-', '9', '/'), fc.boolean())
      .map(([s, at, ch, replace]) => {
        const i = at % (s.length + 1);
        return s.slice(0, i) + ch + s.slice(replace ? i + 1 : i);
      });
    fc.assert(
      fc.property(fc.oneof(mutated, fc.string({ maxLength: 80 })), (s) => {
        expect(parseBeaconId(s).ok).toBe(re.test(s));
      }),
      { numRuns: 2000 },
    );
  });

  it('parseBeaconId never throws', () => {
    fc.assert(fc.property(fc.anything(), (x) => typeof parseBeaconId(x).ok === 'boolean'));
  });
});
