/**
 * Eddystone frames (google/eddystone protocol-specification.md): service data for UUID 0xFEAA whose
 * first byte's high nibble is the frame type. Every multi-byte field is big-endian.
 * Tables and vectors: shared/docs/protocols.md §2.
 */
import { AD_TYPE, buildAdvertisingData, flagsStructure } from '../ad.js';
import { concatBytes } from '../bytes.js';
import { defineLayout } from '../layout.js';
import { decodeEddystoneUrl, encodeEddystoneUrl, URL_MAX_ENCODED } from './url.js';

export const EDDYSTONE_UUID16 = 0xfeaa;
export const EDDYSTONE_UUID = 'feaa';

export const FRAME_TYPE = { uid: 0x00, url: 0x10, tlm: 0x20, eid: 0x30 } as const;

export const UID_LAYOUT = defineLayout([
  { name: 'frameType', kind: 'u8', const: FRAME_TYPE.uid },
  { name: 'txPower', kind: 'i8' },
  { name: 'namespace', kind: 'hex', length: 10 },
  { name: 'instance', kind: 'hex', length: 6 },
  // "Existing UID implementations that truncate the frame to omit the RFU bytes" (eddystone-uid README)
  { name: 'rfu', kind: 'hex', length: 2, default: '0000' },
] as const);

export const URL_LAYOUT = defineLayout([
  { name: 'frameType', kind: 'u8', const: FRAME_TYPE.url },
  { name: 'txPower', kind: 'i8' },
  { name: 'scheme', kind: 'u8' },
  { name: 'encoded', kind: 'rest', min: 1, max: URL_MAX_ENCODED },
] as const);

export const TLM_LAYOUT = defineLayout([
  { name: 'frameType', kind: 'u8', const: FRAME_TYPE.tlm },
  { name: 'version', kind: 'u8', const: 0x00 },
  { name: 'batteryMv', kind: 'u16be' },
  { name: 'temperature88', kind: 'i16be' },
  { name: 'advCount', kind: 'u32be' },
  { name: 'secCount', kind: 'u32be' },
] as const);

export const ETLM_LAYOUT = defineLayout([
  { name: 'frameType', kind: 'u8', const: FRAME_TYPE.tlm },
  { name: 'version', kind: 'u8', const: 0x01 },
  { name: 'etlm', kind: 'hex', length: 12 },
  { name: 'salt', kind: 'u16be' },
  { name: 'mic', kind: 'hex', length: 2 },
  // Nordic's early SDK appends a 19th RFU byte (include/def/eddystone.h EDDYSTONE_ETLM_LENGTH 19).
  { name: 'rfu', kind: 'u8', default: 0 },
] as const);

export const EID_LAYOUT = defineLayout([
  { name: 'frameType', kind: 'u8', const: FRAME_TYPE.eid },
  { name: 'txPower', kind: 'i8' },
  { name: 'eid', kind: 'hex', length: 8 },
] as const);

/** TLM temperature 0x8000 (−128 °C) means "not supported" (eddystone-tlm/tlm-plain.md). */
const TEMP_UNSUPPORTED = -0x8000;

export interface EddystoneUid { type: 'eddystone-uid'; namespace: string; instance: string; txPower: number }
export interface EddystoneUrl { type: 'eddystone-url'; url: string; txPower: number }
export interface EddystoneTlm {
  type: 'eddystone-tlm';
  /** null: 0 on the wire, "not supported" (e.g. USB powered). */
  batteryMv: number | null;
  /** 8.8 fixed point; null when the beacon has no sensor (0x8000). */
  temperatureC: number | null;
  advCount: number;
  /** SEC_CNT has 0.1 s resolution. */
  uptimeS: number;
}
export interface EddystoneEtlm { type: 'eddystone-etlm'; etlm: string; salt: number; mic: string }
export interface EddystoneEid { type: 'eddystone-eid'; eid: string; txPower: number }
export type EddystoneFrame = EddystoneUid | EddystoneUrl | EddystoneTlm | EddystoneEtlm | EddystoneEid;

export type EddystoneDecodeResult = { ok: true; frame: EddystoneFrame } | { ok: false; reason: string; offset: number };

function whole<T>(r: { ok: true; value: T; length: number } | { ok: false; reason: string; offset: number }, n: number) {
  if (!r.ok) return r;
  if (r.length !== n) return { ok: false as const, reason: `${n - r.length} unexpected trailing bytes`, offset: r.length };
  return r;
}

/** Decodes the service data of UUID 0xFEAA (the bytes after `AA FE`). */
export function decodeEddystone(sd: Uint8Array): EddystoneDecodeResult {
  if (sd.length === 0) return { ok: false, reason: 'empty Eddystone service data', offset: 0 };
  const n = sd.length;
  switch (sd[0]) {
    case FRAME_TYPE.uid: {
      const r = whole(UID_LAYOUT.decode(sd), n);
      if (!r.ok) return r;
      const { namespace, instance, txPower } = r.value;
      return { ok: true, frame: { type: 'eddystone-uid', namespace, instance, txPower } };
    }
    case FRAME_TYPE.url: {
      const r = URL_LAYOUT.decode(sd);
      if (!r.ok) return r;
      const u = decodeEddystoneUrl(r.value.scheme, r.value.encoded);
      if (!u.ok) return { ok: false, reason: u.reason, offset: u.offset + 3 };
      return { ok: true, frame: { type: 'eddystone-url', url: u.url, txPower: r.value.txPower } };
    }
    case FRAME_TYPE.tlm: {
      if (sd[1] === 0x01) {
        const r = whole(ETLM_LAYOUT.decode(sd), n);
        if (!r.ok) return r;
        const { etlm, salt, mic } = r.value;
        return { ok: true, frame: { type: 'eddystone-etlm', etlm, salt, mic } };
      }
      const r = whole(TLM_LAYOUT.decode(sd), n);
      if (!r.ok) return r;
      const v = r.value;
      return {
        ok: true,
        frame: {
          type: 'eddystone-tlm',
          batteryMv: v.batteryMv === 0 ? null : v.batteryMv,
          temperatureC: v.temperature88 === TEMP_UNSUPPORTED ? null : v.temperature88 / 256,
          advCount: v.advCount,
          uptimeS: v.secCount / 10,
        },
      };
    }
    case FRAME_TYPE.eid: {
      const r = whole(EID_LAYOUT.decode(sd), n);
      if (!r.ok) return r;
      return { ok: true, frame: { type: 'eddystone-eid', eid: r.value.eid, txPower: r.value.txPower } };
    }
    default:
      return { ok: false, reason: `unknown Eddystone frame type 0x${sd[0]!.toString(16).padStart(2, '0')}`, offset: 0 };
  }
}

export function encodeEddystoneServiceData(f: EddystoneFrame): Uint8Array {
  switch (f.type) {
    case 'eddystone-uid':
      return UID_LAYOUT.encode({ txPower: f.txPower, namespace: f.namespace, instance: f.instance, rfu: '0000' });
    case 'eddystone-url': {
      const { scheme, encoded } = encodeEddystoneUrl(f.url);
      return URL_LAYOUT.encode({ txPower: f.txPower, scheme, encoded });
    }
    case 'eddystone-tlm': {
      const temp = f.temperatureC === null ? TEMP_UNSUPPORTED : Math.round(f.temperatureC * 256);
      if (temp < -0x8000 || temp > 0x7fff) throw new RangeError(`temperatureC out of 8.8 range: ${f.temperatureC}`);
      return TLM_LAYOUT.encode({
        batteryMv: f.batteryMv ?? 0,
        temperature88: temp,
        advCount: f.advCount,
        // SEC_CNT wraps like the beacon's own 32-bit counter would
        secCount: Math.floor(f.uptimeS * 10) >>> 0,
      });
    }
    case 'eddystone-etlm':
      return ETLM_LAYOUT.encode({ etlm: f.etlm, salt: f.salt, mic: f.mic, rfu: 0 }).subarray(0, 18);
    case 'eddystone-eid':
      return EID_LAYOUT.encode({ txPower: f.txPower, eid: f.eid });
  }
}

/** Canonical Eddystone advertisement: flags, 16-bit UUID list [FEAA], service data. */
export function encodeEddystone(f: EddystoneFrame, flags?: number): Uint8Array {
  const uuid = Uint8Array.of(EDDYSTONE_UUID16 & 0xff, EDDYSTONE_UUID16 >> 8);
  return buildAdvertisingData([
    flagsStructure(flags),
    { type: AD_TYPE.uuid16Complete, data: uuid },
    { type: AD_TYPE.serviceData16, data: concatBytes(uuid, encodeEddystoneServiceData(f)) },
  ]);
}
