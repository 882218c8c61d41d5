/**
 * The two building blocks every sensor codec here is made of: a typed result (decoders never throw on
 * untrusted bytes) and a field table that yields one encode/decode pair for a fixed little-endian layout.
 */
import { ByteWriter, i16le, u16le, u32le } from './bytes.js';

export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: string; offset: number };

export function ok<T>(value: T): Decoded<T> {
  return { ok: true, value };
}

export function fail<T = never>(reason: string, offset = 0): Decoded<T> {
  return { ok: false, reason, offset };
}

/** A payload codec: bytes ⇄ typed value. */
export interface Codec<T> {
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): Decoded<T>;
}

export type FieldKind = 'u8' | 'u16' | 'u32' | 'i16';
const FIELD_SIZE: Record<FieldKind, number> = { u8: 1, u16: 2, u32: 4, i16: 2 };

/** [name, wire type, optional range check applied when decoding]. */
export type FieldSpec = readonly [name: string, kind: FieldKind, valid?: (v: number) => boolean];
export type StructOf<F extends readonly FieldSpec[]> = { [K in F[number] as K[0]]: number };

/** A fixed layout of little-endian integers; the decoder insists on the exact length. */
export function struct<const F extends readonly FieldSpec[]>(fields: F): Codec<StructOf<F>> & { size: number } {
  const size = fields.reduce((n, [, kind]) => n + FIELD_SIZE[kind], 0);
  return {
    size,
    encode(value) {
      const w = new ByteWriter();
      const v = value as Record<string, number>;
      for (const [name, kind] of fields) w[kind](v[name]!, name);
      return w.finish();
    },
    decode(bytes) {
      if (bytes.length !== size) return fail(`expected ${size} bytes, got ${bytes.length}`, 0);
      const out: Record<string, number> = {};
      let o = 0;
      for (const [name, kind, valid] of fields) {
        const v = kind === 'u8' ? bytes[o]! : kind === 'u16' ? u16le(bytes, o) : kind === 'u32' ? u32le(bytes, o) : i16le(bytes, o);
        if (valid && !valid(v)) return fail(`${name} out of range: ${v}`, o);
        out[name] = v;
        o += FIELD_SIZE[kind];
      }
      return ok(out as StructOf<F>);
    },
  };
}

/**
 * The LD2410 "parameter word + u32 value" list used by commands 0x0060 and 0x0064:
 * `00 00 <u32> 01 00 <u32> 02 00 <u32>` (notes §3.3; datasheet §2.2.3 and §2.2.7).
 */
export function paramList<const N extends readonly string[]>(names: N): Codec<{ [K in N[number]]: number }> {
  const size = names.length * 6;
  return {
    encode(value) {
      const w = new ByteWriter();
      const v = value as Record<string, number>;
      names.forEach((name, i) => w.u16(i).u32(v[name]!, name));
      return w.finish();
    },
    decode(bytes) {
      if (bytes.length !== size) return fail(`expected ${size} bytes, got ${bytes.length}`, 0);
      const out: Record<string, number> = {};
      for (let i = 0; i < names.length; i++) {
        if (u16le(bytes, i * 6) !== i) return fail(`parameter word ${i} expected`, i * 6);
        out[names[i]!] = u32le(bytes, i * 6 + 2);
      }
      return ok(out as { [K in N[number]]: number });
    },
  };
}

/** A u16 on the wire that stands for one of a few named values. */
export function u16Enum<const T extends string | number | boolean>(table: readonly (readonly [wire: number, value: T])[]): Codec<T> {
  return {
    encode(value) {
      const hit = table.find(([, v]) => v === value);
      if (!hit) throw new RangeError(`unsupported value ${String(value)}`);
      return new ByteWriter().u16(hit[0]).finish();
    },
    decode(bytes) {
      if (bytes.length !== 2) return fail(`expected 2 bytes, got ${bytes.length}`, 0);
      const wire = u16le(bytes, 0);
      const hit = table.find(([w]) => w === wire);
      return hit ? ok(hit[1]) : fail(`unknown value 0x${wire.toString(16).padStart(4, '0')}`, 0);
    },
  };
}

/** Maps a codec's value through a pair of pure functions (wire shape ⇄ friendly shape). */
export function mapCodec<W, T>(inner: Codec<W>, to: (w: W) => Decoded<T>, from: (t: T) => W): Codec<T> {
  return {
    encode: (value) => inner.encode(from(value)),
    decode(bytes) {
      const r = inner.decode(bytes);
      return r.ok ? to(r.value) : r;
    },
  };
}

/** A value that has exactly one valid byte pattern (e.g. `01 00` after "enable configuration"). */
export function constant<T>(bytes: readonly number[], value: T): Codec<T> {
  return {
    encode: () => Uint8Array.from(bytes),
    decode(b) {
      if (b.length !== bytes.length) return fail(`expected ${bytes.length} bytes, got ${b.length}`, 0);
      for (let i = 0; i < bytes.length; i++) if (b[i] !== bytes[i]) return fail(`unexpected byte 0x${b[i]!.toString(16)}`, i);
      return ok(value);
    },
  };
}

/** A command without value bytes. */
export const EMPTY: Codec<object> = constant<object>([], {});

/** A command whose value is fixed by the datasheet and carries no information. */
export function fixedValue(bytes: readonly number[]): Codec<object> {
  return constant<object>(bytes, {});
}
