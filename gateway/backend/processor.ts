/**
 * The backend's pipeline for one received MQTT message, without the network:
 *
 *   decodeFromTopic (schema + topic/payload IDs)  → invalid?
 *   store the record (INSERT OR IGNORE by messageId)  → duplicate?
 *   user communication: reference the user by the CRM hashed list ([0220]–[0224])
 *   match against the other side's records in the window ([0231]) — whichever arrived first
 *   score interest for the item / item type / area the beacon marks ([0226]–[0232])
 *   threshold → audience ([0250]–[0251]) → content item, rate-limited ([0244]–[0246])
 *
 * All of it in one immediate transaction, so the outcome does not depend on which backend
 * instance (sharing the database file) handled which message. The caller publishes the content
 * items it returns and then marks them sent or failed.
 */
import {
  decodeFromTopic,
  deviceTopicHash,
  encodeForPublish,
  type ContentItem,
  type Publication,
  type SensorCommunication,
  type UserCommunication,
  type ValidationIssue,
} from '../../protocol/messages/index.js';
import { buildContentItem, DEFAULT_CONTENT_TIMING, type ContentTiming } from './content.js';
import { DEFAULT_INTEREST, sensorScore, stockState, thresholdFor, userScore, type InterestOptions, type Relation } from './interest.js';
import { EMPTY_CATALOG, type ItemCatalog, type ItemRef } from './items.js';
import { DEFAULT_MATCH_WINDOW, sensorWindow, type MatchWindowOptions } from './match-window.js';
import type { BackendStore, UserRow } from './store.js';
import type { VerifyRejection, VerifyResult } from '../security/verify.js';
import { ulid } from './ulid.js';

export interface ProcessorOptions {
  store: BackendStore;
  catalog?: ItemCatalog;
  match?: Partial<MatchWindowOptions>;
  interest?: Partial<InterestOptions>;
  /** At most one content item per device per item per this period, ms. Default 10 minutes. */
  contentPeriodMs?: number;
  contentTiming?: Partial<ContentTiming>;
  /** Backend clock (received_at, content timestamps, rate limit). Default Date.now. */
  now?: () => number;
  /** Content item messageIds. Default: a ULID at now(). */
  newId?: (now: number) => string;
  /**
   * Authenticity check of each sensor communication after decoding, before anything is stored
   * (gateway/security verifySensorCommunication with the backend's keyring). Absent: not checked.
   */
  verifySensor?: (message: SensorCommunication) => VerifyResult;
}

export interface MatchInfo {
  siteId: string;
  sensorId: string;
  gatewayId: string;
  sensorMessageId: string;
  userMessageId: string;
  deviceId: string;
  deviceHash: string;
  interactionType: SensorCommunication['interaction']['type'];
  /** device timestamp − sensor timestamp on the reference clock, ms. */
  deltaMs: number;
  halfWindowMs: number;
  /** Whether the device's user is referenced in the CRM (never which customer). */
  referenced: boolean;
  /** Which side arrived second and made the match. */
  by: 'sensor' | 'user';
}

export interface InterestInfo {
  siteId: string;
  deviceId: string;
  itemId: string;
  interest: number;
  threshold: number;
  passed: boolean;
}

export interface PendingContent {
  message: ContentItem;
  publication: Publication;
  interest: number;
  threshold: number;
}

export type BackendEvent =
  | { type: 'sensor'; topic: string; message: SensorCommunication; halfWindowMs: number }
  | { type: 'user'; topic: string; message: UserCommunication; referenced: boolean }
  | { type: 'duplicate'; topic: string; kind: 'sensor-communication' | 'user-communication'; messageId: string }
  | { type: 'invalid'; topic: string; reason: string; errors: ValidationIssue[] }
  | { type: 'rejected'; topic: string; reason: VerifyRejection; detail: string; messageId: string }
  | { type: 'ignored'; topic: string; kind: string }
  | { type: 'match'; match: MatchInfo }
  | { type: 'interest'; interest: InterestInfo }
  | { type: 'audience'; siteId: string; itemId: string; deviceId: string }
  | { type: 'rate-limited'; siteId: string; itemId: string; deviceId: string };

export interface ProcessResult {
  events: BackendEvent[];
  content: PendingContent[];
}

interface Scored {
  itemId: string;
  relation: Relation;
}

export interface Processor {
  readonly options: { match: MatchWindowOptions; interest: InterestOptions; contentPeriodMs: number; contentTiming: ContentTiming };
  handle(topic: string, payload: string | Uint8Array): ProcessResult;
  /** Records the broker's answer to a content item's PUBLISH. */
  contentDone(messageId: string, ok: boolean): void;
}

export function createProcessor(o: ProcessorOptions): Processor {
  const store = o.store;
  const catalog = o.catalog ?? EMPTY_CATALOG;
  const match = { ...DEFAULT_MATCH_WINDOW, ...o.match };
  const interest = { ...DEFAULT_INTEREST, ...o.interest };
  const contentPeriodMs = o.contentPeriodMs ?? 10 * 60_000;
  const contentTiming = { ...DEFAULT_CONTENT_TIMING, ...o.contentTiming };
  const now = o.now ?? Date.now;
  const newId = o.newId ?? ((t: number) => ulid(t));

  /**
   * Which items a beacon stands for ([0226]–[0229]): the most specific of what the gateway
   * reported with the interaction, what the items file says about the beacon, and what gateways
   * last reported for it. An item ID wins over an item type, which wins over an area.
   */
  function itemsFor(siteId: string, sensorId: string, reported: ItemRef | undefined): Scored[] {
    const refs = [reported, catalog.bySensor(sensorId)];
    if (!refs.some((r) => r?.itemId)) refs.push(store.learnedItem(siteId, sensorId));
    const withId = refs.find((r) => r?.itemId)?.itemId;
    if (withId !== undefined) return [{ itemId: withId, relation: 'item' }];
    const type = refs.find((r) => r?.itemType)?.itemType;
    if (type !== undefined) return catalog.ofType(type).map((it) => ({ itemId: it.itemId, relation: 'type' as const }));
    const area = refs.find((r) => r?.area)?.area;
    if (area !== undefined) return catalog.inArea(area).map((it) => ({ itemId: it.itemId, relation: 'area' as const }));
    return [];
  }

  function userScoreInput(u: UserRow): Pick<UserCommunication, 'trigger' | 'movement'> {
    const movement =
      u.movement_accel_peak !== null
        ? { startedAt: 0, endedAt: 0, accel: { rmsMs2: 0, peakMs2: u.movement_accel_peak }, ...(u.movement_steps !== null ? { steps: u.movement_steps } : {}) }
        : undefined;
    return { trigger: { type: u.trigger_type, periodMs: u.trigger_period_ms, maxRssi: 0 }, ...(movement ? { movement } : {}) };
  }

  function sensorItemRef(row: { item_id: string | null; item_type: string | null; area: string | null }): ItemRef | undefined {
    if (row.item_id === null && row.item_type === null && row.area === null) return undefined;
    return { itemId: row.item_id ?? undefined, itemType: row.item_type ?? undefined, area: row.area ?? undefined };
  }

  /** [0220]–[0224]: the customer whose hashed identifiers equal the most of this communication's. */
  function reference(m: UserCommunication): string | undefined {
    if (!m.consent || m.hashingStandard === undefined || m.identifiers.length === 0) return undefined;
    const votes = new Map<string, number>();
    for (const id of m.identifiers) {
      for (const key of store.crmCustomers(m.hashingStandard, id.field, id.sha256)) votes.set(key, (votes.get(key) ?? 0) + 1);
    }
    let best: string | undefined;
    let bestVotes = 0;
    for (const [key, n] of votes) if (n > bestVotes || (n === bestVotes && best !== undefined && key < best)) [best, bestVotes] = [key, n];
    return best;
  }

  /** Threshold check for the items just scored; at most one content item per evaluation. */
  function evaluate(siteId: string, deviceId: string, sensorId: string, items: readonly string[], at: number, cause: string, out: ProcessResult): void {
    const t = now();
    let best: { itemId: string; level: number; threshold: number } | undefined;
    const device = store.device(deviceId);
    for (const itemId of new Set(items)) {
      const item = catalog.item(itemId);
      const threshold = thresholdFor(item, catalog.defaults, interest);
      const { level } = store.interestLevel(deviceId, itemId, at, interest.interestWindowMs);
      const passed = level >= threshold;
      out.events.push({ type: 'interest', interest: { siteId, deviceId, itemId, interest: level, threshold, passed } });
      if (!passed) continue;
      // [0251]: a user whose interest achieves the item's threshold joins the item's user group.
      if (store.upsertAudience({ itemId, deviceId, customerKey: device?.customer_key ?? null, interest: level, threshold, now: t })) {
        out.events.push({ type: 'audience', siteId, itemId, deviceId });
      }
      if (!best || level / threshold > best.level / best.threshold) best = { itemId, level, threshold };
    }
    if (!best) return;
    if (store.contentSentSince(deviceId, best.itemId, t - contentPeriodMs)) {
      out.events.push({ type: 'rate-limited', siteId, itemId: best.itemId, deviceId });
      return;
    }
    const item = catalog.item(best.itemId);
    const message = buildContentItem({
      messageId: newId(t),
      siteId,
      deviceId,
      sensorId,
      itemId: best.itemId,
      item,
      stock: stockState(item, catalog.defaults, interest),
      now: t,
      timing: contentTiming,
    });
    const enc = encodeForPublish(message);
    // Only an items file with a text the schema refuses gets here; the file was checked at load.
    if (!enc.ok) throw new Error(`content item for ${best.itemId} does not validate: ${enc.errors.map((e) => `${e.path} ${e.message}`).join('; ')}`);
    store.insertContent({
      messageId: message.messageId,
      siteId,
      deviceId,
      itemId: best.itemId,
      sensorId,
      contentId: message.contentId,
      contentKind: message.contentKind,
      interest: best.level,
      threshold: best.threshold,
      causeMessageId: cause,
      createdAt: t,
      expiresAt: message.timing.expiresAt,
      payload: enc.value.payload,
    });
    out.content.push({ message, publication: enc.value, interest: best.level, threshold: best.threshold });
  }

  function onSensor(topic: string, m: SensorCommunication, out: ProcessResult): void {
    const w = sensorWindow(m.timestamp, m.clock, match);
    if (!store.insertSensor(m, w, now())) {
      out.events.push({ type: 'duplicate', topic, kind: m.kind, messageId: m.messageId });
      return;
    }
    out.events.push({ type: 'sensor', topic, message: m, halfWindowMs: w.halfWidthMs });
    const byDevice = new Map<string, UserRow[]>();
    for (const u of store.usersNear(m.siteId, m.sensorId, w.centreMs, w.halfWidthMs)) {
      const deltaMs = u.ts - w.centreMs;
      if (!store.insertMatch({ sensorMessageId: m.messageId, userMessageId: u.message_id, siteId: m.siteId, sensorId: m.sensorId, deviceId: u.device_id, deltaMs, halfWindowMs: w.halfWidthMs, now: now() })) continue;
      const device = store.device(u.device_id);
      out.events.push({
        type: 'match',
        match: {
          siteId: m.siteId,
          sensorId: m.sensorId,
          gatewayId: m.gatewayId,
          sensorMessageId: m.messageId,
          userMessageId: u.message_id,
          deviceId: u.device_id,
          deviceHash: device?.device_hash ?? deviceTopicHash(u.device_id),
          interactionType: m.interaction.type,
          deltaMs,
          halfWindowMs: w.halfWidthMs,
          referenced: device?.customer_key != null,
          by: 'sensor',
        },
      });
      byDevice.set(u.device_id, [...(byDevice.get(u.device_id) ?? []), u]);
    }
    if (byDevice.size === 0) return;
    const items = itemsFor(m.siteId, m.sensorId, m.interaction.item);
    for (const [deviceId, users] of byDevice) {
      for (const it of items) {
        // The phone's presence counts for the item this gateway names, even when the user
        // communication came first and nothing said then which item its beacon marks.
        for (const u of users) {
          store.insertInterest({
            deviceId,
            itemId: it.itemId,
            messageId: u.message_id,
            source: 'user',
            siteId: m.siteId,
            sensorId: m.sensorId,
            interactionType: u.trigger_type,
            relation: it.relation,
            score: userScore(userScoreInput(u), it.relation),
            at: u.ts,
          });
        }
        store.insertInterest({
          deviceId,
          itemId: it.itemId,
          messageId: m.messageId,
          source: 'sensor',
          siteId: m.siteId,
          sensorId: m.sensorId,
          interactionType: m.interaction.type,
          relation: it.relation,
          score: sensorScore(m.interaction, it.relation),
          at: w.centreMs,
        });
      }
      evaluate(m.siteId, deviceId, m.sensorId, items.map((i) => i.itemId), w.centreMs, m.messageId, out);
    }
  }

  function onUser(topic: string, m: UserCommunication, out: ProcessResult): void {
    const customerKey = reference(m);
    const t = now();
    if (!store.insertUser(m, customerKey, t)) {
      out.events.push({ type: 'duplicate', topic, kind: m.kind, messageId: m.messageId });
      return;
    }
    const deviceHash = deviceTopicHash(m.deviceId);
    store.upsertDevice({ deviceId: m.deviceId, siteId: m.siteId, deviceHash, customerKey, consent: m.consent, ts: m.timestamp, now: t });
    out.events.push({ type: 'user', topic, message: m, referenced: customerKey !== undefined });

    const scored = new Set<string>();
    const own = itemsFor(m.siteId, m.sensorId, undefined);
    for (const it of own) {
      store.insertInterest({
        deviceId: m.deviceId,
        itemId: it.itemId,
        messageId: m.messageId,
        source: 'user',
        siteId: m.siteId,
        sensorId: m.sensorId,
        interactionType: m.trigger.type,
        relation: it.relation,
        score: userScore(m, it.relation),
        at: m.timestamp,
      });
      scored.add(it.itemId);
    }
    const device = store.device(m.deviceId);
    for (const s of store.sensorsNear(m.siteId, m.sensorId, m.timestamp, match.maxWindowMs)) {
      const deltaMs = m.timestamp - s.ts_ref;
      if (!store.insertMatch({ sensorMessageId: s.message_id, userMessageId: m.messageId, siteId: m.siteId, sensorId: m.sensorId, deviceId: m.deviceId, deltaMs, halfWindowMs: s.half_window_ms, now: t })) continue;
      out.events.push({
        type: 'match',
        match: {
          siteId: m.siteId,
          sensorId: m.sensorId,
          gatewayId: s.gateway_id,
          sensorMessageId: s.message_id,
          userMessageId: m.messageId,
          deviceId: m.deviceId,
          deviceHash,
          interactionType: s.interaction_type,
          deltaMs,
          halfWindowMs: s.half_window_ms,
          referenced: device?.customer_key != null,
          by: 'user',
        },
      });
      for (const it of itemsFor(m.siteId, m.sensorId, sensorItemRef(s))) {
        store.insertInterest({
          deviceId: m.deviceId,
          itemId: it.itemId,
          messageId: s.message_id,
          source: 'sensor',
          siteId: m.siteId,
          sensorId: m.sensorId,
          interactionType: s.interaction_type,
          relation: it.relation,
          score: sensorScore({ type: s.interaction_type, durationMs: s.duration_ms }, it.relation),
          at: s.ts_ref,
        });
        scored.add(it.itemId);
      }
    }
    if (scored.size > 0) evaluate(m.siteId, m.deviceId, m.sensorId, [...scored], m.timestamp, m.messageId, out);
  }

  return {
    options: { match, interest, contentPeriodMs, contentTiming },
    handle(topic, payload) {
      const out: ProcessResult = { events: [], content: [] };
      const d = decodeFromTopic(topic, payload);
      if (!d.ok) {
        out.events.push({ type: 'invalid', topic, reason: d.reason, errors: d.errors });
        return out;
      }
      const m = d.message;
      if (m.kind !== 'sensor-communication' && m.kind !== 'user-communication') {
        out.events.push({ type: 'ignored', topic, kind: m.kind });
        return out;
      }
      if (m.kind === 'sensor-communication' && o.verifySensor) {
        const v = o.verifySensor(m);
        if (!v.ok) {
          out.events.push({ type: 'rejected', topic, reason: v.reason, detail: v.detail, messageId: m.messageId });
          return out;
        }
      }
      store.transaction(() => {
        out.events.length = 0;
        out.content.length = 0;
        if (m.kind === 'sensor-communication') onSensor(topic, m, out);
        else onUser(topic, m, out);
      });
      return out;
    },
    contentDone(messageId, ok) {
      store.setContentStatus(messageId, ok ? 'sent' : 'failed', now());
    },
  };
}
