/**
 * `touchpoint scan --resolve`: which registered beacon each advertisement came from, the way the
 * gateway pipeline names it (protocol/registry indexedBeaconId: canonical IDs as they are,
 * rotating Eddystone-EIDs and Touchpoint event frames through the registry's EID identity keys and
 * device ids, at the time the advertisement was heard).
 *
 * Dedupe is per beacon rather than per payload: a beacon rotating slots, or sending a new EID /
 * TLM counter every time, is still one beacon to a technician. A line is printed at most once per
 * interval for each (beacon, frame kind), and for each new event count of an event frame so that a
 * button press always shows; advertisements that name no beacon dedupe per (address, frame kinds).
 */
import { namedByRegistry, indexedBeaconId, indexRegistry, type RegistryIndex } from '../../protocol/registry/index.js';
import type { BeaconFrame } from '../../protocol/ble/index.js';
import type { ItemRef } from '../pipeline/types.js';
import { createDeduper } from '../ble/dedupe.js';
import { formatIssue, loadSiteRegistry, readSecretsFile } from '../config/index.js';
import { UsageError } from './io.js';

/**
 * resolved: a registered beacon. unregistered: the frame names a beacon the registry does not
 * list (an EID or event id no registered key explains, or an ID nobody registered). no-id: only
 * frames without an identity (TLM, URL, eTLM).
 */
export type ScanStatus = 'resolved' | 'unregistered' | 'no-id';

export interface ScanResolution {
  beaconId: string | null;
  spot: string | null;
  item: ItemRef | null;
  resolved: boolean;
  status: ScanStatus;
}

/** Reads and indexes a site registry for the scan; every problem is a UsageError naming file:line:col. */
export function loadScanRegistry(path: string, secretsPath?: string): RegistryIndex {
  let secrets: Record<string, string> | undefined;
  if (secretsPath !== undefined) {
    const s = readSecretsFile(secretsPath);
    if (!s.ok) throw new UsageError(`--secrets ${s.errors.map(formatIssue).join('; ')}`);
    secrets = s.secrets;
  }
  const r = loadSiteRegistry(path, secrets ? { secrets } : {});
  if (!r.ok) throw new UsageError(`--registry ${r.errors.map(formatIssue).join('; ')}`);
  const indexed = indexRegistry(r.registry);
  if (!indexed.ok) throw new UsageError(`--registry ${path}: ${indexed.errors.map((e) => `${e.path} ${e.message}`).join('; ')}`);
  return indexed.index;
}

/** Names the beacon of an advertisement's frames at `wallMs`; the first registered one wins. */
export function resolveFrames(frames: readonly BeaconFrame[], index: RegistryIndex, wallMs: number): ScanResolution & { frame: BeaconFrame | null } {
  let unregistered: { beaconId: string | null; frame: BeaconFrame } | null = null;
  for (const frame of frames) {
    const beaconId = indexedBeaconId(frame, index, wallMs);
    const beacon = beaconId === null ? undefined : index.beacon(beaconId);
    if (beacon) return { beaconId, spot: beacon.spot, item: beacon.item ?? null, resolved: true, status: 'resolved', frame };
    // an ID as such (iBeacon, UID, AltBeacon) or a registry-only ID that nothing explains
    if (!unregistered && (beaconId !== null || namedByRegistry(frame))) unregistered = { beaconId, frame };
  }
  if (unregistered) return { ...unregistered, spot: null, item: null, resolved: false, status: 'unregistered' };
  return { beaconId: null, spot: null, item: null, resolved: false, status: 'no-id', frame: null };
}

export interface ScanResolver {
  /** The fields to add to the advertisement's line, or null when dedupe suppresses it. */
  resolve(address: string, frames: readonly BeaconFrame[], at: { wallMs: number; monoMs: number }): ScanResolution | null;
  stats(): { resolved: number; unregistered: number; noId: number; suppressed: number; beacons: Record<string, number> };
}

export function createScanResolver(index: RegistryIndex, dedupeMs: number): ScanResolver {
  const dedupe = createDeduper({ minIntervalMs: dedupeMs });
  const n = { resolved: 0, unregistered: 0, noId: 0, suppressed: 0 };
  const beacons: Record<string, number> = {};
  return {
    resolve(address, frames, at) {
      const { frame, ...r } = resolveFrames(frames, index, at.wallMs);
      let key: string;
      if (r.beaconId !== null && frame) {
        key = `id|${r.beaconId}|${frame.type}${frame.type === 'touchpoint-event' ? `|${frame.eventCount}` : ''}`;
      } else {
        key = `addr|${address}|${frames.map((f) => f.type).join(',')}`;
      }
      if (!dedupe.admit(key, at.monoMs)) {
        n.suppressed++;
        return null;
      }
      if (r.status === 'resolved') {
        n.resolved++;
        beacons[r.beaconId!] = (beacons[r.beaconId!] ?? 0) + 1;
      } else if (r.status === 'unregistered') n.unregistered++;
      else n.noId++;
      return r;
    },
    stats: () => ({ ...n, beacons: { ...beacons } }),
  };
}
