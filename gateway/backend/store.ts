/**
 * The backend's SQLite store (better-sqlite3, WAL): the beacon database 1025 and user device
 * database 1030 of [0231], the first-party hashed list 1155 of [0222], interest events, the
 * audience and the content items sent. Every statement is prepared once; the processor runs them
 * inside one immediate transaction per message, so backend instances that share the file (several
 * members of one $share group on one host) never both match, count or send the same thing.
 */
import Database from 'better-sqlite3';
import type { SensorCommunication, UserCommunication } from '../../protocol/messages/index.js';
import type { CrmHash } from './crm.js';
import type { ItemRef } from './items.js';
import { migrate, MIGRATIONS, schemaVersion, type MigrationReport } from './migrations.js';

export interface OpenStoreOptions {
  /** How long a write waits for another process's lock before failing, ms. Default 5000. */
  busyTimeoutMs?: number;
  readonly?: boolean;
}

export interface SensorRow {
  message_id: string;
  gateway_id: string;
  sensor_id: string;
  ts_ref: number;
  half_window_ms: number;
  interaction_type: SensorCommunication['interaction']['type'];
  duration_ms: number;
  item_id: string | null;
  item_type: string | null;
  area: string | null;
}

export interface UserRow {
  message_id: string;
  device_id: string;
  ts: number;
  trigger_type: 'dwell' | 'proximity';
  trigger_period_ms: number;
  movement_steps: number | null;
  movement_accel_peak: number | null;
}

export interface DeviceRow {
  device_id: string;
  device_hash: string;
  customer_key: string | null;
  consent: 0 | 1;
}

export interface InterestEventRow {
  deviceId: string;
  itemId: string;
  messageId: string;
  source: 'sensor' | 'user';
  siteId: string;
  sensorId: string;
  interactionType: string;
  relation: 'item' | 'type' | 'area';
  score: number;
  at: number;
}

export interface ContentRow {
  messageId: string;
  siteId: string;
  deviceId: string;
  itemId: string;
  sensorId: string;
  contentId: string;
  contentKind: string;
  interest: number;
  threshold: number;
  causeMessageId: string;
  createdAt: number;
  expiresAt: number;
  payload: string;
}

export interface AudienceRow {
  device_id: string;
  customer_key: string | null;
  interest: number;
}

const bool = (b: boolean) => (b ? 1 : 0);

export class BackendStore {
  readonly db: Database.Database;
  readonly migration: MigrationReport;
  private readonly s;

  constructor(path: string, options: OpenStoreOptions = {}) {
    this.db = new Database(path, { timeout: options.busyTimeoutMs ?? 5000, readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
    try {
      if (!options.readonly) {
        // WAL: readers (export-audience, the map) never block the writer, and several backend
        // processes can share the file. NORMAL is durable across application crashes in WAL mode;
        // a power cut can lose the last transactions, which QoS 1 redelivery and de-duplication cover.
        this.db.pragma('journal_mode = WAL');
        this.db.pragma('synchronous = NORMAL');
      }
      this.db.pragma('foreign_keys = ON');
      if (options.readonly) {
        // A reader (export-audience) never migrates: it reads what a running backend wrote.
        const v = schemaVersion(this.db);
        const latest = MIGRATIONS.reduce((m, x) => Math.max(m, x.version), 0);
        if (v === 0) throw new Error(`${path} is not a Touchpoint backend database`);
        if (v !== latest) throw new Error(`${path} has schema version ${v}; this backend reads version ${latest} (run the backend once to migrate)`);
        this.migration = { from: v, to: v, applied: [] };
      } else this.migration = migrate(this.db);
    } catch (e) {
      this.db.close();
      throw e;
    }
    this.s = this.prepare();
  }

  private prepare() {
    const db = this.db;
    return {
      insertSensor: db.prepare(`INSERT OR IGNORE INTO sensor_communications (
        message_id, site_id, gateway_id, seq, sensor_id, ts, ts_ref, half_window_ms, clock_synced, clock_offset_ms, clock_source,
        interaction_type, started_at, ended_at, duration_ms, rssi_max, rssi_mean, distance_m, touch_channel, item_id, item_type, area,
        received_at, payload)
        VALUES (@message_id, @site_id, @gateway_id, @seq, @sensor_id, @ts, @ts_ref, @half_window_ms, @clock_synced, @clock_offset_ms, @clock_source,
        @interaction_type, @started_at, @ended_at, @duration_ms, @rssi_max, @rssi_mean, @distance_m, @touch_channel, @item_id, @item_type, @area,
        @received_at, @payload)`),
      insertUser: db.prepare(`INSERT OR IGNORE INTO user_communications (
        message_id, site_id, device_id, sensor_id, ts, trigger_type, trigger_period_ms, trigger_max_rssi, trigger_receipts,
        movement_steps, movement_accel_peak, consent, hashing_standard, follow_up, customer_key, received_at, payload)
        VALUES (@message_id, @site_id, @device_id, @sensor_id, @ts, @trigger_type, @trigger_period_ms, @trigger_max_rssi, @trigger_receipts,
        @movement_steps, @movement_accel_peak, @consent, @hashing_standard, @follow_up, @customer_key, @received_at, @payload)`),
      insertIdentifier: db.prepare(
        'INSERT OR IGNORE INTO user_identifiers (message_id, standard, field, sha256, keyed) VALUES (?, ?, ?, ?, ?)',
      ),
      crmLookup: db.prepare('SELECT customer_key FROM crm_identifiers WHERE standard = ? AND field = ? AND sha256 = ?').pluck(),
      upsertDevice: db.prepare(`INSERT INTO devices (device_id, site_id, device_hash, customer_key, consent, latest_ts, first_seen_at, last_seen_at)
        VALUES (@device_id, @site_id, @device_hash, @customer_key, @consent, @ts, @now, @now)
        ON CONFLICT (device_id) DO UPDATE SET
          last_seen_at = excluded.last_seen_at,
          site_id      = CASE WHEN excluded.latest_ts >= devices.latest_ts THEN excluded.site_id ELSE devices.site_id END,
          customer_key = CASE WHEN excluded.latest_ts >= devices.latest_ts THEN excluded.customer_key ELSE devices.customer_key END,
          consent      = CASE WHEN excluded.latest_ts >= devices.latest_ts THEN excluded.consent ELSE devices.consent END,
          latest_ts    = MAX(devices.latest_ts, excluded.latest_ts)`),
      device: db.prepare('SELECT device_id, device_hash, customer_key, consent FROM devices WHERE device_id = ?'),
      // Both window queries are range scans of one index; the bound on the other side of the
      // comparison (half_window_ms per row) is at most maxWindowMs, which is why that is the range.
      sensorsNear: db.prepare(`SELECT message_id, gateway_id, sensor_id, ts_ref, half_window_ms, interaction_type, duration_ms, item_id, item_type, area
        FROM sensor_communications
        WHERE site_id = @site AND sensor_id = @sensor AND ts_ref BETWEEN @lo AND @hi AND ABS(ts_ref - @t) <= half_window_ms
        ORDER BY ts_ref, message_id`),
      usersNear: db.prepare(`SELECT message_id, device_id, ts, trigger_type, trigger_period_ms, movement_steps, movement_accel_peak FROM user_communications
        WHERE site_id = @site AND sensor_id = @sensor AND ts BETWEEN @lo AND @hi
        ORDER BY ts, message_id`),
      insertMatch: db.prepare(`INSERT OR IGNORE INTO matches
        (sensor_message_id, user_message_id, site_id, sensor_id, device_id, delta_ms, half_window_ms, matched_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      learnedItem: db.prepare(`SELECT item_id, item_type, area FROM sensor_communications
        WHERE site_id = ? AND sensor_id = ? AND (item_id IS NOT NULL OR item_type IS NOT NULL OR area IS NOT NULL)
        ORDER BY ts_ref DESC LIMIT 1`),
      insertInterest: db.prepare(`INSERT OR IGNORE INTO interest_events
        (device_id, item_id, message_id, source, site_id, sensor_id, interaction_type, relation, score, at)
        VALUES (@deviceId, @itemId, @messageId, @source, @siteId, @sensorId, @interactionType, @relation, @score, @at)`),
      latestInterestAt: db.prepare('SELECT MAX(at) FROM interest_events WHERE device_id = ? AND item_id = ?').pluck(),
      interest: db.prepare(`SELECT COALESCE(MAX(CASE WHEN source = 'user' THEN score END), 0)
                                 + COALESCE(SUM(CASE WHEN source = 'sensor' THEN score END), 0)
        FROM interest_events WHERE device_id = ? AND item_id = ? AND at > ? AND at <= ?`).pluck(),
      upsertAudience: db.prepare(`INSERT INTO audience_members (item_id, device_id, customer_key, interest, threshold, first_passed_at, last_passed_at)
        VALUES (@itemId, @deviceId, @customerKey, @interest, @threshold, @now, @now)
        ON CONFLICT (item_id, device_id) DO UPDATE SET
          customer_key = COALESCE(excluded.customer_key, audience_members.customer_key),
          interest = MAX(audience_members.interest, excluded.interest),
          threshold = excluded.threshold,
          last_passed_at = excluded.last_passed_at`),
      audienceMember: db.prepare('SELECT 1 FROM audience_members WHERE item_id = ? AND device_id = ?').pluck(),
      recentContent: db.prepare(
        "SELECT 1 FROM content_items WHERE device_id = ? AND item_id = ? AND created_at > ? AND status != 'failed' LIMIT 1",
      ).pluck(),
      insertContent: db.prepare(`INSERT INTO content_items (message_id, site_id, device_id, item_id, sensor_id, content_id, content_kind,
        interest, threshold, cause_message_id, created_at, expires_at, status, status_at, payload)
        VALUES (@messageId, @siteId, @deviceId, @itemId, @sensorId, @contentId, @contentKind,
        @interest, @threshold, @causeMessageId, @createdAt, @expiresAt, 'pending', @createdAt, @payload)`),
      contentStatus: db.prepare('UPDATE content_items SET status = ?, status_at = ? WHERE message_id = ?'),
      clearCrm: db.prepare('DELETE FROM crm_identifiers'),
      insertCrm: db.prepare('INSERT OR IGNORE INTO crm_identifiers (standard, field, sha256, customer_key) VALUES (?, ?, ?, ?)'),
      crmLoad: db.prepare('INSERT INTO crm_loads (loaded_at, customers, hashes, rejected) VALUES (?, ?, ?, ?)'),
      crmCount: db.prepare('SELECT COUNT(DISTINCT customer_key) FROM crm_identifiers').pluck(),
    };
  }

  /** Runs fn in one BEGIN IMMEDIATE transaction: the write lock is taken before the first read. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /** false: a message with this ID is already stored (a duplicate). */
  insertSensor(m: SensorCommunication, window: { centreMs: number; halfWidthMs: number }, receivedAt: number): boolean {
    const i = m.interaction;
    return (
      this.s.insertSensor.run({
        message_id: m.messageId,
        site_id: m.siteId,
        gateway_id: m.gatewayId,
        seq: m.seq,
        sensor_id: m.sensorId,
        ts: m.timestamp,
        ts_ref: window.centreMs,
        half_window_ms: window.halfWidthMs,
        clock_synced: bool(m.clock.synced),
        clock_offset_ms: m.clock.offsetMs,
        clock_source: m.clock.source ?? null,
        interaction_type: i.type,
        started_at: i.startedAt,
        ended_at: i.endedAt,
        duration_ms: i.durationMs,
        rssi_max: i.rssi?.max ?? null,
        rssi_mean: i.rssi?.mean ?? null,
        distance_m: i.distanceM ?? null,
        touch_channel: i.touchChannel ?? null,
        item_id: i.item?.itemId ?? null,
        item_type: i.item?.itemType ?? null,
        area: i.item?.area ?? null,
        received_at: receivedAt,
        payload: JSON.stringify(m),
      }).changes === 1
    );
  }

  insertUser(m: UserCommunication, customerKey: string | undefined, receivedAt: number): boolean {
    const inserted =
      this.s.insertUser.run({
        message_id: m.messageId,
        site_id: m.siteId,
        device_id: m.deviceId,
        sensor_id: m.sensorId,
        ts: m.timestamp,
        trigger_type: m.trigger.type,
        trigger_period_ms: m.trigger.periodMs,
        trigger_max_rssi: m.trigger.maxRssi,
        trigger_receipts: m.trigger.receipts ?? null,
        movement_steps: m.movement?.steps ?? null,
        movement_accel_peak: m.movement?.accel?.peakMs2 ?? null,
        consent: bool(m.consent),
        hashing_standard: m.hashingStandard ?? null,
        follow_up: m.followUp,
        customer_key: customerKey ?? null,
        received_at: receivedAt,
        payload: JSON.stringify(m),
      }).changes === 1;
    if (inserted && m.hashingStandard !== undefined) {
      for (const id of m.identifiers) this.s.insertIdentifier.run(m.messageId, m.hashingStandard, id.field, id.sha256, bool(id.keyed === true));
    }
    return inserted;
  }

  /** Customer keys whose CRM hash equals this identifier under this label ([0224] hashed pair 1160). */
  crmCustomers(standard: string, field: string, sha256: string): string[] {
    return this.s.crmLookup.all(standard, field, sha256) as string[];
  }

  upsertDevice(d: { deviceId: string; siteId: string; deviceHash: string; customerKey: string | undefined; consent: boolean; ts: number; now: number }): void {
    this.s.upsertDevice.run({
      device_id: d.deviceId,
      site_id: d.siteId,
      device_hash: d.deviceHash,
      customer_key: d.customerKey ?? null,
      consent: bool(d.consent),
      ts: d.ts,
      now: d.now,
    });
  }

  device(deviceId: string): DeviceRow | undefined {
    return this.s.device.get(deviceId) as DeviceRow | undefined;
  }

  /** Sensor communications whose own window contains deviceTs. */
  sensorsNear(siteId: string, sensorId: string, deviceTs: number, maxWindowMs: number): SensorRow[] {
    return this.s.sensorsNear.all({ site: siteId, sensor: sensorId, lo: deviceTs - maxWindowMs, hi: deviceTs + maxWindowMs, t: deviceTs }) as SensorRow[];
  }

  usersNear(siteId: string, sensorId: string, centreMs: number, halfWidthMs: number): UserRow[] {
    return this.s.usersNear.all({ site: siteId, sensor: sensorId, lo: centreMs - halfWidthMs, hi: centreMs + halfWidthMs }) as UserRow[];
  }

  /** false: this pair was matched before. */
  insertMatch(m: { sensorMessageId: string; userMessageId: string; siteId: string; sensorId: string; deviceId: string; deltaMs: number; halfWindowMs: number; now: number }): boolean {
    return this.s.insertMatch.run(m.sensorMessageId, m.userMessageId, m.siteId, m.sensorId, m.deviceId, m.deltaMs, m.halfWindowMs, m.now).changes === 1;
  }

  /** The item a gateway last reported for this beacon, for user communications that carry none. */
  learnedItem(siteId: string, sensorId: string): ItemRef | undefined {
    const r = this.s.learnedItem.get(siteId, sensorId) as { item_id: string | null; item_type: string | null; area: string | null } | undefined;
    if (!r) return undefined;
    return { itemId: r.item_id ?? undefined, itemType: r.item_type ?? undefined, area: r.area ?? undefined };
  }

  insertInterest(e: InterestEventRow): boolean {
    return this.s.insertInterest.run(e).changes === 1;
  }

  /** Interest level over (to − windowMs, to], where `to` is the latest event at or after `at`. */
  interestLevel(deviceId: string, itemId: string, at: number, windowMs: number): { level: number; to: number } {
    const latest = (this.s.latestInterestAt.get(deviceId, itemId) as number | null) ?? at;
    const to = Math.max(at, latest);
    return { level: Math.round((this.s.interest.get(deviceId, itemId, to - windowMs, to) as number) * 1000) / 1000, to };
  }

  /** true: the device joined the item's audience now. */
  upsertAudience(a: { itemId: string; deviceId: string; customerKey: string | null; interest: number; threshold: number; now: number }): boolean {
    const before = this.s.audienceMember.get(a.itemId, a.deviceId) !== undefined;
    this.s.upsertAudience.run(a);
    return !before;
  }

  contentSentSince(deviceId: string, itemId: string, since: number): boolean {
    return this.s.recentContent.get(deviceId, itemId, since) !== undefined;
  }

  insertContent(c: ContentRow): void {
    this.s.insertContent.run(c);
  }

  setContentStatus(messageId: string, status: 'sent' | 'failed', at: number): void {
    this.s.contentStatus.run(status, at, messageId);
  }

  /** Replaces the first-party hashed list with a freshly hashed CRM export. */
  replaceCrm(hashes: readonly CrmHash[], summary: { customers: number; rejected: number }, now: number): void {
    this.transaction(() => {
      this.s.clearCrm.run();
      for (const h of hashes) this.s.insertCrm.run(h.standard, h.field, h.sha256, h.customerKey);
      this.s.crmLoad.run(now, summary.customers, hashes.length, summary.rejected);
    });
  }

  crmCustomerCount(): number {
    return this.s.crmCount.get() as number;
  }

  /** Devices in an item's audience whose latest user communication still carries consent. */
  audience(itemId: string): AudienceRow[] {
    return this.db
      .prepare(`SELECT a.device_id, d.customer_key, a.interest FROM audience_members a
        JOIN devices d ON d.device_id = a.device_id
        WHERE a.item_id = ? AND d.consent = 1
        ORDER BY a.first_passed_at, a.device_id`)
      .all(itemId) as AudienceRow[];
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
