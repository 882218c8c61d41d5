/**
 * Advertising data (AD) structures: `len | type | data[len-1]`, as carried by HCI LE Advertising
 * Reports and as bleno takes them (Core Spec Vol 3 Part C §11; Supplement to the Core Spec Part A).
 * The parser never throws: a malformed structure becomes an AdError with its byte offset and the
 * well-formed structures around it are still returned.
 */
import { bytesToUuid, concatBytes, toHex } from './bytes.js';

export const AD_TYPE = {
  flags: 0x01,
  uuid16Incomplete: 0x02,
  uuid16Complete: 0x03,
  uuid32Incomplete: 0x04,
  uuid32Complete: 0x05,
  uuid128Incomplete: 0x06,
  uuid128Complete: 0x07,
  shortName: 0x08,
  completeName: 0x09,
  txPowerLevel: 0x0a,
  serviceData16: 0x16,
  serviceData32: 0x20,
  serviceData128: 0x21,
  manufacturerData: 0xff,
} as const;

/** Legacy (BT 4.x) advertising and scan-response payloads are at most 31 bytes. */
export const LEGACY_AD_MAX = 31;

export interface AdStructure {
  type: number;
  /** Offset of this structure's length byte in the input. */
  offset: number;
  data: Uint8Array;
}

export type AdErrorReason = 'length-overrun' | 'bad-length';

export interface AdError {
  reason: AdErrorReason;
  offset: number;
  type?: number;
  message: string;
}

export interface ManufacturerData {
  companyId: number;
  /** The whole value, company ID included, as noble and Android hand it out. */
  data: Uint8Array;
}

export interface ServiceData {
  /** 16-bit: 4 hex digits ("feaa"); 32-bit: 8; 128-bit: canonical dashed UUID. Lowercase. */
  uuid: string;
  data: Uint8Array;
}

export interface AdvertisingData {
  structures: AdStructure[];
  flags?: number;
  serviceUuids: string[];
  localName?: string;
  txPowerLevel?: number;
  manufacturerData: ManufacturerData[];
  serviceData: ServiceData[];
  errors: AdError[];
}

/** Multi-byte UUIDs in AD are little-endian; their text form is big-endian. */
function uuidLE(data: Uint8Array, offset: number, size: 2 | 4 | 16): string {
  const be = new Uint8Array(size);
  for (let i = 0; i < size; i++) be[i] = data[offset + size - 1 - i]!;
  return size === 16 ? bytesToUuid(be) : toHex(be);
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Minimum data length per type (and the element size for lists): what "bad-length" means. */
const SHAPE: Record<number, { min: number; unit?: number; exact?: number }> = {
  [AD_TYPE.flags]: { min: 1 },
  [AD_TYPE.uuid16Incomplete]: { min: 0, unit: 2 },
  [AD_TYPE.uuid16Complete]: { min: 0, unit: 2 },
  [AD_TYPE.uuid32Incomplete]: { min: 0, unit: 4 },
  [AD_TYPE.uuid32Complete]: { min: 0, unit: 4 },
  [AD_TYPE.uuid128Incomplete]: { min: 0, unit: 16 },
  [AD_TYPE.uuid128Complete]: { min: 0, unit: 16 },
  [AD_TYPE.txPowerLevel]: { min: 1, exact: 1 },
  [AD_TYPE.serviceData16]: { min: 2 },
  [AD_TYPE.serviceData32]: { min: 4 },
  [AD_TYPE.serviceData128]: { min: 16 },
  [AD_TYPE.manufacturerData]: { min: 2 },
};

export function parseAdvertisingData(bytes: Uint8Array): AdvertisingData {
  const out: AdvertisingData = { structures: [], serviceUuids: [], manufacturerData: [], serviceData: [], errors: [] };
  let o = 0;
  while (o < bytes.length) {
    const len = bytes[o]!;
    if (len === 0) {
      // The Core Spec allows a zero length only to end the significant part early, but real
      // payloads carry zero runs before further structures (android-beacon-library
      // BleAdvertisementTest still finds the local name after them), so skip it and go on.
      o += 1;
      continue;
    }
    if (o + 1 + len > bytes.length) {
      out.errors.push({
        reason: 'length-overrun',
        offset: o,
        type: o + 1 < bytes.length ? bytes[o + 1] : undefined,
        message: `AD structure at ${o} declares ${len} bytes but only ${bytes.length - o - 1} remain`,
      });
      break;
    }
    const type = bytes[o + 1]!;
    const data = bytes.subarray(o + 2, o + 1 + len);
    const s: AdStructure = { type, offset: o, data };
    const shape = SHAPE[type];
    const bad =
      shape &&
      (data.length < shape.min ||
        (shape.exact !== undefined && data.length !== shape.exact) ||
        (shape.unit !== undefined && data.length % shape.unit !== 0));
    if (bad) {
      out.errors.push({ reason: 'bad-length', offset: o, type, message: `AD type 0x${type.toString(16).padStart(2, '0')} at ${o} has invalid data length ${data.length}` });
    } else {
      out.structures.push(s);
      interpret(out, s);
    }
    o += 1 + len;
  }
  return out;
}

function interpret(out: AdvertisingData, { type, data }: AdStructure): void {
  switch (type) {
    case AD_TYPE.flags:
      out.flags = data[0]!;
      return;
    case AD_TYPE.uuid16Incomplete:
    case AD_TYPE.uuid16Complete:
      for (let i = 0; i < data.length; i += 2) out.serviceUuids.push(uuidLE(data, i, 2));
      return;
    case AD_TYPE.uuid32Incomplete:
    case AD_TYPE.uuid32Complete:
      for (let i = 0; i < data.length; i += 4) out.serviceUuids.push(uuidLE(data, i, 4));
      return;
    case AD_TYPE.uuid128Incomplete:
    case AD_TYPE.uuid128Complete:
      for (let i = 0; i < data.length; i += 16) out.serviceUuids.push(uuidLE(data, i, 16));
      return;
    case AD_TYPE.shortName:
      out.localName ??= utf8.decode(data);
      return;
    case AD_TYPE.completeName:
      out.localName = utf8.decode(data);
      return;
    case AD_TYPE.txPowerLevel:
      out.txPowerLevel = (data[0]! << 24) >> 24;
      return;
    case AD_TYPE.serviceData16:
      out.serviceData.push({ uuid: uuidLE(data, 0, 2), data: data.subarray(2) });
      return;
    case AD_TYPE.serviceData32:
      out.serviceData.push({ uuid: uuidLE(data, 0, 4), data: data.subarray(4) });
      return;
    case AD_TYPE.serviceData128:
      out.serviceData.push({ uuid: uuidLE(data, 0, 16), data: data.subarray(16) });
      return;
    case AD_TYPE.manufacturerData:
      out.manufacturerData.push({ companyId: data[0]! | (data[1]! << 8), data });
      return;
  }
}

/** Serialises AD structures; refuses payloads that would not fit a legacy advertisement. */
export function buildAdvertisingData(structures: { type: number; data: Uint8Array }[], maxLength = LEGACY_AD_MAX): Uint8Array {
  const parts = structures.map(({ type, data }) => {
    if (data.length > 254) throw new RangeError(`AD type 0x${type.toString(16)} data too long (${data.length})`);
    return concatBytes(Uint8Array.of(data.length + 1, type), data);
  });
  const out = concatBytes(...parts);
  if (out.length > maxLength) throw new RangeError(`advertising data is ${out.length} bytes, more than ${maxLength}`);
  return out;
}

/** LE General Discoverable + BR/EDR not supported: what beacons send (Kontakt, AprilBrother). */
export const FLAGS_BEACON = 0x06;

export function flagsStructure(flags = FLAGS_BEACON): { type: number; data: Uint8Array } {
  return { type: AD_TYPE.flags, data: Uint8Array.of(flags) };
}
