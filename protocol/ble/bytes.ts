/** Byte helpers shared by the BLE codecs. Pure; hex is always lowercase on output. */

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function toHex(bytes: Uint8Array, from = 0, to = bytes.length): string {
  let s = '';
  for (let i = from; i < to; i++) s += HEX[bytes[i]!];
  return s;
}

export type HexResult = { ok: true; bytes: Uint8Array } | { ok: false; reason: string };

/**
 * Parses hex as technicians paste it: spaces, colons, dashes and a leading 0x are tolerated,
 * anything else is refused with the position of the first bad character.
 */
export function parseHex(input: string): HexResult {
  const clean = input.trim().replace(/^0x/i, '').replace(/[\s:-]+/g, '');
  const bad = clean.search(/[^0-9a-fA-F]/);
  if (bad >= 0) return { ok: false, reason: `invalid hex character ${JSON.stringify(clean[bad])} at position ${bad}` };
  if (clean.length % 2 !== 0) return { ok: false, reason: `odd number of hex digits (${clean.length})` };
  const bytes = new Uint8Array(clean.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return { ok: true, bytes };
}

/** Strict hex → bytes for values that come from configuration; throws RangeError when wrong. */
export function hexToBytes(hex: string, expectedLength?: number): Uint8Array {
  const r = parseHex(hex);
  if (!r.ok) throw new RangeError(r.reason);
  if (expectedLength !== undefined && r.bytes.length !== expectedLength) {
    throw new RangeError(`expected ${expectedLength} bytes of hex, got ${r.bytes.length}`);
  }
  return r.bytes;
}

/** 16 bytes in wire (big-endian) order → canonical lowercase 8-4-4-4-12 UUID string. */
export function bytesToUuid(bytes: Uint8Array, offset = 0): string {
  const h = toHex(bytes, offset, offset + 16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const UUID_RE = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;

export function uuidToBytes(uuid: string): Uint8Array {
  if (!UUID_RE.test(uuid)) throw new RangeError(`not a UUID: ${JSON.stringify(uuid)}`);
  return hexToBytes(uuid.replace(/-/g, ''), 16);
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
