#include "bc_config.h"

#include <string.h>

#include "bc_crc32.h"

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t le32(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

void bc_config_defaults(bc_config *cfg) {
    memset(cfg, 0, sizeof *cfg);
    cfg->tx_power_dbm = 0;
    cfg->ad_flags = 0x06; /* LE General Discoverable + BR/EDR not supported (notes §1.1) */
    /* 0xFFFF: Bluetooth SIG Assigned Numbers, Company Identifiers — for internal and
     * interoperability tests before a Company ID is assigned; not for shipping products. */
    cfg->event_company_id = 0xFFFF;
    cfg->event_burst = 3;
    cfg->event_fast_interval_ms = 100; /* the BT 4.x floor for non-connectable advertising (notes §5.2) */
    cfg->input_pin = BC_INPUT_NONE;
    cfg->input_debounce_ms = 30;
}

/* RADIO TXPOWER steps of the nRF52832 (nRF52832 PS v1.4, "RADIO — 2.4 GHz radio", register TXPOWER): −40, −20…−4 by 4, 0, +3, +4. */
static int valid_tx_power(int8_t dbm) {
    static const int8_t steps[] = {-40, -20, -16, -12, -8, -4, 0, 3, 4};
    for (unsigned i = 0; i < sizeof steps; i++)
        if (steps[i] == dbm) return 1;
    return 0;
}

static int valid_slot(const bc_slot *s) {
    switch (s->type) {
    case BC_SLOT_IBEACON:
        /* measured power must be a negative calibration (notes §1.1 pitfalls) */
        return s->len == 21 && (int8_t)s->data[20] < 0;
    case BC_SLOT_UID:
        return s->len == 17;
    case BC_SLOT_URL: {
        if (s->len < 3 || s->len > 19 || s->data[1] > 3) return 0; /* scheme 0..3 (notes §2.3) */
        for (unsigned i = 2; i < s->len; i++) {
            uint8_t c = s->data[i];
            if (!(c <= 0x0D || (c >= 0x21 && c <= 0x7E))) return 0; /* expansion codes or printable */
        }
        return 1;
    }
    case BC_SLOT_TLM:
    case BC_SLOT_ETLM:
    case BC_SLOT_EVENT:
        return s->len == 0;
    case BC_SLOT_EID:
        return s->len == 1;
    default:
        return 0;
    }
}

static bc_config_result fail(bc_config_status st, size_t off) {
    bc_config_result r;
    r.status = st;
    r.offset = off;
    return r;
}

bc_config_result bc_config_parse(const uint8_t *rec, size_t avail, bc_config *cfg) {
    bc_config_defaults(cfg);
    if (avail < BC_CONFIG_HEADER_BYTES) return fail(BC_CFG_TRUNCATED, avail);
    if (rec[0] != BC_CONFIG_MAGIC0 || rec[1] != BC_CONFIG_MAGIC1 || rec[2] != BC_CONFIG_MAGIC2 ||
        rec[3] != BC_CONFIG_MAGIC3)
        return fail(BC_CFG_BAD_MAGIC, 0);
    if (rec[4] != BC_CONFIG_VERSION) return fail(BC_CFG_BAD_VERSION, 4);
    size_t length = le16(rec + 6);
    if (length < BC_CONFIG_HEADER_BYTES || length + 4 > BC_CONFIG_MAX_BYTES) return fail(BC_CFG_BAD_LENGTH, 6);
    if (length + 4 > avail) return fail(BC_CFG_TRUNCATED, avail);
    if (bc_crc32(rec, length) != le32(rec + length)) return fail(BC_CFG_BAD_CRC, length);

    int have_interval = 0, have_exponent = 0;
    size_t off = BC_CONFIG_HEADER_BYTES;
    while (off < length) {
        if (length - off < 2) return fail(BC_CFG_BAD_FIELD, off);
        uint8_t tag = rec[off], n = rec[off + 1];
        const uint8_t *v = rec + off + 2;
        if ((size_t)n > length - off - 2) return fail(BC_CFG_BAD_FIELD, off);
        switch (tag) {
        case BC_TAG_INTERVAL_MS:
            if (n != 2) return fail(BC_CFG_BAD_FIELD, off);
            cfg->interval_ms = le16(v);
            if (cfg->interval_ms < 20 || cfg->interval_ms > 10240) return fail(BC_CFG_BAD_VALUE, off + 2);
            have_interval = 1;
            break;
        case BC_TAG_TX_POWER:
            if (n != 1) return fail(BC_CFG_BAD_FIELD, off);
            cfg->tx_power_dbm = (int8_t)v[0];
            if (!valid_tx_power(cfg->tx_power_dbm)) return fail(BC_CFG_BAD_VALUE, off + 2);
            break;
        case BC_TAG_AD_FLAGS:
            if (n != 1) return fail(BC_CFG_BAD_FIELD, off);
            cfg->ad_flags = v[0];
            break;
        case BC_TAG_TIME_REFERENCE:
            if (n != 4) return fail(BC_CFG_BAD_FIELD, off);
            cfg->time_reference = le32(v);
            break;
        case BC_TAG_IDENTITY_KEY:
            if (n != 16) return fail(BC_CFG_BAD_FIELD, off);
            memcpy(cfg->identity_key, v, 16);
            cfg->has_identity_key = 1;
            break;
        case BC_TAG_EID_EXPONENT:
            if (n != 1) return fail(BC_CFG_BAD_FIELD, off);
            if (v[0] > 15) return fail(BC_CFG_BAD_VALUE, off + 2);
            cfg->eid_exponent = v[0];
            have_exponent = 1;
            break;
        case BC_TAG_DEVICE_ID:
            if (n != 8) return fail(BC_CFG_BAD_FIELD, off);
            memcpy(cfg->device_id, v, 8);
            break;
        case BC_TAG_EVENT:
            if (n != 5) return fail(BC_CFG_BAD_FIELD, off);
            cfg->event_company_id = le16(v);
            cfg->event_burst = v[2];
            cfg->event_fast_interval_ms = le16(v + 3);
            if (cfg->event_burst > 10 || cfg->event_fast_interval_ms < 20 || cfg->event_fast_interval_ms > 10240)
                return fail(BC_CFG_BAD_VALUE, off + 2);
            break;
        case BC_TAG_INPUT:
            if (n != 3) return fail(BC_CFG_BAD_FIELD, off);
            /* P0.00..P0.31 (nRF52832 has one port); 0xFF = no input */
            if (v[0] > 31 && v[0] != BC_INPUT_NONE) return fail(BC_CFG_BAD_VALUE, off + 2);
            if (v[1] & ~(BC_INPUT_ACTIVE_LOW | BC_INPUT_PULL)) return fail(BC_CFG_BAD_VALUE, off + 3);
            cfg->input_pin = v[0];
            cfg->input_flags = v[1];
            cfg->input_debounce_ms = v[2];
            break;
        case BC_TAG_SLOT: {
            if (n < 1u || (unsigned)n - 1u > BC_SLOT_MAX_DATA) return fail(BC_CFG_BAD_FIELD, off);
            if (cfg->slot_count >= BC_MAX_SLOTS) return fail(BC_CFG_TOO_MANY_SLOTS, off);
            bc_slot *s = &cfg->slots[cfg->slot_count];
            s->type = v[0];
            s->len = (uint8_t)(n - 1);
            memcpy(s->data, v + 1, s->len);
            if (!valid_slot(s)) return fail(BC_CFG_BAD_VALUE, off + 2);
            cfg->slot_count++;
            break;
        }
        default:
            cfg->unknown_fields++;
            break;
        }
        off += 2u + n;
    }
    if (!have_interval) return fail(BC_CFG_MISSING, length);
    if (cfg->slot_count == 0) return fail(BC_CFG_MISSING, length);
    for (unsigned i = 0; i < cfg->slot_count; i++) {
        uint8_t t = cfg->slots[i].type;
        if ((t == BC_SLOT_EID || t == BC_SLOT_ETLM) && !(cfg->has_identity_key && have_exponent))
            return fail(BC_CFG_MISSING, length);
    }
    return fail(BC_CFG_OK, 0);
}

const char *bc_config_status_name(bc_config_status s) {
    switch (s) {
    case BC_CFG_OK: return "ok";
    case BC_CFG_TRUNCATED: return "truncated";
    case BC_CFG_BAD_MAGIC: return "bad-magic";
    case BC_CFG_BAD_VERSION: return "bad-version";
    case BC_CFG_BAD_LENGTH: return "bad-length";
    case BC_CFG_BAD_CRC: return "bad-crc";
    case BC_CFG_BAD_FIELD: return "bad-field";
    case BC_CFG_BAD_VALUE: return "bad-value";
    case BC_CFG_TOO_MANY_SLOTS: return "too-many-slots";
    case BC_CFG_MISSING: return "missing-field";
    }
    return "unknown";
}
