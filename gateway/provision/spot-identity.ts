/**
 * What `provision beacon` and `provision gateway` share: the beacon identities a spot gets (a
 * registered Eddystone-EID name with a fresh identity key, iBeacon and Eddystone-UID IDs that are
 * not yet taken in the site) and the site registry file they are added to.
 *
 * The registry file is the one the backend reads (protocol/registry). It is read with its comments
 * and `${SECRET:…}` / `${ENV:…}` references left as they are, checked, and written back with only the
 * new entries added — so a hand-kept registry keeps its comments and its references.
 */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import YAML, { type Document } from 'yaml';
import { bytesToUuid } from '../../protocol/ble/bytes.js';
import { toHex } from '../../protocol/bytes.js';
import { formatBeaconId } from '../../protocol/messages/beacon-id.js';
import { type RegisteredBeacon, type RegistryGatewayEntry, type SiteRegistry, validateSiteRegistry } from '../../protocol/registry/index.js';
import { UsageError } from '../cli/io.js';

/** A stable per-site value: the first n bytes of SHA-256(label:site). */
export function siteHash(label: string, site: string, n: number): Uint8Array {
  return Uint8Array.from(createHash('sha256').update(`${label}:${site}`).digest().subarray(0, n));
}

/** The site's iBeacon proximity UUID, unless one is given. */
export const siteIbeaconUuid = (site: string): string => bytesToUuid(siteHash('touchpoint-ibeacon-uuid', site, 16));

export function siteIbeaconMajor(site: string): number {
  const b = siteHash('touchpoint-ibeacon-major', site, 2);
  return (b[0]! << 8) | b[1]!;
}

/** The namespace is per site (Eddystone-UID README: the first 10 bytes of SHA-1 of a domain you own). */
export const siteEddystoneNamespace = (site: string): string => createHash('sha1').update(`${site}.touchpoint`).digest('hex').slice(0, 20);

/** The registered name of a spot's EID beacon: `eid:<site>.<spot>` (at most 64 characters of name). */
export const spotEidBeaconId = (site: string, spot: string): string => formatBeaconId({ kind: 'eid', registeredId: `${site}.${spot}`.slice(0, 64) });

export interface SpotIdsRequest {
  site: string;
  spot: string;
  eid: boolean;
  ibeacon: boolean;
  uid: boolean;
  /** Beacon IDs already in the site registry. */
  taken: ReadonlySet<string>;
  random: (n: number) => Uint8Array;
  uuid?: string;
  major?: number;
  minor?: number;
  namespace?: string;
}

export interface SpotIds {
  /** In the order eid, ibeacon, eddystone-uid (the first is the spot's primary ID). */
  ids: string[];
  uuid: string;
  major: number;
  minor: number;
  namespace: string;
  instance: string;
}

/**
 * Picks iBeacon minor and Eddystone-UID instance values that are not in the registry yet (random, up
 * to 16 tries). One EID beacon per spot name: a second one for the same spot is refused.
 */
export function allocateSpotIds(r: SpotIdsRequest): SpotIds {
  const uuid = r.uuid ?? siteIbeaconUuid(r.site);
  const major = r.major ?? siteIbeaconMajor(r.site);
  const namespace = r.namespace ?? siteEddystoneNamespace(r.site);
  for (let attempt = 0; attempt < 16; attempt++) {
    const r2 = r.random(2);
    const minor = r.minor ?? (r2[0]! << 8) | r2[1]!;
    const instance = toHex(r.random(6));
    const ids: string[] = [];
    if (r.eid) ids.push(spotEidBeaconId(r.site, r.spot));
    if (r.ibeacon) ids.push(formatBeaconId({ kind: 'ibeacon', uuid, major, minor }));
    if (r.uid) ids.push(formatBeaconId({ kind: 'eddystone-uid', namespace, instance }));
    if (!ids.some((id) => r.taken.has(id))) return { ids, uuid, major, minor, namespace, instance };
    const fixedIbeacon = ids.find((id) => id.startsWith('ibeacon:') && r.taken.has(id));
    if (r.minor !== undefined && fixedIbeacon) throw new UsageError(`${fixedIbeacon} is already in the registry`);
    const eid = ids.find((id) => id.startsWith('eid:') && r.taken.has(id));
    if (eid) throw new UsageError(`${eid} is already in the registry (one EID beacon per spot name)`);
  }
  throw new UsageError('could not pick unused iBeacon minor / UID instance values in the registry');
}

/** A site registry file as read: its value, and the parsed YAML document to add entries to. */
export interface RegistryFile {
  path: string;
  registry: SiteRegistry;
  /** false when the file did not exist (it is created on save). */
  exists: boolean;
  /** YAML files only: the document, comments included. */
  doc?: Document;
}

const isJson = (path: string) => !/\.ya?ml$/i.test(path);
const REFERENCE = /\$\{/;

/**
 * The registry with `${…}` references in identity keys replaced by a placeholder key, for checking
 * only: references are resolved by whoever loads the file (gateway/config), not here.
 */
function checkable(value: unknown): unknown {
  const copy = structuredClone(value) as { beacons?: unknown };
  if (Array.isArray(copy?.beacons)) {
    for (const b of copy.beacons as { eid?: { identityKey?: unknown } }[]) {
      if (typeof b?.eid?.identityKey === 'string' && REFERENCE.test(b.eid.identityKey)) b.eid.identityKey = '00'.repeat(16);
    }
  }
  return copy;
}

function invalid(prefix: string, value: unknown): string | null {
  const r = validateSiteRegistry(checkable(value));
  return r.ok ? null : `${prefix}: ${r.errors.map((e) => `${e.path} ${e.message}`).join('; ')}`;
}

/** Reads a registry file (YAML, or JSON unless the name ends in .yaml/.yml); a missing file is an empty registry of `site`. */
export function readRegistryFile(path: string, site: string, option = '--registry'): RegistryFile {
  if (!existsSync(path)) return { path, registry: { v: 1, siteId: site, beacons: [] }, exists: false };
  const text = readFileSync(path, 'utf8');
  let value: unknown;
  let doc: Document | undefined;
  try {
    if (isJson(path)) value = JSON.parse(text);
    else {
      doc = YAML.parseDocument(text, { uniqueKeys: true });
      if (doc.errors.length > 0) throw new Error(doc.errors[0]!.message.split('\n')[0]);
      value = doc.toJS({ maxAliasCount: 100 });
    }
  } catch (e) {
    throw new UsageError(`${option} ${path}: ${(e as Error).message}`);
  }
  const bad = invalid(`${option} ${path}`, value);
  if (bad) throw new UsageError(bad);
  const registry = value as SiteRegistry;
  if (registry.siteId !== site) throw new UsageError(`${option} ${path} is for site ${registry.siteId}, not ${site}`);
  return { path, registry, exists: true, ...(doc ? { doc } : {}) };
}

export interface RegistryAdditions {
  beacons?: readonly RegisteredBeacon[];
  gateways?: readonly RegistryGatewayEntry[];
}

/** The registry with the additions, checked as a whole (uniqueness, gateways at spots with beacons). */
export function withAdditions(file: RegistryFile, add: RegistryAdditions): SiteRegistry {
  const next: SiteRegistry = { ...file.registry, beacons: [...file.registry.beacons, ...(add.beacons ?? [])] };
  if (add.gateways && add.gateways.length > 0) next.gateways = [...(file.registry.gateways ?? []), ...add.gateways];
  const bad = invalid('registry would be invalid', next);
  if (bad) throw new UsageError(bad);
  return next;
}

/**
 * Adds entries and writes the file atomically with mode 600 (it holds identity keys). YAML files keep
 * their comments and references; new files and JSON files are written whole.
 */
export function saveRegistryFile(file: RegistryFile, add: RegistryAdditions): SiteRegistry {
  const next = withAdditions(file, add);
  let text: string;
  if (file.doc) {
    const doc = file.doc;
    for (const b of add.beacons ?? []) doc.addIn(['beacons'], doc.createNode(b));
    if (add.gateways && add.gateways.length > 0) {
      if (doc.hasIn(['gateways'])) for (const g of add.gateways) doc.addIn(['gateways'], doc.createNode(g));
      else doc.setIn(['gateways'], doc.createNode([...add.gateways]));
    }
    text = doc.toString();
  } else {
    text = isJson(file.path) ? JSON.stringify(next, null, 2) + '\n' : YAML.stringify(next);
  }
  const tmp = `${file.path}.tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file.path);
  return next;
}
