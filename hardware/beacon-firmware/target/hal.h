/* Hardware access for the beacon: everything the portable core must not do. */
#ifndef HAL_H
#define HAL_H

#include <stdint.h>

void hal_init(void);                     /* errata, DC/DC, LFCLK, RTC1, TEMP calibration */
uint64_t hal_uptime_ms(void);            /* from RTC1 + overflow count */
void hal_wake_at_ms(uint64_t ms);        /* RTC1 CC[0] */
void hal_sleep(void);                    /* System ON idle until an event */
void hal_aes_ecb(const uint8_t key[16], const uint8_t in[16], uint8_t out[16]); /* bc_aes_fn */
uint16_t hal_random16(void);
uint8_t hal_random8(void);             /* one RNG byte: enough for advDelay (0..10 ms) */
uint16_t hal_battery_mv(void);           /* SAADC on VDD */
int16_t hal_temperature_q2(void);        /* TEMP, 0.25 °C */
void hal_radio_init(int8_t tx_power_dbm);
/* One advertising event: ADV_NONCONN_IND with `ad` on channels 37, 38, 39, HFXO on only meanwhile. */
void hal_radio_advertise(const uint8_t *ad, uint8_t len);
/* Button on P0.pin with PORT-event wake-up and RTC-timed debounce. Returns 0 if the pin cannot be used. */
int hal_input_init(uint8_t pin, uint8_t active_low, uint8_t pull, uint8_t debounce_ms);
/* 1 and the press time if a debounced press happened since the last call. */
int hal_input_take(uint64_t *press_ms);
void hal_watchdog_start(uint32_t seconds);
void hal_watchdog_feed(void);
void hal_system_off(void);

#endif
