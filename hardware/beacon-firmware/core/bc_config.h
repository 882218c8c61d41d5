/*
 * The beacon's provisioning record: one flash page at the end of the application flash
 * (target/nrf52832.ld: 0x0007F000 on nRF52832, 0x000FF000 on nRF52840), written by the debugger
 * from the Intel HEX that protocol/beacon-config/ generates. Layout (all integers little-endian,
 * identifiers in their over-the-air byte order), specified in README.md "Config record":
 *
 *   0  4  magic "TPBC"
 *   4  1  version (1)
 *   5  1  reserved, 0
 *   6  2  length: bytes from offset 0 to the end of the last field (the CRC follows)
 *   8  …  fields: tag u8, len u8, value[len]; unknown tags are skipped (newer provisioning tools)
 *   L  4  CRC-32 (IEEE, bc_crc32) of bytes 0..L-1
 *
 * The parser never reads outside [record, record + avail) and reports the offending offset.
 */
#ifndef BC_CONFIG_H
#define BC_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define BC_CONFIG_MAGIC0 'T'
#define BC_CONFIG_MAGIC1 'P'
#define BC_CONFIG_MAGIC2 'B'
#define BC_CONFIG_MAGIC3 'C'
#define BC_CONFIG_VERSION 1u
#define BC_CONFIG_HEADER_BYTES 8u
/* One flash page (nRF52832 PS v1.4, "NVMC — Non-volatile memory controller": 4 kB pages). */
#define BC_CONFIG_MAX_BYTES 4096u
#define BC_MAX_SLOTS 8u
#define BC_SLOT_MAX_DATA 21u

/* Field tags. */
enum {
    BC_TAG_INTERVAL_MS = 0x01,    /* u16, 20..10240 (notes §5.2: 0x0020..0x4000 × 0.625 ms) */
    BC_TAG_TX_POWER = 0x02,       /* i8 dBm, one of the nRF52832 RADIO TXPOWER steps */
    BC_TAG_AD_FLAGS = 0x03,       /* u8, AD type 0x01 value; default 0x06 */
    BC_TAG_TIME_REFERENCE = 0x04, /* u32, beacon seconds counter at first boot */
    BC_TAG_IDENTITY_KEY = 0x05,   /* 16 bytes, EID identity key (also the eTLM key) */
    BC_TAG_EID_EXPONENT = 0x06,   /* u8, 0..15 */
    BC_TAG_DEVICE_ID = 0x07,      /* 8 bytes, registry key; sent in event frames when no EID key */
    BC_TAG_EVENT = 0x08,          /* company u16, burst u8, fast interval u16 */
    BC_TAG_INPUT = 0x09,          /* pin u8, flags u8 (bit0 active low, bit1 pull), debounce ms u8 */
    BC_TAG_SLOT = 0x10            /* type u8, then the slot's fields (see bc_slot_type) */
};

/* Slot types and the bytes that follow the type in a BC_TAG_SLOT field (wire order). */
typedef enum {
    BC_SLOT_IBEACON = 1, /* uuid[16] major BE16 minor BE16 measured-power i8   (21) */
    BC_SLOT_UID = 2,     /* tx i8, namespace[10], instance[6]                   (17) */
    BC_SLOT_URL = 3,     /* tx i8, scheme u8, encoded[1..17]                    (3..19) */
    BC_SLOT_TLM = 4,     /* none                                                (0) */
    BC_SLOT_ETLM = 5,    /* none (needs the identity key)                       (0) */
    BC_SLOT_EID = 6,     /* tx i8 (needs the identity key)                      (1) */
    BC_SLOT_EVENT = 7    /* none                                                (0) */
} bc_slot_type;

typedef struct {
    uint8_t type;
    uint8_t len;
    uint8_t data[BC_SLOT_MAX_DATA];
} bc_slot;

#define BC_INPUT_NONE 0xFFu
#define BC_INPUT_ACTIVE_LOW 0x01u
#define BC_INPUT_PULL 0x02u

typedef struct {
    uint16_t interval_ms;
    int8_t tx_power_dbm;
    uint8_t ad_flags;
    uint32_t time_reference;
    uint8_t has_identity_key;
    uint8_t identity_key[16];
    uint8_t eid_exponent;
    uint8_t device_id[8];
    uint16_t event_company_id;
    uint8_t event_burst;
    uint16_t event_fast_interval_ms;
    uint8_t input_pin; /* BC_INPUT_NONE: no button */
    uint8_t input_flags;
    uint8_t input_debounce_ms;
    uint8_t slot_count;
    bc_slot slots[BC_MAX_SLOTS];
    uint16_t unknown_fields; /* skipped tags, for diagnostics */
} bc_config;

typedef enum {
    BC_CFG_OK = 0,
    BC_CFG_TRUNCATED,      /* record shorter than its header/length/CRC says */
    BC_CFG_BAD_MAGIC,      /* erased page (FF…) or not a record */
    BC_CFG_BAD_VERSION,
    BC_CFG_BAD_LENGTH,
    BC_CFG_BAD_CRC,
    BC_CFG_BAD_FIELD,      /* a field overruns the record or has the wrong size */
    BC_CFG_BAD_VALUE,      /* a value out of range */
    BC_CFG_TOO_MANY_SLOTS,
    BC_CFG_MISSING         /* a required field is absent (interval, a slot, the key for EID/eTLM) */
} bc_config_status;

typedef struct {
    bc_config_status status;
    size_t offset; /* where the problem is */
} bc_config_result;

/* Defaults for the optional fields: 0 dBm, flags 0x06, company 0xFFFF, burst 3 at 100 ms, no input. */
void bc_config_defaults(bc_config *cfg);

bc_config_result bc_config_parse(const uint8_t *record, size_t avail, bc_config *cfg);

const char *bc_config_status_name(bc_config_status s);

#endif
