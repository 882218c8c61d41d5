/**
 * Building RadioAdvertisement, the one shape every scanner emits (gateway/core/types.ts), from
 * what a radio hands us: raw AD bytes (simulated radio) or a noble peripheral (hardware).
 * Everything is copied: noble reuses its peripheral and advertisement objects and its Buffers are
 * views into the HCI event buffer; the simulated radio's datagram buffer is reused too.
 */
import { parseAdvertisingData } from '../../protocol/ble/ad.js';
import { bytesToUuid, toHex } from '../../protocol/ble/bytes.js';
import { type BeaconFrame, type FrameError, decodeManufacturerData } from '../../protocol/ble/frames.js';
import { EDDYSTONE_UUID, decodeEddystone } from '../../protocol/ble/eddystone/frames.js';
import type { RadioAdvertisement, Stamp } from '../core/types.js';

export type AddressType = RadioAdvertisement['addressType'];

/** The parts of noble's Peripheral we read (lib/peripheral.js; lib/hci-socket/gap.js parseServices). */
export interface NoblePeripheralLike {
  id?: string;
  address?: string;
  addressType?: string;
  rssi?: number;
  advertisement?: {
    localName?: string;
    txPowerLevel?: number;
    manufacturerData?: Uint8Array;
    serviceData?: { uuid: string; data: Uint8Array }[];
  };
}

export function normalizeAddressType(t: unknown): AddressType {
  return t === 'public' || t === 'random' ? t : 'unknown';
}

/** "AABBCCDDEEFF" / "aa-bb-…" / "aa:bb:…" → "aa:bb:cc:dd:ee:ff"; null when it is not 6 bytes of hex. */
export function normalizeAddress(a: string): string | null {
  const hex = a.replace(/[:-]/g, '').toLowerCase();
  if (!/^[0-9a-f]{12}$/.test(hex)) return null;
  return hex.match(/../g)!.join(':');
}

/**
 * noble names 128-bit service-data UUIDs as 32 undashed hex digits (gap.js parseServices);
 * protocol/ble's AD parser uses the canonical dashed form. 16- and 32-bit ones already agree
 * ("feaa").
 */
function normalizeServiceUuid(uuid: string): string {
  const u = uuid.toLowerCase();
  if (/^[0-9a-f]{32}$/.test(u)) return bytesToUuid(Uint8Array.from(u.match(/../g)!, (h) => parseInt(h, 16)));
  return u;
}

/** Raw advertising data (+ scan response, if the radio delivers it separately) → RadioAdvertisement. */
export function advertisementFromAd(
  address: string,
  addressType: AddressType,
  rssi: number,
  ad: Uint8Array,
  at: Stamp,
): RadioAdvertisement {
  const p = parseAdvertisingData(ad);
  const adv: RadioAdvertisement = {
    address,
    addressType,
    rssi,
    // slice(): the parser hands out subarrays of `ad`
    manufacturerData: p.manufacturerData.map((m) => m.data.slice()),
    serviceData: p.serviceData.map((s) => ({ uuid: s.uuid, data: s.data.slice() })),
    at,
  };
  if (p.localName !== undefined) adv.localName = p.localName;
  if (p.txPowerLevel !== undefined) adv.txPowerLevel = p.txPowerLevel;
  return adv;
}

/**
 * Copies a noble peripheral into a RadioAdvertisement. `new Uint8Array(buffer)` copies the bytes
 * into fresh memory (a Buffer from noble is a view into the HCI packet). Returns null when the
 * peripheral has no usable address.
 */
export function advertisementFromNoble(p: NoblePeripheralLike, at: Stamp): RadioAdvertisement | null {
  const address = normalizeAddress(p.address && p.address !== 'unknown' ? p.address : p.id ?? '');
  if (address === null) return null;
  const a = p.advertisement ?? {};
  const adv: RadioAdvertisement = {
    address,
    addressType: normalizeAddressType(p.addressType),
    rssi: typeof p.rssi === 'number' ? p.rssi : 0,
    manufacturerData: a.manufacturerData && a.manufacturerData.length > 0 ? [new Uint8Array(a.manufacturerData)] : [],
    serviceData: (a.serviceData ?? []).map((s) => ({ uuid: normalizeServiceUuid(s.uuid), data: new Uint8Array(s.data) })),
    at,
  };
  if (typeof a.localName === 'string') adv.localName = a.localName;
  if (typeof a.txPowerLevel === 'number') adv.txPowerLevel = a.txPowerLevel;
  return adv;
}

/** Address + every payload byte: what "the same advertisement again" means to the deduper. */
export function dedupeKey(adv: RadioAdvertisement): string {
  let k = adv.address;
  for (const m of adv.manufacturerData) k += '|m' + toHex(m);
  for (const s of adv.serviceData) k += '|s' + s.uuid + ':' + toHex(s.data);
  if (adv.localName !== undefined) k += '|n' + adv.localName;
  return k;
}

export interface DecodedRadioAdvertisement {
  frames: BeaconFrame[];
  errors: FrameError[];
}

/** The beacon frames a RadioAdvertisement carries, decoded by protocol/ble (never throws). */
export function decodeRadioAdvertisement(adv: RadioAdvertisement): DecodedRadioAdvertisement {
  const frames: BeaconFrame[] = [];
  const errors: FrameError[] = [];
  for (const m of adv.manufacturerData) {
    const f = decodeManufacturerData(m);
    if (f) frames.push(f);
  }
  for (const s of adv.serviceData) {
    if (s.uuid !== EDDYSTONE_UUID) continue;
    const r = decodeEddystone(s.data);
    if (r.ok) frames.push(r.frame);
    else errors.push({ format: 'eddystone', reason: r.reason, offset: r.offset });
  }
  return { frames, errors };
}
