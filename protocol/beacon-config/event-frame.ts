/**
 * Touchpoint event frame: how a beacon's button/touch input reaches gateways and phones.
 * Manufacturer-specific data (AD type 0xFF), 20 bytes, multi-byte payload fields big-endian like
 * every other beacon payload (notes, general conventions):
 *
 *   off len
 *    0   2  company ID, little-endian (Core spec). Default 0xFFFF: the Bluetooth SIG Assigned
 *           Numbers reserve it for internal and interoperability tests before a company ID is
 *           assigned — not for shipping products; a merchant roll-out sets an assigned ID.
 *    2   2  54 50 ("TP"): tells our frames from other users of the same company ID
 *    4   1  version 0x01
 *    5   1  flags: bit 0 = the id is the beacon's current Eddystone-EID; bits 1–7 zero
 *    6   4  event count, u32 BE, cumulative since boot (a missed advertisement loses nothing)
 *   10   2  age of the last event in 0.1 s, u16 BE, saturating at 0xFFFE; 0xFFFF = none since boot
 *   12   8  id: the current EID (flag bit 0) or the provisioned 8-byte device id
 *
 * Full advertisement: `02 01 06 | 15 FF <20 bytes>` = 25 bytes. Firmware encoder:
 * hardware/beacon-firmware/core/bc_frames.c `bc_ad_event`.
 */
import { AD_TYPE, buildAdvertisingData, flagsStructure } from '../ble/ad.js';
import { hexToBytes, toHex } from '../bytes.js';

export const EVENT_TEST_COMPANY_ID = 0xffff;
export const EVENT_MAGIC = Uint8Array.of(0x54, 0x50);
export const EVENT_VERSION = 0x01;
export const EVENT_FRAME_BYTES = 20;
export const EVENT_AGE_NONE = 0xffff;
export const EVENT_AGE_MAX_DS = 0xfffe;
const FLAG_ID_IS_EID = 0x01;

export interface TouchpointEventFrame {
  type: 'touchpoint-event';
  companyId: number;
  eventCount: number;
  /** 0.1 s since the last event, saturating at 65534; null: no event since boot. */
  lastEventAgeDs: number | null;
  /** 'eid': `id` is the beacon's current Eddystone-EID (resolve it like an EID frame). */
  idKind: 'eid' | 'device';
  /** 8 bytes, lowercase hex. */
  id: string;
}

export type EventFrameResult = { ok: true; frame: TouchpointEventFrame } | { ok: false; reason: string; offset: number };

/** Decodes manufacturer data (company ID included, as noble and decodeAdvertisement hand it out). */
export function decodeEventFrame(data: Uint8Array): EventFrameResult {
  if (data.length < 5 || data[2] !== EVENT_MAGIC[0] || data[3] !== EVENT_MAGIC[1]) {
    return { ok: false, reason: 'not a Touchpoint event frame', offset: 2 };
  }
  if (data[4] !== EVENT_VERSION) return { ok: false, reason: `unsupported event frame version ${data[4]}`, offset: 4 };
  if (data.length !== EVENT_FRAME_BYTES) {
    return { ok: false, reason: `event frame is ${data.length} bytes, expected ${EVENT_FRAME_BYTES}`, offset: Math.min(data.length, EVENT_FRAME_BYTES) };
  }
  const flags = data[5]!;
  if (flags & ~FLAG_ID_IS_EID) return { ok: false, reason: `reserved flag bits set (0x${flags.toString(16)})`, offset: 5 };
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const age = view.getUint16(10, false);
  return {
    ok: true,
    frame: {
      type: 'touchpoint-event',
      companyId: view.getUint16(0, true),
      eventCount: view.getUint32(6, false),
      lastEventAgeDs: age === EVENT_AGE_NONE ? null : age,
      idKind: flags & FLAG_ID_IS_EID ? 'eid' : 'device',
      id: toHex(data, 12, 20),
    },
  };
}

/** Manufacturer data, company ID included. Bad values are programmer errors: RangeError. */
export function encodeEventFrame(f: Omit<TouchpointEventFrame, 'type'>): Uint8Array {
  const { companyId, eventCount, lastEventAgeDs } = f;
  if (!Number.isInteger(companyId) || companyId < 0 || companyId > 0xffff) throw new RangeError(`companyId must be u16, got ${companyId}`);
  if (!Number.isInteger(eventCount) || eventCount < 0 || eventCount > 0xffffffff) throw new RangeError(`eventCount must be u32, got ${eventCount}`);
  if (lastEventAgeDs !== null && (!Number.isInteger(lastEventAgeDs) || lastEventAgeDs < 0 || lastEventAgeDs > EVENT_AGE_MAX_DS)) {
    throw new RangeError(`lastEventAgeDs must be 0..${EVENT_AGE_MAX_DS} or null, got ${lastEventAgeDs}`);
  }
  const out = new Uint8Array(EVENT_FRAME_BYTES);
  const view = new DataView(out.buffer);
  view.setUint16(0, companyId, true);
  out.set(EVENT_MAGIC, 2);
  out[4] = EVENT_VERSION;
  out[5] = f.idKind === 'eid' ? FLAG_ID_IS_EID : 0;
  view.setUint32(6, eventCount, false);
  view.setUint16(10, lastEventAgeDs ?? EVENT_AGE_NONE, false);
  out.set(hexToBytes(f.id, 8), 12);
  return out;
}

/** Full advertising data: flags, then the manufacturer data. */
export function encodeEventAdvertisement(f: Omit<TouchpointEventFrame, 'type'>, flags?: number): Uint8Array {
  return buildAdvertisingData([flagsStructure(flags), { type: AD_TYPE.manufacturerData, data: encodeEventFrame(f) }]);
}
