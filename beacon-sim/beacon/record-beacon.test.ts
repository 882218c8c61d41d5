import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeRadioPacket } from '../radio/wire.js';
import { createRadioBus } from '../radio/bus.js';
import { createSimBroadcaster } from '../radio/broadcaster.js';
import { type BeaconConfigInput, normalizeBeaconConfig } from '../../protocol/beacon-config/record.js';
import { computeEid, decodeAdvertisement, hexToBytes, toHex, type BeaconFrame } from '../../protocol/ble/index.js';
import { createRecordBeacon, recordBeaconAddress, runRecordBeacon } from './record-beacon.js';

// One of the firmware's example beacons (every slot kind, an input): the same record the C core is
// cross-checked on in protocol/ble/firmware-crosscheck.test.ts.
const input = JSON.parse(readFileSync(new URL('../../hardware/beacon-firmware/test/configs/store-mixed.json', import.meta.url), 'utf8')) as BeaconConfigInput;
const config = normalizeBeaconConfig(input);
const BOOT = 1_739_530_800_000;

const frameOf = (adv: Uint8Array): BeaconFrame => {
  const d = decodeAdvertisement(adv);
  expect(d.errors).toEqual([]);
  expect(d.frames).toHaveLength(1);
  return d.frames[0]!;
};

describe('simulated beacon from a config record', () => {
  it('sends its slots round-robin, one per interval, with EIDs of its own clock', () => {
    const b = createRecordBeacon({ config, bootWallMs: BOOT, random: () => 0 });
    const events = Array.from({ length: 12 }, () => b.step());
    expect(events.map((e) => e.slot)).toEqual([...config.slots, ...config.slots].map((s) => s.type));
    // advDelay 0 here: exactly one interval apart
    expect(events.map((e) => e.wallMs - BOOT)).toEqual(events.map((_, i) => i * config.intervalMs));
    const eidEvent = events[10]!;
    const t = config.timeReference + Math.floor((eidEvent.wallMs - BOOT) / 1000);
    expect(frameOf(eidEvent.adv)).toEqual({ type: 'eddystone-eid', eid: toHex(computeEid(hexToBytes(config.identityKey!), config.eidExponent, t).eid), txPower: -20 });
    // the event slot carries the same EID (the record has an identity key), and no event yet
    expect(frameOf(events[11]!.adv)).toMatchObject({ type: 'touchpoint-event', idKind: 'eid', eventCount: 0, lastEventAgeDs: null });
    // TLM counters: three PDUs per event, uptime in 0.1 s
    expect(frameOf(events[3]!.adv)).toMatchObject({ type: 'eddystone-tlm', advCount: 9, uptimeS: 3, batteryMv: 3000 });
  });

  it('a press starts a burst of event frames at the fast interval, then the rotation resumes', () => {
    const b = createRecordBeacon({ config, bootWallMs: BOOT, random: () => 0 });
    b.step();
    b.press(BOOT + 500);
    const burst = Array.from({ length: config.event.burst }, () => b.step());
    expect(burst.every((e) => e.burst && e.slot === 'event')).toBe(true);
    expect(burst[0]!.wallMs).toBe(BOOT + 520);
    expect(burst[1]!.wallMs - burst[0]!.wallMs).toBe(config.event.fastIntervalMs);
    expect(frameOf(burst[1]!.adv)).toMatchObject({ type: 'touchpoint-event', eventCount: 1, lastEventAgeDs: 1 });
    expect(b.step().slot).toBe(config.slots[1]!.type);
    expect(b.presses()).toBe(1);
  });

  it('skips what was due while nobody listened without building it', () => {
    const b = createRecordBeacon({ config, bootWallMs: BOOT, random: () => 0 });
    b.skipUntil(BOOT + 60_500);
    expect(b.nextAtMs()).toBe(BOOT + 61_000);
    expect(frameOf(b.step().adv)).toMatchObject({ type: 'eddystone-uid' }); // event 61 of a 6-slot rotation
  });

  it('goes on air over the simulated radio with a static random address from the device id', () => {
    const bus = createRadioBus();
    const heard: string[] = [];
    bus.subscribe((d) => {
      const r = decodeRadioPacket(d);
      if (r.ok) heard.push(`${r.packet.address} ${r.packet.rssi} ${frameOf(r.packet.adv).type}`);
    });
    const now = BOOT + 2_000;
    const run = runRecordBeacon({ beacon: createRecordBeacon({ config, bootWallMs: BOOT, random: () => 0 }), radio: createSimBroadcaster({ bus }), rssi: -61, now: () => now });
    run.stop();
    // events at 0, 1000 and 2000 ms were due: 0 is more than a second late and was missed
    expect(heard).toEqual(['f4:70:00:00:00:00 -61 eddystone-uid', 'f4:70:00:00:00:00 -61 eddystone-url']);
    expect(recordBeaconAddress(config)).toBe('f4:70:00:00:00:00');
    expect(run.sent()).toBe(2);
  });
});
