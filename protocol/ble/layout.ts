/**
 * Frame layouts as data: a beacon format is a table of fields, and one generic decode/encode pair
 * walks it. Formats then differ only in their table and a small mapping of special values
 * (e.g. "0x8000 means not supported"), which keeps each codec reviewable against its spec table.
 */
import { bytesToUuid, hexToBytes, toHex, uuidToBytes } from './bytes.js';

type IntKind = 'u8' | 'i8' | 'u16be' | 'u16le' | 'i16be' | 'u32be';

export type FieldSpec =
  | { readonly name: string; readonly kind: IntKind; readonly const?: number; readonly default?: number }
  | { readonly name: string; readonly kind: 'hex'; readonly length: number; readonly default?: string }
  | { readonly name: string; readonly kind: 'uuid' }
  /** Everything left; only as the last field. `min`/`max` bound its length. */
  | { readonly name: string; readonly kind: 'rest'; readonly min: number; readonly max: number };

type FieldValue<F> = F extends { kind: IntKind }
  ? number
  : F extends { kind: 'hex' | 'uuid' }
    ? string
    : F extends { kind: 'rest' }
      ? Uint8Array
      : never;

/** The decoded value of a layout: every field that is not a constant, by name. */
export type LayoutValue<Fs extends readonly FieldSpec[]> = {
  [F in Fs[number] as F extends { const: number } ? never : F['name']]: FieldValue<F>;
};

export type LayoutError = { ok: false; reason: string; field: string; offset: number };
export type LayoutResult<T> = { ok: true; value: T; length: number } | LayoutError;

const INT_SIZE: Record<IntKind, number> = { u8: 1, i8: 1, u16be: 2, u16le: 2, i16be: 2, u32be: 4 };
const INT_RANGE: Record<IntKind, [number, number]> = {
  u8: [0, 0xff],
  i8: [-128, 127],
  u16be: [0, 0xffff],
  u16le: [0, 0xffff],
  i16be: [-32768, 32767],
  u32be: [0, 0xffffffff],
};

function fieldSize(f: FieldSpec): number {
  switch (f.kind) {
    case 'hex':
      return f.length;
    case 'uuid':
      return 16;
    case 'rest':
      return f.min;
    default:
      return INT_SIZE[f.kind];
  }
}

function readInt(kind: IntKind, b: Uint8Array, o: number): number {
  switch (kind) {
    case 'u8':
      return b[o]!;
    case 'i8':
      return (b[o]! << 24) >> 24;
    case 'u16be':
      return (b[o]! << 8) | b[o + 1]!;
    case 'u16le':
      return b[o]! | (b[o + 1]! << 8);
    case 'i16be':
      return (((b[o]! << 8) | b[o + 1]!) << 16) >> 16;
    case 'u32be':
      return ((b[o]! << 24) >>> 0) + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!);
  }
}

function writeInt(kind: IntKind, b: Uint8Array, o: number, v: number): void {
  switch (kind) {
    case 'u8':
    case 'i8':
      b[o] = v & 0xff;
      return;
    case 'u16be':
    case 'i16be':
      b[o] = (v >> 8) & 0xff;
      b[o + 1] = v & 0xff;
      return;
    case 'u16le':
      b[o] = v & 0xff;
      b[o + 1] = (v >> 8) & 0xff;
      return;
    case 'u32be':
      b[o] = (v >>> 24) & 0xff;
      b[o + 1] = (v >>> 16) & 0xff;
      b[o + 2] = (v >>> 8) & 0xff;
      b[o + 3] = v & 0xff;
  }
}

export interface Layout<Fs extends readonly FieldSpec[]> {
  readonly fields: Fs;
  /** Bytes needed before the first field with a default (the trailing optional part). */
  readonly minLength: number;
  readonly maxLength: number;
  decode(bytes: Uint8Array, offset?: number, end?: number): LayoutResult<LayoutValue<Fs>>;
  encode(value: LayoutValue<Fs>): Uint8Array;
}

export function defineLayout<const Fs extends readonly FieldSpec[]>(fields: Fs): Layout<Fs> {
  let minLength = 0;
  let maxLength = 0;
  let optionalSeen = false;
  fields.forEach((f, i) => {
    const hasDefault = 'default' in f && f.default !== undefined;
    if (f.kind === 'rest' && i !== fields.length - 1) throw new Error(`rest field ${f.name} must be last`);
    if (optionalSeen && !hasDefault && f.kind !== 'rest') throw new Error(`field ${f.name} follows an optional field`);
    optionalSeen ||= hasDefault;
    if (!optionalSeen) minLength += fieldSize(f);
    maxLength += f.kind === 'rest' ? f.max : fieldSize(f);
  });

  function decode(bytes: Uint8Array, offset = 0, end = bytes.length): LayoutResult<LayoutValue<Fs>> {
    const out: Record<string, unknown> = {};
    let o = offset;
    for (const f of fields) {
      if (f.kind === 'rest') {
        const n = end - o;
        if (n < f.min || n > f.max) {
          return { ok: false, reason: `${f.name} must be ${f.min}..${f.max} bytes, got ${n}`, field: f.name, offset: o };
        }
        out[f.name] = bytes.subarray(o, end);
        o = end;
        continue;
      }
      const size = fieldSize(f);
      if (o + size > end) {
        if ('default' in f && f.default !== undefined) {
          out[f.name] = f.default;
          continue;
        }
        return { ok: false, reason: `truncated: ${f.name} needs ${size} bytes, ${Math.max(0, end - o)} left`, field: f.name, offset: o };
      }
      if (f.kind === 'hex') out[f.name] = toHex(bytes, o, o + size);
      else if (f.kind === 'uuid') out[f.name] = bytesToUuid(bytes, o);
      else {
        const v = readInt(f.kind, bytes, o);
        if (f.const !== undefined) {
          if (v !== f.const) {
            return { ok: false, reason: `${f.name} is 0x${v.toString(16)}, expected 0x${f.const.toString(16)}`, field: f.name, offset: o };
          }
        } else out[f.name] = v;
      }
      o += size;
    }
    return { ok: true, value: out as LayoutValue<Fs>, length: o - offset };
  }

  function encode(value: LayoutValue<Fs>): Uint8Array {
    const v = value as Record<string, unknown>;
    const restField = fields.find((f) => f.kind === 'rest');
    const rest = restField ? (v[restField.name] as Uint8Array | undefined) : undefined;
    if (restField && restField.kind === 'rest') {
      if (!(rest instanceof Uint8Array) || rest.length < restField.min || rest.length > restField.max) {
        throw new RangeError(`${restField.name} must be ${restField.min}..${restField.max} bytes`);
      }
    }
    const size = fields.reduce((n, f) => n + (f.kind === 'rest' ? rest!.length : fieldSize(f)), 0);
    const out = new Uint8Array(size);
    let o = 0;
    for (const f of fields) {
      const x = v[f.name];
      if (f.kind === 'rest') {
        out.set(rest!, o);
        o += rest!.length;
        continue;
      }
      if (f.kind === 'hex') out.set(hexToBytes(String(x ?? f.default ?? ''), f.length), o);
      else if (f.kind === 'uuid') out.set(uuidToBytes(String(x)), o);
      else {
        const n = f.const ?? (x as number | undefined) ?? f.default;
        const [lo, hi] = INT_RANGE[f.kind];
        if (typeof n !== 'number' || !Number.isInteger(n) || n < lo || n > hi) {
          throw new RangeError(`${f.name} must be an integer in ${lo}..${hi}, got ${String(n)}`);
        }
        writeInt(f.kind, out, o, n);
      }
      o += fieldSize(f);
    }
    return out;
  }

  return { fields, minLength, maxLength, decode, encode };
}
