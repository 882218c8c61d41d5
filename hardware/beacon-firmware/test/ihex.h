/* Host-only Intel HEX reader for the tests: data (00), EOF (01), extended segment (02) and
 * extended linear address (04) records; checksums verified. */
#ifndef IHEX_H
#define IHEX_H

#include <stddef.h>
#include <stdint.h>

/* Reads `text` into buf (pre-filled with 0xFF, like erased flash) starting at the lowest address
 * in the file. Returns the number of bytes spanned, or -1 (bad record) / -2 (too large). */
long ihex_read(const char *text, uint8_t *buf, size_t cap, uint32_t *base);

#endif
