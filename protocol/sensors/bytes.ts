/**
 * Byte helpers for the sensor codecs. Every LD24xx serial field is little-endian (notes §3 "General
 * conventions"), so only LE readers/writers live here. Readers assume the caller checked bounds first:
 * decoders validate lengths before they read, which keeps the hot path of the stream parser cheap.
 */

export { type HexResult, concatBytes, formatHex, parseHex, toHex } from '../bytes.js';

/** For vectors and configuration written by us: a typo is a programming error, so this throws. */
export { hexToBytes as hex } from '../bytes.js';

export function u16le(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8);
}

export function u32le(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16)) + b[o + 3]! * 0x1000000;
}

/** Two's complement int16, as the LD2450 zone coordinates are sent (ESPHome `hex_to_signed_int`). */
export function i16le(b: Uint8Array, o: number): number {
  const v = u16le(b, o);
  return v >= 0x8000 ? v - 0x10000 : v;
}

export function startsWith(b: Uint8Array, o: number, prefix: Uint8Array): boolean {
  if (o + prefix.length > b.length) return false;
  for (let i = 0; i < prefix.length; i++) if (b[o + i] !== prefix[i]) return false;
  return true;
}

function checkInt(name: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`${name} must be an integer in ${min}..${max}, got ${v}`);
}

/** Little-endian writer for encoders. Encoders take typed values from our own code, so a bad value throws. */
export class ByteWriter {
  private readonly parts: number[] = [];

  u8(v: number, name = 'u8'): this {
    checkInt(name, v, 0, 0xff);
    this.parts.push(v);
    return this;
  }

  u16(v: number, name = 'u16'): this {
    checkInt(name, v, 0, 0xffff);
    this.parts.push(v & 0xff, v >>> 8);
    return this;
  }

  u32(v: number, name = 'u32'): this {
    checkInt(name, v, 0, 0xffffffff);
    this.parts.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24);
    return this;
  }

  i16(v: number, name = 'i16'): this {
    checkInt(name, v, -0x8000, 0x7fff);
    return this.u16(v & 0xffff, name);
  }

  bytes(b: ArrayLike<number>): this {
    for (let i = 0; i < b.length; i++) this.u8(b[i]!, 'byte');
    return this;
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}
