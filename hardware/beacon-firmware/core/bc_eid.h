/*
 * Eddystone-EID (google/eddystone eddystone-eid/eid-computation.md; notes §2.6):
 *   TK  = AES128(IK, 00x11 ‖ FF ‖ 00 00 ‖ BE16(t >> 16))
 *   EID = AES128(TK, 00x11 ‖ K ‖ BE32(t with its K low bits cleared))[0..8]
 * The TK changes every 65 536 s and the EID every 2^K s, so both are cached: a beacon at a 1 s
 * interval with K = 10 runs the block cipher twice per 17 min instead of twice per event.
 */
#ifndef BC_EID_H
#define BC_EID_H

#include <stdint.h>

#include "bc_aes.h"

#define BC_EID_BYTES 8u
#define BC_EID_MAX_EXPONENT 15u

typedef struct {
    uint8_t tk[16];
    uint16_t tk_epoch; /* t >> 16 the cached TK belongs to */
    uint8_t tk_valid;
    uint8_t eid_valid;
    uint32_t eid_quantum; /* t with its K low bits cleared, for the cached EID */
    uint8_t eid[BC_EID_BYTES];
    uint32_t tk_computations;  /* counters for the tests and the power estimate */
    uint32_t eid_computations;
} bc_eid_cache;

/* Start of the 2^K-second quantum containing t. */
uint32_t bc_eid_quantum(uint8_t exponent, uint32_t t);

/* Uncached, for tests and one-off use: tk may be NULL. */
void bc_eid_compute(bc_aes_fn aes, const uint8_t ik[16], uint8_t exponent, uint32_t t, uint8_t tk[16],
                    uint8_t eid[BC_EID_BYTES]);

void bc_eid_cache_reset(bc_eid_cache *c);

/* EID for counter t, recomputing TK only when t >> 16 changed and the EID only when the
 * quantum changed. Returns a pointer into the cache. */
const uint8_t *bc_eid_get(bc_eid_cache *c, bc_aes_fn aes, const uint8_t ik[16], uint8_t exponent, uint32_t t);

#endif
