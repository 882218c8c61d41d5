/**
 * What the live store map receives over its WebSocket, one JSON object per message. The server
 * (server.ts) is fed by whoever runs the loop — the store simulator, the gateways' stream as a
 * subscriber sees it, the backend — and knows none of them: everything it shows is in these shapes.
 */
import type { ContentItem, SensorCommunication, UserCommunication } from '../../../protocol/messages/index.js';
import type { StoreEvent } from '../events.js';

/** The backend's match, as much of it as the map shows (gateway/backend processor.ts MatchInfo). */
export interface MapMatch {
  sensorId: string;
  gatewayId: string;
  sensorMessageId: string;
  userMessageId: string;
  deviceId: string;
  interactionType: string;
  deltaMs: number;
  referenced: boolean;
}

export type MapEvent =
  | { kind: 'store'; event: StoreEvent }
  | { kind: 'sensor'; t: number; message: SensorCommunication }
  | { kind: 'user'; t: number; message: UserCommunication; referenced: boolean }
  | { kind: 'match'; t: number; match: MapMatch }
  | { kind: 'content'; t: number; message: ContentItem; interest: number; threshold: number }
  | { kind: 'summary'; summary: Record<string, unknown> };

/** The floor plan the page draws (from the layout, without beacon keys or anything secret). */
export interface MapLayout {
  siteId: string;
  name: string | undefined;
  floor: { widthM: number; depthM: number; entrance: [number, number] };
  displays: { id: string; kind: string; name: string | undefined; at: [number, number]; facing: number; beacon: string; sensorId: string; radar: boolean; touch: boolean; item: string | undefined }[];
  gateways: { id: string; display: string; at: [number, number] }[];
}

/** First message on every connection: the plan, and what happened before the page connected. */
export interface MapHello {
  kind: 'hello';
  layout: MapLayout;
  backlog: MapEvent[];
}
