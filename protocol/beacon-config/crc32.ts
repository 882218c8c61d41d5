/**
 * CRC-32 as in IEEE 802.3 / zlib (reflected polynomial 0xEDB88320, init and final XOR 0xFFFFFFFF),
 * the check that closes a beacon config record. Same algorithm as the firmware's
 * hardware/beacon-firmware/core/bc_crc32.c. Check value CRC-32("123456789") = 0xCBF43926
 * (Williams, "A Painless Guide to CRC Error Detection Algorithms", CRC-32 model).
 */
const TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export function crc32(bytes: Uint8Array, from = 0, to = bytes.length): number {
  let crc = 0xffffffff;
  for (let i = from; i < to; i++) crc = TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
