/**
 * `touchpoint backend`: the reference first-party backend (gateway/backend, patent [0220]–[0245]).
 * Subscribes to sensor and user communications in a $share group, matches them, references users
 * against a hashed CRM export, scores interest and sends content items to phones. Prints
 * `{"backend":{…}}` once subscribed, `{"stats":{…}}` every --stats-interval seconds and
 * `{"summary":{…}}` on exit (SIGINT/SIGTERM or --duration).
 *
 * `--keyring <file>` (gateway/security/keyring-file.ts, written by `provision gateway --keyring`):
 * sensor communications must be signed by their gateway's key and not replayed; the refused ones
 * are counted by reason in `signatures`. Without it the ready line says `signatures.checked: false`.
 *
 * `touchpoint backend export-audience --db <file> --item <id> [--standard google-v1] [--out file]`:
 * the hashed user group of an item ([0253]–[0264]) as a CSV a platform can match.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { loadLayout } from '../../../beacon-sim/store/layout.js';
import type { StoreLayout } from '../../../beacon-sim/store/layout-schema.js';
import { type StoreMap, startStoreMap } from '../../../beacon-sim/store/map/server.js';
import { formatIssue } from '../../config/index.js';
import { isCountryCode, type CountryCode } from '../../../protocol/identity/index.js';
import { isValidTopicId } from '../../../protocol/messages/index.js';
import { exportAudience } from '../../backend/audience.js';
import { startBackend, type BackendStats, type RunningBackend } from '../../backend/backend.js';
import { DEFAULT_CONTENT_TIMING } from '../../backend/content.js';
import { loadItemsFile } from '../../backend/items.js';
import { DEFAULT_MATCH_WINDOW } from '../../backend/match-window.js';
import { BackendStore } from '../../backend/store.js';
import { intArg, numberArg } from '../args.js';
import { type CliIo, UsageError, printJson } from '../io.js';
import { checkBrokerUrl } from './watch.js';
import { loadKeyringFile, watchKeyringFile, type WatchedKeyring } from '../../security/keyring-file.js';

interface BackendCliOptions {
  broker: string;
  db: string;
  crm?: string;
  items?: string;
  share: string;
  site?: string;
  windowMs: number;
  unsyncedSlackMs: number;
  maxWindowMs: number;
  defaultCountry?: string;
  contentPeriod: number;
  contentTtl: number;
  statsInterval: number;
  duration?: number;
  events?: boolean;
  username?: string;
  password?: string;
  clientId?: string;
  ca?: string;
  keyring?: string;
  ui?: boolean;
  uiPort: number;
  layout?: string;
}

interface ExportCliOptions {
  db?: string;
  item: string;
  standard: string;
  out?: string;
}

export interface BackendDeps {
  /** Stops the backend; default: SIGINT/SIGTERM. */
  signal?: AbortSignal;
  /** Called with the running backend once it is subscribed (tests, orchestrators). */
  onReady?: (backend: RunningBackend) => void;
}

const MS_MAX = 24 * 3600 * 1000;

export function registerBackend(program: Command, io: CliIo, deps: BackendDeps = {}): void {
  const backend = program
    .command('backend')
    .description('reference first-party backend: match sensor and user communications, reference users by hashed CRM, send content items')
    .option('--broker <url>', 'mqtt://, mqtts://, ws:// or wss:// URL', 'mqtt://127.0.0.1:1883')
    .option('--db <file>', 'SQLite database (WAL); instances that share it share matches and rate limits', 'touchpoint-backend.db')
    .option('--crm <file>', 'CRM export (CSV with email / phone columns): hashed at start, raw values never stored')
    .option('--items <file>', 'items file (YAML/JSON): stock levels, thresholds, content texts, beacons per item')
    .option('--share <group>', 'shared-subscription group: instances in one group split the messages', 'backend')
    .option('--site <id>', 'only this site (default: all)')
    .option('--window-ms <n>', 'match window half-width for a synced gateway clock ([0231])', intArg('--window-ms', 0, MS_MAX), DEFAULT_MATCH_WINDOW.windowMs)
    .option('--unsynced-slack-ms <n>', 'extra half-width for a gateway clock that is not synced', intArg('--unsynced-slack-ms', 0, MS_MAX), DEFAULT_MATCH_WINDOW.unsyncedSlackMs)
    .option('--max-window-ms <n>', 'no match window is wider than this', intArg('--max-window-ms', 0, MS_MAX), DEFAULT_MATCH_WINDOW.maxWindowMs)
    .option('--default-country <cc>', 'country (ISO 3166-1 alpha-2) for CRM phone numbers without +<country code>')
    .option('--content-period <seconds>', 'at most one content item per device per item per this period', numberArg('--content-period'), 600)
    .option('--content-ttl <seconds>', 'content items expire this long after they are sent', numberArg('--content-ttl'), DEFAULT_CONTENT_TIMING.ttlMs / 1000)
    .option('--stats-interval <seconds>', 'print {"stats":…} this often; 0 = only at exit', numberArg('--stats-interval'), 10)
    .option('--duration <seconds>', 'stop after this long', numberArg('--duration'))
    .option('--events', 'also print one JSON line per match and content item')
    .option('--username <name>', 'MQTT username (role backend)')
    .option('--password <secret>', 'MQTT password (visible in shell history; TOUCHPOINT_MQTT_PASSWORD is read when absent)')
    .option('--client-id <id>', 'MQTT client ID (default: unique per instance)')
    .option('--ca <file>', 'CA certificate (PEM) for mqtts:// or wss://')
    .option('--keyring <file>', 'gateway signing keys (provision gateway --keyring): refuse unsigned, forged and replayed sensor communications')
    .option('--ui', 'serve the live map on 127.0.0.1: communications, matches and content items as they happen')
    .option('--ui-port <port>', 'port of the live map (0 = any free port)', intArg('--ui-port', 0, 65535), 0)
    .option('--layout <file>', 'with --ui: the store layout to draw the floor plan from')
    .addHelpText(
      'after',
      '\nEnvironment: TOUCHPOINT_CRM_PEPPER (merchant secret for +hmac-sha256 identifiers), TOUCHPOINT_MQTT_PASSWORD.\nSubcommand: backend export-audience --db <file> --item <id> [--standard google-v1|meta-v1] [--out file]',
    )
    .action(async (o: BackendCliOptions) => {
      checkBrokerUrl(o.broker);
      if (!isValidTopicId(o.share, 'group')) throw new UsageError('--share must be [A-Za-z0-9._-]{1,64}');
      if (o.site !== undefined && !isValidTopicId(o.site, 'siteId')) throw new UsageError('--site must be [A-Za-z0-9._-]{1,64}');
      if (o.maxWindowMs < o.windowMs) throw new UsageError('--max-window-ms must be at least --window-ms');
      for (const [name, v] of [['--content-period', o.contentPeriod], ['--content-ttl', o.contentTtl], ['--stats-interval', o.statsInterval]] as const) {
        if (!(v >= 0) || v > MS_MAX / 1000) throw new UsageError(`${name} must be between 0 and ${MS_MAX / 1000} seconds`);
      }
      if (!(o.contentTtl > 0)) throw new UsageError('--content-ttl must be > 0');
      if (o.duration !== undefined && !(o.duration > 0)) throw new UsageError('--duration must be > 0');
      let defaultCountry: CountryCode | undefined;
      if (o.defaultCountry !== undefined) {
        const cc = o.defaultCountry.toUpperCase();
        if (!isCountryCode(cc)) throw new UsageError('--default-country must be an ISO 3166-1 alpha-2 code, e.g. US');
        defaultCountry = cc;
      }
      const catalog = o.items !== undefined ? loadItemsFile(o.items) : undefined;
      if (catalog && !catalog.ok) throw new UsageError(`--items:\n${catalog.errors.join('\n')}`);
      let crmCsv: string | undefined;
      if (o.crm !== undefined) {
        try {
          crmCsv = readFileSync(o.crm, 'utf8');
        } catch (e) {
          throw new UsageError(`--crm: cannot read ${o.crm}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
        }
      }
      let keyring: WatchedKeyring | undefined;
      if (o.keyring !== undefined) {
        const k = loadKeyringFile(o.keyring);
        if (!k.ok) throw new UsageError(`--keyring: ${k.errors.join('; ')}`);
        for (const w of k.warnings) io.err(JSON.stringify({ level: 'warn', event: 'keyring-mode', message: w }));
        // Gateways provisioned while the backend runs are picked up when their first message arrives.
        keyring = watchKeyringFile(o.keyring, k.entries, {
          onReload: (keys) => io.err(JSON.stringify({ level: 'info', event: 'keyring-reloaded', keys })),
          onError: (errors) => io.err(JSON.stringify({ level: 'error', event: 'keyring-unreadable', errors })),
        });
      }
      const password = o.password ?? process.env.TOUCHPOINT_MQTT_PASSWORD;
      const pepper = process.env.TOUCHPOINT_CRM_PEPPER || undefined;

      let running: RunningBackend;
      try {
        running = await startBackend({
          url: o.broker,
          dbPath: o.db,
          share: o.share,
          ...(o.site !== undefined ? { siteId: o.site } : {}),
          ...(o.username !== undefined ? { username: o.username } : {}),
          ...(password !== undefined ? { password } : {}),
          ...(o.clientId !== undefined ? { clientId: o.clientId } : {}),
          ...(o.ca !== undefined ? { ca: readFileSync(o.ca) } : {}),
          ...(keyring ? { keyring: keyring.lookup } : {}),
          ...(crmCsv !== undefined ? { crmCsv, crm: { defaultCountry, pepper } } : {}),
          ...(catalog?.ok ? { catalog: catalog.catalog } : {}),
          match: { windowMs: o.windowMs, unsyncedSlackMs: o.unsyncedSlackMs, maxWindowMs: o.maxWindowMs },
          contentPeriodMs: Math.round(o.contentPeriod * 1000),
          contentTiming: { ttlMs: Math.round(o.contentTtl * 1000) },
          log: (r) => io.err(JSON.stringify(r)),
        });
      } finally {
        crmCsv = undefined; // the raw export is not kept past start-up
      }
      if (o.events) {
        running.events.on('match', (m) => printJson(io, { match: { ...m, deviceId: undefined } }));
        running.events.on('content-item', (c) => printJson(io, { contentItem: { topic: c.topic, itemId: c.message.itemId, contentKind: c.message.contentKind, contentId: c.message.contentId, interest: c.interest, threshold: c.threshold } }));
      }
      printJson(io, {
        backend: {
          clientId: running.clientId,
          subscriptions: running.subscriptions,
          db: o.db,
          ...(running.crm ? { crm: running.crm } : {}),
          items: catalog?.ok ? catalog.catalog.size : 0,
          match: running.processor.options.match,
          signatures: keyring ? { checked: true, keyring: o.keyring, keys: keyring.size() } : { checked: false, note: 'no --keyring: sensor communications are not verified' },
        },
      });
      let map: StoreMap | undefined;
      if (o.ui) {
        let layout: StoreLayout | undefined;
        if (o.layout !== undefined) {
          const l = loadLayout(o.layout);
          if (!l.ok) {
            await running.close();
            throw new UsageError(`--layout: ${l.errors.map(formatIssue).join('; ')}`);
          }
          layout = l.layout;
        }
        map = await startStoreMap({ ...(layout ? { layout } : {}), ...(o.site !== undefined ? { siteId: o.site } : {}), port: o.uiPort });
        const m = map;
        running.events.on('sensor', (e) => m.push({ kind: 'sensor', t: e.message.timestamp, message: e.message }));
        running.events.on('user', (e) => m.push({ kind: 'user', t: e.message.timestamp, message: e.message, referenced: e.referenced }));
        running.events.on('match', (x) => m.push({ kind: 'match', t: Date.now(), match: x }));
        running.events.on('content-item', (c) => m.push({ kind: 'content', t: Date.now(), message: c.message, interest: c.interest, threshold: c.threshold }));
        io.err(JSON.stringify({ level: 'info', event: 'map-listening', url: map.url }));
      }
      deps.onReady?.(running);

      const stop = new AbortController();
      const onSignal = () => stop.abort();
      if (!deps.signal) {
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
      }
      const timers: NodeJS.Timeout[] = [];
      if (o.statsInterval > 0) timers.push(setInterval(() => printJson(io, { stats: running.stats() }), o.statsInterval * 1000));
      if (o.duration !== undefined) timers.push(setTimeout(onSignal, o.duration * 1000));
      const signal = deps.signal ?? stop.signal;
      let summary: BackendStats;
      try {
        await new Promise<void>((resolve) => {
          if (signal.aborted || stop.signal.aborted) return resolve();
          signal.addEventListener('abort', () => resolve(), { once: true });
          stop.signal.addEventListener('abort', () => resolve(), { once: true });
        });
      } finally {
        for (const t of timers) clearTimeout(t);
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        summary = await running.close();
        await map?.close();
      }
      printJson(io, { summary });
    });

  backend
    .command('export-audience')
    .description('write the hashed user group of an item ([0253]–[0264]) as a CSV an ad platform can match')
    .option('--db <file>', 'the backend database')
    .requiredOption('--item <id>', 'item ID')
    .option('--standard <label>', 'hashing standard of the platform: google-v1 (Customer Match) or meta-v1 (Custom Audiences)', 'google-v1')
    .option('--out <file>', 'write the CSV here (CRLF line ends) instead of stdout')
    .action((o: ExportCliOptions, cmd: Command) => {
      // The parent command also has --db (with a default) and parses it wherever it appears.
      const parent = cmd.parent!;
      const db = o.db ?? (parent.getOptionValueSource('db') === 'cli' ? (parent.opts().db as string) : undefined);
      if (db === undefined) throw new UsageError('export-audience needs --db <file>');
      let store: BackendStore;
      try {
        store = new BackendStore(db, { readonly: true });
      } catch (e) {
        throw new UsageError(`--db: ${e instanceof Error ? e.message : String(e)}`);
      }
      try {
        const r = exportAudience(store, o.item, o.standard);
        if (!r.ok) throw new UsageError(`--standard: ${r.reason}`);
        if (o.out !== undefined) writeFileSync(o.out, r.csv);
        else for (const line of r.csv.split('\r\n').slice(0, -1)) io.out(line);
        io.err(JSON.stringify({ audience: { item: o.item, standard: o.standard, members: r.members, rows: r.rows, ...(o.out !== undefined ? { out: o.out } : {}) } }));
      } finally {
        store.close();
      }
    });
}
