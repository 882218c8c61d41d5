/**
 * `touchpoint doctor` against the simulated store: the LD2410 and touch-bridge emulators on real ptys,
 * the embedded broker with a users file (and behind TLS), an SNTP server on 127.0.0.1, a real outbox.
 * All green there; then one fault at a time — stopped broker, missing serial port, bad password,
 * untrusted certificate, a login that may not publish, Bluetooth states — each reported with its remedy.
 */
import { EventEmitter } from 'node:events';
import { createSocket } from 'node:dgram';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createTlsServer } from 'node:tls';
import { join } from 'node:path';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { startSensorSim } from '../../beacon-sim/sensors/sim.js';
import { useCleanup } from '../../beacon-sim/sensors/test-support.js';
import { BleUnavailableError, type NobleLike } from '../ble/libs.js';
import { hashPassword, type UserEntry } from '../broker/users.js';
import { startBroker } from '../broker/broker.js';
import { openOutbox } from '../publish/outbox.js';
import { sampleEvent } from '../publish/test-support/fixtures.js';
import { registerDoctor } from '../cli/commands/doctor.js';
import { runCommands } from '../provision/test-support.js';
import { type CheckResult, type DoctorDeps, type DoctorReport, bluetoothCapabilities, parseTimesyncOffset, runDoctor } from './doctor.js';
import { encodeSntpResponse } from './sntp.js';

const c = useCleanup();
const SITE = 'store-12';
const GW = 'gw-doc';
const PASSWORD = 'correct-horse-battery';
const TLS = (f: string) => readFileSync(new URL(`../publish/test-support/tls/${f}`, import.meta.url));

const cheapHash = (p: string) => hashPassword(p, { N: 1024, r: 8, p: 1 });

async function gatewayUser(overrides: Partial<UserEntry> = {}): Promise<UserEntry> {
  return { username: GW, role: 'gateway', site: SITE, gateway: GW, password: await cheapHash(PASSWORD), ...overrides };
}

async function broker(users?: UserEntry[]) {
  const b = await startBroker({ port: 0, users: users ?? [await gatewayUser()] });
  c.add(() => b.close());
  return b;
}

/** An SNTP server on 127.0.0.1 whose clock is ours plus `skewMs`. */
async function sntpServer(skewMs = 0): Promise<string> {
  const s = createSocket('udp4');
  s.on('message', (msg, from) => {
    const t = Date.now() + skewMs;
    s.send(encodeSntpResponse(new Uint8Array(msg), t, t), from.port, from.address);
  });
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  c.add(() => new Promise<void>((resolve) => s.close(() => resolve())));
  return `127.0.0.1:${s.address().port}`;
}

interface StoreOptions {
  brokerUrl: string;
  password?: string;
  radar?: string | null;
  touch?: string | null;
  ca?: string;
  radio?: 'sim' | 'ble';
}

/** A gateway config for the simulated store, with its registry and secrets file (mode 600). */
function writeConfig(dir: string, o: StoreOptions): string {
  writeFileSync(
    join(dir, 'site-registry.yaml'),
    YAML.stringify({ v: 1, siteId: SITE, beacons: [{ beaconId: 'ibeacon:f7826da6-4fa2-4e98-8024-bc5b71e0893e:100:1', spot: 'endcap-3' }], gateways: [{ gatewayId: GW, spot: 'endcap-3' }] }),
  );
  writeFileSync(join(dir, 'secrets.yaml'), YAML.stringify({ 'broker-password': o.password ?? PASSWORD }), { mode: 0o600 });
  const sensors: Record<string, unknown> = {};
  if (o.radar) sensors.radar = { path: o.radar };
  if (o.touch) sensors.touch = { path: o.touch };
  const config = {
    gateway: { id: GW, siteId: SITE, spot: 'endcap-3', dataDir: join(dir, 'data') },
    broker: { url: o.brokerUrl, username: GW, password: '${SECRET:broker-password}', ...(o.ca ? { ca: o.ca } : {}) },
    radio: { kind: o.radio ?? 'sim' },
    sensors,
    secretsFile: 'secrets.yaml',
  };
  const path = join(dir, 'gateway.yaml');
  writeFileSync(path, YAML.stringify(config));
  return path;
}

/** The system as a synchronised Pi without bluetoothd would answer. */
function piDeps(dir: string, extra: Partial<DoctorDeps> = {}): DoctorDeps {
  const synced = join(dir, 'synchronized');
  writeFileSync(synced, '');
  return {
    timesyncFile: synced,
    exec: async (cmd, args) => {
      if (cmd === 'systemctl' && args[0] === 'is-active') return { code: 3, stdout: 'inactive\n', stderr: '' };
      return null;
    },
    ...extra,
  };
}

const byId = (r: DoctorReport) => Object.fromEntries(r.checks.map((x) => [x.id, x])) as Record<string, CheckResult>;
const statuses = (r: DoctorReport) => Object.fromEntries(r.checks.map((x) => [x.id, x.status]));

async function simStore() {
  const dir = c.tempDir();
  const sim = await startSensorSim({ dir: join(dir, 'dev'), scenario: 'empty' });
  c.add(() => sim.stop());
  return { dir, sim };
}

describe('touchpoint doctor', () => {
  it('all green against the simulated store: radar firmware, touch HELLO, broker login and PUBACK, clock, outbox backlog', async () => {
    const { dir, sim } = await simStore();
    const b = await broker();
    const config = writeConfig(dir, { brokerUrl: b.urls.mqtt, radar: sim.radarPath, touch: sim.touchPath });
    mkdirSync(join(dir, 'data'));
    const outbox = openOutbox({ path: join(dir, 'data', 'outbox.sqlite'), gatewayId: GW, siteId: SITE });
    for (let i = 0; i < 3; i++) expect(outbox.append(sampleEvent(SITE, GW, i)).ok).toBe(true);
    outbox.close();
    const seen: string[] = [];
    b.aedes.on('publish', (p, client) => void (client && seen.push(`${p.topic} retain=${p.retain}`)));
    const ntp = await sntpServer();

    const r = await runCommands([(p, io) => registerDoctor(p, io, piDeps(dir))], ['doctor', '--config', config, '--ntp', ntp]);
    expect(r.code, [...r.out, ...r.err].join('\n')).toBe(0);
    const lines = r.out.join('\n');
    expect(lines).toMatch(/^✓ node +Node\.js v\d+/m);
    expect(lines).toMatch(/^✓ serial:radar +.*radar0: ld2410 firmware V1\.\d+\.\d+/m);
    expect(lines).toMatch(/^✓ serial:touch +.*touch0: touch bridge firmware 1\.0\.0, 13 channels/m);
    expect(lines).toMatch(/^✓ broker:publish +status on tp\/v1\/store-12\/gw-doc\/status acknowledged/m);
    expect(lines).toMatch(/^✓ clock +synchronised \(systemd-timesyncd\); (within 1 ms|\d+ ms (ahead|behind)) \(SNTP 127\.0\.0\.1:\d+\)/m);
    expect(lines).toMatch(/^✓ outbox:backlog +3 sensor communications and 0 telemetry reports waiting, 0 dead letters/m);
    expect(lines).toMatch(/^– bluetooth +radio\.kind is sim/m);
    expect(lines).not.toMatch(/^[✗!]/m);
    expect(r.out.at(-1)).toBe('ready');
    // the doctor's status is not retained: the gateway's own retained status stays what it was
    expect(seen).toEqual(['tp/v1/store-12/gw-doc/status retain=false']);

    const json = await runCommands([(p, io) => registerDoctor(p, io, piDeps(dir))], ['doctor', '--config', config, '--json', '--ntp', ntp]);
    const report = json.json[0] as DoctorReport;
    expect(report.ok).toBe(true);
    expect(statuses(report)).toEqual({
      node: 'ok', config: 'ok', bluetooth: 'skip', bluetoothd: 'skip', 'serial:radar': 'ok', 'serial:touch': 'ok',
      'broker:reach': 'ok', 'broker:auth': 'ok', 'broker:publish': 'ok', clock: 'ok', 'outbox:disk': 'ok', 'outbox:backlog': 'ok',
    });
  });

  it('a stopped broker, a missing serial port and a bad password: each fault with its remedy, exit 1', async () => {
    const { dir, sim } = await simStore();
    const b = await broker();
    const url = b.urls.mqtt;
    await b.close();
    const stopped = writeConfig(dir, { brokerUrl: url, radar: sim.radarPath, touch: join(dir, 'dev', 'ttyACM7') });
    const r = await runCommands([(p, io) => registerDoctor(p, io, piDeps(dir))], ['doctor', '--config', stopped]);
    expect(r.code).toBe(1);
    expect(r.err.join('\n')).toMatch(/not ready: serial:touch, broker:reach/);
    const out = r.out.join('\n');
    expect(out).toMatch(/^✗ broker:reach +cannot reach 127\.0\.0\.1:\d+: connect ECONNREFUSED/m);
    expect(out).toMatch(/→ nothing listens there: is the broker running\? Check broker\.url/);
    expect(out).toMatch(/^✗ serial:touch +.*ttyACM7: no device at .*ttyACM7/m);
    expect(out).toMatch(/→ check the USB cable and power, then: ls -l \/dev\/touchpoint-\*/);
    expect(out).toMatch(/^– broker:auth +needs a broker that answers/m);
    expect(out).toMatch(/^✓ serial:radar/m);

    const live = await broker();
    const badPassword = writeConfig(dir, { brokerUrl: live.urls.mqtt, password: 'not-the-password', touch: sim.touchPath });
    const p = await runDoctor({ config: badPassword }, piDeps(dir));
    expect(p.ok).toBe(false);
    const auth = byId(p)['broker:auth']!;
    expect(auth).toMatchObject({ status: 'fail', detail: expect.stringMatching(/refused the login of gw-doc: bad username or password/) });
    expect(auth.remedy).toMatch(/password in secrets\.yaml must match the broker's users file/);
    expect(byId(p)['broker:reach']!.status).toBe('ok');
    expect(byId(p)['broker:publish']!.status).toBe('skip');
    expect(live.counters.authFailures).toBe(1);
  });

  it('a login that may not publish as this gateway: the broker closes the connection, the doctor names the ACL', async () => {
    const dir = c.tempDir();
    const b = await broker([await gatewayUser({ role: 'phone', gateway: undefined })]);
    const r = await runDoctor({ config: writeConfig(dir, { brokerUrl: b.urls.mqtt }) }, piDeps(dir));
    expect(byId(r)['broker:auth']!.status).toBe('ok');
    expect(byId(r)['broker:publish']).toMatchObject({ status: 'fail', remedy: expect.stringMatching(/role: gateway, site: <gateway\.siteId>, gateway: <gateway\.id>/) });
    expect(b.counters.publishDenied).toBe(1);
  });

  it('TLS: verified against broker.ca; without it the certificate is not trusted, with the remedy', async () => {
    const dir = c.tempDir();
    const b = await broker();
    const server = createTlsServer({ key: TLS('server.key'), cert: TLS('server.crt') }, (socket) => b.aedes.handle(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    c.add(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const url = `mqtts://127.0.0.1:${(server.address() as { port: number }).port}`;
    writeFileSync(join(dir, 'ca.pem'), TLS('ca.crt'));
    const good = await runDoctor({ config: writeConfig(dir, { brokerUrl: url, ca: 'ca.pem' }) }, piDeps(dir));
    expect(statuses(good)).toMatchObject({ 'broker:reach': 'ok', 'broker:tls': 'ok', 'broker:auth': 'ok', 'broker:publish': 'ok' });
    const bad = await runDoctor({ config: writeConfig(dir, { brokerUrl: url }) }, piDeps(dir));
    expect(byId(bad)['broker:tls']).toMatchObject({ status: 'fail', remedy: expect.stringMatching(/not trusted: put its CA in broker\.ca/) });
    expect(byId(bad)['broker:auth']!.status).toBe('skip');
  });

  it('Bluetooth: unauthorized explained with the capabilities, adapter down, missing adapter, no kernel support, bluetoothd running', async () => {
    const dir = c.tempDir();
    const b = await broker();
    const config = writeConfig(dir, { brokerUrl: b.urls.mqtt, radio: 'ble' });
    const sysfs = join(dir, 'sys-bt');
    mkdirSync(join(sysfs, 'hci0'), { recursive: true });
    writeFileSync(join(dir, 'status'), 'Name:\tnode\nCapEff:\t0000000000000000\n');
    const fakeNoble = (next: string): NobleLike => {
      const e = Object.assign(new EventEmitter(), { state: 'unknown', startScanning() {}, stopScanning() {}, reset() {} });
      setTimeout(() => {
        e.state = next;
        e.emit('stateChange', next);
      }, 20);
      return e as unknown as NobleLike;
    };
    const run = (state: string | Error, extra: Partial<DoctorDeps> = {}) =>
      runDoctor(
        { config, bleTimeoutMs: 2000 },
        piDeps(dir, { sysfsBluetooth: sysfs, procStatus: join(dir, 'status'), loadNoble: async () => (state instanceof Error ? Promise.reject(state) : fakeNoble(state)), ...extra }),
      );
    const unauthorized = byId(await run('unauthorized')).bluetooth!;
    expect(unauthorized).toMatchObject({ status: 'fail', detail: 'hci0 state unauthorized (CAP_NET_RAW no, CAP_NET_ADMIN no)' });
    expect(unauthorized.remedy).toMatch(/needs CAP_NET_RAW and CAP_NET_ADMIN.*sudo touchpoint-doctor.*AmbientCapabilities/);
    writeFileSync(join(dir, 'status'), 'CapEff:\t0000000000003000\n');
    expect(byId(await run('poweredOn')).bluetooth).toMatchObject({ status: 'ok', detail: 'hci0 is up and usable by this process (CAP_NET_RAW yes, CAP_NET_ADMIN yes)' });
    expect(byId(await run('poweredOff')).bluetooth!.remedy).toMatch(/rfkill unblock bluetooth && sudo hciconfig hci0 up/);
    const noKernel = byId(await run(new BleUnavailableError('noble', Object.assign(new Error('socket'), { code: 'EAFNOSUPPORT' })))).bluetooth!;
    expect(noKernel).toMatchObject({ status: 'fail', detail: expect.stringMatching(/no Bluetooth sockets/) });
    const missing = byId(await run('poweredOn', { sysfsBluetooth: join(dir, 'nowhere') })).bluetooth!;
    expect(missing).toMatchObject({ status: 'fail', detail: expect.stringMatching(/no Bluetooth adapter hci0/), remedy: expect.stringMatching(/dtoverlay=disable-bt/) });
    const bluetoothd = byId(await run('poweredOn', { exec: async () => ({ code: 0, stdout: 'active\n', stderr: '' }) })).bluetoothd!;
    expect(bluetoothd).toMatchObject({ status: 'fail', remedy: expect.stringMatching(/systemctl mask bluetooth\.service/) });
    const noSystemctl = byId(await run('poweredOn', { exec: async () => null })).bluetoothd!;
    expect(noSystemctl).toMatchObject({ status: 'skip', detail: expect.stringMatching(/systemctl not found/) });
  });

  it('clock: off beyond the EID window fails, unsynchronised warns, unknown says so honestly', async () => {
    const dir = c.tempDir();
    const b = await broker();
    const config = writeConfig(dir, { brokerUrl: b.urls.mqtt });
    const far = await sntpServer(-900_000); // 15 min behind us: beyond the 600 s default window
    const off = byId(await runDoctor({ config, ntp: far }, piDeps(dir))).clock!;
    expect(off).toMatchObject({ status: 'fail', detail: expect.stringMatching(/^clock (899|900)\d{3} ms ahead \(SNTP 127\.0\.0\.1:\d+\): beyond the 600 s EID window/) });
    const timedatectl = (answer: string) => async (cmd: string, args: string[]) =>
      cmd === 'timedatectl' && args[0] === 'show' ? { code: 0, stdout: `${answer}\n`, stderr: '' } : cmd === 'timedatectl' ? { code: 0, stdout: '       Offset: +1.5ms\n', stderr: '' } : null;
    const unsynced = byId(await runDoctor({ config }, { timesyncFile: join(dir, 'absent'), exec: timedatectl('no') })).clock!;
    expect(unsynced).toMatchObject({ status: 'warn', detail: 'clock not synchronised (timedatectl); 2 ms behind (timesyncd)' });
    const unknown = byId(await runDoctor({ config }, { timesyncFile: join(dir, 'absent'), exec: async () => null })).clock!;
    expect(unknown).toMatchObject({ status: 'warn', detail: expect.stringMatching(/synchronisation unknown .*offset unknown \(give --ntp <server> to measure it\)/) });
  });

  it('outbox: a gateway holding it (exclusive lock) is not a fault; a damaged file is, with the remedy', async () => {
    const dir = c.tempDir();
    const b = await broker();
    const config = writeConfig(dir, { brokerUrl: b.urls.mqtt });
    mkdirSync(join(dir, 'data'));
    const outbox = openOutbox({ path: join(dir, 'data', 'outbox.sqlite'), gatewayId: GW, siteId: SITE });
    c.add(() => outbox.close());
    expect(outbox.append(sampleEvent(SITE, GW, 1)).ok).toBe(true);
    expect(byId(await runDoctor({ config }, piDeps(dir)))['outbox:backlog']).toMatchObject({ status: 'ok', detail: expect.stringMatching(/held by the running gateway/) });
    const other = c.tempDir();
    const damaged = writeConfig(other, { brokerUrl: b.urls.mqtt });
    mkdirSync(join(other, 'data'));
    writeFileSync(join(other, 'data', 'outbox.sqlite'), 'not a database, just text that is long enough to be read as a header page');
    expect(byId(await runDoctor({ config: damaged }, piDeps(other)))['outbox:backlog']).toMatchObject({ status: 'fail', remedy: expect.stringMatching(/move .*outbox\.sqlite away/) });
  });

  it('an invalid config fails with its first problem and skips what needs it; the helpers parse what systems print', async () => {
    const dir = c.tempDir();
    writeFileSync(join(dir, 'gateway.yaml'), 'gateway: { id: gw, siteId: s, spot: p }\nbroker: { url: "http://x" }\n');
    const r = await runCommands([(p, io) => registerDoctor(p, io, piDeps(dir))], ['doctor', '--config', join(dir, 'gateway.yaml')]);
    expect(r.code).toBe(1);
    expect(r.out.join('\n')).toMatch(/^✗ config +.*gateway\.yaml: \d+ problems?, first: .*gateway\.yaml:2:\d+ broker\.url/m);
    expect(r.out.join('\n')).toMatch(/→ fix it and check with: touchpoint config validate/);
    expect(r.out.filter((l) => l.startsWith('– '))).toHaveLength(6);
    expect(parseTimesyncOffset('  Offset: -250us\n')).toBe(-0.25);
    expect(parseTimesyncOffset('Offset: +2.5s')).toBe(2500);
    expect(parseTimesyncOffset('Poll interval: 34min')).toBeNull();
    expect(bluetoothCapabilities('CapEff:\t0000000000002000')).toEqual({ netRaw: true, netAdmin: false });
    expect(bluetoothCapabilities('no caps here')).toBeNull();
  });
});
