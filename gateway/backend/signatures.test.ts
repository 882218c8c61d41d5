/**
 * The backend with a keyring (startBackend `keyring`, `touchpoint backend --keyring`): every reason
 * a sensor communication is refused, counted in stats().signatures and kept out of the database;
 * user communications (not signed by contract) pass as before; without a keyring nothing changes
 * and the backend says signatures are not checked.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SensorCommunication } from '../../protocol/messages/index.js';
import { startBroker, type RunningBroker } from '../broker/broker.js';
import { registerBackend } from '../cli/commands/backend.js';
import { UsageError, type CliIo } from '../cli/io.js';
import { formatSigningKey } from '../security/keys.js';
import { keyringLookup } from '../security/keyring-file.js';
import { createSensorSigner } from '../security/signer.js';
import type { VerifyRejection } from '../security/verify.js';
import { startBackend, type BackendOptions, type RunningBackend } from './backend.js';
import { DEVICE_A, GATEWAY, publication, SITE, sensorComm, T0, userComm } from './test-support.js';

const WAIT = { timeout: 15_000, interval: 20 };
const KEY = { keyId: `${GATEWAY}.k1`, key: new Uint8Array(32).fill(0x11) };
const OTHER = { keyId: 'gw-other.k1', key: new Uint8Array(32).fill(0x22) };
const sign = createSensorSigner(KEY);
const signed = (m: SensorCommunication, signer = sign): SensorCommunication => ({ ...m, signature: signer(m) });

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(opts: Partial<BackendOptions> = {}): Promise<{ b: RunningBroker; be: RunningBackend; c: MqttClient; logs: Record<string, unknown>[] }> {
  const b = await startBroker({ anonymous: true, port: 0 });
  cleanups.push(() => b.close());
  const logs: Record<string, unknown>[] = [];
  const be = await startBackend({ url: b.urls.mqtt, dbPath: ':memory:', log: (r) => logs.push(r), ...opts });
  cleanups.push(() => be.close());
  const c = await mqtt.connectAsync(b.urls.mqtt, { reconnectPeriod: 0 }, false);
  cleanups.push(() => c.endAsync(true));
  return { b, be, c, logs };
}

const send = (c: MqttClient, m: Parameters<typeof publication>[0]) => {
  const p = publication(m);
  return c.publishAsync(p.topic, p.payload, { qos: 1 });
};

const storedSensors = (be: RunningBackend) => (be.store.db.prepare('SELECT message_id FROM sensor_communications ORDER BY seq').all() as { message_id: string }[]).map((r) => r.message_id);

describe('backend with a keyring', () => {
  it('refuses unsigned, unknown-key, wrong-gateway, forged, duplicate and stale-seq sensor communications, and counts each', { timeout: 60_000 }, async () => {
    const keyring = keyringLookup([
      { siteId: SITE, gatewayId: GATEWAY, ...KEY },
      { siteId: SITE, gatewayId: 'gw-other', ...OTHER },
    ]);
    const { be, c } = await setup({ keyring, replay: { window: 32 } });
    const rejected: VerifyRejection[] = [];
    be.events.on('rejected', (e) => rejected.push(e.reason));

    for (let seq = 0; seq < 40; seq++) await send(c, signed(sensorComm({ seq, ts: T0 + seq * 1000 })));
    await send(c, userComm({ deviceId: DEVICE_A, ts: T0 }));
    await vi.waitFor(() => expect(be.stats()).toMatchObject({ sensorCommunications: 40, userCommunications: 1, signatures: { verified: 40 } }), WAIT);

    const attempts: [SensorCommunication, VerifyRejection][] = [
      [sensorComm({ seq: 40, ts: T0 + 40_000 }), 'unsigned'],
      [signed(sensorComm({ seq: 41, ts: T0 }), createSensorSigner({ keyId: 'gw-x.k9', key: new Uint8Array(32).fill(3) })), 'unknown-key'],
      [signed(sensorComm({ seq: 0, ts: T0, gatewayId: 'gw-other' }), sign), 'wrong-gateway'],
      // a key bound to its site: the same gateway ID at another site, signed with this site's key
      [(() => { const m = { ...sensorComm({ seq: 42, ts: T0 }), siteId: 'store-99' }; return { ...m, signature: sign(m) }; })(), 'unknown-key'],
      [{ ...signed(sensorComm({ seq: 43, ts: T0 })), timestamp: T0 + 1 }, 'forged'],
      [signed(sensorComm({ seq: 39, ts: T0 + 39_000 })), 'duplicate'],
      [signed(sensorComm({ seq: 0, ts: T0 })), 'stale-seq'],
    ];
    for (const [m] of attempts) await send(c, m);
    await vi.waitFor(() => expect(rejected).toHaveLength(attempts.length), WAIT);
    expect(rejected).toEqual(attempts.map(([, r]) => r));
    expect(be.stats().signatures).toEqual({ checked: true, verified: 40, rejected: 7, unsigned: 1, malformed: 0, unknownKey: 2, wrongGateway: 1, forged: 1, duplicate: 1, staleSeq: 1, evicted: 0 });
    expect(be.stats()).toMatchObject({ sensorCommunications: 40, duplicates: 0, invalid: 0 });
    expect(storedSensors(be)).toEqual(Array.from({ length: 40 }, (_, seq) => `${GATEWAY}:boot-1:${seq}`));
    // A gateway whose key is in the keyring is accepted with it.
    await send(c, signed(sensorComm({ seq: 0, ts: T0, gatewayId: 'gw-other' }), createSensorSigner(OTHER)));
    await vi.waitFor(() => expect(be.stats().signatures.verified).toBe(41), WAIT);
  });

  it('without a keyring: runs as before, stores signed and unsigned alike, and says signatures are not checked', async () => {
    const { be, c, logs } = await setup();
    await send(c, sensorComm({ seq: 0, ts: T0 }));
    await send(c, signed(sensorComm({ seq: 1, ts: T0 })));
    await vi.waitFor(() => expect(be.stats().sensorCommunications).toBe(2), WAIT);
    expect(be.stats().signatures).toEqual({ checked: false, verified: 0, rejected: 0, unsigned: 0, malformed: 0, unknownKey: 0, wrongGateway: 0, forged: 0, duplicate: 0, staleSeq: 0, evicted: 0 });
    expect(logs).toContainEqual(expect.objectContaining({ level: 'warn', event: 'signatures-not-checked' }));
  });
});

async function runCli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l) };
  const program = new Command('touchpoint').exitOverride().configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  registerBackend(program, io);
  for (const cmd of program.commands) cmd.exitOverride();
  let code = 0;
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (e) {
    code = e instanceof UsageError || e instanceof CommanderError ? 2 : 1;
    err.push(String(e));
  }
  return { code, out, err, json: out.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, any>) };
}

describe('touchpoint backend --keyring', () => {
  it('refuses a missing or malformed keyring (exit 2) without printing key material; without one the ready line says not checked', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tp-backend-keyring-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const missing = await runCli(['backend', '--keyring', join(dir, 'nope.yaml'), '--db', join(dir, 'a.db')]);
    expect(missing.code).toBe(2);
    expect(missing.err.join('\n')).toMatch(/--keyring: .*nope\.yaml: cannot read \(ENOENT\)/);

    const text = formatSigningKey(KEY);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, `keys:\n  - { siteId: ${SITE}, gatewayId: ${GATEWAY}, signingKey: "${text.slice(0, -4)}" }\n`, { mode: 0o600 });
    const malformed = await runCli(['backend', '--keyring', bad, '--db', join(dir, 'b.db')]);
    expect(malformed.code).toBe(2);
    expect(malformed.err.join('\n')).toMatch(/keys\[0\]\.signingKey: key gw-store12-a\.k1: /);
    expect(malformed.err.join('\n')).not.toContain(text.slice(text.indexOf(':') + 1, -4));

    const b = await startBroker({ anonymous: true, port: 0 });
    cleanups.push(() => b.close());
    const plain = await runCli(['backend', '--broker', b.urls.mqtt, '--db', join(dir, 'c.db'), '--duration', '0.2', '--stats-interval', '0']);
    expect(plain.code).toBe(0);
    expect(plain.json[0]?.backend.signatures).toEqual({ checked: false, note: 'no --keyring: sensor communications are not verified' });
    expect(plain.json.at(-1)?.summary.signatures).toMatchObject({ checked: false });
    expect(plain.err.join('\n')).toMatch(/signatures-not-checked/);
  });
});
