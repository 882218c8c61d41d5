/** The SQLite schema: migrations are idempotent, refuse a newer schema, and the match lookups use their indexes. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, MIGRATIONS, SchemaTooNewError, schemaVersion } from './migrations.js';
import { BackendStore } from './store.js';
import { sensorComm, T0 } from './test-support.js';

const dirs: string[] = [];
const opened: { close(): void }[] = [];
afterEach(() => {
  for (const o of opened.splice(0)) o.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDb(): string {
  const d = mkdtempSync(join(tmpdir(), 'tp-backend-'));
  dirs.push(d);
  return join(d, 'backend.db');
}

const tables = (db: Database.Database) =>
  db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'index') AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all();

describe('backend schema migrations', () => {
  it('applies every migration once; running again (or reopening) changes nothing and keeps the data', () => {
    const path = tempDb();
    const first = new BackendStore(path);
    opened.push(first);
    const latest = MIGRATIONS[MIGRATIONS.length - 1]!.version;
    expect(first.migration).toEqual({ from: 0, to: latest, applied: MIGRATIONS.map((m) => m.version) });
    expect(first.insertSensor(sensorComm({ seq: 1, ts: T0 }), { centreMs: T0, halfWidthMs: 5000 }, T0)).toBe(true);
    const schema = tables(first.db);
    expect(migrate(first.db)).toEqual({ from: latest, to: latest, applied: [] });
    first.close();

    const again = new BackendStore(path);
    opened.push(again);
    expect(again.migration.applied).toEqual([]);
    expect(tables(again.db)).toEqual(schema);
    expect(again.db.prepare('SELECT version, name FROM schema_migrations').all()).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
    expect(again.db.prepare('SELECT COUNT(*) FROM sensor_communications').pluck().get()).toBe(1);
    expect(again.db.pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('two connections migrating the same file at once apply each migration exactly once', () => {
    const path = tempDb();
    const a = new Database(path);
    const b = new Database(path);
    opened.push(a, b);
    const ra = migrate(a);
    const rb = migrate(b);
    expect([...ra.applied, ...rb.applied]).toEqual(MIGRATIONS.map((m) => m.version));
    expect(b.prepare('SELECT COUNT(*) FROM schema_migrations').pluck().get()).toBe(MIGRATIONS.length);
  });

  it('refuses a database written by a newer backend', () => {
    const path = tempDb();
    const db = new Database(path);
    opened.push(db);
    migrate(db);
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(999, 'from the future', 0);
    expect(schemaVersion(db)).toBe(999);
    expect(() => migrate(db)).toThrow(SchemaTooNewError);
    expect(() => new BackendStore(path)).toThrow(/version 999/);
  });

  it('answers the match lookups from their indexes (no table scans)', () => {
    const s = new BackendStore(':memory:');
    opened.push(s);
    const plan = (sql: string) => (s.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join('; ');
    expect(plan("SELECT * FROM sensor_communications WHERE site_id = 's' AND sensor_id = 'b' AND ts_ref BETWEEN 1 AND 2")).toMatch(/USING (COVERING )?INDEX sensor_communications_match/);
    expect(plan("SELECT * FROM user_communications WHERE site_id = 's' AND sensor_id = 'b' AND ts BETWEEN 1 AND 2")).toMatch(/USING (COVERING )?INDEX user_communications_match/);
    expect(plan("SELECT customer_key FROM crm_identifiers WHERE standard = 'google-v1' AND field = 'email' AND sha256 = 'x'")).toMatch(/PRIMARY KEY|USING .*INDEX/);
    expect(plan("SELECT SUM(score) FROM interest_events WHERE device_id = 'd' AND item_id = 'i' AND at > 1 AND at <= 2")).toMatch(/USING .*(interest_events_window|PRIMARY KEY)/);
    expect(plan("SELECT 1 FROM content_items WHERE device_id = 'd' AND item_id = 'i' AND created_at > 1 AND status != 'failed'")).toMatch(/USING (COVERING )?INDEX content_items_rate/);
  });
});
