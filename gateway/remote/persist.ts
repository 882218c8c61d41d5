/**
 * The last good remote config, on disk in the gateway's dataDir, so a restart (or a power cut)
 * comes back with what the backend last had applied — even when the broker is unreachable.
 *
 * Written atomically: a temporary file in the same directory, fsync, rename over the old one, fsync
 * the directory (POSIX rename is atomic within a file system; the directory fsync makes the rename
 * itself durable). A reader sees the old file or the new one, never a torn mix. Mode 0600: remote
 * settings may carry an EID identity key.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export const REMOTE_CONFIG_FILE = 'remote-config.json';

const Layer = Type.Object({
  revision: Type.Integer({ minimum: 0 }),
  messageId: Type.String(),
  timestamp: Type.Number(),
  settings: Type.Record(Type.String(), Type.Unknown()),
  /** Gateway wall clock when it was applied. */
  appliedAt: Type.Number(),
});

export const PersistedRemoteConfig = Type.Object({
  v: Type.Literal(1),
  gateway: Type.Optional(Layer),
  site: Type.Optional(Layer),
});

export type PersistedLayer = Static<typeof Layer>;
export type PersistedRemoteConfig = Static<typeof PersistedRemoteConfig>;

export type ReadResult = { ok: true; value: PersistedRemoteConfig | undefined } | { ok: false; reason: string };

/** Reads the persisted layers; a missing file is `value: undefined`, a damaged one an error. Never throws. */
export function readPersistedRemoteConfig(path: string): ReadResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { ok: true, value: undefined };
    return { ok: false, reason: `cannot read ${path}: ${(e as Error).message}` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, reason: `${path} is not JSON: ${(e as Error).message}` };
  }
  if (!Value.Check(PersistedRemoteConfig, value)) return { ok: false, reason: `${path} does not have the expected shape` };
  return { ok: true, value };
}

/** Writes `value` as JSON to `path` atomically (see above). Throws on I/O errors. */
export function writeJsonAtomic(path: string, value: unknown, mode = 0o600): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'w', mode);
  try {
    writeSync(fd, JSON.stringify(value, null, 2) + '\n');
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  try {
    const d = openSync(dir, 'r');
    try {
      fsyncSync(d);
    } finally {
      closeSync(d);
    }
  } catch {
    // Some file systems refuse to fsync a directory; the rename already happened.
  }
}
