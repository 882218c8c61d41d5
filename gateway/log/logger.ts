/**
 * Structured logs for the gateway process: pino, one JSON object per line on stdout, which systemd
 * hands to journald (`journalctl -u touchpoint -o cat | jq`). In a terminal the same records are
 * printed by pino-pretty instead, so a technician with a laptop on the serial console can read them.
 *
 * Every line carries `level` (a label, so `jq 'select(.level=="error")'` needs no number table),
 * `time` (ISO 8601 UTC: journald has its own clock, but support bundles and log files do not),
 * `msg`, `gatewayId`, `siteId` and `pid`.
 *
 * Secrets never reach a log line, whatever a caller passes:
 *  - pino `redact` paths for the shapes we log on purpose (a config, MQTT options, HTTP headers);
 *  - any key anywhere in a record whose name says it holds a secret (password, token, identityKey…);
 *  - credentials inside URLs (`mqtts://user:pass@host` → `mqtts://user:<redacted>@host`);
 *  - the configured secret values themselves (broker password, EID identity keys), wherever they
 *    appear — in messages, error texts and nested fields.
 */
import { Writable } from 'node:stream';
import pino, { type DestinationStream, type Logger, type LoggerOptions as PinoOptions } from 'pino';
import PinoPretty from 'pino-pretty';
import type { TSchema } from '@sinclair/typebox';
import { SiteRegistry as SiteRegistrySchema, type SiteRegistry } from '../../protocol/registry/index.js';
import { GatewayConfigSchema, type GatewayConfig } from '../config/schema.js';
import { REDACTED, secretPointers } from '../config/secrets.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

/** The level named by a --log-level argument or config value, or undefined when it names none. */
export function parseLogLevel(value: unknown): LogLevelName | undefined {
  return typeof value === 'string' && (LOG_LEVELS as readonly string[]).includes(value.toLowerCase()) ? (value.toLowerCase() as LogLevelName) : undefined;
}

/**
 * Paths pino censors before serialising (fast-redact): the places secrets sit in the objects the
 * gateway logs on purpose. The key-name rule below catches the same keys at any depth.
 */
export const REDACT_PATHS: readonly string[] = [
  'password',
  '*.password',
  'broker.password',
  'config.broker.password',
  'options.password',
  'identityKey',
  '*.identityKey',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
];

/** Key names whose values are secrets wherever they appear (compared case-insensitively). */
const SECRET_KEY = /(?:password|passwd|secret|token|apikey|authorization|cookie|identitykey|privatekey|signingkey|hmackey|credentials?)$/i;
/** `scheme://user:password@` in any string. */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/[^:@/\s]*):([^@/\s]+)@/gi;

/** Secret values shorter than this are not searched for in text: masking "1" everywhere helps nobody. */
const MIN_SECRET_LENGTH = 4;
const MAX_DEPTH = 8;
const MAX_ITEMS = 1000;

export interface Masker {
  text(s: string): string;
  value(v: unknown): unknown;
}

/** Masks secrets in strings and (copies of) objects, as described at the top of this file. */
export function createMasker(secrets: readonly string[] = []): Masker {
  const values = [...new Set(secrets.filter((s) => typeof s === 'string' && s.length >= MIN_SECRET_LENGTH))].sort((a, b) => b.length - a.length);
  const text = (s: string): string => {
    let out = s.includes('://') ? s.replace(URL_CREDENTIALS, `$1:${REDACTED}@`) : s;
    for (const v of values) if (out.includes(v)) out = out.split(v).join(REDACTED);
    return out;
  };
  const walk = (v: unknown, depth: number, seen: WeakSet<object>): unknown => {
    if (typeof v === 'string') return text(v);
    if (v === null || typeof v !== 'object') return v;
    if (seen.has(v) || depth > MAX_DEPTH) return '[…]';
    seen.add(v);
    if (v instanceof Error) {
      // pino's err serializer reads these fields; keep the shape, mask the text.
      const e: Record<string, unknown> = { type: v.name, message: text(v.message) };
      if (v.stack) e.stack = text(v.stack);
      for (const [k, x] of Object.entries(v)) e[k] = SECRET_KEY.test(k) ? REDACTED : walk(x, depth + 1, seen);
      return e;
    }
    if (Array.isArray(v)) return v.slice(0, MAX_ITEMS).map((x) => walk(x, depth + 1, seen));
    if (ArrayBuffer.isView(v)) return v;
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = SECRET_KEY.test(k) && x !== undefined && x !== null && x !== '' ? REDACTED : walk(x, depth + 1, seen);
    return o;
  };
  return { text, value: (v) => walk(v, 0, new WeakSet()) };
}

export interface LoggerOptions {
  /** Default 'info'. */
  level?: LogLevelName;
  gatewayId?: string;
  siteId?: string;
  /** Human-readable output (pino-pretty). Default: when stdout is a terminal. */
  pretty?: boolean;
  /** Where lines go. Default stdout (fd 1, synchronous, so nothing is lost on exit). */
  destination?: DestinationStream | NodeJS.WritableStream;
  /** Also append the JSON lines to this file (support-bundle reads its tail). */
  file?: string;
  /** Secret values to mask wherever they appear (configSecretValues() collects a config's). */
  secrets?: readonly string[];
}

export type { Logger } from 'pino';

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const mask = createMasker(options.secrets);
  const pretty = options.pretty ?? process.stdout.isTTY === true;
  const base: Record<string, unknown> = { pid: process.pid };
  if (options.gatewayId !== undefined) base.gatewayId = options.gatewayId;
  if (options.siteId !== undefined) base.siteId = options.siteId;

  const pinoOptions: PinoOptions = {
    level,
    base,
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: [...REDACT_PATHS], censor: REDACTED },
    formatters: {
      level: (label) => ({ level: label }),
      log: (object) => mask.value(object) as Record<string, unknown>,
    },
    hooks: {
      // The message and its format arguments are not part of the object formatters.log sees.
      logMethod(args, method) {
        const masked = args.map((a) => (typeof a === 'string' ? mask.text(a) : a)) as Parameters<typeof method>;
        method.apply(this, masked);
      },
    },
  };

  const main: DestinationStream | NodeJS.WritableStream = pretty
    ? PinoPretty({
        colorize: options.destination === undefined && process.stdout.isTTY === true,
        translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l',
        ignore: 'pid,siteId',
        sync: true,
        destination: options.destination ?? 1,
      })
    : (options.destination ?? pino.destination({ dest: 1, sync: true }));
  if (!options.file) return pino(pinoOptions, main as DestinationStream);
  // The file always gets JSON lines; a pretty stream takes the same lines and prints them for people.
  let file: DestinationStream;
  try {
    file = pino.destination({ dest: options.file, append: true, mkdir: true, sync: true });
  } catch (e) {
    // A log file that cannot be opened must not keep the gateway from running: stdout still works.
    const logger = pino(pinoOptions, main as DestinationStream);
    logger.error({ event: 'log-file-unavailable', file: options.file, err: e }, `cannot open log file ${options.file}; logging to stdout only`);
    return logger;
  }
  return pino(pinoOptions, pino.multistream([{ level, stream: main as DestinationStream }, { level, stream: file }]));
}

/** The string values of `value` that `schema` marks `secret: true`, plus those at `hidden` pointers. */
export function secretValues(schema: TSchema, value: unknown, hidden: readonly string[] = []): string[] {
  const out: string[] = [];
  for (const p of [...secretPointers(schema, value), ...hidden]) {
    let v: unknown = value;
    for (const seg of p.split('/').slice(1)) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[seg.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
    if (typeof v === 'string' && v !== '') out.push(v);
  }
  return out;
}

/**
 * The secrets a gateway process knows: the config's (broker password, EID keys, values from
 * ${SECRET:…} at `hidden`) and the site registry's (EID identity keys) — for LoggerOptions.secrets.
 */
export function configSecretValues(config: GatewayConfig, hidden: readonly string[] = [], registry?: SiteRegistry): string[] {
  return [...secretValues(GatewayConfigSchema, config, hidden), ...(registry ? secretValues(SiteRegistrySchema, registry) : [])];
}

/** What publisher, broker and outbox pass to their `log` option (gateway/publish LogRecord). */
export interface LogRecordLike {
  level: 'info' | 'warn' | 'error';
  event: string;
  [field: string]: unknown;
}

/**
 * Adapts a pino logger to the `log(record)` callbacks of the publisher, broker and outbox: the
 * record's `event` stays a field (for jq) and is the message unless the record has a `message`.
 */
export function logRecordSink(logger: Logger): (r: LogRecordLike) => void {
  return (r) => {
    const { level, event, message, ...rest } = r;
    const fn = level === 'error' ? logger.error : level === 'warn' ? logger.warn : logger.info;
    fn.call(logger, { event, ...rest }, typeof message === 'string' ? `${event}: ${message}` : event);
  };
}

/** A Writable collecting lines, for tests and for capturing output in-process. */
export function lineCollector(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  let partial = '';
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      partial += chunk.toString();
      const parts = partial.split('\n');
      partial = parts.pop() ?? '';
      lines.push(...parts.filter((l) => l !== ''));
      cb();
    },
  });
  return { stream, lines };
}
