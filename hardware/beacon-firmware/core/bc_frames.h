/*
 * Advertising data (AD) for each frame the beacon sends, byte-identical to protocol/ble
 * `encodeFrame` (flags structure first, then the frame's structures; notes §1.1, §2.1):
 *   iBeacon    02 01 FL | 1A FF 4C 00 02 15 UUID[16] MAJ[2] MIN[2] PWR
 *   Eddystone  02 01 FL | 03 03 AA FE | LL 16 AA FE <service data>
 *   event      02 01 FL | 15 FF <company LE> 54 50 01 <flags> <count BE32> <age BE16> <id[8]>
 * Each builder writes at most BC_AD_MAX bytes and returns the length.
 */
#ifndef BC_FRAMES_H
#define BC_FRAMES_H

#include <stddef.h>
#include <stdint.h>

#include "bc_aes.h"

#define BC_AD_MAX 31u /* legacy advertising payload (notes, general conventions) */

/* Eddystone-TLM "not supported" temperature (eddystone-tlm/tlm-plain.md). */
#define BC_TLM_TEMP_UNSUPPORTED ((int16_t)-0x8000)

typedef struct {
    uint16_t battery_mv; /* 0 = not supported */
    int16_t temp_88;     /* signed 8.8 fixed point °C, or BC_TLM_TEMP_UNSUPPORTED */
    uint32_t adv_count;  /* advertising PDUs since boot */
    uint32_t sec_count;  /* 0.1 s since boot */
} bc_tlm;

size_t bc_ad_ibeacon(uint8_t flags, const uint8_t fields[21], uint8_t out[BC_AD_MAX]);
size_t bc_ad_uid(uint8_t flags, const uint8_t fields[17], uint8_t out[BC_AD_MAX]);
/* fields = tx, scheme, encoded[n-2]; n = 3..19 */
size_t bc_ad_url(uint8_t flags, const uint8_t *fields, size_t n, uint8_t out[BC_AD_MAX]);
size_t bc_ad_tlm(uint8_t flags, const bc_tlm *tlm, uint8_t out[BC_AD_MAX]);
/* The 12 TLM bytes that eTLM encrypts: VBATT ‖ TEMP ‖ ADV_CNT ‖ SEC_CNT. */
void bc_tlm_plaintext(const bc_tlm *tlm, uint8_t out[12]);
/* eTLM (tlm-encrypted.md): nonce = BE32(t & ~(2^K−1)) ‖ BE16(salt), EAX with a 2-byte tag. */
size_t bc_ad_etlm(uint8_t flags, const bc_tlm *tlm, bc_aes_fn aes, const uint8_t ik[16], uint8_t exponent,
                  uint32_t beacon_seconds, uint16_t salt, uint8_t out[BC_AD_MAX]);
size_t bc_ad_eid(uint8_t flags, int8_t tx_power, const uint8_t eid[8], uint8_t out[BC_AD_MAX]);

/* Touchpoint event frame (README.md "Event frame"). */
#define BC_EVENT_MAGIC0 0x54u /* 'T' */
#define BC_EVENT_MAGIC1 0x50u /* 'P' */
#define BC_EVENT_VERSION 0x01u
#define BC_EVENT_FLAG_ID_IS_EID 0x01u
#define BC_EVENT_AGE_NONE 0xFFFFu
#define BC_EVENT_AGE_MAX 0xFFFEu
size_t bc_ad_event(uint8_t flags, uint16_t company_id, uint8_t event_flags, uint32_t count, uint16_t age_ds,
                   const uint8_t id[8], uint8_t out[BC_AD_MAX]);

#endif
