/**
 * `startStoreSim`: the virtual store running on the store clock, with its outputs attached —
 *  - the simulated radio: each gateway's receptions as UDP datagrams to its sim port on 127.0.0.1
 *    (beacon-sim/radio), or onto in-process buses;
 *  - `radio: 'ble'`: the beacons on real air through bleno (ble-output.ts) instead;
 *  - the radar and touch pads on pseudo-terminals (live-sensors.ts);
 *  - the phones on the broker as role `phone` (beacon-sim/phone mqtt-link.ts): they publish their
 *    user communications and show the content items that come back.
 * It returns an event emitter of StoreEvents (events.ts), the ground truth (truth.ts), the store
 * clock to give in-process gateways and backends (clock.ts), and the derived site (derive.ts) for
 * this run's ports and device paths, so `npm start` and backend tests can run the whole loop in one
 * process.
 *
 * A driver timer advances the engine to the store clock every `tickMs` of wall time. The engine runs
 * events at their own store times, so the datagrams of one tick leave together: a gateway stamps them
 * on arrival, up to `tickMs × speed` store-ms after the event (20 ms × 10 = 200 ms at --speed 10).
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Advertiser } from '../../gateway/ble/advertiser.js';
import type { BlenoLike } from '../../gateway/ble/libs.js';
import { createSimBroadcaster, type SimBroadcaster } from '../radio/broadcaster.js';
import type { RadioBus } from '../radio/bus.js';
import { type PhoneLink, connectPhone } from '../phone/mqtt-link.js';
import { createBleBeacons } from './ble-output.js';
import { type SimClock, createSimClock } from './clock.js';
import { type DerivedSite, deriveGateways } from './derive.js';
import { type StoreEngine, createStoreEngine } from './engine.js';
import type { StoreEvent, StoreSummary } from './events.js';
import type { StoreLayout } from './layout-schema.js';
import { loadLayout } from './layout.js';
import { type StoreSensors, startStoreSensors } from './live-sensors.js';
import type { Person } from './shoppers.js';
import type { GroundTruth } from './truth.js';

export interface StoreSimOptions {
  /** A checked layout, or the path of a layout file. */
  layout: StoreLayout | string;
  seed?: number;
  /** Shoppers in the store at once (default: the layout's). */
  shoppers?: number;
  /** Store seconds per wall second. Default 1. */
  speed?: number;
  /** Store clock at the start, epoch ms. Default: now. */
  startAtMs?: number;
  /** Stop after this many *store* seconds (wall time = durationS / speed). Default: until stop(). */
  durationS?: number;
  /** 'sim' (default): UDP / buses to the gateways. 'ble': real advertising through bleno. 'none': phones only. */
  radio?: 'sim' | 'ble' | 'none';
  /** Per-gateway UDP ports instead of the layout's. */
  simPorts?: Readonly<Record<string, number>>;
  /** Per-gateway in-process radio buses (instead of UDP) for gateways built on createSimScanner({ bus }). */
  buses?: Readonly<Record<string, RadioBus>>;
  /** Pseudo-terminal sensors: true (default) in a temporary folder, { devDir } in that folder, false for none. */
  sensors?: boolean | { devDir: string };
  /** The broker the phones use; absent: phones run but publish nothing. Also the derived gateways' broker. */
  broker?: string | { url: string; username?: string; password?: string };
  /** Root of the derived gateways' data folders (`<gatewayDataDir>/<gatewayId>`); default `data` beside their configs. */
  gatewayDataDir?: string;
  ble?: { displays?: string[]; cadenceMs?: number; bleno?: BlenoLike };
  /** `positions` events this often (store ms); 0 for none. Default 500. */
  positionsEveryMs?: number;
  /** Wall ms between engine advances. Default 20. */
  tickMs?: number;
  /**
   * Do not start yet: the store clock stands still until start(), so in-process gateways and a
   * backend can be started on `clock` first and see the first shopper walk in. Default false.
   */
  paused?: boolean;
}

export interface CustomerRecord {
  customerId: string;
  email: string;
  phone: string;
}

export interface StoreSim {
  /** 'event' → StoreEvent, in order. */
  readonly events: EventEmitter<{ event: [StoreEvent] }>;
  /** The store clock: give it to in-process gateways (startGateway({ clock })) and the backend. */
  readonly clock: SimClock;
  readonly engine: StoreEngine;
  readonly layout: StoreLayout;
  readonly seed: number;
  /** Site registry and gateway configs for this run's ports and pseudo-terminals (writeGatewayFiles). */
  readonly site: DerivedSite;
  /** Where the pseudo-terminals are (undefined without sensors). */
  readonly devDir: string | undefined;
  truth(): GroundTruth;
  /** Everyone who may visit, with raw identifiers: for privacy checks only. */
  people(): readonly Person[];
  /** The merchant's CRM export (customer_id, email, phone), what a backend hashes ([0220]). */
  customers(): CustomerRecord[];
  customersCsv(): string;
  summary(): StoreSummary;
  /** Starts a paused run (no-op otherwise). */
  start(): void;
  /** Resolves with the summary when the run ends (duration or stop()). */
  readonly done: Promise<StoreSummary>;
  stop(): Promise<StoreSummary>;
}

function csvField(v: string): string {
  // RFC 4180: quote fields with a comma, quote or line break; double the quotes.
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function customersToCsv(rows: readonly CustomerRecord[]): string {
  return ['customer_id,email,phone', ...rows.map((r) => [r.customerId, r.email, r.phone].map(csvField).join(','))].join('\n') + '\n';
}

export async function startStoreSim(o: StoreSimOptions): Promise<StoreSim> {
  let layout: StoreLayout;
  if (typeof o.layout === 'string') {
    const r = loadLayout(o.layout);
    if (!r.ok) throw new RangeError(`layout ${o.layout}: ${r.errors.map((e) => `${e.file}:${e.line}:${e.col} ${e.key}: ${e.message}`).join('; ')}`);
    layout = r.layout;
  } else layout = o.layout;
  const seed = o.seed ?? 1;
  const clock = createSimClock({ speed: o.speed ?? 1, paused: true, ...(o.startAtMs !== undefined ? { startAtMs: o.startAtMs } : {}) });
  const radioKind = o.radio ?? 'sim';
  const cleanups: (() => Promise<void> | void)[] = [];
  const runCleanups = async () => {
    for (const c of cleanups.splice(0).reverse()) {
      try {
        await c();
      } catch {
        // keep stopping the rest
      }
    }
  };

  let devDir: string | undefined;
  if (o.sensors !== false) {
    if (typeof o.sensors === 'object') devDir = o.sensors.devDir;
    else {
      const dir = mkdtempSync(join(tmpdir(), 'touchpoint-store-'));
      devDir = dir;
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    }
  }
  const brokerUrl = typeof o.broker === 'string' ? o.broker : o.broker?.url;
  const site = deriveGateways(layout, {
    devDir: devDir ?? tmpdir(),
    sensors: devDir !== undefined,
    ...(o.simPorts ? { simPorts: o.simPorts } : {}),
    ...(brokerUrl ? { brokerUrl } : {}),
    ...(o.gatewayDataDir ? { dataDir: o.gatewayDataDir } : {}),
  });

  // ---- radio to the gateways ----
  const senders = new Map<string, SimBroadcaster>();
  if (radioKind === 'sim') {
    for (const g of site.gateways) {
      const bus = o.buses?.[g.gatewayId];
      const b = createSimBroadcaster(bus ? { bus } : { port: g.simPort });
      senders.set(g.gatewayId, b);
      cleanups.push(() => b.close());
    }
  }

  const engine = createStoreEngine({
    layout,
    seed,
    startAtMs: clock.startAtMs,
    speed: clock.speed,
    ...(o.shoppers !== undefined ? { shoppers: o.shoppers } : {}),
    ...(o.positionsEveryMs !== undefined ? { positionsEveryMs: o.positionsEveryMs } : {}),
    ...(radioKind === 'sim' ? { toGateway: (id, packet) => senders.get(id)?.send(packet) } : {}),
  });
  const events = new EventEmitter<{ event: [StoreEvent] }>();
  engine.on((e) => events.emit('event', e));

  try {
    if (devDir !== undefined) {
      const sensors: StoreSensors = await startStoreSensors(engine, { devDir, clock, seed });
      cleanups.push(() => sensors.stop());
    }
    if (radioKind === 'ble') {
      const adv: Advertiser = createBleBeacons(layout, { clock, ...(o.ble?.displays ? { displays: o.ble.displays } : {}), ...(o.ble?.cadenceMs ? { cadenceMs: o.ble.cadenceMs } : {}), ...(o.ble?.bleno ? { bleno: o.ble.bleno } : {}) });
      await adv.start();
      cleanups.push(() => adv.stop());
    }
  } catch (e) {
    await runCleanups();
    throw e;
  }

  const endAt = o.durationS !== undefined ? clock.startAtMs + o.durationS * 1000 : Infinity;
  let stopping: Promise<StoreSummary> | undefined;

  // ---- phones on the broker ----
  const broker = typeof o.broker === 'string' ? { url: o.broker } : o.broker;
  const links = new Map<string, { link: PhoneLink; shopperId: string; closeTimer?: NodeJS.Timeout }>();
  const lingerWallMs = (layout.phone.lingerS * 1000) / clock.speed;
  if (broker) {
    engine.on((e) => {
      if (e.type === 'phone.app-started') {
        const phone = engine.phone(e.shopperId);
        if (!phone) return;
        const existing = links.get(phone.deviceId);
        if (existing) {
          // The same person back while the app still lingered: one connection per install ID.
          clearTimeout(existing.closeTimer);
          existing.shopperId = e.shopperId;
          return;
        }
        const entry: { link: PhoneLink; shopperId: string; closeTimer?: NodeJS.Timeout } = {
          shopperId: e.shopperId,
          link: connectPhone({
            url: broker.url,
            siteId: layout.site.id,
            deviceId: phone.deviceId,
            ...(broker.username !== undefined ? { username: broker.username } : {}),
            ...(broker.password !== undefined ? { password: broker.password } : {}),
            onContent: (topic, payload) => {
              // After the end nothing more happens in the store, not even through a late message.
              if (stopping || clock.now() > endAt) return;
              engine.deliverContent(entry.shopperId, topic, payload, clock.now());
            },
          }),
        };
        links.set(phone.deviceId, entry);
      } else if (e.type === 'phone.user-communication') {
        const entry = links.get(e.message.deviceId);
        if (!entry) return;
        const { messageId } = e.message;
        entry.link.publish(e.message).then(
          () => engine.report({ t: clock.now(), type: 'phone.published', shopperId: e.shopperId, messageId }),
          (err: unknown) => engine.report({ t: clock.now(), type: 'phone.publish-failed', shopperId: e.shopperId, messageId, error: err instanceof Error ? err.message : String(err) }),
        );
      } else if (e.type === 'shopper.left') {
        for (const [deviceId, entry] of links) {
          if (entry.shopperId !== e.shopperId) continue;
          entry.closeTimer = setTimeout(() => {
            links.delete(deviceId);
            void entry.link.close();
          }, lingerWallMs);
        }
      }
    });
    cleanups.push(async () => {
      const all = [...links.values()];
      links.clear();
      for (const l of all) clearTimeout(l.closeTimer);
      await Promise.all(all.map((l) => l.link.close()));
    });
  }

  // ---- driver ----
  let resolveDone!: (s: StoreSummary) => void;
  const done = new Promise<StoreSummary>((r) => (resolveDone = r));
  let timer: NodeJS.Timeout | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      clearInterval(timer);
      engine.advanceTo(Math.min(clock.now(), endAt));
      const t = Math.round(engine.now);
      // Phones flush their last publishes (their acknowledgements are events too) before the last event.
      await runCleanups();
      const summary = engine.summary();
      events.emit('event', { t, type: 'sim.stopped', summary });
      resolveDone(summary);
      return summary;
    })());
  const start = () => {
    if (timer !== undefined || stopping) return;
    clock.resume();
    engine.advanceTo(clock.now());
    timer = setInterval(() => {
      const t = clock.now();
      engine.advanceTo(Math.min(t, endAt));
      if (t >= endAt) void stop();
    }, o.tickMs ?? 20);
  };
  if (!o.paused) start();

  return {
    events,
    clock,
    engine,
    layout,
    seed,
    site,
    devDir,
    truth: () => engine.truth(),
    people: () => engine.people(),
    customers: () => engine.customers(),
    customersCsv: () => customersToCsv(engine.customers()),
    summary: () => engine.summary(),
    start,
    done,
    stop,
  };
}
