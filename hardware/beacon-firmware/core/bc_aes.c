/*
 * AES-128 encryption written from FIPS-197 (§5.1 Cipher, §5.2 KeyExpansion); checked against
 * FIPS-197 Appendix C.1 in test/test_core.c. Round keys are expanded on the fly, one round at a
 * time, so the state is 16 + 16 bytes: small enough for the Cortex-M0 qemu run. Speed does not
 * matter: the target uses the ECB peripheral, and a beacon encrypts a handful of blocks per event.
 */
#include "bc_aes.h"

#include <string.h>

/* FIPS-197 Figure 7 (S-box). */
static const uint8_t SBOX[256] = {
    0x63, 0x7c, 0x77, 0x7b, 0xf2, 0x6b, 0x6f, 0xc5, 0x30, 0x01, 0x67, 0x2b, 0xfe, 0xd7, 0xab, 0x76,
    0xca, 0x82, 0xc9, 0x7d, 0xfa, 0x59, 0x47, 0xf0, 0xad, 0xd4, 0xa2, 0xaf, 0x9c, 0xa4, 0x72, 0xc0,
    0xb7, 0xfd, 0x93, 0x26, 0x36, 0x3f, 0xf7, 0xcc, 0x34, 0xa5, 0xe5, 0xf1, 0x71, 0xd8, 0x31, 0x15,
    0x04, 0xc7, 0x23, 0xc3, 0x18, 0x96, 0x05, 0x9a, 0x07, 0x12, 0x80, 0xe2, 0xeb, 0x27, 0xb2, 0x75,
    0x09, 0x83, 0x2c, 0x1a, 0x1b, 0x6e, 0x5a, 0xa0, 0x52, 0x3b, 0xd6, 0xb3, 0x29, 0xe3, 0x2f, 0x84,
    0x53, 0xd1, 0x00, 0xed, 0x20, 0xfc, 0xb1, 0x5b, 0x6a, 0xcb, 0xbe, 0x39, 0x4a, 0x4c, 0x58, 0xcf,
    0xd0, 0xef, 0xaa, 0xfb, 0x43, 0x4d, 0x33, 0x85, 0x45, 0xf9, 0x02, 0x7f, 0x50, 0x3c, 0x9f, 0xa8,
    0x51, 0xa3, 0x40, 0x8f, 0x92, 0x9d, 0x38, 0xf5, 0xbc, 0xb6, 0xda, 0x21, 0x10, 0xff, 0xf3, 0xd2,
    0xcd, 0x0c, 0x13, 0xec, 0x5f, 0x97, 0x44, 0x17, 0xc4, 0xa7, 0x7e, 0x3d, 0x64, 0x5d, 0x19, 0x73,
    0x60, 0x81, 0x4f, 0xdc, 0x22, 0x2a, 0x90, 0x88, 0x46, 0xee, 0xb8, 0x14, 0xde, 0x5e, 0x0b, 0xdb,
    0xe0, 0x32, 0x3a, 0x0a, 0x49, 0x06, 0x24, 0x5c, 0xc2, 0xd3, 0xac, 0x62, 0x91, 0x95, 0xe4, 0x79,
    0xe7, 0xc8, 0x37, 0x6d, 0x8d, 0xd5, 0x4e, 0xa9, 0x6c, 0x56, 0xf4, 0xea, 0x65, 0x7a, 0xae, 0x08,
    0xba, 0x78, 0x25, 0x2e, 0x1c, 0xa6, 0xb4, 0xc6, 0xe8, 0xdd, 0x74, 0x1f, 0x4b, 0xbd, 0x8b, 0x8a,
    0x70, 0x3e, 0xb5, 0x66, 0x48, 0x03, 0xf6, 0x0e, 0x61, 0x35, 0x57, 0xb9, 0x86, 0xc1, 0x1d, 0x9e,
    0xe1, 0xf8, 0x98, 0x11, 0x69, 0xd9, 0x8e, 0x94, 0x9b, 0x1e, 0x87, 0xe9, 0xce, 0x55, 0x28, 0xdf,
    0x8c, 0xa1, 0x89, 0x0d, 0xbf, 0xe6, 0x42, 0x68, 0x41, 0x99, 0x2d, 0x0f, 0xb0, 0x54, 0xbb, 0x16,
};

/* Multiplication by x in GF(2^8) mod x^8+x^4+x^3+x+1 (FIPS-197 §4.2.1, xtime). */
static uint8_t xtime(uint8_t b) { return (uint8_t)((b << 1) ^ ((b & 0x80u) ? 0x1bu : 0x00u)); }

/* Next round key in place (FIPS-197 §5.2: RotWord, SubWord, Rcon on the first word). */
static void next_round_key(uint8_t rk[16], uint8_t *rcon) {
    rk[0] ^= (uint8_t)(SBOX[rk[13]] ^ *rcon);
    rk[1] ^= SBOX[rk[14]];
    rk[2] ^= SBOX[rk[15]];
    rk[3] ^= SBOX[rk[12]];
    for (unsigned i = 4; i < 16; i++) rk[i] ^= rk[i - 4];
    *rcon = xtime(*rcon);
}

void bc_aes128_encrypt_sw(const uint8_t key[16], const uint8_t in[16], uint8_t out[16]) {
    uint8_t s[16], rk[16], t[16];
    uint8_t rcon = 0x01;
    memcpy(rk, key, 16);
    for (unsigned i = 0; i < 16; i++) s[i] = (uint8_t)(in[i] ^ rk[i]);
    for (unsigned round = 1; round <= 10; round++) {
        /* SubBytes + ShiftRows (state is column-major: byte r + 4c is row r, column c). */
        for (unsigned c = 0; c < 4; c++)
            for (unsigned r = 0; r < 4; r++) t[r + 4 * c] = SBOX[s[r + 4 * ((c + r) & 3)]];
        if (round < 10) {
            /* MixColumns (FIPS-197 §5.1.3), the xtime formulation. */
            for (unsigned c = 0; c < 4; c++) {
                uint8_t *col = &t[4 * c];
                uint8_t a0 = col[0], a1 = col[1], a2 = col[2], a3 = col[3];
                uint8_t all = (uint8_t)(a0 ^ a1 ^ a2 ^ a3);
                col[0] = (uint8_t)(a0 ^ all ^ xtime((uint8_t)(a0 ^ a1)));
                col[1] = (uint8_t)(a1 ^ all ^ xtime((uint8_t)(a1 ^ a2)));
                col[2] = (uint8_t)(a2 ^ all ^ xtime((uint8_t)(a2 ^ a3)));
                col[3] = (uint8_t)(a3 ^ all ^ xtime((uint8_t)(a3 ^ a0)));
            }
        }
        next_round_key(rk, &rcon);
        for (unsigned i = 0; i < 16; i++) s[i] = (uint8_t)(t[i] ^ rk[i]);
    }
    memcpy(out, s, 16);
}

/* Doubling in GF(2^128) for the CMAC subkeys (RFC 4493 §2.3, Rb = 0x87). */
static void dbl(uint8_t b[16]) {
    uint8_t carry = (uint8_t)(b[0] >> 7);
    for (unsigned i = 0; i < 15; i++) b[i] = (uint8_t)((b[i] << 1) | (b[i + 1] >> 7));
    b[15] = (uint8_t)((b[15] << 1) ^ (carry ? 0x87u : 0x00u));
}

/*
 * RFC 4493 §2.4 over the virtual message prefix ‖ data. Every block but the last is chained
 * through AES; the last one is XORed with K1 (complete) or padded 10* and XORed with K2.
 */
void bc_cmac(bc_aes_fn aes, const uint8_t key[16], const uint8_t *prefix, const uint8_t *data, size_t len,
             uint8_t mac[16]) {
    uint8_t x[16] = {0}, last[16], k[16] = {0};
    size_t total = (prefix ? 16u : 0u) + len;
    size_t nblocks = total == 0 ? 1 : (total + 15) / 16;
    size_t pos = 0;
    for (size_t b = 0; b < nblocks; b++) {
        size_t n = 0;
        uint8_t blk[16];
        for (; n < 16 && pos < total; n++, pos++) {
            blk[n] = (prefix && pos < 16) ? prefix[pos] : data[pos - (prefix ? 16u : 0u)];
        }
        if (b + 1 < nblocks) {
            for (unsigned i = 0; i < 16; i++) x[i] ^= blk[i];
            aes(key, x, x);
            continue;
        }
        /* final block: derive K1 (and K2) from L = AES(K, 0^128) */
        aes(key, k, k);
        dbl(k);
        if (n < 16) {
            dbl(k);
            blk[n] = 0x80;
            for (size_t i = n + 1; i < 16; i++) blk[i] = 0;
        }
        for (unsigned i = 0; i < 16; i++) last[i] = (uint8_t)(blk[i] ^ k[i] ^ x[i]);
        aes(key, last, mac);
    }
}

/* OMAC^t(data) = CMAC([t]_16 ‖ data), the tweak being t as a 16-byte big-endian block. */
static void omac(bc_aes_fn aes, const uint8_t key[16], uint8_t t, const uint8_t *data, size_t len,
                 uint8_t out[16]) {
    uint8_t tweak[16] = {0};
    tweak[15] = t;
    bc_cmac(aes, key, tweak, data, len, out);
}

/* EAX: N' = OMAC0(N), C = CTR_K(N', M) with a full 128-bit big-endian counter,
 * tag = N' ^ OMAC1(H) ^ OMAC2(C), truncated. */
void bc_eax_encrypt(bc_aes_fn aes, const uint8_t key[16], const uint8_t *nonce, size_t nonce_len,
                    const uint8_t *header, size_t header_len, const uint8_t *msg, size_t len, uint8_t *ct,
                    uint8_t *tag, size_t tag_len) {
    uint8_t n[16], ctr[16], ks[16], h[16], c[16];
    omac(aes, key, 0, nonce, nonce_len, n);
    memcpy(ctr, n, 16);
    for (size_t off = 0; off < len; off += 16) {
        aes(key, ctr, ks);
        for (size_t i = 0; i < 16 && off + i < len; i++) ct[off + i] = (uint8_t)(msg[off + i] ^ ks[i]);
        for (int i = 15; i >= 0; i--)
            if (++ctr[i] != 0) break;
    }
    omac(aes, key, 1, header, header_len, h);
    omac(aes, key, 2, ct, len, c);
    if (tag_len > 16) tag_len = 16;
    for (size_t i = 0; i < tag_len; i++) tag[i] = (uint8_t)(n[i] ^ h[i] ^ c[i]);
}
