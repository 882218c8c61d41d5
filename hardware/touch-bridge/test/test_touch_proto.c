/*
 * Host test for core/touch_proto.c. Usage: test_touch_proto <examples.txt>
 *  - checks the CRC against its catalogue check value,
 *  - encodes the inputs behind every line of examples.txt and compares byte for byte,
 *  - checks encoder bounds and the debounce state machine,
 *  - writes the lines of a fixed touch scenario to stdout (protocol/sensors/touch/crosscheck.test.ts
 *    decodes them with the TypeScript decoder).
 * Diagnostics go to stderr; exit status 0 only if every check passed.
 */
#include <stdio.h>
#include <string.h>

#include "../core/touch_proto.h"

static int failures = 0;
static int checks = 0;

#define CHECK(cond)                                                        \
  do {                                                                     \
    checks++;                                                              \
    if (!(cond)) {                                                         \
      failures++;                                                          \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                      \
  } while (0)

static void test_crc(void) {
  /* CRC-8/SMBUS catalogue check value (reveng CRC catalogue: check=0xf4) */
  CHECK(tp_crc8((const uint8_t *)"123456789", 9) == 0xF4);
  CHECK(tp_crc8((const uint8_t *)"", 0) == 0x00);
}

static const uint16_t EX_FILTERED[13] = {512, 498, 505, 210, 500, 501, 502, 503, 504, 505, 506, 507, 650};
static const uint16_t EX_BASELINE[13] = {516, 500, 508, 512, 500, 500, 500, 500, 500, 500, 500, 500, 660};
static const uint16_t ZERO[1] = {0};

/* The inputs behind examples.txt, in file order. */
static int encode_example(int index, char *out, size_t cap) {
  switch (index) {
    case 0: return tp_encode_hello(out, cap, "1.0.0", 13);
    case 1: return tp_encode_touch(out, cap, 3, 123456u);
    case 2: return tp_encode_release(out, cap, 3, 127456u);
    case 3: return tp_encode_touch(out, cap, 12, 4294967295u);
    case 4: return tp_encode_release(out, cap, 0, 0);
    case 5: return tp_encode_data(out, cap, 1000u, 0x0008, EX_FILTERED, EX_BASELINE, 13);
    case 6: return tp_encode_data(out, cap, 42u, 0x0000, ZERO, ZERO, 1);
    case 7: return tp_encode_error(out, cap, "overcurrent");
    default: return -2;
  }
}

#define EXAMPLE_COUNT 8

static void test_examples(const char *path) {
  char line[512];
  char mine[TP_LINE_BUF];
  int index = 0;
  FILE *f = fopen(path, "r");
  CHECK(f != NULL);
  if (f == NULL) return;
  while (fgets(line, sizeof line, f) != NULL) {
    size_t n = strlen(line);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
    if (n == 0 || line[0] == '#') continue;
    CHECK(encode_example(index, mine, sizeof mine) == (int)n);
    if (strcmp(mine, line) != 0) {
      failures++;
      fprintf(stderr, "example %d differs:\n  file:    %s\n  encoder: %s\n", index, line, mine);
    }
    checks++;
    index++;
  }
  fclose(f);
  CHECK(index == EXAMPLE_COUNT);
}

static void test_encoder_bounds(void) {
  char out[TP_LINE_BUF];
  char tiny[8];
  uint16_t big[13];
  unsigned i;
  for (i = 0; i < 13; i++) big[i] = 65535u;
  CHECK(tp_encode_touch(out, sizeof out, 13, 1) == -1);      /* channel 13 does not exist */
  CHECK(tp_encode_hello(out, sizeof out, "1.0 beta", 13) == -1); /* space in a token */
  CHECK(tp_encode_hello(out, sizeof out, "1.0*", 13) == -1);  /* '*' would fake a CRC */
  CHECK(tp_encode_hello(out, sizeof out, "1.0.0", 0) == -1);
  CHECK(tp_encode_hello(out, sizeof out, "1.0.0", 14) == -1);
  CHECK(tp_encode_error(out, sizeof out, "Bad") == -1);
  CHECK(tp_encode_error(out, sizeof out, "") == -1);
  CHECK(tp_encode_data(out, sizeof out, 1, 0x0002, ZERO, ZERO, 1) == -1); /* mask bit beyond n */
  CHECK(tp_encode_data(out, sizeof out, 1, 0, EX_FILTERED, EX_BASELINE, 14) == -1);
  /* too small a buffer: -1, NUL-terminated, nothing written past the end */
  memset(tiny, 'x', sizeof tiny);
  CHECK(tp_encode_touch(tiny, sizeof tiny, 3, 123456u) == -1);
  CHECK(tiny[0] == '\0');
  /* the worst-case line fits TP_MAX_LINE */
  CHECK(tp_encode_data(out, sizeof out, 4294967295u, 0x1FFF, big, big, 13) == 187);
  CHECK(tp_encode_data(out, 187, 4294967295u, 0x1FFF, big, big, 13) == -1);
  CHECK(tp_encode_data(out, 188, 4294967295u, 0x1FFF, big, big, 13) == 187);
}

static void test_debounce(void) {
  tp_debounce_t d;
  tp_event_t ev[TP_MAX_CHANNELS];
  tp_debounce_init(&d, 13, 3);
  CHECK(tp_debounce_update(&d, 0x0001, 10, ev, 13) == 0);
  CHECK(tp_debounce_update(&d, 0x0001, 20, ev, 13) == 0);
  CHECK(tp_debounce_update(&d, 0x0000, 30, ev, 13) == 0); /* bounce restarts the count */
  CHECK(tp_debounce_update(&d, 0x0001, 40, ev, 13) == 0);
  CHECK(tp_debounce_update(&d, 0x0001, 50, ev, 13) == 0);
  CHECK(tp_debounce_update(&d, 0x0001, 60, ev, 13) == 1);
  CHECK(ev[0].type == TP_EVENT_TOUCH && ev[0].channel == 0 && ev[0].ms == 60);
  CHECK(tp_debounce_state(&d) == 0x0001);
  /* over-current flag (bit 15) and bits beyond the channel count never become events */
  tp_debounce_init(&d, 12, 1);
  CHECK(tp_debounce_update(&d, TP_STATUS_OVERCURRENT | 0x1000, 1, ev, 13) == 0);
  /* cap smaller than the changes: the rest stays due */
  tp_debounce_init(&d, 13, 1);
  CHECK(tp_debounce_update(&d, 0x0007, 5, ev, 2) == 2);
  CHECK(ev[0].channel == 0 && ev[1].channel == 1);
  CHECK(tp_debounce_update(&d, 0x0007, 6, ev, 2) == 1);
  CHECK(ev[0].channel == 2 && ev[0].ms == 6);
  /* samples = 0 behaves as 1 */
  tp_debounce_init(&d, 13, 0);
  CHECK(tp_debounce_update(&d, 0x0010, 7, ev, 13) == 1);
}

static tp_request_t feed(tp_rx_t *rx, const char *bytes) {
  tp_request_t last = TP_REQUEST_NONE;
  for (; *bytes; bytes++) {
    tp_request_t r = tp_rx_push(rx, (uint8_t)*bytes);
    if (r != TP_REQUEST_NONE) last = r;
  }
  return last;
}

static void test_requests(void) {
  /* PROTOCOL.md "Requests": CRC-8/SMBUS("TP1 HELLO?") = 0x31, the value protocol/sensors/touch/request.test.ts checks */
  static const char framed[] = "TP1 HELLO? *31";
  char longline[TP_RX_MAX + 8];
  tp_rx_t rx;
  CHECK(tp_crc8((const uint8_t *)"TP1 HELLO?", 10) == 0x31);
  CHECK(tp_parse_request(framed, strlen(framed)) == TP_REQUEST_HELLO);
  CHECK(tp_parse_request("?", 1) == TP_REQUEST_HELLO);
  CHECK(tp_parse_request("TP1 HELLO? *30", 14) == TP_REQUEST_NONE); /* wrong CRC */
  CHECK(tp_parse_request("TP1 HELLO? *3l", 14) == TP_REQUEST_NONE);
  CHECK(tp_parse_request("TP1 HELLO?", 10) == TP_REQUEST_NONE);   /* missing CRC */
  CHECK(tp_parse_request("??", 2) == TP_REQUEST_NONE);
  CHECK(tp_parse_request("", 0) == TP_REQUEST_NONE);
  CHECK(tp_parse_request(NULL, 0) == TP_REQUEST_NONE);
  tp_rx_init(&rx);
  CHECK(feed(&rx, "TP1 HELLO? *31\r\n") == TP_REQUEST_HELLO);
  CHECK(feed(&rx, "?\n") == TP_REQUEST_HELLO);
  CHECK(feed(&rx, "?\r") == TP_REQUEST_HELLO);
  CHECK(feed(&rx, "garbage ? \r\n") == TP_REQUEST_NONE);
  CHECK(feed(&rx, "TP1 HELLO? *31") == TP_REQUEST_NONE); /* no terminator yet */
  CHECK(tp_rx_push(&rx, (uint8_t)10) == TP_REQUEST_HELLO);
  /* an over-long line is dropped up to its terminator, even when its tail looks like a request */
  memset(longline, (int)0x78, sizeof longline);
  memcpy(longline + sizeof longline - 2, "?", 2);
  CHECK(feed(&rx, longline) == TP_REQUEST_NONE);
  CHECK(tp_rx_push(&rx, (uint8_t)13) == TP_REQUEST_NONE);
  CHECK(feed(&rx, "?\r\n") == TP_REQUEST_HELLO);
}

/* The scenario the TypeScript cross-check expects: readings every 10 ms from t = 1000 ms, N = 3. */
static void print_line(const char *line, int len) {
  CHECK(len > 0);
  if (len > 0) printf("%s\r\n", line);
}

static void scenario(void) {
  static const struct {
    uint16_t status;
    unsigned repeat;
  } readings[] = {
      {0x0000, 3}, {0x0008, 1}, {0x0000, 1}, /* a one-sample bounce on electrode 3: nothing */
      {0x0008, 3},                           /* electrode 3 touched at 1070 */
      {0x1008, 3},                           /* proximity (12) at 1100 */
      {0x1809, 3},                           /* electrodes 0 and 11 at 1130 */
      {0x1801, 2}, {0x1809, 1},              /* electrode 3 lifts for two samples only: nothing */
      {0x0000, 3},                           /* everything released at 1190 */
  };
  static const uint16_t filtered[13] = {700, 701, 702, 430, 704, 705, 706, 707, 708, 709, 710, 420, 300};
  static const uint16_t baseline[13] = {700, 700, 700, 700, 700, 700, 700, 700, 700, 700, 700, 700, 640};
  char line[TP_LINE_BUF];
  tp_debounce_t d;
  tp_event_t ev[TP_MAX_CHANNELS];
  uint32_t ms = 1000;
  size_t r;
  unsigned k, e, n;

  print_line(line, tp_encode_hello(line, sizeof line, "1.0.0", 13));
  tp_debounce_init(&d, 13, 3);
  for (r = 0; r < sizeof readings / sizeof readings[0]; r++) {
    for (k = 0; k < readings[r].repeat; k++, ms += 10) {
      n = tp_debounce_update(&d, readings[r].status, ms, ev, TP_MAX_CHANNELS);
      for (e = 0; e < n; e++) print_line(line, tp_encode_event(line, sizeof line, &ev[e]));
      if (ms == 1130) print_line(line, tp_encode_data(line, sizeof line, ms, tp_debounce_state(&d), filtered, baseline, 13));
    }
  }
  print_line(line, tp_encode_data(line, sizeof line, ms, tp_debounce_state(&d), baseline, baseline, 13));
  print_line(line, tp_encode_error(line, sizeof line, "overcurrent"));
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s <examples.txt>\n", argv[0]);
    return 2;
  }
  test_crc();
  test_examples(argv[1]);
  test_encoder_bounds();
  test_debounce();
  test_requests();
  scenario();
  fprintf(stderr, "touch_proto: %d checks, %d failures\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
