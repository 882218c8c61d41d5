import type { Command } from 'commander';
import { toHex } from '../../../protocol/ble/bytes.js';
import { computeEid } from '../../../protocol/ble/crypto/eid.js';
import { type BeaconFrameInput, encodeFrame } from '../../../protocol/ble/frames.js';
import { hexArg, intArg, numberArg } from '../args.js';
import { type CliIo, UsageError } from '../io.js';

type Opts = Record<string, unknown> & { flags?: number };

/** Each subcommand builds one frame from its options; the output is the full advertising data. */
export function registerEncode(program: Command, io: CliIo): void {
  const encode = program
    .command('encode')
    .description('encode a beacon frame; prints the advertising data in hex (flags included, at most 31 bytes)');

  const sub = (name: string, description: string, build: (o: Opts) => BeaconFrameInput) =>
    encode
      .command(name)
      .description(description)
      .option('--flags <byte>', 'AD flags byte (default 0x06: LE General Discoverable, BR/EDR not supported)', intArg('--flags', 0, 255))
      .action((o: Opts) => {
        let adv: Uint8Array;
        try {
          adv = encodeFrame(build(o), o.flags);
        } catch (e) {
          if (e instanceof RangeError) throw new UsageError(e.message);
          throw e;
        }
        io.out(toHex(adv));
      });

  sub('ibeacon', 'Apple iBeacon', (o) => ({
    type: 'ibeacon',
    uuid: o.uuid as string,
    major: o.major as number,
    minor: o.minor as number,
    measuredPower: o.measuredPower as number,
  }))
    .requiredOption('--uuid <uuid>', 'proximity UUID')
    .requiredOption('--major <n>', 'major 0..65535', intArg('--major', 0, 0xffff))
    .requiredOption('--minor <n>', 'minor 0..65535', intArg('--minor', 0, 0xffff))
    .option('--measured-power <dBm>', 'RSSI at 1 m, negative dBm', intArg('--measured-power', -128, -1), -59);

  sub('altbeacon', 'AltBeacon', (o) => ({
    type: 'altbeacon',
    manufacturerId: o.manufacturerId as number,
    id1: o.id1 as string,
    id2: o.id2 as number,
    id3: o.id3 as number,
    referenceRssi: o.referenceRssi as number,
    reserved: o.reserved as number,
  }))
    .option('--manufacturer-id <id>', 'Bluetooth SIG company ID (0x0118 Radius Networks)', intArg('--manufacturer-id', 0, 0xffff), 0x0118)
    .requiredOption('--id1 <uuid>', 'first 16 bytes of the beacon ID')
    .requiredOption('--id2 <n>', 'id2 0..65535', intArg('--id2', 0, 0xffff))
    .requiredOption('--id3 <n>', 'id3 0..65535', intArg('--id3', 0, 0xffff))
    .option('--reference-rssi <dBm>', 'RSSI at 1 m', intArg('--reference-rssi', -128, 127), -59)
    .option('--reserved <byte>', 'manufacturer reserved byte', intArg('--reserved', 0, 255), 0);

  sub('eddystone-uid', 'Eddystone-UID', (o) => ({
    type: 'eddystone-uid',
    namespace: toHex(o.namespace as Uint8Array),
    instance: toHex(o.instance as Uint8Array),
    txPower: o.txPower as number,
  }))
    .requiredOption('--namespace <hex>', '10-byte namespace', hexArg('--namespace', 10))
    .requiredOption('--instance <hex>', '6-byte instance', hexArg('--instance', 6))
    .option('--tx-power <dBm>', 'TX power at 0 m', intArg('--tx-power', -128, 127), -18);

  sub('eddystone-url', 'Eddystone-URL', (o) => ({ type: 'eddystone-url', url: o.url as string, txPower: o.txPower as number }))
    .requiredOption('--url <url>', 'http(s) URL, at most 17 bytes once compressed')
    .option('--tx-power <dBm>', 'TX power at 0 m', intArg('--tx-power', -128, 127), -18);

  sub('eddystone-tlm', 'Eddystone-TLM (unencrypted, version 0)', (o) => ({
    type: 'eddystone-tlm',
    batteryMv: (o.batteryMv as number | undefined) ?? null,
    temperatureC: (o.temperature as number | undefined) ?? null,
    advCount: o.advCount as number,
    uptimeS: o.uptime as number,
  }))
    .option('--battery-mv <mV>', 'battery voltage; omit for "not supported"', intArg('--battery-mv', 1, 0xffff))
    .option('--temperature <C>', 'temperature in °C (8.8 fixed point); omit for "not supported"', numberArg('--temperature'))
    .option('--adv-count <n>', 'advertising PDUs since boot', intArg('--adv-count', 0, 0xffffffff), 0)
    .option('--uptime <s>', 'seconds since boot (0.1 s resolution)', numberArg('--uptime'), 0);

  sub('eddystone-eid', 'Eddystone-EID, from an identity key and beacon time or a given EID', (o) => {
    let eid: string;
    if (o.eid) eid = toHex(o.eid as Uint8Array);
    else if (o.identityKey && o.time !== undefined) eid = toHex(computeEid(o.identityKey as Uint8Array, o.exponent as number, o.time as number).eid);
    else throw new UsageError('give --eid, or --identity-key with --time (and --exponent)');
    return { type: 'eddystone-eid', eid, txPower: o.txPower as number };
  })
    .option('--eid <hex>', '8-byte EID as broadcast', hexArg('--eid', 8))
    .option('--identity-key <hex>', '16-byte identity key', hexArg('--identity-key', 16))
    .option('--exponent <K>', 'rotation exponent 0..15 (EID changes every 2^K s)', intArg('--exponent', 0, 15), 10)
    .option('--time <seconds>', "beacon's 32-bit seconds counter", intArg('--time', 0, 0xffffffff))
    .option('--tx-power <dBm>', 'TX power at 0 m', intArg('--tx-power', -128, 127), -18);
}
