/*
 * Touchpoint touch-bridge line protocol, version 1 ("TP1"): encoder and debounce state machine.
 * Plain C99, no Arduino dependency, no printf, no heap. Spec: protocol/sensors/touch/PROTOCOL.md.
 *
 *   TP1 HELLO fw=1.0.0 ch=13 *XX      TP1 T <ch> <ms> *XX      TP1 R <ch> <ms> *XX
 *   TP1 D <ms> s=<mask hex4> f=<v,...> b=<v,...> *XX          TP1 E <code> *XX
 *
 * Host → bridge (PROTOCOL.md "Requests"): "TP1 HELLO? *31" or a bare "?" asks for the HELLO line again.
 *
 * XX = CRC-8/SMBUS (poly 0x07, init 0, no reflection, no xorout; check("123456789") = 0xF4) of every
 * byte before " *", as two uppercase hex digits. Lines are sent with CR LF.
 */
#ifndef TOUCH_PROTO_H
#define TOUCH_PROTO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TP_PROTOCOL_VERSION 1
/* MPR121: electrodes 0..11 plus the proximity electrode ELEPROX as channel 12 (status bit 12). */
#define TP_MAX_CHANNELS 13
/* Longest line, CRC included, terminator excluded. Worst case (D line, 13 five-digit values) is 187. */
#define TP_MAX_LINE 192
#define TP_LINE_BUF (TP_MAX_LINE + 1)
/* MPR121 touch status register 0x01 bit 7: over-current on REXT (NXP datasheet). */
#define TP_STATUS_OVERCURRENT 0x8000u

uint8_t tp_crc8(const uint8_t *data, size_t len);

/*
 * Encoders write one NUL-terminated line (without CR LF) into out[cap] and return its length, or -1 when
 * an argument is out of range or the line does not fit. Nothing is written past out[cap - 1].
 */
int tp_encode_hello(char *out, size_t cap, const char *firmware, unsigned channels);
int tp_encode_touch(char *out, size_t cap, unsigned channel, uint32_t ms);
int tp_encode_release(char *out, size_t cap, unsigned channel, uint32_t ms);
/* n values per list (1..TP_MAX_CHANNELS); bits of `touched` at or above n must be clear. */
int tp_encode_data(char *out, size_t cap, uint32_t ms, uint16_t touched, const uint16_t *filtered,
                   const uint16_t *baseline, unsigned n);
/* code: 1..32 characters from [a-z0-9-] */
int tp_encode_error(char *out, size_t cap, const char *code);

typedef enum { TP_EVENT_TOUCH = 'T', TP_EVENT_RELEASE = 'R' } tp_event_type_t;

typedef struct {
  tp_event_type_t type;
  uint8_t channel;
  uint32_t ms;
} tp_event_t;

int tp_encode_event(char *out, size_t cap, const tp_event_t *event);

/*
 * Per-channel debounce over the MPR121 touch-status word: a channel changes state only after `samples`
 * consecutive readings disagree with its current state; any agreeing reading restarts the count.
 */
typedef struct {
  uint16_t stable;                 /* debounced touched mask */
  uint8_t count[TP_MAX_CHANNELS];  /* consecutive disagreeing readings per channel */
  uint8_t samples;
  uint8_t channels;
} tp_debounce_t;

void tp_debounce_init(tp_debounce_t *d, unsigned channels, unsigned samples);

/*
 * Feeds one status reading taken at `ms`; writes the resulting events (ascending channel order) and
 * returns how many. With cap < channels, changes that do not fit stay due and come out next call.
 */
unsigned tp_debounce_update(tp_debounce_t *d, uint16_t status, uint32_t ms, tp_event_t *events, unsigned cap);

uint16_t tp_debounce_state(const tp_debounce_t *d);

/*
 * Host → bridge requests. A USB bridge sends HELLO at start-up, usually before the host has the port
 * open, so the host asks for it again with "TP1 HELLO? *31" (or a person types "?" at a terminal).
 * Requests are short: a line longer than TP_RX_MAX is discarded up to its terminator.
 */
#define TP_RX_MAX 32

typedef enum { TP_REQUEST_NONE = 0, TP_REQUEST_HELLO = 1 } tp_request_t;

/* line[len] without terminator → the request it is, TP_REQUEST_NONE for anything else (bad CRC included). */
tp_request_t tp_parse_request(const char *line, size_t len);

typedef struct {
  char buf[TP_RX_MAX];
  uint8_t len;
  uint8_t discarding; /* the current line outgrew buf: ignore it up to its terminator */
} tp_rx_t;

void tp_rx_init(tp_rx_t *rx);

/* Feeds one received byte; when it ends a line (CR or LF), returns that line's request. */
tp_request_t tp_rx_push(tp_rx_t *rx, uint8_t byte);

#ifdef __cplusplus
}
#endif

#endif
