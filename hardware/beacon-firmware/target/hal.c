/*
 * nRF52832 peripheral drivers for the beacon, bare metal (register map: nrf52.h, from the
 * nRF52832 Product Specification v1.4; chapter named at each block).
 *
 * Power strategy: the CPU sleeps in System ON idle (WFE) with only LFCLK + RTC1 running; the
 * 32 MHz crystal (HFXO) runs only for the radio. Short waits on peripheral events also sleep:
 * with SCR.SEVONPEND, an enabled-but-not-NVIC-enabled interrupt that becomes pending wakes WFE
 * (ARMv7-M ARM B1.5.18), so the CPU does not spin at ~3.7 mA while the radio transmits.
 */
#include "hal.h"

#include "nrf52.h"

#ifndef BOARD_DCDC
#define BOARD_DCDC 0
#endif
#ifndef BOARD_LFXO
#define BOARD_LFXO 1
#endif

#define RTC_HZ 32768u
#define RTC_MASK 0x00FFFFFFu

static volatile uint32_t rtc_overflows;

/* ---------------------------------------------------------------- time (RTC — Real-time counter) */

static uint64_t ticks_now(void) {
    for (;;) {
        uint32_t ovf = rtc_overflows;
        uint32_t cnt = RTC1_COUNTER;
        uint32_t pending = RTC1_EVENTS_OVRFLW;
        if (ovf != rtc_overflows) continue; /* the ISR ran in between: read again */
        if (pending) {
            /* overflowed, ISR not run yet (interrupts masked): a fresh read is after the wrap */
            cnt = RTC1_COUNTER;
            ovf++;
        }
        return ((uint64_t)ovf << 24) | cnt;
    }
}

uint64_t hal_uptime_ms(void) { return (ticks_now() * 1000u) >> 15; }

void hal_wake_at_ms(uint64_t ms) {
    uint64_t target = (ms << 15) / 1000u;
    uint64_t now = ticks_now();
    /* PS "RTC": a CC value N or N+1 ahead of COUNTER may not fire; keep ≥ 2 ticks ahead. A
     * target beyond one counter period wakes on the overflow first and is re-armed then. */
    if (target < now + 2u) target = now + 2u;
    if (target - now > RTC_MASK - 2u) target = now + RTC_MASK - 2u;
    RTC1_EVENTS_COMPARE(0) = 0;
    RTC1_CC(0) = (uint32_t)target & RTC_MASK;
    RTC1_INTENSET = RTC1_INT_COMPARE(0);
}

static volatile uint8_t input_state; /* 0 idle/wait press, 1 debouncing press, 2 wait release, 3 debouncing release */
static volatile uint8_t press_pending;
static volatile uint64_t press_ms;
static uint8_t in_pin, in_active_low, in_debounce_ms;

static int pin_active(void) {
    uint32_t level = (P0_IN >> in_pin) & 1u;
    return in_active_low ? level == 0u : level == 1u;
}

static void set_sense(int for_active) {
    uint32_t cnf = P0_PIN_CNF(in_pin) & ~(3u << 16);
    int high = in_active_low ? !for_active : for_active;
    P0_PIN_CNF(in_pin) = cnf | (high ? PIN_CNF_SENSE_HIGH : PIN_CNF_SENSE_LOW);
}

void RTC1_IRQHandler(void) {
    if (RTC1_EVENTS_OVRFLW) {
        RTC1_EVENTS_OVRFLW = 0;
        rtc_overflows++;
    }
    if (RTC1_EVENTS_COMPARE(0)) {
        RTC1_EVENTS_COMPARE(0) = 0;
        RTC1_INTENCLR = RTC1_INT_COMPARE(0); /* the main loop re-arms it */
    }
    if (RTC1_EVENTS_COMPARE(1)) { /* debounce period over */
        RTC1_EVENTS_COMPARE(1) = 0;
        RTC1_INTENCLR = RTC1_INT_COMPARE(1);
        if (input_state == 1) {
            if (pin_active()) {
                press_ms = hal_uptime_ms();
                press_pending = 1;
                input_state = 2;
                set_sense(0); /* now wait for the release */
            } else {
                input_state = 0;
                set_sense(1);
            }
        } else if (input_state == 3) {
            input_state = pin_active() ? 2 : 0;
            set_sense(input_state == 2 ? 0 : 1);
        }
    }
}

/* -------------------------------------------------- input (GPIO, GPIOTE — GPIO tasks and events) */

void GPIOTE_IRQHandler(void) {
    if (!GPIOTE_EVENTS_PORT) return;
    GPIOTE_EVENTS_PORT = 0;
    /* stop sensing during the debounce window, then look again from RTC1 CC[1] */
    P0_PIN_CNF(in_pin) &= ~(3u << 16);
    input_state = (input_state == 2) ? 3 : 1;
    uint32_t ticks = ((uint32_t)in_debounce_ms * RTC_HZ) / 1000u + 2u;
    RTC1_EVENTS_COMPARE(1) = 0;
    RTC1_CC(1) = (RTC1_COUNTER + ticks) & RTC_MASK;
    RTC1_INTENSET = RTC1_INT_COMPARE(1);
}

int hal_input_init(uint8_t pin, uint8_t active_low, uint8_t pull, uint8_t debounce_ms) {
    if (pin > 31) return 0;
    /* P0.09/P0.10 are NFC antenna pads unless UICR NFCPINS.PROTECT is 0 (PS "UICR") */
    if ((pin == 9 || pin == 10) && (UICR_NFCPINS & 1u)) return 0;
    in_pin = pin;
    in_active_low = active_low;
    in_debounce_ms = debounce_ms;
    uint32_t cnf = 0; /* input, buffer connected */
    if (pull) cnf |= active_low ? PIN_CNF_PULLUP : PIN_CNF_PULLDOWN;
    P0_PIN_CNF(pin) = cnf;
    input_state = pin_active() ? 2 : 0; /* held at boot: wait for release first */
    set_sense(input_state == 0);
    /* PORT (SENSE/DETECT) rather than an IN channel: no HFCLK needed, ~0 µA while waiting */
    GPIOTE_EVENTS_PORT = 0;
    GPIOTE_INTENSET = GPIOTE_INTENSET_PORT;
    NVIC_ISER0 = 1u << IRQ_GPIOTE;
    return 1;
}

int hal_input_take(uint64_t *when) {
    int r = 0;
    cpu_irq_disable();
    if (press_pending) {
        press_pending = 0;
        *when = press_ms;
        r = 1;
    }
    cpu_irq_enable();
    return r;
}

/* ------------------------------------------------------------------------------------ sleeping */

void hal_sleep(void) {
    /* Nordic's System ON idle idiom: sleep, then clear the event register set by the wake-up */
    cpu_wfe();
    cpu_sev();
    cpu_wfe();
}

/* Sleep until a peripheral event register is set; the peripheral's INTEN bit for it must be set
 * and its NVIC line disabled (pending → SEVONPEND wake). */
static void wait_event(volatile uint32_t *event, unsigned irq) {
    while (*event == 0u) cpu_wfe();
    NVIC_ICPR0 = 1u << irq;
}

/* ----------------------------------------------------------------------------------- clocks */

void hal_init(void) {
    uint32_t i;
    /* nRF52832 errata 108 (RAM content after System ON idle, rev 1) as Nordic's system_nrf52.c */
    POWER_ERRATA108_REG = FICR_ERRATA108_VAL & 0x0000004Fu;
    /* errata 66 (TEMP linearity): load the factory coefficients from FICR */
    for (i = 0; i < 6; i++) REG32(TEMP_A0_FIRST + 4u * i) = REG32(FICR_TEMP_FIRST + 4u * i);
    for (i = 0; i < 6; i++) REG32(TEMP_A0_FIRST + 0x20u + 4u * i) = REG32(FICR_TEMP_FIRST + 0x18u + 4u * i);
    for (i = 0; i < 5; i++) REG32(TEMP_A0_FIRST + 0x40u + 4u * i) = REG32(FICR_TEMP_FIRST + 0x30u + 4u * i);
#if BOARD_DCDC
    POWER_DCDCEN = 1u; /* ~5.3 mA instead of 7.1 mA TX at 0 dBm (PS "RADIO" current figures) */
#endif
    SCB_SCR |= SCB_SCR_SEVONPEND;
    /* LFCLK for RTC1: the crystal, because Eddystone-EID wants ≤ 150 ppm (notes §2.6);
     * the RC oscillator is ±500 ppm uncalibrated (PS "CLOCK") */
    CLOCK_LFCLKSRC = BOARD_LFXO ? 1u : 0u;
    CLOCK_EVENTS_LFCLKSTARTED = 0;
    CLOCK_TASKS_LFCLKSTART = 1;
    while (CLOCK_EVENTS_LFCLKSTARTED == 0u) {
    }
    RTC1_PRESCALER = 0; /* 32768 Hz, 24-bit counter: overflows every 512 s */
    RTC1_TASKS_CLEAR = 1;
    RTC1_EVENTS_OVRFLW = 0;
    RTC1_INTENSET = RTC1_INT_OVRFLW;
    NVIC_ISER0 = 1u << IRQ_RTC1;
    RTC1_TASKS_START = 1;
    RNG_CONFIG = 1u; /* bias correction: the advDelay and eTLM salt should be uniform */
}

static void hfxo_start(void) {
    CLOCK_EVENTS_HFCLKSTARTED = 0;
    CLOCK_INTENSET = CLOCK_INTENSET_HFCLKSTARTED;
    CLOCK_TASKS_HFCLKSTART = 1;
    wait_event(&CLOCK_EVENTS_HFCLKSTARTED, IRQ_POWER_CLOCK);
}

static void hfxo_stop(void) { CLOCK_TASKS_HFCLKSTOP = 1; }

/* -------------------------------------------------------------- ECB — AES electronic codebook */

static struct {
    uint8_t key[16];
    uint8_t clear[16];
    uint8_t cipher[16];
} ecb_data; /* KEY, CLEARTEXT, CIPHERTEXT; byte 0 is the most significant, as in FIPS-197 */

void hal_aes_ecb(const uint8_t key[16], const uint8_t in[16], uint8_t out[16]) {
    for (unsigned i = 0; i < 16; i++) {
        ecb_data.key[i] = key[i];
        ecb_data.clear[i] = in[i];
    }
    ECB_ECBDATAPTR = (uint32_t)(uintptr_t)&ecb_data;
    ECB_EVENTS_ENDECB = 0;
    ECB_EVENTS_ERRORECB = 0;
    ECB_TASKS_STARTECB = 1;
    while (ECB_EVENTS_ENDECB == 0u && ECB_EVENTS_ERRORECB == 0u) {
    }
    /* ERRORECB only on STOPECB or a CCM/AAR collision, neither of which this firmware causes */
    for (unsigned i = 0; i < 16; i++) out[i] = ecb_data.cipher[i];
}

/* ------------------------------------------------------------------------ RNG, SAADC, TEMP */

uint8_t hal_random8(void) {
    RNG_EVENTS_VALRDY = 0;
    RNG_TASKS_START = 1;
    while (RNG_EVENTS_VALRDY == 0u) {
    }
    RNG_EVENTS_VALRDY = 0;
    RNG_TASKS_STOP = 1;
    return (uint8_t)RNG_VALUE;
}

uint16_t hal_random16(void) {
    uint16_t v = 0;
    RNG_EVENTS_VALRDY = 0;
    RNG_TASKS_START = 1;
    for (int i = 0; i < 2; i++) {
        while (RNG_EVENTS_VALRDY == 0u) {
        }
        RNG_EVENTS_VALRDY = 0;
        v = (uint16_t)((v << 8) | (RNG_VALUE & 0xFFu));
    }
    RNG_TASKS_STOP = 1;
    return v;
}

static volatile int16_t saadc_result;

uint16_t hal_battery_mv(void) {
    static uint8_t calibrated;
    SAADC_ENABLE = 1;
    SAADC_RESOLUTION = SAADC_RESOLUTION_12BIT;
    SAADC_OVERSAMPLE = 0;
    SAADC_CH0_PSELP = SAADC_PSEL_VDD;
    SAADC_CH0_PSELN = 0;
    SAADC_CH0_CONFIG = SAADC_CONFIG_GAIN_1_6 | SAADC_CONFIG_REFSEL_INTERNAL | SAADC_CONFIG_TACQ_10US;
    if (!calibrated) {
        SAADC_EVENTS_CALIBRATEDONE = 0;
        SAADC_TASKS_CALIBRATEOFFSET = 1;
        while (SAADC_EVENTS_CALIBRATEDONE == 0u) {
        }
        calibrated = 1;
    }
    SAADC_RESULT_PTR = (uint32_t)(uintptr_t)&saadc_result;
    SAADC_RESULT_MAXCNT = 1;
    SAADC_EVENTS_STARTED = 0;
    SAADC_EVENTS_END = 0;
    SAADC_TASKS_START = 1;
    while (SAADC_EVENTS_STARTED == 0u) {
    }
    SAADC_TASKS_SAMPLE = 1;
    while (SAADC_EVENTS_END == 0u) {
    }
    SAADC_EVENTS_STOPPED = 0;
    SAADC_TASKS_STOP = 1;
    while (SAADC_EVENTS_STOPPED == 0u) {
    }
    SAADC_ENABLE = 0;
    /* PS "SAADC": V = RESULT × 0.6 V / (1/6) / 2^12 → mV = RESULT × 3600 / 4096 */
    int32_t r = saadc_result;
    return r <= 0 ? 1u : (uint16_t)((r * 3600) / 4096); /* 0 would mean "not supported" in TLM */
}

int16_t hal_temperature_q2(void) {
    TEMP_EVENTS_DATARDY = 0;
    TEMP_TASKS_START = 1;
    while (TEMP_EVENTS_DATARDY == 0u) {
    }
    TEMP_EVENTS_DATARDY = 0;
    int32_t t = (int32_t)TEMP_TEMP;
    TEMP_TASKS_STOP = 1; /* PAN: the sensor does not stop by itself on early revisions */
    return (int16_t)t;
}

/* ------------------------------------------------------------------- RADIO — 2.4 GHz radio */

/* RAM image of the PDU: S0 (header byte 0), LENGTH (header byte 1), payload = AdvA ‖ AdvData.
 * Core spec Vol 6 Part B §2.3: ADV_NONCONN_IND = PDU type 0b0010; TxAdd (bit 6) = 1 random. */
static uint8_t pdu[2 + 6 + 31];

void hal_radio_init(int8_t tx_power_dbm) {
    RADIO_POWER = 0;
    RADIO_POWER = 1;
    RADIO_MODE = RADIO_MODE_BLE_1MBIT;
    RADIO_MODECNF0 = RADIO_MODECNF0_RU_FAST | RADIO_MODECNF0_DTX_CENTER;
    RADIO_TXPOWER = (uint32_t)(uint8_t)tx_power_dbm;
    /* BLE header layout: S0 = 1 byte, LENGTH = 8 bits, S1 = 0 bits (8-bit length since BT 4.2) */
    RADIO_PCNF0 = (8u << RADIO_PCNF0_LFLEN_POS) | (1u << RADIO_PCNF0_S0LEN_POS) | (0u << RADIO_PCNF0_S1LEN_POS);
    /* payload ≤ 37 bytes (AdvA + 31), 3-byte base + 1-byte prefix = 4-byte access address,
     * little-endian on air, whitening on */
    RADIO_PCNF1 = (37u << RADIO_PCNF1_MAXLEN_POS) | (0u << RADIO_PCNF1_STATLEN_POS) |
                  (3u << RADIO_PCNF1_BALEN_POS) | RADIO_PCNF1_WHITEEN;
    /* advertising access address 0x8E89BED6 (Core spec Vol 6 Part B §2.1.2) */
    RADIO_BASE0 = 0x89BED600u;
    RADIO_PREFIX0 = 0x8Eu;
    RADIO_TXADDRESS = 0;
    RADIO_RXADDRESSES = 1;
    /* CRC-24, poly x^24+x^10+x^9+x^6+x^4+x^3+x+1, init 0x555555 for advertising (Vol 6 Part B §3.1.1) */
    RADIO_CRCCNF = RADIO_CRCCNF_LEN_3 | RADIO_CRCCNF_SKIPADDR;
    RADIO_CRCPOLY = 0x00065Bu;
    RADIO_CRCINIT = 0x555555u;
    RADIO_SHORTS = RADIO_SHORTS_READY_START | RADIO_SHORTS_END_DISABLE;
    RADIO_INTENSET = RADIO_INT_DISABLED; /* wake source for wait_event, NVIC line stays off */
    RADIO_PACKETPTR = (uint32_t)(uintptr_t)pdu;
    /* AdvA: FICR device address, static random (two top bits 1; Vol 6 Part B §1.3.2.1) */
    uint32_t a0 = FICR_DEVICEADDR0, a1 = FICR_DEVICEADDR1;
    pdu[0] = 0x42;
    pdu[2] = (uint8_t)a0;
    pdu[3] = (uint8_t)(a0 >> 8);
    pdu[4] = (uint8_t)(a0 >> 16);
    pdu[5] = (uint8_t)(a0 >> 24);
    pdu[6] = (uint8_t)a1;
    pdu[7] = (uint8_t)((a1 >> 8) | 0xC0u);
}

void hal_radio_advertise(const uint8_t *ad, uint8_t len) {
    /* channel index → RF channel: 37 → 2402 MHz, 38 → 2426 MHz, 39 → 2480 MHz (Vol 6 Part A §2) */
    static const uint8_t freq[3] = {2, 26, 80};
    if (len > 31) len = 31;
    pdu[1] = (uint8_t)(6u + len);
    for (unsigned i = 0; i < len; i++) pdu[8 + i] = ad[i];
    hfxo_start(); /* the radio needs the crystal; ~0.36 ms start-up (PS "CLOCK") */
    for (unsigned c = 0; c < 3; c++) {
        RADIO_FREQUENCY = freq[c];
        RADIO_DATAWHITEIV = (37u + c) | 0x40u;
        RADIO_EVENTS_DISABLED = 0;
        RADIO_TASKS_TXEN = 1; /* READY→START, END→DISABLE by shortcut */
        wait_event(&RADIO_EVENTS_DISABLED, IRQ_RADIO);
    }
    RADIO_EVENTS_DISABLED = 0;
    hfxo_stop();
}

/* ------------------------------------------------------------------------- WDT, System OFF */

void hal_watchdog_start(uint32_t seconds) {
    WDT_CONFIG = 1u; /* run while sleeping, pause under the debugger's halt: reset value bit 3 = 0 */
    WDT_CRV = seconds * RTC_HZ;
    WDT_RREN = 1u;
    WDT_TASKS_START = 1;
}

void hal_watchdog_feed(void) { WDT_RR0 = WDT_RELOAD_VALUE; }

void hal_system_off(void) {
    for (;;) {
        POWER_SYSTEMOFF = 1u;
        cpu_wfe();
    }
}
