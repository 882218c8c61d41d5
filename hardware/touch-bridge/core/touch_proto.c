/* Touchpoint touch-bridge line protocol TP1. See touch_proto.h and protocol/sensors/touch/PROTOCOL.md. */
#include "touch_proto.h"

#include <string.h>

uint8_t tp_crc8(const uint8_t *data, size_t len) {
  uint8_t crc = 0x00;
  size_t i;
  for (i = 0; i < len; i++) {
    int bit;
    crc ^= data[i];
    for (bit = 0; bit < 8; bit++) crc = (uint8_t)((crc & 0x80u) ? ((unsigned)crc << 1) ^ 0x07u : (unsigned)crc << 1);
  }
  return crc;
}

/* Bounded line builder: never writes past cap - 1, remembers if anything did not fit. */
typedef struct {
  char *buf;
  size_t cap;
  size_t len;
  int bad;
} line_t;

static void put_char(line_t *w, char c) {
  if (w->len + 1 < w->cap) {
    w->buf[w->len++] = c;
  } else {
    w->bad = 1;
  }
}

static void put_str(line_t *w, const char *s) {
  while (*s) put_char(w, *s++);
}

static void put_u32(line_t *w, uint32_t v) {
  char digits[10];
  int n = 0;
  do {
    digits[n++] = (char)('0' + v % 10u);
    v /= 10u;
  } while (v != 0);
  while (n > 0) put_char(w, digits[--n]);
}

static const char HEX_DIGITS[] = "0123456789ABCDEF";

static void put_hex(line_t *w, uint32_t v, int width) {
  while (width-- > 0) put_char(w, HEX_DIGITS[(v >> (4 * width)) & 0xFu]);
}

static line_t begin(char *out, size_t cap, const char *type) {
  line_t w;
  w.buf = out;
  w.cap = cap;
  w.len = 0;
  w.bad = (out == NULL || cap == 0);
  if (!w.bad) {
    put_str(&w, "TP1 ");
    put_str(&w, type);
  }
  return w;
}

/* Appends " *XX" and the NUL; returns the line length or -1. */
static int finish(line_t *w) {
  uint8_t crc;
  if (w->bad) {
    if (w->buf != NULL && w->cap > 0) w->buf[0] = '\0';
    return -1;
  }
  crc = tp_crc8((const uint8_t *)w->buf, w->len);
  put_str(w, " *");
  put_hex(w, crc, 2);
  if (w->bad || w->len > TP_MAX_LINE) {
    w->buf[0] = '\0';
    return -1;
  }
  w->buf[w->len] = '\0';
  return (int)w->len;
}

static int token_ok(const char *s, size_t max, int (*allowed)(char)) {
  size_t n = 0;
  if (s == NULL || *s == '\0') return 0;
  for (; *s; s++, n++) {
    if (n >= max || !allowed(*s)) return 0;
  }
  return 1;
}

static int firmware_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '.' || c == '+' || c == '-' || c == '_';
}

static int code_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '-';
}

int tp_encode_hello(char *out, size_t cap, const char *firmware, unsigned channels) {
  line_t w = begin(out, cap, "HELLO fw=");
  if (!token_ok(firmware, 32, firmware_char) || channels < 1 || channels > TP_MAX_CHANNELS) w.bad = 1;
  if (!w.bad) {
    put_str(&w, firmware);
    put_str(&w, " ch=");
    put_u32(&w, channels);
  }
  return finish(&w);
}

static int encode_event(char *out, size_t cap, const char *type, unsigned channel, uint32_t ms) {
  line_t w = begin(out, cap, type);
  if (channel >= TP_MAX_CHANNELS) w.bad = 1;
  put_char(&w, ' ');
  put_u32(&w, channel);
  put_char(&w, ' ');
  put_u32(&w, ms);
  return finish(&w);
}

int tp_encode_touch(char *out, size_t cap, unsigned channel, uint32_t ms) {
  return encode_event(out, cap, "T", channel, ms);
}

int tp_encode_release(char *out, size_t cap, unsigned channel, uint32_t ms) {
  return encode_event(out, cap, "R", channel, ms);
}

int tp_encode_event(char *out, size_t cap, const tp_event_t *event) {
  if (event == NULL) return finish(&(line_t){out, cap, 0, 1});
  return encode_event(out, cap, event->type == TP_EVENT_TOUCH ? "T" : "R", event->channel, event->ms);
}

static void put_list(line_t *w, const char *key, const uint16_t *values, unsigned n) {
  unsigned i;
  put_str(w, key);
  for (i = 0; i < n; i++) {
    if (i > 0) put_char(w, ',');
    put_u32(w, values[i]);
  }
}

int tp_encode_data(char *out, size_t cap, uint32_t ms, uint16_t touched, const uint16_t *filtered,
                   const uint16_t *baseline, unsigned n) {
  line_t w = begin(out, cap, "D ");
  if (filtered == NULL || baseline == NULL || n < 1 || n > TP_MAX_CHANNELS || (touched >> n) != 0) w.bad = 1;
  if (!w.bad) {
    put_u32(&w, ms);
    put_str(&w, " s=");
    put_hex(&w, touched, 4);
    put_list(&w, " f=", filtered, n);
    put_list(&w, " b=", baseline, n);
  }
  return finish(&w);
}

int tp_encode_error(char *out, size_t cap, const char *code) {
  line_t w = begin(out, cap, "E ");
  if (!token_ok(code, 32, code_char)) w.bad = 1;
  if (!w.bad) put_str(&w, code);
  return finish(&w);
}

void tp_debounce_init(tp_debounce_t *d, unsigned channels, unsigned samples) {
  unsigned i;
  d->stable = 0;
  d->channels = (uint8_t)(channels > TP_MAX_CHANNELS ? TP_MAX_CHANNELS : channels);
  d->samples = (uint8_t)(samples < 1 ? 1 : samples > 255 ? 255 : samples);
  for (i = 0; i < TP_MAX_CHANNELS; i++) d->count[i] = 0;
}

unsigned tp_debounce_update(tp_debounce_t *d, uint16_t status, uint32_t ms, tp_event_t *events, unsigned cap) {
  unsigned i;
  unsigned n = 0;
  for (i = 0; i < d->channels; i++) {
    uint16_t bit = (uint16_t)(1u << i);
    if (((status ^ d->stable) & bit) == 0) {
      d->count[i] = 0;
      continue;
    }
    if (d->count[i] < d->samples) d->count[i]++;
    if (d->count[i] >= d->samples && n < cap && events != NULL) {
      d->stable ^= bit;
      d->count[i] = 0;
      events[n].type = (d->stable & bit) ? TP_EVENT_TOUCH : TP_EVENT_RELEASE;
      events[n].channel = (uint8_t)i;
      events[n].ms = ms;
      n++;
    }
  }
  return n;
}

uint16_t tp_debounce_state(const tp_debounce_t *d) {
  return d->stable;
}

/* "TP1 HELLO?" and its CRC as two uppercase hex digits: the framed request (PROTOCOL.md "Requests"). */
static const char HELLO_REQUEST[] = "TP1 HELLO?";

tp_request_t tp_parse_request(const char *line, size_t len) {
  size_t body = sizeof HELLO_REQUEST - 1;
  uint8_t crc;
  if (line == NULL) return TP_REQUEST_NONE;
  if (len == 1 && line[0] == '?') return TP_REQUEST_HELLO;
  if (len != body + 4 || memcmp(line, HELLO_REQUEST, body) != 0 || line[body] != ' ' || line[body + 1] != '*') return TP_REQUEST_NONE;
  crc = tp_crc8((const uint8_t *)line, body);
  if (line[body + 2] != HEX_DIGITS[crc >> 4] || line[body + 3] != HEX_DIGITS[crc & 0xFu]) return TP_REQUEST_NONE;
  return TP_REQUEST_HELLO;
}

void tp_rx_init(tp_rx_t *rx) {
  rx->len = 0;
  rx->discarding = 0;
}

tp_request_t tp_rx_push(tp_rx_t *rx, uint8_t byte) {
  tp_request_t request;
  if (byte == '\r' || byte == '\n') {
    request = rx->discarding ? TP_REQUEST_NONE : tp_parse_request(rx->buf, rx->len);
    tp_rx_init(rx);
    return request;
  }
  if (rx->discarding) return TP_REQUEST_NONE;
  if (rx->len >= TP_RX_MAX) {
    rx->discarding = 1;
    rx->len = 0;
    return TP_REQUEST_NONE;
  }
  rx->buf[rx->len++] = (char)byte;
  return TP_REQUEST_NONE;
}
