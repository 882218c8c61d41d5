/**
 * What the backend sends once interest passes the threshold: a first-party advertising
 * communication 1050 ([0245]) carrying a content item and its timing instructions ([0246]).
 * For an item in stock here, an incentive to buy it here ([0238], [0242]); for an item out of
 * stock here, where else to get it — another store or an online order form ([0238], [0241]).
 * Pure: the caller supplies IDs and time.
 */
import type { ContentItem } from '../../protocol/messages/index.js';
import type { CatalogItem, ContentTemplate } from './items.js';
import type { StockState } from './interest.js';

export interface ContentTiming {
  /** Show this long after the phone receives it. Default 0: at once, while the shopper is at the shelf. */
  delayMs: number;
  /** The item expires this long after it was generated ([0246]–[0247]: "within the predetermined time period of the physical interaction"). */
  ttlMs: number;
}

export const DEFAULT_CONTENT_TIMING: Readonly<ContentTiming> = { delayMs: 0, ttlMs: 15 * 60_000 };

/** A topic-safe content ID: [A-Za-z0-9._-]{1,64} (protocol/messages ID_PATTERN). */
function contentIdFor(prefix: string, itemId: string): string {
  return `${prefix}-${itemId.replace(/[^A-Za-z0-9._-]+/g, '-')}`.slice(0, 64);
}

function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

export function defaultTemplate(kind: 'incentive' | 'alternative-location', itemId: string, item: CatalogItem | undefined): ContentTemplate {
  const name = clip(item?.name ?? itemId, 80);
  return kind === 'incentive'
    ? {
        contentId: contentIdFor('incentive', itemId),
        title: `${name}: a thank-you offer`,
        body: `Show this screen at the till today for a thank-you discount on ${name}.`,
      }
    : {
        contentId: contentIdFor('elsewhere', itemId),
        title: `${name} is sold out here`,
        body: `We can get ${name} for you from another of our stores, or you can order it online.`,
      };
}

export interface ContentRequest {
  messageId: string;
  siteId: string;
  deviceId: string;
  sensorId: string;
  itemId: string;
  item: CatalogItem | undefined;
  stock: StockState;
  now: number;
  timing: ContentTiming;
}

export function buildContentItem(r: ContentRequest): ContentItem {
  const kind = r.stock === 'out' ? 'alternative-location' : 'incentive';
  const t = (kind === 'incentive' ? r.item?.incentive : r.item?.elsewhere) ?? defaultTemplate(kind, r.itemId, r.item);
  return {
    v: 1,
    kind: 'content-item',
    messageId: r.messageId,
    contentId: t.contentId,
    siteId: r.siteId,
    deviceId: r.deviceId,
    sensorId: r.sensorId,
    itemId: r.itemId,
    contentKind: kind,
    title: t.title,
    body: t.body,
    ...(t.url !== undefined ? { url: t.url } : {}),
    timing: { delayMs: r.timing.delayMs, expiresAt: r.now + r.timing.ttlMs },
    timestamp: r.now,
  };
}
