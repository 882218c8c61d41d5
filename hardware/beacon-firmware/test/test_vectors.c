/*
 * The C side of the byte-for-byte cross-check with protocol/ble (protocol/ble/
 * firmware-crosscheck.test.ts). For each provisioned config (Intel HEX made by the TypeScript
 * encoder) it prints, as JSON lines:
 *   {"config":NAME,"status":…,"parsed":{every field as the C parser read it}}
 *   {"config":NAME,"step":i,…inputs…,"adv":"<hex>"}   one per advertising event of a fixed scenario
 * The scenario drives the core exactly as target/main.c does: uptime advances by the core's
 * interval plus advDelay from a seeded LCG (standing in for the RNG peripheral), sensors follow a
 * script, and the button is pressed before steps 5, 6 and 15. Every input is printed so the
 * TypeScript side can rebuild each frame from the JSON config with its own encoders.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/bc_beacon.h"
#include "../core/bc_config.h"
#include "ihex.h"

#define STEPS 24
/* sizes overridable for the 16 KB RAM of the qemu microbit run */
#ifndef VEC_TEXT_BYTES
#define VEC_TEXT_BYTES (64 * 1024)
#endif
#ifndef VEC_REC_BYTES
#define VEC_REC_BYTES BC_CONFIG_MAX_BYTES
#endif

static void print_hex(const uint8_t *b, size_t n) {
    for (size_t i = 0; i < n; i++) printf("%02x", b[i]);
}

static const char *slot_name(uint8_t t) {
    switch (t) {
    case BC_SLOT_IBEACON: return "ibeacon";
    case BC_SLOT_UID: return "eddystone-uid";
    case BC_SLOT_URL: return "eddystone-url";
    case BC_SLOT_TLM: return "eddystone-tlm";
    case BC_SLOT_ETLM: return "eddystone-etlm";
    case BC_SLOT_EID: return "eddystone-eid";
    case BC_SLOT_EVENT: return "event";
    }
    return "?";
}

static void print_config(const char *name, const bc_config *c) {
    printf("{\"config\":\"%s\",\"status\":\"ok\",\"parsed\":{", name);
    printf("\"intervalMs\":%u,\"txPowerDbm\":%d,\"adFlags\":%u,\"timeReference\":%lu,", c->interval_ms,
           c->tx_power_dbm, c->ad_flags, (unsigned long)c->time_reference);
    printf("\"identityKey\":");
    if (c->has_identity_key) {
        printf("\"");
        print_hex(c->identity_key, 16);
        printf("\"");
    } else {
        printf("null");
    }
    printf(",\"eidExponent\":%u,\"deviceId\":\"", c->eid_exponent);
    print_hex(c->device_id, 8);
    printf("\",\"event\":{\"companyId\":%u,\"burst\":%u,\"fastIntervalMs\":%u},", c->event_company_id, c->event_burst,
           c->event_fast_interval_ms);
    if (c->input_pin == BC_INPUT_NONE)
        printf("\"input\":null,");
    else
        printf("\"input\":{\"pin\":%u,\"activeLow\":%s,\"pull\":%s,\"debounceMs\":%u},", c->input_pin,
               (c->input_flags & BC_INPUT_ACTIVE_LOW) ? "true" : "false",
               (c->input_flags & BC_INPUT_PULL) ? "true" : "false", c->input_debounce_ms);
    printf("\"slots\":[");
    for (unsigned i = 0; i < c->slot_count; i++) {
        printf("%s{\"type\":\"%s\",\"data\":\"", i ? "," : "", slot_name(c->slots[i].type));
        print_hex(c->slots[i].data, c->slots[i].len);
        printf("\"}");
    }
    printf("],\"unknownFields\":%u}}\n", c->unknown_fields);
}

static uint32_t lcg;
static uint16_t rnd16(void) {
    lcg = lcg * 1664525u + 1013904223u; /* Numerical Recipes LCG: a fixed, portable sequence */
    return (uint16_t)(lcg >> 16);
}

static int run(const char *path) {
    static char text[VEC_TEXT_BYTES];
    static uint8_t rec[VEC_REC_BYTES];
    const char *name = strrchr(path, '/');
    name = name ? name + 1 : path;
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return 1;
    }
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = 0;
    uint32_t base = 0;
    long span = ihex_read(text, rec, sizeof rec, &base);
    if (span < 0) {
        printf("{\"config\":\"%s\",\"status\":\"bad-hex\"}\n", name);
        return 1;
    }
    bc_config cfg;
    bc_config_result r = bc_config_parse(rec, sizeof rec, &cfg);
    if (r.status != BC_CFG_OK) {
        printf("{\"config\":\"%s\",\"status\":\"%s\",\"offset\":%lu}\n", name, bc_config_status_name(r.status),
               (unsigned long)r.offset);
        return 1;
    }
    print_config(name, &cfg);
    printf("{\"config\":\"%s\",\"address\":%lu}\n", name, (unsigned long)base);

    bc_beacon b;
    bc_beacon_init(&b, &cfg, bc_aes128_encrypt_sw, cfg.time_reference);
    lcg = cfg.time_reference ^ 0x5EEDu;
    uint64_t now = 0;
    for (int step = 0; step < STEPS; step++) {
        long press_ms = -1;
        if (cfg.input_pin != BC_INPUT_NONE && (step == 5 || step == 6 || step == 15)) {
            press_ms = (long)now - 40; /* debounced press 40 ms before this event */
            if (press_ms < 0) press_ms = 0;
            bc_beacon_input_event(&b, (uint64_t)press_ms);
        }
        bc_sensors s;
        s.battery_mv = (uint16_t)(3010 - 7 * step);
        s.temp_q2 = (int16_t)(90 - 11 * step); /* 22.5 °C falling through 0 to −35.25 °C */
        uint16_t salt = rnd16();
        uint8_t adv[BC_AD_MAX];
        bc_frame_info info;
        uint8_t len = bc_beacon_next(&b, now, &s, salt, adv, &info);
        printf("{\"config\":\"%s\",\"step\":%d,\"uptimeMs\":%llu,\"slot\":%d,\"type\":\"%s\",\"beaconSeconds\":%lu,"
               "\"advCount\":%lu,\"secCount\":%lu,\"batteryMv\":%u,\"tempQ2\":%d,\"salt\":%u,\"pressMs\":%ld,\"adv\":\"",
               name, step, (unsigned long long)now, info.slot_index == BC_SLOT_BURST ? -1 : info.slot_index,
               slot_name(info.type), (unsigned long)info.beacon_seconds, (unsigned long)info.adv_count,
               (unsigned long)info.sec_count, s.battery_mv, s.temp_q2, salt, press_ms);
        print_hex(adv, len);
        printf("\"}\n");
        now += bc_beacon_interval_ms(&b) + bc_adv_delay_ms(rnd16());
    }
    return 0;
}

int main(int argc, char **argv) {
    int bad = 0;
    for (int i = 1; i < argc; i++) bad |= run(argv[i]);
    return bad;
}
