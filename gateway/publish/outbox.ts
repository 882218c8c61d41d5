/**
 * The durable outbox: where a sensor communication is stamped and becomes "accepted".
 *
 * Stamping ([0207]: the gateway generates the sensor communication with the sensor identifier, the
 * beacon timestamp and the interaction data) happens here, in ONE SQLite transaction:
 *   next seq (kept in the DB, never derived from row counts, because acked rows are deleted)
 *   → messageId = <gatewayId>:<bootId>:<seq> (message-id.ts)
 *   → schema validation (an invalid body is rejected with the schema errors; nothing is stored and
 *     no seq is consumed, so seq stays contiguous)
 *   → capacity policy → INSERT → seq + 1 → COMMIT.
 * Only after COMMIT returns does append() report ok: that is the moment the event is accepted.
 *
 * Durability: WAL with synchronous=FULL. In WAL mode NORMAL survives a process crash but a power
 * cut can roll back the last commits (SQLite docs, "PRAGMA synchronous": NORMAL in WAL mode "does
 * not [preserve] durability ... a transaction committed in WAL mode with synchronous=NORMAL might
 * roll back following a power loss"). A shelf Pi loses power; a rolled-back commit would hand out
 * the same seq twice with different content. FULL fsyncs the WAL on every commit; at shelf rates
 * (a few events a minute) that costs nothing.
 *
 * One process owns an outbox: locking_mode=EXCLUSIVE makes a second opener fail with
 * OutboxLockedError instead of publishing the same rows twice.
 *
 * Capacity (explicit and counted): telemetry is shed before sensor communications, oldest first.
 * At the hard limit with only sensor communications left, the default policy `refuse` rejects the
 * new one (reason 'full', counter sensorRefused, onPressure called): the caller learns it at once
 * and no seq is consumed. `drop-oldest` instead deletes the oldest queued one (counter
 * sensorDropped), which the backend then sees as a sequence gap.
 */
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import {
  formatSensorMessageId,
  sensorTopic,
  telemetryTopic,
  TOPIC_DELIVERY,
  validateSensorCommunication,
  validateTelemetry,
  type SensorCommunication,
  type Telemetry,
  type ValidationIssue,
} from '../../protocol/messages/index.js';
import { systemClock, type Clock } from '../core/types.js';

/** A sensor communication before stamping: the outbox adds seq and messageId, and timestamp if absent. */
export type UnstampedSensorCommunication = Omit<SensorCommunication, 'seq' | 'messageId' | 'timestamp'> & {
  /** Beacon timestamp ([0207], 275-1); defaults to the clock's now() at acceptance. */
  timestamp?: number;
};

export type OutboxClass = 'sensor' | 'telemetry';

/** Stored form of a queued message, ready to hand to an MQTT client. */
export interface OutboxRow {
  id: number;
  class: OutboxClass;
  /** Sensor communications only. */
  seq: number | null;
  messageId: string | null;
  topic: string;
  payload: string;
  qos: 0 | 1;
  retain: boolean;
  createdAt: number;
  /** Failed delivery attempts recorded by the publisher (see publisher.ts). */
  attempts: number;
}

export interface DeadLetterRow extends OutboxRow {
  reason: string;
  deadAt: number;
}

export type AppendFailureReason = 'schema' | 'rule' | 'full';

export type AppendResult =
  | { ok: true; seq: number; messageId: string; message: SensorCommunication }
  | { ok: false; reason: AppendFailureReason; errors: ValidationIssue[] };

export type AppendTelemetryResult = { ok: true; id: number } | { ok: false; reason: AppendFailureReason; errors: ValidationIssue[] };

export type SensorFullPolicy = 'refuse' | 'drop-oldest';

export type PressureEvent =
  | { type: 'telemetry-shed'; shed: number; depth: number; capacity: number }
  | { type: 'sensor-refused'; refused: number; depth: number; capacity: number }
  | { type: 'sensor-dropped'; dropped: number; seq: number; depth: number; capacity: number }
  | { type: 'high-water'; depth: number; capacity: number };

export interface OutboxOptions {
  /** SQLite file; its directory must exist. */
  path: string;
  gatewayId: string;
  siteId: string;
  clock?: Clock;
  /** Hard limit on queued messages of both classes. Default 100 000. */
  maxMessages?: number;
  /** Telemetry kept while offline; older reports are shed first. Default 1 000. */
  maxTelemetry?: number;
  /** What happens to a new sensor communication when the outbox is full of them. Default 'refuse'. */
  sensorFullPolicy?: SensorFullPolicy;
  /** 'FULL' (default) or 'EXTRA'; 'NORMAL' only for benchmarks that want to see the fsync cost. */
  synchronous?: 'FULL' | 'EXTRA' | 'NORMAL';
  /** Called on every shed/refuse/drop and once when the queue passes 80 % (default: a JSON line on stderr). */
  onPressure?: (event: PressureEvent) => void;
  /** For tests only: a fixed boot ID instead of a fresh UUID. */
  bootId?: string;
  /**
   * Signs each stamped, validated sensor communication; the result becomes its `signature` field
   * (gateway/security createSensorSigner: HMAC-SHA256 with the provisioned key). The signature
   * covers seq and messageId, so it can only be computed here, inside the stamping transaction.
   */
  sign?: (message: SensorCommunication) => string;
}

export interface OutboxStats {
  gatewayId: string;
  siteId: string;
  bootId: string;
  nextSeq: number;
  sensorDepth: number;
  telemetryDepth: number;
  capacity: number;
  maxTelemetry: number;
  sensorFullPolicy: SensorFullPolicy;
  /** Counters since this process opened the outbox. */
  accepted: number;
  telemetryAccepted: number;
  rejectedInvalid: number;
  sensorRefused: number;
  sensorDropped: number;
  telemetryShed: number;
  deadLettered: number;
  /** Rows in the dead_letter table (all time). */
  deadLetterDepth: number;
}

export class OutboxLockedError extends Error {
  override name = 'OutboxLockedError';
}

const SCHEMA_VERSION = 1;
const CLASS_CODE: Record<OutboxClass, number> = { sensor: 0, telemetry: 1 };
const CLASS_NAME: Record<number, OutboxClass> = { 0: 'sensor', 1: 'telemetry' };
const HIGH_WATER = 0.8;
const HIGH_WATER_RESET = 0.5;

type DbRow = {
  id: number;
  class: number;
  seq: number | null;
  message_id: string | null;
  topic: string;
  payload: string;
  qos: number;
  retain: number;
  created_at: number;
  attempts: number;
};

/** Carries a refusal out of a transaction so better-sqlite3 rolls it back. */
class Rejected extends Error {
  constructor(
    readonly reason: AppendFailureReason,
    readonly errors: ValidationIssue[],
  ) {
    super(reason);
  }
}

const defaultPressure = (e: PressureEvent) => process.stderr.write(JSON.stringify({ outbox: e }) + '\n');

function toRow(r: DbRow): OutboxRow {
  return {
    id: r.id,
    class: CLASS_NAME[r.class] ?? 'telemetry',
    seq: r.seq,
    messageId: r.message_id,
    topic: r.topic,
    payload: r.payload,
    qos: r.qos === 1 ? 1 : 0,
    retain: r.retain === 1,
    createdAt: r.created_at,
    attempts: r.attempts,
  };
}

export class Outbox {
  readonly gatewayId: string;
  readonly siteId: string;
  readonly bootId: string;
  readonly capacity: number;
  readonly maxTelemetry: number;
  readonly sensorFullPolicy: SensorFullPolicy;

  private readonly db: Database.Database;
  private readonly clock: Clock;
  private readonly onPressure: (event: PressureEvent) => void;
  private readonly sign: ((message: SensorCommunication) => string) | undefined;
  private readonly synchronous: 'FULL' | 'EXTRA' | 'NORMAL';
  private readonly listeners = new Set<() => void>();
  private sensorDepth = 0;
  private telemetryDepth = 0;
  private highWater = false;
  private closed = false;
  private readonly counters = {
    accepted: 0,
    telemetryAccepted: 0,
    rejectedInvalid: 0,
    sensorRefused: 0,
    sensorDropped: 0,
    telemetryShed: 0,
    deadLettered: 0,
  };
  private readonly stmt: ReturnType<Outbox['prepareStatements']>;
  private readonly tx: ReturnType<Outbox['prepareTransactions']>;

  constructor(options: OutboxOptions) {
    this.gatewayId = options.gatewayId;
    this.siteId = options.siteId;
    this.clock = options.clock ?? systemClock;
    this.capacity = options.maxMessages ?? 100_000;
    this.maxTelemetry = Math.min(options.maxTelemetry ?? 1_000, this.capacity);
    this.sensorFullPolicy = options.sensorFullPolicy ?? 'refuse';
    this.onPressure = options.onPressure ?? defaultPressure;
    this.sign = options.sign;
    if (!Number.isSafeInteger(this.capacity) || this.capacity < 1) throw new RangeError('maxMessages must be a positive integer');
    if (!Number.isSafeInteger(this.maxTelemetry) || this.maxTelemetry < 0) throw new RangeError('maxTelemetry must be an integer ≥ 0');
    // Both IDs become topic levels and the messageId prefix; a bad one is a config error, so throw now.
    sensorTopic(this.siteId, this.gatewayId);
    this.bootId = options.bootId ?? randomUUID();
    formatSensorMessageId({ gatewayId: this.gatewayId, bootId: this.bootId, seq: 0 });

    this.synchronous = options.synchronous ?? 'FULL';
    this.db = new Database(options.path, { timeout: 500 });
    try {
      // EXCLUSIVE before the first WAL access: no shared-memory index, and the lock taken by the
      // first write below is held until close (SQLite docs, "PRAGMA locking_mode").
      this.db.pragma('locking_mode = EXCLUSIVE');
      this.db.pragma('journal_mode = WAL');
      this.db.pragma(`synchronous = ${this.synchronous}`);
      this.migrate();
    } catch (e) {
      this.db.close();
      if (e instanceof Error && (e as { code?: string }).code === 'SQLITE_BUSY') {
        throw new OutboxLockedError(`outbox ${options.path} is in use by another process`);
      }
      throw e;
    }
    this.stmt = this.prepareStatements();
    this.tx = this.prepareTransactions();
    this.db.transaction(() => {
      const owner = this.stmt.getMeta.get('gateway_id');
      if (owner === undefined) {
        this.stmt.setMeta.run('gateway_id', this.gatewayId);
      } else if (owner !== this.gatewayId) {
        throw new Error(`outbox ${options.path} belongs to gateway ${String(owner)}, not ${this.gatewayId}`);
      }
      this.stmt.insertBoot.run(this.bootId, this.clock.now(), this.nextSeq());
    })();
    for (const r of this.stmt.countByClass.all()) {
      if (r.class === CLASS_CODE.sensor) this.sensorDepth = r.n;
      else this.telemetryDepth += r.n;
    }
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) throw new Error(`outbox schema ${version} is newer than this software (${SCHEMA_VERSION})`);
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS sequence (id INTEGER PRIMARY KEY CHECK (id = 1), next_seq INTEGER NOT NULL);
      INSERT OR IGNORE INTO sequence (id, next_seq) VALUES (1, 0);
      CREATE TABLE IF NOT EXISTS boots (boot_id TEXT PRIMARY KEY, started_at INTEGER NOT NULL, next_seq INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        class INTEGER NOT NULL,
        seq INTEGER UNIQUE,
        message_id TEXT,
        topic TEXT NOT NULL,
        payload TEXT NOT NULL,
        qos INTEGER NOT NULL,
        retain INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX IF NOT EXISTS outbox_class_seq ON outbox (class, seq, id);
      CREATE TABLE IF NOT EXISTS dead_letter (
        id INTEGER PRIMARY KEY,
        class INTEGER NOT NULL,
        seq INTEGER,
        message_id TEXT,
        topic TEXT NOT NULL,
        payload TEXT NOT NULL,
        qos INTEGER NOT NULL,
        retain INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL,
        reason TEXT NOT NULL,
        dead_at INTEGER NOT NULL
      );
      PRAGMA user_version = ${SCHEMA_VERSION};
    `);
  }

  private prepareStatements() {
    const db = this.db;
    const cols = 'id, class, seq, message_id, topic, payload, qos, retain, created_at, attempts';
    return {
      getMeta: db.prepare<[string], string>('SELECT value FROM meta WHERE key = ?').pluck(),
      setMeta: db.prepare<[string, string]>('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
      insertBoot: db.prepare<[string, number, number]>('INSERT INTO boots (boot_id, started_at, next_seq) VALUES (?, ?, ?)'),
      nextSeq: db.prepare<[], number>('SELECT next_seq FROM sequence WHERE id = 1').pluck(),
      setNextSeq: db.prepare<[number]>('UPDATE sequence SET next_seq = ? WHERE id = 1'),
      countByClass: db.prepare<[], { class: number; n: number }>('SELECT class, COUNT(*) AS n FROM outbox GROUP BY class'),
      insert: db
        .prepare<[number, number | null, string | null, string, string, number, number, number], number>(
          'INSERT INTO outbox (class, seq, message_id, topic, payload, qos, retain, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id',
        )
        .pluck(),
      oldestTelemetry: db.prepare<[], number>('SELECT id FROM outbox WHERE class = 1 ORDER BY id LIMIT 1').pluck(),
      oldestSensor: db.prepare<[], { id: number; seq: number }>('SELECT id, seq FROM outbox WHERE class = 0 ORDER BY seq LIMIT 1'),
      deleteById: db.prepare<[number], number>('DELETE FROM outbox WHERE id = ? RETURNING class').pluck(),
      peekSensor: db.prepare<[number, number], DbRow>(`SELECT ${cols} FROM outbox WHERE class = 0 AND seq > ? ORDER BY seq LIMIT ?`),
      peekTelemetry: db.prepare<[number, number], DbRow>(`SELECT ${cols} FROM outbox WHERE class = 1 AND id > ? ORDER BY id LIMIT ?`),
      addAttempt: db.prepare<[number], number>('UPDATE outbox SET attempts = attempts + 1 WHERE id = ? RETURNING attempts').pluck(),
      toDeadLetter: db.prepare<[string, number, number]>(
        `INSERT OR REPLACE INTO dead_letter (${cols}, reason, dead_at) SELECT ${cols}, ?, ? FROM outbox WHERE id = ?`,
      ),
      getRow: db.prepare<[number], DbRow>(`SELECT ${cols} FROM outbox WHERE id = ?`),
      listDead: db.prepare<[number], DbRow & { reason: string; dead_at: number }>(
        `SELECT ${cols}, reason, dead_at FROM dead_letter ORDER BY dead_at, id LIMIT ?`,
      ),
      countDead: db.prepare<[], number>('SELECT COUNT(*) FROM dead_letter').pluck(),
      requeueDead: db.prepare<[], { class: number }>(
        `INSERT INTO outbox (${cols}) SELECT id, class, seq, message_id, topic, payload, qos, retain, created_at, 0 FROM dead_letter RETURNING class`,
      ),
      clearDead: db.prepare('DELETE FROM dead_letter'),
    };
  }

  private prepareTransactions() {
    return {
      append: this.db.transaction((body: UnstampedSensorCommunication, events: PressureEvent[]) => this.stampAndInsert(body, events)),
      telemetry: this.db.transaction((message: Telemetry, events: PressureEvent[]) => this.insertTelemetry(message, events)),
      remove: this.db.transaction((ids: readonly number[]) => {
        let removed = 0;
        for (const id of ids) {
          const cls = this.stmt.deleteById.get(id);
          if (cls === undefined) continue;
          removed++;
          if (cls === CLASS_CODE.sensor) this.sensorDepth--;
          else this.telemetryDepth--;
        }
        return removed;
      }),
      deadLetter: this.db.transaction((id: number, reason: string) => {
        const r = this.stmt.getRow.get(id);
        if (!r) return undefined;
        this.stmt.toDeadLetter.run(reason, this.clock.now(), id);
        this.stmt.deleteById.get(id);
        return r;
      }),
      requeue: this.db.transaction(() => {
        const rows = this.stmt.requeueDead.all();
        this.stmt.clearDead.run();
        return rows;
      }),
    };
  }

  /** The seq the next accepted sensor communication will get. */
  nextSeq(): number {
    return this.stmt.nextSeq.get()!;
  }

  /**
   * Stamps, validates, stores and commits one sensor communication. ok:true means it is on disk and
   * will be delivered (or dead-lettered, counted) — the caller may forget it.
   */
  append(body: UnstampedSensorCommunication): AppendResult {
    this.assertOpen();
    const pre = this.precheck(body);
    if (pre) {
      this.counters.rejectedInvalid++;
      return { ok: false, reason: 'rule', errors: pre };
    }
    const events: PressureEvent[] = [];
    try {
      const r = this.tx.append.immediate(body, events);
      this.counters.accepted++;
      this.afterWrite(events);
      return { ok: true, ...r };
    } catch (e) {
      if (!(e instanceof Rejected)) throw e;
      if (e.reason === 'full') {
        this.counters.sensorRefused++;
        events.push({ type: 'sensor-refused', refused: this.counters.sensorRefused, depth: this.depth(), capacity: this.capacity });
        this.afterWrite(events);
      } else {
        this.counters.rejectedInvalid++;
      }
      return { ok: false, reason: e.reason, errors: e.errors };
    }
  }

  private precheck(body: unknown): ValidationIssue[] | undefined {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return [{ path: '', message: 'must be an object' }];
    const b = body as Record<string, unknown>;
    const issues: ValidationIssue[] = [];
    // A stamped message coming back in means a pipeline bug (double stamping would fork the seq).
    if ('seq' in b) issues.push({ path: '/seq', message: 'is assigned by the outbox; the body must be unstamped' });
    if ('messageId' in b) issues.push({ path: '/messageId', message: 'is assigned by the outbox; the body must be unstamped' });
    if (b.gatewayId !== this.gatewayId) issues.push({ path: '/gatewayId', message: `must be this outbox's gateway (${this.gatewayId})` });
    if (b.siteId !== this.siteId) issues.push({ path: '/siteId', message: `must be this outbox's site (${this.siteId})` });
    return issues.length > 0 ? issues : undefined;
  }

  private stampAndInsert(body: UnstampedSensorCommunication, events: PressureEvent[]) {
    const seq = this.stmt.nextSeq.get()!;
    const messageId = formatSensorMessageId({ gatewayId: this.gatewayId, bootId: this.bootId, seq });
    const { v, kind, gatewayId, siteId, timestamp, ...rest } = body;
    const stamped = { v, kind, messageId, gatewayId, siteId, ...rest, timestamp: timestamp ?? this.clock.now(), seq };
    const checked = validateSensorCommunication(stamped);
    if (!checked.ok) throw new Rejected(checked.reason === 'rule' ? 'rule' : 'schema', checked.errors);
    const message = this.sign ? { ...checked.value, signature: this.sign(checked.value) } : checked.value;
    this.makeRoom('sensor', events);
    const d = TOPIC_DELIVERY.sensor;
    const topic = sensorTopic(siteId, gatewayId);
    this.stmt.insert.get(CLASS_CODE.sensor, seq, messageId, topic, JSON.stringify(message), d.qos, d.retain ? 1 : 0, this.clock.now());
    this.stmt.setNextSeq.run(seq + 1);
    this.sensorDepth++;
    return { seq, messageId, message };
  }

  /** Queues a telemetry report at the lower priority class; it is shed first when space runs out. */
  appendTelemetry(message: Telemetry): AppendTelemetryResult {
    this.assertOpen();
    const checked = validateTelemetry(message);
    if (!checked.ok) {
      this.counters.rejectedInvalid++;
      return { ok: false, reason: checked.reason === 'rule' ? 'rule' : 'schema', errors: checked.errors };
    }
    const pre = this.precheck({ gatewayId: message.gatewayId, siteId: message.siteId });
    if (pre) {
      this.counters.rejectedInvalid++;
      return { ok: false, reason: 'rule', errors: pre };
    }
    const events: PressureEvent[] = [];
    try {
      const id = this.tx.telemetry.immediate(checked.value, events);
      this.counters.telemetryAccepted++;
      this.afterWrite(events);
      return { ok: true, id };
    } catch (e) {
      if (!(e instanceof Rejected)) throw e;
      this.counters.telemetryShed++;
      events.push({ type: 'telemetry-shed', shed: this.counters.telemetryShed, depth: this.depth(), capacity: this.capacity });
      this.afterWrite(events);
      return { ok: false, reason: e.reason, errors: e.errors };
    }
  }

  private insertTelemetry(message: Telemetry, events: PressureEvent[]): number {
    if (this.telemetryDepth >= this.maxTelemetry) {
      if (this.telemetryDepth === 0) throw new Rejected('full', [{ path: '', message: 'telemetry queueing is disabled (maxTelemetry 0)' }]);
      this.shedTelemetry(events);
    }
    this.makeRoom('telemetry', events);
    const d = TOPIC_DELIVERY.telemetry;
    const topic = telemetryTopic(message.siteId, message.gatewayId);
    const id = this.stmt.insert.get(CLASS_CODE.telemetry, null, null, topic, JSON.stringify(message), d.qos, d.retain ? 1 : 0, this.clock.now());
    this.telemetryDepth++;
    return id!;
  }

  /** Inside a transaction: frees one slot if the hard limit is reached, or throws Rejected('full'). */
  private makeRoom(cls: OutboxClass, events: PressureEvent[]): void {
    if (this.sensorDepth + this.telemetryDepth < this.capacity) return;
    if (this.telemetryDepth > 0) return this.shedTelemetry(events);
    if (cls === 'telemetry' || this.sensorFullPolicy === 'refuse') {
      throw new Rejected('full', [{ path: '', message: `outbox full: ${this.sensorDepth} sensor communications queued (limit ${this.capacity})` }]);
    }
    const oldest = this.stmt.oldestSensor.get();
    if (!oldest) throw new Rejected('full', [{ path: '', message: 'outbox full' }]);
    this.stmt.deleteById.get(oldest.id);
    this.sensorDepth--;
    this.counters.sensorDropped++;
    events.push({ type: 'sensor-dropped', dropped: this.counters.sensorDropped, seq: oldest.seq, depth: this.depth(), capacity: this.capacity });
  }

  private shedTelemetry(events: PressureEvent[]): void {
    const id = this.stmt.oldestTelemetry.get();
    if (id === undefined) return;
    this.stmt.deleteById.get(id);
    this.telemetryDepth--;
    this.counters.telemetryShed++;
    events.push({ type: 'telemetry-shed', shed: this.counters.telemetryShed, depth: this.depth(), capacity: this.capacity });
  }

  private afterWrite(events: PressureEvent[]): void {
    const depth = this.depth();
    if (!this.highWater && depth >= HIGH_WATER * this.capacity) {
      this.highWater = true;
      events.unshift({ type: 'high-water', depth, capacity: this.capacity });
    } else if (this.highWater && depth < HIGH_WATER_RESET * this.capacity) {
      this.highWater = false;
    }
    for (const e of events) this.onPressure(e);
    this.notify();
  }

  /**
   * A listener's failure must not turn a committed append into a reported failure: the caller
   * would retry, and the same interaction would be stored twice under two seqs.
   */
  private notify(): void {
    for (const l of this.listeners) {
      try {
        l();
      } catch (e) {
        process.stderr.write(JSON.stringify({ outbox: { type: 'listener-error', message: e instanceof Error ? e.message : String(e) } }) + '\n');
      }
    }
  }

  /** Sensor communications after `afterSeq`, in seq order (the publisher's read path). */
  peekSensor(afterSeq: number, limit: number): OutboxRow[] {
    this.assertOpen();
    return this.stmt.peekSensor.all(afterSeq, limit).map(toRow);
  }

  /** Telemetry rows after row id `afterId`, oldest first. */
  peekTelemetry(afterId: number, limit: number): OutboxRow[] {
    this.assertOpen();
    return this.stmt.peekTelemetry.all(afterId, limit).map(toRow);
  }

  /** Deletes delivered rows (the publisher calls this on PUBACK, batched). Unknown ids are ignored. */
  remove(ids: readonly number[]): number {
    this.assertOpen();
    if (ids.length === 0) return 0;
    // A delivered row coming back after a power cut is a duplicate (consumers drop it by messageId),
    // never a loss, so deletes skip the per-commit fsync; the next append's FULL commit syncs them.
    // Halves the fsyncs (and SD card writes) per event.
    this.db.pragma('synchronous = NORMAL');
    let removed: number;
    try {
      removed = this.tx.remove(ids);
    } finally {
      this.db.pragma(`synchronous = ${this.synchronous}`);
    }
    if (this.highWater && this.depth() < HIGH_WATER_RESET * this.capacity) this.highWater = false;
    return removed;
  }

  /** Records one failed delivery attempt; returns the row's total, or undefined if the row is gone. */
  recordFailedAttempt(id: number): number | undefined {
    this.assertOpen();
    return this.stmt.addAttempt.get(id);
  }

  /** Moves a row to dead_letter with a reason. Returns the row, or undefined if it was already gone. */
  deadLetter(id: number, reason: string): OutboxRow | undefined {
    this.assertOpen();
    const row = this.tx.deadLetter(id, reason);
    if (!row) return undefined;
    if (row.class === CLASS_CODE.sensor) this.sensorDepth--;
    else this.telemetryDepth--;
    this.counters.deadLettered++;
    return toRow(row);
  }

  listDeadLetters(limit = 1000): DeadLetterRow[] {
    this.assertOpen();
    return this.stmt.listDead.all(limit).map((r) => ({ ...toRow(r), reason: r.reason, deadAt: r.dead_at }));
  }

  /**
   * Operator action after fixing the cause (e.g. a broker ACL): puts every dead letter back with its
   * original seq and messageId, attempts reset. Sensor rows go out first, since they have the lowest seqs.
   */
  requeueDeadLetters(): number {
    this.assertOpen();
    const classes = this.tx.requeue();
    for (const r of classes) {
      if (r.class === CLASS_CODE.sensor) this.sensorDepth++;
      else this.telemetryDepth++;
    }
    if (classes.length > 0) this.notify();
    return classes.length;
  }

  /** Queued messages of both classes. */
  depth(): number {
    return this.sensorDepth + this.telemetryDepth;
  }

  sensorQueueDepth(): number {
    return this.sensorDepth;
  }

  /** Runs `listener` after every committed append (the publisher's wake-up). Returns an unsubscribe function. */
  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stats(): OutboxStats {
    this.assertOpen();
    return {
      gatewayId: this.gatewayId,
      siteId: this.siteId,
      bootId: this.bootId,
      nextSeq: this.nextSeq(),
      sensorDepth: this.sensorDepth,
      telemetryDepth: this.telemetryDepth,
      capacity: this.capacity,
      maxTelemetry: this.maxTelemetry,
      sensorFullPolicy: this.sensorFullPolicy,
      ...this.counters,
      deadLetterDepth: this.stmt.countDead.get()!,
    };
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    this.db.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('outbox is closed');
  }
}

export function openOutbox(options: OutboxOptions): Outbox {
  return new Outbox(options);
}
