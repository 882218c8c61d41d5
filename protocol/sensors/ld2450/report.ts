/**
 * HLK-LD2450 report frame (notes §3.5; ESPHome ld2450.cpp `handle_periodic_data_`), fixed 30 bytes:
 *
 *   AA FF 03 00 | 3 × (x, y, speed, resolution: u16 LE) | 55 CC
 *
 * x, y and speed are sign-magnitude, not two's complement: bit 15 set = positive, value = raw & 0x7FFF;
 * bit 15 clear = negative, value = −(raw & 0x7FFF) (ESPHome `decode_coordinate` / `decode_speed`).
 * Units: x, y in mm, speed in cm/s, resolution (distance gate size) in mm, unsigned. An empty slot is all zero.
 */
import { ByteWriter, concatBytes, startsWith, u16le } from '../bytes.js';
import { type Decoded, fail, ok } from '../codec.js';
import type { FrameFamily } from '../ld24xx/scanner.js';

export const LD2450_REPORT_HEADER = Uint8Array.of(0xaa, 0xff, 0x03, 0x00);
export const LD2450_REPORT_FOOTER = Uint8Array.of(0x55, 0xcc);
export const LD2450_REPORT_LENGTH = 30;
export const LD2450_TARGET_SLOTS = 3;
const SLOT_SIZE = 8;

/** Wire values of one slot (u16 each, sign-magnitude for x, y, speed). */
export interface Ld2450RawSlot {
  x: number;
  y: number;
  speed: number;
  resolution: number;
}
export type Ld2450Slots = readonly [Ld2450RawSlot, Ld2450RawSlot, Ld2450RawSlot];
export interface Ld2450ReportFields {
  slots: Ld2450Slots;
}

export interface Ld2450Target {
  xMm: number;
  yMm: number;
  /** Negative = approaching (ESPHome direction text sensor). ESPHome multiplies by 10 for mm/s. */
  speedCmPerS: number;
  resolutionMm: number;
}

export interface Ld2450Report {
  kind: 'report';
  /** One entry per slot; null for an empty (all-zero) slot. */
  targets: [Ld2450Target | null, Ld2450Target | null, Ld2450Target | null];
  targetCount: number;
  raw: Ld2450ReportFields;
}

export function decodeSignMagnitude(raw: number): number {
  const magnitude = raw & 0x7fff;
  // avoid −0: raw 0x0000 ("negative zero") is plain 0
  return raw & 0x8000 ? magnitude : magnitude === 0 ? 0 : -magnitude;
}

/** Positive values (and zero) get bit 15 set, as the module sends them. */
export function encodeSignMagnitude(value: number): number {
  if (!Number.isInteger(value) || value < -0x7fff || value > 0x7fff) throw new RangeError(`sign-magnitude value out of range: ${value}`);
  return value >= 0 ? 0x8000 | value : -value;
}

function targetOf(s: Ld2450RawSlot): Ld2450Target | null {
  if (s.x === 0 && s.y === 0 && s.speed === 0 && s.resolution === 0) return null;
  return { xMm: decodeSignMagnitude(s.x), yMm: decodeSignMagnitude(s.y), speedCmPerS: decodeSignMagnitude(s.speed), resolutionMm: s.resolution };
}

/** Wire values for a target (or an empty slot), for emulators that think in millimetres. */
export function ld2450SlotFor(target: Ld2450Target | null): Ld2450RawSlot {
  if (target === null) return { x: 0, y: 0, speed: 0, resolution: 0 };
  return {
    x: encodeSignMagnitude(target.xMm),
    y: encodeSignMagnitude(target.yMm),
    speed: encodeSignMagnitude(target.speedCmPerS),
    resolution: target.resolutionMm,
  };
}

export function presentLd2450Report(fields: Ld2450ReportFields): Ld2450Report {
  const [a, b, c] = fields.slots;
  const targets: Ld2450Report['targets'] = [targetOf(a), targetOf(b), targetOf(c)];
  return { kind: 'report', targets, targetCount: targets.filter((t) => t !== null).length, raw: fields };
}

export function encodeLd2450Report(fields: Ld2450ReportFields): Uint8Array {
  const w = new ByteWriter();
  for (const s of fields.slots) w.u16(s.x, 'x').u16(s.y, 'y').u16(s.speed, 'speed').u16(s.resolution, 'resolution');
  return concatBytes(LD2450_REPORT_HEADER, w.finish(), LD2450_REPORT_FOOTER);
}

export function decodeLd2450ReportAt(buf: Uint8Array, start: number, length: number): Decoded<Ld2450Report> {
  if (length !== LD2450_REPORT_LENGTH || start + length > buf.length) return fail('LD2450 report must be 30 bytes', start);
  if (!startsWith(buf, start, LD2450_REPORT_HEADER)) return fail('bad report header', start);
  if (!startsWith(buf, start + length - 2, LD2450_REPORT_FOOTER)) return fail('bad report footer 55 CC', start + length - 2);
  const slot = (i: number): Ld2450RawSlot => {
    const o = start + 4 + i * SLOT_SIZE;
    return { x: u16le(buf, o), y: u16le(buf, o + 2), speed: u16le(buf, o + 4), resolution: u16le(buf, o + 6) };
  };
  return ok(presentLd2450Report({ slots: [slot(0), slot(1), slot(2)] }));
}

export function decodeLd2450Report(bytes: Uint8Array): Decoded<Ld2450Report> {
  if (bytes.length !== LD2450_REPORT_LENGTH) return fail(`LD2450 report must be 30 bytes, got ${bytes.length}`, 0);
  return decodeLd2450ReportAt(bytes, 0, bytes.length);
}

export const ld2450ReportFamily: FrameFamily<Ld2450Report> = {
  header: LD2450_REPORT_HEADER,
  frameLength: (_buf, start, end) => (end - start < 4 ? 0 : LD2450_REPORT_LENGTH),
  decode: decodeLd2450ReportAt,
};
