import { describe, expect, it } from 'vitest';
import { computeEid } from '../ble/crypto/eid.js';
import { eventDeviceId, type TouchpointEventFrame } from '../ble/touchpoint-event.js';
import { hexToBytes, toHex } from '../bytes.js';
import { indexRegistry, indexedBeaconId, resolveFrame, type SiteRegistry } from './index.js';

describe('Touchpoint event frames through the site registry', () => {
  const IK = '0102030405060708090a111213141516';
  const WALL = 1_739_530_800_000;
  const registry: SiteRegistry = {
    v: 1,
    siteId: 'store-12',
    beacons: [
      { beaconId: 'eid:store-12.case-7', spot: 'case-7', eid: { identityKey: IK, exponent: 10, beaconSecondsAt: 65280, wallMsAt: WALL } },
      { beaconId: 'eddystone-uid:8b0ca750095477cb3e77:000000000003', spot: 'endcap-3', item: { itemId: 'sku-3' } },
    ],
  };
  const r = indexRegistry(registry);
  if (!r.ok) throw new Error('registry');
  const index = r.index;
  const eid = toHex(computeEid(hexToBytes(IK), 10, 65280 + 30).eid);
  const event = (idKind: 'eid' | 'device', id: string): TouchpointEventFrame => ({ type: 'touchpoint-event', companyId: 0xffff, eventCount: 3, lastEventAgeDs: 5, idKind, id });

  it('names an EID id through the resolver, at the time it was heard', () => {
    expect(indexedBeaconId(event('eid', eid), index, WALL + 30_000)).toBe('eid:store-12.case-7');
    expect(resolveFrame(event('eid', eid), index, WALL + 30_000)?.spot).toBe('case-7');
    expect(indexedBeaconId(event('eid', eid), index, WALL + 86_400_000)).toBeNull();
  });

  it('names a device id by the registered ID it was derived from, and nothing else', () => {
    const id = eventDeviceId('eddystone-uid:8b0ca750095477cb3e77:000000000003');
    expect(resolveFrame(event('device', id), index, 0)).toMatchObject({ spot: 'endcap-3', item: { itemId: 'sku-3' } });
    expect(index.byDeviceId(id.toUpperCase())?.spot).toBe('endcap-3');
    expect(resolveFrame(event('device', '0011223344556677'), index, 0)).toBeNull();
    // an EID-looking device id is not tried as an EID, nor the other way round
    expect(resolveFrame(event('device', eid), index, WALL + 30_000)).toBeNull();
    expect(resolveFrame(event('eid', id), index, 0)).toBeNull();
  });
});
