/*
 * Cortex-M4 start-up for the nRF52832: vector table (ARMv7-M ARM B1.5.3; external interrupts in
 * the order of the peripheral IDs, PS v1.4 "Memory", instantiation table) and the reset handler
 * that copies .data from flash and zeroes .bss before main. .noinit is left alone on purpose.
 */
#include <stdint.h>

extern uint32_t _sidata[], _sdata[], _edata[], _sbss[], _ebss[], _estack[];
int main(void);

void Reset_Handler(void);
void Default_Handler(void);

#define WEAK_ALIAS __attribute__((weak, alias("Default_Handler")))
void NMI_Handler(void) WEAK_ALIAS;
void HardFault_Handler(void) WEAK_ALIAS;
void MemManage_Handler(void) WEAK_ALIAS;
void BusFault_Handler(void) WEAK_ALIAS;
void UsageFault_Handler(void) WEAK_ALIAS;
void SVC_Handler(void) WEAK_ALIAS;
void DebugMon_Handler(void) WEAK_ALIAS;
void PendSV_Handler(void) WEAK_ALIAS;
void SysTick_Handler(void) WEAK_ALIAS;
void POWER_CLOCK_IRQHandler(void) WEAK_ALIAS;
void RADIO_IRQHandler(void) WEAK_ALIAS;
void GPIOTE_IRQHandler(void) WEAK_ALIAS;
void RTC1_IRQHandler(void) WEAK_ALIAS;

typedef void (*vector_t)(void);

__attribute__((section(".isr_vector"), used)) const vector_t vector_table[16 + 39] = {
    (vector_t)(uintptr_t)_estack,
    Reset_Handler,
    NMI_Handler,
    HardFault_Handler,
    MemManage_Handler,
    BusFault_Handler,
    UsageFault_Handler,
    0, 0, 0, 0,
    SVC_Handler,
    DebugMon_Handler,
    0,
    PendSV_Handler,
    SysTick_Handler,
    /* IRQ 0 */ POWER_CLOCK_IRQHandler,
    /* IRQ 1 */ RADIO_IRQHandler,
    /* 2 UARTE0, 3 SPI0/TWI0, 4 SPI1/TWI1, 5 NFCT */ Default_Handler, Default_Handler, Default_Handler, Default_Handler,
    /* IRQ 6 */ GPIOTE_IRQHandler,
    /* 7 SAADC … 16 WDT */ Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler,
    Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler,
    /* IRQ 17 */ RTC1_IRQHandler,
    /* 18 QDEC … 38 FPU */ Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler,
    Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler,
    Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler,
    Default_Handler, Default_Handler, Default_Handler, Default_Handler,
};

void Reset_Handler(void) {
    uint32_t *src = _sidata, *dst = _sdata;
    while (dst < _edata) *dst++ = *src++;
    for (dst = _sbss; dst < _ebss;) *dst++ = 0;
    main();
    for (;;) {
    }
}

/* An unexpected interrupt or fault: let the watchdog reset the beacon (it keeps its clock). */
void Default_Handler(void) {
    for (;;) {
    }
}
