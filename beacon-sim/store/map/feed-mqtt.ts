/**
 * Feeds the live map from the broker when the map runs apart from the gateways and the backend
 * (`sim store --ui --broker …`): the site's sensor and user communications and the content items
 * sent to phones, as any subscriber sees them. Matches are the backend's own business and are not on
 * the broker; `npm start` and `backend --ui` feed those from the backend itself.
 */
import mqtt from 'mqtt';
import { decodeFromTopic, topicFilter } from '../../../protocol/messages/index.js';
import type { StoreMap } from './server.js';

export interface MapFeedOptions {
  url: string;
  siteId: string;
  username?: string;
  password?: string;
  now: () => number;
  /** A subscription the broker refused (a phone login may not read gateways' topics). */
  onRefused?: (filters: string[]) => void;
}

export async function feedMapFromBroker(map: StoreMap, o: MapFeedOptions): Promise<{ close(): Promise<void> }> {
  const client = await mqtt.connectAsync(o.url, {
    protocolVersion: 4,
    reconnectPeriod: 1000,
    ...(o.username !== undefined ? { username: o.username } : {}),
    ...(o.password !== undefined ? { password: o.password } : {}),
  });
  client.on('message', (topic, payload) => {
    const d = decodeFromTopic(topic, payload);
    if (!d.ok) return;
    const m = d.message;
    if (m.kind === 'sensor-communication') map.push({ kind: 'sensor', t: m.timestamp, message: m });
    else if (m.kind === 'user-communication') map.push({ kind: 'user', t: m.timestamp, message: m, referenced: false });
    else if (m.kind === 'content-item') map.push({ kind: 'content', t: o.now(), message: m, interest: 0, threshold: 0 });
  });
  const filters = [topicFilter('sensor', { siteId: o.siteId }), topicFilter('user', { siteId: o.siteId }), topicFilter('content', { siteId: o.siteId })];
  const granted = await client.subscribeAsync(filters, { qos: 0 }).catch(() => []);
  const refused = filters.filter((f) => !granted.some((g) => g.topic === f && g.qos !== 128));
  if (refused.length > 0) o.onRefused?.(refused);
  return { close: () => client.endAsync(true).then(() => undefined) };
}
