#include "bc_frames.h"

#include <string.h>

#include "bc_eid.h"

static size_t put_flags(uint8_t flags, uint8_t *out) {
    out[0] = 0x02;
    out[1] = 0x01; /* AD type Flags */
    out[2] = flags;
    return 3;
}

static void be16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void be32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

size_t bc_ad_ibeacon(uint8_t flags, const uint8_t fields[21], uint8_t out[BC_AD_MAX]) {
    size_t n = put_flags(flags, out);
    out[n++] = 0x1A; /* 26 = type + 25 bytes */
    out[n++] = 0xFF; /* Manufacturer Specific Data */
    out[n++] = 0x4C; /* Apple, 0x004C little-endian */
    out[n++] = 0x00;
    out[n++] = 0x02; /* iBeacon type */
    out[n++] = 0x15; /* 21 bytes follow */
    memcpy(out + n, fields, 21);
    return n + 21;
}

/* 02 01 FL | 03 03 AA FE | (3 + sd_len) 16 AA FE — returns where the service data starts. */
static size_t eddystone_header(uint8_t flags, size_t sd_len, uint8_t *out) {
    size_t n = put_flags(flags, out);
    out[n++] = 0x03;
    out[n++] = 0x03; /* Complete List of 16-bit Service UUIDs */
    out[n++] = 0xAA; /* 0xFEAA little-endian */
    out[n++] = 0xFE;
    out[n++] = (uint8_t)(3 + sd_len);
    out[n++] = 0x16; /* Service Data - 16-bit UUID */
    out[n++] = 0xAA;
    out[n++] = 0xFE;
    return n;
}

size_t bc_ad_uid(uint8_t flags, const uint8_t fields[17], uint8_t out[BC_AD_MAX]) {
    size_t n = eddystone_header(flags, 20, out);
    out[n++] = 0x00; /* UID */
    memcpy(out + n, fields, 17);
    n += 17;
    out[n++] = 0x00; /* RFU */
    out[n++] = 0x00;
    return n;
}

size_t bc_ad_url(uint8_t flags, const uint8_t *fields, size_t len, uint8_t out[BC_AD_MAX]) {
    if (len < 3 || len > 19) return 0;
    size_t n = eddystone_header(flags, 1 + len, out);
    out[n++] = 0x10; /* URL */
    memcpy(out + n, fields, len);
    return n + len;
}

void bc_tlm_plaintext(const bc_tlm *tlm, uint8_t out[12]) {
    be16(out, tlm->battery_mv);
    be16(out + 2, (uint16_t)tlm->temp_88);
    be32(out + 4, tlm->adv_count);
    be32(out + 8, tlm->sec_count);
}

size_t bc_ad_tlm(uint8_t flags, const bc_tlm *tlm, uint8_t out[BC_AD_MAX]) {
    size_t n = eddystone_header(flags, 14, out);
    out[n++] = 0x20; /* TLM */
    out[n++] = 0x00; /* version: plain */
    bc_tlm_plaintext(tlm, out + n);
    return n + 12;
}

size_t bc_ad_etlm(uint8_t flags, const bc_tlm *tlm, bc_aes_fn aes, const uint8_t ik[16], uint8_t exponent,
                  uint32_t beacon_seconds, uint16_t salt, uint8_t out[BC_AD_MAX]) {
    uint8_t plain[12], nonce[6];
    /* 18-byte service data as in the spec table (protocol/ble sends the same; Nordic's 19th RFU
     * byte is accepted by decoders but not sent). */
    size_t n = eddystone_header(flags, 18, out);
    out[n++] = 0x20; /* TLM */
    out[n++] = 0x01; /* version: encrypted */
    bc_tlm_plaintext(tlm, plain);
    be32(nonce, bc_eid_quantum(exponent, beacon_seconds));
    be16(nonce + 4, salt);
    bc_eax_encrypt(aes, ik, nonce, sizeof nonce, NULL, 0, plain, sizeof plain, out + n, out + n + 14, 2);
    be16(out + n + 12, salt);
    return n + 16;
}

size_t bc_ad_eid(uint8_t flags, int8_t tx_power, const uint8_t eid[8], uint8_t out[BC_AD_MAX]) {
    size_t n = eddystone_header(flags, 10, out);
    out[n++] = 0x30; /* EID */
    out[n++] = (uint8_t)tx_power;
    memcpy(out + n, eid, 8);
    return n + 8;
}

size_t bc_ad_event(uint8_t flags, uint16_t company_id, uint8_t event_flags, uint32_t count, uint16_t age_ds,
                   const uint8_t id[8], uint8_t out[BC_AD_MAX]) {
    size_t n = put_flags(flags, out);
    out[n++] = 0x15; /* 21 = type + 20 bytes */
    out[n++] = 0xFF;
    out[n++] = (uint8_t)company_id; /* Core spec: company ID little-endian */
    out[n++] = (uint8_t)(company_id >> 8);
    out[n++] = BC_EVENT_MAGIC0;
    out[n++] = BC_EVENT_MAGIC1;
    out[n++] = BC_EVENT_VERSION;
    out[n++] = event_flags;
    be32(out + n, count);
    n += 4;
    be16(out + n, age_ds);
    n += 2;
    memcpy(out + n, id, 8);
    return n + 8;
}
