#include "bc_eid.h"

#include <string.h>

uint32_t bc_eid_quantum(uint8_t exponent, uint32_t t) {
    /* K is validated by the config parser (0..15); mask anyway so a bad value cannot shift by ≥ 32. */
    return t & ~((1u << (exponent & 0x0Fu)) - 1u);
}

static void tk_block(uint32_t t, uint8_t block[16]) {
    memset(block, 0, 16);
    block[11] = 0xFF; /* salt (eid-computation.md) */
    block[14] = (uint8_t)(t >> 24);
    block[15] = (uint8_t)(t >> 16);
}

static void eid_block(uint8_t exponent, uint32_t t, uint8_t block[16]) {
    uint32_t q = bc_eid_quantum(exponent, t);
    memset(block, 0, 16);
    block[11] = exponent;
    block[12] = (uint8_t)(q >> 24);
    block[13] = (uint8_t)(q >> 16);
    block[14] = (uint8_t)(q >> 8);
    block[15] = (uint8_t)q;
}

void bc_eid_compute(bc_aes_fn aes, const uint8_t ik[16], uint8_t exponent, uint32_t t, uint8_t tk_out[16],
                    uint8_t eid[BC_EID_BYTES]) {
    uint8_t block[16], tk[16], out[16];
    tk_block(t, block);
    aes(ik, block, tk);
    eid_block(exponent, t, block);
    aes(tk, block, out);
    memcpy(eid, out, BC_EID_BYTES);
    if (tk_out) memcpy(tk_out, tk, 16);
}

void bc_eid_cache_reset(bc_eid_cache *c) { memset(c, 0, sizeof *c); }

const uint8_t *bc_eid_get(bc_eid_cache *c, bc_aes_fn aes, const uint8_t ik[16], uint8_t exponent, uint32_t t) {
    uint8_t block[16], out[16];
    uint16_t epoch = (uint16_t)(t >> 16);
    uint32_t quantum = bc_eid_quantum(exponent, t);
    if (!c->tk_valid || c->tk_epoch != epoch) {
        tk_block(t, block);
        aes(ik, block, c->tk);
        c->tk_epoch = epoch;
        c->tk_valid = 1;
        c->eid_valid = 0;
        c->tk_computations++;
    }
    if (!c->eid_valid || c->eid_quantum != quantum) {
        eid_block(exponent, t, block);
        aes(c->tk, block, out);
        memcpy(c->eid, out, BC_EID_BYTES);
        c->eid_quantum = quantum;
        c->eid_valid = 1;
        c->eid_computations++;
    }
    return c->eid;
}
