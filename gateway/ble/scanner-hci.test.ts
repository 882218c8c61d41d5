/**
 * The whole hardware path minus the kernel: createNobleScanner → loadNoble (the production lazy
 * import, env applied) → real noble with its real hci-socket bindings → a fake HCI socket
 * standing in for @abandonware/bluetooth-hci-socket (test-support/fake-hci-socket.ts).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { encodeFrame } from '../../protocol/ble/frames.js';
import type { Clock, RadioAdvertisement } from '../core/types.js';
import { type NobleScanner, createNobleScanner } from './scanner.js';
import { FakeHciSocket, installFakeHciSocket } from './test-support/fake-hci-socket.js';
import { ADV_TYPE, OP, leAdvertisingReport } from './test-support/hci-packets.js';

const clock: Clock = { now: () => Date.now(), mono: () => performance.now() };
const IBEACON = { type: 'ibeacon' as const, uuid: '83256b74-78d0-43a4-8269-05f9dc8a44ba', major: 16, minor: 32, measuredPower: -58 };
const TLM = { type: 'eddystone-tlm' as const, batteryMv: 3000, temperatureC: 21, advCount: 7, uptimeS: 12.3 };
const CAP = 128;

let scanner: NobleScanner;
let socket: FakeHciSocket;
const events: RadioAdvertisement[] = [];
let savedDeviceId: string | undefined;

function hci(): FakeHciSocket {
  const s = FakeHciSocket.instances.find((i) => i.bindings.length > 0);
  if (!s) throw new Error('no HCI socket bound yet');
  return s;
}

beforeAll(async () => {
  savedDeviceId = process.env.NOBLE_HCI_DEVICE_ID;
  delete process.env.NOBLE_HCI_DEVICE_ID;
  installFakeHciSocket();
  scanner = createNobleScanner({
    clock,
    env: { hciDeviceId: 1 },
    watchdog: { silenceMs: 300, maxRestartsBeforeReset: 1, checkEveryMs: 50, resetSettleMs: 50 },
    dedupe: { minIntervalMs: 0 },
    maxPeripherals: CAP,
  });
  scanner.on((e) => events.push(e));
  await scanner.start();
  await vi.waitFor(() => expect(scanner.stats().adapterState).toBe('poweredOn'), { timeout: 10_000 });
  socket = hci();
});

afterAll(async () => {
  await scanner.stop();
  if (savedDeviceId === undefined) delete process.env.NOBLE_HCI_DEVICE_ID;
  else process.env.NOBLE_HCI_DEVICE_ID = savedDeviceId;
});

describe('noble scanner over a fake HCI socket', () => {
  it('binds the adapter named by hciDeviceId (NOBLE_HCI_DEVICE_ID, read by noble at import)', () => {
    expect(process.env.NOBLE_HCI_DEVICE_ID).toBe('1');
    expect(socket.boundDeviceId).toBe(1);
    expect(socket.bindings).toEqual(['raw']);
  });

  it('enables scanning with the controller duplicate filter off: LE Set Scan Enable 01 00', async () => {
    // Core Spec v5.3 Vol 4 Part E §7.8.11: LE_Scan_Enable = 1, Filter_Duplicates = 0
    await vi.waitFor(() => expect(socket.commands(OP.leSetScanEnable).map((c) => c.toString('hex'))).toContain('010c20020100'));
  });

  it('turns LE Advertising Reports into RadioAdvertisements', async () => {
    events.length = 0;
    socket.receive(leAdvertisingReport({ type: ADV_TYPE.nonConnInd, addressType: 1, address: 'f1:e2:d3:c4:b5:a6', data: encodeFrame(IBEACON), rssi: -67 }));
    socket.receive(leAdvertisingReport({ type: ADV_TYPE.nonConnInd, addressType: 1, address: 'f1:e2:d3:c4:b5:a6', data: encodeFrame(TLM), rssi: -68 }));
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({ address: 'f1:e2:d3:c4:b5:a6', addressType: 'random', rssi: -67, serviceData: [] });
    expect(Buffer.from(events[0]!.manufacturerData[0]!).toString('hex')).toBe('4c00021583256b7478d043a4826905f9dc8a44ba00100020c6');
    // the TLM from the same address carries no leftover iBeacon data
    expect(events[1]!.manufacturerData).toEqual([]);
    expect(Buffer.from(events[1]!.serviceData[0]!.data).toString('hex')).toBe('20000bb81500000000070000007b');
  });

  it('keeps every noble cache bounded under a flood of rotating addresses', async () => {
    const noble = ((await import('@abandonware/noble')) as { default: Record<string, any> }).default;
    const data = encodeFrame(IBEACON);
    for (let i = 0; i < 5000; i++) {
      const address = `5b:00:00:00:${((i >> 8) & 0xff).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`;
      socket.receive(leAdvertisingReport({ type: ADV_TYPE.nonConnInd, addressType: 1, address, data, rssi: -90 }));
    }
    const b = noble._bindings;
    const sizes = {
      peripherals: Object.keys(noble._peripherals).length,
      discovered: Object.keys(noble._discoveredPeripheralUUids).length,
      addresses: Object.keys(b._addresses).length,
      addressTypes: Object.keys(b._addresseTypes).length,
      connectable: Object.keys(b._connectable).length,
      scannable: Object.keys(b.scannable).length,
      gapDiscoveries: Object.keys(b._gap._discoveries).length,
    };
    for (const [k, v] of Object.entries(sizes)) expect(v, k).toBeLessThanOrEqual(CAP);
    expect(scanner.stats().noblePruned).toBeGreaterThanOrEqual(5000 - CAP);
  });

  it('silence: restarts the scan, then sends HCI_Reset, then scans again', async () => {
    const resetsBefore = socket.commands(OP.reset).length;
    const enablesBefore = socket.commands(OP.leSetScanEnable).length;
    await vi.waitFor(() => expect(socket.commands(OP.reset).length).toBeGreaterThan(resetsBefore), { timeout: 10_000 });
    expect(socket.commands(OP.reset)[resetsBefore]!.toString('hex')).toBe('01030c00');
    const s = scanner.stats();
    expect(s.scanRestarts).toBeGreaterThanOrEqual(1);
    expect(s.watchdogResets).toBeGreaterThanOrEqual(1);
    // after the settle time the scan is enabled again
    await vi.waitFor(() => expect(socket.commands(OP.leSetScanEnable).length).toBeGreaterThan(enablesBefore + 2));
    expect(socket.commands(OP.leSetScanEnable).at(-1)!.toString('hex')).toBe('010c20020100');
  });
});
