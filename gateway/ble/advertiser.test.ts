/**
 * The REAL bleno (loaded by the production lazy import, env applied) above a fake HCI socket:
 * the assertions are on the exact H4 HCI commands bleno writes for each frame slot.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { hexToBytes } from '../../protocol/ble/bytes.js';
import { computeEid } from '../../protocol/ble/crypto/eid.js';
import { type EddystoneEtlm, type EddystoneTlm, decodeEddystone } from '../../protocol/ble/eddystone/frames.js';
import { openEtlm, sealTlm } from '../../protocol/ble/eddystone/etlm.js';
import { encodeFrame } from '../../protocol/ble/frames.js';
import type { Clock } from '../core/types.js';
import { type Advertiser, createAdvertiser } from './advertiser.js';
import type { FrameSlot } from './beacon-frames.js';
import { type BlenoLike, loadBleno } from './libs.js';
import { FakeHciSocket, installFakeHciSocket } from './test-support/fake-hci-socket.js';
import { OP, addressToHci } from './test-support/hci-packets.js';

const T0 = Date.UTC(2025, 0, 6, 9, 0, 0);
const clock: Clock = { now: () => Date.now(), mono: () => Date.now() };
// Vector D1 (shared/docs/protocols.md §2.6, google/eddystone eid-computation test values):
// IK 0102…1516, K = 10, t = 0 → EID a9b76a71c5f89290; advertised with txPower −18 as
// 0201060303aafe0d16aafe30eea9b76a71c5f89290 (gateway/cli/commands/ble.test.ts pins the same bytes).
const D1_KEY = hexToBytes('0102030405060708090a111213141516');
const D1_ADV = '0201060303aafe0d16aafe30eea9b76a71c5f89290';
const SALT = 0x1234;

const SLOTS: FrameSlot[] = [
  { type: 'ibeacon', uuid: '83256b74-78d0-43a4-8269-05f9dc8a44ba', major: 16, minor: 32, measuredPower: -58 },
  { type: 'eddystone-uid', namespace: '8b0ca750095477cb3e77', instance: 'aabbccddeeff', txPower: -18 },
  { type: 'eddystone-url', url: 'https://www.example.com', txPower: 10 },
  { type: 'eddystone-tlm', temperatureC: 21.5 },
  { type: 'eddystone-etlm', temperatureC: () => 40.25 },
  { type: 'eddystone-eid', txPower: -18 },
];

let bleno: BlenoLike;
let socket: FakeHciSocket;
let advertiser: Advertiser | undefined;
let savedEnv: Record<string, string | undefined>;

/** Lets the fake controller's answers (microtasks) and bleno's reactions run to completion. */
const settle = () => new Promise<void>((r) => setImmediate(r));

/** The advertising data carried by every LE Set Advertising Data command written since `from`. */
function advertisingData(from = 0): string[] {
  return socket
    .commands(OP.leSetAdvertisingData)
    .slice(from)
    .map((c) => {
      // H4: 01 | opcode 08 20 | plen 0x20 | Advertising_Data_Length | 31 bytes, zero padded (§7.8.7)
      expect(c.subarray(0, 4).toString('hex')).toBe('01082020');
      expect(c.length).toBe(36);
      const len = c[4]!;
      expect(c.subarray(5 + len).every((b) => b === 0)).toBe(true);
      return c.subarray(5, 5 + len).toString('hex');
    });
}

beforeAll(async () => {
  savedEnv = { BLENO_HCI_DEVICE_ID: process.env.BLENO_HCI_DEVICE_ID, NOBLE_HCI_DEVICE_ID: process.env.NOBLE_HCI_DEVICE_ID };
  installFakeHciSocket();
  bleno = await loadBleno({ hciDeviceId: 2 });
  const states: string[] = [];
  const onState = (s: string) => states.push(s);
  bleno.on('stateChange', onState);
  await vi.waitFor(() => expect(states).toContain('poweredOn'));
  bleno.removeListener('stateChange', onState);
  socket = FakeHciSocket.instances.find((s) => s.bindings.length > 0)!;
});

afterEach(async () => {
  FakeHciSocket.controller = undefined;
  await advertiser?.stop();
  advertiser = undefined;
  vi.useRealTimers();
});

afterAll(() => {
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

function fakeTime(): void {
  vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
  vi.setSystemTime(T0);
}

describe('advertiser: real bleno above a fake HCI socket', () => {
  it('bleno opened the adapter named by BLENO_HCI_DEVICE_ID', () => {
    expect(process.env.BLENO_HCI_DEVICE_ID).toBe('2');
    expect(socket.boundDeviceId).toBe(2);
  });

  it('puts every slot on air in turn: the LE Set Advertising Data bytes equal encodeFrame()', async () => {
    fakeTime();
    const from = socket.commands(OP.leSetAdvertisingData).length;
    advertiser = createAdvertiser({
      frames: SLOTS,
      cadenceMs: 1000,
      clock,
      bleno,
      eid: { identityKey: D1_KEY, exponent: 10, beaconSecondsAt: 0, wallMsAt: T0 },
      random16: () => SALT,
    });
    await advertiser.start();
    await settle();
    for (let k = 1; k < SLOTS.length; k++) {
      await vi.advanceTimersByTimeAsync(1000);
      await settle();
    }
    const data = advertisingData(from);
    // bleno sends the data before and after Advertise Enable (gap.js startAdvertisingWithEIRData)
    expect(data).toHaveLength(2 * SLOTS.length);
    const perSlot = data.filter((_, i) => i % 2 === 0);
    expect(data.filter((_, i) => i % 2 === 1)).toEqual(perSlot);

    // ADV_CNT: advertising events at bleno's default 100 ms interval + 5 ms mean advDelay
    const tlmAt = (ms: number, temperatureC: number): EddystoneTlm => ({
      type: 'eddystone-tlm', batteryMv: null, temperatureC, advCount: Math.floor(ms / 105), uptimeS: ms / 1000,
    });
    const etlm = sealTlm(tlmAt(4000, 40.25), D1_KEY, 10, 4, SALT);
    const expected = [
      encodeFrame(SLOTS[0] as never),
      encodeFrame(SLOTS[1] as never),
      encodeFrame(SLOTS[2] as never),
      encodeFrame(tlmAt(3000, 21.5)),
      encodeFrame(etlm),
    ].map((b) => Buffer.from(b).toString('hex'));
    expect(perSlot.slice(0, 5)).toEqual(expected);
    expect(perSlot[5]).toBe(D1_ADV);

    // the eTLM on air opens with the identity key to the TLM of that moment
    const sd = hexToBytes(perSlot[4]!).subarray(11);
    const decoded = decodeEddystone(sd);
    expect(decoded.ok && decoded.frame.type).toBe('eddystone-etlm');
    expect(openEtlm((decoded as { frame: EddystoneEtlm }).frame, D1_KEY, 10, 4)).toEqual(tlmAt(4000, 40.25));

    // each slot change is stop → start: Advertise Enable 0 then 1
    const enables = socket.commands(OP.leSetAdvertiseEnable).map((c) => c[4]);
    expect(enables.slice(-2 * SLOTS.length + 1)).toEqual([1, ...Array.from({ length: SLOTS.length - 1 }, () => [0, 1]).flat()]);

    expect(advertiser.stats()).toMatchObject({
      state: 'advertising',
      framesSent: { ibeacon: 1, 'eddystone-uid': 1, 'eddystone-url': 1, 'eddystone-tlm': 1, 'eddystone-etlm': 1, 'eddystone-eid': 1 },
      errors: 0,
      retries: 0,
      current: { slot: 'eddystone-eid', adv: D1_ADV },
    });
  });

  it('recomputes the EID only when its 2^K quantum changes', async () => {
    fakeTime();
    const from = socket.commands(OP.leSetAdvertisingData).length;
    // beacon clock at 1022 s now: the quantum [0, 1024) ends two ticks later
    advertiser = createAdvertiser({
      frames: [{ type: 'eddystone-eid', txPower: -18 }],
      cadenceMs: 1000,
      clock,
      bleno,
      eid: { identityKey: D1_KEY, exponent: 10, beaconSecondsAt: 1022, wallMsAt: T0 },
    });
    await advertiser.start();
    await settle();
    for (let k = 0; k < 3; k++) {
      await vi.advanceTimersByTimeAsync(1000);
      await settle();
    }
    const perTick = advertisingData(from).filter((_, i) => i % 2 === 0);
    const next = Buffer.from(computeEid(D1_KEY, 10, 1024).eid).toString('hex');
    expect(perTick).toEqual([D1_ADV, D1_ADV, `0201060303aafe0d16aafe30ee${next}`, `0201060303aafe0d16aafe30ee${next}`]);
    expect(next).not.toBe('a9b76a71c5f89290');
    expect(advertiser.stats().eidComputations).toBe(2);
  });

  it('advertisingStartError (bleno never calls back): retried with backoff, counted', async () => {
    fakeTime();
    let refusals = 2;
    // Command Disallowed (0x0C) for Advertise Enable = 1, as a BCM43438 answers a second enable
    FakeHciSocket.controller = (op, params) => (op === OP.leSetAdvertiseEnable && params[0] === 1 && refusals-- > 0 ? { status: 0x0c } : undefined);
    advertiser = createAdvertiser({ frames: [SLOTS[0]!], cadenceMs: 1000, clock, bleno, retry: { initialMs: 250, maxMs: 1000 } });
    await advertiser.start();
    await settle();
    expect(advertiser.stats()).toMatchObject({ state: 'retrying', errors: 1, startErrors: 1, retries: 1, framesSent: {} });
    expect(advertiser.stats().lastError).toMatch(/Command Disallowed/);
    await vi.advanceTimersByTimeAsync(250);
    await settle();
    expect(advertiser.stats()).toMatchObject({ errors: 2, retries: 2 });
    await vi.advanceTimersByTimeAsync(499);
    await settle();
    expect(advertiser.stats().framesSent).toEqual({});
    await vi.advanceTimersByTimeAsync(1);
    await settle();
    expect(advertiser.stats()).toMatchObject({ state: 'advertising', errors: 2, retries: 2, framesSent: { ibeacon: 1 } });
  });

  it('no answer at all: times out, counts, and recovers with stop → start', async () => {
    fakeTime();
    let drops = 1;
    FakeHciSocket.controller = (op, params) => (op === OP.leSetAdvertiseEnable && params[0] === 1 && drops-- > 0 ? 'drop' : undefined);
    advertiser = createAdvertiser({ frames: [SLOTS[1]!], cadenceMs: 1000, clock, bleno, startTimeoutMs: 2000, retry: { initialMs: 100 } });
    await advertiser.start();
    await settle();
    const enablesBefore = socket.commands(OP.leSetAdvertiseEnable).length;
    await vi.advanceTimersByTimeAsync(2000);
    await settle();
    expect(advertiser.stats()).toMatchObject({ errors: 1, timeouts: 1, retries: 1 });
    await vi.advanceTimersByTimeAsync(100);
    await settle();
    expect(advertiser.stats()).toMatchObject({ state: 'advertising', framesSent: { 'eddystone-uid': 1 } });
    expect(socket.commands(OP.leSetAdvertiseEnable).slice(enablesBefore).map((c) => c[4])).toEqual([0, 1]);
  });

  it('adapterReset(): re-sends bleno\'s advertising parameters and puts the current slot back on air at once', async () => {
    fakeTime();
    advertiser = createAdvertiser({ frames: [SLOTS[0]!, SLOTS[1]!], cadenceMs: 1000, clock, bleno });
    await advertiser.start();
    await settle();
    const params = socket.commands(OP.leSetAdvertisingParameters).length;
    const from = socket.commands(OP.leSetAdvertisingData).length;
    await vi.advanceTimersByTimeAsync(300);
    advertiser.adapterReset();
    await settle();
    // LE Set Advertising Parameters (§7.8.5) as bleno sends it: 100 ms (0x00a0 × 0.625 ms), ADV_IND, channels 37–39
    expect(socket.commands(OP.leSetAdvertisingParameters).slice(params).map((c) => c.toString('hex'))).toEqual(['0106200f' + 'a000a000' + '00' + '00' + '00' + '000000000000' + '07' + '00']);
    const ibeacon = Buffer.from(encodeFrame(SLOTS[0] as never)).toString('hex');
    expect(advertisingData(from)).toEqual([ibeacon, ibeacon]);
    expect(advertiser.stats()).toMatchObject({ adapterResets: 1, framesSent: { ibeacon: 2 } });
    await vi.advanceTimersByTimeAsync(1000);
    await settle();
    expect(advertiser.stats().framesSent).toEqual({ ibeacon: 2, 'eddystone-uid': 1 });
  });

  it('disconnects a central that connects to the connectable advertisement', async () => {
    advertiser = createAdvertiser({ frames: [SLOTS[0]!], cadenceMs: 1000, clock, bleno });
    await advertiser.start();
    await vi.waitFor(() => expect(advertiser!.stats().state).toBe('advertising'));
    // LE Connection Complete (§7.7.65.1): handle 0x0040, role 1 (peripheral), random peer address
    const params = Buffer.concat([Buffer.from([0x01, 0x00, 0x40, 0x00, 0x01, 0x01]), addressToHci('7a:11:22:33:44:55'), Buffer.from([0x18, 0x00, 0x00, 0x00, 0xc8, 0x00, 0x00])]);
    socket.receive(Buffer.concat([Buffer.from([0x04, 0x3e, params.length]), params]));
    expect(advertiser.stats().connectionsRefused).toBe(1);
    // HCI_Disconnect (§7.1.6): handle 0x0040, reason 0x13 remote user terminated
    expect(socket.commands(0x0406).at(-1)!.toString('hex')).toBe('01060403400013');
  });

  it('refuses slots it cannot render and nonsensical settings', () => {
    expect(() => createAdvertiser({ frames: [], cadenceMs: 1000, clock, bleno })).toThrow(/at least one/);
    expect(() => createAdvertiser({ frames: [{ type: 'eddystone-eid', txPower: 0 }], cadenceMs: 1000, clock, bleno })).toThrow(/needs the eid/);
    expect(() => createAdvertiser({ frames: [SLOTS[0]!], cadenceMs: 0, clock, bleno })).toThrow(RangeError);
  });
});
