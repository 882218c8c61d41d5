/**
 * From a decoded beacon frame to the registered beacon it came from.
 *
 * iBeacon, AltBeacon and Eddystone-UID frames carry their identity, so their canonical ID is a
 * formatting step (beacon-id.ts). An Eddystone-EID frame carries a value that rotates every 2^K s;
 * only a resolver holding the beacon's identity key can name it, and it names it by the ID it was
 * registered under — here the canonical `eid:<name>`, so every path ends in the same string.
 * A Touchpoint event frame carries either the beacon's current EID (resolved the same way) or an
 * 8-byte device id derived from the beacon's primary registry ID (eventDeviceId), which only the
 * index can map back. URL, TLM and eTLM frames identify nothing and resolve to null.
 */
import type { BeaconFrame } from '../ble/frames.js';
import { eddystoneMeasuredPower1m } from '../ble/distance.js';
import { hexToBytes } from '../bytes.js';
import { EidResolver, type EidResolverOptions } from '../ble/crypto/eid-resolver.js';
import { eventDeviceId } from '../ble/touchpoint-event.js';
import { formatBeaconId } from '../messages/beacon-id.js';
import type { ValidationIssue } from '../messages/primitives.js';
import type { RegisteredBeacon, SiteRegistry } from './schema.js';

export interface RegistryIndex {
  readonly registry: SiteRegistry;
  /** Every `eid:` beacon of the registry, registered under its canonical ID. */
  readonly eid: EidResolver;
  beacon(beaconId: string): RegisteredBeacon | undefined;
  /** Beacons at a spot, in registry order. */
  atSpot(spot: string): readonly RegisteredBeacon[];
  /** The beacon whose eventDeviceId is `deviceId` (8 bytes hex), as event frames without an EID carry it. */
  byDeviceId(deviceId: string): RegisteredBeacon | undefined;
}

export type IndexResult = { ok: true; index: RegistryIndex } | { ok: false; errors: ValidationIssue[] };

/**
 * Builds the lookup tables and the EID resolver of a *validated* registry (validateSiteRegistry).
 * Never throws: an EID registration the resolver refuses (a bound such as K = 0 with a wide skew
 * window) comes back as an issue at that beacon's path.
 */
export function indexRegistry(registry: SiteRegistry, options: EidResolverOptions = {}): IndexResult {
  let eid: EidResolver;
  try {
    eid = new EidResolver(options);
  } catch (e) {
    return { ok: false, errors: [{ path: '', message: e instanceof Error ? e.message : String(e) }] };
  }
  const byId = new Map<string, RegisteredBeacon>();
  const bySpot = new Map<string, RegisteredBeacon[]>();
  const errors: ValidationIssue[] = [];
  registry.beacons.forEach((b, i) => {
    byId.set(b.beaconId, b);
    const list = bySpot.get(b.spot);
    if (list) list.push(b);
    else bySpot.set(b.spot, [b]);
    if (!b.eid) return;
    try {
      eid.register({
        beaconId: b.beaconId,
        identityKey: hexToBytes(b.eid.identityKey, 16),
        exponent: b.eid.exponent,
        beaconSecondsAt: b.eid.beaconSecondsAt,
        wallMsAt: b.eid.wallMsAt,
      });
    } catch (e) {
      errors.push({ path: `/beacons/${i}/eid`, message: e instanceof Error ? e.message : String(e) });
    }
  });
  if (errors.length > 0) return { ok: false, errors };
  const none: readonly RegisteredBeacon[] = [];
  // One SHA-256 per beacon, so built on the first event frame rather than for every site.
  let byDevice: Map<string, RegisteredBeacon> | undefined;
  const deviceMap = () => {
    if (!byDevice) {
      byDevice = new Map();
      for (const b of registry.beacons) byDevice.set(eventDeviceId(b.beaconId), b);
    }
    return byDevice;
  };
  return {
    ok: true,
    index: {
      registry,
      eid,
      beacon: (id) => byId.get(id),
      atSpot: (spot) => bySpot.get(spot) ?? none,
      byDeviceId: (deviceId) => deviceMap().get(deviceId.toLowerCase()),
    },
  };
}

/**
 * The canonical beacon ID a frame stands for, registered or not; null for frames without an
 * identity and for EIDs no registered beacon could have sent at `nowMs` (wall ms; the resolver
 * accepts a skew window around each beacon's expected clock). Event frames with a device id need
 * the index: see indexedBeaconId.
 */
export function frameBeaconId(frame: BeaconFrame, eid: EidResolver | null, nowMs: number): string | null {
  switch (frame.type) {
    case 'ibeacon':
      return formatBeaconId({ kind: 'ibeacon', uuid: frame.uuid, major: frame.major, minor: frame.minor });
    case 'altbeacon':
      return formatBeaconId({ kind: 'altbeacon', id1: frame.id1, id2: frame.id2, id3: frame.id3 });
    case 'eddystone-uid':
      return formatBeaconId({ kind: 'eddystone-uid', namespace: frame.namespace, instance: frame.instance });
    case 'eddystone-eid':
      return eid?.resolve(frame.eid, nowMs)?.beaconId ?? null;
    case 'touchpoint-event':
      return frame.idKind === 'eid' ? (eid?.resolve(frame.id, nowMs)?.beaconId ?? null) : null;
    default:
      return null;
  }
}

/** Frames whose beacon only the registry can name, and for EIDs only at a given time: resolve them per advertisement. */
export function namedByRegistry(frame: BeaconFrame): boolean {
  return frame.type === 'eddystone-eid' || frame.type === 'touchpoint-event';
}

/** frameBeaconId through a registry index, which also names event frames that carry a device id. */
export function indexedBeaconId(frame: BeaconFrame, index: RegistryIndex, nowMs: number): string | null {
  if (frame.type === 'touchpoint-event' && frame.idKind === 'device') return index.byDeviceId(frame.id)?.beaconId ?? null;
  return frameBeaconId(frame, index.eid, nowMs);
}

/** The registered beacon a decoded frame came from, or null (no identity, unregistered, EID not resolved). */
export function resolveFrame(frame: BeaconFrame, index: RegistryIndex, nowMs: number): RegisteredBeacon | null {
  const id = indexedBeaconId(frame, index, nowMs);
  return id === null ? null : (index.beacon(id) ?? null);
}

/** The calibration a frame carries, as RSSI at 1 m; null when it carries none. */
export function frameMeasuredPower1m(frame: BeaconFrame): number | null {
  switch (frame.type) {
    case 'ibeacon':
      return frame.measuredPower;
    case 'altbeacon':
      return frame.referenceRssi;
    case 'eddystone-uid':
    case 'eddystone-url':
    case 'eddystone-eid':
      // Eddystone calibrates at 0 m (protocols.md §5.1).
      return eddystoneMeasuredPower1m(frame.txPower);
    default:
      return null;
  }
}

/** RSSI at 1 m for distance estimates: the site's own measurement first, then the frame's. */
export function measuredPower1m(frame: BeaconFrame, beacon?: RegisteredBeacon | null): number | null {
  return beacon?.rssiAt1m ?? frameMeasuredPower1m(frame);
}

/**
 * The part of a beacon ID that names an operator rather than a single beacon: the iBeacon
 * proximity UUID, the AltBeacon id1, the Eddystone namespace. `eid:` IDs have none.
 */
export function beaconNamespace(beaconId: string): string | null {
  const [kind, ns] = beaconId.split(':');
  return kind === 'eid' || ns === undefined ? null : ns;
}
