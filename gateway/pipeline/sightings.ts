/**
 * Stage 1: radio advertisements → sightings of known beacons.
 *
 *   RadioAdvertisement ─ decode frames (protocol/ble) ─ name them (canonical ID; EIDs through the
 *   registry's EidResolver) ─ keep registered / configured beacons ─ smooth RSSI ─ range ─ Sighting
 *
 * Most of what a store radio hears is not ours: phones, watches, headphones, each rotating a
 * random address every few minutes. Two bounded caches keep that from costing memory:
 * - per address: the payload last heard and what it decoded to, so a device repeating itself
 *   (phones advertise every 100 ms–1 s) is not decoded again. Capped (LRU) with an idle TTL; a
 *   flood of fresh addresses only evicts, and evictions are counted.
 * - per beacon: the RSSI filter. Only beacons that passed the filter get one, and it is capped too,
 *   because `registeredOnly: false` lets a spoofer mint beacon IDs at will.
 * EID payloads are never served from the address cache: which beacon an EID means depends on
 * the time (the resolver refuses an EID outside its window), so they are resolved every time —
 * one Map lookup (protocol/ble/crypto/eid-resolver.ts).
 *
 * Touchpoint event frames (a beacon's button/touch input, protocol/ble/touchpoint-event.ts) are
 * attributed to the beacon that sent them: their id is its current EID or its registry device id,
 * resolved like an EID, so a burst of event frames keeps the beacon present. The event count is
 * not (yet) an interaction of its own.
 */
import { decodeEddystone, decodeManufacturerData, EDDYSTONE_UUID, estimateDistanceM, type BeaconFrame, type BeaconFrameType } from '../../protocol/ble/index.js';
import type { EidResolverStats } from '../../protocol/ble/index.js';
import { toHex } from '../../protocol/bytes.js';
import { RSSI_MAX_DBM, RSSI_MIN_DBM } from '../../protocol/messages/index.js';
import {
  beaconNamespace,
  frameBeaconId,
  indexedBeaconId,
  measuredPower1m,
  namedByRegistry,
  type RegisteredBeacon,
  type RegistryIndex,
} from '../../protocol/registry/index.js';
import type { RadioAdvertisement, Stamp } from '../core/types.js';
import { BoundedCache, type BoundedCacheStats } from './bounded-cache.js';
import { RssiFilter, type RssiFilterOptions } from './rssi.js';
import type { Sighting } from './types.js';

/** Which identified beacons become sightings. */
export interface BeaconFilter {
  /** Drop beacons the registry does not list (counted as unknown). Default true. */
  registeredOnly?: boolean;
  /** When either list is non-empty, a beacon must match one of them. Canonical beacon IDs. */
  ids?: readonly string[];
  /** iBeacon proximity UUIDs, AltBeacon id1s, Eddystone namespaces (lowercase). */
  namespaces?: readonly string[];
  /** Beacon IDs never to track. */
  exclude?: readonly string[];
  /**
   * Spots whose registered beacons are ignored. The gateway passes its own spot: those beacons
   * are fixtures in permanent range, and counting them would keep the spot occupied forever.
   */
  excludeSpots?: readonly string[];
}

export interface SightingsOptions {
  index: RegistryIndex;
  filter?: BeaconFilter;
  rssi?: RssiFilterOptions;
  /** Path-loss exponent n of the log-distance model (protocol/ble/distance.ts). Default 2. */
  pathLossExponent?: number;
  /** Per-address cache cap. Default 4096. */
  maxAddresses?: number;
  /** Per-address idle expiry. Default 60 000 ms. */
  addressTtlMs?: number;
  /** Per-beacon filter state cap. Default 1024. */
  maxBeacons?: number;
  /** A beacon unheard this long restarts its RSSI filter (stale history). Default 30 000 ms. */
  beaconTtlMs?: number;
}

export const SIGHTINGS_DEFAULTS = {
  maxAddresses: 4096,
  addressTtlMs: 60_000,
  maxBeacons: 1024,
  beaconTtlMs: 30_000,
  pathLossExponent: 2,
} as const;

export interface SightingStats {
  /** Advertisements received. */
  seen: number;
  /** Advertisements with an RSSI outside −127…+20 dBm (127 = "not available", HCI §7.7.65.2). */
  invalidRssi: number;
  /** Advertisements carrying at least one beacon frame. */
  decoded: number;
  /** Advertisements with no beacon frame at all (phones, accessories). */
  noBeacon: number;
  /** Malformed Eddystone service data. */
  frameErrors: number;
  /** Beacon frames whose beacon is not registered, including EIDs nobody could have sent now. */
  unknown: number;
  /** Identified beacons dropped by the configured filter. */
  filtered: number;
  sightings: number;
  /** Advertisements answered from the per-address cache without decoding. */
  cacheHits: number;
  addresses: BoundedCacheStats;
  beacons: BoundedCacheStats;
  eid: EidResolverStats;
}

export interface SightingsStage {
  onAdvertisement(ad: RadioAdvertisement): Sighting[];
  /** Drops idle cache entries; call from the pipeline tick. */
  prune(now: Stamp): void;
  stats(): SightingStats;
}

/** What one advertisement decoded to, minus anything time-dependent. */
interface Identity {
  frame: BeaconFrame;
  frameType: BeaconFrameType;
  /** null: no identity (TLM, URL) or named by the registry (resolved per advertisement). */
  beaconId: string | null;
  /** EID and event frames: resolved through the registry per advertisement (namedByRegistry). */
  perAdvertisement: boolean;
}

interface AddressState {
  fingerprint: string;
  identities: Identity[];
  /** Some identity is resolved per advertisement, so the cached state cannot answer alone. */
  hasEid: boolean;
}

interface BeaconState {
  filter: RssiFilter;
}

function fingerprintOf(ad: RadioAdvertisement): string {
  let s = '';
  for (const m of ad.manufacturerData) s += 'm' + toHex(m);
  for (const d of ad.serviceData) s += 's' + d.uuid + ':' + toHex(d.data);
  return s;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

export function createSightings(options: SightingsOptions): SightingsStage {
  const { index } = options;
  const filter = options.filter ?? {};
  const registeredOnly = filter.registeredOnly ?? true;
  const ids = new Set(filter.ids ?? []);
  const namespaces = new Set((filter.namespaces ?? []).map((n) => n.toLowerCase()));
  const exclude = new Set(filter.exclude ?? []);
  const excludeSpots = new Set(filter.excludeSpots ?? []);
  const n = options.pathLossExponent ?? SIGHTINGS_DEFAULTS.pathLossExponent;
  const rssiOptions = options.rssi ?? {};
  const addresses = new BoundedCache<string, AddressState>(
    options.maxAddresses ?? SIGHTINGS_DEFAULTS.maxAddresses,
    options.addressTtlMs ?? SIGHTINGS_DEFAULTS.addressTtlMs,
  );
  const beacons = new BoundedCache<string, BeaconState>(
    options.maxBeacons ?? SIGHTINGS_DEFAULTS.maxBeacons,
    options.beaconTtlMs ?? SIGHTINGS_DEFAULTS.beaconTtlMs,
  );
  // Throws now, at construction, rather than on the first advertisement.
  new RssiFilter(rssiOptions);

  const counters = { seen: 0, invalidRssi: 0, decoded: 0, noBeacon: 0, frameErrors: 0, unknown: 0, filtered: 0, sightings: 0, cacheHits: 0 };

  function decode(ad: RadioAdvertisement, fingerprint: string): AddressState {
    const identities: Identity[] = [];
    let hasEid = false;
    for (const m of ad.manufacturerData) {
      const f = decodeManufacturerData(m);
      if (!f) continue;
      const perAdvertisement = namedByRegistry(f);
      if (perAdvertisement) hasEid = true;
      identities.push({ frame: f, frameType: f.type, beaconId: perAdvertisement ? null : frameBeaconId(f, null, 0), perAdvertisement });
    }
    for (const d of ad.serviceData) {
      if (d.uuid !== EDDYSTONE_UUID) continue;
      const r = decodeEddystone(d.data);
      if (!r.ok) {
        counters.frameErrors++;
        continue;
      }
      // EID identity depends on the time: resolved per advertisement, never cached.
      const perAdvertisement = namedByRegistry(r.frame);
      if (perAdvertisement) hasEid = true;
      identities.push({ frame: r.frame, frameType: r.frame.type, beaconId: perAdvertisement ? null : frameBeaconId(r.frame, null, 0), perAdvertisement });
    }
    return { fingerprint, identities, hasEid };
  }

  /** 'ok' or why the beacon is dropped. */
  function admit(beaconId: string, beacon: RegisteredBeacon | undefined): 'ok' | 'unknown' | 'filtered' {
    if (!beacon && registeredOnly) return 'unknown';
    if (exclude.has(beaconId)) return 'filtered';
    if (beacon && excludeSpots.has(beacon.spot)) return 'filtered';
    if (ids.size === 0 && namespaces.size === 0) return 'ok';
    if (ids.has(beaconId)) return 'ok';
    const ns = beaconNamespace(beaconId);
    return ns !== null && namespaces.has(ns) ? 'ok' : 'filtered';
  }

  return {
    onAdvertisement(ad) {
      counters.seen++;
      if (!(ad.rssi >= RSSI_MIN_DBM && ad.rssi <= RSSI_MAX_DBM)) {
        counters.invalidRssi++;
        return [];
      }
      const mono = ad.at.monoMs;
      const fingerprint = fingerprintOf(ad);
      let state = addresses.get(ad.address, mono);
      if (state && state.fingerprint === fingerprint && !state.hasEid) {
        counters.cacheHits++;
      } else {
        state = decode(ad, fingerprint);
        addresses.set(ad.address, state, mono);
      }
      if (state.identities.length === 0) {
        counters.noBeacon++;
        return [];
      }
      counters.decoded++;

      const out: Sighting[] = [];
      const seenHere = new Set<string>();
      for (const ident of state.identities) {
        let beaconId = ident.beaconId;
        if (ident.perAdvertisement) {
          beaconId = indexedBeaconId(ident.frame, index, ad.at.wallMs);
          if (beaconId === null) {
            counters.unknown++;
            continue;
          }
        }
        // TLM, eTLM and URL frames name nothing; they are telemetry, not presence.
        if (beaconId === null || seenHere.has(beaconId)) continue;
        seenHere.add(beaconId);
        const beacon = index.beacon(beaconId);
        const verdict = admit(beaconId, beacon);
        if (verdict !== 'ok') {
          counters[verdict]++;
          continue;
        }
        let bs = beacons.get(beaconId, mono);
        if (!bs) {
          bs = { filter: new RssiFilter(rssiOptions) };
          beacons.set(beaconId, bs, mono);
        }
        const smoothedRssi = round2(bs.filter.push(ad.rssi));
        const p1m = measuredPower1m(ident.frame, beacon);
        const sighting: Sighting = {
          beaconId,
          registered: beacon !== undefined,
          rssi: ad.rssi,
          smoothedRssi,
          at: ad.at,
          frameType: ident.frameType,
          address: ad.address,
        };
        if (beacon) sighting.spot = beacon.spot;
        if (beacon?.item) sighting.item = beacon.item;
        if (p1m !== null) sighting.distanceM = round2(estimateDistanceM(smoothedRssi, p1m, { pathLossExponent: n }));
        out.push(sighting);
      }
      counters.sightings += out.length;
      return out;
    },

    prune(now) {
      addresses.prune(now.monoMs);
      beacons.prune(now.monoMs);
    },

    stats() {
      return { ...counters, addresses: addresses.stats(), beacons: beacons.stats(), eid: index.eid.stats() };
    },
  };
}
