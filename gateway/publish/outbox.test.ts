import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseSensorCommunication, parseSensorMessageId, parseTelemetry } from '../../protocol/messages/index.js';
import { openOutbox, OutboxLockedError, type Outbox, type OutboxOptions, type PressureEvent } from './outbox.js';
import { sampleEvent, sampleTelemetry } from './test-support/fixtures.js';

const SITE = 'store-12';
const GW = 'gw-a';

let dir: string;
const open: Outbox[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tp-outbox-'));
});
afterEach(() => {
  for (const o of open.splice(0)) o.close();
  rmSync(dir, { recursive: true, force: true });
});

function outbox(opts: Partial<OutboxOptions> = {}): Outbox {
  const o = openOutbox({ path: join(dir, 'outbox.db'), gatewayId: GW, siteId: SITE, onPressure: () => {}, ...opts });
  open.push(o);
  return o;
}

function reopen(o: Outbox, opts: Partial<OutboxOptions> = {}): Outbox {
  o.close();
  return outbox(opts);
}

describe('outbox stamping ([0207])', () => {
  it('assigns contiguous seqs from 0 and messageId <gatewayId>:<bootId>:<seq>; the stored payload is the validated message', () => {
    const o = outbox();
    const results = [0, 1, 2].map((i) => o.append(sampleEvent(SITE, GW, i)));
    expect(results.map((r) => r.ok && r.seq)).toEqual([0, 1, 2]);
    for (const r of results) {
      if (!r.ok) throw new Error('append failed');
      expect(parseSensorMessageId(r.messageId)).toEqual({ gatewayId: GW, bootId: o.bootId, seq: r.seq });
      expect(r.message.seq).toBe(r.seq);
    }
    const rows = o.peekSensor(-1, 10);
    expect(rows.map((r) => r.seq)).toEqual([0, 1, 2]);
    const first = rows[0]!;
    expect(first.topic).toBe(`tp/v1/${SITE}/${GW}/sensor`);
    expect(first.qos).toBe(1);
    expect(first.retain).toBe(false);
    const parsed = parseSensorCommunication(first.payload);
    expect(parsed.ok).toBe(true);
    expect(parsed.ok && parsed.value).toEqual(results[0]!.ok && results[0]!.message);
  });

  it('stamps the beacon timestamp from the clock when the body has none', () => {
    const o = outbox({ clock: { now: () => 1_700_000_000_123, mono: () => 0 } });
    const { timestamp: _omit, ...body } = sampleEvent(SITE, GW, 0);
    const r = o.append(body);
    expect(r.ok && r.message.timestamp).toBe(1_700_000_000_123);
  });

  it('rejects an invalid body with the schema errors, stores nothing and consumes no seq', () => {
    const o = outbox();
    const bad = { ...sampleEvent(SITE, GW, 0), sensorId: 'not-a-beacon' };
    const r = o.append(bad);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toBe('schema');
    expect(!r.ok && r.errors.some((e) => e.path === '/sensorId')).toBe(true);
    expect(o.depth()).toBe(0);
    const rule = o.append({ ...sampleEvent(SITE, GW, 0), interaction: { ...sampleEvent(SITE, GW, 0).interaction, endedAt: 1 } });
    expect(!rule.ok && rule.reason).toBe('rule');
    const good = o.append(sampleEvent(SITE, GW, 1));
    expect(good.ok && good.seq).toBe(0);
    expect(o.stats().rejectedInvalid).toBe(2);
  });

  it('refuses an already stamped body and a body for another gateway or site', () => {
    const o = outbox();
    const stamped = { ...sampleEvent(SITE, GW, 0), seq: 7, messageId: `${GW}:b:7` };
    const r1 = o.append(stamped);
    expect(!r1.ok && r1.errors.map((e) => e.path).sort()).toEqual(['/messageId', '/seq']);
    const r2 = o.append(sampleEvent(SITE, 'gw-b', 0));
    expect(!r2.ok && r2.errors[0]!.path).toBe('/gatewayId');
    const r3 = o.append(sampleEvent('store-13', GW, 0));
    expect(!r3.ok && r3.errors[0]!.path).toBe('/siteId');
    expect(o.nextSeq()).toBe(0);
  });

  it('continues the sequence after a restart even when every row was deleted, with a new bootId', () => {
    let o = outbox();
    for (let i = 0; i < 5; i++) o.append(sampleEvent(SITE, GW, i));
    o.remove(o.peekSensor(-1, 100).map((r) => r.id));
    expect(o.depth()).toBe(0);
    const boot1 = o.bootId;
    o = reopen(o);
    expect(o.bootId).not.toBe(boot1);
    const r = o.append(sampleEvent(SITE, GW, 5));
    expect(r.ok && r.seq).toBe(5);
    expect(r.ok && r.messageId).toBe(`${GW}:${o.bootId}:5`);
  });

  it('keeps queued rows across a restart with their original messageId', () => {
    let o = outbox();
    const r = o.append(sampleEvent(SITE, GW, 0));
    o = reopen(o);
    const rows = o.peekSensor(-1, 10);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.messageId).toBe(r.ok && r.messageId);
    expect(o.sensorQueueDepth()).toBe(1);
  });

  it('is owned by one process at a time', () => {
    outbox();
    expect(() => openOutbox({ path: join(dir, 'outbox.db'), gatewayId: GW, siteId: SITE })).toThrow(OutboxLockedError);
  });

  it('refuses to open another gateway’s outbox', () => {
    const o = outbox();
    o.close();
    expect(() => outbox({ gatewayId: 'gw-b' })).toThrow(/belongs to gateway gw-a/);
  });

  it('property: whatever mix of valid/invalid appends, deletes and restarts, accepted seqs are 0,1,2,… without gaps or repeats', () => {
    const op = fc.oneof(
      fc.record({ t: fc.constant('append' as const), valid: fc.boolean() }),
      fc.record({ t: fc.constant('remove' as const), n: fc.nat(3) }),
      fc.record({ t: fc.constant('reopen' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        rmSync(join(dir, 'outbox.db'), { force: true });
        rmSync(join(dir, 'outbox.db-wal'), { force: true });
        let o = outbox({ synchronous: 'NORMAL' });
        const accepted: number[] = [];
        const bootBySeq = new Map<number, string>();
        for (const x of ops) {
          if (x.t === 'append') {
            const body = x.valid ? sampleEvent(SITE, GW, accepted.length) : { ...sampleEvent(SITE, GW, 0), clock: { synced: 'yes' } };
            const r = o.append(body as never);
            expect(r.ok).toBe(x.valid);
            if (r.ok) {
              accepted.push(r.seq);
              bootBySeq.set(r.seq, o.bootId);
            }
          } else if (x.t === 'remove') {
            o.remove(o.peekSensor(-1, x.n).map((r) => r.id));
          } else {
            o = reopen(o, { synchronous: 'NORMAL' });
          }
        }
        expect(accepted).toEqual(accepted.map((_, i) => i));
        for (const row of o.peekSensor(-1, 1000)) expect(row.messageId).toBe(`${GW}:${bootBySeq.get(row.seq!)}:${row.seq}`);
        o.close();
      }),
      { numRuns: 40 },
    );
  });
});

describe('outbox capacity policy', () => {
  it('sheds telemetry first, oldest first, then refuses sensor communications (default), counted and reported', () => {
    const events: PressureEvent[] = [];
    const o = outbox({ maxMessages: 5, onPressure: (e) => events.push(e) });
    const t = [0, 1, 2].map((i) => o.appendTelemetry(sampleTelemetry(SITE, GW, i)));
    expect(t.every((r) => r.ok)).toBe(true);
    for (let i = 0; i < 2; i++) expect(o.append(sampleEvent(SITE, GW, i)).ok).toBe(true);
    expect(o.depth()).toBe(5);
    // full: each new sensor communication sheds the oldest telemetry report
    expect(o.append(sampleEvent(SITE, GW, 2)).ok).toBe(true);
    const left = o.peekTelemetry(0, 10).map((r) => (parseTelemetry(r.payload).ok ? JSON.parse(r.payload).uptimeS : -1));
    expect(left).toEqual([60, 120]);
    o.append(sampleEvent(SITE, GW, 3));
    o.append(sampleEvent(SITE, GW, 4));
    expect(o.stats().telemetryDepth).toBe(0);
    expect(o.stats().telemetryShed).toBe(3);
    // only sensor communications left: the new one is refused, loudly, and no seq is consumed
    const refused = o.append(sampleEvent(SITE, GW, 5));
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.reason).toBe('full');
    expect(o.stats()).toMatchObject({ sensorRefused: 1, sensorDepth: 5, nextSeq: 5 });
    expect(events.filter((e) => e.type === 'telemetry-shed')).toHaveLength(3);
    expect(events.filter((e) => e.type === 'sensor-refused')).toEqual([{ type: 'sensor-refused', refused: 1, depth: 5, capacity: 5 }]);
    expect(events.some((e) => e.type === 'high-water')).toBe(true);
    // new telemetry is shed while sensor communications fill the outbox
    const tel = o.appendTelemetry(sampleTelemetry(SITE, GW, 9));
    expect(!tel.ok && tel.reason).toBe('full');
    expect(o.peekSensor(-1, 10).map((r) => r.seq)).toEqual([0, 1, 2, 3, 4]);
    // after delivery frees space the sequence continues without a gap
    o.remove(o.peekSensor(-1, 1).map((r) => r.id));
    const next = o.append(sampleEvent(SITE, GW, 6));
    expect(next.ok && next.seq).toBe(5);
  });

  it('drop-oldest: makes room by deleting the oldest sensor communication, counted, so the backend sees the gap', () => {
    const events: PressureEvent[] = [];
    const o = outbox({ maxMessages: 3, sensorFullPolicy: 'drop-oldest', onPressure: (e) => events.push(e) });
    for (let i = 0; i < 5; i++) expect(o.append(sampleEvent(SITE, GW, i)).ok).toBe(true);
    expect(o.peekSensor(-1, 10).map((r) => r.seq)).toEqual([2, 3, 4]);
    expect(o.stats().sensorDropped).toBe(2);
    expect(events.filter((e) => e.type === 'sensor-dropped').map((e) => e.type === 'sensor-dropped' && e.seq)).toEqual([0, 1]);
  });

  it('keeps at most maxTelemetry reports, shedding the oldest', () => {
    const o = outbox({ maxTelemetry: 2 });
    for (let i = 0; i < 4; i++) expect(o.appendTelemetry(sampleTelemetry(SITE, GW, i)).ok).toBe(true);
    expect(o.peekTelemetry(0, 10).map((r) => JSON.parse(r.payload).uptimeS)).toEqual([120, 180]);
    expect(o.stats().telemetryShed).toBe(2);
  });

  it('rejects invalid telemetry', () => {
    const o = outbox();
    const r = o.appendTelemetry({ ...sampleTelemetry(SITE, GW, 0), uptimeS: -1 });
    expect(!r.ok && r.reason).toBe('schema');
    expect(o.depth()).toBe(0);
  });
});

describe('outbox dead letters', () => {
  it('moves a row to dead_letter with its reason and attempts, and requeues it with the same seq', () => {
    const o = outbox();
    for (let i = 0; i < 3; i++) o.append(sampleEvent(SITE, GW, i));
    const row = o.peekSensor(-1, 10)[1]!;
    expect(o.recordFailedAttempt(row.id)).toBe(1);
    expect(o.recordFailedAttempt(row.id)).toBe(2);
    const moved = o.deadLetter(row.id, 'refused by broker');
    expect(moved?.seq).toBe(1);
    expect(o.peekSensor(-1, 10).map((r) => r.seq)).toEqual([0, 2]);
    const dead = o.listDeadLetters();
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ seq: 1, reason: 'refused by broker', attempts: 2, messageId: row.messageId });
    expect(o.stats()).toMatchObject({ deadLettered: 1, deadLetterDepth: 1, sensorDepth: 2 });
    expect(o.deadLetter(row.id, 'again')).toBeUndefined();
    expect(o.requeueDeadLetters()).toBe(1);
    expect(o.peekSensor(-1, 10).map((r) => [r.seq, r.attempts])).toEqual([
      [0, 0],
      [1, 0],
      [2, 0],
    ]);
    expect(o.stats().deadLetterDepth).toBe(0);
  });
});
