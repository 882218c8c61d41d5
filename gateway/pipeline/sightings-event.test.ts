/**
 * Touchpoint event frames in the sightings stage: attributed to the beacon that sent them, through
 * its EID or its registry device id, resolved per advertisement like an EID.
 */
import { describe, expect, it } from 'vitest';
import { encodeTouchpointEventManufacturerData, eventDeviceId, type TouchpointEventInput } from '../../protocol/ble/index.js';
import { indexRegistry, type SiteRegistry } from '../../protocol/registry/index.js';
import type { RadioAdvertisement } from '../core/types.js';
import { createSightings } from './sightings.js';
import { at, IBEACON_ID, WALL0 } from './test-support.js';

// Vector D1 (research notes §2.6): IK 0102…1516, K = 10, beacon time 0 → EID a9b76a71c5f89290.
const IK = '0102030405060708090a111213141516';

const REGISTRY: SiteRegistry = {
  v: 1,
  siteId: 'store-12',
  beacons: [
    { beaconId: IBEACON_ID, spot: 'shelf-1', item: { itemId: 'sku-1' } },
    { beaconId: 'eid:store-12.case-7', spot: 'case-7', item: { itemId: 'sku-7' }, eid: { identityKey: IK, exponent: 10, beaconSecondsAt: 0, wallMsAt: WALL0 } },
  ],
};

function eventAd(ms: number, rssi: number, f: Partial<TouchpointEventInput>, address = 'c0:ff:ee:00:00:09'): RadioAdvertisement {
  const frame: TouchpointEventInput = { companyId: 0xffff, eventCount: 1, lastEventAgeDs: 0, idKind: 'eid', id: 'a9b76a71c5f89290', ...f };
  return { address, addressType: 'random', rssi, manufacturerData: [encodeTouchpointEventManufacturerData(frame)], serviceData: [], at: at(ms) };
}

function stage() {
  const r = indexRegistry(REGISTRY);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return createSightings({ index: r.index, rssi: { window: 1, alpha: 1 } });
}

describe('sightings: Touchpoint event frames', () => {
  it('attribute an event frame carrying the current EID to the registered beacon, with its spot and item', () => {
    const s = stage();
    expect(s.onAdvertisement(eventAd(0, -55, {}))).toEqual([
      { beaconId: 'eid:store-12.case-7', spot: 'case-7', item: { itemId: 'sku-7' }, registered: true, rssi: -55, smoothedRssi: -55, at: at(0), frameType: 'touchpoint-event', address: 'c0:ff:ee:00:00:09' },
    ]);
  });

  it('attribute an event frame carrying a device id through the registry (eventDeviceId of a registered ID)', () => {
    const s = stage();
    const out = s.onAdvertisement(eventAd(0, -60, { idKind: 'device', id: eventDeviceId(IBEACON_ID) }));
    expect(out.map((x) => [x.beaconId, x.spot, x.frameType])).toEqual([[IBEACON_ID, 'shelf-1', 'touchpoint-event']]);
  });

  it('resolve the same bytes again each time, so a stale EID is refused once its window has passed', () => {
    const s = stage();
    expect(s.onAdvertisement(eventAd(0, -60, {}))).toHaveLength(1);
    // the same address and payload an hour later: not answered from the address cache
    expect(s.onAdvertisement(eventAd(3_600_000, -60, {}))).toEqual([]);
    expect(s.stats()).toMatchObject({ sightings: 1, unknown: 1, cacheHits: 0 });
  });

  it('count unknown device ids and EIDs as unknown, not as sightings', () => {
    const s = stage();
    expect(s.onAdvertisement(eventAd(0, -60, { idKind: 'device', id: '0011223344556677' }))).toEqual([]);
    expect(s.onAdvertisement(eventAd(1, -60, { id: '0011223344556677' }))).toEqual([]);
    expect(s.stats()).toMatchObject({ decoded: 2, unknown: 2, sightings: 0 });
  });
});
