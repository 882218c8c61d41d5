/**
 * The pipeline: sources → stages → sinks, wired from one effective config.
 *
 *   onAdvertisement ─► sightings ─► presence ─┐ dwell, proximity, left
 *   onRadar ─────────► interactions ──────────┤ approach, view          ─► body ─► listeners (outbox)
 *   onTouch ─────────► interactions ──────────┘ touch, hold
 *   tick(now) ───────► presence (left by absence), interactions (stuck pads), cache expiry
 *
 * Radar presence and touches also feed presence, so a visit stays open while any sensor sees the
 * shopper, and interactions from radar/touch mark the visit as one that ends with `left`.
 *
 * Nothing here does I/O or owns a timer: inputs arrive stamped (gateway/core/types.ts) and
 * absence-driven triggers need the caller to call tick() — every `recommendedTickMs(config)` ms
 * is enough. Bodies are delivered synchronously, in the order their causes arrived.
 *
 * Every body is a sensor communication ([0207]) minus what the outbox adds: `sensorId` is the beacon
 * ID of this gateway's spot — what phones hear, so the backend can match both streams on it
 * ([0231]) — and `timestamp` is when the gateway generated it (the "beacon timestamp 275-1").
 */
import type { SiteRegistry, RegistryIndex } from '../../protocol/registry/index.js';
import { indexRegistry } from '../../protocol/registry/index.js';
import { stampNow, type Clock, type RadarReading, type RadioAdvertisement, type Source, type Stamp, type TouchEvent } from '../core/types.js';
import type { GatewayConfig } from '../config/schema.js';
import { createInteractions, radarTarget, type InteractionsStats } from './interactions.js';
import { createPresence, type PresenceStats } from './presence.js';
import { createSightings, type SightingStats } from './sightings.js';
import {
  UNKNOWN_CLOCK_QUALITY,
  type ClockQualityProvider,
  type InteractionType,
  type ItemRef,
  type StageEvent,
  type UnstampedSensorCommunication,
} from './types.js';

export interface PipelineOptions {
  /** The effective config (gateway/config loadConfig / loadGateway). */
  config: GatewayConfig;
  registry: SiteRegistry;
  /** Reuse an index already built (loadGateway returns one); built from `registry` otherwise. */
  index?: RegistryIndex;
  /** Source of `timestamp` and of tick()'s default time. */
  clock: Clock;
  /** Asked once per body. Default: not synced, offset 0, source none. */
  clockQuality?: ClockQualityProvider;
}

export type PipelineListener = (body: UnstampedSensorCommunication) => void;

/** What a listener sees next to the body, for logs: which stage decided and why. */
export type PipelineEventListener = (body: UnstampedSensorCommunication, event: StageEvent) => void;

export interface PipelineStats {
  sightings: SightingStats;
  presence: PresenceStats;
  interactions: InteractionsStats;
  emitted: Record<InteractionType, number>;
  /** Listeners that threw (the pipeline carries on; the error is kept). */
  listenerErrors: number;
  lastListenerError?: string;
}

export interface Pipeline {
  /** The beacon ID every body carries as sensorId. */
  readonly sensorId: string;
  onAdvertisement(ad: RadioAdvertisement): void;
  onRadar(r: RadarReading): void;
  onTouch(t: TouchEvent): void;
  /** Absence-driven triggers and cache expiry. Default time: the clock's now. */
  tick(now?: Stamp): void;
  /** Subscribes to bodies; returns the unsubscribe function. */
  on(listener: PipelineListener): () => void;
  /** Same, with the stage event behind each body. */
  onEvent(listener: PipelineEventListener): () => void;
  stats(): PipelineStats;
}

/** A start-up problem: the config and registry do not give this gateway a sensorId. */
export class PipelineSetupError extends Error {
  override name = 'PipelineSetupError';
}

/** How often to call tick(): fine enough for `left` to be at most this late, and never above 1 s. */
export function recommendedTickMs(config: GatewayConfig): number {
  return Math.max(100, Math.min(1000, Math.floor(config.pipeline.inactivityMs / 10)));
}

/** The item of this gateway's spot: gateway.item, else the item of the spot's first registered beacon. */
export function spotItem(config: GatewayConfig, index: RegistryIndex): ItemRef | undefined {
  return config.gateway.item ?? index.atSpot(config.gateway.spot).find((b) => b.item)?.item;
}

/**
 * Builds the stages from the config. Throws PipelineSetupError when the registry cannot be
 * indexed or no sensorId can be found (loadGateway reports the same problems with line numbers
 * first); everything after construction is total — no input makes a stage throw.
 */
export function createPipeline(options: PipelineOptions): Pipeline {
  const { config, clock } = options;
  const quality = options.clockQuality ?? (() => UNKNOWN_CLOCK_QUALITY);
  let index = options.index;
  if (!index) {
    const r = indexRegistry(options.registry, { skewSeconds: config.registry.eidSkewSeconds });
    if (!r.ok) throw new PipelineSetupError(`site registry: ${r.errors.map((e) => `${e.path} ${e.message}`).join('; ')}`);
    index = r.index;
  }
  const found = config.gateway.sensorId ?? index.atSpot(config.gateway.spot)[0]?.beaconId;
  if (found === undefined) {
    throw new PipelineSetupError(`no beacon is registered at spot ${config.gateway.spot} and gateway.sensorId is not set`);
  }
  const sensorId: string = found;
  const p = config.pipeline;
  const item = spotItem(config, index);
  const touchItems: Record<number, ItemRef> = {};
  for (const [ch, it] of Object.entries(config.sensors.touch?.channels ?? {})) touchItems[Number(ch)] = it;
  const radarRangeCm = config.sensors.radar?.maxDistanceCm;

  const sightings = createSightings({
    index,
    filter: {
      registeredOnly: p.beacons.registeredOnly,
      ids: p.beacons.ids,
      namespaces: p.beacons.namespaces,
      exclude: p.beacons.exclude,
      excludeSpots: p.beacons.includeOwnSpot ? [] : [config.gateway.spot],
    },
    rssi: p.rssi,
    pathLossExponent: p.pathLossExponent,
    maxAddresses: p.caches.maxAddresses,
    addressTtlMs: p.caches.addressTtlMs,
    maxBeacons: p.caches.maxBeacons,
    beaconTtlMs: p.inactivityMs,
  });
  const presence = createPresence({
    dwell: p.dwell,
    proximity: p.proximity,
    inactivityMs: p.inactivityMs,
    left: p.left,
    maxBeacons: p.caches.maxBeacons,
    ...(item ? { spotItem: item } : {}),
  });
  const interactions = createInteractions({
    approachCm: p.approachCm,
    viewMs: p.viewMs,
    holdMs: p.holdMs,
    inactivityMs: p.inactivityMs,
    maxTouchMs: p.maxTouchMs,
    touchItems,
    ...(radarRangeCm !== undefined ? { maxDistanceCm: radarRangeCm } : {}),
    ...(item ? { spotItem: item } : {}),
  });

  const listeners = new Set<PipelineEventListener>();
  const emitted: Record<InteractionType, number> = { approach: 0, view: 0, touch: 0, hold: 0, dwell: 0, proximity: 0, left: 0 };
  let listenerErrors = 0;
  let lastListenerError: string | undefined;

  function emit(events: readonly StageEvent[]): void {
    for (const event of events) {
      emitted[event.interaction.type]++;
      const body: UnstampedSensorCommunication = {
        v: 1,
        kind: 'sensor-communication',
        sensorId,
        timestamp: Math.max(0, Math.round(clock.now())),
        clock: quality(),
        interaction: event.interaction,
      };
      for (const l of listeners) {
        try {
          l(body, event);
        } catch (e) {
          // One bad sink must not stop the others or the stages behind them.
          listenerErrors++;
          lastListenerError = e instanceof Error ? e.message : String(e);
        }
      }
    }
  }

  /** Radar and touch events: presence first (a left for a previous visit goes out before them). */
  function fromSensor(at: Stamp, stageEvents: StageEvent[], radarDistanceM?: number): void {
    const before = presence.onActivity(at, radarDistanceM);
    const after = stageEvents.length > 0 ? presence.noteInteraction(at) : [];
    emit([...before, ...after, ...stageEvents]);
  }

  return {
    sensorId,
    onAdvertisement(ad) {
      for (const s of sightings.onAdvertisement(ad)) emit(presence.onSighting(s));
    },
    onRadar(r) {
      const target = radarTarget(r, radarRangeCm);
      const events = interactions.onRadar(r);
      if (target) fromSensor(r.at, events, target.distanceCm / 100);
      else emit(events);
    },
    onTouch(t) {
      fromSensor(t.at, interactions.onTouch(t));
    },
    tick(now = stampNow(clock)) {
      sightings.prune(now);
      // A pad still held is a shopper still there, however long ago the press arrived.
      const held = interactions.pressedCount() > 0 ? presence.onActivity(now) : [];
      const fromInteractions = interactions.tick(now);
      const noted = fromInteractions.length > 0 ? presence.noteInteraction(now) : [];
      emit([...held, ...noted, ...fromInteractions, ...presence.tick(now)]);
    },
    on(listener) {
      const l: PipelineEventListener = (body) => listener(body);
      listeners.add(l);
      return () => listeners.delete(l);
    },
    onEvent(listener) {
      const l: PipelineEventListener = (body, event) => listener(body, event);
      listeners.add(l);
      return () => listeners.delete(l);
    },
    stats() {
      const s: PipelineStats = {
        sightings: sightings.stats(),
        presence: presence.stats(),
        interactions: interactions.stats(),
        emitted: { ...emitted },
        listenerErrors,
      };
      if (lastListenerError !== undefined) s.lastListenerError = lastListenerError;
      return s;
    },
  };
}

export interface PipelineSources {
  radio?: Source<RadioAdvertisement>;
  radar?: Source<RadarReading>;
  touch?: Source<TouchEvent>;
}

/** Subscribes the pipeline to adapter sources (gateway/core Source); returns one unsubscribe for all. */
export function connectSources(pipeline: Pipeline, sources: PipelineSources): () => void {
  const offs: (() => void)[] = [];
  if (sources.radio) offs.push(sources.radio.on((ad) => pipeline.onAdvertisement(ad)));
  if (sources.radar) offs.push(sources.radar.on((r) => pipeline.onRadar(r)));
  if (sources.touch) offs.push(sources.touch.on((t) => pipeline.onTouch(t)));
  return () => {
    for (const off of offs) off();
  };
}
