/** `touchpoint backend` and `backend export-audience` in-process, against the embedded broker on 127.0.0.1. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import mqtt, { type MqttClient } from 'mqtt';
import { WebSocket } from 'ws';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startBroker, type RunningBroker } from '../../broker/broker.js';
import type { RunningBackend } from '../../backend/backend.js';
import { parseCsv } from '../../backend/csv.js';
import { DEVICE_A, publication, sensorComm, T0, userComm } from '../../backend/test-support.js';
import { UsageError, type CliIo } from '../io.js';
import { registerBackend, type BackendDeps } from './backend.js';

const CRM = new URL('../../../examples/crm-customers.csv', import.meta.url).pathname;
const ITEMS = new URL('../../backend/examples/items.yaml', import.meta.url).pathname;
const WAIT = { timeout: 15_000, interval: 20 };

async function run(args: string[], deps: BackendDeps = {}, err: string[] = []) {
  const out: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l) };
  const program = new Command('touchpoint').exitOverride().configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  registerBackend(program, io, deps);
  const all = (c: Command): Command[] => c.commands.flatMap((s) => [s, ...all(s)]);
  for (const c of all(program)) c.exitOverride();
  let code = 0;
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (e) {
    code = e instanceof CommanderError ? (e.exitCode === 0 ? 0 : 2) : e instanceof UsageError ? 2 : 1;
    if (!(e instanceof CommanderError)) err.push(String(e));
  }
  const json = out.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, any>);
  return { code, out, err, json };
}

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function broker(): Promise<RunningBroker> {
  const b = await startBroker({ anonymous: true, port: 0 });
  cleanups.push(() => b.close());
  return b;
}

async function rawClient(url: string): Promise<MqttClient> {
  const c = await mqtt.connectAsync(url, { reconnectPeriod: 0 }, false);
  cleanups.push(() => c.endAsync(true));
  return c;
}

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tp-backend-cli-'));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** Runs the backend until `scenario` resolves, then stops it as SIGINT would. */
async function runBackend(args: string[], scenario: (be: RunningBackend, err: string[]) => Promise<void>) {
  const err: string[] = [];
  const stop = new AbortController();
  let ready: (be: RunningBackend) => void = () => {};
  const isReady = new Promise<RunningBackend>((r) => (ready = r));
  const done = run(['backend', ...args], { signal: stop.signal, onReady: (be) => ready(be) }, err);
  const be = await Promise.race([isReady, done.then((r) => Promise.reject(new Error(`backend exited early: ${r.err.join('\n')}`)))]);
  try {
    await scenario(be, err);
  } finally {
    stop.abort();
  }
  return done;
}

describe('touchpoint backend', () => {
  it('--ui --layout serves the live map: over its WebSocket the floor plan, then the communications and the match as they happen', async () => {
    const b = await broker();
    const c = await rawClient(b.urls.mqtt);
    const got: { kind: string; layout?: { displays: unknown[] }; match?: { interactionType: string } }[] = [];
    const r = await runBackend(['--broker', b.urls.mqtt, '--db', ':memory:', '--stats-interval', '0', '--ui', '--layout', 'examples/store-apparel.yaml'], async (_be, err) => {
      const line = err.map((l) => JSON.parse(l) as { event?: string; url?: string }).find((l) => l.event === 'map-listening');
      expect(line?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const ws = new WebSocket(`${line!.url!.replace('http', 'ws')}live`);
      cleanups.push(() => ws.terminate());
      ws.on('message', (d) => void got.push(JSON.parse(String(d))));
      await vi.waitFor(() => expect(got[0]?.kind).toBe('hello'), WAIT);
      for (const m of [userComm({ deviceId: DEVICE_A, ts: T0 }), sensorComm({ seq: 1, ts: T0 + 1000, type: 'touch' })]) {
        const p = publication(m);
        await c.publishAsync(p.topic, p.payload, { qos: 1 });
      }
      await vi.waitFor(() => expect(got.some((m) => m.kind === 'match')).toBe(true), WAIT);
    });
    expect(r.code).toBe(0);
    expect(got[0]?.layout?.displays).toHaveLength(12);
    expect(got.map((m) => m.kind)).toEqual(expect.arrayContaining(['hello', 'user', 'sensor', 'match']));
    expect(got.find((m) => m.kind === 'match')?.match?.interactionType).toBe('touch');
  });


  it('runs, matches, references the CRM customer, sends a content item and prints a summary; export-audience lists the shopper', async () => {
    const b = await broker();
    const dir = tempDir();
    const db = join(dir, 'backend.db');
    const c = await rawClient(b.urls.mqtt);
    const r = await runBackend(
      ['--broker', b.urls.mqtt, '--db', db, '--crm', CRM, '--items', ITEMS, '--default-country', 'us', '--stats-interval', '0', '--events'],
      async (be) => {
        for (const m of [
          userComm({ deviceId: DEVICE_A, ts: T0, identity: { email: 'person@example.com' } }),
          sensorComm({ seq: 1, ts: T0 + 1000, type: 'touch' }),
        ]) {
          const p = publication(m);
          await c.publishAsync(p.topic, p.payload, { qos: 1 });
        }
        await vi.waitFor(() => expect(be.stats().contentItems).toBe(1), WAIT);
      },
    );
    expect(r.code).toBe(0);
    const ready = r.json.find((j) => j.backend)?.backend;
    expect(ready).toMatchObject({ subscriptions: ['$share/backend/tp/v1/+/+/sensor', '$share/backend/tp/v1/+/user'], crm: { customers: 12 }, items: 5, match: { windowMs: 5000 } });
    expect(r.json.find((j) => j.match)?.match).toMatchObject({ by: 'sensor', referenced: true, interactionType: 'touch' });
    expect(r.json.find((j) => j.match)?.match.deviceId).toBeUndefined();
    expect(r.json.find((j) => j.contentItem)?.contentItem).toMatchObject({ itemId: 'sku-88412', contentId: 'promo-gloves-10pct', contentKind: 'incentive' });
    expect(r.json.at(-1)?.summary).toMatchObject({ received: 2, matches: 1, referenced: 1, contentItems: 1, duplicates: 0, invalid: 0 });
    // No raw CRM value reaches the output.
    expect(r.out.join('\n') + r.err.join('\n')).not.toMatch(/person@example\.com|650 253 1234/i);

    const e = await run(['backend', 'export-audience', '--db', db, '--item', 'sku-88412']);
    expect(e.code).toBe(0);
    const csv = parseCsv(e.out.join('\n'));
    expect(csv.ok && csv.rows).toEqual([
      ['Email', 'Phone'],
      // C-1001: 542d2401… is Person@Example.com (Snap docs, protocols.md §6.3); e101d133… is +16502531234.
      ['542d240129883c019e106e3b1b2d3f3cb3537c43c425364de8e951d5a3083345', 'e101d1333c2310c83a1f96c4e0c12aa18b151ee0baaa2db3998ee3797d74b685'],
    ]);
    expect(JSON.parse(e.err[0]!)).toEqual({ audience: { item: 'sku-88412', standard: 'google-v1', members: 1, rows: 1 } });

    const out = join(dir, 'meta.csv');
    const m = await run(['backend', 'export-audience', '--item', 'sku-88412', '--standard', 'meta-v1', '--db', db, '--out', out]);
    expect(m.code).toBe(0);
    expect(readFileSync(out, 'utf8').split('\r\n')[0]).toBe('email,phone,fn,ln');
  });

  it('stops by itself after --duration with a summary', async () => {
    const b = await broker();
    const r = await run(['backend', '--broker', b.urls.mqtt, '--db', join(tempDir(), 'b.db'), '--duration', '0.2', '--stats-interval', '0.05']);
    expect(r.code).toBe(0);
    expect(r.json.some((j) => j.stats)).toBe(true);
    expect(r.json.at(-1)?.summary).toMatchObject({ received: 0, matches: 0 });
  });

  it('refuses bad input with exit code 2 and says which option', async () => {
    const dir = tempDir();
    const badItems = join(dir, 'items.yaml');
    writeFileSync(badItems, 'v: 1\nitems:\n  - { itemId: a }\n  - { itemId: a }\n');
    const cases: [string[], RegExp][] = [
      [['backend', '--share', 'a/b'], /--share/],
      [['backend', '--broker', 'http://x'], /--broker/],
      [['backend', '--default-country', 'XX'], /--default-country/],
      [['backend', '--window-ms', '9000', '--max-window-ms', '1000'], /--max-window-ms/],
      [['backend', '--items', badItems], /duplicate item a/],
      [['backend', '--crm', join(dir, 'missing.csv')], /--crm: cannot read/],
      [['backend', 'export-audience', '--item', 'x'], /needs --db/],
      [['backend', 'export-audience', '--item', 'x', '--db', join(dir, 'missing.db')], /--db/],
    ];
    for (const [args, message] of cases) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err.join('\n'), args.join(' ')).toMatch(message);
    }
  });
});
