import { createSocket } from 'node:dgram';
import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { type SimBroadcaster, createSimBroadcaster } from '../../../beacon-sim/radio/broadcaster.js';
import { encodeFrame } from '../../../protocol/ble/frames.js';
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
