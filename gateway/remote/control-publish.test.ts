/**
 * config/state shares the gateway's one MQTT connection with its sensor communications
 * (publisher.publishControl). A broker whose ACL forgot config/state closes the connection on it
 * (MQTT 3.1.1 has no negative PUBACK): that must cost a few reconnects, never sensor data.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { configStateTopic, encodeForPublish, type ConfigState } from '../../protocol/messages/index.js';
import { startBroker } from '../broker/index.js';
import { openOutbox } from '../publish/outbox.js';
import { createPublisher, type LogRecord } from '../publish/publisher.js';
import { range, SensorCollector } from '../publish/test-support/collector.js';
import { sampleEvent } from '../publish/test-support/fixtures.js';

const SITE = 's1';
const GW = 'gw-a';
const WAIT = { timeout: 30_000, interval: 20 };
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const state = (revision: number): ConfigState => ({ v: 1, kind: 'config-state', gatewayId: GW, siteId: SITE, revision, timestamp: 1_739_528_400_000, status: 'applied' });
const publication = (revision: number) => {
  const e = encodeForPublish(state(revision));
  if (!e.ok) throw new Error('bad state');
  return e.value;
};

async function setup(refuseState: boolean) {
  let refusals = 0;
  const b = await startBroker({
    anonymous: true,
    port: 0,
    authorizePublish: (_c, p) => (refuseState && p.topic === configStateTopic(SITE, GW) ? (refusals++, new Error('no ACL for config/state')) : null),
  });
  cleanups.push(() => b.close());
  const col = new SensorCollector().attach(b.aedes, true);
  const dir = mkdtempSync(join(tmpdir(), 'tp-control-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const outbox = openOutbox({ path: join(dir, 'outbox.sqlite'), gatewayId: GW, siteId: SITE });
  cleanups.push(() => outbox.close());
  const logs: LogRecord[] = [];
  const pub = createPublisher({ url: b.urls.mqtt, outbox, reconnectPeriodMs: 50, telemetryIntervalMs: 0, maxAttempts: 3, log: (r) => logs.push(r) });
  cleanups.push(() => pub.stop({ timeoutMs: 1000 }));
  return { b, col, outbox, pub, logs, refusals: () => refusals };
}

describe('publishControl (config/state on the gateway connection)', () => {
  it('is delivered retained after the status, and a newer one replaces one not yet sent', async () => {
    const s = await setup(false);
    s.pub.publishControl(publication(1));
    s.pub.publishControl(publication(2));
    s.pub.start();
    await vi.waitFor(() => expect(s.col.other.filter((o) => o.topic === configStateTopic(SITE, GW)).map((o) => JSON.parse(o.payload).revision)).toEqual([2]), WAIT);
    const st = s.col.other.find((o) => o.topic === configStateTopic(SITE, GW))!;
    expect(st).toMatchObject({ qos: 1, retain: true });
    // the status went first
    expect(s.col.other.findIndex((o) => o.topic.endsWith('/status'))).toBeLessThan(s.col.other.indexOf(st));
  });

  it('a broker refusing config/state: bounded strikes, then control publishes stop; every sensor communication is delivered, none dead-lettered', async () => {
    const s = await setup(true);
    for (let i = 0; i < 10; i++) s.outbox.append(sampleEvent(SITE, GW, i));
    s.pub.publishControl(publication(1));
    s.pub.start();
    await vi.waitFor(() => expect(s.col.unique(GW).size).toBe(10), WAIT);
    expect(s.col.firstArrivals(GW)).toEqual(range(0, 10));
    expect(s.pub.stats()).toMatchObject({ controlDisabled: true, refusedDeadLettered: 0 });
    expect(s.outbox.stats().deadLetterDepth).toBe(0);
    expect(s.refusals()).toBe(3);
    expect(s.logs.filter((l) => l.event === 'control-refused')).toHaveLength(1);
    expect(s.pub.publishControl(publication(2))).toBe(false);
    // Later traffic still flows on the same publisher.
    for (let i = 10; i < 15; i++) s.outbox.append(sampleEvent(SITE, GW, i));
    await vi.waitFor(() => expect(s.col.unique(GW).size).toBe(15), WAIT);
    expect(s.refusals()).toBe(3);
  });
});
