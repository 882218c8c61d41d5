/**
 * CRC-8/SMBUS: poly 0x07, init 0x00, no reflection, xorout 0x00; check("123456789") = 0xF4 (the
 * catalogue check value, asserted in the tests and in hardware/touch-bridge/test). The same function as
 * hardware/touch-bridge/core/touch_proto.c `tp_crc8` and avr-libc `_crc8_ccitt_update`.
 */
const TABLE = (() => {
  const t = new Uint8Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let b = 0; b < 8; b++) c = c & 0x80 ? ((c << 1) ^ 0x07) & 0xff : (c << 1) & 0xff;
    t[i] = c;
  }
  return t;
})();

/** CRC over the low byte of each UTF-16 unit: TP1 lines are ASCII, and the splitter yields latin1 strings. */
export function crc8(data: string | Uint8Array): number {
  let crc = 0;
  if (typeof data === 'string') for (let i = 0; i < data.length; i++) crc = TABLE[(crc ^ data.charCodeAt(i)) & 0xff]!;
  else for (const b of data) crc = TABLE[crc ^ b]!;
  return crc;
}
