/**
 * `--radio ble`: the store's beacons through gateway/ble's advertiser onto a bleno. The bleno here
 * is a stand-in that acknowledges every start and stop (the advertiser's own tests drive the real
 * bleno above a fake HCI socket); what is checked is which bytes the store puts on air.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { decodeAdvertisement } from '../../protocol/ble/frames.js';
import { frameBeaconId } from '../../protocol/registry/resolve.js';
import type { BlenoLike } from '../../gateway/ble/libs.js';
import { createBleBeacons } from './ble-output.js';
import { createSimClock } from './clock.js';
import { createStoreEngine } from './engine.js';
import { loadLayout } from './layout.js';
import { startStoreSim } from './run.js';

function fakeBleno(): BlenoLike & { advs: Buffer[] } {
  const e = new EventEmitter();
  const advs: Buffer[] = [];
  return Object.assign(e, {
    state: 'poweredOn',
    advs,
    startAdvertisingWithEIRData(adv: Buffer) {
      advs.push(Buffer.from(adv));
      queueMicrotask(() => e.emit('advertisingStart', null));
    },
    stopAdvertising() {
      queueMicrotask(() => e.emit('advertisingStop'));
    },
  });
}

function example() {
  const r = loadLayout('examples/store-apparel.yaml');
  if (!r.ok) throw new Error('example layout does not load');
  return r.layout;
}

describe('BLE output', () => {
  it('rotates the chosen beacons on one adapter; the EID on air resolves to the registered beacon', async () => {
    const layout = example();
    const clock = createSimClock();
    const bleno = fakeBleno();
    const adv = createBleBeacons(layout, { clock, bleno, cadenceMs: 5, displays: ['denim-wall', 'knitwear-shelf', 'accessories-case'] });
    await adv.start();
    await vi.waitFor(() => expect(bleno.advs.length).toBeGreaterThanOrEqual(6));
    await adv.stop();
    const registry = createStoreEngine({ layout, seed: 1, startAtMs: clock.now() }).registry;
    const ids = bleno.advs.slice(0, 3).map((b) => decodeAdvertisement(b).frames.map((f) => frameBeaconId(f, registry.eid, clock.now()))[0]);
    expect(ids).toEqual(['ibeacon:6a0e2b9c-3f41-4d8e-9b7a-52c1d0e8f417:10:2', 'eddystone-uid:8b0ca750095477cb3e77:000000000005', 'eid:accessories-case']);
  });

  it('refuses unknown displays and a second EID key on one adapter', () => {
    const layout = example();
    const clock = createSimClock();
    expect(() => createBleBeacons(layout, { clock, bleno: fakeBleno(), displays: ['nope'] })).toThrow(/no display nope/);
    const two = structuredClone(layout);
    two.displays[0]!.beacon = { type: 'eddystone-eid', name: 'podium', identityKey: '00112233445566778899aabbccddeeff', exponent: 8, beaconSecondsAt: 0, txPower: -18, intervalMs: 300 };
    expect(() => createBleBeacons(two, { clock, bleno: fakeBleno() })).toThrow(/one adapter holds one EID key/);
  });

  it('startStoreSim({ radio: "ble" }) advertises while the phones keep running on the model', async () => {
    const bleno = fakeBleno();
    const sim = await startStoreSim({ layout: 'examples/store-apparel.yaml', radio: 'ble', sensors: false, speed: 50, durationS: 30, ble: { bleno, cadenceMs: 5, displays: ['denim-wall'] } });
    const summary = await sim.done;
    expect(bleno.advs.length).toBeGreaterThan(0);
    expect(summary.gatewayReceptions).toBe(0);
    expect(summary.phoneReceptions).toBeGreaterThan(0);
  });
});
