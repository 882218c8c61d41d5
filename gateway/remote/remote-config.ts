/**
 * Remote configuration over MQTT: the gateway's side of config/set → config/state.
 *
 *   tp/v1/<site>/config/set            retained, site-wide desired settings (no gatewayId)
 *   tp/v1/<site>/<gateway>/config/set  retained, this gateway's desired settings
 *   tp/v1/<site>/<gateway>/config/state  retained, what runs: revision, siteRevision, applied|rejected, why
 *
 * For each config/set, in arrival order, one at a time:
 *  1. decode and validate the envelope (protocol/messages: topic and payload IDs must agree);
 *  2. revision: lower than the one running → rejected; the same message again (every reconnect
 *     redelivers the retained one) → nothing to do;
 *  3. settings: only live settings, checked with the other layer and the local file merged in
 *     exactly as they will run (settings.ts) — schema, defaults, cross-field rules;
 *  4. apply live (live.ts); a failure there rolls the parts back;
 *  5. persist the layers (persist.ts), then report `applied` on config/state.
 * Anything failing in 1–4 leaves the running config untouched and reports `rejected` with the
 * reason: a remote config can never take a gateway down. An empty retained payload (the backend
 * cleared the topic) changes nothing either; to go back to the local file, publish `config: {}`
 * with a higher revision.
 *
 * At start-up the persisted layers are merged over the local file before anything starts
 * (`config`); if they no longer fit (the local file or the software changed) the gateway drops the
 * layer that does not and says so on config/state.
 */
import { join } from 'node:path';
import {
  configSetTopic,
  decodeFromTopic,
  encodeForPublish,
  parseTopic,
  siteConfigSetTopic,
  type ConfigSet,
  type ConfigState,
} from '../../protocol/messages/index.js';
import type { GatewayConfig } from '../config/index.js';
import { systemClock, type Clock } from '../core/types.js';
import type { LogRecord, Publisher } from '../publish/publisher.js';
import { readPersistedRemoteConfig, REMOTE_CONFIG_FILE, writeJsonAtomic, type PersistedLayer, type PersistedRemoteConfig } from './persist.js';
import { appliedSettings, expandSettings, mergeConfig, sameJson, shadowedByLocal, type Json, type SettingIssue } from './settings.js';
import type { LiveSection } from './settings.js';

export type ConfigSource = 'gateway' | 'site';

export interface RemoteConfigOptions {
  /** The effective config of the local file (loadGateway). */
  local: GatewayConfig;
  /** Pointers of live settings written explicitly in the local file (settings.ts localLivePointers); they win. */
  localPointers?: readonly string[];
  /** Where remote-config.json lives. Default: local.gateway.dataDir. */
  dataDir?: string;
  clock?: Clock;
  log?: (r: LogRecord) => void;
}

/** What the transport must offer: the publisher's connection (one client ID per gateway). */
export type RemoteTransport = Pick<Publisher, 'on' | 'off' | 'publishControl'>;

/** Applies a validated config to the running parts; throws (after undoing) when it cannot. */
export type ApplyFn = (next: GatewayConfig, previous: GatewayConfig) => Promise<LiveSection[] | void>;

export type Outcome =
  | { status: 'applied'; source: ConfigSource; revision: number; changed: LiveSection[] }
  | { status: 'rejected'; source: ConfigSource | 'unknown'; revision?: number; reason: string }
  | { status: 'unchanged'; source: ConfigSource | 'unknown'; reason: string };

export interface RemoteConfigStats {
  revision: number;
  siteRevision?: number;
  applied: number;
  rejected: number;
  lastError?: string;
}

export interface RemoteConfig {
  /** The config to run: local file + persisted layers. Follows every applied config/set. */
  readonly config: GatewayConfig;
  /** MQTT filters to subscribe (the publisher's `subscriptions`). */
  readonly topics: readonly string[];
  /**
   * Connects to the transport: takes its messages, reports the state now. Call it before the
   * publisher connects, so no retained config/set arrives unheard. Returns detach.
   */
  attach(transport: RemoteTransport): () => void;
  /** Hands over the running parts; messages received before wait for this. */
  ready(apply: ApplyFn): void;
  /** Handles one message (what attach does for each; tests may call it directly). Never throws. */
  handle(topic: string, payload: Uint8Array | string): Promise<Outcome>;
  /** Resolves when every message received so far has been handled. */
  idle(): Promise<void>;
  /** The config/state message for now. */
  state(): ConfigState;
  stats(): RemoteConfigStats;
}

/** config/state `error` is a Label: at most 500 characters, no control characters. */
const MAX_ERROR = 500;
const clean = (s: string) => {
  const t = s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return t.length > MAX_ERROR ? t.slice(0, MAX_ERROR - 1) + '…' : t || 'rejected';
};
const describeIssues = (issues: readonly SettingIssue[]) => issues.map((i) => `${i.key}: ${i.message}`).join('; ');

type Layers = { gateway?: PersistedLayer; site?: PersistedLayer };

export function createRemoteConfig(options: RemoteConfigOptions): RemoteConfig {
  const { local } = options;
  const localPointers = options.localPointers ?? [];
  const clock = options.clock ?? systemClock;
  const log = options.log ?? (() => {});
  const siteId = local.gateway.siteId;
  const gatewayId = local.gateway.id;
  const file = join(options.dataDir ?? local.gateway.dataDir, REMOTE_CONFIG_FILE);
  const topics = [configSetTopic(siteId, gatewayId), siteConfigSetTopic(siteId)];

  const counters = { applied: 0, rejected: 0 };
  let lastError: string | undefined;
  let status: ConfigState['status'] = 'applied';
  let transport: RemoteTransport | undefined;
  let apply: ApplyFn | undefined;
  let open!: () => void;
  /** Messages are handled once the running parts are there (ready()). */
  let queue: Promise<unknown> = new Promise<void>((r) => (open = r));
  /** messageId of the last rejected config/set per source: a redelivery is not re-evaluated. */
  const lastRejected: Partial<Record<ConfigSource, string>> = {};

  const patchOf = (l: PersistedLayer | undefined): { patch: Json; pointers: string[] } | undefined => {
    if (!l) return undefined;
    const e = expandSettings(l.settings);
    return e.ok ? e.value : undefined;
  };
  const merge = (ls: Layers) => {
    const site = patchOf(ls.site);
    const gw = patchOf(ls.gateway);
    if ((ls.site && !site) || (ls.gateway && !gw)) return { ok: false as const, issues: [{ key: '', message: 'persisted settings no longer valid' }] };
    return mergeConfig(local, [site?.patch ?? {}, gw?.patch ?? {}], localPointers);
  };
  const pointersOf = (ls: Layers) => [...(patchOf(ls.site)?.pointers ?? []), ...(patchOf(ls.gateway)?.pointers ?? [])];

  // Start-up: the persisted last good layers over the local file; drop what no longer fits.
  let layers: Layers = {};
  let current: GatewayConfig = local;
  {
    const read = readPersistedRemoteConfig(file);
    if (!read.ok) {
      status = 'rejected';
      lastError = clean(`persisted remote config ignored: ${read.reason}`);
      log({ level: 'error', event: 'remote-config-unreadable', reason: read.reason });
    } else if (read.value) {
      const p = read.value;
      const tries: Layers[] = [
        { ...(p.site ? { site: p.site } : {}), ...(p.gateway ? { gateway: p.gateway } : {}) },
        ...(p.gateway && p.site ? [{ gateway: p.gateway }, { site: p.site }] : []),
      ];
      for (const t of tries) {
        const m = merge(t);
        if (!m.ok) continue;
        layers = t;
        current = m.config;
        break;
      }
      const dropped = (['site', 'gateway'] as const).filter((s) => p[s] && !layers[s]);
      if (dropped.length > 0) {
        status = 'rejected';
        const why = merge({ ...(p.site ? { site: p.site } : {}), ...(p.gateway ? { gateway: p.gateway } : {}) });
        lastError = clean(`persisted ${dropped.join(' and ')} config no longer valid with the local file, dropped: ${why.ok ? '' : describeIssues(why.issues)}`);
        log({ level: 'error', event: 'remote-config-dropped', dropped, reason: lastError });
      }
      if (layers.gateway || layers.site) {
        log({ level: 'info', event: 'remote-config-restored', revision: layers.gateway?.revision ?? 0, siteRevision: layers.site?.revision });
      }
    }
  }

  function state(): ConfigState {
    const s: ConfigState = {
      v: 1,
      kind: 'config-state',
      gatewayId,
      siteId,
      revision: layers.gateway?.revision ?? 0,
      ...(layers.site ? { siteRevision: layers.site.revision } : {}),
      timestamp: Math.max(0, Math.round(clock.now())),
      status,
      ...(status === 'rejected' && lastError ? { error: lastError } : {}),
      config: appliedSettings(current, pointersOf(layers)),
    };
    return s;
  }

  function report(): void {
    if (!transport) return;
    let enc = encodeForPublish(state());
    if (!enc.ok) {
      // A settings value that the state schema will not carry must not stop the report itself.
      log({ level: 'error', event: 'config-state-invalid', errors: enc.errors });
      const { config: _omit, ...bare } = state();
      enc = encodeForPublish(bare);
      if (!enc.ok) return;
    }
    if (!transport.publishControl(enc.value)) log({ level: 'warn', event: 'config-state-not-published' });
  }

  function reject(source: ConfigSource | 'unknown', reason: string, m?: ConfigSet): Outcome {
    counters.rejected++;
    status = 'rejected';
    lastError = clean(m ? `${source} config/set revision ${m.revision} rejected: ${reason}` : `${source} config/set rejected: ${reason}`);
    if (m && source !== 'unknown') lastRejected[source] = m.messageId;
    log({ level: 'warn', event: 'config-rejected', source, ...(m ? { revision: m.revision, messageId: m.messageId } : {}), reason });
    report();
    return { status: 'rejected', source, ...(m ? { revision: m.revision } : {}), reason };
  }

  let detached = false;

  async function process(topic: string, payload: Uint8Array | string): Promise<Outcome> {
    // Stopping: nothing is applied to parts that are being shut down.
    if (detached) return { status: 'unchanged', source: 'unknown', reason: 'stopped' };
    const t = parseTopic(topic);
    const source: ConfigSource | 'unknown' = t.ok ? (t.value.kind === 'site-config-set' ? 'site' : t.value.kind === 'config-set' ? 'gateway' : 'unknown') : 'unknown';
    const ours = t.ok && t.value.siteId === siteId && (t.value.kind === 'site-config-set' || (t.value.kind === 'config-set' && t.value.gatewayId === gatewayId));
    if (!ours || source === 'unknown') {
      log({ level: 'warn', event: 'config-set-ignored', topic, reason: 'not this gateway’s config topic' });
      return { status: 'unchanged', source, reason: 'not this gateway’s config topic' };
    }
    if (payload.length === 0) {
      log({ level: 'info', event: 'config-set-cleared', source, message: 'retained config/set removed; keeping the running config' });
      return { status: 'unchanged', source, reason: 'cleared' };
    }
    const d = decodeFromTopic(topic, payload);
    if (!d.ok) return reject(source, `invalid message (${d.reason}): ${d.errors.map((e) => `${e.path || '/'} ${e.message}`).join('; ')}`);
    if (d.message.kind !== 'config-set') return reject(source, 'not a config-set');
    const m = d.message;
    const running = layers[source];
    if (running?.messageId === m.messageId || lastRejected[source] === m.messageId) {
      return { status: 'unchanged', source, reason: 'already handled' };
    }
    if (running && m.revision < running.revision) return reject(source, `revision ${m.revision} is older than the running revision ${running.revision}`, m);
    if (running && m.revision === running.revision) {
      if (sameJson(running.settings, m.config)) return { status: 'unchanged', source, reason: 'same revision and settings' };
      return reject(source, `revision ${m.revision} is already applied with other settings; publish a higher revision`, m);
    }
    const expanded = expandSettings(m.config);
    if (!expanded.ok) return reject(source, describeIssues(expanded.issues), m);
    const layer: PersistedLayer = { revision: m.revision, messageId: m.messageId, timestamp: m.timestamp, settings: m.config, appliedAt: clock.now() };
    const next: Layers = { ...layers, [source]: layer };
    const merged = merge(next);
    if (!merged.ok) return reject(source, describeIssues(merged.issues), m);

    let changed: LiveSection[] = [];
    try {
      changed = (await apply!(merged.config, current)) ?? [];
    } catch (e) {
      return reject(source, `could not be applied, previous config kept: ${e instanceof Error ? e.message : String(e)}`, m);
    }
    layers = next;
    current = merged.config;
    status = 'applied';
    lastError = undefined;
    counters.applied++;
    try {
      writeJsonAtomic(file, { v: 1, ...layers } satisfies PersistedRemoteConfig);
    } catch (e) {
      // Running but not saved: after a restart the previous last good comes back until the next delivery.
      log({ level: 'error', event: 'remote-config-not-persisted', file, message: e instanceof Error ? e.message : String(e) });
    }
    const shadowed = shadowedByLocal(expanded.value.pointers, localPointers);
    log({
      level: 'info',
      event: 'config-applied',
      source,
      revision: m.revision,
      messageId: m.messageId,
      changed,
      ...(shadowed.length > 0 ? { shadowedByLocalFile: shadowed } : {}),
    });
    if (shadowed.length > 0) log({ level: 'warn', event: 'config-shadowed', source, keys: shadowed, message: 'the local config file sets these; its values stay' });
    report();
    return { status: 'applied', source, revision: m.revision, changed };
  }

  const handle = (topic: string, payload: Uint8Array | string): Promise<Outcome> => {
    const run = queue.then(() =>
      process(topic, payload).catch((e: unknown) => {
        // process() handles every input; this is a bug, reported rather than crashing the gateway.
        log({ level: 'error', event: 'config-set-internal-error', message: e instanceof Error ? e.message : String(e) });
        return { status: 'unchanged', source: 'unknown', reason: 'internal error' } as Outcome;
      }),
    );
    queue = run;
    return run;
  };

  return {
    get config() {
      return current;
    },
    topics,
    attach(t) {
      transport = t;
      const onMessage = ({ topic, payload }: { topic: string; payload: Buffer }) => void handle(topic, payload);
      t.on('message', onMessage);
      report();
      return () => {
        detached = true;
        t.off('message', onMessage);
        if (transport === t) transport = undefined;
        open(); // queued messages drain as 'stopped'
      };
    },
    ready(fn) {
      apply = fn;
      open();
    },
    handle,
    idle: () => queue.then(() => undefined),
    state,
    stats: () => ({
      revision: layers.gateway?.revision ?? 0,
      ...(layers.site ? { siteRevision: layers.site.revision } : {}),
      ...counters,
      ...(lastError !== undefined ? { lastError } : {}),
    }),
  };
}
