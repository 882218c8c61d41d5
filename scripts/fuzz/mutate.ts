/**
 * Structure-aware mutation of valid seed inputs. A mutation is data — a list of [op, a, b, c]
 * tuples of unsigned integers, interpreted modulo the input's length — so the same mutations come
 * from a seeded PRNG in scripts/fuzz.ts (millions, fast, reproducible by index) and from fast-check
 * in the sample test (shrinkable: a failure shrinks to the fewest, smallest operations).
 *
 * Operations: bit flip, interesting byte, truncation, duplication of a range, deletion of a range,
 * insertion of random bytes, splicing with another seed, length-field corruption (the target says
 * where its length fields are), dictionary insertion (the target's tokens: headers, keywords, JSON
 * and YAML syntax), and — after the mutations — an optional fix-up that recomputes a checksum so the
 * mutated input gets past the integrity check into the code behind it.
 */

export type MutationOp = readonly [op: number, a: number, b: number, c: number];

/** A length field: `offset` in the input, `width` bytes, little- or big-endian, or ASCII hex (Intel HEX byte count). */
export interface LengthField {
  offset: number;
  width: 1 | 2 | 4;
  endian?: 'le' | 'be' | 'hex';
}

export interface MutationContext {
  /** Other valid inputs of the same target, for splicing. */
  seeds: readonly Uint8Array[];
  /** Where this input's length fields are (absent: the op falls back to a bit flip). */
  lengthFields?: (bytes: Uint8Array) => LengthField[];
  /** Tokens worth inserting or overwriting with (headers, markers, syntax). */
  dictionary?: readonly Uint8Array[];
  /** Recomputes integrity checks (CRC, checksum) after mutation; applied when the op list asks for it. */
  fixup?: (bytes: Uint8Array) => Uint8Array;
  /** Inputs are cut back to this many bytes (default MAX_INPUT_BYTES): parsers whose cost grows with size (YAML) get smaller ones. */
  maxInputBytes?: number;
}

export const OP_COUNT = 11;
/** Inputs above this are cut back: mutations only grow by bounded steps, and the fuzzer's memory stays flat. */
export const MAX_INPUT_BYTES = 64 * 1024;

const INTERESTING = [0x00, 0x01, 0x02, 0x7f, 0x80, 0x81, 0xfe, 0xff, 0x10, 0x20, 0x40, 0x0a, 0x0d, 0x3a, 0x22, 0x5c];
const INTERESTING_LENGTHS = [0, 1, 2, 3, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0xffffffff];

function insert(bytes: Uint8Array, at: number, piece: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length + piece.length);
  out.set(bytes.subarray(0, at), 0);
  out.set(piece, at);
  out.set(bytes.subarray(at), at + piece.length);
  return out;
}

function remove(bytes: Uint8Array, from: number, to: number): Uint8Array {
  const out = new Uint8Array(bytes.length - (to - from));
  out.set(bytes.subarray(0, from), 0);
  out.set(bytes.subarray(to), from);
  return out;
}

const HEX_DIGITS = '0123456789ABCDEF';

function writeLength(bytes: Uint8Array, f: LengthField, value: number): Uint8Array {
  const out = bytes.slice();
  if (f.endian === 'hex') {
    // Intel HEX: the byte count is two ASCII hex digits after ':'
    const v = value & 0xff;
    if (f.offset + 1 < out.length) {
      out[f.offset] = HEX_DIGITS.charCodeAt(v >> 4);
      out[f.offset + 1] = HEX_DIGITS.charCodeAt(v & 15);
    }
    return out;
  }
  for (let i = 0; i < f.width && f.offset + i < out.length; i++) {
    const shift = f.endian === 'be' ? 8 * (f.width - 1 - i) : 8 * i;
    out[f.offset + i] = Math.floor(value / 2 ** shift) & 0xff;
  }
  return out;
}

function readLength(bytes: Uint8Array, f: LengthField): number {
  if (f.endian === 'hex') return parseInt(String.fromCharCode(bytes[f.offset] ?? 48, bytes[f.offset + 1] ?? 48), 16) || 0;
  let v = 0;
  for (let i = 0; i < f.width; i++) {
    const b = bytes[f.offset + i] ?? 0;
    v += b * 2 ** (f.endian === 'be' ? 8 * (f.width - 1 - i) : 8 * i);
  }
  return v;
}

/** Applies one operation. Pure: never modifies `bytes`. */
export function applyOp(bytes: Uint8Array, [op, a, b, c]: MutationOp, ctx: MutationContext): Uint8Array {
  const n = bytes.length;
  switch (op % OP_COUNT) {
    case 0: {
      // bit flip
      if (n === 0) return Uint8Array.of(a & 0xff);
      const out = bytes.slice();
      out[a % n] = out[a % n]! ^ (1 << (b % 8));
      return out;
    }
    case 1: {
      // interesting byte, or a random one
      if (n === 0) return Uint8Array.of(INTERESTING[b % INTERESTING.length]!);
      const out = bytes.slice();
      out[a % n] = c % 2 === 0 ? INTERESTING[b % INTERESTING.length]! : b & 0xff;
      return out;
    }
    case 2:
      // truncation
      return bytes.slice(0, n === 0 ? 0 : a % n);
    case 3: {
      // duplicate a range somewhere (repeated frames, repeated fields)
      if (n === 0) return bytes;
      const from = a % n;
      const len = 1 + (b % Math.min(64, n - from));
      return insert(bytes, c % (n + 1), bytes.slice(from, from + len));
    }
    case 4: {
      // delete a range
      if (n === 0) return bytes;
      const from = a % n;
      return remove(bytes, from, Math.min(n, from + 1 + (b % 16)));
    }
    case 5: {
      // insert random bytes
      const len = 1 + (b % 16);
      const piece = new Uint8Array(len);
      let x = c | 1;
      for (let i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        piece[i] = x & 0xff;
      }
      return insert(bytes, a % (n + 1), piece);
    }
    case 6: {
      // splice: a prefix of this input, a suffix of another seed
      if (ctx.seeds.length === 0) return bytes;
      const other = ctx.seeds[c % ctx.seeds.length]!;
      const cut = n === 0 ? 0 : a % (n + 1);
      const from = other.length === 0 ? 0 : b % (other.length + 1);
      const out = new Uint8Array(cut + other.length - from);
      out.set(bytes.subarray(0, cut), 0);
      out.set(other.subarray(from), cut);
      return out;
    }
    case 7: {
      // length-field corruption: an interesting value, or off by a little
      const fields = ctx.lengthFields?.(bytes) ?? [];
      if (fields.length === 0) return applyOp(bytes, [0, a, b, c], ctx);
      const f = fields[a % fields.length]!;
      const current = readLength(bytes, f);
      const choice = b % 3;
      const value = choice === 0 ? INTERESTING_LENGTHS[c % INTERESTING_LENGTHS.length]! : choice === 1 ? current + 1 + (c % 4) : Math.max(0, current - 1 - (c % 4));
      return writeLength(bytes, f, value);
    }
    case 8: {
      // dictionary token: inserted, or written over what is there
      const dict = ctx.dictionary ?? [];
      if (dict.length === 0) return applyOp(bytes, [5, a, b, c], ctx);
      const token = dict[b % dict.length]!;
      const at = a % (n + 1);
      if (c % 2 === 0) return insert(bytes, at, token);
      const out = bytes.slice();
      out.set(token.subarray(0, Math.max(0, n - at)), at);
      return out;
    }
    case 9: {
      // repeat a slice many times (deep nesting, long runs, many fields)
      if (n === 0) return bytes;
      const from = a % n;
      const len = 1 + (b % Math.min(8, n - from));
      const times = 2 + (c % 400);
      const piece = new Uint8Array(len * times);
      for (let i = 0; i < times; i++) piece.set(bytes.subarray(from, from + len), i * len);
      return insert(bytes, from, piece);
    }
    default: {
      // swap two ranges' bytes (reordered fields / lines)
      if (n < 2) return bytes;
      const out = bytes.slice();
      const i = a % n;
      const j = b % n;
      const len = 1 + (c % Math.min(16, n - Math.max(i, j)));
      const tmp = out.slice(i, i + len);
      out.copyWithin(i, j, j + len);
      out.set(tmp.subarray(0, Math.min(len, n - j)), j);
      return out;
    }
  }
}

/** Seed + operations → input. `fixup` (when the context has one) runs when `fix` is true. */
export function mutate(seed: Uint8Array, ops: readonly MutationOp[], ctx: MutationContext, fix = false): Uint8Array {
  const max = ctx.maxInputBytes ?? MAX_INPUT_BYTES;
  let bytes = seed;
  for (const op of ops) {
    bytes = applyOp(bytes, op, ctx);
    if (bytes.length > max) bytes = bytes.slice(0, max);
  }
  return fix && ctx.fixup ? ctx.fixup(bytes) : bytes;
}

/** xoshiro128** (Blackman & Vigna, prng.di.unimi.it): fast, seedable, plenty for picking mutations; 32-bit integer arithmetic only. */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number, stream = 0) {
    // splitmix32 expands (seed, stream) into four non-zero state words
    let x = (seed ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0;
    const next = () => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0 || 1;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
  }

  /** Uniform-ish uint32 (xoshiro128**). */
  u32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  below(n: number): number {
    return n <= 1 ? 0 : this.u32() % n;
  }
}

const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;

/** Operations for input number `index` of a run: 1–8 ops, fewer more often (small changes find more). */
export function randomOps(rng: Rng): MutationOp[] {
  const count = 1 + Math.min(rng.below(4), rng.below(8));
  const ops: MutationOp[] = [];
  for (let i = 0; i < count; i++) ops.push([rng.below(OP_COUNT), rng.u32(), rng.u32(), rng.u32()]);
  return ops;
}
