/**
 * The store loop in virtual time: the same simulation, gateway code and matcher as `npm start`
 * (store-loop.ts), with the network and the wall clock taken out, so that a seed gives the same
 * matches every time — the reference run that tests and the closing notes quote precision and recall
 * from.
 *
 *   store engine (beacon-sim/store) ─ radio packets ─▶ advertisementFromAd ─▶ dedupe ─▶ pipeline
 *     radar / touch emulators ─ bytes ─▶ the real adapters on SerialPortMock ─────────▶ pipeline
 *     phones' user communications ─────────────────────────────────────┐      │ bodies
 *                                                                      ▼      ▼
 *                                          backend processor ◀─ JSON ─ SQLite outbox (stamps seq)
 *                                          (match, interest, content) ─▶ engine.deliverContent
 *
 * What is the same as live: the engine, the emulators' bytes, the radar and touch adapters and their
 * parsers, the gateway pipeline and its config, the outbox's stamping and validation, the backend's
 * processor and database. What is not: MQTT and UDP (messages go straight to the processor, in
 * order), pseudo-terminals (SerialPortMock), and time — every part reads the engine's clock, which
 * stands still while a step's bytes are processed and advances in `stepMs` steps.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPortMock } from 'serialport';
import { deriveGateways, writeGatewayFiles } from '../../beacon-sim/store/derive.js';
import { createStoreEngine } from '../../beacon-sim/store/engine.js';
import type { StoreEvent, StoreSummary } from '../../beacon-sim/store/events.js';
import { loadLayout } from '../../beacon-sim/store/layout.js';
import { streamSeed } from '../../beacon-sim/store/random.js';
import { customersToCsv } from '../../beacon-sim/store/run.js';
import { ulid } from '../../beacon-sim/phone/ulid.js';
import { seededRandom } from '../../beacon-sim/sensors/rng.js';
import { type MatchScore, scoreMatches } from '../../beacon-sim/store/truth.js';
import { createLd2410Emulator } from '../../beacon-sim/sensors/ld2410-emulator.js';
import type { RadarScenario } from '../../beacon-sim/sensors/scenario.js';
import type { EmulatedDevice } from '../../beacon-sim/sensors/serve.js';
import { createTouchEmulator } from '../../beacon-sim/sensors/touch-emulator.js';
import { LIVE_TOUCH_PERIOD_MS } from '../../beacon-sim/store/engine.js';
import { type SensorCommunication, encodeForPublish, sensorTopic } from '../../protocol/messages/index.js';
import { BackendStore, DEFAULT_MATCH_WINDOW, type MatchInfo, type MatchWindowOptions, createProcessor, hashCrm, parseItemsText } from '../backend/index.js';
import { advertisementFromAd } from '../ble/advertisement.js';
import { formatIssue, loadGateway } from '../config/index.js';
import type { Clock, RadioAdvertisement, Source } from '../core/types.js';
import { createPipeline, recommendedTickMs } from '../pipeline/index.js';
import { openOutbox } from '../publish/index.js';
import { createLiveDedupe } from '../remote/live.js';
import { createRadarAdapter } from '../sensors/radar-adapter.js';
import { createTouchAdapter } from '../sensors/touch-adapter.js';
import { readFileSync } from 'node:fs';

export interface StoreReplayOptions {
  layout: string;
  items?: string;
  seed: number;
  /** Store seconds to simulate. */
  durationS: number;
  shoppers?: number;
  /** Virtual-time step, ms. Default 50. */
  stepMs?: number;
  /** Store clock at the start, epoch ms. Default 2026-01-05T10:00:00Z, a Monday morning. */
  startAtMs?: number;
  /** The backend's match window (`backend --window-ms` …). Default DEFAULT_MATCH_WINDOW. */
  match?: Partial<MatchWindowOptions>;
  /**
   * Pairs the ground truth expects: same sensor, the shopper who caused the sensor communication, and
   * timestamps at most this far apart. Fixed apart from the matcher's window so that windows can be
   * compared: a narrow window loses recall, a wide one precision. Default 5000.
   */
  truthWindowMs?: number;
  /** Network latency of a content item to the phone, ms. Default 80. */
  contentLatencyMs?: number;
}

export interface StoreReplayResult {
  matches: MatchInfo[];
  sensorCommunications: SensorCommunication[];
  score: MatchScore;
  store: StoreSummary;
  contentItems: number;
  userCommunications: number;
}

const MONDAY_10AM = Date.UTC(2026, 0, 5, 10, 0, 0);

/** Lets SerialPortMock's read loop deliver what was emitted (its callbacks run on later ticks). */
async function settle(): Promise<void> {
  for (let i = 0; i < 4; i++) await new Promise((r) => setImmediate(r));
}

function radioSource(): Source<RadioAdvertisement> & { emit(ad: RadioAdvertisement): void } {
  const listeners = new Set<(ad: RadioAdvertisement) => void>();
  return {
    on(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    emit(ad) {
      for (const l of listeners) l(ad);
    },
    start: async () => {},
    stop: async () => {},
  };
}

export async function replayStore(o: StoreReplayOptions): Promise<StoreReplayResult> {
  const loaded = loadLayout(o.layout);
  if (!loaded.ok) throw new Error(loaded.errors.map(formatIssue).join('; '));
  const layout = loaded.layout;
  const items = o.items !== undefined ? parseItemsText(readFileSync(o.items, 'utf8')) : undefined;
  if (items && !items.ok) throw new Error(items.errors.join('; '));
  const stepMs = o.stepMs ?? 50;
  const startAtMs = o.startAtMs ?? MONDAY_10AM;
  const latency = o.contentLatencyMs ?? 80;

  const dir = mkdtempSync(join(tmpdir(), 'touchpoint-replay-'));
  const closers: (() => unknown)[] = [() => rmSync(dir, { recursive: true, force: true })];
  try {
    const buses = new Map<string, ReturnType<typeof radioSource>>();
    const engine = createStoreEngine({
      layout,
      seed: o.seed,
      startAtMs,
      positionsEveryMs: 0,
      ...(o.shoppers !== undefined ? { shoppers: o.shoppers } : {}),
      toGateway: (id, p) => buses.get(id)?.emit(advertisementFromAd(p.address, p.addressType, p.rssi, p.adv, { wallMs: engine.now, monoMs: engine.now - startAtMs })),
    });
    const clock: Clock = { now: () => Math.floor(engine.now), mono: () => engine.now - startAtMs };

    // the backend's processor, with the CRM export hashed as `backend --crm` does
    const store = new BackendStore(join(dir, 'backend.sqlite'));
    closers.push(() => store.close());
    const crm = hashCrm(customersToCsv(engine.customers()));
    if (!crm.ok) throw new Error(crm.reason);
    store.replaceCrm(crm.hashes, { customers: crm.customers, rejected: crm.rejected.length }, clock.now());
    const idRandom = seededRandom(streamSeed(o.seed, 'replay:content-ids'));
    const processor = createProcessor({
      store,
      ...(items?.ok ? { catalog: items.catalog } : {}),
      now: clock.now,
      ...(o.match ? { match: o.match } : {}),
      // ULIDs from a seeded stream instead of the CSPRNG, so a seed gives the same content IDs
      newId: (now) => ulid(now, idRandom),
    });
    const shopperOfDevice = new Map<string, string>();
    const matches: MatchInfo[] = [];
    let contentItems = 0;
    let userCommunications = 0;
    const deliver = (topic: string, payload: string | Uint8Array) => {
      const r = processor.handle(topic, payload);
      for (const e of r.events) if (e.type === 'match') matches.push(e.match);
      for (const c of r.content) {
        const shopper = shopperOfDevice.get(c.message.deviceId);
        processor.contentDone(c.message.messageId, true);
        contentItems++;
        if (shopper) engine.deliverContent(shopper, c.publication.topic, c.publication.payload, engine.now + latency);
      }
    };
    engine.on((e: StoreEvent) => {
      if (e.type !== 'phone.user-communication') return;
      shopperOfDevice.set(e.message.deviceId, e.shopperId);
      const enc = encodeForPublish(e.message);
      if (!enc.ok) throw new Error(`a phone built an invalid user communication: ${JSON.stringify(enc.errors)}`);
      userCommunications++;
      deliver(enc.value.topic, enc.value.payload);
    });

    // each gateway of the layout: config as derived for live runs, pipeline, outbox, sensors
    const devDir = join(dir, 'dev');
    const files = writeGatewayFiles(join(dir, 'site'), deriveGateways(layout, { devDir, sensors: true }));
    const sensorComms: SensorCommunication[] = [];
    const ticks: { everyMs: number; next: number; tick: () => void }[] = [];
    const devices: { device: EmulatedDevice; port: () => SerialPortMock | undefined }[] = [];
    const adapters: { stop(): Promise<void> }[] = [];
    closers.push(() => SerialPortMock.binding.reset());
    for (const c of files.configs) {
      const g = loadGateway(c.path);
      if (!g.ok) throw new Error(g.errors.map(formatIssue).join('\n'));
      const { config } = g;
      const outbox = openOutbox({ path: join(dir, `${config.gateway.id}.outbox.sqlite`), gatewayId: config.gateway.id, siteId: config.gateway.siteId, clock, bootId: 'replay' });
      closers.push(() => outbox.close());
      // Every part reads the one engine clock: synced by construction, so the matcher uses its plain
      // window (an unsynced gateway would get the extra unsyncedSlackMs, [0231]).
      const pipeline = createPipeline({ config, registry: g.registry, index: g.index, clock, clockQuality: () => ({ synced: true, offsetMs: 0, source: 'ntp' }) });
      pipeline.on((body) => {
        const r = outbox.append({ ...body, gatewayId: config.gateway.id, siteId: config.gateway.siteId });
        if (!r.ok) throw new Error(`outbox refused a body: ${r.reason}`);
        sensorComms.push(r.message);
        deliver(sensorTopic(config.gateway.siteId, config.gateway.id), JSON.stringify(r.message));
      });
      const bus = radioSource();
      buses.set(config.gateway.id, bus);
      createLiveDedupe(bus, config.radio.scan.dedupeMs).on((ad) => pipeline.onAdvertisement(ad));
      const display = layout.gateways.find((x) => x.id === config.gateway.id)!.display;
      const mockPort = (path: string) => {
        SerialPortMock.binding.createPort(path);
        let port: SerialPortMock | undefined;
        return { open: (opts: { path: string; baudRate: number }) => (port = new SerialPortMock({ ...opts, autoOpen: false })), port: () => port };
      };
      if (config.sensors.radar) {
        const m = mockPort(config.sensors.radar.path);
        const radar = createRadarAdapter({ sensor: 'radar0', path: config.sensors.radar.path, model: config.sensors.radar.model, clock, openPort: m.open, silenceMs: 0 });
        radar.on((r) => pipeline.onRadar(r));
        await radar.start();
        adapters.push(radar);
        const scenario: RadarScenario = { name: `replay-${display}`, description: display, periodMs: LIVE_TOUCH_PERIOD_MS, at: (tMs) => engine.radarTarget(display, startAtMs + tMs) };
        devices.push({ device: createLd2410Emulator({ scenario, seed: streamSeed(o.seed, `radar:${display}`) }), port: m.port });
      }
      if (config.sensors.touch) {
        const m = mockPort(config.sensors.touch.path);
        const touch = createTouchAdapter({ sensor: 'touch0', path: config.sensors.touch.path, clock, openPort: m.open });
        touch.on((t) => pipeline.onTouch(t));
        await touch.start();
        adapters.push(touch);
        devices.push({ device: createTouchEmulator({ scenario: engine.touchScenario(display), seed: streamSeed(o.seed, `touch:${display}`) }), port: m.port });
      }
      const everyMs = recommendedTickMs(config);
      ticks.push({ everyMs, next: startAtMs + everyMs, tick: () => pipeline.tick() });
    }
    closers.push(() => Promise.all(adapters.map((a) => a.stop())));

    const endAt = startAtMs + o.durationS * 1000;
    for (const d of devices) {
      const hello = d.device.greet?.(0) ?? [];
      if (hello.length > 0) d.port()?.port?.emitData(Buffer.concat(hello));
    }
    for (let t = startAtMs + stepMs; t <= endAt; t += stepMs) {
      engine.advanceTo(t);
      for (const d of devices) {
        const bytes = d.device.due(t - startAtMs);
        if (bytes.length > 0) d.port()?.port?.emitData(Buffer.concat(bytes));
      }
      await settle();
      for (const k of ticks) {
        if (t < k.next) continue;
        k.tick();
        k.next += k.everyMs;
      }
    }
    const truth = engine.truth();
    const score = scoreMatches(truth, { sensorCommunications: sensorComms, matches, windowMs: o.truthWindowMs ?? DEFAULT_MATCH_WINDOW.windowMs });
    return { matches, sensorCommunications: sensorComms, score, store: engine.summary(), contentItems, userCommunications };
  } finally {
    for (const c of closers.reverse()) await c();
  }
}
