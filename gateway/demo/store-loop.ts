/**
 * The whole loop of WO2023154062 on one machine — what `npm start` runs:
 *
 *   virtual store (beacon-sim/store) ── sim radio (UDP) ──▶ gateways (the real gateway code, one per
 *     shoppers, beacons, radar/touch ── ptys ────────────▶   layout gateway, on the store clock)
 *     phones ──┐                                               │ sensor communications (SQLite outbox)
 *              │ user communications                           ▼
 *              └──────────────────────────────────▶ embedded aedes on 127.0.0.1 ◀── watcher (seq check)
 *                                                       │            ▲
 *                                                       ▼            │ content items ([0245])
 *                                                reference backend (match by beacon ID and time,
 *                                                interest, CRM join) ──┘
 *
 * and optionally the live store map (beacon-sim/store/map) fed from all of it. Everything reads the
 * store clock, so `--speed 4` runs four store seconds per wall second for every part (clock.ts).
 * At the end the backend's matches are scored against the simulator's ground truth (truth.ts).
 */
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeGatewayFiles } from '../../beacon-sim/store/derive.js';
import { describeStoreEvent } from '../../beacon-sim/store/describe.js';
import type { StoreSummary } from '../../beacon-sim/store/events.js';
import { loadLayout } from '../../beacon-sim/store/layout.js';
import { type StoreMap, startStoreMap } from '../../beacon-sim/store/map/server.js';
import { startStoreSim } from '../../beacon-sim/store/run.js';
import { type MatchScore, scoreMatches } from '../../beacon-sim/store/truth.js';
import type { SensorCommunication } from '../../protocol/messages/index.js';
import { type BackendStats, DEFAULT_MATCH_WINDOW, type MatchInfo, type RunningBackend, parseItemsText, startBackend } from '../backend/index.js';
import { startBroker } from '../broker/index.js';
import { formatIssue, loadGateway } from '../config/index.js';
import { packageRoot } from '../provision/package-root.js';
import { type RunningGateway, startGateway } from '../run/gateway.js';
import { runWatch, type WatchSummary } from '../watch/index.js';

export const defaultLayout = () => join(packageRoot(), 'examples', 'store-apparel.yaml');

export interface StoreLoopOptions {
  /** Layout file; default the example apparel store. */
  layout?: string;
  /** Items file for the backend (stock, thresholds, content); default `<layout>-items.yaml` beside it when present. */
  items?: string;
  seed?: number;
  /** Store seconds per wall second. Default 4. */
  speed?: number;
  /** Shoppers in the store at once (default: the layout's). */
  shoppers?: number;
  /** Wall seconds to run before stopping. */
  durationS: number;
  /** Serve the live map on 127.0.0.1 (port 0 = any free port). */
  ui?: { port?: number; host?: string };
  /** One line per event. */
  out: (line: string) => void;
  /** Called once everything is wired and the store opens (the map URL is known then). */
  onReady?: (info: { brokerUrl: string; mapUrl: string | undefined }) => void;
  signal?: AbortSignal;
}

export interface StoreLoopSummary extends Omit<WatchSummary, 'gateways' | 'complete' | 'stoppedBy'> {
  /** Accepted by the gateways' pipelines and committed to their outboxes. */
  accepted: number;
  byType: Record<string, number>;
  advertisementsSeen: number;
  durationS: number;
  storeSeconds: number;
  gateways: number;
  shoppers: number;
  userCommunications: number;
  matches: number;
  contentItems: number;
  contentShown: number;
  /** The backend's matches against the simulator's ground truth. */
  matchPrecision: number;
  matchRecall: number;
}

export interface StoreLoopResult {
  summary: StoreLoopSummary;
  score: MatchScore;
  backend: BackendStats;
  store: StoreSummary;
  /** The backend's matches, in the order it made them. */
  matchList: MatchInfo[];
  sensorCommunications: SensorCommunication[];
}

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function defaultItemsFile(layout: string): string | undefined {
  const candidate = layout.replace(/\.ya?ml$/, '-items.yaml');
  try {
    readFileSync(candidate);
    return candidate;
  } catch {
    return undefined;
  }
}

const sleepUntil = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

export async function runStoreLoop(o: StoreLoopOptions): Promise<StoreLoopResult> {
  const layoutPath = o.layout ?? defaultLayout();
  const loaded = loadLayout(layoutPath);
  if (!loaded.ok) throw new Error(`${layoutPath}: ${loaded.errors.map(formatIssue).join('; ')}`);
  const layout = loaded.layout;
  const itemsPath = o.items ?? defaultItemsFile(layoutPath);
  const items = itemsPath !== undefined ? parseItemsText(readFileSync(itemsPath, 'utf8')) : undefined;
  if (items && !items.ok) throw new Error(`${itemsPath}: ${items.errors.join('; ')}`);
  const seed = o.seed ?? 1;
  const speed = o.speed ?? 4;

  const dir = mkdtempSync(join(tmpdir(), 'touchpoint-store-'));
  const cleanups: (() => Promise<unknown> | unknown)[] = [() => rmSync(dir, { recursive: true, force: true })];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await c();
  };
  try {
    const broker = await startBroker({ port: 0, anonymous: true });
    cleanups.push(() => broker.close());
    const simPorts: Record<string, number> = {};
    for (const g of layout.gateways) simPorts[g.id] = await freeUdpPort();
    const sim = await startStoreSim({
      layout,
      seed,
      speed,
      broker: broker.urls.mqtt,
      sensors: { devDir: join(dir, 'dev') },
      simPorts,
      positionsEveryMs: o.ui ? 250 : 0,
      gatewayDataDir: join(dir, 'data'),
      paused: true,
      ...(o.shoppers !== undefined ? { shoppers: o.shoppers } : {}),
    });
    cleanups.push(() => sim.stop());

    let map: StoreMap | undefined;
    if (o.ui) {
      map = await startStoreMap({ layout, host: o.ui.host ?? '127.0.0.1', port: o.ui.port ?? 0 });
      cleanups.push(() => map!.close());
    }

    const accepted: SensorCommunication[] = [];
    const gateways: RunningGateway[] = [];
    cleanups.push(() => Promise.all(gateways.map((g) => g.stop(0))));
    const files = writeGatewayFiles(join(dir, 'site'), sim.site);
    for (const c of files.configs) {
      const g = loadGateway(c.path);
      if (!g.ok) throw new Error(g.errors.map(formatIssue).join('\n'));
      gateways.push(await startGateway({ ...g, clock: sim.clock, log: () => {}, onAccepted: (m) => void accepted.push(m) }));
    }

    const backend: RunningBackend = await startBackend({
      url: broker.urls.mqtt,
      dbPath: join(dir, 'backend.sqlite'),
      siteId: layout.site.id,
      crmCsv: sim.customersCsv(),
      ...(items?.ok ? { catalog: items.catalog } : {}),
      now: () => sim.clock.now(),
    });
    cleanups.push(() => backend.close());
    const matchList: MatchInfo[] = [];
    backend.events.on('match', (m) => {
      matchList.push(m);
      o.out(`${clock(sim.clock.now())}  MATCH ${m.sensorId} ${m.interactionType} at ${m.gatewayId} ↔ phone ${m.deviceId.slice(0, 12)}… (Δ ${(m.deltaMs / 1000).toFixed(1)} s${m.referenced ? ', CRM customer' : ''})`);
      map?.push({ kind: 'match', t: sim.clock.now(), match: m });
    });
    backend.events.on('content-item', (c) => {
      o.out(`${clock(sim.clock.now())}  backend → ${c.message.deviceId.slice(0, 12)}… "${c.message.title}" (interest ${c.interest.toFixed(1)} ≥ ${c.threshold})`);
      map?.push({ kind: 'content', t: sim.clock.now(), message: c.message, interest: c.interest, threshold: c.threshold });
    });
    backend.events.on('user', (u) => map?.push({ kind: 'user', t: sim.clock.now(), message: u.message, referenced: u.referenced }));

    // Watches the gateways' streams like a backend team would: schema, duplicates and sequence gaps.
    const byType: Record<string, number> = {};
    const watchAbort = new AbortController();
    let ready!: () => void;
    const subscribed = new Promise<void>((r) => (ready = r));
    const watching = runWatch({
      url: broker.urls.mqtt,
      siteId: layout.site.id,
      signal: watchAbort.signal,
      onReady: () => ready(),
      onEvent: (e) => {
        if (e.type !== 'sensor') return;
        const m = e.message;
        const i = m.interaction;
        byType[i.type] = (byType[i.type] ?? 0) + 1;
        const flags = [e.check.duplicate && 'DUPLICATE', e.check.gap && `GAP ${e.check.gap.from}-${e.check.gap.to}`].filter(Boolean);
        const extra = [i.distanceM !== undefined && `${i.distanceM.toFixed(2)} m`, i.touchChannel !== undefined && `pad ${i.touchChannel}`, i.item?.itemId].filter(Boolean);
        o.out(`${clock(m.timestamp)}  ${m.gatewayId} seq ${m.seq} ${i.type} ${m.sensorId} ${(i.durationMs / 1000).toFixed(1)} s ${extra.join(' ')}${flags.length ? '  ' + flags.join(' ') : ''}`);
        map?.push({ kind: 'sensor', t: m.timestamp, message: m });
      },
    });
    await subscribed;

    sim.events.on('event', (e) => {
      map?.push({ kind: 'store', event: e });
      if (e.type === 'positions' || e.type === 'sim.stopped') return;
      const line = describeStoreEvent(e);
      if (line) o.out(line);
    });
    sim.start();
    const mapUrl = map?.url;
    o.out(`store ${layout.site.id}: ${layout.displays.length} beacons, ${gateways.length} gateways, seed ${seed}, speed ×${speed}; broker ${broker.urls.mqtt}${mapUrl ? `; live map ${mapUrl}` : ''}`);
    o.onReady?.({ brokerUrl: broker.urls.mqtt, mapUrl });

    await sleepUntil(o.durationS * 1000, o.signal);

    // Stop the store, let the gateways end open visits and drain their outboxes, then let the
    // watcher and the backend catch up (their counts, not a sleep, say when).
    const store = await sim.stop();
    const storeSeconds = sim.clock.elapsedMs() / 1000;
    const advertisementsSeen = gateways.reduce((n, g) => n + g.pipeline.stats().sightings.seen, 0);
    await Promise.all(gateways.map((g) => g.stop(10_000)));
    const received = () => Object.values(byType).reduce((a, b) => a + b, 0);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && (received() < accepted.length || backend.stats().sensorCommunications < accepted.length)) await new Promise((r) => setTimeout(r, 50));
    watchAbort.abort();
    const watched = await watching;
    const backendStats = await backend.close();

    const truth = sim.truth();
    const score = scoreMatches(truth, { sensorCommunications: accepted, matches: matchList, windowMs: DEFAULT_MATCH_WINDOW.windowMs });
    const { gateways: _g, complete: _c, stoppedBy: _s, ...rest } = watched;
    const summary: StoreLoopSummary = {
      ...rest,
      accepted: accepted.length,
      lost: rest.lost + Math.max(0, accepted.length - rest.sensorCommunications),
      byType,
      advertisementsSeen,
      durationS: o.durationS,
      storeSeconds: Math.round(storeSeconds),
      gateways: gateways.length,
      shoppers: store.shoppersArrived,
      userCommunications: backendStats.userCommunications,
      matches: backendStats.matches,
      contentItems: backendStats.contentItems,
      contentShown: store.contentShown,
      matchPrecision: round3(score.precision),
      matchRecall: round3(score.recall),
    };
    map?.push({ kind: 'summary', summary: { ...summary } });
    return { summary, score, backend: backendStats, store, matchList, sensorCommunications: accepted };
  } finally {
    await cleanup();
  }
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;
const clock = (t: number) => new Date(t).toISOString().slice(11, 23);
