/**
 * Apple iBeacon (Proximity Beacon Specification R1 §2.1): manufacturer data
 * `4C 00 | 02 15 | UUID[16] | major u16 BE | minor u16 BE | measured power i8`.
 * Byte table and vectors: shared/docs/protocols.md §1.1.
 */
import { AD_TYPE, buildAdvertisingData, flagsStructure } from './ad.js';
import { defineLayout } from './layout.js';

export const APPLE_COMPANY_ID = 0x004c;

export const IBEACON_LAYOUT = defineLayout([
  { name: 'companyId', kind: 'u16le', const: APPLE_COMPANY_ID },
  { name: 'beaconType', kind: 'u8', const: 0x02 },
  { name: 'remaining', kind: 'u8', const: 0x15 },
  { name: 'uuid', kind: 'uuid' },
  { name: 'major', kind: 'u16be' },
  { name: 'minor', kind: 'u16be' },
  { name: 'measuredPower', kind: 'i8' },
] as const);

export interface IBeacon {
  type: 'ibeacon';
  uuid: string;
  major: number;
  minor: number;
  /**
   * RSSI at 1 m, dBm. A non-negative byte is not a calibration (cheap nRF51 beacons put battery
   * tenths of a volt there; Theengs iBeacon_json.h), so it decodes as null.
   */
  measuredPower: number | null;
}

export function decodeIBeacon(manufacturerData: Uint8Array): IBeacon | null {
  const r = IBEACON_LAYOUT.decode(manufacturerData);
  if (!r.ok || r.length !== manufacturerData.length) return null;
  const { uuid, major, minor, measuredPower } = r.value;
  return { type: 'ibeacon', uuid, major, minor, measuredPower: measuredPower < 0 ? measuredPower : null };
}

export type IBeaconInput = Omit<IBeacon, 'type' | 'measuredPower'> & { measuredPower: number };

/** Manufacturer-data value, company ID included. */
export function encodeIBeaconManufacturerData(b: IBeaconInput): Uint8Array {
  if (b.measuredPower >= 0) throw new RangeError(`measuredPower must be negative dBm, got ${b.measuredPower}`);
  return IBEACON_LAYOUT.encode(b);
}

export function encodeIBeacon(b: IBeaconInput, flags?: number): Uint8Array {
  return buildAdvertisingData([flagsStructure(flags), { type: AD_TYPE.manufacturerData, data: encodeIBeaconManufacturerData(b) }]);
}
