/**
 * LD2450 vectors. No public source prints decoded LD2450 frames next to their bytes, so apart from the
 * report bytes quoted in ESPHome these are [DERIVED]: built by hand from the layout in notes §3.5 and
 * ESPHome esphome/components/ld2450/ld2450.cpp @ 06737af9 (`decode_coordinate`, `decode_speed`,
 * `send_command_`, `handle_ack_data_`, `send_set_zone_command_`). Regression tests only, not authority.
 */
import type { Vector } from '../ld2410/vectors.js';
import type { Ld2450Ack, Ld2450CommandFrame } from './commands.js';
import type { Ld2450Report } from './report.js';

const EMPTY_SLOT = { x: 0, y: 0, speed: 0, resolution: 0 };
const NO_ZONE = { x1: 0, y1: 0, x2: 0, y2: 0 };
const ZONE_A = { x1: -1000, y1: 500, x2: 1000, y2: 3000 };
/** zone type 1 + ZONE_A (18 FC = −1000, F4 01 = 500, E8 03 = 1000, B8 0B = 3000) + two empty zones */
const ZONE_BYTES = '01 00 18 fc f4 01 e8 03 b8 0b 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00';

export const LD2450_REPORT_VECTORS: Vector<Ld2450Report>[] = [
  {
    id: 'R1 one target (bytes from ESPHome comment)',
    hex: 'AA FF 03 00 0E 03 B1 86 10 00 40 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 55 CC',
    source:
      '[SRC bytes] ESPHome ld2450.cpp comment above handle_periodic_data_ ("LD2450 Radar data message"); ' +
      '[DERIVED values] x 0x030E bit15 clear → −782, y 0x86B1 → +1713, speed 0x0010 → −16, resolution 0x0140 = 320',
    expected: {
      kind: 'report',
      targets: [{ xMm: -782, yMm: 1713, speedCmPerS: -16, resolutionMm: 320 }, null, null],
      targetCount: 1,
      raw: { slots: [{ x: 0x030e, y: 0x86b1, speed: 0x0010, resolution: 0x0140 }, EMPTY_SLOT, EMPTY_SLOT] },
    },
  },
  {
    id: 'R2 three targets (derived)',
    hex: 'aa ff 03 00 e8 83 c4 89 19 80 68 01 dc 05 b8 8b 00 80 68 01 00 80 f4 81 0a 00 40 01 55 cc',
    source: '[DERIVED] sign-magnitude per ESPHome decode_coordinate/decode_speed; +0 sent as 0x8000',
    expected: {
      kind: 'report',
      targets: [
        { xMm: 1000, yMm: 2500, speedCmPerS: 25, resolutionMm: 360 },
        { xMm: -1500, yMm: 3000, speedCmPerS: 0, resolutionMm: 360 },
        { xMm: 0, yMm: 500, speedCmPerS: -10, resolutionMm: 320 },
      ],
      targetCount: 3,
      raw: {
        slots: [
          { x: 0x83e8, y: 0x89c4, speed: 0x8019, resolution: 0x0168 },
          { x: 0x05dc, y: 0x8bb8, speed: 0x8000, resolution: 0x0168 },
          { x: 0x8000, y: 0x81f4, speed: 0x000a, resolution: 0x0140 },
        ],
      },
    },
  },
  {
    id: 'R3 no target (derived)',
    hex: 'aa ff 03 00' + ' 00'.repeat(24) + ' 55 cc',
    source: '[DERIVED] notes §3.5: an empty slot is all zeros',
    expected: { kind: 'report', targets: [null, null, null], targetCount: 0, raw: { slots: [EMPTY_SLOT, EMPTY_SLOT, EMPTY_SLOT] } },
  },
];

export const LD2450_COMMAND_VECTORS: Vector<Ld2450CommandFrame>[] = [
  { id: 'single target', hex: 'fd fc fb fa 02 00 80 00 04 03 02 01', source: '[DERIVED] ESPHome set_multi_target(false)', expected: { kind: 'command', command: 'singleTargetMode' } },
  { id: 'multi target', hex: 'fd fc fb fa 02 00 90 00 04 03 02 01', source: '[DERIVED] ESPHome set_multi_target(true)', expected: { kind: 'command', command: 'multiTargetMode' } },
  { id: 'query tracking mode', hex: 'fd fc fb fa 02 00 91 00 04 03 02 01', source: '[DERIVED] ESPHome query_target_tracking_mode_', expected: { kind: 'command', command: 'queryTrackingMode' } },
  { id: 'query zone', hex: 'fd fc fb fa 02 00 c1 00 04 03 02 01', source: '[DERIVED] ESPHome query_zone_', expected: { kind: 'command', command: 'queryZone' } },
  {
    id: 'set zone: detection, one rectangle',
    hex: `fd fc fb fa 1c 00 c2 00 ${ZONE_BYTES} 04 03 02 01`,
    source: '[DERIVED] ESPHome send_set_zone_command_ (26 value bytes, int16 LE)',
    expected: { kind: 'command', command: 'setZone', zoneType: 'detection', zones: [ZONE_A, NO_ZONE, NO_ZONE] },
  },
  // the LD2410 trace for a shared word must mean the same on the LD2450 (notes §3.5)
  { id: 'enable config (shared)', hex: 'fd fc fb fa 04 00 ff 00 01 00 04 03 02 01', source: 'aio `_COMMAND_TRACES` (LD2410), same framing', expected: { kind: 'command', command: 'enableConfig' } },
  { id: 'baud 256000 (shared)', hex: 'fd fc fb fa 04 00 a1 00 07 00 04 03 02 01', source: 'aio `_COMMAND_TRACES` (LD2410), same framing', expected: { kind: 'command', command: 'setBaudRate', baud: 256000 } },
];

export const LD2450_ACK_VECTORS: Vector<Ld2450Ack>[] = [
  {
    id: 'tracking mode = multi',
    hex: 'fd fc fb fa 06 00 91 01 00 00 02 00 04 03 02 01',
    source: '[DERIVED] ESPHome handle_ack_data_ CMD_QUERY_TARGET_MODE reads buffer[10] == 0x02',
    expected: { kind: 'ack', command: 'queryTrackingMode', status: 0, payload: { mode: 'multi' } },
  },
  {
    id: 'zone query',
    hex: `fd fc fb fa 1e 00 c1 01 00 00 ${ZONE_BYTES} 04 03 02 01`,
    source: '[DERIVED] ESPHome handle_ack_data_ CMD_QUERY_ZONE: type at buffer[10], zones from buffer[12]',
    expected: { kind: 'ack', command: 'queryZone', status: 0, payload: { zoneType: 'detection', zones: [ZONE_A, NO_ZONE, NO_ZONE] } },
  },
  { id: 'single target ACK', hex: 'fd fc fb fa 04 00 80 01 00 00 04 03 02 01', source: '[DERIVED] ACK = word | 0x0100, status 0', expected: { kind: 'ack', command: 'singleTargetMode', status: 0, payload: null } },
  { id: 'set zone ACK', hex: 'fd fc fb fa 04 00 c2 01 00 00 04 03 02 01', source: '[DERIVED] ACK = word | 0x0100, status 0', expected: { kind: 'ack', command: 'setZone', status: 0, payload: null } },
  {
    id: 'K5 firmware ACK (shared)',
    hex: 'fd fc fb fa 0c 00 a0 01 00 00 00 00 02 01 16 24 06 22 04 03 02 01',
    source: 'aio `_REPLY_TRACES` (LD2410); ESPHome LD2450 reads the version from the same offsets',
    expected: {
      kind: 'ack',
      command: 'readFirmware',
      status: 0,
      payload: { firmwareType: 0, major: 1, minor: 2, bugfix: 0x22062416, version: 'V1.02.22062416' },
    },
  },
  {
    id: 'MAC with Bluetooth off (derived)',
    hex: 'fd fc fb fa 0a 00 a5 01 00 00 08 05 04 03 02 01 04 03 02 01',
    source: '[DERIVED] ESPHome NO_MAC 08:05:04:03:02:01 (the module reports it while Bluetooth is off)',
    expected: { kind: 'ack', command: 'getMac', status: 0, payload: { mac: '08:05:04:03:02:01', bluetoothOff: true } },
  },
];

export const LD2450_VECTORS = [...LD2450_REPORT_VECTORS, ...LD2450_COMMAND_VECTORS, ...LD2450_ACK_VECTORS];
