/** One line per store event for people (`sim store`, `npm start`); null for events not worth a line. */
import type { StoreEvent } from './events.js';

export function describeStoreEvent(e: StoreEvent): string | null {
  const at = new Date(e.t).toISOString().slice(11, 23);
  switch (e.type) {
    case 'sim.started':
      return `${at}  store ${e.siteId} open: ${e.shoppers} shoppers at once, seed ${e.seed}, speed ×${e.speed}, gateways ${e.gateways.join(', ') || 'none'}`;
    case 'shopper.arrived':
      return `${at}  ${e.shopperId} arrives (${e.customerId ? `customer ${e.customerId}` : 'not a customer'}; ${e.phone ? `app, ${e.phone.consent ? 'consent' : 'no consent'}` : 'no app'}${e.cart ? ', cart' : ''}) → ${e.route.join(' → ')}`;
    case 'shopper.left':
      return `${at}  ${e.shopperId} leaves`;
    case 'visit.started':
      return e.stopped ? `${at}  ${e.shopperId} at ${e.displayId}` : null;
    case 'pickup.started':
      return `${at}  ${e.shopperId} picks up ${e.itemId ?? 'an item'} at ${e.displayId} (pad ${e.channel})`;
    case 'pickup.ended':
      return `${at}  ${e.shopperId} puts ${e.itemId ?? 'the item'} down after ${(e.durationMs / 1000).toFixed(1)} s`;
    case 'phone.consent-revoked':
      return `${at}  ${e.shopperId} revokes consent`;
    case 'phone.user-communication': {
      const m = e.message;
      const what = m.followUp === 0 ? `${m.trigger.type} trigger` : `follow-up ${m.followUp}`;
      return `${at}  ${e.shopperId} phone → ${what} ${m.sensorId} (period ${(m.trigger.periodMs / 1000).toFixed(1)} s, max ${m.trigger.maxRssi} dBm, ${m.identifiers.length} hashed identifiers)`;
    }
    case 'phone.publish-failed':
      return `${at}  ${e.shopperId} phone: publish of ${e.messageId} failed: ${e.error}`;
    case 'phone.content-shown':
      return `${at}  ${e.shopperId} phone shows "${e.item.title}" (${e.item.contentKind}${e.item.itemId ? `, ${e.item.itemId}` : ''})`;
    case 'phone.content-expired':
      return `${at}  ${e.shopperId} phone: content ${e.contentId} expired before it could show`;
    case 'phone.content-refused':
      return `${at}  ${e.shopperId} phone refused content: ${e.reason}`;
    default:
      return null;
  }
}
