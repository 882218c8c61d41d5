import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeForPublish, sensorTopic, type SensorCommunication } from '../../../protocol/messages/index.js';
import { startBroker, type RunningBroker } from '../../broker/broker.js';
import { openOutbox } from '../../publish/outbox.js';
import { createPublisher } from '../../publish/publisher.js';
import { sampleEvent } from '../../publish/test-support/fixtures.js';
import { UsageError, type CliIo } from '../io.js';
import { registerWatch, type WatchDeps } from './watch.js';

const SITE = 's1';

async function run(args: string[], deps: WatchDeps = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l) };
  const program = new Command('touchpoint').exitOverride().configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  registerWatch(program, io, deps);
  for (const c of program.commands) c.exitOverride();
  let code = 0;
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (e) {
    code = e instanceof CommanderError ? (e.exitCode === 0 ? 0 : 2) : e instanceof UsageError ? 2 : 1;
    if (!(e instanceof CommanderError)) err.push(String(e));
  }
  const json = out.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, any>);
  return { code, out, err, json, summary: json.find((j) => j.summary)?.summary as Record<string, any> | undefined };
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

/** Resolves once the watch's SUBSCRIBE reached the broker, so nothing published afterwards is missed. */
const subscribed = (b: RunningBroker) => new Promise<void>((r) => b.aedes.once('subscribe', () => r()));

async function rawClient(url: string): Promise<MqttClient> {
  const c = await mqtt.connectAsync(url, { reconnectPeriod: 0 }, false);
  cleanups.push(() => c.endAsync(true));
  return c;
}

function stamped(gw: string, seq: number, boot = 'boot-1'): { topic: string; payload: string } {
  const m: SensorCommunication = { ...sampleEvent(SITE, gw, seq), seq, messageId: `${gw}:${boot}:${seq}` } as SensorCommunication;
  const e = encodeForPublish(m);
  if (!e.ok) throw new Error(JSON.stringify(e.errors));
  return e.value;
}

describe('touchpoint watch', () => {
  it('end to end: a gateway publisher → broker → watch --count N: every event, no loss, no duplicates', async () => {
    const b = await broker();
    const ready = subscribed(b);
    const watching = run(['watch', '--broker', b.urls.mqtt, '--count', '25', '--site', SITE, '--json']);
    await ready;
    const dir = mkdtempSync(join(tmpdir(), 'tp-watch-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const outbox = openOutbox({ path: join(dir, 'o.db'), gatewayId: 'gw-a', siteId: SITE, onPressure: () => {} });
    cleanups.push(() => outbox.close());
    const pub = createPublisher({ url: b.urls.mqtt, outbox, reconnectPeriodMs: 50, telemetryIntervalMs: 0, log: () => {} });
    cleanups.push(() => pub.stop({ graceful: false }));
    pub.start();
    for (let i = 0; i < 25; i++) outbox.append(sampleEvent(SITE, 'gw-a', i));
    const r = await watching;
    expect(r.code, r.err.join('\n')).toBe(0);
    expect(r.summary).toMatchObject({ sensorCommunications: 25, lost: 0, duplicates: 0, invalid: 0, complete: true, stoppedBy: 'count' });
    expect(r.summary!.gateways[`${SITE}/gw-a`]).toMatchObject({ received: 25, firstSeq: 0, lastSeq: 24, boots: [outbox.bootId] });
    const sensors = r.json.filter((j) => j.type === 'sensor');
    expect(sensors.map((j) => j.message.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(r.json.some((j) => j.type === 'status' && j.message.state === 'online')).toBe(true);
  });

  it('reports gaps, duplicates and invalid payloads, and exits 1 with the summary', async () => {
    const b = await broker();
    const ready = subscribed(b);
    const watching = run(['watch', '--broker', b.urls.mqtt, '--count', '4']);
    await ready;
    const c = await rawClient(b.urls.mqtt);
    await c.publishAsync(sensorTopic(SITE, 'gw-a'), '{"not":"a sensor communication"}', { qos: 1 });
    for (const [gw, seq] of [
      ['gw-a', 0],
      ['gw-a', 1],
      ['gw-a', 1],
      ['gw-b', 7],
      ['gw-a', 4],
    ] as const) {
      const m = stamped(gw, seq);
      await c.publishAsync(m.topic, m.payload, { qos: 1 });
    }
    const r = await watching;
    expect(r.code).toBe(1);
    expect(r.err.join(' ')).toMatch(/2 lost, 1 invalid/);
    expect(r.summary).toMatchObject({ sensorCommunications: 4, lost: 2, duplicates: 1, invalid: 1, conflicts: 0 });
    expect(r.summary!.gateways[`${SITE}/gw-a`]).toMatchObject({ received: 3, lost: 2, duplicates: 1, missing: [[2, 3]] });
    expect(r.summary!.gateways[`${SITE}/gw-b`]).toMatchObject({ received: 1, lost: 0 });
    expect(r.out.some((l) => l.startsWith('INVALID'))).toBe(true);
    expect(r.out.some((l) => l.includes('#1') && l.includes('duplicate'))).toBe(true);
    expect(r.out.some((l) => l.includes('#4') && l.includes('GAP: seq 2–3 missing (2)'))).toBe(true);
  });

  it('as a member of a shared subscription group (--share)', async () => {
    const b = await broker();
    const ready = subscribed(b);
    const watching = run(['watch', '--broker', b.urls.mqtt, '--count', '3', '--share', 'backend', '--json']);
    await ready;
    expect(b.shared.memberCount('$share/backend/tp/v1/+/+/sensor')).toBe(1);
    const c = await rawClient(b.urls.mqtt);
    for (let seq = 0; seq < 3; seq++) {
      const m = stamped('gw-a', seq);
      await c.publishAsync(m.topic, m.payload, { qos: 1 });
    }
    const r = await watching;
    expect(r.code).toBe(0);
    expect(r.summary).toMatchObject({ sensorCommunications: 3, lost: 0, duplicates: 0 });
  });

  it('--timeout before --count is reached: summary with complete=false, exit 1; stopping by signal prints the summary too', async () => {
    const b = await broker();
    const r = await run(['watch', '--broker', b.urls.mqtt, '--count', '5', '--timeout', '0.2']);
    expect(r.code).toBe(1);
    expect(r.summary).toMatchObject({ sensorCommunications: 0, complete: false, stoppedBy: 'timeout' });

    const stop = new AbortController();
    const ready = subscribed(b);
    const watching = run(['watch', '--broker', b.urls.mqtt], { signal: stop.signal });
    await ready;
    stop.abort();
    const s = await watching;
    expect(s.code).toBe(0);
    expect(s.summary).toMatchObject({ sensorCommunications: 0, complete: true, stoppedBy: 'signal' });
  });

  it('bad arguments exit 2; an unreachable broker exits 1', async () => {
    expect((await run(['watch', '--broker', 'http://x'])).code).toBe(2);
    expect((await run(['watch', '--site', 'a/b'])).code).toBe(2);
    expect((await run(['watch', '--count', '-1'])).code).toBe(2);
    const b = await broker();
    const port = b.port;
    await b.close();
    const r = await run(['watch', '--broker', `mqtt://127.0.0.1:${port}`, '--count', '1']);
    expect(r.code).toBe(1);
  });
});
