/**
 * The simulated radio's air: one UDP datagram (or one in-process message) per advertising event,
 * carrying exactly what an HCI LE Advertising Report gives a scanner (Core Spec v5.3 Vol 4 Part E
 * §7.7.65.2: address type, address, data, RSSI), so the gateway's simulated scanner and its noble
 * scanner feed the same pipeline.
 *
 * Datagram, version 1 (all single bytes; 10-byte header):
 *
 *   off  size  field
 *   0    1     version = 0x01
 *   1    1     RSSI, dBm, signed (int8), as the receiving gateway would measure it
 *   2    6     address, in the order it is written ("aa:bb:cc:dd:ee:ff" → aa bb cc dd ee ff;
 *              NOT the little-endian order of HCI)
 *   8    1     address type: 0 public, 1 random (HCI's values), 2 unknown
 *   9    1     AD length N
 *   10   N     advertising data (AD structures, ≤ 31 bytes for legacy advertising)
 *
 * A datagram whose length is not exactly 10 + N is refused, so a future version can only grow
 * by changing the version byte. Decoding never throws.
 */

export const RADIO_WIRE_VERSION = 1;
export const RADIO_HEADER_BYTES = 10;
export const MAX_AD_BYTES = 255;
/** Default UDP port of the simulated radio on 127.0.0.1 (arbitrary; every command and factory takes a port). */
export const DEFAULT_SIM_RADIO_PORT = 47_474;

export type RadioAddressType = 'public' | 'random' | 'unknown';

export interface RadioPacket {
  /** Lowercase "aa:bb:cc:dd:ee:ff". */
  address: string;
  addressType: RadioAddressType;
  rssi: number;
  /** Raw advertising data. */
  adv: Uint8Array;
}

const TYPE_CODE: Record<RadioAddressType, number> = { public: 0, random: 1, unknown: 2 };
const CODE_TYPE: readonly RadioAddressType[] = ['public', 'random', 'unknown'];

export type RadioDecodeResult = { ok: true; packet: RadioPacket } | { ok: false; reason: string; offset: number };

const ADDRESS_RE = /^[0-9a-fA-F]{2}(?:[:-]?[0-9a-fA-F]{2}){5}$/;

/** Throws RangeError on a value the sender got wrong (its own configuration, not radio bytes). */
export function encodeRadioPacket(p: RadioPacket): Uint8Array {
  if (!ADDRESS_RE.test(p.address)) throw new RangeError(`address must be 6 bytes of hex, got ${JSON.stringify(p.address)}`);
  if (!Number.isInteger(p.rssi) || p.rssi < -128 || p.rssi > 127) throw new RangeError(`rssi must be an integer -128..127, got ${p.rssi}`);
  if (!(p.adv instanceof Uint8Array) || p.adv.length > MAX_AD_BYTES) throw new RangeError(`adv must be at most ${MAX_AD_BYTES} bytes`);
  const code = TYPE_CODE[p.addressType];
  if (code === undefined) throw new RangeError(`addressType must be public, random or unknown, got ${JSON.stringify(p.addressType)}`);
  const out = new Uint8Array(RADIO_HEADER_BYTES + p.adv.length);
  out[0] = RADIO_WIRE_VERSION;
  out[1] = p.rssi & 0xff;
  const hex = p.address.replace(/[:-]/g, '');
  for (let i = 0; i < 6; i++) out[2 + i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  out[8] = code;
  out[9] = p.adv.length;
  out.set(p.adv, RADIO_HEADER_BYTES);
  return out;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function decodeRadioPacket(bytes: Uint8Array): RadioDecodeResult {
  if (bytes.length < RADIO_HEADER_BYTES) return { ok: false, reason: `datagram of ${bytes.length} bytes is shorter than the ${RADIO_HEADER_BYTES}-byte header`, offset: 0 };
  if (bytes[0] !== RADIO_WIRE_VERSION) return { ok: false, reason: `unsupported version ${bytes[0]}`, offset: 0 };
  const addressType = CODE_TYPE[bytes[8]!];
  if (addressType === undefined) return { ok: false, reason: `unknown address type ${bytes[8]}`, offset: 8 };
  const n = bytes[9]!;
  if (bytes.length !== RADIO_HEADER_BYTES + n) {
    return { ok: false, reason: `AD length ${n} does not match the ${bytes.length - RADIO_HEADER_BYTES} bytes that follow`, offset: 9 };
  }
  let address = HEX[bytes[2]!]!;
  for (let i = 3; i < 8; i++) address += ':' + HEX[bytes[i]!];
  return {
    ok: true,
    packet: {
      address,
      addressType,
      rssi: (bytes[1]! << 24) >> 24,
      // a copy: UDP and bus buffers are not ours to keep
      adv: bytes.slice(RADIO_HEADER_BYTES),
    },
  };
}
