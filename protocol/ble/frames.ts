/**
 * One entry point from raw advertising data (or from the manufacturer/service data a BLE stack
 * already split out, as noble does) to every beacon frame it carries.
 */
import { type AdError, type AdvertisingData, parseAdvertisingData } from './ad.js';
import { type AltBeacon, decodeAltBeacon, encodeAltBeacon } from './altbeacon.js';
import { type IBeacon, type IBeaconInput, decodeIBeacon, encodeIBeacon } from './ibeacon.js';
import { EDDYSTONE_UUID, type EddystoneFrame, decodeEddystone, encodeEddystone } from './eddystone/frames.js';
import { type TouchpointEventFrame, decodeTouchpointEvent, encodeTouchpointEvent, isTouchpointEventData } from './touchpoint-event.js';

export type BeaconFrame = IBeacon | AltBeacon | EddystoneFrame | TouchpointEventFrame;
export type BeaconFrameType = BeaconFrame['type'];

export const BEACON_FRAME_TYPES: readonly BeaconFrameType[] = [
  'ibeacon', 'altbeacon', 'eddystone-uid', 'eddystone-url', 'eddystone-tlm', 'eddystone-etlm', 'eddystone-eid', 'touchpoint-event',
];

/** A frame that claimed a known format but failed its checks: counted, never thrown. */
export interface FrameError {
  format: 'eddystone';
  reason: string;
  offset: number;
}

export interface DecodedAdvertisement {
  frames: BeaconFrame[];
  /** Structural errors in the AD bytes and malformed Eddystone frames. */
  errors: (AdError | FrameError)[];
  ad: AdvertisingData;
}

/**
 * iBeacon, AltBeacon and the Touchpoint event frame by their fixed prefix; anything else is some
 * vendor's data, not an error. A "TP" frame that fails its checks (another version, another
 * length) is treated the same way: the magic is only two bytes, so it may well be someone else's.
 */
export function decodeManufacturerData(data: Uint8Array): IBeacon | AltBeacon | TouchpointEventFrame | null {
  if (data.length >= 4 && data[0] === 0x4c && data[1] === 0x00 && data[2] === 0x02) return decodeIBeacon(data);
  if (data.length >= 4 && data[2] === 0xbe && data[3] === 0xac) return decodeAltBeacon(data);
  if (isTouchpointEventData(data)) {
    const r = decodeTouchpointEvent(data);
    return r.ok ? r.frame : null;
  }
  return null;
}

export function decodeAdvertisement(bytes: Uint8Array): DecodedAdvertisement {
  const ad = parseAdvertisingData(bytes);
  const frames: BeaconFrame[] = [];
  const errors: (AdError | FrameError)[] = [...ad.errors];
  for (const m of ad.manufacturerData) {
    const f = decodeManufacturerData(m.data);
    if (f) frames.push(f);
  }
  for (const s of ad.serviceData) {
    if (s.uuid !== EDDYSTONE_UUID) continue;
    const r = decodeEddystone(s.data);
    if (r.ok) frames.push(r.frame);
    else errors.push({ format: 'eddystone', reason: r.reason, offset: r.offset });
  }
  return { frames, errors, ad };
}

export type BeaconFrameInput = Exclude<BeaconFrame, IBeacon> | ({ type: 'ibeacon' } & IBeaconInput);

/** Full advertising data (flags included, ≤ 31 bytes) for one frame. */
export function encodeFrame(frame: BeaconFrameInput, flags?: number): Uint8Array {
  switch (frame.type) {
    case 'ibeacon':
      return encodeIBeacon(frame, flags);
    case 'altbeacon':
      return encodeAltBeacon(frame, flags);
    case 'touchpoint-event':
      return encodeTouchpointEvent(frame, flags);
    default:
      return encodeEddystone(frame, flags);
  }
}
