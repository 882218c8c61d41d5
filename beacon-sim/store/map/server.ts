/**
 * The live store map: one page on 127.0.0.1 (plain HTML, an SVG floor plan, no build step, no
 * third-party scripts) and a WebSocket at /live that pushes MapEvents (events.ts) to every open page.
 *
 * A page that connects late gets the plan and a backlog (the latest positions and the last few
 * hundred other events) in its first message, so opening the map in the middle of a run shows the
 * store as it is. A browser that stops reading (a background tab) is not allowed to grow the
 * server's memory: once its socket has more than `maxBufferedBytes` queued, events to it are
 * dropped and counted, and the page catches up from the next positions update.
 */
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import type { StoreLayout } from '../layout-schema.js';
import { beaconIdOf } from '../layout.js';
import type { MapEvent, MapHello, MapLayout } from './events.js';
import { MAP_PAGE } from './page.js';

export interface StoreMapOptions {
  /** The floor plan; without one (a backend that has no layout) the page shows the feeds only. */
  layout?: StoreLayout;
  /** Title without a layout. */
  siteId?: string;
  /** Default 127.0.0.1: the map shows shoppers' movements; exposing it is a decision, not a default. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Events kept for pages that connect late. Default 300. */
  backlog?: number;
  maxBufferedBytes?: number;
}

export interface StoreMap {
  readonly url: string;
  push(e: MapEvent): void;
  stats(): { clients: number; sent: number; dropped: number };
  close(): Promise<void>;
}

export function mapLayoutOf(layout: StoreLayout): MapLayout {
  const at = new Map(layout.displays.map((d) => [d.id, d.at as [number, number]]));
  return {
    siteId: layout.site.id,
    name: layout.site.name,
    floor: { widthM: layout.floor.widthM, depthM: layout.floor.depthM, entrance: layout.floor.entrance as [number, number] },
    displays: layout.displays.map((d) => ({
      id: d.id,
      kind: d.kind,
      name: d.name,
      at: d.at as [number, number],
      facing: d.facing,
      beacon: d.beacon.type,
      sensorId: beaconIdOf(d.beacon),
      radar: d.radar !== undefined,
      touch: d.touch !== undefined,
      item: d.item.itemId ?? d.item.itemType ?? d.item.area,
    })),
    gateways: layout.gateways.map((g) => ({ id: g.id, display: g.display, at: (g.at ?? at.get(g.display) ?? [0, 0]) as [number, number] })),
  };
}

export async function startStoreMap(o: StoreMapOptions): Promise<StoreMap> {
  const plan: MapLayout = o.layout
    ? mapLayoutOf(o.layout)
    : { siteId: o.siteId ?? 'all sites', name: undefined, floor: { widthM: 0, depthM: 0, entrance: [0, 0] }, displays: [], gateways: [] };
  const keep = o.backlog ?? 300;
  const maxBuffered = o.maxBufferedBytes ?? 4 * 1024 * 1024;
  const backlog: MapEvent[] = [];
  let lastPositions: MapEvent | undefined;
  let sent = 0;
  let dropped = 0;

  const http = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') return void res.writeHead(405).end();
    if (path === '/' || path === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-security-policy': "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'" });
      return void res.end(MAP_PAGE);
    }
    if (path === '/layout.json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify(plan));
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  });
  const wss = new WebSocketServer({ server: http, path: '/live', maxPayload: 1024 });
  wss.on('connection', (ws) => {
    const hello: MapHello = { kind: 'hello', layout: plan, backlog: lastPositions ? [...backlog, lastPositions] : [...backlog] };
    ws.send(JSON.stringify(hello));
    // The page never needs to talk; anything it sends is ignored.
    ws.on('error', () => ws.terminate());
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => {
      http.off('error', reject);
      resolve();
    });
  });
  const { address, port } = http.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;

  return {
    url: `http://${host}:${port}/`,
    push(e) {
      if (e.kind === 'store' && e.event.type === 'positions') lastPositions = e;
      else {
        backlog.push(e);
        if (backlog.length > keep) backlog.splice(0, backlog.length - keep);
      }
      if (wss.clients.size === 0) return;
      const text = JSON.stringify(e);
      for (const ws of wss.clients) {
        if (ws.readyState !== WebSocket.OPEN) continue;
        if (ws.bufferedAmount > maxBuffered) {
          dropped++;
          continue;
        }
        ws.send(text);
        sent++;
      }
    },
    stats: () => ({ clients: wss.clients.size, sent, dropped }),
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      http.closeAllConnections();
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}
