import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { type SimBroadcaster, createSimBroadcaster } from '../../../beacon-sim/radio/broadcaster.js';
import { computeEid } from '../../../protocol/ble/crypto/eid.js';
import { encodeFrame } from '../../../protocol/ble/frames.js';
import { eventDeviceId } from '../../../protocol/ble/touchpoint-event.js';
import { hexToBytes, toHex } from '../../../protocol/bytes.js';
import { BleUnavailableError, type NobleLike } from '../../ble/libs.js';
import { FakeNobleBindings } from '../../ble/test-support/fake-noble-bindings.js';
import { UsageError } from '../io.js';
import { type ScanDeps, registerScan } from './scan.js';

const require = createRequire(import.meta.url);
const withBindings = require('@abandonware/noble/with-bindings.js') as (b: unknown) => NobleLike;

const UUID = '83256b74-78d0-43a4-8269-05f9dc8a44ba';
const beacon = (minor: number) => encodeFrame({ type: 'ibeacon', uuid: UUID, major: 7, minor, measuredPower: -59 });
// flags + Complete Local Name "phone": an advertisement without any beacon frame
const PHONE = Uint8Array.from([0x02, 0x01, 0x06, 0x06, 0x09, ...Buffer.from('phone')]);

/** Runs `touchpoint scan …` in-process the way runCli does (exit codes 0/1/2), before the lead wires it in. */
async function scan(args: string[], deps: ScanDeps = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l) };
  const program = new Command('touchpoint').exitOverride().configureOutput({ writeOut: (s) => err.push(s), writeErr: (s) => err.push(s) });
  registerScan(program, io, deps);
  for (const c of program.commands) c.exitOverride();
  let code = 0;
  try {
    await program.parseAsync(['scan', ...args], { from: 'user' });
  } catch (e) {
    code = e instanceof CommanderError ? (e.exitCode === 0 ? 0 : 2) : e instanceof UsageError ? 2 : 1;
    err.push(e instanceof Error ? e.message : String(e));
  }
  return { code, out, err, json: out.map((l) => JSON.parse(l) as Record<string, any>) };
}

async function freePort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind({ port: 0, address: '127.0.0.1' }, r));
  const { port } = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

let broadcaster: SimBroadcaster | undefined;
let pump: ReturnType<typeof setInterval> | undefined;
afterEach(async () => {
  clearInterval(pump);
  pump = undefined;
  await broadcaster?.close();
  broadcaster = undefined;
});

/** Keeps sending until stopped: the CLI starts listening at a moment the test does not know. */
function transmit(port: number, make: (seq: number) => { address: string; rssi: number; adv: Uint8Array }[]): void {
  broadcaster = createSimBroadcaster({ port });
  let seq = 0;
  pump = setInterval(() => {
    for (const a of make(seq)) broadcaster!.send(a);
    seq++;
  }, 5);
}

describe('touchpoint scan --radio sim', () => {
  it('prints each beacon advertisement as a JSON line with address, RSSI and decoded frames', async () => {
    const port = await freePort();
    transmit(port, (seq) => [{ address: 'd0:00:00:00:00:01', rssi: -40 - (seq % 30), adv: beacon(seq) }]);
    const r = await scan(['--radio', 'sim', '--sim-port', String(port), '--count', '5']);
    expect(r.code).toBe(0);
    expect(r.json).toHaveLength(5);
    let prev = -1;
    for (const l of r.json) {
      expect(l).toMatchObject({ address: 'd0:00:00:00:00:01', addressType: 'random' });
      expect(l.frames).toHaveLength(1);
      const f = l.frames[0];
      expect(f).toMatchObject({ type: 'ibeacon', uuid: UUID, major: 7, measuredPower: -59 });
      // what was sent with sequence number f.minor came back with its own RSSI, in order
      expect(l.rssi).toBe(-40 - (f.minor % 30));
      expect(f.minor).toBeGreaterThan(prev);
      prev = f.minor;
      expect(Date.parse(l.at)).not.toBeNaN();
    }
    const summary = JSON.parse(r.err.at(-1)!).summary;
    expect(summary).toMatchObject({ stopped: 'count', printed: 5, state: 'stopped' });
  });

  it('skips advertisements without a beacon frame unless --all', async () => {
    const port = await freePort();
    transmit(port, (seq) => [
      { address: 'd0:00:00:00:00:02', rssi: -50, adv: PHONE },
      { address: 'd0:00:00:00:00:03', rssi: -60, adv: beacon(seq) },
    ]);
    const r = await scan(['--radio', 'sim', '--sim-port', String(port), '--count', '4', '--dedupe', '0']);
    expect(r.json.every((l) => l.address === 'd0:00:00:00:00:03' && l.frames.length === 1)).toBe(true);
    const all = await scan(['--radio', 'sim', '--sim-port', String(port), '--count', '6', '--dedupe', '0', '--all']);
    const phone = all.json.find((l) => l.address === 'd0:00:00:00:00:02');
    expect(phone).toMatchObject({ frames: [], localName: 'phone', rssi: -50 });
  });

  it('--dedupe: the same advertisement is printed once per interval', async () => {
    const port = await freePort();
    transmit(port, () => [{ address: 'd0:00:00:00:00:04', rssi: -55, adv: beacon(1) }, { address: 'd0:00:00:00:00:05', rssi: -56, adv: beacon(2) }]);
    const r = await scan(['--radio', 'sim', '--sim-port', String(port), '--count', '2', '--dedupe', '3600000']);
    expect(r.json.map((l) => l.address).sort()).toEqual(['d0:00:00:00:00:04', 'd0:00:00:00:00:05']);
  });

  it('--duration ends the scan with exit code 0 and a summary on stderr', async () => {
    const r = await scan(['--radio', 'sim', '--sim-port', String(await freePort()), '--duration', '0.2']);
    expect(r.code).toBe(0);
    expect(r.out).toEqual([]);
    expect(JSON.parse(r.err.at(-1)!).summary).toMatchObject({ stopped: 'duration', printed: 0, emitted: 0 });
  });

  it('a port in use is a one-line error, exit 1', async () => {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind({ port: 0, address: '127.0.0.1' }, r));
    try {
      const r = await scan(['--radio', 'sim', '--sim-port', String(s.address().port), '--duration', '1']);
      expect(r.code).toBe(1);
      expect(r.err.at(-1)).toMatch(/already in use/);
    } finally {
      await new Promise<void>((r) => s.close(() => r()));
    }
  });

  it('bad options exit 2', async () => {
    expect((await scan(['--radio', 'wifi'])).code).toBe(2);
    expect((await scan(['--radio', 'sim', '--sim-port', '70000'])).code).toBe(2);
    expect((await scan(['--radio', 'sim', '--duration', '0'])).code).toBe(2);
  });
});

describe('touchpoint scan --radio ble', () => {
  it('without Bluetooth: exit 1 with the reason', async () => {
    const eaf = Object.assign(new Error('EAFNOSUPPORT, Address family not supported by protocol'), { code: 'EAFNOSUPPORT' });
    const r = await scan(['--radio', 'ble', '--duration', '1'], { loadNoble: () => Promise.reject(new BleUnavailableError('noble', eaf)) });
    expect(r.code).toBe(1);
    expect(r.err.at(-1)).toMatch(/Bluetooth unavailable.*EAFNOSUPPORT.*simulated radio/);
  });

  it('prints what noble reports, through the same scanner the gateway uses', async () => {
    const bindings = new FakeNobleBindings();
    const noble = withBindings(bindings);
    const pumpReports = setInterval(() => bindings.report('c0:ff:ee:00:00:01', beacon(9), -66), 5);
    try {
      const r = await scan(['--radio', 'ble', '--count', '1'], { loadNoble: async () => noble });
      expect(r.code).toBe(0);
      expect(r.json).toEqual([
        { at: expect.any(String), address: 'c0:ff:ee:00:00:01', addressType: 'random', rssi: -66, frames: [{ type: 'ibeacon', uuid: UUID, major: 7, minor: 9, measuredPower: -59 }] },
      ]);
      expect(bindings.startScanningCalls[0]).toEqual({ serviceUuids: [], allowDuplicates: true });
      expect(bindings.stopScanningCalls).toBe(1);
    } finally {
      clearInterval(pumpReports);
    }
  });
});

describe('touchpoint scan --resolve --registry (simulated radio)', () => {
  const IK = '0102030405060708090a111213141516';
  const OTHER_IK = 'a0a1a2a3a4a5a6a7a8a9aaabacadaeaf';
  const K = 4;
  const IBEACON_ID = `ibeacon:${UUID}:7:1`;
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A registry with an EID beacon whose clock read 1000 s at `wallMsAt`, and an iBeacon. */
  function writeRegistry(wallMsAt: number): string {
    dir = mkdtempSync(join(tmpdir(), 'tp-scan-'));
    const path = join(dir, 'site-registry.json');
    writeFileSync(
      path,
      JSON.stringify({
        v: 1,
        siteId: 'store-12',
        beacons: [
          { beaconId: 'eid:store-12.case-7', spot: 'case-7', item: { itemId: 'sku-case-7' }, eid: { identityKey: IK, exponent: K, beaconSecondsAt: 1000, wallMsAt } },
          { beaconId: IBEACON_ID, spot: 'endcap-3' },
        ],
      }),
    );
    return path;
  }
  const eidNow = (ik: string, wallMsAt: number) => toHex(computeEid(hexToBytes(ik), K, 1000 + Math.floor((Date.now() - wallMsAt) / 1000)).eid);

  it('names a rotating EID beacon by its spot and item, and says unregistered for unknown beacons', async () => {
    const wallMsAt = Date.now();
    const registry = writeRegistry(wallMsAt);
    const port = await freePort();
    transmit(port, () => [
      { address: 'd0:00:00:00:00:10', rssi: -48, adv: encodeFrame({ type: 'eddystone-eid', eid: eidNow(IK, wallMsAt), txPower: -18 }) },
      { address: 'd0:00:00:00:00:11', rssi: -71, adv: beacon(999) },
      { address: 'd0:00:00:00:00:12', rssi: -66, adv: encodeFrame({ type: 'eddystone-eid', eid: eidNow(OTHER_IK, wallMsAt), txPower: -18 }) },
      { address: 'd0:00:00:00:00:13', rssi: -60, adv: encodeFrame({ type: 'eddystone-tlm', batteryMv: 3000, temperatureC: 21, advCount: 9, uptimeS: 3 }) },
    ]);
    const r = await scan(['--radio', 'sim', '--sim-port', String(port), '--resolve', '--registry', registry, '--count', '16', '--dedupe', '0']);
    expect(r.code, r.err.join('\n')).toBe(0);
    const by = (address: string) => r.json.find((l) => l.address === address);
    expect(by('d0:00:00:00:00:10')).toMatchObject({ rssi: -48, beaconId: 'eid:store-12.case-7', spot: 'case-7', item: { itemId: 'sku-case-7' }, resolved: true, status: 'resolved', frames: [{ type: 'eddystone-eid' }] });
    expect(by('d0:00:00:00:00:11')).toMatchObject({ rssi: -71, beaconId: `ibeacon:${UUID}:7:999`, spot: null, item: null, resolved: false, status: 'unregistered' });
    // an EID nobody registered cannot even be named
    expect(by('d0:00:00:00:00:12')).toMatchObject({ beaconId: null, spot: null, resolved: false, status: 'unregistered' });
    expect(by('d0:00:00:00:00:13')).toMatchObject({ beaconId: null, resolved: false, status: 'no-id', frames: [{ type: 'eddystone-tlm' }] });
    const summary = JSON.parse(r.err.at(-1)!).summary;
    expect(summary.resolve.beacons['eid:store-12.case-7']).toBeGreaterThan(0);
  });

  it('dedupes per beacon: changing payloads of one beacon print once per interval, a new event count at once', async () => {
    const registry = writeRegistry(Date.now());
    const port = await freePort();
    // a button on the iBeacon's beacon: event frames with its registry device id, the age moving
    // on every frame (so every payload differs) and a new press every 40 frames
    transmit(port, (seq) => [
      {
        address: 'd0:00:00:00:00:20',
        rssi: -52,
        adv: encodeFrame({ type: 'touchpoint-event', companyId: 0xffff, eventCount: 1 + Math.floor(seq / 40), lastEventAgeDs: seq % 40, idKind: 'device', id: eventDeviceId(IBEACON_ID) }),
      },
    ]);
    const r = await scan(['--radio', 'sim', '--sim-port', String(port), '--resolve', '--registry', registry, '--count', '2', '--dedupe', '3600000']);
    expect(r.code, r.err.join('\n')).toBe(0);
    expect(r.json.map((l) => [l.beaconId, l.spot, l.status])).toEqual([
      [IBEACON_ID, 'endcap-3', 'resolved'],
      [IBEACON_ID, 'endcap-3', 'resolved'],
    ]);
    expect(r.json[1]!.frames[0].eventCount).toBe(r.json[0]!.frames[0].eventCount + 1);
    expect(JSON.parse(r.err.at(-1)!).summary.resolve.suppressed).toBeGreaterThan(0);
  });

  it('refuses --resolve without a usable registry before listening (exit 2)', async () => {
    expect((await scan(['--radio', 'sim', '--resolve', '--duration', '1'])).code).toBe(2);
    const missing = await scan(['--radio', 'sim', '--resolve', '--registry', join(tmpdir(), 'no-such-registry.yaml'), '--duration', '1']);
    expect(missing.code).toBe(2);
    expect(missing.err.at(-1)).toMatch(/--registry .*no-such-registry\.yaml:1:1 cannot read file \(ENOENT\)/);
    expect((await scan(['--radio', 'sim', '--registry', 'x.yaml', '--duration', '1'])).code).toBe(2);
  });
});
