/**
 * The event stream of the virtual store: what the simulation does, one JSON object per event, for
 * people (`sim store --json`), the live map and backend tests. Every event has `t` (store clock,
 * epoch ms — the clock gateways and phones stamp with) and `type`.
 *
 * Ground truth is part of the stream (`visit.*`, `pickup.*`, `phone.user-communication`) and is
 * also collected by `truth()` (truth.ts). No event carries a raw identifier: people appear as
 * `personId` / `customerId`, phones as `deviceHash` (and the deviceId inside the messages they
 * publish, which is what the broker sees anyway).
 *
 * Events from the simulation itself are deterministic for a seed (same sequence, same content).
 * Events marked "network" depend on the broker and the backend (timing, whether content arrives).
 */
import type { ContentItem, UserCommunication } from '../../protocol/messages/index.js';
import type { TriggerType } from '../phone/triggers.js';

interface Base {
  t: number;
}

export type StoreEvent =
  | (Base & { type: 'sim.started'; siteId: string; seed: number; shoppers: number; displays: number; gateways: string[]; speed: number })
  | (Base & {
      type: 'shopper.arrived';
      shopperId: string;
      personId: string;
      customerId: string | null;
      route: string[];
      cart: string | null;
      phone: { deviceHash: string; consent: boolean } | null;
    })
  | (Base & { type: 'shopper.left'; shopperId: string })
  /** Ground truth: the shopper came within the presence radius of the display's stand point. */
  | (Base & { type: 'visit.started'; shopperId: string; displayId: string; sensorId: string; stopped: boolean })
  | (Base & { type: 'visit.ended'; shopperId: string; displayId: string; sensorId: string; stopped: boolean })
  /** Ground truth: an item picked up (its pad pressed) at a display. */
  | (Base & { type: 'pickup.started'; shopperId: string; displayId: string; sensorId: string; channel: number; itemId: string | null })
  | (Base & { type: 'pickup.ended'; shopperId: string; displayId: string; sensorId: string; channel: number; itemId: string | null; durationMs: number })
  | (Base & { type: 'phone.app-started'; shopperId: string; deviceHash: string; consent: boolean })
  | (Base & { type: 'phone.consent-revoked'; shopperId: string; deviceHash: string })
  /** Ground truth: this phone (shopper) generated this user communication (the published payload). */
  | (Base & { type: 'phone.user-communication'; shopperId: string; deviceHash: string; trigger: TriggerType; message: UserCommunication })
  /** network */
  | (Base & { type: 'phone.published'; shopperId: string; messageId: string })
  /** network */
  | (Base & { type: 'phone.publish-failed'; shopperId: string; messageId: string; error: string })
  /** network: a content item arrived and was accepted; it is shown at showAt. */
  | (Base & { type: 'phone.content-received'; shopperId: string; deviceHash: string; messageId: string; contentId: string; showAt: number; expiresAt: number })
  /** network: the app displays the content item ([0245]–[0248]). */
  | (Base & {
      type: 'phone.content-shown';
      shopperId: string;
      deviceHash: string;
      receivedAt: number;
      item: Pick<ContentItem, 'messageId' | 'contentId' | 'sensorId' | 'contentKind' | 'title' | 'body'> & { itemId?: string; url?: string };
    })
  /** network */
  | (Base & { type: 'phone.content-refused'; shopperId: string; deviceHash: string; reason: string; detail: string })
  /** network: accepted, but its display time came after expiresAt. */
  | (Base & { type: 'phone.content-expired'; shopperId: string; deviceHash: string; messageId: string; contentId: string })
  /** Where everyone is, every `positionsEveryMs`: for the map. */
  | (Base & { type: 'positions'; shoppers: { shopperId: string; x: number; y: number; moving: boolean; at: string | null }[] })
  | (Base & { type: 'sim.stopped'; summary: StoreSummary });

export type StoreEventType = StoreEvent['type'];

export interface StoreSummary {
  simulatedMs: number;
  shoppersArrived: number;
  shoppersLeft: number;
  visits: number;
  pickups: number;
  advertisements: number;
  gatewayReceptions: number;
  phoneReceptions: number;
  userCommunications: number;
  withIdentifiers: number;
  contentReceived: number;
  contentShown: number;
}

/** Events whose content does not depend on the network (for determinism checks). */
export const NETWORK_EVENTS: ReadonlySet<StoreEventType> = new Set([
  'phone.published',
  'phone.publish-failed',
  'phone.content-received',
  'phone.content-shown',
  'phone.content-refused',
  'phone.content-expired',
]);
