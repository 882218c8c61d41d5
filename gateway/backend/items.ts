/**
 * The merchant's item data ([0237]): which items exist, where they are (item type, area, the
 * beacons that mark them), how many are in stock, the interest threshold each needs ([0244]) and the
 * content to send ([0238], [0241]–[0242]). Read once at start from a YAML or JSON file:
 *
 *   v: 1
 *   defaults: { threshold: 8, lowStock: 3 }
 *   items:
 *     - itemId: sku-88412
 *       name: Pro fielding glove
 *       itemType: sports
 *       area: aisle-7
 *       stock: 2                      # ≤ lowStock lowers the threshold, 0 = out of stock here
 *       sensorIds: [ibeacon:f7826da6-4fa2-4e98-8024-bc5b71e0893e:100:1]
 *       incentive: { contentId: promo-glove, title: 10% off the glove in your hand, body: Show this screen at the till. }
 *       elsewhere: { contentId: glove-elsewhere, title: Sold out here, body: In stock at Store 14, url: https://shop.example/glove }
 *
 * Parsing never throws; every problem comes back as `path: message`.
 */
import { readFileSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import YAML from 'yaml';
import { ContentItem, formatBeaconId, Label, parseBeaconId } from '../../protocol/messages/index.js';

const Stock = (description: string) => Type.Integer({ minimum: 0, maximum: 1_000_000_000, description });
const Threshold = Type.Number({ minimum: 0, maximum: 1_000_000, description: 'Interest level at or above which content is sent ([0244]).' });

/** The text of a content item; the rest (IDs, timing) is filled in when it is sent. */
export const ContentTemplate = Type.Object(
  {
    contentId: ContentItem.properties.contentId,
    title: ContentItem.properties.title,
    body: ContentItem.properties.body,
    url: ContentItem.properties.url,
  },
  { additionalProperties: false },
);
export type ContentTemplate = Static<typeof ContentTemplate>;

export const CatalogItem = Type.Object(
  {
    itemId: Label('First-party item ID, as gateways report it in interaction.item.itemId ([0200]).'),
    name: Type.Optional(Label('Name shown in default content texts.', 100)),
    itemType: Type.Optional(Label('Item type, e.g. "sports" ([0201]).')),
    area: Type.Optional(Label('Area of the store ([0200], [0227]).')),
    stock: Type.Optional(Stock('Units on site now; 0 = out of stock here ([0238], [0241]). Absent = unknown, treated as in stock.')),
    lowStock: Type.Optional(Stock('At or below this stock the threshold is lowered ([0244]).')),
    highStock: Type.Optional(Stock('At or above this stock the threshold is raised ([0244]).')),
    threshold: Type.Optional(Threshold),
    sensorIds: Type.Optional(Type.Array(Type.String({ maxLength: 68 }), { maxItems: 64, description: 'Beacons that mark this item.' })),
    incentive: Type.Optional(ContentTemplate),
    elsewhere: Type.Optional(ContentTemplate),
  },
  { additionalProperties: false },
);
export type CatalogItem = Static<typeof CatalogItem>;

export const ItemsFile = Type.Object(
  {
    v: Type.Literal(1),
    defaults: Type.Optional(
      Type.Object(
        {
          threshold: Type.Optional(Threshold),
          lowStock: Type.Optional(Stock('Default low-stock level.')),
          lowStockFactor: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
          highStockFactor: Type.Optional(Type.Number({ minimum: 1, maximum: 100 })),
        },
        { additionalProperties: false },
      ),
    ),
    items: Type.Array(CatalogItem, { maxItems: 100_000 }),
  },
  { additionalProperties: false },
);
export type ItemsFile = Static<typeof ItemsFile>;

export interface ItemRef {
  itemId?: string | undefined;
  itemType?: string | undefined;
  area?: string | undefined;
}

export interface CatalogDefaults {
  threshold?: number | undefined;
  lowStock?: number | undefined;
  lowStockFactor?: number | undefined;
  highStockFactor?: number | undefined;
}

export interface ItemCatalog {
  readonly defaults: CatalogDefaults;
  readonly size: number;
  item(itemId: string): CatalogItem | undefined;
  /** The item, type or area a beacon marks according to this file. */
  bySensor(sensorId: string): ItemRef | undefined;
  ofType(itemType: string): readonly CatalogItem[];
  inArea(area: string): readonly CatalogItem[];
}

export type ItemsResult = { ok: true; catalog: ItemCatalog } | { ok: false; errors: string[] };

const check = TypeCompiler.Compile(ItemsFile);

export function createCatalog(file: Pick<ItemsFile, 'items'> & { defaults?: CatalogDefaults | undefined }): ItemCatalog {
  const byId = new Map<string, CatalogItem>();
  const bySensor = new Map<string, ItemRef>();
  const byType = new Map<string, CatalogItem[]>();
  const byArea = new Map<string, CatalogItem[]>();
  const push = (m: Map<string, CatalogItem[]>, k: string | undefined, it: CatalogItem) => {
    if (k !== undefined) m.set(k, [...(m.get(k) ?? []), it]);
  };
  for (const it of file.items) {
    byId.set(it.itemId, it);
    for (const s of it.sensorIds ?? []) bySensor.set(s, { itemId: it.itemId, itemType: it.itemType, area: it.area });
    push(byType, it.itemType, it);
    push(byArea, it.area, it);
  }
  return {
    defaults: file.defaults ?? {},
    size: byId.size,
    item: (id) => byId.get(id),
    bySensor: (s) => bySensor.get(s),
    ofType: (t) => byType.get(t) ?? [],
    inArea: (a) => byArea.get(a) ?? [],
  };
}

export const EMPTY_CATALOG: ItemCatalog = createCatalog({ items: [] });

export function validateItemsFile(value: unknown): ItemsResult {
  if (!check.Check(value)) {
    const errors = [...check.Errors(value)].slice(0, 20).map((e) => `${e.path || '/'}: ${e.message}`);
    return { ok: false, errors };
  }
  const errors: string[] = [];
  const seenItem = new Map<string, number>();
  const seenSensor = new Map<string, string>();
  value.items.forEach((it, i) => {
    const first = seenItem.get(it.itemId);
    if (first !== undefined) errors.push(`/items/${i}/itemId: duplicate item ${it.itemId} (first at /items/${first})`);
    else seenItem.set(it.itemId, i);
    (it.sensorIds ?? []).forEach((s, j) => {
      const p = parseBeaconId(s);
      if (!p.ok) return void errors.push(`/items/${i}/sensorIds/${j}: ${p.error.message}`);
      const canonical = formatBeaconId(p.value);
      // One beacon marking two items would make every interaction at it ambiguous ([0231] matches on equality).
      const owner = seenSensor.get(canonical);
      if (owner !== undefined && owner !== it.itemId) errors.push(`/items/${i}/sensorIds/${j}: beacon already marks item ${owner}`);
      seenSensor.set(canonical, it.itemId);
    });
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, catalog: createCatalog(value) };
}

export function parseItemsText(text: string): ItemsResult {
  let value: unknown;
  try {
    value = YAML.parse(text, { maxAliasCount: 100 });
  } catch (e) {
    return { ok: false, errors: [`not YAML or JSON: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`] };
  }
  return validateItemsFile(value);
}

export function loadItemsFile(path: string): ItemsResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return { ok: false, errors: [`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`] };
  }
  const r = parseItemsText(text);
  return r.ok ? r : { ok: false, errors: r.errors.map((m) => `${path} ${m}`) };
}
