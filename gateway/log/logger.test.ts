import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfigText } from '../config/index.js';
import { configSecretValues, createLogger, createMasker, lineCollector, logRecordSink, parseLogLevel } from './logger.js';

const BROKER_PASSWORD = 'hunter2-broker-pw';
const EID_KEY = '5ac1e2d3f4a5b6c7d8e9fa0b1c2d3e4f';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const parse = (lines: string[]) => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

describe('createLogger: JSON lines for journald', () => {
  it('one JSON object per line with a level label, an ISO time, msg, gatewayId and siteId', () => {
    const out = lineCollector();
    const log = createLogger({ destination: out.stream, pretty: false, gatewayId: 'gw-a', siteId: 'store-12' });
    log.info({ event: 'connected', probeThrough: -1 }, 'connected to broker');
    log.warn('outbox at 80 %');
    log.debug('not shown at info');
    expect(out.lines).toHaveLength(2);
    const [a, b] = parse(out.lines);
    expect(a).toMatchObject({ level: 'info', msg: 'connected to broker', gatewayId: 'gw-a', siteId: 'store-12', event: 'connected', probeThrough: -1, pid: process.pid });
    expect(new Date(a!.time as string).toISOString()).toBe(a!.time);
    expect(b).toMatchObject({ level: 'warn', msg: 'outbox at 80 %' });
  });

  it('--log-level values: debug lets debug through, error holds warn back, junk is refused', () => {
    const out = lineCollector();
    const log = createLogger({ destination: out.stream, pretty: false, level: parseLogLevel('DEBUG')! });
    log.debug('d');
    const quiet = createLogger({ destination: out.stream, pretty: false, level: parseLogLevel('error')! });
    quiet.warn('w');
    quiet.error('e');
    expect(parse(out.lines).map((r) => r.msg)).toEqual(['d', 'e']);
    expect(parseLogLevel('loud')).toBeUndefined();
    expect(parseLogLevel(3)).toBeUndefined();
  });

  it('logRecordSink maps publisher/broker records: event kept as a field and used as the message', () => {
    const out = lineCollector();
    const sink = logRecordSink(createLogger({ destination: out.stream, pretty: false }));
    sink({ level: 'warn', event: 'mqtt-error', message: 'connect ECONNREFUSED 127.0.0.1:1883' });
    sink({ level: 'error', event: 'dead-letter', seq: 7, attempts: 3 });
    sink({ level: 'info', event: 'connected' });
    expect(parse(out.lines)).toEqual([
      expect.objectContaining({ level: 'warn', event: 'mqtt-error', msg: 'mqtt-error: connect ECONNREFUSED 127.0.0.1:1883' }),
      expect.objectContaining({ level: 'error', event: 'dead-letter', seq: 7, attempts: 3, msg: 'dead-letter' }),
      expect.objectContaining({ level: 'info', event: 'connected', msg: 'connected' }),
    ]);
    expect(parse(out.lines)[0]).not.toHaveProperty('message');
  });

  it('pretty output (a terminal) is not JSON but still says level and message', () => {
    const out = lineCollector();
    const log = createLogger({ destination: out.stream, pretty: true, gatewayId: 'gw-a' });
    log.warn({ event: 'x' }, 'radar silent for 30 s');
    const text = out.lines.join('\n');
    expect(() => JSON.parse(out.lines[0]!)).toThrow();
    expect(text).toContain('WARN');
    expect(text).toContain('radar silent for 30 s');
  });

  it('with a file, the same JSON lines are appended there too', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tp-log-'));
    dirs.push(dir);
    const out = lineCollector();
    const file = join(dir, 'logs', 'gateway.log');
    const log = createLogger({ destination: out.stream, pretty: false, file, gatewayId: 'gw-a' });
    log.info('first');
    log.error({ event: 'boom' }, 'second');
    const fileLines = readFileSync(file, 'utf8').trim().split('\n');
    expect(parse(fileLines).map((r) => [r.level, r.msg, r.gatewayId])).toEqual([
      ['info', 'first', 'gw-a'],
      ['error', 'second', 'gw-a'],
    ]);
    expect(out.lines).toHaveLength(2);
  });
});

describe('secrets never appear in logs', () => {
  const config = (() => {
    const r = parseConfigText(
      `gateway: { id: gw-a, siteId: store-12, spot: endcap-3 }
broker: { url: "mqtts://broker.example:8883", username: gw-a, password: "\${ENV:PW}" }
radio:
  advertise:
    frames:
      - { type: eddystone-eid, identityKey: "\${ENV:EID}", exponent: 8, txPower: -20 }
`,
      'gateway.yaml',
      { env: { PW: BROKER_PASSWORD, EID: EID_KEY } },
    );
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    return r.config;
  })();

  it('configSecretValues finds the broker password and the EID identity key', () => {
    expect(configSecretValues(config).sort()).toEqual([BROKER_PASSWORD, EID_KEY].sort());
  });

  it('a logged config, URLs with credentials, error texts, messages and nested secret-named keys are masked', () => {
    const out = lineCollector();
    const log = createLogger({ destination: out.stream, pretty: false, secrets: configSecretValues(config) });
    log.info({ config }, 'effective config');
    log.warn({ url: `mqtts://gw-a:${BROKER_PASSWORD}@broker.example:8883` }, 'connecting');
    log.error({ err: new Error(`auth failed for password ${BROKER_PASSWORD}`) }, 'broker refused');
    log.info(`key is ${EID_KEY}`);
    log.info({ deep: { a: [{ b: { apiToken: 'tok-123456', clientSecret: 'cs-654321', note: 'fine' } }] } }, 'nested');
    log.info({ options: { password: 'other-pw-999' }, headers: { authorization: 'Bearer abcdef' } }, 'shapes');
    sinkCheck(out.lines);
    const all = out.lines.join('\n');
    for (const secret of [BROKER_PASSWORD, EID_KEY, 'tok-123456', 'cs-654321', 'other-pw-999', 'Bearer abcdef']) expect(all).not.toContain(secret);
    const recs = parse(out.lines);
    expect((recs[0]!.config as { broker: { password: string; username: string } }).broker).toMatchObject({ password: '<redacted>', username: 'gw-a' });
    expect(recs[1]!.url).toBe('mqtts://gw-a:<redacted>@broker.example:8883');
    expect((recs[2]!.err as { message: string }).message).toBe('auth failed for password <redacted>');
    expect(recs[3]!.msg).toBe('key is <redacted>');
    expect(JSON.stringify(recs[4])).toContain('"note":"fine"');
  });

  it('the publisher/broker record path is masked as well', () => {
    const out = lineCollector();
    const sink = logRecordSink(createLogger({ destination: out.stream, pretty: false, secrets: [BROKER_PASSWORD] }));
    sink({ level: 'warn', event: 'mqtt-error', message: `Connection refused: bad password ${BROKER_PASSWORD}` });
    sink({ level: 'warn', event: 'auth-failed', username: 'gw-a', password: BROKER_PASSWORD });
    expect(out.lines.join('\n')).not.toContain(BROKER_PASSWORD);
    expect(parse(out.lines)[1]).toMatchObject({ username: 'gw-a', password: '<redacted>' });
  });

  it('the masker copes with cycles, depth and short "secrets" without throwing or over-masking', () => {
    const m = createMasker(['ab', BROKER_PASSWORD]);
    const a: Record<string, unknown> = { name: 'ab cd' };
    a.self = a;
    let deep: Record<string, unknown> = { leaf: BROKER_PASSWORD };
    for (let i = 0; i < 20; i++) deep = { next: deep };
    const r = m.value({ a, deep }) as { a: { name: string; self: unknown } };
    expect(r.a.name).toBe('ab cd');
    expect(r.a.self).toBe('[…]');
    expect(JSON.stringify(m.value(deep))).not.toContain(BROKER_PASSWORD);
  });
});

function sinkCheck(lines: string[]): void {
  for (const l of lines) expect(() => JSON.parse(l)).not.toThrow();
}
