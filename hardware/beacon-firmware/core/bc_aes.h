/*
 * AES-128 block encryption (FIPS-197), encrypt direction only, and the two modes Eddystone
 * needs on top of it: AES-CMAC (RFC 4493, = OMAC1) and EAX (Bellare, Rogaway, Wagner, FSE 2004),
 * for encrypted TLM (google/eddystone eddystone-tlm/tlm-encrypted.md, notes §2.5).
 *
 * Every mode goes through a bc_aes_fn so the target can use the nRF52 ECB peripheral
 * (target/hal_ecb.c) and the host the software block below: one code path, two engines.
 */
#ifndef BC_AES_H
#define BC_AES_H

#include <stddef.h>
#include <stdint.h>

#define BC_AES_BLOCK 16u

/* One-shot AES-128 encryption of one block under `key` (the ECB peripheral's shape:
 * it takes key and cleartext together, nRF52832 PS v1.4, "ECB — AES electronic codebook mode encryption", ECBDATAPTR). */
typedef void (*bc_aes_fn)(const uint8_t key[16], const uint8_t in[16], uint8_t out[16]);

/* Software AES-128 (byte-oriented, no tables beyond the S-box; ~240 bytes of stack). */
void bc_aes128_encrypt_sw(const uint8_t key[16], const uint8_t in[16], uint8_t out[16]);

/* AES-CMAC over `prefix` (one 16-byte block or NULL) followed by `data`. */
void bc_cmac(bc_aes_fn aes, const uint8_t key[16], const uint8_t *prefix, const uint8_t *data, size_t len,
             uint8_t mac[16]);

/*
 * EAX-AES128 encryption: ct gets `len` bytes, tag gets `tag_len` (1..16) bytes.
 * ct may alias msg.
 */
void bc_eax_encrypt(bc_aes_fn aes, const uint8_t key[16], const uint8_t *nonce, size_t nonce_len,
                    const uint8_t *header, size_t header_len, const uint8_t *msg, size_t len, uint8_t *ct,
                    uint8_t *tag, size_t tag_len);

#endif
