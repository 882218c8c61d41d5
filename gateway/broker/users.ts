/**
 * The broker's users file: one entry per gateway, backend or phone credential, YAML or JSON.
 *
 *   users:
 *     - username: gw-store12-a
 *       role: gateway            # may publish only under tp/v1/<site>/<gateway>/…
 *       site: store-12
 *       gateway: gw-store12-a    # default: the username; also the only client ID it may use
 *       password: $scrypt$n=16384,r=8,p=5$<salt b64>$<hash b64>
 *     - { username: backend, role: backend, password: … }
 *     - { username: app, role: phone, site: store-12, password: … }   # deviceHash optional
 *
 * Passwords are scrypt hashes (node:crypto), never plain text. Default cost N=2^14, r=8, p=5: one of
 * the equivalent settings the OWASP Password Storage Cheat Sheet lists for scrypt (2^17/8/1 needs
 * 128 MiB per check, too much for a Pi broker when every gateway reconnects at once). The cost is
 * stored in the hash, so it can be raised later without invalidating old entries.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import YAML from 'yaml';
import { isValidTopicId } from '../../protocol/messages/index.js';

export type Role = 'gateway' | 'backend' | 'phone';
export const ROLES: readonly Role[] = ['gateway', 'backend', 'phone'];

export interface UserEntry {
  username: string;
  role: Role;
  /** `$scrypt$n=…,r=…,p=…$<salt>$<hash>` */
  password: string;
  /** gateway and phone: the site they belong to. */
  site?: string;
  /** gateway: its gateway ID (defaults to the username). */
  gateway?: string;
  /** phone: sha256(deviceId) of the one device this credential is for; absent = derived from the client ID. */
  deviceHash?: string;
}

export interface ScryptCost {
  N: number;
  r: number;
  p: number;
}

export const DEFAULT_SCRYPT_COST: ScryptCost = { N: 16384, r: 8, p: 5 };
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
const HASH_RE = /^\$scrypt\$n=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

function scryptAsync(password: string, salt: Buffer, keylen: number, cost: ScryptCost): Promise<Buffer> {
  // maxmem: node's 32 MiB default is below 128·N·r for larger N; allow twice the need.
  const options: ScryptOptions = { N: cost.N, r: cost.r, p: cost.p, maxmem: 256 * cost.N * cost.r + 1024 * 1024 };
  return new Promise((resolve, reject) => scrypt(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashPassword(password: string, cost: ScryptCost = DEFAULT_SCRYPT_COST): Promise<string> {
  if (password.length === 0) throw new RangeError('password must not be empty');
  const salt = randomBytes(SALT_LENGTH);
  const key = await scryptAsync(password, salt, KEY_LENGTH, cost);
  return `$scrypt$n=${cost.N},r=${cost.r},p=${cost.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export function isPasswordHash(s: unknown): s is string {
  return typeof s === 'string' && HASH_RE.test(s);
}

// A fixed hash to spend the same time on unknown usernames, so timing does not reveal which exist.
let dummyHash: Promise<string> | undefined;

/** Constant-time check of `password` against a stored hash. Never throws; a malformed hash is a mismatch. */
export async function verifyPassword(password: string | Buffer | undefined, encoded: string | undefined): Promise<boolean> {
  const target = encoded ?? (await (dummyHash ??= hashPassword('not-a-real-password')));
  const m = HASH_RE.exec(target);
  if (!m) return false;
  const [, n, r, p, saltB64, keyB64] = m;
  const expected = Buffer.from(keyB64!, 'base64');
  try {
    const got = await scryptAsync(Buffer.isBuffer(password) ? password.toString('utf8') : (password ?? ''), Buffer.from(saltB64!, 'base64'), expected.length, {
      N: Number(n),
      r: Number(r),
      p: Number(p),
    });
    return timingSafeEqual(got, expected) && encoded !== undefined && password !== undefined;
  } catch {
    return false;
  }
}

export type UsersParseResult = { ok: true; users: UserEntry[] } | { ok: false; errors: string[] };

/** Validates the decoded file. Accepts `{ users: [...] }` or a bare array. */
export function validateUsers(doc: unknown): UsersParseResult {
  const list = Array.isArray(doc) ? doc : typeof doc === 'object' && doc !== null ? (doc as { users?: unknown }).users : undefined;
  if (!Array.isArray(list)) return { ok: false, errors: ['expected { users: [ … ] }'] };
  const errors: string[] = [];
  const users: UserEntry[] = [];
  const names = new Set<string>();
  const gateways = new Map<string, string>();
  list.forEach((raw: unknown, i) => {
    const at = `users[${i}]`;
    if (typeof raw !== 'object' || raw === null) return errors.push(`${at}: not an object`);
    const e = raw as Record<string, unknown>;
    const username = e.username;
    if (typeof username !== 'string' || username.length === 0 || username.length > 128) return errors.push(`${at}.username: required string (1–128)`);
    if (names.has(username)) return errors.push(`${at}.username: duplicate ${username}`);
    names.add(username);
    const role = e.role;
    if (typeof role !== 'string' || !ROLES.includes(role as Role)) return errors.push(`${at}.role: one of ${ROLES.join(', ')}`);
    if (!isPasswordHash(e.password)) return errors.push(`${at}.password: must be a $scrypt$ hash (touchpoint broker passwd)`);
    const user: UserEntry = { username, role: role as Role, password: e.password };
    if (role === 'gateway' || role === 'phone') {
      if (!isValidTopicId(e.site, 'siteId')) return errors.push(`${at}.site: required for ${role}, [A-Za-z0-9._-]{1,64}`);
      user.site = e.site as string;
    }
    if (role === 'gateway') {
      const gw = e.gateway ?? username;
      if (!isValidTopicId(gw, 'gatewayId')) return errors.push(`${at}.gateway: not a valid gateway ID (set gateway: explicitly)`);
      const other = gateways.get(gw as string);
      if (other !== undefined) return errors.push(`${at}.gateway: ${String(gw)} already belongs to ${other}`);
      gateways.set(gw as string, username);
      user.gateway = gw as string;
    }
    if (role === 'phone' && e.deviceHash !== undefined) {
      if (!isValidTopicId(e.deviceHash, 'deviceHash')) return errors.push(`${at}.deviceHash: 64 lowercase hex digits`);
      user.deviceHash = e.deviceHash as string;
    }
    users.push(user);
    return undefined;
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, users };
}

const isJsonPath = (path: string) => path.toLowerCase().endsWith('.json');

export function parseUsers(text: string, path = 'users.yaml'): UsersParseResult {
  let doc: unknown;
  try {
    doc = isJsonPath(path) ? JSON.parse(text) : YAML.parse(text);
  } catch (e) {
    return { ok: false, errors: [`${path}: ${e instanceof Error ? e.message : 'parse error'}`] };
  }
  return validateUsers(doc ?? { users: [] });
}

/** Reads and validates a users file; throws with every problem listed. */
export function loadUsers(path: string): UserEntry[] {
  const r = parseUsers(readFileSync(path, 'utf8'), path);
  if (!r.ok) throw new Error(`users file ${path}: ${r.errors.join('; ')}`);
  return r.users;
}

/** Writes atomically (temp file + rename), YAML unless the name ends in .json. */
export function saveUsers(path: string, users: readonly UserEntry[]): void {
  const doc = { users };
  const text = isJsonPath(path) ? JSON.stringify(doc, null, 2) + '\n' : YAML.stringify(doc);
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, path);
}

/** Adds or replaces the entry with the same username. */
export function upsertUser(users: readonly UserEntry[], entry: UserEntry): UserEntry[] {
  const rest = users.filter((u) => u.username !== entry.username);
  return [...rest, entry];
}
