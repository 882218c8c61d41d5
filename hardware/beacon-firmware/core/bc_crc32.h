/* CRC-32 as in IEEE 802.3 / zlib: reflected polynomial 0xEDB88320, init and final XOR 0xFFFFFFFF.
 * Check value CRC-32("123456789") = 0xCBF43926 (Williams, "A Painless Guide to CRC Error
 * Detection Algorithms", CRC-32 model; pinned in test/test_core.c). */
#ifndef BC_CRC32_H
#define BC_CRC32_H

#include <stddef.h>
#include <stdint.h>

uint32_t bc_crc32(const uint8_t *data, size_t len);

#endif
