/**
 * The parts of a running gateway that a remote config changes without a restart, each behind a
 * small handle with one setter:
 *
 *   createLivePipeline    pipeline thresholds: rebuilds the stages from the new config
 *   createLiveDedupe      radio.scan.dedupeMs: the (address, payload) rate limit in front of the pipeline
 *   createLiveInterval    telemetry period and the pipeline's tick
 *   createSwappable       radio.advertise: stop the frame rotation, start the new one (old one back on failure)
 *   createLiveApplier     applies a new config to those handles in order, undoing on failure
 *
 * The pipeline is rebuilt rather than edited in place: its stages take their thresholds at
 * construction, and a rebuilt pipeline is exactly the pipeline a restart with that config gives.
 * The cost: visits open at the moment of the change start over (no `left` for them, a new dwell
 * run). Config changes are rare and the log says how many visits were open.
 */
import { createDeduper, dedupeKey, DEFAULT_DEDUPE_MAX_ENTRIES, type DedupeStats } from '../ble/index.js';
import type { GatewayConfig } from '../config/index.js';
import type { RadioAdvertisement, Source } from '../core/types.js';
import {
  createPipeline,
  recommendedTickMs,
  type Pipeline,
  type PipelineEventListener,
  type PipelineListener,
  type PipelineOptions,
  type PipelineStats,
} from '../pipeline/index.js';
import { changedSections, type LiveSection } from './settings.js';

export interface LivePipeline extends Pipeline {
  /** Rebuilds the stages from `config` (same gateway, registry and sensors). Throws, keeping the old stages, if it cannot. */
  updateConfig(config: GatewayConfig): void;
  /** How many times the stages were rebuilt. */
  readonly generation: number;
  readonly config: GatewayConfig;
}

/** A Pipeline whose stages can be rebuilt under its listeners (see the top of this file). */
export function createLivePipeline(options: PipelineOptions): LivePipeline {
  let config = options.config;
  let inner = createPipeline(options);
  let generation = 0;
  const listeners = new Set<PipelineEventListener>();
  // Counters of retired generations, so the totals keep growing across rebuilds.
  const retired = { emitted: { approach: 0, view: 0, touch: 0, hold: 0, dwell: 0, proximity: 0, left: 0 }, listenerErrors: 0 };
  let listenerErrors = 0;
  let lastListenerError: string | undefined;

  const forward: PipelineEventListener = (body, event) => {
    for (const l of listeners) {
      try {
        l(body, event);
      } catch (e) {
        listenerErrors++;
        lastListenerError = e instanceof Error ? e.message : String(e);
      }
    }
  };
  let off = inner.onEvent(forward);

  return {
    get sensorId() {
      return inner.sensorId;
    },
    get generation() {
      return generation;
    },
    get config() {
      return config;
    },
    onAdvertisement: (ad) => inner.onAdvertisement(ad),
    onRadar: (r) => inner.onRadar(r),
    onTouch: (t) => inner.onTouch(t),
    tick: (now) => inner.tick(now),
    on(listener: PipelineListener) {
      const l: PipelineEventListener = (body) => listener(body);
      listeners.add(l);
      return () => listeners.delete(l);
    },
    onEvent(listener) {
      const l: PipelineEventListener = (body, event) => listener(body, event);
      listeners.add(l);
      return () => listeners.delete(l);
    },
    updateConfig(next) {
      // Build first: if it throws, nothing has changed.
      const fresh = createPipeline({ ...options, config: next });
      const old = inner.stats();
      for (const k of Object.keys(retired.emitted) as (keyof typeof retired.emitted)[]) retired.emitted[k] += old.emitted[k];
      retired.listenerErrors += old.listenerErrors;
      off();
      inner = fresh;
      off = inner.onEvent(forward);
      config = next;
      generation++;
    },
    stats(): PipelineStats {
      const s = inner.stats();
      const emitted = { ...s.emitted };
      for (const k of Object.keys(emitted) as (keyof typeof emitted)[]) emitted[k] += retired.emitted[k];
      const out: PipelineStats = { ...s, emitted, listenerErrors: listenerErrors + retired.listenerErrors + s.listenerErrors };
      if (lastListenerError !== undefined) out.lastListenerError = lastListenerError;
      return out;
    },
  };
}

export interface LiveInterval {
  readonly ms: number;
  /** Restarts the timer with a new period; 0 stops it. */
  set(ms: number): void;
  stop(): void;
}

/** setInterval with a changeable period. The timer never keeps the process alive. */
export function createLiveInterval(fn: () => void, ms: number): LiveInterval {
  let timer: NodeJS.Timeout | undefined;
  let period = 0;
  let stopped = false;
  const set = (next: number) => {
    if (stopped || (next === period && timer)) return;
    clearInterval(timer);
    timer = undefined;
    period = next;
    if (next > 0) {
      timer = setInterval(fn, next);
      timer.unref();
    }
  };
  set(ms);
  return {
    get ms() {
      return period;
    },
    set,
    stop() {
      clearInterval(timer);
      timer = undefined;
      stopped = true;
    },
  };
}

export interface LiveDedupe extends Source<RadioAdvertisement> {
  setMinIntervalMs(ms: number): void;
  stats(): DedupeStats & { minIntervalMs: number; passed: number; deduped: number };
}

/**
 * The scanners' (address, payload) rate limit (gateway/ble dedupe.ts), moved in front of the
 * pipeline so its window can change while scanning: the scanner then runs with dedupe 0 and this
 * applies the configured window to the same key (dedupeKey) on the advertisement's monotonic time.
 */
export function createLiveDedupe(source: Source<RadioAdvertisement>, minIntervalMs: number, maxEntries = DEFAULT_DEDUPE_MAX_ENTRIES): LiveDedupe {
  let window = minIntervalMs;
  let deduper = createDeduper({ minIntervalMs: window, maxEntries });
  const n = { passed: 0, deduped: 0 };
  return {
    on(listener) {
      return source.on((ad) => {
        if (!deduper.admit(dedupeKey(ad), ad.at.monoMs)) {
          n.deduped++;
          return;
        }
        n.passed++;
        listener(ad);
      });
    },
    start: () => source.start(),
    stop: () => source.stop(),
    setMinIntervalMs(ms) {
      if (ms === window) return;
      deduper = createDeduper({ minIntervalMs: ms, maxEntries });
      window = ms;
    },
    stats: () => ({ ...deduper.stats(), minIntervalMs: window, ...n }),
  };
}

export interface Stoppable {
  stop(): Promise<void> | void;
}

export interface Swappable<T> {
  readonly current: T | undefined;
  /** Stops what runs and starts `next` (nothing for undefined). On failure the previous one is started again and the error rethrown. */
  apply(next: T | undefined): Promise<void>;
  stop(): Promise<void>;
}

/** Something that is stopped and started again with new settings (the advertiser's frame rotation). */
export function createSwappable<T>(start: (config: T) => Promise<Stoppable>, initial?: Stoppable, initialConfig?: T): Swappable<T> {
  let running: Stoppable | undefined = initial;
  let current: T | undefined = initialConfig;
  return {
    get current() {
      return current;
    },
    async apply(next) {
      if (JSON.stringify(next) === JSON.stringify(current)) return;
      const previous = current;
      await running?.stop();
      running = undefined;
      try {
        if (next !== undefined) running = await start(next);
        current = next;
      } catch (e) {
        current = undefined;
        if (previous !== undefined) {
          // If the old settings cannot start either, the adapter is at fault, not the config; the
          // original error is the one worth reporting.
          running = await start(previous).catch(() => undefined);
          if (running) current = previous;
        }
        throw e;
      }
    },
    async stop() {
      await running?.stop();
      running = undefined;
    },
  };
}

export interface LiveParts {
  pipeline?: LivePipeline;
  /** The pipeline's tick timer: its period follows pipeline.inactivityMs (recommendedTickMs). */
  tick?: LiveInterval;
  dedupe?: Pick<LiveDedupe, 'setMinIntervalMs'>;
  telemetry?: LiveInterval;
  advertiser?: Pick<Swappable<NonNullable<GatewayConfig['radio']['advertise']>>, 'apply'>;
}

export type ApplyConfig = (next: GatewayConfig, previous: GatewayConfig) => Promise<LiveSection[]>;

/**
 * Applies what differs between two configs to the live parts: the advertiser first (the only step
 * that can fail for reasons outside the config — bleno, the adapter), then the setters that cannot
 * fail, then the pipeline. A failing step undoes the steps before it and rethrows.
 */
export function createLiveApplier(parts: LiveParts): ApplyConfig {
  return async (next, previous) => {
    const changed = changedSections(previous, next);
    const undo: (() => Promise<void> | void)[] = [];
    try {
      if (changed.includes('advertise') && parts.advertiser) {
        await parts.advertiser.apply(next.radio.advertise);
        undo.push(() => parts.advertiser!.apply(previous.radio.advertise));
      }
      if (changed.includes('dedupe') && parts.dedupe) {
        parts.dedupe.setMinIntervalMs(next.radio.scan.dedupeMs);
        undo.push(() => parts.dedupe!.setMinIntervalMs(previous.radio.scan.dedupeMs));
      }
      if (changed.includes('telemetry') && parts.telemetry) {
        parts.telemetry.set(next.telemetry.intervalMs);
        undo.push(() => parts.telemetry!.set(previous.telemetry.intervalMs));
      }
      if (changed.includes('pipeline') && parts.pipeline) {
        parts.pipeline.updateConfig(next);
        parts.tick?.set(recommendedTickMs(next));
      }
    } catch (e) {
      for (const u of undo.reverse()) {
        try {
          await u();
        } catch {
          // The original error is what gets reported; the step it undoes logs its own trouble.
        }
      }
      throw e;
    }
    return changed;
  };
}
