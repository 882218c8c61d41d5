/*
 * Touchpoint beacon: bare-metal nRF52832 firmware without a SoftDevice. All protocol behaviour is
 * in ../core (host-tested); this file only wires it to the hardware (hal.c):
 *
 *   boot → parse the config page → init radio/input/watchdog → loop:
 *     sleep (System ON idle, RTC1 wake) → on a debounced press: count it, pull the next event in
 *     → at the event time: sensors if the frame needs them, build the frame, TX on 37/38/39
 *     → next event = now + interval (fast during an event burst) + advDelay 0..10 ms (RNG)
 */
#include <stdint.h>

#include "../core/bc_beacon.h"
#include "../core/bc_config.h"
#include "hal.h"

extern const uint8_t __config_start[]; /* nrf52832.ld: the last flash page */

/* Survives a soft or watchdog reset (RAM is retained in System ON; PS "POWER"), not a power
 * cycle: the Eddystone seconds counter continues instead of restarting at the time reference. */
typedef struct {
    uint32_t magic;
    uint32_t seconds;
    uint32_t check;
} retained_t;
#define RETAINED_MAGIC 0x54504254u
__attribute__((section(".noinit"))) static retained_t retained;

static uint32_t retained_check(const retained_t *r) { return r->magic ^ r->seconds ^ 0xA5A5A5A5u; }

static bc_config cfg;
static bc_beacon beacon;

int main(void) {
    hal_init();
    if (bc_config_parse(__config_start, BC_CONFIG_MAX_BYTES, &cfg).status != BC_CFG_OK) {
        /* unprovisioned or corrupt: do not drain the battery advertising nothing useful */
        hal_system_off();
    }
    uint32_t base = cfg.time_reference;
    if (retained.magic == RETAINED_MAGIC && retained.check == retained_check(&retained)) base = retained.seconds + 1u;
    bc_beacon_init(&beacon, &cfg, hal_aes_ecb, base);
    hal_radio_init(cfg.tx_power_dbm);
    int have_input = 0;
    if (cfg.input_pin != BC_INPUT_NONE)
        have_input = hal_input_init(cfg.input_pin, cfg.input_flags & BC_INPUT_ACTIVE_LOW,
                                    cfg.input_flags & BC_INPUT_PULL, cfg.input_debounce_ms);
    hal_watchdog_start(30); /* > the longest interval (10.24 s) with margin */

    uint64_t next_ms = hal_uptime_ms() + bc_adv_delay_ms(hal_random8());
    uint64_t last_ms = 0;
    for (;;) {
        uint64_t press;
        if (have_input && hal_input_take(&press)) {
            bc_beacon_input_event(&beacon, press);
            /* the burst starts now, but never closer than 20 ms to the previous event */
            uint64_t soon = last_ms + 20u > press ? last_ms + 20u : press;
            if (soon < next_ms) next_ms = soon;
        }
        uint64_t now = hal_uptime_ms();
        if (now < next_ms) {
            hal_wake_at_ms(next_ms);
            hal_sleep();
            continue;
        }
        bc_sensors s = {0, BC_TEMP_NONE};
        uint16_t salt = 0;
        /* SAADC, TEMP and two RNG bytes only for the frames that carry them (TLM/eTLM) */
        if (bc_beacon_next_needs_sensors(&beacon)) {
            s.battery_mv = hal_battery_mv();
            s.temp_q2 = hal_temperature_q2();
            salt = hal_random16();
        }
        uint8_t ad[BC_AD_MAX];
        uint8_t len = bc_beacon_next(&beacon, now, &s, salt, ad, 0);
        hal_radio_advertise(ad, len);
        retained.magic = RETAINED_MAGIC;
        retained.seconds = bc_beacon_seconds(&beacon, now);
        retained.check = retained_check(&retained);
        hal_watchdog_feed();
        last_ms = now;
        next_ms = now + bc_beacon_interval_ms(&beacon) + bc_adv_delay_ms(hal_random8());
    }
}
