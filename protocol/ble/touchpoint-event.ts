/**
 * Touchpoint event frame: how a Touchpoint beacon's button/touch input reaches gateways and phones.
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
 *   12   8  id: the current EID (flag bit 0) or the provisioned 8-byte device id (eventDeviceId)
 *
 * Full advertisement: `02 01 06 | 15 FF <20 bytes>` = 25 bytes. Firmware encoder:
 * hardware/beacon-firmware/core/bc_frames.c `bc_ad_event`; the spec table is
 * hardware/beacon-firmware/README.md "Event frame".
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { AD_TYPE, buildAdvertisingData, flagsStructure } from './ad.js';
import { toHex } from './bytes.js';
import { defineLayout } from './layout.js';

export const TOUCHPOINT_EVENT_TEST_COMPANY_ID = 0xffff;
export const TOUCHPOINT_EVENT_MAGIC = 0x5450;
export const TOUCHPOINT_EVENT_VERSION = 0x01;
export const TOUCHPOINT_EVENT_BYTES = 20;
export const TOUCHPOINT_EVENT_AGE_NONE = 0xffff;
export const TOUCHPOINT_EVENT_AGE_MAX_DS = 0xfffe;
const FLAG_ID_IS_EID = 0x01;

export const TOUCHPOINT_EVENT_LAYOUT = defineLayout([
  { name: 'companyId', kind: 'u16le' },
  { name: 'magic', kind: 'u16be', const: TOUCHPOINT_EVENT_MAGIC },
  { name: 'version', kind: 'u8', const: TOUCHPOINT_EVENT_VERSION },
  { name: 'flags', kind: 'u8' },
  { name: 'eventCount', kind: 'u32be' },
  { name: 'lastEventAge', kind: 'u16be' },
  { name: 'id', kind: 'hex', length: 8 },
] as const);

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

export type TouchpointEventInput = Omit<TouchpointEventFrame, 'type'>;

export type TouchpointEventResult = { ok: true; frame: TouchpointEventFrame } | { ok: false; reason: string; offset: number };

/** Manufacturer data that claims to be an event frame: any company ID, then the "TP" magic. */
export function isTouchpointEventData(data: Uint8Array): boolean {
  return data.length >= 4 && data[2] === TOUCHPOINT_EVENT_MAGIC >> 8 && data[3] === (TOUCHPOINT_EVENT_MAGIC & 0xff);
}

/** Decodes manufacturer data (company ID included, as noble and decodeAdvertisement hand it out). */
export function decodeTouchpointEvent(data: Uint8Array): TouchpointEventResult {
  // The checks before the table give the precise offset a tool should point at.
  if (data.length < 5 || !isTouchpointEventData(data)) return { ok: false, reason: 'not a Touchpoint event frame', offset: 2 };
  if (data[4] !== TOUCHPOINT_EVENT_VERSION) return { ok: false, reason: `unsupported event frame version ${data[4]}`, offset: 4 };
  if (data.length !== TOUCHPOINT_EVENT_BYTES) {
    return { ok: false, reason: `event frame is ${data.length} bytes, expected ${TOUCHPOINT_EVENT_BYTES}`, offset: Math.min(data.length, TOUCHPOINT_EVENT_BYTES) };
  }
  const r = TOUCHPOINT_EVENT_LAYOUT.decode(data);
  if (!r.ok) return r;
  const { companyId, flags, eventCount, lastEventAge, id } = r.value;
  if (flags & ~FLAG_ID_IS_EID) return { ok: false, reason: `reserved flag bits set (0x${flags.toString(16)})`, offset: 5 };
  return {
    ok: true,
    frame: {
      type: 'touchpoint-event',
      companyId,
      eventCount,
      lastEventAgeDs: lastEventAge === TOUCHPOINT_EVENT_AGE_NONE ? null : lastEventAge,
      idKind: flags & FLAG_ID_IS_EID ? 'eid' : 'device',
      id,
    },
  };
}

/** Manufacturer data, company ID included. Bad values are programmer errors: RangeError. */
export function encodeTouchpointEventManufacturerData(f: TouchpointEventInput): Uint8Array {
  const age = f.lastEventAgeDs;
  // 0xFFFF is "none", so a real age saturates one below it (the firmware does the same).
  if (age !== null && (!Number.isInteger(age) || age < 0 || age > TOUCHPOINT_EVENT_AGE_MAX_DS)) {
    throw new RangeError(`lastEventAgeDs must be 0..${TOUCHPOINT_EVENT_AGE_MAX_DS} or null, got ${age}`);
  }
  if (!/^[0-9a-fA-F]{16}$/.test(f.id)) throw new RangeError(`id must be 8 bytes of hex, got ${JSON.stringify(f.id)}`);
  return TOUCHPOINT_EVENT_LAYOUT.encode({
    companyId: f.companyId,
    flags: f.idKind === 'eid' ? FLAG_ID_IS_EID : 0,
    eventCount: f.eventCount,
    lastEventAge: age ?? TOUCHPOINT_EVENT_AGE_NONE,
    id: f.id,
  });
}

/** Full advertising data: flags, then the manufacturer data. */
export function encodeTouchpointEvent(f: TouchpointEventInput, flags?: number): Uint8Array {
  return buildAdvertisingData([flagsStructure(flags), { type: AD_TYPE.manufacturerData, data: encodeTouchpointEventManufacturerData(f) }]);
}

/**
 * The 8-byte id in event frames of beacons without an identity key: SHA-256 of the beacon's
 * primary registry ID, truncated — so a gateway can name it from the site registry alone
 * (`touchpoint provision beacon` writes it into the config record).
 */
export function eventDeviceId(primaryBeaconId: string): string {
  return toHex(sha256(utf8ToBytes(`touchpoint-device:${primaryBeaconId}`)).subarray(0, 8));
}
