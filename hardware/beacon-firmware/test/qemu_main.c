/*
 * The portable core on a Cortex-M0 (nRF51822 of qemu-system-arm's "microbit" machine): the unit
 * tests, then the cross-check scenario over the same config files (read from the host through
 * semihosting), all printed over semihosting. `make qemu` diffs this output against the host
 * build's: same bytes on a 32-bit little-endian MCU without unaligned access or a divider.
 */
#include <stdint.h>
#include <stdlib.h>

#define main test_core_main
#include "test_core.c"
#undef main
#define main test_vectors_main
#include "test_vectors.c"
#undef main

extern void initialise_monitor_handles(void);
extern uint32_t __bss_start__[], __bss_end__[], __stack[];

static const char *const configs[] = {
#include "qemu_configs.h"
};

void Reset_Handler(void) {
    for (uint32_t *p = __bss_start__; p < __bss_end__;) *p++ = 0;
    initialise_monitor_handles();
    int rc = test_core_main();
    char *argv[1 + sizeof configs / sizeof configs[0]];
    argv[0] = (char *)"test_vectors";
    for (unsigned i = 0; i < sizeof configs / sizeof configs[0]; i++) argv[i + 1] = (char *)configs[i];
    rc |= test_vectors_main((int)(sizeof argv / sizeof argv[0]), argv);
    exit(rc);
}

static void Fault_Handler(void) {
    exit(99);
}

__attribute__((section(".vectors"), used)) static const void *const vectors[16] = {
    __stack, (const void *)Reset_Handler, (const void *)Fault_Handler, (const void *)Fault_Handler,
};
