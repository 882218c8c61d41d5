/**
 * Throughput of the scanners, advertisement in → RadioAdvertisement out, on this machine:
 *   node --import tsx gateway/ble/test-support/bench.ts
 * Every run floods rotating addresses (the worst case for the dedupe map and noble's caches).
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createSimBroadcaster } from '../../../beacon-sim/radio/broadcaster.js';
import { createRadioBus } from '../../../beacon-sim/radio/bus.js';
import { encodeRadioPacket } from '../../../beacon-sim/radio/wire.js';
import { encodeFrame } from '../../../protocol/ble/frames.js';
import { type Clock, systemClock } from '../../core/types.js';
import type { NobleLike } from '../libs.js';
import { createNobleScanner } from '../scanner.js';
import { createSimScanner } from '../sim-scanner.js';
import { FakeHciSocket, installFakeHciSocket } from './fake-hci-socket.js';
import { FakeNobleBindings } from './fake-noble-bindings.js';
import { ADV_TYPE, leAdvertisingReport } from './hci-packets.js';

installFakeHciSocket();
const require = createRequire(import.meta.url);
const clock: Clock = systemClock;
const AD = encodeFrame({ type: 'eddystone-uid', namespace: '8b0ca750095477cb3e77', instance: 'aabbccddeeff', txPower: -18 });
const ADDRESSES = 20_000;
const address = (i: number) => `7e:00:00:${((i >> 16) & 0xff).toString(16).padStart(2, '0')}:${((i >> 8) & 0xff).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`;
const dedupe = { minIntervalMs: 1000, maxEntries: 4096 };

function report(name: string, events: number, ms: number, extra = ''): void {
  console.log(`${name.padEnd(44)} ${events.toString().padStart(8)} events  ${ms.toFixed(0).padStart(6)} ms  ${Math.round((events / ms) * 1000).toString().padStart(9)} events/s ${extra}`);
}

async function simBus(n: number): Promise<void> {
  const bus = createRadioBus();
  const s = createSimScanner({ clock, bus, dedupe });
  let got = 0;
  s.on(() => got++);
  await s.start();
  const datagrams = Array.from({ length: ADDRESSES }, (_, i) => encodeRadioPacket({ address: address(i), addressType: 'random', rssi: -70, adv: AD }));
  const t0 = performance.now();
  for (let i = 0; i < n; i++) bus.send(datagrams[i % ADDRESSES]!);
  const ms = performance.now() - t0;
  await s.stop();
  report('sim scanner, in-process bus', n, ms, `(emitted ${got}, dedupe map ${s.stats().dedupe.entries})`);
}

async function simUdp(n: number): Promise<void> {
  const s = createSimScanner({ clock, port: 0, dedupe: { minIntervalMs: 0 } });
  let got = 0;
  let last = 0;
  s.on(() => {
    got++;
    last = performance.now();
  });
  await s.start();
  const b = createSimBroadcaster({ port: s.port()! });
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    b.send({ address: address(i % ADDRESSES), rssi: -70, adv: AD });
    // yield so the receiving side of this same process can drain its socket buffer
    if (i % 100 === 99) {
      await b.flush();
      await new Promise((r) => setImmediate(r));
    }
  }
  await b.close();
  await new Promise((r) => setTimeout(r, 200));
  await s.stop();
  report('sim scanner, UDP 127.0.0.1 (same process)', got, last - t0, `(sent ${n}, lost ${n - got})`);
}

async function simUdpChild(n: number): Promise<void> {
  const s = createSimScanner({ clock, port: 0, dedupe: { minIntervalMs: 0 } });
  let got = 0;
  let first = 0;
  let last = 0;
  s.on(() => {
    if (got++ === 0) first = performance.now();
    last = performance.now();
  });
  await s.start();
  const send = new URL('../../../beacon-sim/radio/test-support/send.ts', import.meta.url).pathname;
  const child = spawn(process.execPath, ['--import', 'tsx', send, String(s.port()), String(n)], { stdio: 'ignore' });
  await new Promise((r) => child.once('exit', r));
  await new Promise((r) => setTimeout(r, 200));
  await s.stop();
  report('sim scanner, UDP from a child process', got, last - first, `(sent ${n}, lost ${n - got})`);
}

async function nobleBindings(n: number): Promise<void> {
  const bindings = new FakeNobleBindings();
  const noble = (require('@abandonware/noble/with-bindings.js') as (b: unknown) => NobleLike)(bindings);
  const s = createNobleScanner({ clock, noble, dedupe });
  let got = 0;
  s.on(() => got++);
  await s.start();
  await new Promise((r) => setTimeout(r, 20));
  const bufs = Array.from({ length: 64 }, () => Buffer.from(AD));
  const t0 = performance.now();
  for (let i = 0; i < n; i++) bindings.report(address(i % ADDRESSES), bufs[i % 64]!, -70);
  const ms = performance.now() - t0;
  const st = s.stats();
  await s.stop();
  report('noble scanner, real noble + GAP (with-bindings)', n, ms, `(emitted ${got}, pruned ${st.noblePruned})`);
}

async function nobleHci(n: number): Promise<void> {
  const s = createNobleScanner({ clock, dedupe });
  let got = 0;
  s.on(() => got++);
  await s.start();
  while (s.stats().adapterState !== 'poweredOn') await new Promise((r) => setTimeout(r, 5));
  const sock = FakeHciSocket.instances.find((x) => x.bindings.length > 0)!;
  const packets = Array.from({ length: ADDRESSES }, (_, i) => leAdvertisingReport({ type: ADV_TYPE.nonConnInd, addressType: 1, address: address(i), data: AD, rssi: -70 }));
  const t0 = performance.now();
  for (let i = 0; i < n; i++) sock.receive(packets[i % ADDRESSES]!);
  const ms = performance.now() - t0;
  const st = s.stats();
  await s.stop();
  report('noble scanner, full noble HCI stack (fake socket)', n, ms, `(emitted ${got}, pruned ${st.noblePruned}, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB)`);
}

await simBus(200_000);
await simUdp(50_000);
await simUdpChild(20_000);
await nobleBindings(200_000);
await nobleHci(200_000);
process.exit(0); // noble's adapter poll timer would keep the process alive
