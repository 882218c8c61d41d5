/**
 * `touchpoint doctor`: every reason a gateway may not work, checked one after the other, each with a
 * one-line remedy a technician on a ladder can act on. A check is
 *   ok    works
 *   warn  works, but something is degraded or could not be measured (said honestly, e.g. "offset unknown")
 *   fail  blocks operation: the command exits non-zero
 *   skip  does not apply here (no radar fitted, simulated radio), or needs a check that failed first
 *
 * Everything the doctor touches from the system is a dependency with a real default (DoctorDeps), so
 * tests run it against the simulated store. It opens what the gateway would open — the serial ports,
 * the broker with the gateway's own login, the outbox (read-only) — and closes it again.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statfsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import mqtt, { type IClientOptions } from 'mqtt';
import { buildTopic, encodeForPublish } from '../../protocol/messages/index.js';
import { type BleUnavailableError, loadNoble as realLoadNoble, type NobleLike } from '../ble/libs.js';
import { formatIssue, loadGateway, type GatewayConfig } from '../config/index.js';
import { packageRoot } from '../provision/package-root.js';
import { openRemedy, probeRadar, probeTouchBridge, radarRemedy, touchRemedy } from './serial-probe.js';
import { querySntp } from './sntp.js';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  /** Stable name for machines: node, config, bluetooth, bluetoothd, serial:radar, broker:reach, … */
  id: string;
  status: CheckStatus;
  /** What was found, one line. */
  detail: string;
  /** What to do about it, one line (absent when ok). */
  remedy?: string;
  data?: Record<string, unknown>;
}

export interface DoctorReport {
  ok: boolean;
  config: string;
  checks: CheckResult[];
}

export type ExecResult = { code: number; stdout: string; stderr: string };

export interface DoctorDeps {
  env?: Readonly<Record<string, string | undefined>>;
  nodeVersion?: string;
  now?: () => number;
  /** The lazy noble import (gateway/ble/libs.ts); tests give a fake. */
  loadNoble?: () => Promise<NobleLike>;
  /** Runs a system command; null when it is not installed. */
  exec?: (command: string, args: string[]) => Promise<ExecResult | null>;
  /** Default /sys/class/bluetooth. */
  sysfsBluetooth?: string;
  /** Default /run/systemd/timesync/synchronized (systemd-timesyncd touches it once synchronised). */
  timesyncFile?: string;
  /** Default /proc/self/status (effective capabilities). */
  procStatus?: string;
}

export interface DoctorOptions {
  config: string;
  /** SNTP server to measure the clock offset against (host or host:port). */
  ntp?: string;
  /** How long to wait for the adapter's state, the broker, each serial answer (ms). */
  bleTimeoutMs?: number;
  brokerTimeoutMs?: number;
  serialTimeoutMs?: number;
  /** Called once noble has been loaded: it keeps the process alive, the CLI then exits by itself. */
  onNobleLoaded?: () => void;
}

/** Free space below which the outbox cannot hold an outage, and below which it is worth a warning. */
const DISK_FAIL_BYTES = 20 * 1024 * 1024;
const DISK_WARN_BYTES = 200 * 1024 * 1024;
/** Linux capability numbers (linux/capability.h). */
const CAP_NET_ADMIN = 12;
const CAP_NET_RAW = 13;

export const defaultExec = (command: string, args: string[]): Promise<ExecResult | null> =>
  new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 5000 });
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ENOENT' ? null : { code: -1, stdout, stderr: e.message }));
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });

function semverAtLeast(version: string, min: string): boolean {
  const a = version.replace(/^v/, '').split('.').map(Number);
  const b = min.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}

function checkNode(version: string): CheckResult {
  let min = '20.0.0';
  try {
    const engines = (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { engines?: { node?: string } }).engines?.node;
    const m = /(\d+(?:\.\d+){0,2})/.exec(engines ?? '');
    if (m) min = m[1]!;
  } catch {
    // no package.json next to us: the floor above still holds
  }
  return semverAtLeast(version, min)
    ? { id: 'node', status: 'ok', detail: `Node.js ${version} (needs ≥ ${min})` }
    : { id: 'node', status: 'fail', detail: `Node.js ${version}, the gateway needs ≥ ${min}`, remedy: 'install Node.js 20 LTS or newer (NodeSource packages for arm64/armhf), then run install-pi.sh again' };
}

/** CapEff from /proc/<pid>/status: which of the two Bluetooth capabilities this process has. */
export function bluetoothCapabilities(status: string): { netRaw: boolean; netAdmin: boolean } | null {
  const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(status);
  if (!m) return null;
  const eff = BigInt(`0x${m[1]}`);
  return { netRaw: ((eff >> BigInt(CAP_NET_RAW)) & 1n) === 1n, netAdmin: ((eff >> BigInt(CAP_NET_ADMIN)) & 1n) === 1n };
}

const NOBLE_REMEDY: Record<string, string> = {
  poweredOff: 'the adapter is down or blocked: sudo rfkill unblock bluetooth && sudo hciconfig hci{N} up (the service does the second at start)',
  unauthorized: 'this process may not use raw Bluetooth (needs CAP_NET_RAW and CAP_NET_ADMIN): run sudo touchpoint-doctor, which runs as the service does; the unit grants them with AmbientCapabilities',
  unsupported: 'this adapter has no Bluetooth Low Energy: use the Pi’s built-in adapter or a BLE (4.0+) USB dongle',
};

async function checkBluetooth(config: GatewayConfig, deps: DoctorDeps, o: DoctorOptions): Promise<CheckResult[]> {
  if (config.radio.kind !== 'ble') {
    const skip = (id: string) => ({ id, status: 'skip' as const, detail: `radio.kind is ${config.radio.kind}: no Bluetooth adapter used` });
    return [skip('bluetooth'), skip('bluetoothd')];
  }
  const env = deps.env ?? process.env;
  const hci = Number(env.NOBLE_HCI_DEVICE_ID ?? 0) || 0;
  const sysfs = deps.sysfsBluetooth ?? '/sys/class/bluetooth';
  let caps: ReturnType<typeof bluetoothCapabilities> = null;
  try {
    caps = bluetoothCapabilities(readFileSync(deps.procStatus ?? '/proc/self/status', 'utf8'));
  } catch {
    // not Linux: noble will say what it can
  }
  const capText = caps ? `CAP_NET_RAW ${caps.netRaw ? 'yes' : 'no'}, CAP_NET_ADMIN ${caps.netAdmin ? 'yes' : 'no'}` : 'capabilities unknown';
  const results: CheckResult[] = [];
  if (!existsSync(join(sysfs, `hci${hci}`))) {
    results.push({
      id: 'bluetooth',
      status: 'fail',
      detail: `no Bluetooth adapter hci${hci} (${join(sysfs, `hci${hci}`)} is missing)`,
      remedy: 'Pi 3/4/5/Zero W: remove dtoverlay=disable-bt from /boot/firmware/config.txt and check systemctl status hciuart; otherwise plug in a BLE USB adapter',
    });
  } else {
    results.push(await nobleState(hci, capText, deps, o));
  }
  results.push(await checkBluetoothd(deps));
  return results;
}

async function nobleState(hci: number, capText: string, deps: DoctorDeps, o: DoctorOptions): Promise<CheckResult> {
  const timeoutMs = o.bleTimeoutMs ?? 8000;
  let noble: NobleLike;
  try {
    noble = await (deps.loadNoble ?? (() => realLoadNoble({ hciDeviceId: hci })))();
    o.onNobleLoaded?.();
  } catch (e) {
    const err = e as BleUnavailableError;
    const denied = err.code === 'EPERM' || err.code === 'EACCES';
    return {
      id: 'bluetooth',
      status: 'fail',
      detail: `cannot open hci${hci}: ${err.message} (${capText})`,
      remedy: denied ? NOBLE_REMEDY.unauthorized! : 'this kernel has no Bluetooth sockets: on a Pi, check the adapter with hciconfig -a; elsewhere use radio.kind sim',
    };
  }
  const state = await new Promise<string>((resolve) => {
    if (noble.state !== 'unknown' && noble.state !== 'resetting') return resolve(noble.state);
    const onState = (s: string) => {
      if (s === 'unknown' || s === 'resetting') return;
      clearTimeout(timer);
      noble.removeListener('stateChange', onState);
      resolve(s);
    };
    const timer = setTimeout(() => {
      noble.removeListener('stateChange', onState);
      resolve('timeout');
    }, timeoutMs);
    noble.on('stateChange', onState);
  });
  if (state === 'poweredOn') return { id: 'bluetooth', status: 'ok', detail: `hci${hci} is up and usable by this process (${capText})` };
  if (state === 'timeout') {
    return { id: 'bluetooth', status: 'fail', detail: `hci${hci} did not report a state within ${timeoutMs} ms (${capText})`, remedy: 'another program may hold the adapter: stop it (bluetoothd, a second gateway), then sudo hciconfig hci0 reset' };
  }
  return {
    id: 'bluetooth',
    status: 'fail',
    detail: `hci${hci} state ${state} (${capText})`,
    remedy: (NOBLE_REMEDY[state] ?? 'see gateway/ble/README.md').replace('{N}', String(hci)),
    data: { state },
  };
}

async function checkBluetoothd(deps: DoctorDeps): Promise<CheckResult> {
  const exec = deps.exec ?? defaultExec;
  const r = await exec('systemctl', ['is-active', 'bluetooth.service']);
  if (r === null) return { id: 'bluetoothd', status: 'skip', detail: 'systemctl not found: cannot tell whether bluetoothd runs' };
  const state = r.stdout.trim();
  if (state === 'active' || state === 'activating' || state === 'reloading') {
    return {
      id: 'bluetoothd',
      status: 'fail',
      detail: `bluetooth.service is ${state}: bluetoothd reprograms scanning and advertising behind the gateway`,
      remedy: 'sudo systemctl disable --now bluetooth.service && sudo systemctl mask bluetooth.service (install-pi.sh does this); undo: systemctl unmask',
    };
  }
  if (state === '') return { id: 'bluetoothd', status: 'skip', detail: `cannot ask systemd: ${r.stderr.trim().split('\n')[0] ?? 'no answer'}` };
  return { id: 'bluetoothd', status: 'ok', detail: `bluetooth.service is ${state}` };
}

async function gatewayServiceActive(deps: DoctorDeps): Promise<boolean> {
  const r = await (deps.exec ?? defaultExec)('systemctl', ['is-active', 'touchpoint-gateway.service']);
  return r?.stdout.trim() === 'active';
}

async function checkSerial(config: GatewayConfig, deps: DoctorDeps, o: DoctorOptions): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  const { radar, touch } = config.sensors;
  const busyNote = async (id: string, path: string): Promise<CheckResult> =>
    (await gatewayServiceActive(deps))
      ? { id, status: 'warn', detail: `${path} is held by the running gateway (it is reading it)`, remedy: 'to probe the device itself: sudo systemctl stop touchpoint-gateway, sudo touchpoint-doctor, then start it again' }
      : { id, status: 'fail', detail: `${path} is held by another process`, remedy: openRemedy(path, 'busy') };
  if (!radar) out.push({ id: 'serial:radar', status: 'skip', detail: 'no radar configured (sensors.radar)' });
  else {
    const r = await probeRadar({ path: radar.path, model: radar.model, baudRate: radar.baudRate, ackTimeoutMs: o.serialTimeoutMs ?? 1000 });
    if (r.ok) out.push({ id: 'serial:radar', status: 'ok', detail: `${radar.path}: ${radar.model} firmware ${r.firmware.version}`, data: { firmware: r.firmware.version } });
    else if (r.failure === 'busy') out.push(await busyNote('serial:radar', radar.path));
    else out.push({ id: 'serial:radar', status: 'fail', detail: `${radar.path}: ${r.message}`, remedy: radarRemedy(r) });
  }
  if (!touch) out.push({ id: 'serial:touch', status: 'skip', detail: 'no touch bridge configured (sensors.touch)' });
  else {
    const r = await probeTouchBridge({ path: touch.path, baudRate: touch.baudRate, timeoutMs: o.serialTimeoutMs ?? 1500 });
    if (r.ok) out.push({ id: 'serial:touch', status: 'ok', detail: `${touch.path}: touch bridge firmware ${r.hello.firmware}, ${r.hello.channels} channels`, data: { firmware: r.hello.firmware, channels: r.hello.channels } });
    else if (r.failure === 'busy') out.push(await busyNote('serial:touch', touch.path));
    // an old bridge still reports touches: degraded (its version is unknown), not broken
    else if (r.failure === 'no-hello') out.push({ id: 'serial:touch', status: 'warn', detail: `${touch.path}: ${r.message}`, remedy: touchRemedy(r) });
    else out.push({ id: 'serial:touch', status: 'fail', detail: `${touch.path}: ${r.message}`, remedy: touchRemedy(r) });
  }
  return out;
}

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME|EPROTO|ERR_SSL|ERR_TLS|certificate|handshake/i;

async function checkBroker(config: GatewayConfig, deps: DoctorDeps, o: DoctorOptions): Promise<CheckResult[]> {
  const b = config.broker;
  const url = b.url;
  const tls = /^(mqtts|wss|ssl):/.test(url);
  const timeoutMs = o.brokerTimeoutMs ?? 8000;
  const gw = config.gateway;
  const read = (what: string, path: string | undefined): Buffer | undefined | CheckResult => {
    if (path === undefined) return undefined;
    try {
      return readFileSync(path);
    } catch (e) {
      return { id: 'broker:tls', status: 'fail', detail: `cannot read broker.${what} ${path} (${(e as NodeJS.ErrnoException).code ?? e})`, remedy: `put the file there (install-pi.sh copies ${what === 'cert' ? 'client.crt' : what === 'ca' ? 'ca.pem' : 'client.key'} from the bundle) or fix broker.${what}` };
    }
  };
  const files = { ca: read('ca', b.ca), cert: read('cert', b.cert), key: read('key', b.key) };
  for (const f of Object.values(files)) if (f && !Buffer.isBuffer(f)) return [f];
  const options: IClientOptions = {
    clientId: b.clientId ?? gw.id,
    clean: true,
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: timeoutMs,
    keepalive: b.keepaliveS,
    rejectUnauthorized: b.rejectUnauthorized,
    ...(b.username !== undefined ? { username: b.username } : {}),
    ...(b.password !== undefined ? { password: b.password } : {}),
    ...(files.ca ? { ca: files.ca as Buffer } : {}),
    ...(files.cert ? { cert: files.cert as Buffer } : {}),
    ...(files.key ? { key: files.key as Buffer } : {}),
  };
  const now = deps.now ?? Date.now;
  const status = encodeForPublish({ v: 1, kind: 'gateway-status', gatewayId: gw.id, siteId: gw.siteId, state: 'online', timestamp: now(), version: 'doctor' });
  if (!status.ok) return [{ id: 'broker:publish', status: 'fail', detail: 'cannot build a status message for this gateway ID', remedy: 'check gateway.id and gateway.siteId' }];
  const topic = buildTopic({ kind: 'status', siteId: gw.siteId, gatewayId: gw.id });
  const client = mqtt.connect(url, options);
  type Outcome = { stage: 'connect'; error: Error & { code?: string | number } } | { stage: 'timeout' } | { stage: 'published' } | { stage: 'publish-refused'; why: string };
  const outcome = await new Promise<Outcome>((resolve) => {
    let settled = false;
    const finish = (x: Outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(x);
    };
    const timer = setTimeout(() => finish({ stage: 'timeout' }), timeoutMs + 1000);
    let connected = false;
    client.on('error', (error) => finish(connected ? { stage: 'publish-refused', why: error.message } : { stage: 'connect', error }));
    client.on('close', () => {
      if (!connected && !settled) {
        // closed before CONNACK without an error: nothing answered MQTT there
        finish({ stage: 'connect', error: Object.assign(new Error('connection closed before CONNACK'), { code: 'ECONNRESET' }) });
      }
    });
    client.once('connect', () => {
      connected = true;
      // aedes closes the connection on a refused publish (MQTT 3.1.1 has no negative PUBACK)
      client.once('close', () => finish({ stage: 'publish-refused', why: 'the broker closed the connection instead of acknowledging' }));
      // not retained: the doctor must not replace the gateway's own retained status
      client.publish(topic, status.value.payload, { qos: 1, retain: false }, (e) => finish(e ? { stage: 'publish-refused', why: e.message } : { stage: 'published' }));
    });
  });
  await new Promise<void>((resolve) => client.end(true, {}, () => resolve()));

  const where = (() => {
    try {
      const u = new URL(url);
      return `${u.hostname}:${u.port || (tls ? '8883' : '1883')}`;
    } catch {
      return url;
    }
  })();
  const results: CheckResult[] = [];
  const reachOk: CheckResult = { id: 'broker:reach', status: 'ok', detail: `${where} answers MQTT` };
  const tlsOk: CheckResult[] = tls ? [{ id: 'broker:tls', status: 'ok', detail: `certificate of ${where} verified${b.ca ? ' against broker.ca' : ''}` }] : [];
  const skipRest = (ids: string[], why: string) => ids.map((id): CheckResult => ({ id, status: 'skip', detail: why }));
  if (outcome.stage === 'timeout') {
    results.push({ id: 'broker:reach', status: 'fail', detail: `no CONNACK from ${where} within ${timeoutMs} ms`, remedy: 'a firewall may drop the packets, or the port is not MQTT: check broker.url (mqtt:// 1883, mqtts:// 8883) and the network' });
    results.push(...skipRest([...(tls ? ['broker:tls'] : []), 'broker:auth', 'broker:publish'], 'needs a broker that answers'));
    return results;
  }
  if (outcome.stage === 'connect') {
    const e = outcome.error;
    const code = e.code;
    if (typeof code === 'number') {
      results.push(reachOk, ...tlsOk);
      const what = code === 4 ? 'bad username or password' : code === 5 ? 'not authorized' : code === 2 ? `client ID ${options.clientId} refused` : `CONNACK code ${code}`;
      results.push({
        id: 'broker:auth',
        status: 'fail',
        detail: `${where} refused the login of ${b.username ?? '(no username)'}: ${what}`,
        remedy:
          code === 2
            ? "the broker ties the login to the client ID: gateway.id (or broker.clientId) must equal the users file's gateway:"
            : "the password in secrets.yaml must match the broker's users file: re-add broker-user.yaml from the bundle (touchpoint broker passwd)",
      });
      results.push(...skipRest(['broker:publish'], 'needs an accepted login'));
      return results;
    }
    if (tls && TLS_CODES.test(`${String(code)} ${e.message}`)) {
      results.push(reachOk, {
        id: 'broker:tls',
        status: 'fail',
        detail: `TLS with ${where} failed: ${e.message}`,
        remedy: /ALTNAME|altname/i.test(`${String(code)} ${e.message}`)
          ? 'the certificate is for another name: use the host name it was issued for in broker.url'
          : /EXPIRED|NOT_YET_VALID/i.test(String(code))
            ? 'the certificate is expired or not yet valid: renew it, and check this clock (see the clock check)'
            : "the broker's certificate is not trusted: put its CA in broker.ca (provision --ca), or check that this is the right broker",
      });
      results.push(...skipRest(['broker:auth', 'broker:publish'], 'needs a TLS connection'));
      return results;
    }
    results.push({
      id: 'broker:reach',
      status: 'fail',
      detail: `cannot reach ${where}: ${code && !e.message.includes(String(code)) ? `${String(code)} ` : ''}${e.message}`,
      remedy:
        code === 'ECONNREFUSED'
          ? 'nothing listens there: is the broker running? Check broker.url (host and port)'
          : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
            ? 'the host name does not resolve: check broker.url and DNS (or use the IP address)'
            : 'check broker.url and the network (ping the host, firewall, Wi-Fi)',
    });
    results.push(...skipRest([...(tls ? ['broker:tls'] : []), 'broker:auth', 'broker:publish'], 'needs a broker that answers'));
    return results;
  }
  results.push(reachOk, ...tlsOk, { id: 'broker:auth', status: 'ok', detail: `logged in as ${b.username ?? '(anonymous)'} with client ID ${options.clientId}` });
  if (outcome.stage === 'published') results.push({ id: 'broker:publish', status: 'ok', detail: `status on ${topic} acknowledged (QoS 1, not retained)` });
  else {
    results.push({
      id: 'broker:publish',
      status: 'fail',
      detail: `publishing on ${topic} was refused: ${outcome.why}`,
      remedy: "the broker's ACL does not let this login publish as this gateway: in the users file it needs role: gateway, site: <gateway.siteId>, gateway: <gateway.id>",
    });
  }
  return results;
}

/** systemd-timesyncd's "Offset: +1.234ms" (timedatectl timesync-status), in ms. */
export function parseTimesyncOffset(text: string): number | null {
  const m = /^\s*Offset:\s*([+-]?\d+(?:\.\d+)?)(us|ms|s|min)\s*$/m.exec(text);
  if (!m) return null;
  const v = Number(m[1]);
  return m[2] === 'us' ? v / 1000 : m[2] === 'ms' ? v : m[2] === 's' ? v * 1000 : v * 60_000;
}

async function checkClock(config: GatewayConfig, deps: DoctorDeps, o: DoctorOptions): Promise<CheckResult> {
  const exec = deps.exec ?? defaultExec;
  const skewMs = config.registry.eidSkewSeconds * 1000;
  let synced: boolean | null = null;
  let how = '';
  if (existsSync(deps.timesyncFile ?? '/run/systemd/timesync/synchronized')) {
    synced = true;
    how = 'systemd-timesyncd';
  } else {
    const r = await exec('timedatectl', ['show', '-p', 'NTPSynchronized', '--value']);
    const v = r?.code === 0 ? r.stdout.trim() : '';
    if (v === 'yes' || v === 'no') {
      synced = v === 'yes';
      how = 'timedatectl';
    }
  }
  let offsetMs: number | null = null;
  let offsetFrom = '';
  if (o.ntp) {
    const [host, port] = o.ntp.startsWith('[') ? [o.ntp.slice(1, o.ntp.indexOf(']')), o.ntp.split(']:')[1]] : o.ntp.split(':');
    const r = await querySntp({ host: host!, ...(port ? { port: Number(port) } : {}), timeoutMs: 3000, ...(deps.now ? { now: deps.now } : {}) });
    if (r.ok) {
      offsetMs = r.offsetMs;
      offsetFrom = `SNTP ${o.ntp}`;
    } else offsetFrom = `SNTP ${o.ntp}: ${'message' in r ? r.message : r.reason}`;
  }
  if (offsetMs === null && synced !== null) {
    const r = await exec('timedatectl', ['timesync-status']);
    const parsed = r?.code === 0 ? parseTimesyncOffset(r.stdout) : null;
    if (parsed !== null) {
      offsetMs = parsed;
      offsetFrom = 'timesyncd';
    }
  }
  // offset = reference − this clock (RFC 4330 §5): negative means this clock is ahead
  const offsetText =
    offsetMs === null
      ? `offset unknown${offsetFrom ? ` (${offsetFrom})` : ' (give --ntp <server> to measure it)'}`
      : Math.abs(offsetMs) < 1
        ? `within 1 ms (${offsetFrom})`
        : `${Math.round(Math.abs(offsetMs))} ms ${offsetMs < 0 ? 'ahead' : 'behind'} (${offsetFrom})`;
  const data = { synchronized: synced, offsetMs };
  if (offsetMs !== null && Math.abs(offsetMs) > skewMs) {
    return {
      id: 'clock',
      status: 'fail',
      detail: `clock ${offsetText}: beyond the ${config.registry.eidSkewSeconds} s EID window, so rotating EIDs will not resolve and timestamps are wrong`,
      remedy: 'set the time and keep it: sudo timedatectl set-ntp true (needs UDP 123 to an NTP server, or NTP= in /etc/systemd/timesyncd.conf)',
      data,
    };
  }
  if (synced === false) {
    return { id: 'clock', status: 'warn', detail: `clock not synchronised (${how}); ${offsetText}`, remedy: 'sudo timedatectl set-ntp true, and allow UDP 123 to an NTP server (NTP= in /etc/systemd/timesyncd.conf for a local one)', data };
  }
  if (synced === null) {
    return { id: 'clock', status: 'warn', detail: `synchronisation unknown (no systemd-timesyncd here); ${offsetText}`, remedy: 'check the time source of this machine (chronyc tracking, ntpq -p)', data };
  }
  if (offsetMs !== null && Math.abs(offsetMs) > 2000) {
    return { id: 'clock', status: 'warn', detail: `synchronised (${how}) but ${offsetText}`, remedy: 'the time source itself may be off: compare with another NTP server (--ntp)', data };
  }
  return { id: 'clock', status: 'ok', detail: `synchronised (${how}); ${offsetText}`, data };
}

function checkOutbox(config: GatewayConfig): CheckResult[] {
  const dataDir = config.gateway.dataDir;
  const results: CheckResult[] = [];
  let dir = dataDir;
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  try {
    const s = statfsSync(dir);
    const free = Number(s.bavail) * Number(s.bsize);
    const mib = (n: number) => `${Math.round(n / 1024 / 1024)} MiB`;
    const detail = `${mib(free)} free on the disk of ${dataDir}`;
    if (free < DISK_FAIL_BYTES) results.push({ id: 'outbox:disk', status: 'fail', detail, remedy: 'the outbox cannot keep messages through an outage: free space (journalctl --vacuum-size=50M, apt clean) or use a bigger card', data: { freeBytes: free } });
    else if (free < DISK_WARN_BYTES) results.push({ id: 'outbox:disk', status: 'warn', detail, remedy: 'little room for an outage: free space (journalctl --vacuum-size=50M, apt clean)', data: { freeBytes: free } });
    else results.push({ id: 'outbox:disk', status: 'ok', detail, data: { freeBytes: free } });
  } catch (e) {
    results.push({ id: 'outbox:disk', status: 'warn', detail: `cannot read free space of ${dir}: ${(e as Error).message}`, remedy: 'check df -h' });
  }
  const path = join(dataDir, 'outbox.sqlite');
  if (!existsSync(path)) {
    results.push({ id: 'outbox:backlog', status: 'ok', detail: `no outbox yet at ${path} (the gateway creates it at its first start)` });
    return results;
  }
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true, timeout: 200 });
    const rows = db.prepare<[], { class: number; n: number; oldest: number | null }>('SELECT class, COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox GROUP BY class').all();
    const dead = db.prepare<[], number>('SELECT COUNT(*) FROM dead_letter').pluck().get() ?? 0;
    const sensor = rows.find((r) => r.class === 0);
    const telemetry = rows.find((r) => r.class === 1);
    const depth = sensor?.n ?? 0;
    const oldest = sensor?.oldest ?? null;
    const data = { sensor: depth, telemetry: telemetry?.n ?? 0, deadLetters: dead, oldestMs: oldest };
    const detail = `${depth} sensor communications and ${telemetry?.n ?? 0} telemetry reports waiting, ${dead} dead letters`;
    if (depth >= 0.8 * config.outbox.maxEvents) {
      results.push({ id: 'outbox:backlog', status: 'warn', detail: `${detail}: ${Math.round((100 * depth) / config.outbox.maxEvents)} % of outbox.maxEvents`, remedy: 'the broker has been unreachable for long: fix the broker checks above; the oldest messages go first when it is full', data });
    } else if (dead > 0) {
      results.push({ id: 'outbox:backlog', status: 'warn', detail, remedy: 'the broker refused some messages (ACL or schema): see the gateway log for publish-refused and the users file entry', data });
    } else results.push({ id: 'outbox:backlog', status: 'ok', detail, data });
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
      results.push({ id: 'outbox:backlog', status: 'ok', detail: `${path} is held by the running gateway (its telemetry reports the backlog)` });
    } else {
      results.push({ id: 'outbox:backlog', status: 'fail', detail: `cannot read ${path}: ${(e as Error).message}`, remedy: `the outbox may be damaged: stop the gateway, move ${path} away (its messages are lost), start it again` });
    }
  } finally {
    db?.close();
  }
  return results;
}

/** Runs every check, in the order a technician would fix things. Never throws for what it finds. */
export async function runDoctor(o: DoctorOptions, deps: DoctorDeps = {}): Promise<DoctorReport> {
  const checks: CheckResult[] = [checkNode(deps.nodeVersion ?? process.version)];
  const loaded = loadGateway(o.config, { env: deps.env ?? process.env });
  if (!loaded.ok) {
    checks.push({
      id: 'config',
      status: 'fail',
      detail: `${o.config}: ${loaded.errors.length} problem${loaded.errors.length === 1 ? '' : 's'}, first: ${formatIssue(loaded.errors[0]!)}`,
      remedy: `fix it and check with: touchpoint config validate ${o.config}`,
      data: { errors: loaded.errors.map(formatIssue) },
    });
    for (const id of ['bluetooth', 'bluetoothd', 'serial', 'broker', 'clock', 'outbox']) checks.push({ id, status: 'skip', detail: 'needs a valid config' });
    return { ok: false, config: o.config, checks };
  }
  const { config } = loaded;
  checks.push(
    loaded.warnings.length > 0
      ? { id: 'config', status: 'warn', detail: `${o.config} loads, ${loaded.warnings.length} warnings, first: ${formatIssue(loaded.warnings[0]!)}`, remedy: `touchpoint config validate ${o.config} lists them`, data: { warnings: loaded.warnings.map(formatIssue) } }
      : { id: 'config', status: 'ok', detail: `${o.config}: gateway ${config.gateway.id} at ${config.gateway.siteId}/${config.gateway.spot}, sensorId ${loaded.sensorId}` },
  );
  checks.push(...(await checkBluetooth(config, deps, o)));
  checks.push(...(await checkSerial(config, deps, o)));
  checks.push(...(await checkBroker(config, deps, o)));
  checks.push(await checkClock(config, deps, o));
  checks.push(...checkOutbox(config));
  return { ok: checks.every((c) => c.status !== 'fail'), config: o.config, checks };
}

const MARK: Record<CheckStatus, string> = { ok: '✓', warn: '!', fail: '✗', skip: '–' };

/** The report for a person: one line per check, the remedy indented under anything not ok. */
export function formatReport(r: DoctorReport): string[] {
  const width = Math.max(...r.checks.map((c) => c.id.length));
  const lines: string[] = [];
  for (const c of r.checks) {
    lines.push(`${MARK[c.status]} ${c.id.padEnd(width)}  ${c.detail}`);
    if (c.remedy && c.status !== 'ok' && c.status !== 'skip') lines.push(`  ${' '.repeat(width)}  → ${c.remedy}`);
  }
  const failed = r.checks.filter((c) => c.status === 'fail').length;
  const warned = r.checks.filter((c) => c.status === 'warn').length;
  lines.push(failed > 0 ? `${failed} problem${failed === 1 ? '' : 's'} block operation${warned ? `, ${warned} warning${warned === 1 ? '' : 's'}` : ''}` : `ready${warned ? ` (${warned} warning${warned === 1 ? '' : 's'})` : ''}`);
  return lines;
}
