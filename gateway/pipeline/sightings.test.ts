import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeEid, hexToBytes, toHex } from '../../protocol/ble/index.js';
import { indexRegistry, type SiteRegistry } from '../../protocol/registry/index.js';
import type { RadioAdvertisement } from '../core/types.js';
import { createSightings, type SightingsOptions } from './sightings.js';
import { altbeaconAd, at, eddystoneAd, IBEACON, IBEACON_ID, ibeaconAd, WALL0 } from './test-support.js';

// Eddystone-EID vectors D1/D2 (research notes §2.6, RadiusNetworks/ephemeral_calc encryptor_spec.rb):
// IK 0102…1516, K = 10 → t = 0: a9b76a71c5f89290; t = 2000 (quantum 1024): 4144413e45fefa58.
const IK = '0102030405060708090a111213141516';

function registry(extra: SiteRegistry['beacons'] = []): SiteRegistry {
  return {
    v: 1,
    siteId: 'store-12',
    beacons: [
      { beaconId: IBEACON_ID, spot: 'shelf-1', item: { itemId: 'sku-1' } },
      { beaconId: 'eid:case-7', spot: 'case-7', eid: { identityKey: IK, exponent: 10, beaconSecondsAt: 0, wallMsAt: WALL0 } },
      { beaconId: 'eid:tag-4', spot: 'cart', eid: { identityKey: 'a0a1a2a3a4a5a6a7a8a9aaabacadaeaf', exponent: 4, beaconSecondsAt: 1000, wallMsAt: WALL0 } },
      ...extra,
    ],
  };
}

function stage(options: Partial<SightingsOptions> = {}, reg: SiteRegistry = registry()) {
  const r = indexRegistry(reg);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return createSightings({ index: r.index, ...options });
}

describe('sightings: decode, identify, filter', () => {
  it('turns a registered iBeacon into a sighting with spot, item and a distance from its own calibration', () => {
    const s = stage({ rssi: { window: 1, alpha: 1 } });
    const out = s.onAdvertisement(ibeaconAd(0, -59));
    // RSSI equal to the 1 m calibration puts the beacon at 1 m for any n (log-distance model, protocols.md §5.1).
    expect(out).toEqual([
      { beaconId: IBEACON_ID, spot: 'shelf-1', item: { itemId: 'sku-1' }, registered: true, rssi: -59, smoothedRssi: -59, distanceM: 1, at: at(0), frameType: 'ibeacon', address: 'c0:ff:ee:00:00:01' },
    ]);
  });

  it('prefers the registry’s measured rssiAt1m over the frame’s calibration', () => {
    const reg = registry();
    reg.beacons[0]!.rssiAt1m = -69;
    const s = stage({ rssi: { window: 1, alpha: 1 }, pathLossExponent: 2 }, reg);
    // −59 received with −69 at 1 m and n = 2: 10^((−69 + 59) / 20) = 0.316 m.
    expect(s.onAdvertisement(ibeaconAd(0, -59))[0]?.distanceM).toBe(0.32);
  });

  it('drops unregistered beacons as unknown, and phones without beacon frames as noBeacon', () => {
    const s = stage();
    expect(s.onAdvertisement(altbeaconAd(0, -70, 9, 'aa:00:00:00:00:01'))).toEqual([]);
    const phone: RadioAdvertisement = { address: 'aa:00:00:00:00:02', addressType: 'random', rssi: -70, manufacturerData: [hexToBytes('4c001005031c3e2f0a')], serviceData: [], at: at(1) };
    expect(s.onAdvertisement(phone)).toEqual([]);
    expect(s.stats()).toMatchObject({ seen: 2, decoded: 1, unknown: 1, noBeacon: 1, sightings: 0 });
  });

  it('keeps only configured IDs / namespaces, and never the excluded spots', () => {
    const alt = 'altbeacon:2f234454-cf6d-4a0f-adf2-f4911ba9ffa6:1:';
    const s = stage({ filter: { registeredOnly: false, namespaces: ['2f234454-cf6d-4a0f-adf2-f4911ba9ffa6'], ids: ['eid:case-7'] } });
    expect(s.onAdvertisement(altbeaconAd(0, -70, 9, 'aa:00:00:00:00:01')).map((x) => [x.beaconId, x.registered])).toEqual([[`${alt}9`, false]]);
    expect(s.onAdvertisement(ibeaconAd(1, -70))).toEqual([]);
    expect(s.stats()).toMatchObject({ filtered: 1, unknown: 0 });

    const own = stage({ filter: { excludeSpots: ['shelf-1'] } });
    expect(own.onAdvertisement(ibeaconAd(0, -50))).toEqual([]);
    expect(own.stats().filtered).toBe(1);
  });

  it('refuses RSSI values outside the HCI range (127 = not available)', () => {
    const s = stage();
    expect(s.onAdvertisement(ibeaconAd(0, 127))).toEqual([]);
    expect(s.stats().invalidRssi).toBe(1);
  });
});

describe('sightings: RSSI smoothing', () => {
  it('ignores a one-packet multipath null (median) and then averages (EMA)', () => {
    const s = stage({ rssi: { window: 5, alpha: 1 } });
    const seq = [-60, -60, -60, -90, -60];
    const smoothed = seq.map((r, i) => s.onAdvertisement(ibeaconAd(i * 100, r))[0]!.smoothedRssi);
    // alpha = 1: the median alone. The −90 never reaches the output.
    expect(smoothed).toEqual([-60, -60, -60, -60, -60]);

    const e = stage({ rssi: { window: 1, alpha: 0.5 } });
    const ema = [-60, -70, -70].map((r, i) => e.onAdvertisement(ibeaconAd(i * 100, r))[0]!.smoothedRssi);
    // EMA with alpha 0.5: −60, −60 + 0.5·(−10) = −65, −65 + 0.5·(−5) = −67.5
    expect(ema).toEqual([-60, -65, -67.5]);
  });

  it('restarts a beacon’s filter after it was not heard for beaconTtlMs', () => {
    const s = stage({ rssi: { window: 1, alpha: 0.5 }, beaconTtlMs: 1000 });
    s.onAdvertisement(ibeaconAd(0, -60));
    expect(s.onAdvertisement(ibeaconAd(999, -80))[0]!.smoothedRssi).toBe(-70);
    expect(s.onAdvertisement(ibeaconAd(1999, -80))[0]!.smoothedRssi).toBe(-80);
  });
});

describe('sightings: Eddystone-EID', () => {
  it('resolves published EIDs of one beacon in two quanta to the same eid: ID (vectors D1, D2)', () => {
    const s = stage();
    const a = s.onAdvertisement(eddystoneAd(0, -65, { type: 'eddystone-eid', eid: 'a9b76a71c5f89290', txPower: -18 }));
    const b = s.onAdvertisement(eddystoneAd(2_000_000, -65, { type: 'eddystone-eid', eid: '4144413e45fefa58', txPower: -18 }, 'c0:ff:ee:00:00:03'));
    expect(a.map((x) => x.beaconId)).toEqual(['eid:case-7']);
    expect(b.map((x) => x.beaconId)).toEqual(['eid:case-7']);
    // Eddystone calibrates at 0 m: −18 − 41 = −59 dBm at 1 m (protocols.md §5.1), so −65 at n = 2 is 10^(6/20) m.
    expect(a[0]!.distanceM).toBe(2);
  });

  it('follows a K = 4 beacon through a quantum change and an address rotation without losing its filter state', () => {
    const s = stage({ rssi: { window: 1, alpha: 0.5 } });
    const ik = hexToBytes('a0a1a2a3a4a5a6a7a8a9aaabacadaeaf');
    const seen: string[] = [];
    const eids = new Set<string>();
    let last = 0;
    // Beacon clock 1000 at WALL0; quanta of 16 s start at 992, 1008, 1024: the run crosses two changes.
    for (let sec = 0; sec <= 30; sec++) {
      const eid = toHex(computeEid(ik, 4, 1000 + sec).eid);
      eids.add(eid);
      const address = sec < 15 ? 'd0:00:00:00:00:01' : 'd0:00:00:00:00:02';
      const out = s.onAdvertisement(eddystoneAd(sec * 1000, sec % 2 === 0 ? -60 : -70, { type: 'eddystone-eid', eid, txPower: -20 }, address));
      seen.push(...out.map((x) => x.beaconId));
      last = out[0]!.smoothedRssi;
    }
    expect(eids.size).toBe(3);
    expect(new Set(seen)).toEqual(new Set(['eid:tag-4']));
    expect(seen).toHaveLength(31);
    // One filter the whole time: an EMA over alternating −60/−70 ends between them, not at a fresh −60.
    expect(last).toBeGreaterThan(-70);
    expect(last).toBeLessThan(-60);
    expect(s.stats().beacons.size).toBe(1);
  });

  it('counts an EID no registered beacon could broadcast now as unknown', () => {
    const s = stage();
    // D1's EID is from beacon time 0; an hour later it is outside the ±600 s window.
    expect(s.onAdvertisement(eddystoneAd(3_600_000, -65, { type: 'eddystone-eid', eid: 'a9b76a71c5f89290', txPower: -18 }))).toEqual([]);
    expect(s.stats().unknown).toBe(1);
  });
});

/** Deterministic so a failure can be replayed. */
function xorshift(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

function randomMac(next: () => number): string {
  const a = next();
  const b = next();
  const bytes = [(a >>> 24) | 0xc0, (a >>> 16) & 0xff, (a >>> 8) & 0xff, a & 0xff, (b >>> 8) & 0xff, b & 0xff];
  return bytes.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

describe('sightings: bounded memory under an unknown-device flood', () => {
  it('50 000 random phone addresses keep the address cache at its cap and count the evictions', () => {
    const cap = 1000;
    const s = stage({ maxAddresses: cap });
    const next = xorshift(0x5eed);
    const macs = new Set<string>();
    let sightings = 0;
    for (let i = 0; i < 50_000; i++) {
      const address = randomMac(next);
      macs.add(address);
      // Apple Continuity "nearby info" style payload with random bytes: a phone, not a beacon.
      const payload = Uint8Array.of(0x4c, 0x00, 0x10, 0x05, next() & 0xff, next() & 0xff, next() & 0xff, next() & 0xff, next() & 0xff);
      s.onAdvertisement({ address, addressType: 'random', rssi: -80, manufacturerData: [payload], serviceData: [], at: at(i) });
      // The one beacon we care about keeps being heard through the flood.
      if (i % 1000 === 0) sightings += s.onAdvertisement(ibeaconAd(i, -60)).length;
    }
    const st = s.stats();
    expect(st.addresses.size).toBe(cap);
    // Every address beyond the cap cost exactly one eviction (plus the beacon's own re-inserts when it was the oldest).
    expect(st.addresses.evictions).toBeGreaterThanOrEqual(macs.size + 1 - cap);
    expect(st.addresses.evictions).toBeLessThanOrEqual(macs.size + 50 - cap);
    expect(st.noBeacon).toBe(50_000);
    expect(sightings).toBe(50);
    expect(st.beacons.size).toBe(1);
  });

  it('a flood of spoofed beacon IDs (registeredOnly: false) keeps the per-beacon cache at its cap', () => {
    const s = stage({ maxBeacons: 64, filter: { registeredOnly: false } });
    for (let i = 0; i < 5000; i++) s.onAdvertisement(altbeaconAd(i, -70, i % 65536, `aa:bb:cc:00:${((i >> 8) & 0xff).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`));
    const st = s.stats();
    expect(st.sightings).toBe(5000);
    expect(st.beacons.size).toBe(64);
    expect(st.beacons.evictions).toBe(5000 - 64);
  });

  it('prune() drops idle addresses after addressTtlMs', () => {
    const s = stage({ addressTtlMs: 10_000 });
    for (let i = 0; i < 10; i++) s.onAdvertisement(altbeaconAd(i, -70, i, `aa:00:00:00:00:0${i}`));
    s.prune(at(10_008));
    expect(s.stats().addresses).toMatchObject({ size: 1, expirations: 9 });
  });

  it('answers a device repeating the same payload from the address cache', () => {
    const s = stage();
    for (let i = 0; i < 5; i++) s.onAdvertisement(ibeaconAd(i * 100, -60));
    expect(s.stats()).toMatchObject({ cacheHits: 4, sightings: 5 });
  });

  it('never throws and never sights anything from random radio bytes', () => {
    const s = stage();
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 31 }), { maxLength: 3 }),
        fc.array(fc.record({ uuid: fc.constantFrom('feaa', 'fe9f', 'fd6f'), data: fc.uint8Array({ maxLength: 29 }) }), { maxLength: 3 }),
        fc.integer({ min: -128, max: 127 }),
        (manufacturerData, serviceData, rssi) => {
          const out = s.onAdvertisement({ address: '11:22:33:44:55:66', addressType: 'random', rssi, manufacturerData, serviceData, at: at(0) });
          // Random bytes could only be sighted by forging a registered ID or a live EID.
          expect(out).toEqual([]);
        },
      ),
    );
  });
});

// Keep the fixture honest: the shared iBeacon really is the registered one.
it('test fixture: IBEACON encodes to IBEACON_ID', () => {
  expect(IBEACON_ID).toBe(`ibeacon:${IBEACON.uuid}:${IBEACON.major}:${IBEACON.minor}`);
});
