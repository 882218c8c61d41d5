/*
 * The few nRF52832/nRF52840 registers this firmware touches, written from Nordic's public
 * nRF52832 Product Specification v1.4 (cited per block by chapter title; the register tables
 * there give base address + offset). Base addresses: PS v1.4 "Memory", peripheral instantiation
 * table (the ID of a peripheral is its IRQ number: RTC1 is ID 17 at 0x40011000). The nRF52840 has
 * the same addresses for every peripheral used here. No vendor SDK, no MDK.
 */
#ifndef NRF52_H
#define NRF52_H

#include <stdint.h>

#define REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

/* ---- FICR — Factory information configuration registers (0x10000000) ---- */
#define FICR_BASE 0x10000000u
#define FICR_CODEPAGESIZE REG32(FICR_BASE + 0x010)
#define FICR_CODESIZE REG32(FICR_BASE + 0x014)
#define FICR_DEVICEADDRTYPE REG32(FICR_BASE + 0x0A0) /* 1 = random */
#define FICR_DEVICEADDR0 REG32(FICR_BASE + 0x0A4)    /* address bits 31:0 */
#define FICR_DEVICEADDR1 REG32(FICR_BASE + 0x0A8)    /* address bits 47:32 in 15:0 */
#define FICR_TEMP_FIRST (FICR_BASE + 0x404)          /* A0..A5, B0..B5, T0..T4: 17 words */

/* ---- UICR — User information configuration registers (0x10001000) ---- */
#define UICR_BASE 0x10001000u
#define UICR_NFCPINS REG32(UICR_BASE + 0x20C) /* bit 0 PROTECT: 1 = P0.09/P0.10 are NFC pads */

/* ---- POWER — Power supply / CLOCK — Clock control (shared block at 0x40000000) ---- */
#define POWER_CLOCK_BASE 0x40000000u
#define CLOCK_TASKS_HFCLKSTART REG32(POWER_CLOCK_BASE + 0x000)
#define CLOCK_TASKS_HFCLKSTOP REG32(POWER_CLOCK_BASE + 0x004)
#define CLOCK_TASKS_LFCLKSTART REG32(POWER_CLOCK_BASE + 0x008)
#define CLOCK_EVENTS_HFCLKSTARTED REG32(POWER_CLOCK_BASE + 0x100)
#define CLOCK_EVENTS_LFCLKSTARTED REG32(POWER_CLOCK_BASE + 0x104)
#define CLOCK_INTENSET REG32(POWER_CLOCK_BASE + 0x304)
#define CLOCK_INTENSET_HFCLKSTARTED (1u << 0)
#define CLOCK_LFCLKSRC REG32(POWER_CLOCK_BASE + 0x518) /* 0 RC, 1 Xtal, 2 Synth */
#define POWER_RESETREAS REG32(POWER_CLOCK_BASE + 0x400)
#define POWER_SYSTEMOFF REG32(POWER_CLOCK_BASE + 0x500)
#define POWER_DCDCEN REG32(POWER_CLOCK_BASE + 0x578) /* needs the external LC filter (PS "POWER") */
#define POWER_ERRATA108_REG REG32(POWER_CLOCK_BASE + 0xEE4)
#define FICR_ERRATA108_VAL REG32(FICR_BASE + 0x258)

/* ---- RADIO — 2.4 GHz radio (0x40001000) ---- */
#define RADIO_BASE 0x40001000u
#define RADIO_TASKS_TXEN REG32(RADIO_BASE + 0x000)
#define RADIO_TASKS_DISABLE REG32(RADIO_BASE + 0x010)
#define RADIO_EVENTS_READY REG32(RADIO_BASE + 0x100)
#define RADIO_EVENTS_END REG32(RADIO_BASE + 0x10C)
#define RADIO_EVENTS_DISABLED REG32(RADIO_BASE + 0x110)
#define RADIO_SHORTS REG32(RADIO_BASE + 0x200)
#define RADIO_SHORTS_READY_START (1u << 0)
#define RADIO_SHORTS_END_DISABLE (1u << 1)
#define RADIO_INTENSET REG32(RADIO_BASE + 0x304)
#define RADIO_INTENCLR REG32(RADIO_BASE + 0x308)
#define RADIO_INT_DISABLED (1u << 4)
#define RADIO_PACKETPTR REG32(RADIO_BASE + 0x504)
#define RADIO_FREQUENCY REG32(RADIO_BASE + 0x508) /* 2400 + n MHz */
#define RADIO_TXPOWER REG32(RADIO_BASE + 0x50C)   /* two's complement dBm */
#define RADIO_MODE REG32(RADIO_BASE + 0x510)
#define RADIO_MODE_BLE_1MBIT 3u
#define RADIO_PCNF0 REG32(RADIO_BASE + 0x514)
#define RADIO_PCNF0_LFLEN_POS 0  /* LENGTH field bits */
#define RADIO_PCNF0_S0LEN_POS 8  /* S0 bytes */
#define RADIO_PCNF0_S1LEN_POS 16 /* S1 bits */
#define RADIO_PCNF1 REG32(RADIO_BASE + 0x518)
#define RADIO_PCNF1_MAXLEN_POS 0
#define RADIO_PCNF1_STATLEN_POS 8
#define RADIO_PCNF1_BALEN_POS 16
#define RADIO_PCNF1_ENDIAN_BIG (1u << 24)
#define RADIO_PCNF1_WHITEEN (1u << 25)
#define RADIO_BASE0 REG32(RADIO_BASE + 0x51C)
#define RADIO_PREFIX0 REG32(RADIO_BASE + 0x524)
#define RADIO_TXADDRESS REG32(RADIO_BASE + 0x52C)
#define RADIO_RXADDRESSES REG32(RADIO_BASE + 0x530)
#define RADIO_CRCCNF REG32(RADIO_BASE + 0x534)
#define RADIO_CRCCNF_LEN_3 3u
#define RADIO_CRCCNF_SKIPADDR (1u << 8)
#define RADIO_CRCPOLY REG32(RADIO_BASE + 0x538)
#define RADIO_CRCINIT REG32(RADIO_BASE + 0x53C)
#define RADIO_DATAWHITEIV REG32(RADIO_BASE + 0x554) /* bit 6 reads and acts as 1 */
#define RADIO_MODECNF0 REG32(RADIO_BASE + 0x650)
#define RADIO_MODECNF0_RU_FAST (1u << 0) /* 40 µs ramp-up instead of 140 µs */
#define RADIO_MODECNF0_DTX_CENTER (2u << 8)
#define RADIO_POWER REG32(RADIO_BASE + 0xFFC)

/* ---- GPIOTE — GPIO tasks and events (0x40006000) ---- */
#define GPIOTE_BASE 0x40006000u
#define GPIOTE_EVENTS_PORT REG32(GPIOTE_BASE + 0x17C)
#define GPIOTE_INTENSET REG32(GPIOTE_BASE + 0x304)
#define GPIOTE_INTENSET_PORT (1u << 31)

/* ---- SAADC — Successive approximation analog-to-digital converter (0x40007000) ---- */
#define SAADC_BASE 0x40007000u
#define SAADC_TASKS_START REG32(SAADC_BASE + 0x000)
#define SAADC_TASKS_SAMPLE REG32(SAADC_BASE + 0x004)
#define SAADC_TASKS_STOP REG32(SAADC_BASE + 0x008)
#define SAADC_TASKS_CALIBRATEOFFSET REG32(SAADC_BASE + 0x00C)
#define SAADC_EVENTS_STARTED REG32(SAADC_BASE + 0x100)
#define SAADC_EVENTS_END REG32(SAADC_BASE + 0x104)
#define SAADC_EVENTS_CALIBRATEDONE REG32(SAADC_BASE + 0x110)
#define SAADC_EVENTS_STOPPED REG32(SAADC_BASE + 0x114)
#define SAADC_ENABLE REG32(SAADC_BASE + 0x500)
#define SAADC_CH0_PSELP REG32(SAADC_BASE + 0x510)
#define SAADC_CH0_PSELN REG32(SAADC_BASE + 0x514)
#define SAADC_CH0_CONFIG REG32(SAADC_BASE + 0x518)
#define SAADC_PSEL_VDD 9u
#define SAADC_CONFIG_GAIN_1_6 (0u << 8) /* with the 0.6 V internal reference: 3.6 V full scale */
#define SAADC_CONFIG_REFSEL_INTERNAL (0u << 12)
#define SAADC_CONFIG_TACQ_10US (2u << 16)
#define SAADC_RESOLUTION REG32(SAADC_BASE + 0x5F0)
#define SAADC_RESOLUTION_12BIT 2u
#define SAADC_OVERSAMPLE REG32(SAADC_BASE + 0x5F4)
#define SAADC_RESULT_PTR REG32(SAADC_BASE + 0x62C)
#define SAADC_RESULT_MAXCNT REG32(SAADC_BASE + 0x630)

/* ---- TEMP — Temperature sensor (0x4000C000) ---- */
#define TEMP_BASE 0x4000C000u
#define TEMP_TASKS_START REG32(TEMP_BASE + 0x000)
#define TEMP_TASKS_STOP REG32(TEMP_BASE + 0x004)
#define TEMP_EVENTS_DATARDY REG32(TEMP_BASE + 0x100)
#define TEMP_TEMP REG32(TEMP_BASE + 0x508) /* signed, 0.25 °C */
#define TEMP_A0_FIRST (TEMP_BASE + 0x520)  /* A0..A5 at 0x520, B0..B5 at 0x540, T0..T4 at 0x560 */

/* ---- RNG — Random number generator (0x4000D000) ---- */
#define RNG_BASE 0x4000D000u
#define RNG_TASKS_START REG32(RNG_BASE + 0x000)
#define RNG_TASKS_STOP REG32(RNG_BASE + 0x004)
#define RNG_EVENTS_VALRDY REG32(RNG_BASE + 0x100)
#define RNG_CONFIG REG32(RNG_BASE + 0x504) /* bit 0 DERCEN: bias correction */
#define RNG_VALUE REG32(RNG_BASE + 0x508)

/* ---- ECB — AES electronic codebook mode encryption (0x4000E000) ---- */
#define ECB_BASE 0x4000E000u
#define ECB_TASKS_STARTECB REG32(ECB_BASE + 0x000)
#define ECB_EVENTS_ENDECB REG32(ECB_BASE + 0x100)
#define ECB_EVENTS_ERRORECB REG32(ECB_BASE + 0x104)
#define ECB_ECBDATAPTR REG32(ECB_BASE + 0x504) /* KEY[16] ‖ CLEARTEXT[16] ‖ CIPHERTEXT[16] in RAM */

/* ---- WDT — Watchdog timer (0x40010000) ---- */
#define WDT_BASE 0x40010000u
#define WDT_TASKS_START REG32(WDT_BASE + 0x000)
#define WDT_CRV REG32(WDT_BASE + 0x504)
#define WDT_RREN REG32(WDT_BASE + 0x508)
#define WDT_CONFIG REG32(WDT_BASE + 0x50C) /* bit 0 SLEEP: keep running while the CPU sleeps */
#define WDT_RR0 REG32(WDT_BASE + 0x600)
#define WDT_RELOAD_VALUE 0x6E524635u

/* ---- RTC — Real-time counter, instance RTC1 (0x40011000) ---- */
#define RTC1_BASE 0x40011000u
#define RTC1_TASKS_START REG32(RTC1_BASE + 0x000)
#define RTC1_TASKS_CLEAR REG32(RTC1_BASE + 0x008)
#define RTC1_EVENTS_OVRFLW REG32(RTC1_BASE + 0x104)
#define RTC1_EVENTS_COMPARE(n) REG32(RTC1_BASE + 0x140 + 4u * (n))
#define RTC1_INTENSET REG32(RTC1_BASE + 0x304)
#define RTC1_INTENCLR REG32(RTC1_BASE + 0x308)
#define RTC1_INT_OVRFLW (1u << 1)
#define RTC1_INT_COMPARE(n) (1u << (16 + (n)))
#define RTC1_COUNTER REG32(RTC1_BASE + 0x504) /* 24 bits */
#define RTC1_PRESCALER REG32(RTC1_BASE + 0x508)
#define RTC1_CC(n) REG32(RTC1_BASE + 0x540 + 4u * (n))

/* ---- NVMC — Non-volatile memory controller (0x4001E000) ----
 * Not used at run time: the config page is written by the debugger over SWD. Here for the
 * record's page-size assumption and a future on-target re-provisioning path. */
#define NVMC_BASE 0x4001E000u
#define NVMC_READY REG32(NVMC_BASE + 0x400)
#define NVMC_CONFIG REG32(NVMC_BASE + 0x504) /* 0 read, 1 write, 2 erase */
#define NVMC_ERASEPAGE REG32(NVMC_BASE + 0x508)

/* ---- GPIO — General purpose input/output, port P0 (0x50000000) ---- */
#define P0_BASE 0x50000000u
#define P0_IN REG32(P0_BASE + 0x510)
#define P0_PIN_CNF(n) REG32(P0_BASE + 0x700 + 4u * (n))
#define PIN_CNF_INPUT_DISCONNECT (1u << 1)
#define PIN_CNF_PULLDOWN (1u << 2)
#define PIN_CNF_PULLUP (3u << 2)
#define PIN_CNF_SENSE_HIGH (2u << 16)
#define PIN_CNF_SENSE_LOW (3u << 16)

/* ---- Cortex-M4 system control (ARMv7-M Architecture Reference Manual B3.2) ---- */
#define SCB_SCR REG32(0xE000ED10u)
#define SCB_SCR_SEVONPEND (1u << 4)
#define NVIC_ISER0 REG32(0xE000E100u)
#define NVIC_ICER0 REG32(0xE000E180u)
#define NVIC_ICPR0 REG32(0xE000E280u)

/* IRQ numbers = peripheral IDs */
#define IRQ_POWER_CLOCK 0u
#define IRQ_RADIO 1u
#define IRQ_GPIOTE 6u
#define IRQ_RTC1 17u

static inline void cpu_wfe(void) { __asm volatile("wfe" ::: "memory"); }
static inline void cpu_sev(void) { __asm volatile("sev" ::: "memory"); }
static inline void cpu_irq_disable(void) { __asm volatile("cpsid i" ::: "memory"); }
static inline void cpu_irq_enable(void) { __asm volatile("cpsie i" ::: "memory"); }

#endif
