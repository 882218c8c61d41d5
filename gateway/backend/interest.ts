/**
 * Item interest level ([0225]–[0232]) and the per-item threshold that decides whether to send a
 * content item ([0244]). Pure: the processor stores the scores and sums them in SQL.
 *
 * Score of one communication for one item:
 *
 *   score = (weight[type] + durationBonus) × relation[item|type|area]   (+ handling bonus for phones)
 *
 * - weight: [0232] ranks the interaction types — "a touching/holding action can result in a
 *   higher interest level … than … an approaching/viewing action". approach 1, view 2, touch 4,
 *   hold 6. The presence events are weighted like the actions they resemble: dwell 2 (staying
 *   near, like viewing), proximity 1 (close by, like approaching). left 0: leaving adds nothing.
 * - durationBonus: dwell time counts ([0230] trigger data "a period of time between a first and
 *   last beacon communication"): +0.5 per 10 s, at most +3 (a minute); only for weighted types.
 * - relation: [0226]–[0229] — the beacon may mark the item itself, only its item type, or only an
 *   area. Interest spreads to every item of the type or area, but thinner: item 1, type 0.5, area 0.25.
 * - handling bonus (user communications only): claim 7 / [0212] movement data "descriptive of
 *   physical interactions with the item" — an acceleration peak ≥ 2.5 m/s² while taking at most
 *   5 steps reads as picking something up rather than walking past: +2.
 *
 * Interest level of a device in an item = the strongest phone-reported presence (user
 * communications are repeated while the phone keeps hearing the beacon — claim 8 — so they count
 * once, as a maximum) + the sum of the gateway-observed interactions matched to that device, over
 * the last `interestWindowMs`.
 *
 * Threshold ([0244]): item threshold (else defaults.threshold, else 8), × lowStockFactor (0.5) when
 * stock ≤ lowStock (default 3) — "decreased in response to a low supply" — or × highStockFactor
 * (1.25) when the item sets highStock and stock ≥ it — "increased in response to a high supply".
 * With the defaults a 5 s dwell plus a touch (≈ 6.3) passes only at low stock; a dwell plus a hold,
 * or a dwell plus view and touch, passes at any stock.
 */
import type { SensorCommunication, UserCommunication } from '../../protocol/messages/index.js';
import type { CatalogDefaults, CatalogItem } from './items.js';

export type InteractionType = SensorCommunication['interaction']['type'];
export type Relation = 'item' | 'type' | 'area';

export const INTERACTION_WEIGHTS: { readonly [K in InteractionType]: number } = {
  approach: 1,
  view: 2,
  touch: 4,
  hold: 6,
  dwell: 2,
  proximity: 1,
  left: 0,
};

export const RELATION_FACTORS: { readonly [R in Relation]: number } = { item: 1, type: 0.5, area: 0.25 };

export const DURATION_BONUS_PER_10S = 0.5;
export const DURATION_BONUS_MAX = 3;
export const HANDLING_PEAK_MS2 = 2.5;
export const HANDLING_MAX_STEPS = 5;
export const HANDLING_BONUS = 2;

export interface InterestOptions {
  /** Threshold for items the items file does not set one for. Default 8. */
  defaultThreshold: number;
  /** Stock at or below which the threshold is lowered. Default 3. */
  lowStock: number;
  /** Multiplier at low stock. Default 0.5. */
  lowStockFactor: number;
  /** Multiplier at or above an item's highStock. Default 1.25. */
  highStockFactor: number;
  /** Interest counts communications from this far back, ms. Default 10 minutes. */
  interestWindowMs: number;
}

export const DEFAULT_INTEREST: Readonly<InterestOptions> = {
  defaultThreshold: 8,
  lowStock: 3,
  lowStockFactor: 0.5,
  highStockFactor: 1.25,
  interestWindowMs: 10 * 60_000,
};

export function durationBonus(durationMs: number): number {
  if (!(durationMs > 0)) return 0;
  return Math.min(DURATION_BONUS_MAX, (durationMs / 10_000) * DURATION_BONUS_PER_10S);
}

const round = (x: number) => Math.round(x * 1000) / 1000;

export function sensorScore(interaction: Pick<SensorCommunication['interaction'], 'type' | 'durationMs'>, relation: Relation): number {
  const w = INTERACTION_WEIGHTS[interaction.type];
  if (w === 0) return 0;
  return round((w + durationBonus(interaction.durationMs)) * RELATION_FACTORS[relation]);
}

export function isHandling(movement: UserCommunication['movement']): boolean {
  const a = movement?.accel;
  return a !== undefined && a.peakMs2 >= HANDLING_PEAK_MS2 && (movement?.steps ?? 0) <= HANDLING_MAX_STEPS;
}

export function userScore(m: Pick<UserCommunication, 'trigger' | 'movement'>, relation: Relation): number {
  const base = INTERACTION_WEIGHTS[m.trigger.type] + durationBonus(m.trigger.periodMs) + (isHandling(m.movement) ? HANDLING_BONUS : 0);
  return round(base * RELATION_FACTORS[relation]);
}

export type StockState = 'unknown' | 'out' | 'low' | 'normal' | 'high';

export function stockState(item: CatalogItem | undefined, defaults: CatalogDefaults, o: InterestOptions): StockState {
  const stock = item?.stock;
  if (stock === undefined) return 'unknown';
  if (stock === 0) return 'out';
  if (stock <= (item?.lowStock ?? defaults.lowStock ?? o.lowStock)) return 'low';
  if (item?.highStock !== undefined && stock >= item.highStock) return 'high';
  return 'normal';
}

export function thresholdFor(item: CatalogItem | undefined, defaults: CatalogDefaults, o: InterestOptions): number {
  const base = item?.threshold ?? defaults.threshold ?? o.defaultThreshold;
  switch (stockState(item, defaults, o)) {
    case 'out':
    case 'low':
      return round(base * (defaults.lowStockFactor ?? o.lowStockFactor));
    case 'high':
      return round(base * (defaults.highStockFactor ?? o.highStockFactor));
    default:
      return base;
  }
}
