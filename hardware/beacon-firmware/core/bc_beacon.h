/*
 * The beacon's behaviour without its hardware: which frame goes out at each advertising event,
 * with which counters, and when the next event is due. The target (target/main.c) calls it with
 * the RTC uptime, sensor readings and RNG bytes; the host tests call it with scripted ones.
 *
 * Rotation. The configured slots are sent round-robin, one slot per advertising event (each event
 * sends that slot's PDU on channels 37, 38, 39). A button event pre-empts the rotation: the next
 * `event_burst` events carry the event frame at `event_fast_interval_ms`, then the rotation
 * resumes where it stopped. An EVENT slot in the rotation repeats the cumulative count, so a
 * scanner that missed the whole burst still learns the count on the next pass.
 *
 * Time. uptime_ms is milliseconds since boot (64-bit: never wraps). The Eddystone seconds counter
 * is time_base + uptime_ms / 1000 modulo 2^32, where time_base is the config's time reference
 * (or the value the target carried over a soft reset). TLM SEC_CNT is uptime in 0.1 s modulo 2^32.
 */
#ifndef BC_BEACON_H
#define BC_BEACON_H

#include <stdint.h>

#include "bc_aes.h"
#include "bc_config.h"
#include "bc_eid.h"
#include "bc_frames.h"

/* 3 PDUs per advertising event: channels 37, 38, 39 (notes §5.2). */
#define BC_PDUS_PER_EVENT 3u
/* advDelay: 0..10 ms pseudo-random per event (Core spec Vol 6 Part B §4.4.2.2; notes §5.2). */
#define BC_ADV_DELAY_MAX_MS 10u

typedef struct {
    uint16_t battery_mv; /* 0 = not measured */
    int16_t temp_q2;     /* TEMP register, 0.25 °C units; BC_TEMP_NONE = not measured */
} bc_sensors;
#define BC_TEMP_NONE ((int16_t)-0x8000)

#define BC_SLOT_BURST 0xFFu /* info.slot_index for an event frame sent as a burst */

typedef struct {
    uint8_t slot_index; /* index into cfg.slots, or BC_SLOT_BURST */
    uint8_t type;       /* bc_slot_type */
    uint32_t beacon_seconds;
    uint32_t adv_count; /* TLM ADV_CNT at this event (PDUs sent before it) */
    uint32_t sec_count; /* TLM SEC_CNT */
} bc_frame_info;

typedef struct {
    bc_config cfg;
    bc_aes_fn aes;
    uint32_t time_base;
    uint8_t next_slot;
    uint8_t burst_left;
    uint32_t adv_pdus;
    uint32_t event_count;
    uint8_t have_event;
    uint64_t last_event_ms;
    bc_eid_cache eid;
} bc_beacon;

void bc_beacon_init(bc_beacon *b, const bc_config *cfg, bc_aes_fn aes, uint32_t time_base);

/* Beacon seconds counter at uptime_ms. */
uint32_t bc_beacon_seconds(const bc_beacon *b, uint64_t uptime_ms);

/* A debounced button press at uptime_ms: the cumulative count grows and a burst is queued. */
void bc_beacon_input_event(bc_beacon *b, uint64_t uptime_ms);

/* Whether the next event needs the sensors (TLM/eTLM), so the target powers SAADC/TEMP only then. */
int bc_beacon_next_needs_sensors(const bc_beacon *b);

/*
 * Builds the advertising data for the event at uptime_ms and advances the rotation and the PDU
 * count. `salt` is a fresh random u16 (used by eTLM only). Returns the AD length (≤ 31).
 */
uint8_t bc_beacon_next(bc_beacon *b, uint64_t uptime_ms, const bc_sensors *s, uint16_t salt,
                       uint8_t out[BC_AD_MAX], bc_frame_info *info);

/* Milliseconds from this event to the next one, before advDelay. */
uint32_t bc_beacon_interval_ms(const bc_beacon *b);

/* advDelay in ms (0..10) from a random u16, for targets that schedule in ms. */
uint32_t bc_adv_delay_ms(uint16_t random);

#endif
