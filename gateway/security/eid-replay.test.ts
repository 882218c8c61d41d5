/**
 * Privacy: an Eddystone-EID rotates every 2^K s so that a listener cannot follow a tag. Someone who
 * records one EID and broadcasts it again later must not be taken for the beacon once the EID's
 * rotation period plus the accepted clock skew is over (protocol/ble/crypto/eid-resolver.ts,
 * "Replay"): tested here through the gateway's own sightings stage and the whole pipeline, with the
 * skew coming from the gateway config (registry.eidSkewSeconds), not through the resolver alone.
 */
import { describe, expect, it } from 'vitest';
import { computeEid, hexToBytes, toHex } from '../../protocol/ble/index.js';
import { indexRegistry, type SiteRegistry } from '../../protocol/registry/index.js';
import { parseConfigText } from '../config/index.js';
import type { RadioAdvertisement } from '../core/types.js';
import { createPipeline } from '../pipeline/compose.js';
import { createSightings } from '../pipeline/sightings.js';
import { eddystoneAd, ManualClock, WALL0 } from '../pipeline/test-support.js';
import type { UnstampedSensorCommunication } from '../pipeline/types.js';

// The cart tag: K = 4 (a new EID every 16 s), beacon clock 1000 s at WALL0 (the registry's reference).
const IK_HEX = 'a0a1a2a3a4a5a6a7a8a9aaabacadaeaf';
const IK = hexToBytes(IK_HEX);
const K = 4;
const T0 = 1000;
const SPOT_ID = 'ibeacon:f7826da6-4fa2-4e98-8024-bc5b71e0893e:100:1';

const REGISTRY: SiteRegistry = {
  v: 1,
  siteId: 'store-12',
  beacons: [
    { beaconId: SPOT_ID, spot: 'endcap-3' },
    { beaconId: 'eid:cart-1', spot: 'cart', eid: { identityKey: IK_HEX, exponent: K, beaconSecondsAt: T0, wallMsAt: WALL0 } },
  ],
};

/** The EID the tag broadcasts at beacon time `t` (s). */
const eidAt = (t: number) => toHex(computeEid(IK, K, t).eid);
/** Script ms at which the beacon's clock reads `t` (the tag's clock runs true in these tests). */
const msAt = (t: number) => (t - T0) * 1000;
const ad = (t: number, eid: string, address = 'd0:00:00:00:00:01'): RadioAdvertisement =>
  eddystoneAd(msAt(t), -60, { type: 'eddystone-eid', eid, txPower: -20 }, address);

function sightings(skewSeconds?: number) {
  const r = indexRegistry(REGISTRY, skewSeconds === undefined ? {} : { skewSeconds });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return createSightings({ index: r.index });
}

describe('a captured EID replayed after its rotation period (+ skew) is not the beacon', () => {
  // Captured at t = 1000, in the quantum [992, 1008). With skew S, a quantum is accepted while it
  // overlaps [now − S, now + S], i.e. until now = 1008 + S.
  const captured = eidAt(T0);

  it('default skew (600 s): accepted up to 1008 + 600 s, refused from then on, by any address', () => {
    const s = sightings();
    expect(s.onAdvertisement(ad(T0, captured)).map((x) => x.beaconId)).toEqual(['eid:cart-1']);
    expect(s.onAdvertisement(ad(1607.999, captured, 'd0:00:00:00:00:02')).map((x) => x.beaconId)).toEqual(['eid:cart-1']);
    expect(s.onAdvertisement(ad(1608, captured, 'd0:00:00:00:00:03'))).toEqual([]);
    expect(s.onAdvertisement(ad(1608, captured, 'd0:00:00:00:00:01'))).toEqual([]);
    expect(s.onAdvertisement(ad(T0 + 86_400, captured, 'd0:00:00:00:00:04'))).toEqual([]);
    expect(s.stats().unknown).toBe(3);
    // the genuine tag, broadcasting its current EID at the same moments, is still recognised
    expect(s.onAdvertisement(ad(1608, eidAt(1608))).map((x) => x.beaconId)).toEqual(['eid:cart-1']);
  });

  it('a tight skew (2 s) shrinks the replay tolerance to the rotation period plus 2 s', () => {
    const s = sightings(2);
    expect(s.onAdvertisement(ad(T0, captured)).map((x) => x.beaconId)).toEqual(['eid:cart-1']);
    expect(s.onAdvertisement(ad(1009.5, captured))).toHaveLength(1);
    expect(s.onAdvertisement(ad(1010, captured))).toEqual([]);
    expect(s.onAdvertisement(ad(1010, eidAt(1010)))).toHaveLength(1);
  });

  it('an EID from an hour ahead (recorded from a tag whose clock ran fast) is refused now: a window, not a floor', () => {
    const s = sightings(2);
    expect(s.onAdvertisement(ad(T0, eidAt(T0 + 3600)))).toEqual([]);
    expect(s.stats().unknown).toBe(1);
  });

  it('through the whole pipeline: a replayed EID keeps no visit open and produces no dwell, the genuine tag does', () => {
    const cfg = parseConfigText(
      `gateway: { id: gw-store12-a, siteId: store-12, spot: endcap-3 }
registry: { eidSkewSeconds: 2 }
pipeline:
  dwell: { intervalMs: 1000, thresholdMs: 10000 }
  inactivityMs: 30000
  left: always
`,
      'gateway.yaml',
      { env: {} },
    );
    if (!cfg.ok) throw new Error(JSON.stringify(cfg.errors));
    const run = (eidFor: (t: number) => string) => {
      const clock = new ManualClock();
      const p = createPipeline({ config: cfg.config, registry: REGISTRY, clock });
      const bodies: UnstampedSensorCommunication[] = [];
      p.on((b) => bodies.push(b));
      // 40 s at one advertisement per second, starting 20 s after the capture: well past 16 s + 2 s
      for (let t = T0 + 20; t < T0 + 60; t++) {
        clock.monoMs = msAt(t);
        p.onAdvertisement(ad(t, eidFor(t)));
        p.tick();
      }
      return { bodies, stats: p.stats().sightings };
    };
    const replay = run(() => captured);
    expect(replay.bodies).toEqual([]);
    expect(replay.stats.sightings).toBe(0);
    expect(replay.stats.unknown).toBe(40);

    const genuine = run(eidAt);
    expect(genuine.bodies.map((b) => b.interaction.type)).toContain('dwell');
    expect(genuine.stats.sightings).toBe(40);
  });
});
