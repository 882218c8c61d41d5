/**
 * A read-only look into an outbox file for support bundles and health reports: queue depths, the
 * age of the oldest queued message, the next seq, recent boots and a dead-letter summary by reason.
 *
 * It opens the SQLite file read-only and never through openOutbox, which would record a boot and
 * take the owner's lock. While the gateway runs it holds the file with locking_mode=EXCLUSIVE
 * (publish/outbox.ts), so this reports `busy` and the caller asks the running gateway instead (its
 * Prometheus endpoint). Table names are the outbox's schema version 1.
 */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';

export interface DeadLetterReason {
  reason: string;
  count: number;
  firstDeadAt: number;
  lastDeadAt: number;
}

export interface OutboxSummary {
  path: string;
  schemaVersion: number;
  gatewayId?: string;
  nextSeq?: number;
  queued: { sensor: number; telemetry: number };
  /** created_at of the oldest queued sensor communication, epoch ms. */
  oldestQueuedAt?: number;
  deadLetters: { total: number; byReason: DeadLetterReason[] };
  boots: { bootId: string; startedAt: number; nextSeq: number }[];
}

export type OutboxSummaryResult = { ok: true; summary: OutboxSummary } | { ok: false; reason: 'missing' | 'busy' | 'error'; message: string };

/** Class codes of the outbox table (publish/outbox.ts CLASS_CODE). */
const SENSOR = 0;

export function readOutboxSummary(path: string): OutboxSummaryResult {
  if (!existsSync(path)) return { ok: false, reason: 'missing', message: `no outbox at ${path}` };
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true, timeout: 200 });
    const version = db.pragma('user_version', { simple: true }) as number;
    const meta = db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'gateway_id'").get();
    const seq = db.prepare<[], { next_seq: number }>('SELECT next_seq FROM sequence WHERE id = 1').get();
    const classes = db.prepare<[], { class: number; n: number }>('SELECT class, COUNT(*) AS n FROM outbox GROUP BY class').all();
    const oldest = db.prepare<[number], { t: number | null }>('SELECT MIN(created_at) AS t FROM outbox WHERE class = ?').get(SENSOR);
    const dead = db
      .prepare<[], { reason: string; count: number; first: number; last: number }>(
        'SELECT reason, COUNT(*) AS count, MIN(dead_at) AS first, MAX(dead_at) AS last FROM dead_letter GROUP BY reason ORDER BY count DESC LIMIT 20',
      )
      .all();
    const deadTotal = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM dead_letter').get()?.n ?? 0;
    const boots = db
      .prepare<[], { boot_id: string; started_at: number; next_seq: number }>('SELECT boot_id, started_at, next_seq FROM boots ORDER BY started_at DESC LIMIT 10')
      .all();
    const summary: OutboxSummary = {
      path,
      schemaVersion: version,
      ...(meta ? { gatewayId: meta.value } : {}),
      ...(seq ? { nextSeq: seq.next_seq } : {}),
      queued: {
        sensor: classes.find((c) => c.class === SENSOR)?.n ?? 0,
        telemetry: classes.filter((c) => c.class !== SENSOR).reduce((a, c) => a + c.n, 0),
      },
      ...(oldest?.t != null ? { oldestQueuedAt: oldest.t } : {}),
      deadLetters: { total: deadTotal, byReason: dead.map((d) => ({ reason: d.reason, count: d.count, firstDeadAt: d.first, lastDeadAt: d.last })) },
      boots: boots.map((b) => ({ bootId: b.boot_id, startedAt: b.started_at, nextSeq: b.next_seq })),
    };
    return { ok: true, summary };
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
      return { ok: false, reason: 'busy', message: 'the outbox is held by the running gateway (read its health from the metrics endpoint)' };
    }
    return { ok: false, reason: 'error', message: e instanceof Error ? e.message : String(e) };
  } finally {
    db?.close();
  }
}
