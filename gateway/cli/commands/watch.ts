/**
 * `touchpoint watch`: subscribe like a backend and show what arrives, checked against the contract,
 * with per-gateway loss and duplicate counts. With --count N it exits after N distinct sensor
 * communications and prints {"summary":{…}}; exit code 1 if anything was lost, invalid or
 * conflicting, or the count was not reached before --timeout.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { isValidTopicId } from '../../../protocol/messages/index.js';
import { runWatch, type WatchEvent, type WatchSummary } from '../../watch/watch.js';
import { intArg, numberArg } from '../args.js';
import { type CliIo, UsageError, printJson } from '../io.js';

interface WatchCliOptions {
  broker: string;
  count?: number;
  site?: string;
  share?: string;
  json?: boolean;
  username?: string;
  password?: string;
  clientId?: string;
  ca?: string;
  timeout?: number;
}

export interface WatchDeps {
  /** Stops the watch; default: SIGINT/SIGTERM. */
  signal?: AbortSignal;
}

export function checkBrokerUrl(url: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`--broker: not a URL: ${url}`);
  }
  if (!['mqtt:', 'mqtts:', 'ws:', 'wss:'].includes(u.protocol)) throw new UsageError('--broker must be mqtt://, mqtts://, ws:// or wss://');
}

export function registerWatch(program: Command, io: CliIo, deps: WatchDeps = {}): void {
  program
    .command('watch')
    .description('subscribe like a backend: print arriving messages, check them against the schemas, report loss and duplicates per gateway')
    .option('--broker <url>', 'mqtt://, mqtts://, ws:// or wss:// URL', 'mqtt://127.0.0.1:1883')
    .option('--count <n>', 'exit after N distinct sensor communications, printing a JSON summary', intArg('--count', 0, 1_000_000_000))
    .option('--site <id>', 'only this site')
    .option('--share <group>', 'receive sensor communications as a member of shared subscription $share/<group>/…')
    .option('--json', 'one JSON line per message instead of text')
    .option('--username <name>', 'MQTT username')
    .option('--password <secret>', 'MQTT password (visible in shell history; TOUCHPOINT_MQTT_PASSWORD is read when absent)')
    .option('--client-id <id>', 'persistent session under this client ID (the broker queues while the watch is away)')
    .option('--ca <file>', 'CA certificate (PEM) for mqtts:// or wss://')
    .option('--timeout <seconds>', 'give up after this long', numberArg('--timeout'))
    .action(async (o: WatchCliOptions) => {
      checkBrokerUrl(o.broker);
      if (o.site !== undefined && !isValidTopicId(o.site, 'siteId')) throw new UsageError('--site must be [A-Za-z0-9._-]{1,64}');
      if (o.share !== undefined && !isValidTopicId(o.share, 'group')) throw new UsageError('--share must be [A-Za-z0-9._-]{1,64}');
      if (o.timeout !== undefined && !(o.timeout > 0)) throw new UsageError('--timeout must be > 0');
      const password = o.password ?? process.env.TOUCHPOINT_MQTT_PASSWORD;
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      if (!deps.signal) {
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
      }
      let summary: WatchSummary;
      try {
        summary = await runWatch({
          url: o.broker,
          signal: deps.signal ?? stop.signal,
          onEvent: (e) => (o.json ? printJson(io, jsonLine(e)) : io.out(textLine(e))),
          ...(o.site !== undefined ? { siteId: o.site } : {}),
          ...(o.count !== undefined ? { count: o.count } : {}),
          ...(o.share !== undefined ? { share: o.share } : {}),
          ...(o.username !== undefined ? { username: o.username } : {}),
          ...(password !== undefined ? { password } : {}),
          ...(o.clientId !== undefined ? { clientId: o.clientId } : {}),
          ...(o.ca !== undefined ? { ca: readFileSync(o.ca) } : {}),
          ...(o.timeout !== undefined ? { timeoutMs: o.timeout * 1000 } : {}),
        });
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      const { sensorCommunications, lost, duplicates, invalid, conflicts, gateways, statuses, telemetry, complete, stoppedBy } = summary;
      printJson(io, { summary: { sensorCommunications, lost, duplicates, invalid, conflicts, statuses, telemetry, complete, stoppedBy, gateways } });
      const problems = [
        lost > 0 && `${lost} lost`,
        invalid > 0 && `${invalid} invalid`,
        conflicts > 0 && `${conflicts} seq conflicts`,
        !complete && `only ${sensorCommunications} of ${o.count} sensor communications before the ${stoppedBy}`,
      ].filter(Boolean);
      if (problems.length > 0) throw new Error(`watch: ${problems.join(', ')}`);
    });
}

function jsonLine(e: WatchEvent): unknown {
  switch (e.type) {
    case 'sensor':
      return { type: 'sensor', topic: e.topic, message: e.message, duplicate: e.check.duplicate, conflict: e.check.conflict, gap: e.check.gap ?? null, late: e.check.late };
    case 'status':
      return { type: 'status', topic: e.topic, message: e.message, retained: e.retained };
    case 'telemetry':
      return { type: 'telemetry', topic: e.topic, message: e.message };
    default:
      return e;
  }
}

function textLine(e: WatchEvent): string {
  switch (e.type) {
    case 'sensor': {
      const m = e.message;
      const c = e.check;
      const flags = [
        c.duplicate && (c.conflict ? 'CONFLICT (same seq, different messageId)' : 'duplicate'),
        c.gap && `GAP: seq ${c.gap.from}${c.gap.to > c.gap.from ? `–${c.gap.to}` : ''} missing (${c.gap.to - c.gap.from + 1})`,
        c.late && 'late',
        c.newBoot && `boot ${m.messageId.split(':')[1]}`,
      ].filter(Boolean);
      return `sensor     ${c.key}  #${m.seq}  ${m.interaction.type.padEnd(9)} ${m.sensorId}${flags.length ? '  ' + flags.join('  ') : ''}`;
    }
    case 'status':
      return `status     ${e.message.siteId}/${e.message.gatewayId}  ${e.message.state}${e.retained ? ' (retained)' : ''}`;
    case 'telemetry': {
      const c = e.message.counters;
      return `telemetry  ${e.message.siteId}/${e.message.gatewayId}  published ${c.eventsPublished}  queued ${c.queueDepth}  given up ${c.deadLettered}  up ${e.message.uptimeS} s`;
    }
    case 'other':
      return `${e.kind.padEnd(10)} ${e.topic}`;
    case 'invalid':
      return `INVALID    ${e.topic}: ${e.reason}${e.errors[0] ? ` (${e.errors[0].path || '/'} ${e.errors[0].message})` : ''}`;
  }
}
