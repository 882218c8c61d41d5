import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeManufacturerData, decodeEddystone, type BeaconFrame } from '../ble/index.js';
import { hexToBytes } from '../bytes.js';
import {
  beaconNamespace,
  frameBeaconId,
  indexRegistry,
  measuredPower1m,
  resolveFrame,
  validateSiteRegistry,
  type SiteRegistry,
} from './index.js';

// Eddystone-EID vectors D1/D2 (research notes §2.6; RadiusNetworks/ephemeral_calc spec/encryptor_spec.rb):
// IK 0102030405060708090A111213141516, K = 10: t = 0 → a9b76a71c5f89290, t = 2000 (quantum 1024) → 4144413e45fefa58.
const IK = '0102030405060708090a111213141516';
const EID_T0 = 'a9b76a71c5f89290';
const EID_T2000 = '4144413e45fefa58';
const WALL0 = 1_739_530_800_000;

// iBeacon vector I2 (theengs/decoder tests/BLE/test_ble.cpp; ibeacon-ble tests): "BlueCharmBeacons", 3838/4949, −59 dBm.
const I2 = '4c000215426c7565436861726d426561636f6e730efe1355c5';
const I2_ID = 'ibeacon:426c7565-4368-6172-6d42-6561636f6e73:3838:4949';

function sample(): SiteRegistry {
  return {
    v: 1,
    siteId: 'store-12',
    beacons: [
      { beaconId: I2_ID, spot: 'endcap-3', item: { itemId: 'sku-88412', itemType: 'sports' }, rssiAt1m: -61 },
      { beaconId: 'eddystone-uid:8b0ca750095477cb3e77:000000000003', spot: 'shelf-3' },
      { beaconId: 'eid:case-7', spot: 'case-7', eid: { identityKey: IK, exponent: 10, beaconSecondsAt: 0, wallMsAt: WALL0 } },
    ],
    gateways: [{ gatewayId: 'gw-a', spot: 'endcap-3' }],
  };
}

const eidFrame = (eid: string): BeaconFrame => ({ type: 'eddystone-eid', eid, txPower: -18 });

describe('validateSiteRegistry', () => {
  it('accepts a registry with iBeacon, Eddystone-UID and EID beacons', () => {
    const r = validateSiteRegistry(sample());
    expect(r).toEqual({ ok: true, registry: sample() });
  });

  it('refuses duplicate beacon IDs and gateway IDs, naming both places', () => {
    const reg = sample();
    reg.beacons.push({ beaconId: I2_ID, spot: 'other' });
    reg.gateways!.push({ gatewayId: 'gw-a', spot: 'shelf-3' });
    const r = validateSiteRegistry(reg);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toBe('rule');
    expect(r.errors).toEqual([
      { path: '/beacons/3/beaconId', message: `duplicate beacon ID ${I2_ID} (first at /beacons/0)` },
      { path: '/gateways/1/gatewayId', message: 'duplicate gateway ID gw-a (first at /gateways/0)' },
    ]);
  });

  it('requires an EID registration exactly on eid: beacons and a beacon at every gateway spot', () => {
    const reg = sample();
    delete reg.beacons[2]!.eid;
    reg.beacons[1]!.eid = { identityKey: IK, exponent: 10, beaconSecondsAt: 0, wallMsAt: 0 };
    reg.gateways = [{ gatewayId: 'gw-b', spot: 'nowhere' }];
    const r = validateSiteRegistry(reg);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => e.path)).toEqual(['/beacons/1/eid', '/beacons/2', '/gateways/0/spot']);
  });

  it('refuses non-canonical beacon IDs, bad keys, unknown fields and the wrong version at their paths', () => {
    const reg = sample() as unknown as { v: number; beacons: Record<string, unknown>[] };
    reg.v = 2;
    reg.beacons[0]!.beaconId = I2_ID.toUpperCase();
    (reg.beacons[2]!.eid as Record<string, unknown>).identityKey = 'abc';
    reg.beacons[1]!.colour = 'red';
    const r = validateSiteRegistry(reg);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toBe('schema');
    const paths = r.errors.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['/v', '/beacons/0/beaconId', '/beacons/2/eid/identityKey', '/beacons/1/colour']));
  });

  it('never throws on arbitrary values', () => {
    fc.assert(
      fc.property(fc.anything(), (v) => {
        const r = validateSiteRegistry(v);
        expect(typeof r.ok).toBe('boolean');
      }),
    );
  });
});

describe('resolveFrame', () => {
  const built = indexRegistry(sample());
  if (!built.ok) throw new Error('sample registry must index');
  const { index } = built;

  it('names an iBeacon frame by its canonical ID and finds it in the registry (vector I2)', () => {
    const frame = decodeManufacturerData(hexToBytes(I2))!;
    expect(frameBeaconId(frame, null, WALL0)).toBe(I2_ID);
    expect(resolveFrame(frame, index, WALL0)).toBe(index.beacon(I2_ID));
    // The site measured −61 dBm at 1 m; that beats the −59 the frame carries.
    expect(measuredPower1m(frame, index.beacon(I2_ID))).toBe(-61);
    expect(measuredPower1m(frame)).toBe(-59);
  });

  it('resolves a rotating EID to the same eid: beacon across a quantum change (vectors D1, D2)', () => {
    expect(resolveFrame(eidFrame(EID_T0), index, WALL0)?.beaconId).toBe('eid:case-7');
    // 2000 s later the beacon is in quantum 1024 and broadcasts a different EID.
    expect(resolveFrame(eidFrame(EID_T2000), index, WALL0 + 2_000_000)?.beaconId).toBe('eid:case-7');
    // The old EID is refused once its quantum is more than the 600 s skew window in the past.
    expect(resolveFrame(eidFrame(EID_T0), index, WALL0 + 2_000_000)).toBeNull();
  });

  it('gives null for frames without identity and for unregistered beacons', () => {
    const tlm = decodeEddystone(hexToBytes('20000bb815000000000a00000064'));
    expect(tlm.ok).toBe(true);
    if (tlm.ok) expect(resolveFrame(tlm.frame, index, WALL0)).toBeNull();
    const other: BeaconFrame = { type: 'eddystone-uid', namespace: '00112233445566778899', instance: 'aabbccddeeff', txPower: -20 };
    expect(frameBeaconId(other, index.eid, WALL0)).toBe('eddystone-uid:00112233445566778899:aabbccddeeff');
    expect(resolveFrame(other, index, WALL0)).toBeNull();
  });

  it('lists beacons by spot and namespaces by kind', () => {
    expect(index.atSpot('endcap-3').map((b) => b.beaconId)).toEqual([I2_ID]);
    expect(index.atSpot('nowhere')).toEqual([]);
    expect(beaconNamespace(I2_ID)).toBe('426c7565-4368-6172-6d42-6561636f6e73');
    expect(beaconNamespace('eddystone-uid:8b0ca750095477cb3e77:000000000003')).toBe('8b0ca750095477cb3e77');
    expect(beaconNamespace('eid:case-7')).toBeNull();
  });

  it('reports an EID registration the resolver refuses instead of throwing', () => {
    const reg = sample();
    reg.beacons[2]!.eid!.exponent = 0;
    // K = 0 with a ±3000 s window needs 6001 EIDs, over the default 4096 per beacon.
    const r = indexRegistry(reg, { skewSeconds: 3000 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]?.path).toBe('/beacons/2/eid');
  });
});
