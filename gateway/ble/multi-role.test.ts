/**
 * The gateway's real arrangement: scanner (noble) and advertiser (bleno) in one process, each on
 * its own raw HCI socket to the same adapter. The fake sockets share one controller, so each
 * library sees the other's command completions, as raw sockets do on Linux.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { encodeFrame } from '../../protocol/ble/frames.js';
import type { Clock, RadioAdvertisement } from '../core/types.js';
import { type Advertiser, createAdvertiser } from './advertiser.js';
import { type NobleScanner, createNobleScanner } from './scanner.js';
import { FakeHciSocket, installFakeHciSocket } from './test-support/fake-hci-socket.js';
import { ADV_TYPE, OP, leAdvertisingReport } from './test-support/hci-packets.js';

const clock: Clock = { now: () => Date.now(), mono: () => performance.now() };
const UID = { type: 'eddystone-uid' as const, namespace: '8b0ca750095477cb3e77', instance: '0000000000a1', txPower: -18 };
const ENV_KEYS = ['NOBLE_HCI_DEVICE_ID', 'BLENO_HCI_DEVICE_ID', 'NOBLE_MULTI_ROLE'];

let scanner: NobleScanner;
let advertiser: Advertiser;
const heard: RadioAdvertisement[] = [];
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  for (const k of ENV_KEYS) saved[k] = process.env[k];
  installFakeHciSocket();
  FakeHciSocket.shared = true;
  const env = { hciDeviceId: 0, multiRole: true };
  advertiser = createAdvertiser({ frames: [UID, { type: 'eddystone-tlm' }], cadenceMs: 100, clock, env });
  scanner = createNobleScanner({
    clock,
    env,
    watchdog: { silenceMs: 400, maxRestartsBeforeReset: 0, checkEveryMs: 50, resetSettleMs: 50 },
    dedupe: { minIntervalMs: 0 },
    onAdapterReset: () => advertiser.adapterReset(),
  });
  scanner.on((e) => heard.push(e));
  await scanner.start();
  await advertiser.start();
  await vi.waitFor(() => {
    expect(scanner.stats().state).toBe('scanning');
    expect(advertiser.stats().framesSent['eddystone-uid']).toBeGreaterThanOrEqual(1);
  }, { timeout: 10_000 });
});

afterAll(async () => {
  await advertiser.stop();
  await scanner.stop();
  FakeHciSocket.shared = false;
  for (const k of ENV_KEYS) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

const sockets = () => FakeHciSocket.instances.filter((s) => s.bindings.length > 0);
const blenoSocket = () => sockets().find((s) => s.commands(OP.leSetAdvertisingData).length > 0)!;
const nobleSocket = () => sockets().find((s) => s.commands(OP.leSetScanParameters).length > 0)!;

describe('scanner and advertiser on one adapter', () => {
  it('each library has its own raw socket to hci0, and NOBLE_MULTI_ROLE is set', () => {
    expect(sockets()).toHaveLength(2);
    expect(sockets().map((s) => [s.boundDeviceId, s.bindings])).toEqual([[0, ['raw']], [0, ['raw']]]);
    expect(nobleSocket()).not.toBe(blenoSocket());
    expect(process.env.NOBLE_MULTI_ROLE).toBe('1');
  });

  it('the scanner hears a neighbour while the advertiser rotates frames', async () => {
    const sent = advertiser.stats().framesSent;
    nobleSocket().receive(leAdvertisingReport({ type: ADV_TYPE.nonConnInd, addressType: 1, address: 'da:7a:00:00:00:01', data: encodeFrame(UID), rssi: -58 }));
    expect(heard.at(-1)).toMatchObject({ address: 'da:7a:00:00:00:01', rssi: -58 });
    await vi.waitFor(() => expect(advertiser.stats().framesSent['eddystone-tlm'] ?? 0).toBeGreaterThan(sent['eddystone-tlm'] ?? 0), { timeout: 5000 });
    expect(advertiser.stats().errors).toBe(0);
  });

  it('after the scanner\'s watchdog resets the controller, the advertiser restores its parameters and goes back on air', async () => {
    const paramsBefore = blenoSocket().commands(OP.leSetAdvertisingParameters).length;
    const enablesBefore = blenoSocket().commands(OP.leSetAdvertiseEnable).length;
    await vi.waitFor(() => expect(nobleSocket().commands(OP.reset).length).toBeGreaterThanOrEqual(1), { timeout: 10_000 });
    await vi.waitFor(() => expect(advertiser.stats().adapterResets).toBeGreaterThanOrEqual(1));
    await vi.waitFor(() => expect(advertiser.stats().state).toBe('advertising'));
    // LE Set Advertising Parameters again (§7.8.5): 100 ms = 0x00a0 × 0.625 ms, ADV_IND, all channels
    const params = blenoSocket().commands(OP.leSetAdvertisingParameters);
    expect(params.length).toBeGreaterThan(paramsBefore);
    expect(params.at(-1)!.toString('hex')).toBe('0106200f' + 'a000a000' + '00' + '00' + '00' + '000000000000' + '07' + '00');
    // and advertising is enabled again
    await vi.waitFor(() => expect(blenoSocket().commands(OP.leSetAdvertiseEnable).slice(enablesBefore).map((c) => c[4])).toContain(1));
    expect(advertiser.stats().errors).toBe(0);
  });
});
