/*
 * Touchpoint touch bridge: MPR121 (12 electrodes + proximity) over I2C → TP1 lines over USB serial.
 * Protocol: protocol/sensors/touch/PROTOCOL.md. Encoding and debounce live in core/ (host-tested C99).
 * The Arduino builder compiles only the sketch folder and src/: copy (or symlink) core/touch_proto.{h,c}
 * next to this file before building. Any board with Wire and a USB serial port will do.
 *
 * Register map: adafruit/Adafruit_MPR121 Adafruit_MPR121.h / begin(); ECR bit layout from the NXP
 * MPR121 datasheet (D7:6 CL, D5:4 ELEPROX_EN, D3:0 ELE_EN). Registers accept writes only in Stop Mode.
 */
#include <Wire.h>

#include "touch_proto.h"

static const char FIRMWARE[] = "1.1.0";  // 1.1.0: answers the HELLO? request (PROTOCOL.md "Requests")
static const uint8_t MPR121_ADDR = 0x5A;  // ADDR → GND
static const uint8_t CHANNELS = 13;       // electrodes 0..11 + ELEPROX as channel 12
static const uint8_t TOUCH_THRESHOLD = 12;   // Adafruit defaults (setThresholds(12, 6))
static const uint8_t RELEASE_THRESHOLD = 6;
static const uint8_t DEBOUNCE_SAMPLES = 3;   // consecutive readings before a state change
static const uint16_t SAMPLE_MS = 10;
static const uint16_t DATA_EVERY_MS = 1000;  // D lines: tuning values + debounced mask for resync

enum : uint8_t {
  REG_TOUCH_STATUS = 0x00,  // 0x00/0x01, bits 0..12, bit 15 = over-current
  REG_FILTERED_0 = 0x04,    // 0x04..0x1D, 10-bit LE pairs
  REG_BASELINE_0 = 0x1E,    // 0x1E..0x2A, 8-bit (value << 2)
  REG_MHDR = 0x2B,          // 0x2B..0x35 baseline filter, values as Adafruit begin()
  REG_TOUCH_TH_0 = 0x41,    // 0x41 + 2i touch, 0x42 + 2i release; i = 12 is ELEPROX (0x59/0x5A)
  REG_DEBOUNCE = 0x5B,
  REG_CONFIG1 = 0x5C,
  REG_CONFIG2 = 0x5D,
  REG_ECR = 0x5E,
  REG_SOFT_RESET = 0x80,
};
static const uint8_t ECR_RUN = 0x80 | (3 << 4) | 12;  // CL=10, proximity on ELE0..11, 12 electrodes
static const uint8_t FILTER_DEFAULTS[] = {0x01, 0x01, 0x0E, 0x00, 0x01, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00};

static tp_debounce_t debounce;
static tp_rx_t rx;  // host requests (HELLO?)
static char line[TP_LINE_BUF];
static uint32_t lastSample = 0, lastData = 0;
static bool overcurrentReported = false;

static void writeReg(uint8_t reg, uint8_t value) {
  Wire.beginTransmission(MPR121_ADDR);
  Wire.write(reg);
  Wire.write(value);
  Wire.endTransmission();
}

static void readRegs(uint8_t reg, uint8_t *buf, uint8_t n) {
  Wire.beginTransmission(MPR121_ADDR);
  Wire.write(reg);
  Wire.endTransmission(false);
  Wire.requestFrom(MPR121_ADDR, n);
  for (uint8_t i = 0; i < n; i++) buf[i] = Wire.available() ? Wire.read() : 0;
}

static void send(int len) {
  if (len > 0) Serial.println(line);  // println ends the line with CR LF
}

static bool mpr121Begin() {
  writeReg(REG_SOFT_RESET, 0x63);
  delay(1);
  writeReg(REG_ECR, 0x00);  // Stop Mode: configuration registers are writable only now
  uint8_t config2;
  readRegs(REG_CONFIG2, &config2, 1);
  if (config2 != 0x24) return false;  // reset value; Adafruit uses it to detect the chip
  for (uint8_t i = 0; i < CHANNELS; i++) {
    writeReg(REG_TOUCH_TH_0 + 2 * i, TOUCH_THRESHOLD);
    writeReg(REG_TOUCH_TH_0 + 1 + 2 * i, RELEASE_THRESHOLD);
  }
  for (uint8_t i = 0; i < sizeof FILTER_DEFAULTS; i++) writeReg(REG_MHDR + i, FILTER_DEFAULTS[i]);
  writeReg(REG_DEBOUNCE, 0);  // debouncing is ours, in core/
  writeReg(REG_CONFIG1, 0x10);
  writeReg(REG_CONFIG2, 0x20);
  writeReg(REG_ECR, ECR_RUN);
  return true;
}

static void sendData(uint32_t now) {
  uint8_t raw[2 * CHANNELS];
  uint16_t filtered[CHANNELS], baseline[CHANNELS];
  readRegs(REG_FILTERED_0, raw, sizeof raw);
  for (uint8_t i = 0; i < CHANNELS; i++) filtered[i] = raw[2 * i] | (uint16_t)(raw[2 * i + 1] & 0x03) << 8;
  readRegs(REG_BASELINE_0, raw, CHANNELS);
  for (uint8_t i = 0; i < CHANNELS; i++) baseline[i] = (uint16_t)raw[i] << 2;
  send(tp_encode_data(line, sizeof line, now, tp_debounce_state(&debounce), filtered, baseline, CHANNELS));
}

void setup() {
  Serial.begin(115200);
  Wire.begin();
  tp_debounce_init(&debounce, CHANNELS, DEBOUNCE_SAMPLES);
  tp_rx_init(&rx);
  send(tp_encode_hello(line, sizeof line, FIRMWARE, CHANNELS));
  while (!mpr121Begin()) {
    send(tp_encode_error(line, sizeof line, "mpr121-not-found"));
    delay(1000);
  }
}

void loop() {
  // the host opens the port after our start-up HELLO is gone; it asks again with HELLO?
  while (Serial.available() > 0) {
    if (tp_rx_push(&rx, (uint8_t)Serial.read()) == TP_REQUEST_HELLO) send(tp_encode_hello(line, sizeof line, FIRMWARE, CHANNELS));
  }
  uint32_t now = millis();
  if (now - lastSample < SAMPLE_MS) return;  // unsigned difference survives the millis() wrap
  lastSample = now;

  uint8_t raw[2];
  readRegs(REG_TOUCH_STATUS, raw, 2);
  uint16_t status = raw[0] | (uint16_t)raw[1] << 8;
  if ((status & TP_STATUS_OVERCURRENT) && !overcurrentReported) send(tp_encode_error(line, sizeof line, "overcurrent"));
  overcurrentReported = (status & TP_STATUS_OVERCURRENT) != 0;

  tp_event_t events[TP_MAX_CHANNELS];
  unsigned n = tp_debounce_update(&debounce, status, now, events, TP_MAX_CHANNELS);
  for (unsigned i = 0; i < n; i++) send(tp_encode_event(line, sizeof line, &events[i]));

  if (now - lastData >= DATA_EVERY_MS) {
    lastData = now;
    sendData(now);
  }
}
