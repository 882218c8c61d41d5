#include "ihex.h"

#include <string.h>

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

static int byte_at(const char *p) {
    int h = hexval(p[0]), l = hexval(p[1]);
    return (h < 0 || l < 0) ? -1 : (h << 4) | l;
}

/* Two passes: the first finds the lowest address, the second copies. */
static long pass(const char *text, uint8_t *buf, size_t cap, uint32_t *base, int copy) {
    uint32_t upper = 0, lowest = 0xFFFFFFFFu;
    size_t span = 0;
    const char *p = text;
    while (*p) {
        while (*p == '\r' || *p == '\n' || *p == ' ') p++;
        if (!*p) break;
        if (*p != ':') return -1;
        p++;
        int len = byte_at(p);
        if (len < 0) return -1;
        uint8_t rec[5 + 255];
        for (int i = 0; i < len + 5; i++) {
            int v = byte_at(p + 2 * i);
            if (v < 0) return -1;
            rec[i] = (uint8_t)v;
        }
        uint8_t sum = 0;
        for (int i = 0; i < len + 5; i++) sum = (uint8_t)(sum + rec[i]);
        if (sum != 0) return -1;
        p += 2 * (len + 5);
        uint32_t addr = upper + ((uint32_t)rec[1] << 8 | rec[2]);
        switch (rec[3]) {
        case 0x00:
            if (!copy) {
                if (addr < lowest) lowest = addr;
            } else {
                for (int i = 0; i < len; i++) {
                    size_t off = (size_t)(addr - *base) + (size_t)i;
                    if (off >= cap) return -2;
                    buf[off] = rec[4 + i];
                    if (off + 1 > span) span = off + 1;
                }
            }
            break;
        case 0x01:
            if (!copy) *base = lowest;
            return (long)span;
        case 0x02:
            if (len != 2) return -1;
            upper = ((uint32_t)rec[4] << 8 | rec[5]) << 4;
            break;
        case 0x04:
            if (len != 2) return -1;
            upper = ((uint32_t)rec[4] << 8 | rec[5]) << 16;
            break;
        default:
            break; /* 03/05 start addresses: not data */
        }
    }
    return -1; /* no EOF record */
}

long ihex_read(const char *text, uint8_t *buf, size_t cap, uint32_t *base) {
    memset(buf, 0xFF, cap);
    long r = pass(text, buf, cap, base, 0);
    if (r < 0) return r;
    return pass(text, buf, cap, base, 1);
}
