#include "bc_beacon.h"

#include <string.h>

void bc_beacon_init(bc_beacon *b, const bc_config *cfg, bc_aes_fn aes, uint32_t time_base) {
    memset(b, 0, sizeof *b);
    b->cfg = *cfg;
    b->aes = aes;
    b->time_base = time_base;
    bc_eid_cache_reset(&b->eid);
}

uint32_t bc_beacon_seconds(const bc_beacon *b, uint64_t uptime_ms) {
    return b->time_base + (uint32_t)(uptime_ms / 1000u);
}

void bc_beacon_input_event(bc_beacon *b, uint64_t uptime_ms) {
    b->event_count++;
    b->have_event = 1;
    b->last_event_ms = uptime_ms;
    b->burst_left = b->cfg.event_burst;
}

static uint8_t next_type(const bc_beacon *b) {
    if (b->burst_left > 0) return BC_SLOT_EVENT;
    return b->cfg.slots[b->next_slot].type;
}

int bc_beacon_next_needs_sensors(const bc_beacon *b) {
    uint8_t t = next_type(b);
    return t == BC_SLOT_TLM || t == BC_SLOT_ETLM;
}

uint32_t bc_beacon_interval_ms(const bc_beacon *b) {
    return b->burst_left > 0 ? b->cfg.event_fast_interval_ms : b->cfg.interval_ms;
}

uint32_t bc_adv_delay_ms(uint16_t random) { return (uint32_t)random % (BC_ADV_DELAY_MAX_MS + 1u); }

static uint16_t event_age_ds(const bc_beacon *b, uint64_t uptime_ms) {
    if (!b->have_event) return BC_EVENT_AGE_NONE;
    uint64_t ds = (uptime_ms >= b->last_event_ms ? uptime_ms - b->last_event_ms : 0) / 100u;
    return ds > BC_EVENT_AGE_MAX ? (uint16_t)BC_EVENT_AGE_MAX : (uint16_t)ds;
}

uint8_t bc_beacon_next(bc_beacon *b, uint64_t uptime_ms, const bc_sensors *s, uint16_t salt,
                       uint8_t out[BC_AD_MAX], bc_frame_info *info) {
    const bc_config *c = &b->cfg;
    uint8_t index;
    const bc_slot *slot = NULL;
    if (b->burst_left > 0) {
        b->burst_left--;
        index = BC_SLOT_BURST;
    } else {
        index = b->next_slot;
        slot = &c->slots[index];
        b->next_slot = (uint8_t)((index + 1u) % c->slot_count);
    }
    uint8_t type = slot ? slot->type : (uint8_t)BC_SLOT_EVENT;
    uint32_t t = bc_beacon_seconds(b, uptime_ms);
    bc_tlm tlm;
    tlm.battery_mv = s ? s->battery_mv : 0;
    /* TEMP counts 0.25 °C (nRF52832 PS v1.4, "TEMP — Temperature sensor"); 8.8 is 1/256 °C:
     * ×64, exact. Anything that would not fit 8.8 is reported as "not supported". */
    tlm.temp_88 = BC_TLM_TEMP_UNSUPPORTED;
    if (s && s->temp_q2 != BC_TEMP_NONE && s->temp_q2 >= -511 && s->temp_q2 <= 511)
        tlm.temp_88 = (int16_t)(s->temp_q2 * 64);
    tlm.adv_count = b->adv_pdus;
    tlm.sec_count = (uint32_t)(uptime_ms / 100u);

    size_t n = 0;
    switch (type) {
    case BC_SLOT_IBEACON:
        n = bc_ad_ibeacon(c->ad_flags, slot->data, out);
        break;
    case BC_SLOT_UID:
        n = bc_ad_uid(c->ad_flags, slot->data, out);
        break;
    case BC_SLOT_URL:
        n = bc_ad_url(c->ad_flags, slot->data, slot->len, out);
        break;
    case BC_SLOT_TLM:
        n = bc_ad_tlm(c->ad_flags, &tlm, out);
        break;
    case BC_SLOT_ETLM:
        n = bc_ad_etlm(c->ad_flags, &tlm, b->aes, c->identity_key, c->eid_exponent, t, salt, out);
        break;
    case BC_SLOT_EID:
        n = bc_ad_eid(c->ad_flags, (int8_t)slot->data[0],
                      bc_eid_get(&b->eid, b->aes, c->identity_key, c->eid_exponent, t), out);
        break;
    case BC_SLOT_EVENT:
    default: {
        /* With an identity key the event frame names the beacon by its current EID, so a
         * privacy-preserving beacon does not leak a stable ID through its events. */
        const uint8_t *id = c->device_id;
        uint8_t flags = 0;
        if (c->has_identity_key) {
            id = bc_eid_get(&b->eid, b->aes, c->identity_key, c->eid_exponent, t);
            flags = BC_EVENT_FLAG_ID_IS_EID;
        }
        n = bc_ad_event(c->ad_flags, c->event_company_id, flags, b->event_count, event_age_ds(b, uptime_ms), id,
                        out);
        break;
    }
    }
    if (info) {
        info->slot_index = index;
        info->type = type;
        info->beacon_seconds = t;
        info->adv_count = tlm.adv_count;
        info->sec_count = tlm.sec_count;
    }
    b->adv_pdus += BC_PDUS_PER_EVENT;
    return (uint8_t)n;
}
