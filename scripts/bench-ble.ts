/**
 * protocol/ble decode rate on one core, on a realistic mix of what a store gateway hears:
 * beacons of every format plus phones and other vendors' manufacturer data that must be skipped.
 * Baseline: only walking the AD structures (the least any decoder must do), so the ratio shows
 * what recognising and decoding the frames costs on top.
 */
import {
  computeEid,
  decodeAdvertisement,
  encodeFrame,
  hexToBytes,
  parseAdvertisingData,
  toHex,
  EidResolver,
} from '../protocol/ble/index.js';
import { bench, table, type BenchResult } from './bench-harness.js';

export function bleMix(): Uint8Array[] {
  const ik = hexToBytes('0102030405060708090a111213141516');
  const beacons = [
    encodeFrame({ type: 'ibeacon', uuid: 'f7826da6-4fa2-4e98-8024-bc5b71e0893e', major: 100, minor: 1, measuredPower: -59 }),
    encodeFrame({ type: 'altbeacon', manufacturerId: 0x0118, id1: '2f234454-cf6d-4a0f-adf2-f4911ba9ffa6', id2: 1, id3: 2, referenceRssi: -59, reserved: 0 }),
    encodeFrame({ type: 'eddystone-uid', namespace: '8b0ca750095477cb3e77', instance: '000000000003', txPower: -18 }),
    encodeFrame({ type: 'eddystone-url', url: 'https://www.example.com/', txPower: -18 }),
    encodeFrame({ type: 'eddystone-tlm', batteryMv: 2987, temperatureC: 21.5, advCount: 1234, uptimeS: 5678.9 }),
    encodeFrame({ type: 'eddystone-eid', eid: toHex(computeEid(ik, 10, 65280).eid), txPower: -18 }),
  ];
  const others = [
    // Apple Continuity (nearby info) from a phone: manufacturer 0x004C but not an iBeacon
    hexToBytes('02011a0aff4c0010050b1c3a2f1b'),
    // Microsoft CDP
    hexToBytes('1eff060001092002a4b1d0fa5ab7ff5a2bb8f63b59d89a1cf5b08a8f3ecd28'),
    // a named BLE peripheral with a 128-bit service UUID
    hexToBytes('0201061107bc9a78563412341234123412345678aa0509546167'),
  ];
  // ~60 % beacons, 40 % other devices: a busy shop floor full of phones
  return [...beacons, ...beacons, ...others, ...others];
}

export function runBleBench(): BenchResult[] {
  const mix = bleMix();
  const n = mix.length;
  const rows = [
    bench('AD structure walk only (baseline)', (i) => void parseAdvertisingData(mix[i % n]!)),
    bench('protocol/ble decodeAdvertisement (full decode)', (i) => void decodeAdvertisement(mix[i % n]!)),
  ];
  table(`BLE advertisement decoding, realistic mix of ${n} advertisements (frames/s, one core)`, rows, 'frames/s');

  const resolver = new EidResolver();
  const now = Date.UTC(2026, 0, 1);
  const keys: Uint8Array[] = [];
  for (let b = 0; b < 200; b++) {
    const key = new Uint8Array(16).map((_, j) => (b * 31 + j * 7) & 0xff);
    keys.push(key);
    resolver.register({ beaconId: `b${b}`, identityKey: key, exponent: 10, beaconSecondsAt: 65280 + b, wallMsAt: now });
  }
  const eids = keys.map((k, b) => computeEid(k, 10, 65280 + b + 30).eid);
  const eidRows = [
    bench('computeEid from the identity key (2 AES key schedules)', (i) => void computeEid(keys[i % 200]!, 10, 65280 + i)),
    bench('EidResolver.resolve, 200 registered beacons', (i) => void resolver.resolve(eids[i % 200]!, now + 30_000)),
  ];
  table('Eddystone-EID (ops/s, one core)', eidRows);
  return [...rows, ...eidRows];
}

if (import.meta.url === `file://${process.argv[1]}`) runBleBench();
