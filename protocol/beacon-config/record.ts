/**
 * The beacon provisioning record: what one Touchpoint beacon is (identity, frames, timing), as
 * the firmware reads it from a reserved flash page. Same layout as the C parser
 * hardware/beacon-firmware/core/bc_config.c (spec: hardware/beacon-firmware/README.md
 * "Config record"). Integers little-endian; identifiers in their over-the-air byte order.
 *
 *   0  4  magic "TPBC"     4  1  version 1     5  1  reserved 0
 *   6  2  length L: bytes from offset 0 to the end of the last field
 *   8  …  fields: tag u8, len u8, value[len] (unknown tags are skipped by readers)
 *   L  4  CRC-32 (crc32.ts) of bytes 0..L-1
 *
 * Encoders throw RangeError on bad values (a config is ours, not radio bytes); the decoder never
 * throws and reports the offset of the first problem.
 */
import { decodeIBeacon, encodeIBeaconManufacturerData } from '../ble/ibeacon.js';
import { decodeEddystone, encodeEddystoneServiceData } from '../ble/eddystone/frames.js';
import { concatBytes, hexToBytes, toHex } from '../bytes.js';
import { crc32 } from './crc32.js';
import { EVENT_TEST_COMPANY_ID } from './event-frame.js';

export const CONFIG_MAGIC = 'TPBC';
export const CONFIG_VERSION = 1;
export const CONFIG_HEADER_BYTES = 8;
/** One nRF52 flash page (nRF52832 PS v1.4, "NVMC — Non-volatile memory controller": 4 kB). */
export const CONFIG_MAX_BYTES = 4096;
export const MAX_SLOTS = 8;

/** The last flash page of each part: where target/nrf52832.ld keeps the record. */
export const CONFIG_ADDRESS = { nrf52832: 0x0007_f000, nrf52840: 0x000f_f000 } as const;
export type BeaconChip = keyof typeof CONFIG_ADDRESS;

/** nRF52832 RADIO TXPOWER steps (PS v1.4, "RADIO — 2.4 GHz radio", TXPOWER), dBm. */
export const TX_POWER_STEPS = [-40, -20, -16, -12, -8, -4, 0, 3, 4] as const;

export const TAG = {
  intervalMs: 0x01,
  txPower: 0x02,
  adFlags: 0x03,
  timeReference: 0x04,
  identityKey: 0x05,
  eidExponent: 0x06,
  deviceId: 0x07,
  event: 0x08,
  input: 0x09,
  slot: 0x10,
} as const;

export const SLOT_CODE = {
  ibeacon: 1,
  'eddystone-uid': 2,
  'eddystone-url': 3,
  'eddystone-tlm': 4,
  'eddystone-etlm': 5,
  'eddystone-eid': 6,
  event: 7,
} as const;
export type SlotType = keyof typeof SLOT_CODE;

export type BeaconSlot =
  | { type: 'ibeacon'; uuid: string; major: number; minor: number; measuredPower: number }
  | { type: 'eddystone-uid'; namespace: string; instance: string; txPower: number }
  | { type: 'eddystone-url'; url: string; txPower: number }
  | { type: 'eddystone-tlm' }
  | { type: 'eddystone-etlm' }
  | { type: 'eddystone-eid'; txPower: number }
  | { type: 'event' };

export interface EventSettings {
  /** Manufacturer-data company ID of event frames; 0xFFFF (test-only) by default. */
  companyId: number;
  /** Event frames sent right after a press, 0..10. */
  burst: number;
  /** Interval during the burst, ms. */
  fastIntervalMs: number;
}

export interface InputSettings {
  /** GPIO P0.pin, 0..31 */
  pin: number;
  activeLow: boolean;
  /** Internal pull towards the inactive level (up when active-low). */
  pull: boolean;
  debounceMs: number;
}

/** What a provisioning tool writes; optional fields take the firmware defaults. */
export interface BeaconConfigInput {
  /** Advertising interval, 20..10240 ms (notes §5.2). One slot goes out per interval. */
  intervalMs: number;
  txPowerDbm?: number;
  adFlags?: number;
  /** The beacon's 32-bit Eddystone seconds counter at first boot. */
  timeReference: number;
  /** EID identity key (also the eTLM key), 16 bytes hex. Required by EID and eTLM slots. */
  identityKey?: string | null;
  /** Rotation exponent K, 0..15. */
  eidExponent?: number;
  /** 8 bytes hex: the registry key, sent in event frames of beacons without an identity key. */
  deviceId: string;
  event?: Partial<EventSettings>;
  input?: InputSettings | null;
  slots: BeaconSlot[];
}

/** A config with every default filled in and every hex string lowercase: what decode returns. */
export interface BeaconConfig {
  intervalMs: number;
  txPowerDbm: number;
  adFlags: number;
  timeReference: number;
  identityKey: string | null;
  eidExponent: number;
  deviceId: string;
  event: EventSettings;
  input: InputSettings | null;
  slots: BeaconSlot[];
}

export type BeaconConfigResult = { ok: true; config: BeaconConfig; unknownFields: number } | { ok: false; reason: string; offset: number };

const DEFAULT_EVENT: EventSettings = { companyId: EVENT_TEST_COMPANY_ID, burst: 3, fastIntervalMs: 100 };

function int(name: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(`${name} must be an integer ${min}..${max}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function hex(name: string, v: unknown, bytes: number): string {
  if (typeof v !== 'string') throw new RangeError(`${name} must be ${bytes} bytes of hex`);
  try {
    return toHex(hexToBytes(v, bytes));
  } catch (e) {
    throw new RangeError(`${name}: ${(e as Error).message}`);
  }
}

/** The bytes after the slot type in a slot field; the firmware splices them into its frame. */
export function slotFieldBytes(slot: BeaconSlot): Uint8Array {
  switch (slot.type) {
    case 'ibeacon':
      // manufacturer data is 4C 00 02 15 ‖ the 21 bytes we keep
      return encodeIBeaconManufacturerData(slot).slice(4);
    case 'eddystone-uid':
      int('txPower', slot.txPower, -100, 20);
      // service data 00 ‖ tx ‖ ns ‖ inst ‖ RFU RFU: the firmware writes the type and RFU itself
      return encodeEddystoneServiceData(slot).slice(1, 18);
    case 'eddystone-url':
      int('txPower', slot.txPower, -128, 127);
      return encodeEddystoneServiceData(slot).slice(1);
    case 'eddystone-eid':
      return Uint8Array.of(int('txPower', slot.txPower, -128, 127) & 0xff);
    case 'eddystone-tlm':
    case 'eddystone-etlm':
    case 'event':
      return new Uint8Array(0);
    default:
      throw new RangeError(`unknown slot type ${JSON.stringify((slot as { type: unknown }).type)}`);
  }
}

/** Fills defaults, validates and canonicalises (lowercase hex, normalised URL). */
export function normalizeBeaconConfig(c: BeaconConfigInput): BeaconConfig {
  const txPowerDbm = c.txPowerDbm ?? 0;
  if (!(TX_POWER_STEPS as readonly number[]).includes(txPowerDbm)) {
    throw new RangeError(`txPowerDbm must be one of ${TX_POWER_STEPS.join(', ')}, got ${txPowerDbm}`);
  }
  const event = { ...DEFAULT_EVENT, ...(c.event ?? {}) };
  int('event.companyId', event.companyId, 0, 0xffff);
  int('event.burst', event.burst, 0, 10);
  int('event.fastIntervalMs', event.fastIntervalMs, 20, 10240);
  let input: InputSettings | null = null;
  if (c.input) {
    input = {
      pin: int('input.pin', c.input.pin, 0, 31),
      activeLow: Boolean(c.input.activeLow),
      pull: Boolean(c.input.pull),
      debounceMs: int('input.debounceMs', c.input.debounceMs, 0, 255),
    };
  }
  if (!Array.isArray(c.slots) || c.slots.length === 0 || c.slots.length > MAX_SLOTS) {
    throw new RangeError(`slots must list 1..${MAX_SLOTS} frames`);
  }
  const identityKey = c.identityKey == null ? null : hex('identityKey', c.identityKey, 16);
  const slots = c.slots.map((s) => canonicalSlot(s));
  if (identityKey === null && slots.some((s) => s.type === 'eddystone-eid' || s.type === 'eddystone-etlm')) {
    throw new RangeError('eddystone-eid and eddystone-etlm slots need an identityKey');
  }
  return {
    intervalMs: int('intervalMs', c.intervalMs, 20, 10240),
    txPowerDbm,
    adFlags: int('adFlags', c.adFlags ?? 0x06, 0, 0xff),
    timeReference: int('timeReference', c.timeReference, 0, 0xffffffff),
    identityKey,
    eidExponent: int('eidExponent', c.eidExponent ?? 0, 0, 15),
    deviceId: hex('deviceId', c.deviceId, 8),
    event,
    input,
    slots,
  };
}

/** Through the byte form and back, so every spelling becomes the one the decoder returns. */
function canonicalSlot(s: BeaconSlot): BeaconSlot {
  const r = decodeSlot(SLOT_CODE[s.type], slotFieldBytes(s));
  if (!r.ok) throw new RangeError(`slot ${s.type}: ${r.reason}`);
  return r.slot;
}

function u16le(v: number): Uint8Array {
  return Uint8Array.of(v & 0xff, v >>> 8);
}

function u32le(v: number): Uint8Array {
  return Uint8Array.of(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24);
}

/** The record bytes (header, fields, CRC). */
export function encodeBeaconConfig(input: BeaconConfigInput): Uint8Array {
  const c = normalizeBeaconConfig(input);
  const fields: [number, Uint8Array][] = [
    [TAG.intervalMs, u16le(c.intervalMs)],
    [TAG.txPower, Uint8Array.of(c.txPowerDbm & 0xff)],
    [TAG.adFlags, Uint8Array.of(c.adFlags)],
    [TAG.timeReference, u32le(c.timeReference)],
    [TAG.deviceId, hexToBytes(c.deviceId, 8)],
    [TAG.eidExponent, Uint8Array.of(c.eidExponent)],
    [TAG.event, concatBytes(u16le(c.event.companyId), Uint8Array.of(c.event.burst), u16le(c.event.fastIntervalMs))],
  ];
  if (c.identityKey !== null) fields.push([TAG.identityKey, hexToBytes(c.identityKey, 16)]);
  if (c.input) {
    const flags = (c.input.activeLow ? 0x01 : 0) | (c.input.pull ? 0x02 : 0);
    fields.push([TAG.input, Uint8Array.of(c.input.pin, flags, c.input.debounceMs)]);
  }
  for (const s of c.slots) fields.push([TAG.slot, concatBytes(Uint8Array.of(SLOT_CODE[s.type]), slotFieldBytes(s))]);

  const body = concatBytes(...fields.map(([tag, v]) => concatBytes(Uint8Array.of(tag, v.length), v)));
  const length = CONFIG_HEADER_BYTES + body.length;
  const out = new Uint8Array(length + 4);
  out.set(new TextEncoder().encode(CONFIG_MAGIC), 0);
  out[4] = CONFIG_VERSION;
  out.set(u16le(length), 6);
  out.set(body, CONFIG_HEADER_BYTES);
  out.set(u32le(crc32(out, 0, length)), length);
  return out;
}

type SlotResult = { ok: true; slot: BeaconSlot } | { ok: false; reason: string };

function decodeSlot(code: number, d: Uint8Array): SlotResult {
  const size = (n: number): SlotResult => ({ ok: false, reason: `slot type ${code} carries ${d.length} bytes, expected ${n}` });
  switch (code) {
    case SLOT_CODE.ibeacon: {
      if (d.length !== 21) return size(21);
      const b = decodeIBeacon(concatBytes(Uint8Array.of(0x4c, 0x00, 0x02, 0x15), d));
      if (!b || b.measuredPower === null) return { ok: false, reason: 'iBeacon measured power must be negative dBm' };
      return { ok: true, slot: { type: 'ibeacon', uuid: b.uuid, major: b.major, minor: b.minor, measuredPower: b.measuredPower } };
    }
    case SLOT_CODE['eddystone-uid']: {
      if (d.length !== 17) return size(17);
      const r = decodeEddystone(concatBytes(Uint8Array.of(0x00), d, Uint8Array.of(0, 0)));
      if (!r.ok || r.frame.type !== 'eddystone-uid') return { ok: false, reason: r.ok ? 'not a UID' : r.reason };
      return { ok: true, slot: { type: 'eddystone-uid', namespace: r.frame.namespace, instance: r.frame.instance, txPower: r.frame.txPower } };
    }
    case SLOT_CODE['eddystone-url']: {
      if (d.length < 3 || d.length > 19) return { ok: false, reason: `URL slot carries ${d.length} bytes, expected 3..19` };
      const r = decodeEddystone(concatBytes(Uint8Array.of(0x10), d));
      if (!r.ok || r.frame.type !== 'eddystone-url') return { ok: false, reason: r.ok ? 'not a URL' : r.reason };
      return { ok: true, slot: { type: 'eddystone-url', url: r.frame.url, txPower: r.frame.txPower } };
    }
    case SLOT_CODE['eddystone-eid']:
      if (d.length !== 1) return size(1);
      return { ok: true, slot: { type: 'eddystone-eid', txPower: (d[0]! << 24) >> 24 } };
    case SLOT_CODE['eddystone-tlm']:
      return d.length === 0 ? { ok: true, slot: { type: 'eddystone-tlm' } } : size(0);
    case SLOT_CODE['eddystone-etlm']:
      return d.length === 0 ? { ok: true, slot: { type: 'eddystone-etlm' } } : size(0);
    case SLOT_CODE.event:
      return d.length === 0 ? { ok: true, slot: { type: 'event' } } : size(0);
    default:
      return { ok: false, reason: `unknown slot type ${code}` };
  }
}

const FIELD_SIZE: Record<number, number> = {
  [TAG.intervalMs]: 2,
  [TAG.txPower]: 1,
  [TAG.adFlags]: 1,
  [TAG.timeReference]: 4,
  [TAG.identityKey]: 16,
  [TAG.eidExponent]: 1,
  [TAG.deviceId]: 8,
  [TAG.event]: 5,
  [TAG.input]: 3,
};

/**
 * Reads a record from the start of `bytes` (a whole flash page is fine: what follows the CRC is
 * ignored). Accepts exactly what the firmware parser accepts.
 */
export function decodeBeaconConfig(bytes: Uint8Array): BeaconConfigResult {
  const fail = (reason: string, offset: number): BeaconConfigResult => ({ ok: false, reason, offset });
  if (bytes.length < CONFIG_HEADER_BYTES) return fail('truncated header', bytes.length);
  if (String.fromCharCode(bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!) !== CONFIG_MAGIC) return fail('bad magic (erased page?)', 0);
  if (bytes[4] !== CONFIG_VERSION) return fail(`unsupported version ${bytes[4]}`, 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint16(6, true);
  if (length < CONFIG_HEADER_BYTES || length + 4 > CONFIG_MAX_BYTES) return fail(`bad length ${length}`, 6);
  if (length + 4 > bytes.length) return fail('truncated record', bytes.length);
  if (crc32(bytes, 0, length) !== view.getUint32(length, true)) return fail('CRC mismatch', length);

  let intervalMs: number | undefined;
  let txPowerDbm = 0;
  let adFlags = 0x06;
  let timeReference = 0;
  let identityKey: string | null = null;
  let eidExponent: number | undefined;
  let deviceId = '0000000000000000';
  let event = { ...DEFAULT_EVENT };
  let input: InputSettings | null = null;
  const slots: BeaconSlot[] = [];
  let unknownFields = 0;

  for (let off = CONFIG_HEADER_BYTES; off < length; ) {
    if (length - off < 2) return fail('field header overruns the record', off);
    const tag = bytes[off]!;
    const n = bytes[off + 1]!;
    if (n > length - off - 2) return fail('field overruns the record', off);
    const v = bytes.subarray(off + 2, off + 2 + n);
    const vv = new DataView(v.buffer, v.byteOffset, v.byteLength);
    const want = FIELD_SIZE[tag];
    if (want !== undefined && n !== want) return fail(`field 0x${tag.toString(16)} has ${n} bytes, expected ${want}`, off);
    switch (tag) {
      case TAG.intervalMs:
        intervalMs = vv.getUint16(0, true);
        if (intervalMs < 20 || intervalMs > 10240) return fail(`interval ${intervalMs} ms outside 20..10240`, off + 2);
        break;
      case TAG.txPower:
        txPowerDbm = vv.getInt8(0);
        if (!(TX_POWER_STEPS as readonly number[]).includes(txPowerDbm)) return fail(`TX power ${txPowerDbm} dBm is not a TXPOWER step`, off + 2);
        break;
      case TAG.adFlags:
        adFlags = v[0]!;
        break;
      case TAG.timeReference:
        timeReference = vv.getUint32(0, true);
        break;
      case TAG.identityKey:
        identityKey = toHex(v);
        break;
      case TAG.eidExponent:
        eidExponent = v[0]!;
        if (eidExponent > 15) return fail(`rotation exponent ${eidExponent} > 15`, off + 2);
        break;
      case TAG.deviceId:
        deviceId = toHex(v);
        break;
      case TAG.event:
        event = { companyId: vv.getUint16(0, true), burst: v[2]!, fastIntervalMs: vv.getUint16(3, true) };
        if (event.burst > 10 || event.fastIntervalMs < 20 || event.fastIntervalMs > 10240) return fail('event settings out of range', off + 2);
        break;
      case TAG.input: {
        const pin = v[0]!;
        const flags = v[1]!;
        if (pin > 31 && pin !== 0xff) return fail(`input pin ${pin} > 31`, off + 2);
        if (flags & ~0x03) return fail(`reserved input flag bits 0x${flags.toString(16)}`, off + 3);
        input = pin === 0xff ? null : { pin, activeLow: (flags & 1) !== 0, pull: (flags & 2) !== 0, debounceMs: v[2]! };
        break;
      }
      case TAG.slot: {
        if (n < 1 || n - 1 > 21) return fail(`slot field of ${n} bytes`, off);
        if (slots.length >= MAX_SLOTS) return fail(`more than ${MAX_SLOTS} slots`, off);
        const r = decodeSlot(v[0]!, v.subarray(1));
        if (!r.ok) return fail(r.reason, off + 2);
        slots.push(r.slot);
        break;
      }
      default:
        unknownFields++;
    }
    off += 2 + n;
  }
  if (intervalMs === undefined) return fail('no interval field', length);
  if (slots.length === 0) return fail('no slot', length);
  if (slots.some((s) => s.type === 'eddystone-eid' || s.type === 'eddystone-etlm') && (identityKey === null || eidExponent === undefined)) {
    return fail('EID/eTLM slot without identity key and rotation exponent', length);
  }
  return {
    ok: true,
    unknownFields,
    config: { intervalMs, txPowerDbm, adFlags, timeReference, identityKey, eidExponent: eidExponent ?? 0, deviceId, event, input, slots },
  };
}
