/**
 * Signed sensor communications from provisioning to the backend, with the real parts:
 * `touchpoint provision gateway --keyring` makes the gateway's key (bundle secrets.yaml) and the
 * backend's keyring entry; startGateway loads the bundle (simulated radio, embedded aedes on
 * 127.0.0.1 port 0) and signs in its outbox; `touchpoint backend --keyring` verifies. Then a client
 * the broker lets publish on the gateway's topic (anonymous test broker) sends a replay of a
 * captured genuine message, one with a bad HMAC and an unsigned one: each is refused, counted by
 * reason, and nothing of them is stored.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it, vi } from 'vitest';
import YAML from 'yaml';
import { createSimBroadcaster } from '../../beacon-sim/radio/index.js';
import { encodeFrame } from '../../protocol/ble/index.js';
import { sensorTopic, type SensorCommunication } from '../../protocol/messages/index.js';
import type { RunningBackend, SignatureStats } from '../backend/backend.js';
import { registerBackend } from '../cli/commands/backend.js';
import { UsageError, type CliIo } from '../cli/io.js';
import { cli } from '../cli/test-support.js';
import { formatIssue, loadGateway } from '../config/index.js';
import { freeUdpPort } from '../remote/test-support.js';
import { startGateway } from './gateway.js';

const WAIT = { timeout: 20_000, interval: 50 };
const SITE = 'store-12';
const GATEWAY = 'gw-a';
const UUID = 'f7826da6-4fa2-4e98-8024-bc5b71e0893e';
/** Shoppers' cart tags, registered at another spot than the gateway's: each one near it is an interaction. */
const CARTS = [7, 8, 9].map((minor) => ({ uuid: UUID, major: 100, minor, measuredPower: -59 }));

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tp-signed-e2e-'));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** `touchpoint backend …` in-process until `stop` aborts; resolves with its JSON lines. */
function runBackendCli(args: string[], stop: AbortSignal) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l) };
  const program = new Command('touchpoint').exitOverride().configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  let ready: (be: RunningBackend) => void = () => {};
  const isReady = new Promise<RunningBackend>((r) => (ready = r));
  registerBackend(program, io, { signal: stop, onReady: (be) => ready(be) });
  for (const c of program.commands) c.exitOverride();
  const done = program.parseAsync(['backend', ...args], { from: 'user' }).then(
    () => ({ code: 0, out, err }),
    (e: unknown) => ({ code: e instanceof UsageError || e instanceof CommanderError ? 2 : 1, out, err: [...err, String(e)] }),
  );
  const json = () => out.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, any>);
  return { isReady: Promise.race([isReady, done.then((r) => Promise.reject(new Error(`backend exited early: ${r.err.join('\n')}`)))]), done, json };
}

describe('signed sensor communications: provision → gateway → embedded broker → backend', () => {
  it('the backend with the provisioned keyring accepts what the gateway signed and refuses a replay, a bad HMAC and an unsigned message', { timeout: 90_000 }, async () => {
    const dir = tempDir();
    const registry = join(dir, 'site-registry.yaml');
    writeFileSync(registry, YAML.stringify({ v: 1, siteId: SITE, beacons: CARTS.map((c) => ({ beaconId: `ibeacon:${c.uuid}:${c.major}:${c.minor}`, spot: 'cart-1' })) }));
    const keyring = join(dir, 'backend-keyring.yaml');
    const bundle = join(dir, 'bundle');

    // 1. Provision: the key comes from the CSPRNG into the bundle's secrets and the backend's keyring.
    const p = await cli('provision', 'gateway', '--site', SITE, '--gateway', GATEWAY, '--spot', 'endcap-3', '--broker', 'mqtt://127.0.0.1:1883',
      '--registry', registry, '--keyring', keyring, '--out', bundle, '--no-app', '--no-radar', '--no-touch');
    expect(p.code, p.err.join('\n')).toBe(0);
    expect(p.json[0]).toMatchObject({ signing: { keyId: `${GATEWAY}.k1`, keyring } });
    const secrets = YAML.parse(readFileSync(join(bundle, 'secrets.yaml'), 'utf8')) as Record<string, string>;
    const keyText = secrets['signing-key']!;
    expect(keyText).toMatch(new RegExp(`^${GATEWAY}\\.k1:[A-Za-z0-9_-]{43}$`));
    expect(readFileSync(keyring, 'utf8')).toContain(keyText);
    // …and nowhere a gateway of this site (or any other) reads it from: not the registry, not the config.
    for (const f of [registry, join(bundle, 'site-registry.yaml'), join(bundle, 'gateway.yaml')]) expect(readFileSync(f, 'utf8')).not.toContain(keyText.split(':')[1]);

    // 2. The bundle's config, run here: simulated radio and an embedded broker instead of the Pi's.
    const simPort = await freeUdpPort();
    const configPath = join(bundle, 'gateway.yaml');
    const cfg = YAML.parse(readFileSync(configPath, 'utf8')) as Record<string, any>;
    cfg.radio = { ...cfg.radio, kind: 'sim', simPort };
    cfg.broker = { ...cfg.broker, embedded: { host: '127.0.0.1', port: 0 } };
    cfg.gateway.dataDir = join(dir, 'data');
    writeFileSync(configPath, YAML.stringify(cfg));
    const loaded = loadGateway(configPath, { env: {} });
    if (!loaded.ok) throw new Error(loaded.errors.map(formatIssue).join('\n'));
    expect(loaded.config.gateway.signingKey).toBe(keyText);
    const accepted: SensorCommunication[] = [];
    const logs: Record<string, unknown>[] = [];
    const gw = await startGateway({ ...loaded, configPath, log: (r) => logs.push(r), onAccepted: (m) => accepted.push(m) });
    cleanups.push(() => gw.stop(0));
    expect(logs).toContainEqual(expect.objectContaining({ event: 'signing', keyId: `${GATEWAY}.k1` }));
    expect(JSON.stringify(logs)).not.toContain(keyText.split(':')[1]);
    const url = gw.broker!.urls.mqtt;

    // 3. The backend with the keyring the provisioning wrote.
    const stop = new AbortController();
    const backend = runBackendCli(['--broker', url, '--db', join(dir, 'backend.db'), '--keyring', keyring, '--stats-interval', '0'], stop.signal);
    cleanups.push(() => stop.abort());
    const be = await backend.isReady;
    expect(backend.json().find((j) => j.backend)?.backend.signatures).toEqual({ checked: true, keyring, keys: 1 });

    // A bystander that captures what goes over the wire.
    const wire: Buffer[] = [];
    const spy = await mqtt.connectAsync(url, { reconnectPeriod: 0, clientId: 'spy' }, false);
    cleanups.push(() => spy.endAsync(true));
    spy.on('message', (_t, payload) => wire.push(payload));
    await spy.subscribeAsync(sensorTopic(SITE, GATEWAY), { qos: 1 });

    // 4. Shoppers' cart tags close to the shelf, on the simulated radio.
    const radio = createSimBroadcaster({ port: simPort });
    cleanups.push(() => radio.close());
    for (let round = 0; round < 3; round++) {
      CARTS.forEach((c, i) => radio.send({ address: `c0:ff:ee:00:00:0${i + 1}`, rssi: -40, adv: encodeFrame({ type: 'ibeacon', ...c }) }));
    }
    await radio.flush();
    await vi.waitFor(() => {
      expect(accepted.length).toBeGreaterThanOrEqual(CARTS.length);
      expect(be.stats().signatures.verified).toBe(accepted.length);
      expect(wire.length).toBe(accepted.length);
    }, WAIT);
    const genuine = accepted.length;
    expect(accepted.every((m) => m.signature?.startsWith(`hmac-sha256:${GATEWAY}.k1:`))).toBe(true);
    expect(be.stats()).toMatchObject({ sensorCommunications: genuine, invalid: 0, signatures: { checked: true, rejected: 0 } });

    // 5. Someone who may publish on the gateway's topic.
    const attacker = await mqtt.connectAsync(url, { reconnectPeriod: 0, clientId: 'attacker' }, false);
    cleanups.push(() => attacker.endAsync(true));
    const topic = sensorTopic(SITE, GATEWAY);
    const captured = JSON.parse(wire[0]!.toString('utf8')) as SensorCommunication;
    const next = (seq: number): SensorCommunication => ({ ...captured, seq, messageId: captured.messageId.replace(/:\d+$/, `:${seq}`) });
    const tag = captured.signature!.slice(-43);
    const flipped = (tag[0] === 'A' ? 'B' : 'A') + tag.slice(1);
    const { signature: _dropped, ...unsigned } = next(1000);
    await attacker.publishAsync(topic, wire[0]!, { qos: 1 }); // the captured bytes, replayed
    await attacker.publishAsync(topic, JSON.stringify({ ...next(1001), signature: captured.signature!.slice(0, -43) + flipped }), { qos: 1 }); // bad HMAC
    await attacker.publishAsync(topic, JSON.stringify(next(1002)), { qos: 1 }); // a genuine signature on other content
    await attacker.publishAsync(topic, JSON.stringify(unsigned), { qos: 1 }); // no signature
    // (verified may still grow: a shopper's visit ends with a genuine `left` message after pipeline.inactivityMs)
    const refused: Omit<SignatureStats, 'verified'> = { checked: true, rejected: 4, unsigned: 1, malformed: 0, unknownKey: 0, wrongGateway: 0, forged: 2, duplicate: 1, staleSeq: 0, evicted: 0 };
    await vi.waitFor(() => expect(be.stats().signatures).toMatchObject(refused), WAIT);
    // Refused before storing: the database holds the genuine messages only.
    const stored = () => (be.store.db.prepare('SELECT COUNT(*) AS n FROM sensor_communications').get() as { n: number }).n;
    await vi.waitFor(() => {
      expect(stored()).toBe(accepted.length);
      expect(be.stats()).toMatchObject({ sensorCommunications: accepted.length, signatures: { verified: accepted.length } });
    }, WAIT);
    expect(stored()).toBeGreaterThanOrEqual(genuine);

    stop.abort();
    const r = await backend.done;
    expect(r.code, r.err.join('\n')).toBe(0);
    const summary = backend.json().at(-1)?.summary.signatures as SignatureStats;
    expect(summary).toMatchObject(refused);
    expect(summary.verified).toBeGreaterThanOrEqual(genuine);
    expect(r.err.some((l) => l.includes('"event":"sensor-rejected"') && l.includes('"reason":"forged"'))).toBe(true);
  });
});
