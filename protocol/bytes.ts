/** Hex and byte-array helpers shared by every codec in protocol/. Hex output is lowercase. */

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function toHex(bytes: Uint8Array, from = 0, to = bytes.length): string {
  let s = '';
  for (let i = from; i < to; i++) s += HEX[bytes[i]!];
  return s;
}

/** Hex with a separator between bytes, as datasheets and logic analysers print it. */
export function formatHex(bytes: Uint8Array, separator = ' '): string {
  return Array.from(bytes, (b) => HEX[b]).join(separator);
}

export type HexResult = { ok: true; bytes: Uint8Array } | { ok: false; reason: string; offset: number };

/**
 * Hex as people paste it from a capture, a datasheet or a terminal: whitespace, colons, commas,
 * dashes and a leading 0x per group are tolerated; anything else is refused with the offset of the
 * first bad character.
 */
export function parseHex(input: string): HexResult {
  let digits = '';
  const re = /(0x)?([0-9a-fA-F]+)|[\s:,-]+|(.)/gy;
  let m: RegExpExecArray | null;
  while (re.lastIndex < input.length && (m = re.exec(input)) !== null) {
    if (m[3] !== undefined) return { ok: false, reason: `invalid hex character ${JSON.stringify(m[3])} at position ${m.index}`, offset: m.index };
    if (m[2] !== undefined) digits += m[2];
  }
  if (digits.length % 2 !== 0) return { ok: false, reason: `odd number of hex digits (${digits.length})`, offset: input.length };
  const bytes = new Uint8Array(digits.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return { ok: true, bytes };
}

/** Strict hex → bytes for values we wrote ourselves (config, vectors); throws RangeError when wrong. */
export function hexToBytes(hex: string, expectedLength?: number): Uint8Array {
  const r = parseHex(hex);
  if (!r.ok) throw new RangeError(r.reason);
  if (expectedLength !== undefined && r.bytes.length !== expectedLength) {
    throw new RangeError(`expected ${expectedLength} bytes of hex, got ${r.bytes.length}`);
  }
  return r.bytes;
}

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
