/*
 * Host unit tests of the portable core. Published vectors first (source named at each), then
 * behaviour (rotation, bursts, caches), then robustness of the config parser on random bytes.
 * Prints one line per failure and ends with "N passed, N failed"; exit status 1 on any failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/bc_aes.h"
#include "../core/bc_beacon.h"
#include "../core/bc_config.h"
#include "../core/bc_crc32.h"
#include "../core/bc_eid.h"
#include "../core/bc_frames.h"

static int passed, failed;

#define CHECK(cond, ...)                                 \
    do {                                                 \
        if (cond) {                                      \
            passed++;                                    \
        } else {                                         \
            failed++;                                    \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);  \
            printf(__VA_ARGS__);                         \
            printf("\n");                                \
        }                                                \
    } while (0)

static size_t unhex(const char *h, uint8_t *out) {
    size_t n = 0;
    while (h[0] && h[1]) {
        unsigned v;
        if (sscanf(h, "%2x", &v) != 1) break;
        out[n++] = (uint8_t)v;
        h += 2;
    }
    return n;
}

static const char *tohex(const uint8_t *b, size_t n) {
    static char buf[2][600];
    static int which;
    char *s = buf[which ^= 1];
    for (size_t i = 0; i < n; i++) sprintf(s + 2 * i, "%02x", b[i]);
    s[2 * n] = 0;
    return s;
}

static int eq_hex(const uint8_t *b, size_t n, const char *hex) {
    uint8_t want[300];
    size_t m = unhex(hex, want);
    return m == n && memcmp(b, want, n) == 0;
}

/* counts block encryptions so the cache tests can see them */
static unsigned aes_calls;
static void counting_aes(const uint8_t key[16], const uint8_t in[16], uint8_t out[16]) {
    aes_calls++;
    bc_aes128_encrypt_sw(key, in, out);
}

static void test_aes(void) {
    /* FIPS-197 Appendix C.1 (AES-128) */
    uint8_t k[16], p[16], c[16];
    unhex("000102030405060708090a0b0c0d0e0f", k);
    unhex("00112233445566778899aabbccddeeff", p);
    bc_aes128_encrypt_sw(k, p, c);
    CHECK(eq_hex(c, 16, "69c4e0d86a7b0430d8cdb78070b4c55a"), "FIPS-197 C.1: %s", tohex(c, 16));
    /* FIPS-197 Appendix B (cipher example) */
    unhex("2b7e151628aed2a6abf7158809cf4f3c", k);
    unhex("3243f6a8885a308d313198a2e0370734", p);
    bc_aes128_encrypt_sw(k, p, c);
    CHECK(eq_hex(c, 16, "3925841d02dc09fbdc118597196a0b32"), "FIPS-197 B: %s", tohex(c, 16));
}

static void test_cmac(void) {
    /* RFC 4493 §4, Examples 1-4 */
    static const char *msg =
        "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52ef"
        "f69f2445df4f9b17ad2b417be66c3710";
    static const struct { size_t len; const char *mac; } ex[] = {
        {0, "bb1d6929e95937287fa37d129b756746"},
        {16, "070a16b46b4d4144f79bdd9dd04a287c"},
        {40, "dfa66747de9ae63030ca32611497c827"},
        {64, "51f0bebf7e3b9d92fc49741779363cfe"},
    };
    uint8_t k[16], m[64], mac[16];
    unhex("2b7e151628aed2a6abf7158809cf4f3c", k);
    unhex(msg, m);
    for (unsigned i = 0; i < 4; i++) {
        bc_cmac(bc_aes128_encrypt_sw, k, NULL, m, ex[i].len, mac);
        CHECK(eq_hex(mac, 16, ex[i].mac), "RFC 4493 example %u: %s", i + 1, tohex(mac, 16));
    }
    /* a 16-byte prefix is the same as those bytes at the front of the message */
    bc_cmac(bc_aes128_encrypt_sw, k, m, m + 16, 24, mac);
    CHECK(eq_hex(mac, 16, ex[2].mac), "prefix form of example 3: %s", tohex(mac, 16));
}

static void test_eax(void) {
    /* Bellare-Rogaway-Wagner EAX paper test vectors, as listed in sandeepmistry/
     * node-eddystone-beacon-scanner lib/eax.spec.js (notes §2.5; also protocol/ble/crypto/eax.test.ts) */
    static const struct { const char *msg, *key, *nonce, *header, *out; } v[] = {
        {"", "233952DEE4D5ED5F9B9C6D6FF80FF478", "62EC67F9C3A4A407FCB2A8C49031A8B3", "6BFB914FD07EAE6B",
         "E037830E8389F27B025A2D6527E79D01"},
        {"F7FB", "91945D3F4DCBEE0BF45EF52255F095A4", "BECAF043B0A23D843194BA972C66DEBD", "FA3BFD4806EB53FA",
         "19DD5C4C9331049D0BDAB0277408F67967E5"},
        {"1A47CB4933", "01F74AD64077F2E704C0F60ADA3DD523", "70C3DB4F0D26368400A10ED05D2BFF5E", "234A3463C1264AC6",
         "D851D5BAE03A59F238A23E39199DC9266626C40F80"},
        {"481C9E39B1", "D07CF6CBB7F313BDDE66B727AFD3C5E8", "8408DFFF3C1A2B1292DC199E46B7D617", "33CCE2EABFF5A79D",
         "632A9D131AD4C168A4225D8E1FF755939974A7BEDE"},
        {"40D0C07DA5E4", "35B6D0580005BBC12B0587124557D2C2", "FDB6B06676EEDC5C61D74276E1F8E816", "AEB96EAEBE2970E9",
         "071DFE16C675CB0677E536F73AFE6A14B74EE49844DD"},
        {"4DE3B35C3FC039245BD1FB7D", "BD8E6E11475E60B268784C38C62FEB22", "6EAC5C93072D8E8513F750935E46DA1B",
         "D4482D1CA78DCE0F", "835BB4F15D743E350E728414ABB8644FD6CCB86947C5E10590210A4F"},
        {"8B0A79306C9CE7ED99DAE4F87F8DD61636", "7C77D6E813BED5AC98BAA417477A2E7D", "1A8C98DCD73D38393B2BF1569DEEFC19",
         "65D2017990D62528", "02083E3979DA014812F59F11D52630DA30137327D10649B0AA6E1C181DB617D7F2"},
        {"1BDA122BCE8A8DBAF1877D962B8592DD2D56", "5FFF20CAFAB119CA2FC73549E20F5B0D", "DDE59B97D722156D4D9AFF2BC7559826",
         "54B9F04E6A09189A", "2EC47B2C4954A489AFC7BA4897EDCDAE8CC33B60450599BD02C96382902AEF7F832A"},
        {"6CF36720872B8513F6EAB1A8A44438D5EF11", "A4A4782BCFFD3EC5E7EF6D8C34A56123", "B781FCF2F75FA5A8DE97A9CA48E522EC",
         "899A175897561D7E", "0DE18FD0FDD91E7AF19F1D8EE8733938B1E8E7F6D2231618102FDB7FE55FF1991700"},
        {"CA40D7446E545FFAED3BD12A740A659FFBBB3CEAB7", "8395FCF1E95BEBD697BD010BC766AAC3",
         "22E7ADD93CFC6393C57EC0B3C17D6B44", "126735FCC320D25A",
         "CB8920F87A6C75CFF39627B56E3ED197C552D295A7CFC46AFC253B4652B1AF3795B124AB6E"},
    };
    for (unsigned i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint8_t m[32], k[16], n[16], h[16], out[64];
        size_t ml = unhex(v[i].msg, m), nl = unhex(v[i].nonce, n), hl = unhex(v[i].header, h);
        unhex(v[i].key, k);
        bc_eax_encrypt(bc_aes128_encrypt_sw, k, n, nl, h, hl, m, ml, out, out + ml, 16);
        uint8_t want[64];
        size_t wl = unhex(v[i].out, want);
        CHECK(wl == ml + 16 && memcmp(out, want, wl) == 0, "EAX vector %u: %s", i + 1, tohex(out, ml + 16));
    }
}

static void test_eid(void) {
    /* notes §2.6: D1, D2 [SRC] RadiusNetworks/ephemeral_calc spec/encryptor_spec.rb; D5 [DERIVED] */
    static const struct { uint32_t t; const char *eid; } v[] = {
        {0, "a9b76a71c5f89290"}, {2000, "4144413e45fefa58"}, {65280, "a2a2bd394ff76ef2"}};
    uint8_t ik[16], tk[16], eid[8];
    unhex("0102030405060708090A111213141516", ik);
    for (unsigned i = 0; i < 3; i++) {
        bc_eid_compute(bc_aes128_encrypt_sw, ik, 10, v[i].t, tk, eid);
        CHECK(eq_hex(tk, 16, "6f291c5c48264b8a0b38a19e7fed73cc"), "TK at t=%u: %s", (unsigned)v[i].t, tohex(tk, 16));
        CHECK(eq_hex(eid, 8, v[i].eid), "EID at t=%u: %s", (unsigned)v[i].t, tohex(eid, 8));
    }
    CHECK(bc_eid_quantum(10, 2000) == 0x400, "quantum of 2000 with K=10");
    CHECK(bc_eid_quantum(0, 0xFFFFFFFFu) == 0xFFFFFFFFu, "K=0 keeps every bit");
    CHECK(bc_eid_quantum(15, 0xFFFFFFFFu) == 0xFFFF8000u, "K=15 clears 15 bits");

    /* cache: TK only when t >> 16 changes, EID only when the quantum changes */
    bc_eid_cache c;
    bc_eid_cache_reset(&c);
    aes_calls = 0;
    const uint8_t *e = bc_eid_get(&c, counting_aes, ik, 10, 65280);
    CHECK(eq_hex(e, 8, "a2a2bd394ff76ef2") && aes_calls == 2, "cached D5 (%u AES calls)", aes_calls);
    for (uint32_t t = 65281; t < 65536; t++) bc_eid_get(&c, counting_aes, ik, 10, t);
    CHECK(aes_calls == 2 && c.tk_computations == 1, "same quantum: no recomputation (%u)", aes_calls);
    e = bc_eid_get(&c, counting_aes, ik, 10, 65536);
    CHECK(c.tk_computations == 2 && c.eid_computations == 2 && aes_calls == 4, "TK roll-over at 65536 (%u)", aes_calls);
    bc_eid_compute(bc_aes128_encrypt_sw, ik, 10, 65536, tk, eid);
    CHECK(memcmp(e, eid, 8) == 0, "cached EID after roll-over equals uncached");
    CHECK(!eq_hex(tk, 16, "6f291c5c48264b8a0b38a19e7fed73cc"), "TK changed at 65536");
    for (uint32_t t = 65536 + 1024; t < 65536 + 8 * 1024; t += 1024) bc_eid_get(&c, counting_aes, ik, 10, t);
    CHECK(c.tk_computations == 2 && c.eid_computations == 9, "7 new quanta, same TK epoch (%u, %u)",
          (unsigned)c.tk_computations, (unsigned)c.eid_computations);
}

static void test_frames(void) {
    uint8_t out[BC_AD_MAX], f[32];
    size_t n;
    /* I1 [SRC] forforf/multi_beacon ibeacon_protocol.md: full 30-byte adv with flags 0x1A */
    unhex("83256B7478D043A4826905F9DC8A44BA" "0010" "0020" "C6", f);
    n = bc_ad_ibeacon(0x1A, f, out);
    CHECK(eq_hex(out, n, "02011A1AFF4C00021583256B7478D043A4826905F9DC8A44BA00100020C6"), "I1: %s", tohex(out, n));

    /* T1 [SRC] google/eddystone TlmValidatorTest.java: 5000 mV, 21 °C, adv 1, sec 1 */
    bc_tlm t = {5000, 21 * 256, 1, 1};
    n = bc_ad_tlm(0x06, &t, out);
    CHECK(eq_hex(out, n, "0201060303aafe1116aafe" "20001388150000000001" "00000001"), "T1: %s", tohex(out, n));

    /* R1 [SRC] google/eddystone eddystone-url-unit.js: https://www.example.com, tx +10 */
    unhex("0A01" "6578616D706C65" "07", f);
    n = bc_ad_url(0x06, f, 10, out);
    CHECK(eq_hex(out, n, "0201060303aafe0e16aafe" "100A016578616D706C6507"), "R1: %s", tohex(out, n));

    /* U1 layout with the RFU bytes (notes §2.2): tx −25, ns 00..09, inst 010203040506 */
    unhex("E7" "00010203040506070809" "010203040506", f);
    n = bc_ad_uid(0x06, f, out);
    CHECK(eq_hex(out, n, "0201060303aafe1716aafe00e700010203040506070809010203040506" "0000"), "UID: %s",
          tohex(out, n));

    /* E2, E3 [DERIVED] notes §2.5: full eTLM service data */
    uint8_t ik[16];
    bc_tlm e2 = {0xFFEE, (int16_t)0xDDCC, 0xBBAA9988u, 0x77665544u};
    unhex("00112233445566778899AABBCCDDEEFF", ik);
    n = bc_ad_etlm(0x06, &e2, bc_aes128_encrypt_sw, ik, 4, 1518080946u, 0xFFFF, out);
    CHECK(n == 29 && eq_hex(out + 11, 18, "20011e1ce0211d355b79720c117cffff76d7"), "E2: %s", tohex(out, n));
    CHECK(eq_hex(out, 11, "0201060303aafe1516aafe"), "eTLM AD header: %s", tohex(out, 11));
    bc_tlm e3 = {0x0BFE, 0x1C00, 0x00000708u, 0x00003E7Cu};
    unhex("0102030405060708090A111213141516", ik);
    n = bc_ad_etlm(0x06, &e3, bc_aes128_encrypt_sw, ik, 10, 2000, 0x1234, out);
    CHECK(eq_hex(out + 11, 18, "20015ee3e36fa4efabeed8b5f761123450eb"), "E3: %s", tohex(out + 11, 18));

    /* EID frame with D1 */
    unhex("A9B76A71C5F89290", f);
    n = bc_ad_eid(0x06, -20, f, out);
    CHECK(eq_hex(out, n, "0201060303aafe0d16aafe30ec" "a9b76a71c5f89290"), "EID frame: %s", tohex(out, n));

    /* event frame: README.md "Event frame" worked example */
    unhex("0011223344556677", f);
    n = bc_ad_event(0x06, 0xFFFF, 0, 258, 17, f, out);
    CHECK(eq_hex(out, n, "020106" "15ff" "ffff" "5450" "01" "00" "00000102" "0011" "0011223344556677"), "event: %s",
          tohex(out, n));
    CHECK(n == 25, "event frame length %u", (unsigned)n);
}

static void test_crc32(void) {
    /* CRC-32 check value (Williams, "A Painless Guide to CRC Error Detection Algorithms") */
    CHECK(bc_crc32((const uint8_t *)"123456789", 9) == 0xCBF43926u, "CRC-32 check value");
    CHECK(bc_crc32(NULL, 0) == 0, "CRC-32 of nothing");
}

/* A small record builder for the config tests. */
/* records here are small; 512 bytes keeps the Cortex-M0 (16 KB RAM) qemu run within bounds */
typedef struct {
    uint8_t b[512];
    size_t n;
} rec_t;

static void rec_begin(rec_t *r) {
    memset(r, 0, sizeof *r);
    memcpy(r->b, "TPBC", 4);
    r->b[4] = 1;
    r->n = 8;
}
static void rec_field(rec_t *r, uint8_t tag, const uint8_t *v, uint8_t len) {
    r->b[r->n++] = tag;
    r->b[r->n++] = len;
    memcpy(r->b + r->n, v, len);
    r->n += len;
}
static size_t rec_end(rec_t *r) {
    r->b[6] = (uint8_t)r->n;
    r->b[7] = (uint8_t)(r->n >> 8);
    uint32_t crc = bc_crc32(r->b, r->n);
    for (int i = 0; i < 4; i++) r->b[r->n + (size_t)i] = (uint8_t)(crc >> (8 * i));
    return r->n + 4;
}

static size_t sample_record(rec_t *r) {
    uint8_t v[32];
    rec_begin(r);
    rec_field(r, BC_TAG_INTERVAL_MS, (const uint8_t *)"\xE8\x03", 2); /* 1000 */
    rec_field(r, BC_TAG_TX_POWER, (const uint8_t *)"\xFC", 1);        /* −4 */
    rec_field(r, BC_TAG_TIME_REFERENCE, (const uint8_t *)"\x00\xFF\x00\x00", 4); /* 65280 */
    unhex("0102030405060708090A111213141516", v);
    rec_field(r, BC_TAG_IDENTITY_KEY, v, 16);
    rec_field(r, BC_TAG_EID_EXPONENT, (const uint8_t *)"\x0A", 1);
    rec_field(r, 0x7E, (const uint8_t *)"xyz", 3); /* unknown: skipped */
    v[0] = BC_SLOT_IBEACON;
    unhex("83256B7478D043A4826905F9DC8A44BA" "0010" "0020" "C6", v + 1);
    rec_field(r, BC_TAG_SLOT, v, 22);
    rec_field(r, BC_TAG_SLOT, (const uint8_t *)"\x06\xEC", 2); /* EID, tx −20 */
    rec_field(r, BC_TAG_SLOT, (const uint8_t *)"\x04", 1);     /* TLM */
    return rec_end(r);
}

static void test_config(void) {
    static rec_t r, s, m;
    bc_config c;
    size_t n = sample_record(&r);
    bc_config_result res = bc_config_parse(r.b, n, &c);
    CHECK(res.status == BC_CFG_OK, "sample parses: %s at %u", bc_config_status_name(res.status), (unsigned)res.offset);
    CHECK(c.interval_ms == 1000 && c.tx_power_dbm == -4 && c.time_reference == 65280 && c.eid_exponent == 10,
          "scalar fields");
    CHECK(c.slot_count == 3 && c.slots[0].type == BC_SLOT_IBEACON && c.slots[1].type == BC_SLOT_EID &&
              c.slots[2].type == BC_SLOT_TLM && c.unknown_fields == 1,
          "slots and unknown field");
    CHECK(c.ad_flags == 0x06 && c.event_company_id == 0xFFFF && c.input_pin == BC_INPUT_NONE, "defaults");
    /* parses the same from a whole flash page (trailing 0xFF) */
#ifndef TEST_PAGE_BYTES
#define TEST_PAGE_BYTES BC_CONFIG_MAX_BYTES /* smaller on the 16 KB qemu target */
#endif
    static uint8_t page[TEST_PAGE_BYTES];
    memset(page, 0xFF, sizeof page);
    memcpy(page, r.b, n);
    CHECK(bc_config_parse(page, sizeof page, &c).status == BC_CFG_OK, "whole erased page");

    /* every single-byte corruption is refused (the CRC catches what the structure does not) */
    unsigned refused = 0;
    for (size_t i = 0; i < n; i++) {
        m = r;
        m.b[i] ^= 0x01;
        if (bc_config_parse(m.b, n, &c).status != BC_CFG_OK) refused++;
    }
    CHECK(refused == n, "single-bit flips refused: %u of %u", refused, (unsigned)n);
    /* every truncation is refused */
    unsigned trunc = 0;
    for (size_t i = 0; i < n; i++)
        if (bc_config_parse(r.b, i, &c).status != BC_CFG_OK) trunc++;
    CHECK(trunc == n, "truncations refused: %u of %u", trunc, (unsigned)n);
    memset(page, 0xFF, sizeof page);
    res = bc_config_parse(page, sizeof page, &c);
    CHECK(res.status == BC_CFG_BAD_MAGIC, "erased page: %s", bc_config_status_name(res.status));

    /* semantic checks, each behind a valid CRC */
    rec_begin(&s);
    rec_field(&s, BC_TAG_INTERVAL_MS, (const uint8_t *)"\x13\x00", 2); /* 19 ms */
    rec_field(&s, BC_TAG_SLOT, (const uint8_t *)"\x04", 1);
    res = bc_config_parse(s.b, rec_end(&s), &c);
    CHECK(res.status == BC_CFG_BAD_VALUE && res.offset == 10, "interval 19 ms: %s @%u", bc_config_status_name(res.status),
          (unsigned)res.offset);
    rec_begin(&s);
    rec_field(&s, BC_TAG_INTERVAL_MS, (const uint8_t *)"\xE8\x03", 2);
    rec_field(&s, BC_TAG_SLOT, (const uint8_t *)"\x06\x00", 2); /* EID without a key */
    res = bc_config_parse(s.b, rec_end(&s), &c);
    CHECK(res.status == BC_CFG_MISSING, "EID slot without key: %s", bc_config_status_name(res.status));
    rec_begin(&s);
    rec_field(&s, BC_TAG_INTERVAL_MS, (const uint8_t *)"\xE8\x03", 2);
    for (int i = 0; i < 9; i++) rec_field(&s, BC_TAG_SLOT, (const uint8_t *)"\x04", 1);
    res = bc_config_parse(s.b, rec_end(&s), &c);
    CHECK(res.status == BC_CFG_TOO_MANY_SLOTS, "nine slots: %s", bc_config_status_name(res.status));
    rec_begin(&s);
    rec_field(&s, BC_TAG_INTERVAL_MS, (const uint8_t *)"\xE8\x03", 2);
    rec_field(&s, BC_TAG_TX_POWER, (const uint8_t *)"\x02", 1); /* +2 dBm is not a TXPOWER step */
    rec_field(&s, BC_TAG_SLOT, (const uint8_t *)"\x04", 1);
    res = bc_config_parse(s.b, rec_end(&s), &c);
    CHECK(res.status == BC_CFG_BAD_VALUE, "tx +2 dBm: %s", bc_config_status_name(res.status));
    rec_begin(&s);
    rec_field(&s, BC_TAG_INTERVAL_MS, (const uint8_t *)"\xE8\x03", 2);
    rec_field(&s, BC_TAG_SLOT, (const uint8_t *)"\x03\x00\x03\x20", 4); /* URL with a space */
    res = bc_config_parse(s.b, rec_end(&s), &c);
    CHECK(res.status == BC_CFG_BAD_VALUE, "URL with a space: %s", bc_config_status_name(res.status));
    rec_begin(&s);
    rec_field(&s, BC_TAG_INTERVAL_MS, (const uint8_t *)"\xE8\x03", 2);
    s.b[s.n++] = BC_TAG_SLOT;
    s.b[s.n++] = 40; /* claims 40 bytes, record ends first */
    res = bc_config_parse(s.b, rec_end(&s), &c);
    CHECK(res.status == BC_CFG_BAD_FIELD && res.offset == 12, "overrunning field: %s @%u",
          bc_config_status_name(res.status), (unsigned)res.offset);

    /* random bodies behind a valid header and CRC: never crashes (run under `make asan`), and
     * whatever parses respects the limits */
    uint32_t x = 0x12345678u;
    unsigned ok = 0, bad = 0, limits = 1;
    for (int iter = 0; iter < 20000; iter++) {
        rec_begin(&s);
        size_t len = 1 + (x % 120);
        for (size_t i = 0; i < len; i++) {
            x = x * 1664525u + 1013904223u;
            uint8_t byte = (uint8_t)(x >> 24);
            /* bias towards plausible tags and short lengths to reach deep into the parser */
            if (i % 5 == 0) byte = (uint8_t)((byte & 0x1F) % 0x12);
            if (i % 5 == 1) byte &= 0x1F;
            s.b[s.n++] = byte;
        }
        size_t total = rec_end(&s);
        if (bc_config_parse(s.b, total, &c).status == BC_CFG_OK) {
            ok++;
            if (c.slot_count == 0 || c.slot_count > BC_MAX_SLOTS || c.interval_ms < 20) limits = 0;
        } else {
            bad++;
        }
    }
    CHECK(limits && ok + bad == 20000, "random records: %u ok, %u refused, limits %s", ok, bad, limits ? "held" : "broken");
}

static void test_beacon(void) {
    rec_t r;
    bc_config c;
    bc_beacon b;
    uint8_t out[BC_AD_MAX];
    bc_frame_info info;
    bc_sensors s = {3000, 84};
    size_t n = sample_record(&r);
    CHECK(bc_config_parse(r.b, n, &c).status == BC_CFG_OK, "sample record");
    c.event_burst = 2;
    bc_beacon_init(&b, &c, counting_aes, c.time_reference);

    /* round-robin: ibeacon, eid, tlm, ibeacon… with ADV_CNT counting 3 PDUs per event */
    static const uint8_t order[] = {BC_SLOT_IBEACON, BC_SLOT_EID, BC_SLOT_TLM, BC_SLOT_IBEACON, BC_SLOT_EID};
    for (unsigned i = 0; i < 5; i++) {
        CHECK(bc_beacon_next_needs_sensors(&b) == (order[i] == BC_SLOT_TLM), "needs sensors before event %u", i);
        uint8_t len = bc_beacon_next(&b, 1000u * i, &s, 0, out, &info);
        CHECK(info.type == order[i] && info.slot_index == i % 3 && info.adv_count == 3 * i && len > 0,
              "event %u: type %u slot %u adv %u", i, info.type, info.slot_index, (unsigned)info.adv_count);
    }
    /* TLM at event 2 (uptime 2000 ms): battery, 21 °C, ADV_CNT 6, SEC_CNT 20 */
    bc_beacon_init(&b, &c, counting_aes, c.time_reference);
    bc_beacon_next(&b, 0, &s, 0, out, &info);
    bc_beacon_next(&b, 1000, &s, 0, out, &info);
    n = bc_beacon_next(&b, 2000, &s, 0, out, &info);
    CHECK(eq_hex(out, n, "0201060303aafe1116aafe2000" "0bb8" "1500" "00000006" "00000014"), "TLM from beacon: %s",
          tohex(out, n));
    /* EID at beacon second 65280 + 1: D5 */
    bc_beacon_init(&b, &c, counting_aes, c.time_reference);
    bc_beacon_next(&b, 1500, &s, 0, out, &info);
    n = bc_beacon_next(&b, 1500, &s, 0, out, &info);
    CHECK(info.beacon_seconds == 65281 && eq_hex(out + 13, 8, "a2a2bd394ff76ef2"), "EID slot at t=65281: %s",
          tohex(out, n));

    /* a press pre-empts the rotation for `burst` events at the fast interval, then resumes */
    bc_beacon_init(&b, &c, counting_aes, c.time_reference);
    bc_beacon_next(&b, 0, &s, 0, out, &info); /* ibeacon */
    CHECK(bc_beacon_interval_ms(&b) == 1000, "normal interval");
    bc_beacon_input_event(&b, 450);
    CHECK(bc_beacon_interval_ms(&b) == 100, "fast interval during a burst");
    n = bc_beacon_next(&b, 500, &s, 0, out, &info);
    CHECK(info.slot_index == BC_SLOT_BURST && info.type == BC_SLOT_EVENT, "burst 1");
    /* identity key configured: id = current EID, flag bit 0 set, count 1, age 0 */
    CHECK(n == 25 && eq_hex(out + 5, 12, "ffff" "5450" "01" "01" "00000001" "0000"), "burst frame: %s", tohex(out, n));
    bc_beacon_input_event(&b, 560); /* second press during the burst: count 2, burst restarts */
    bc_beacon_next(&b, 600, &s, 0, out, &info);
    CHECK(info.slot_index == BC_SLOT_BURST && eq_hex(out + 11, 6, "00000002" "0000"), "burst after 2nd press: %s",
          tohex(out, 25));
    bc_beacon_next(&b, 700, &s, 0, out, &info);
    CHECK(info.slot_index == BC_SLOT_BURST && eq_hex(out + 15, 2, "0001"), "age 0.1 s: %s", tohex(out, 25));
    bc_beacon_next(&b, 1700, &s, 0, out, &info);
    CHECK(info.slot_index == 1 && info.type == BC_SLOT_EID, "rotation resumes at the EID slot");
    CHECK(info.adv_count == 12, "bursts count PDUs too: %u", (unsigned)info.adv_count);

    /* counters across long uptimes: 64-bit ms, SEC_CNT and beacon seconds wrap at 2^32 */
    bc_beacon_init(&b, &c, counting_aes, 0xFFFFFFF0u);
    uint64_t t = 430000000000ull; /* ~13.6 years: 0.1 s count passes 2^32 */
    bc_beacon_next(&b, t, &s, 0, out, &info);
    CHECK(info.sec_count == (uint32_t)(t / 100u) && info.beacon_seconds == (uint32_t)(0xFFFFFFF0u + t / 1000u),
          "wrapping counters");
    CHECK(bc_adv_delay_ms(0) == 0 && bc_adv_delay_ms(10) == 10 && bc_adv_delay_ms(11) == 0 && bc_adv_delay_ms(65535) <= 10,
          "advDelay 0..10 ms");
    /* temperature outside 8.8 → not supported */
    bc_sensors hot = {0, 600};
    bc_beacon_init(&b, &c, counting_aes, 0);
    bc_beacon_next(&b, 0, &hot, 0, out, &info);
    bc_beacon_next(&b, 0, &hot, 0, out, &info);
    n = bc_beacon_next(&b, 0, &hot, 0, out, &info);
    CHECK(eq_hex(out + 13, 4, "00008000"), "no battery, temperature unsupported: %s", tohex(out, n));
}

int main(void) {
    test_aes();
    test_cmac();
    test_eax();
    test_eid();
    test_frames();
    test_crc32();
    test_config();
    test_beacon();
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
