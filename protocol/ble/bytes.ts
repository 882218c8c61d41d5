/** BLE-specific byte helpers; the generic hex helpers live in protocol/bytes.ts. */
import { hexToBytes, toHex } from '../bytes.js';

export { type HexResult, concatBytes, formatHex, hexToBytes, parseHex, toHex } from '../bytes.js';

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
