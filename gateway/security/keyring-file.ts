/**
 * The backend's keyring file: the signing key of every gateway it accepts sensor communications
 * from, written by `touchpoint provision gateway --keyring <file>` and read by
 * `touchpoint backend --keyring <file>`.
 *
 *   # Touchpoint backend keyring (gateway/security): mode 600, read by the backend only.
 *   keys:
 *     - siteId: store-12
 *       gatewayId: gw-store12-a
 *       signingKey: gw-store12-a.k1:<base64url of 32 bytes>
 *
 * Why a file of its own and not the site registry: the registry is copied into every gateway's
 * bundle (gateway/provision/bundle.ts), so a key there would let any gateway of the site sign as
 * any other. This file never leaves the backend.
 *
 * A key is bound to its site as well as its gateway: gateway IDs are unique per site only, so the
 * lookup is by (siteId, keyId) and a key of gw-a at store-12 does not verify gw-a at store-99.
 *
 * Problems are reported by entry index and field, never with the key text (the file is nothing but
 * secrets; a YAML syntax error gives its position and first line only).
 */
import { chmodSync, existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { isValidTopicId } from '../../protocol/messages/index.js';
import { parseYamlSource } from '../config/yaml-source.js';
import { formatSigningKey, parseSigningKey, type KeyEntry, type KeyLookup } from './keys.js';

export interface KeyringFileEntry extends KeyEntry {
  siteId: string;
}

export type KeyringParseResult = { ok: true; entries: KeyringFileEntry[] } | { ok: false; errors: string[] };

export type KeyringLoadResult = { ok: true; entries: KeyringFileEntry[]; warnings: string[] } | { ok: false; errors: string[] };

const HEADER = '# Touchpoint backend keyring (gateway/security): the signing key of every gateway. Keep mode 600;\n# only the backend reads it (never copy it to a gateway). Written by `touchpoint provision gateway --keyring`.\n';

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const slot = (e: Pick<KeyringFileEntry, 'siteId' | 'keyId'>) => `${e.siteId}/${e.keyId}`;

/** Validates decoded keyring data: `{ keys: [...] }`; an empty document is an empty keyring. */
export function validateKeyring(doc: unknown): KeyringParseResult {
  if (doc === null || doc === undefined) return { ok: true, entries: [] };
  const list = isObj(doc) ? doc.keys : undefined;
  if (!isObj(doc) || (list !== undefined && list !== null && !Array.isArray(list))) return { ok: false, errors: ['expected { keys: [ { siteId, gatewayId, signingKey }, … ] }'] };
  const errors: string[] = [];
  const entries: KeyringFileEntry[] = [];
  const seen = new Set<string>();
  (Array.isArray(list) ? list : []).forEach((raw: unknown, i) => {
    const at = `keys[${i}]`;
    if (!isObj(raw)) return errors.push(`${at}: expected a mapping with siteId, gatewayId, signingKey`);
    const extra = Object.keys(raw).filter((k) => !['siteId', 'gatewayId', 'signingKey'].includes(k));
    if (extra.length > 0) return errors.push(`${at}: unknown key ${extra.join(', ')}`);
    if (!isValidTopicId(raw.siteId, 'siteId')) return errors.push(`${at}.siteId: required, [A-Za-z0-9._-]{1,64}`);
    if (!isValidTopicId(raw.gatewayId, 'gatewayId')) return errors.push(`${at}.gatewayId: required, a valid gateway ID`);
    if (typeof raw.signingKey !== 'string') return errors.push(`${at}.signingKey: required, <keyId>:<base64url of 32 bytes>`);
    const k = parseSigningKey(raw.signingKey);
    if (!k.ok) return errors.push(`${at}.signingKey: ${k.reason}`);
    const entry = { siteId: raw.siteId as string, gatewayId: raw.gatewayId as string, keyId: k.key.keyId, key: k.key.key };
    if (seen.has(slot(entry))) return errors.push(`${at}.signingKey: key ID ${entry.keyId} is listed twice for site ${entry.siteId}`);
    seen.add(slot(entry));
    entries.push(entry);
    return undefined;
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, entries };
}

/** Parses keyring text (YAML, so JSON too). `file` is only used in messages. Never throws. */
export function parseKeyringText(text: string, file = 'keyring.yaml'): KeyringParseResult {
  const src = parseYamlSource(text, file);
  if (src.errors.length > 0) return { ok: false, errors: src.errors.map((e) => `${e.file}:${e.line}:${e.col} ${e.message}`) };
  const r = validateKeyring(src.value);
  return r.ok ? r : { ok: false, errors: r.errors.map((e) => `${file}: ${e}`) };
}

/** Reads a keyring file; warns when group or others can read it. Never throws. */
export function loadKeyringFile(path: string): KeyringLoadResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return { ok: false, errors: [`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`] };
  }
  const r = parseKeyringText(text, path);
  if (!r.ok) return r;
  const warnings: string[] = [];
  try {
    if ((statSync(path).mode & 0o077) !== 0) warnings.push(`${path}: readable by group or others; chmod 600`);
  } catch {
    // It was just read; a failing stat changes nothing.
  }
  return { ok: true, entries: r.entries, warnings };
}

/**
 * The verifier's lookup over keyring entries: by the site the message claims and the key ID in
 * its signature (verifySensorCommunication then checks the entry's gateway is the message's).
 */
export function keyringLookup(entries: readonly KeyringFileEntry[]): KeyLookup {
  const bySlot = new Map<string, KeyEntry>();
  for (const e of entries) {
    formatSigningKey(e);
    if (bySlot.has(slot(e))) throw new RangeError(`key ${e.keyId} listed twice for site ${e.siteId}`);
    bySlot.set(slot(e), { keyId: e.keyId, gatewayId: e.gatewayId, key: Uint8Array.from(e.key) });
  }
  return (keyId, claimed) => bySlot.get(`${claimed.siteId}/${keyId}`);
}

export interface WatchedKeyring {
  lookup: KeyLookup;
  /** Entries in use now. */
  size(): number;
}

/**
 * A lookup over a keyring file that picks up gateways provisioned while the backend runs: on a key
 * it does not know, it re-reads the file if its size or mtime changed (at most once per
 * `recheckMs`). A file that no longer parses keeps the keys in use and is reported through `onError`.
 */
export function watchKeyringFile(
  path: string,
  initial: readonly KeyringFileEntry[],
  o: { recheckMs?: number; now?: () => number; onReload?: (entries: number) => void; onError?: (errors: string[]) => void } = {},
): WatchedKeyring {
  const recheckMs = o.recheckMs ?? 1000;
  const now = o.now ?? Date.now;
  let current = keyringLookup(initial);
  let count = initial.length;
  const stamp = () => {
    try {
      const s = statSync(path);
      return `${s.size}/${s.mtimeMs}`;
    } catch {
      return 'missing';
    }
  };
  let lastStamp = stamp();
  let lastCheck = now();
  return {
    size: () => count,
    lookup: (keyId, claimed) => {
      const hit = current(keyId, claimed);
      if (hit || now() - lastCheck < recheckMs) return hit;
      lastCheck = now();
      const s = stamp();
      if (s === lastStamp) return undefined;
      lastStamp = s;
      const r = loadKeyringFile(path);
      if (!r.ok) {
        o.onError?.(r.errors);
        return undefined;
      }
      current = keyringLookup(r.entries);
      count = r.entries.length;
      o.onReload?.(count);
      return current(keyId, claimed);
    },
  };
}

/**
 * Adds one gateway's key to a keyring file (created if missing), keeping comments; written
 * atomically with mode 600. Refuses a gateway of the site that already has a key, and a taken key
 * ID: re-keying is a decision (remove the old entry first), not a side effect of provisioning.
 */
export function addToKeyringFile(path: string, entry: KeyringFileEntry): void {
  const exists = existsSync(path);
  const text = exists ? readFileSync(path, 'utf8') : '';
  const r = parseKeyringText(text, path);
  if (!r.ok) throw new KeyringFileError(r.errors.join('; '));
  const clash = r.entries.find((e) => e.siteId === entry.siteId && (e.gatewayId === entry.gatewayId || e.keyId === entry.keyId));
  if (clash) {
    throw new KeyringFileError(
      clash.gatewayId === entry.gatewayId
        ? `${path} already has a key for gateway ${entry.gatewayId} at site ${entry.siteId} (key ID ${clash.keyId}); remove that entry first to re-key it`
        : `${path} already has key ID ${entry.keyId} at site ${entry.siteId} (gateway ${clash.gatewayId})`,
    );
  }
  const doc = parseDocument(text.trim() === '' ? `${HEADER}keys: []\n` : text);
  const node = doc.createNode({ siteId: entry.siteId, gatewayId: entry.gatewayId, signingKey: formatSigningKey(entry) });
  if (doc.hasIn(['keys']) && doc.getIn(['keys']) !== null) doc.addIn(['keys'], node);
  else doc.setIn(['keys'], doc.createNode([node]));
  // A flow sequence (`keys: []`) would put every key on one line; block style reads better.
  const seq = doc.get('keys', true) as { flow?: boolean } | undefined;
  if (seq) seq.flow = false;
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, doc.toString(), { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

/** A keyring file that cannot be used as it is (UsageError at the CLI). */
export class KeyringFileError extends Error {}
