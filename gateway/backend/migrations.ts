/**
 * The backend's SQLite schema, as numbered migrations. `migrate(db)` applies the ones a database
 * has not had yet, each in its own transaction, and records it in `schema_migrations`; running it
 * again changes nothing. A database written by a newer backend (a version this code does not know)
 * is refused rather than written with an old idea of the schema.
 *
 * Conventions a team can keep: STRICT tables (SQLite ≥ 3.37 checks column types), CHECK
 * constraints for enumerations, one column per queried field (the original JSON payload is kept
 * for audit and is never queried), and an index for every lookup the processor runs:
 *
 *   sensor_communications_match (site_id, sensor_id, ts_ref)  a user communication arrives: which
 *                                                             sensor communications are in its window
 *   user_communications_match   (site_id, sensor_id, ts)      a sensor communication arrives: which
 *                                                             user communications are in its window
 *   crm_identifiers PK          (standard, field, sha256, …)  referencing the user ([0220]–[0224])
 *   interest_events_window      (device_id, item_id, at)      interest level over a window ([0225])
 *   content_items_rate          (device_id, item_id, created_at)  the per-device per-item rate limit
 *   audience_members PK         (item_id, device_id)          export-audience ([0253])
 *
 * Raw CRM values are never stored: crm_identifiers holds hashes and the CRM's customer key only.
 */
import type Database from 'better-sqlite3';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'communications, matches, CRM hashes, interest, audience, content items',
    sql: `
CREATE TABLE sensor_communications (
  message_id        TEXT PRIMARY KEY,
  site_id           TEXT NOT NULL,
  gateway_id        TEXT NOT NULL,
  seq               INTEGER NOT NULL,
  sensor_id         TEXT NOT NULL,
  ts                INTEGER NOT NULL,  -- beacon timestamp 275-1, gateway clock ([0207])
  ts_ref            INTEGER NOT NULL,  -- ts − clock.offsetMs: on the reference clock (match-window.ts)
  half_window_ms    INTEGER NOT NULL,  -- match half-width from the clock quality, when received
  clock_synced      INTEGER NOT NULL CHECK (clock_synced IN (0, 1)),
  clock_offset_ms   REAL NOT NULL,
  clock_source      TEXT CHECK (clock_source IN ('ntp', 'rtc', 'none')),
  interaction_type  TEXT NOT NULL CHECK (interaction_type IN ('approach', 'view', 'touch', 'hold', 'dwell', 'proximity', 'left')),
  started_at        INTEGER NOT NULL,
  ended_at          INTEGER NOT NULL,
  duration_ms       INTEGER NOT NULL,
  rssi_max          REAL,
  rssi_mean         REAL,
  distance_m        REAL,
  touch_channel     INTEGER,
  item_id           TEXT,
  item_type         TEXT,
  area              TEXT,
  received_at       INTEGER NOT NULL,  -- backend clock
  payload           TEXT NOT NULL      -- the validated message as received; audit only
) STRICT;
CREATE INDEX sensor_communications_match ON sensor_communications (site_id, sensor_id, ts_ref);
CREATE INDEX sensor_communications_gateway ON sensor_communications (site_id, gateway_id, seq);

CREATE TABLE user_communications (
  message_id          TEXT PRIMARY KEY,
  site_id             TEXT NOT NULL,
  device_id           TEXT NOT NULL,
  sensor_id           TEXT NOT NULL,
  ts                  INTEGER NOT NULL,  -- device timestamp 275-2 ([0217])
  trigger_type        TEXT NOT NULL CHECK (trigger_type IN ('dwell', 'proximity')),
  trigger_period_ms   INTEGER NOT NULL,
  trigger_max_rssi    REAL NOT NULL,
  trigger_receipts    INTEGER,
  movement_steps      INTEGER,
  movement_accel_peak REAL,
  consent             INTEGER NOT NULL CHECK (consent IN (0, 1)),
  hashing_standard    TEXT,
  follow_up           INTEGER NOT NULL,
  customer_key        TEXT,              -- the referenced first-party user; NULL = anonymous
  received_at         INTEGER NOT NULL,
  payload             TEXT NOT NULL
) STRICT;
CREATE INDEX user_communications_match ON user_communications (site_id, sensor_id, ts);
CREATE INDEX user_communications_device ON user_communications (device_id, ts);

CREATE TABLE user_identifiers (
  message_id  TEXT NOT NULL REFERENCES user_communications (message_id) ON DELETE CASCADE,
  standard    TEXT NOT NULL,
  field       TEXT NOT NULL CHECK (field IN ('email', 'phone', 'firstName', 'lastName', 'zip')),
  sha256      TEXT NOT NULL CHECK (length(sha256) = 64),
  keyed       INTEGER NOT NULL CHECK (keyed IN (0, 1)),
  PRIMARY KEY (message_id, field, sha256)
) STRICT, WITHOUT ROWID;
CREATE INDEX user_identifiers_hash ON user_identifiers (standard, field, sha256);

CREATE TABLE devices (
  device_id     TEXT PRIMARY KEY,
  site_id       TEXT NOT NULL,     -- site of the latest user communication
  device_hash   TEXT NOT NULL,     -- sha256(deviceId): the content topic level
  customer_key  TEXT,              -- as referenced by the latest user communication
  consent       INTEGER NOT NULL CHECK (consent IN (0, 1)),
  latest_ts     INTEGER NOT NULL,  -- device timestamp of that latest communication
  first_seen_at INTEGER NOT NULL,
  last_seen_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX devices_customer ON devices (customer_key);

CREATE TABLE crm_identifiers (
  standard      TEXT NOT NULL,   -- hashing-standard label, e.g. google-v1, meta-v1+gmail-dots-stripped
  field         TEXT NOT NULL CHECK (field IN ('email', 'phone', 'firstName', 'lastName', 'zip')),
  sha256        TEXT NOT NULL CHECK (length(sha256) = 64),
  customer_key  TEXT NOT NULL,
  PRIMARY KEY (standard, field, sha256, customer_key)
) STRICT, WITHOUT ROWID;
CREATE INDEX crm_identifiers_customer ON crm_identifiers (customer_key, standard, field);

CREATE TABLE crm_loads (
  id          INTEGER PRIMARY KEY,
  loaded_at   INTEGER NOT NULL,
  customers   INTEGER NOT NULL,
  hashes      INTEGER NOT NULL,
  rejected    INTEGER NOT NULL
) STRICT;

CREATE TABLE matches (
  sensor_message_id TEXT NOT NULL REFERENCES sensor_communications (message_id),
  user_message_id   TEXT NOT NULL REFERENCES user_communications (message_id),
  site_id           TEXT NOT NULL,
  sensor_id         TEXT NOT NULL,
  device_id         TEXT NOT NULL,
  delta_ms          INTEGER NOT NULL,  -- device ts − sensor ts_ref
  half_window_ms    INTEGER NOT NULL,
  matched_at        INTEGER NOT NULL,
  PRIMARY KEY (sensor_message_id, user_message_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX matches_user ON matches (user_message_id);
CREATE INDEX matches_device ON matches (device_id, matched_at);

CREATE TABLE interest_events (
  device_id        TEXT NOT NULL,
  item_id          TEXT NOT NULL,
  message_id       TEXT NOT NULL,  -- the sensor or user communication the score comes from
  source           TEXT NOT NULL CHECK (source IN ('sensor', 'user')),
  site_id          TEXT NOT NULL,
  sensor_id        TEXT NOT NULL,
  interaction_type TEXT NOT NULL,
  relation         TEXT NOT NULL CHECK (relation IN ('item', 'type', 'area')),
  score            REAL NOT NULL,
  at               INTEGER NOT NULL,  -- event time: device ts or sensor ts_ref
  PRIMARY KEY (device_id, item_id, message_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX interest_events_window ON interest_events (device_id, item_id, at);

CREATE TABLE audience_members (
  item_id          TEXT NOT NULL,
  device_id        TEXT NOT NULL,
  customer_key     TEXT,
  interest         REAL NOT NULL,
  threshold        REAL NOT NULL,
  first_passed_at  INTEGER NOT NULL,
  last_passed_at   INTEGER NOT NULL,
  PRIMARY KEY (item_id, device_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE content_items (
  message_id        TEXT PRIMARY KEY,
  site_id           TEXT NOT NULL,
  device_id         TEXT NOT NULL,
  item_id           TEXT NOT NULL,
  sensor_id         TEXT NOT NULL,
  content_id        TEXT NOT NULL,
  content_kind      TEXT NOT NULL CHECK (content_kind IN ('incentive', 'alternative-location', 'info')),
  interest          REAL NOT NULL,
  threshold         REAL NOT NULL,
  cause_message_id  TEXT NOT NULL,
  created_at        INTEGER NOT NULL,
  expires_at        INTEGER NOT NULL,
  status            TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
  status_at         INTEGER NOT NULL,
  payload           TEXT NOT NULL
) STRICT;
CREATE INDEX content_items_rate ON content_items (device_id, item_id, created_at);
`,
  },
];

export interface MigrationReport {
  from: number;
  to: number;
  applied: number[];
}

export class SchemaTooNewError extends Error {
  override name = 'SchemaTooNewError';
}

export function schemaVersion(db: Database.Database): number {
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (!exists) return 0;
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
  return row.v ?? 0;
}

/** Applies pending migrations. Safe to run from several processes at once (BEGIN IMMEDIATE). */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS, now: () => number = Date.now): MigrationReport {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
  version    INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  applied_at INTEGER NOT NULL
) STRICT`);
  const latest = migrations.reduce((m, x) => Math.max(m, x.version), 0);
  const from = schemaVersion(db);
  if (from > latest) throw new SchemaTooNewError(`database schema is version ${from}; this backend knows up to ${latest}`);
  const applied: number[] = [];
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    // Re-read inside the write lock: another process may have applied it since we looked.
    db.transaction(() => {
      if (schemaVersion(db) >= m.version) return;
      db.exec(m.sql);
      record.run(m.version, m.name, now());
      applied.push(m.version);
    }).immediate();
  }
  return { from, to: schemaVersion(db), applied };
}
