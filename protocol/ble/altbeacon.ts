/**
 * AltBeacon v1.0 (AltBeacon/spec README): manufacturer data
 * `MFG ID u16 LE | BE AC | beacon ID[20] | reference RSSI i8 | reserved u8`, with the ID split as
 * android-beacon-library's ALTBEACON_LAYOUT does: id1 16 bytes (UUID form), id2 and id3 2 bytes BE.
 */
import { AD_TYPE, buildAdvertisingData, flagsStructure } from './ad.js';
import { defineLayout } from './layout.js';

export const ALTBEACON_LAYOUT = defineLayout([
  { name: 'manufacturerId', kind: 'u16le' },
  { name: 'beaconCode', kind: 'u16be', const: 0xbeac },
  { name: 'id1', kind: 'uuid' },
  { name: 'id2', kind: 'u16be' },
  { name: 'id3', kind: 'u16be' },
  { name: 'referenceRssi', kind: 'i8' },
  // android-beacon-library AltBeaconParserTest.testParsesBeaconMissingDataField: an AD one byte
  // short still parses, with the reserved byte read as 0.
  { name: 'reserved', kind: 'u8', default: 0 },
] as const);

export interface AltBeacon {
  type: 'altbeacon';
  manufacturerId: number;
  id1: string;
  id2: number;
  id3: number;
  referenceRssi: number;
  reserved: number;
}

export function decodeAltBeacon(manufacturerData: Uint8Array): AltBeacon | null {
  const r = ALTBEACON_LAYOUT.decode(manufacturerData);
  if (!r.ok || r.length !== manufacturerData.length) return null;
  return { type: 'altbeacon', ...r.value };
}

export function encodeAltBeaconManufacturerData(b: Omit<AltBeacon, 'type'>): Uint8Array {
  return ALTBEACON_LAYOUT.encode(b);
}

/** Flags (3) + 28-byte manufacturer structure = the whole 31-byte legacy payload. */
export function encodeAltBeacon(b: Omit<AltBeacon, 'type'>, flags?: number): Uint8Array {
  return buildAdvertisingData([flagsStructure(flags), { type: AD_TYPE.manufacturerData, data: encodeAltBeaconManufacturerData(b) }]);
}
