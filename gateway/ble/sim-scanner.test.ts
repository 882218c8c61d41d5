import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSimBroadcaster } from '../../beacon-sim/radio/broadcaster.js';
import { createRadioBus } from '../../beacon-sim/radio/bus.js';
import { hexToBytes } from '../../protocol/ble/bytes.js';
import { encodeFrame } from '../../protocol/ble/frames.js';
import type { Clock, RadioAdvertisement } from '../core/types.js';
import type { NobleLike } from './libs.js';
import { createNobleScanner } from './scanner.js';
import { type SimScanner, createSimScanner } from './sim-scanner.js';
import { FakeNobleBindings } from './test-support/fake-noble-bindings.js';

const require = createRequire(import.meta.url);
const withBindings = require('@abandonware/noble/with-bindings.js') as (b: unknown) => NobleLike;
const clock: Clock = { now: () => Date.now(), mono: () => performance.now() };
const SEND = fileURLToPath(new URL('../../beacon-sim/radio/test-support/send.ts', import.meta.url));

const ADS: Uint8Array[] = [
  encodeFrame({ type: 'ibeacon', uuid: '83256b74-78d0-43a4-8269-05f9dc8a44ba', major: 16, minor: 32, measuredPower: -58 }),
  encodeFrame({ type: 'eddystone-uid', namespace: '8b0ca750095477cb3e77', instance: 'aabbccddeeff', txPower: -18 }),
  encodeFrame({ type: 'eddystone-url', url: 'https://www.example.com', txPower: 10 }),
  encodeFrame({ type: 'eddystone-tlm', batteryMv: 5000, temperatureC: 21, advCount: 1, uptimeS: 0.1 }),
  hexToBytes('0201060303aafe0d16aafe30eea9b76a71c5f89290'), // vector D1
  hexToBytes('020106 020afc 0609546f756368'), // flags, Tx Power −4, Complete Local Name "Touch"
];

let scanner: SimScanner | undefined;
let child: ChildProcess | undefined;
afterEach(async () => {
  child?.kill();
  child = undefined;
  await scanner?.stop();
  scanner = undefined;
});

const strip = ({ at: _at, ...rest }: RadioAdvertisement) => rest;

describe('simulated-radio scanner', () => {
  it('emits exactly what the noble scanner emits for the same advertising data', async () => {
    const bus = createRadioBus();
    scanner = createSimScanner({ clock, bus, dedupe: { minIntervalMs: 0 } });
    const fromSim: RadioAdvertisement[] = [];
    scanner.on((e) => fromSim.push(e));
    await scanner.start();

    const bindings = new FakeNobleBindings();
    const noble = createNobleScanner({ clock, noble: withBindings(bindings), dedupe: { minIntervalMs: 0 } });
    const fromNoble: RadioAdvertisement[] = [];
    noble.on((e) => fromNoble.push(e));
    await noble.start();
    await vi.waitFor(() => expect(bindings.startScanningCalls).toHaveLength(1));

    const air = createSimBroadcaster({ bus });
    for (const adv of ADS) {
      air.send({ address: 'e4:5f:01:02:03:04', rssi: -63, adv });
      bindings.report('e4:5f:01:02:03:04', adv, -63, { addressType: 'random' });
    }
    await noble.stop();
    expect(fromSim).toHaveLength(ADS.length);
    expect(fromSim.map(strip)).toEqual(fromNoble.map(strip));
    expect(fromSim[5]).toMatchObject({ localName: 'Touch', txPowerLevel: -4 });
  });

  it('receives over UDP on 127.0.0.1, in order, every sequence number', async () => {
    scanner = createSimScanner({ clock, port: 0, dedupe: { minIntervalMs: 0 } });
    const minors: number[] = [];
    scanner.on((e) => minors.push((e.manufacturerData[0]![22]! << 8) | e.manufacturerData[0]![23]!));
    await scanner.start();
    const air = createSimBroadcaster({ port: scanner.port()! });
    for (let seq = 0; seq < 300; seq++) {
      air.send({ address: 'e4:5f:01:02:03:05', rssi: -70, adv: encodeFrame({ type: 'ibeacon', uuid: '83256b74-78d0-43a4-8269-05f9dc8a44ba', major: 1, minor: seq, measuredPower: -59 }) });
      // UDP may drop what the receiver has not read yet, and the receiver is this same event loop
      if (seq % 10 === 9) {
        await air.flush();
        await new Promise((r) => setImmediate(r));
      }
    }
    await air.close();
    expect(air.stats()).toMatchObject({ sent: 300, errors: 0 });
    await vi.waitFor(() => expect(minors).toHaveLength(300));
    expect(minors).toEqual(Array.from({ length: 300 }, (_, i) => i));
  });

  it('works across processes: a simulator in a child process, the scanner here', async () => {
    scanner = createSimScanner({ clock, port: 0, dedupe: { minIntervalMs: 0 } });
    const seen = new Set<number>();
    const addresses = new Set<string>();
    scanner.on((e) => {
      addresses.add(e.address);
      seen.add((e.manufacturerData[0]![22]! << 8) | e.manufacturerData[0]![23]!);
    });
    await scanner.start();
    child = spawn(process.execPath, ['--import', 'tsx', SEND, String(scanner.port()), '500', 'e0:00:00:00:00:07'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((r) => child!.once('exit', r));
    expect(stderr).toBe('');
    expect(code).toBe(0);
    await vi.waitFor(() => expect(seen.size).toBe(500), { timeout: 10_000 });
    expect(Math.max(...seen)).toBe(499);
    expect([...addresses]).toEqual(['e0:00:00:00:00:07']);
  });

  it('counts malformed datagrams instead of emitting or throwing', async () => {
    scanner = createSimScanner({ clock, port: 0 });
    const events: RadioAdvertisement[] = [];
    scanner.on((e) => events.push(e));
    await scanner.start();
    const raw = createSocket('udp4');
    await new Promise<void>((r) => raw.bind({ port: 0, address: '127.0.0.1' }, r));
    for (const junk of [Buffer.from('hello'), Buffer.from([9, 0, 0, 0, 0, 0, 0, 0, 0, 0])]) {
      await new Promise<void>((r) => raw.send(junk, scanner!.port()!, '127.0.0.1', () => r()));
    }
    await new Promise<void>((r) => raw.close(() => r()));
    await vi.waitFor(() => expect(scanner!.stats().malformed).toBe(2));
    expect(events).toEqual([]);
    expect(scanner.stats().lastError).toBe('unsupported version 9');
  });

  it('stop() releases the port; the radio is loopback-only', async () => {
    scanner = createSimScanner({ clock, port: 0 });
    await scanner.start();
    const port = scanner.port()!;
    await scanner.stop();
    expect(scanner.port()).toBeUndefined();
    scanner = createSimScanner({ clock, port });
    await scanner.start();
    expect(scanner.port()).toBe(port);
    await expect(createSimScanner({ clock, port: 0, host: '0.0.0.0' }).start()).rejects.toThrow(/loopback-only/);
    expect(() => createSimBroadcaster({ host: '10.0.0.1', port: 1 })).toThrow(/loopback-only/);
  });
});
