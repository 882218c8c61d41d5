/**
 * LD2410 vectors as data: raw hex → expected decoded JSON, written out by hand from the published
 * decoding (Theengs-decoder style). Sources (notes §3 and §7):
 *  - aio:      morian/aio-ld2410 @ 558d8f7a tests/protocol/test_commands.py `_COMMAND_TRACES` / `_REPLY_TRACES`, test_reports.py
 *  - tasmota:  arendst/Tasmota tasmota/tasmota_xsns_sensor/xsns_102_ld2410.ino comments (real captures) @ 3303cee7
 *  - datasheet: HLK-LD2410C Serial Communication Protocol V1.00 as transcribed in ncmreynolds/ld2410 @ 9e202ad6
 *              docs/HLK-LD2410C_protocol.md; values asserted by ncmreynolds tests/test_parser.cpp
 * Used by the tests, the benchmark and (later) the emulators.
 */
import type { Ld2410Ack, Ld2410CommandFrame } from './commands.js';
import type { Ld2410Report } from './report.js';

export interface Vector<T> {
  id: string;
  hex: string;
  source: string;
  expected: T;
}

/** Host → radar commands. [SRC] aio `_COMMAND_TRACES`, consistent with the datasheet examples (notes §3.4). */
export const LD2410_COMMAND_VECTORS: Vector<Ld2410CommandFrame>[] = [
  { id: 'enable config', hex: 'fd fc fb fa 04 00 ff 00 01 00 04 03 02 01', source: 'aio', expected: { kind: 'command', command: 'enableConfig' } },
  { id: 'end config', hex: 'fd fc fb fa 02 00 fe 00 04 03 02 01', source: 'aio', expected: { kind: 'command', command: 'endConfig' } },
  { id: 'read params', hex: 'fd fc fb fa 02 00 61 00 04 03 02 01', source: 'aio', expected: { kind: 'command', command: 'readParameters' } },
  { id: 'engineering on', hex: 'fd fc fb fa 02 00 62 00 04 03 02 01', source: 'aio', expected: { kind: 'command', command: 'engineeringOn' } },
  { id: 'engineering off', hex: 'fd fc fb fa 02 00 63 00 04 03 02 01', source: 'aio', expected: { kind: 'command', command: 'engineeringOff' } },
  {
    id: 'max gates 8/8, 5 s',
    hex: 'fd fc fb fa 14 00 60 00 00 00 08 00 00 00 01 00 08 00 00 00 02 00 05 00 00 00 04 03 02 01',
    source: 'aio',
    expected: { kind: 'command', command: 'setMaxGates', maxMovingGate: 8, maxStaticGate: 8, noOneTimeoutS: 5 },
  },
  {
    id: 'gate 3 sens 40/40',
    hex: 'fd fc fb fa 14 00 64 00 00 00 03 00 00 00 01 00 28 00 00 00 02 00 28 00 00 00 04 03 02 01',
    source: 'aio',
    expected: { kind: 'command', command: 'setGateSensitivity', gate: 3, movingSensitivity: 40, staticSensitivity: 40 },
  },
  {
    id: 'all gates sens 40/40',
    hex: 'FD FC FB FA 14 00 64 00 00 00 FF FF 00 00 01 00 28 00 00 00 02 00 28 00 00 00 04 03 02 01',
    source: 'datasheet §2.2.7 example (notes §3.4)',
    expected: { kind: 'command', command: 'setGateSensitivity', gate: 'all', movingSensitivity: 40, staticSensitivity: 40 },
  },
  { id: 'firmware', hex: 'fd fc fb fa 02 00 a0 00 04 03 02 01', source: 'aio', expected: { kind: 'command', command: 'readFirmware' } },
  { id: 'baud 256000', hex: 'fd fc fb fa 04 00 a1 00 07 00 04 03 02 01', source: 'aio', expected: { kind: 'command', command: 'setBaudRate', baud: 256000 } },
  { id: 'factory reset', hex: 'fd fc fb fa 02 00 a2 00 04 03 02 01', source: 'aio', expected: { kind: 'command', command: 'factoryReset' } },
  { id: 'restart', hex: 'fd fc fb fa 02 00 a3 00 04 03 02 01', source: 'aio', expected: { kind: 'command', command: 'restart' } },
  { id: 'BT on', hex: 'fd fc fb fa 04 00 a4 00 01 00 04 03 02 01', source: 'aio', expected: { kind: 'command', command: 'setBluetooth', enabled: true } },
  { id: 'get MAC', hex: 'fd fc fb fa 04 00 a5 00 01 00 04 03 02 01', source: 'aio', expected: { kind: 'command', command: 'getMac' } },
  {
    id: 'BT auth "HiLink"',
    hex: 'fd fc fb fa 08 00 a8 00 48 69 4c 69 6e 6b 04 03 02 01',
    source: 'aio',
    expected: { kind: 'command', command: 'btAuthenticate', password: 'HiLink' },
  },
  {
    id: 'set resolution 0.2 m',
    hex: 'fd fc fb fa 04 00 aa 00 01 00 04 03 02 01',
    source: 'aio',
    expected: { kind: 'command', command: 'setDistanceResolution', resolutionCm: 20 },
  },
  { id: 'get resolution', hex: 'fd fc fb fa 02 00 ab 00 04 03 02 01', source: 'aio', expected: { kind: 'command', command: 'getDistanceResolution' } },
  {
    id: 'light control below / 0x60 / low',
    hex: 'fd fc fb fa 06 00 ad 00 01 60 00 00 04 03 02 01',
    source: 'aio',
    expected: { kind: 'command', command: 'setLightControl', control: 'below', threshold: 0x60, defaultOutLevel: 'low' },
  },
  { id: 'get light', hex: 'fd fc fb fa 02 00 ae 00 04 03 02 01', source: 'aio', expected: { kind: 'command', command: 'getLightControl' } },
];

const generic = (word: string, command: Ld2410Ack['command']): Vector<Ld2410Ack> => ({
  id: `K9 generic success ${word} 01`,
  hex: `fd fc fb fa 04 00 ${word} 01 00 00 04 03 02 01`,
  source: 'aio `_REPLY_TRACES` (notes K9)',
  expected: { kind: 'ack', command, status: 0, payload: null } as Ld2410Ack,
});

/** Radar → host ACKs K1–K9 (notes §3.4). K2 and K4 are the two other real captures in the same Tasmota comment as K1. */
export const LD2410_ACK_VECTORS: Vector<Ld2410Ack>[] = [
  {
    id: 'K1 enable-config ACK (real capture)',
    hex: 'FDFCFBFA0800FF0100000100400004030201',
    source: 'tasmota header comment `sserialsend5 FDFCFBFA0400FF00010004030201 -> …`',
    expected: { kind: 'ack', command: 'enableConfig', status: 0, payload: { protocolVersion: 1, bufferSize: 64 } },
  },
  {
    id: 'K2 read-params ACK, factory defaults (real capture)',
    hex: 'FDFCFBFA1C0061010000AA0808083232281E140F0F0F0F000028281E1E141414050004030201',
    source: 'tasmota header comment `sserialsend5 FDFCFBFA0200610004030201 -> …` ("Default"); defaults match notes §3.3',
    expected: {
      kind: 'ack',
      command: 'readParameters',
      status: 0,
      payload: {
        maxGate: 8,
        maxMovingGate: 8,
        maxStaticGate: 8,
        movingSensitivity: [50, 50, 40, 30, 20, 15, 15, 15, 15],
        staticSensitivity: [0, 0, 40, 40, 30, 30, 20, 20, 20],
        noOneTimeoutS: 5,
      },
    },
  },
  {
    id: 'K3 read-params ACK (datasheet)',
    hex: 'fd fc fb fa 1c 00 61 01 00 00 aa 08 08 08 14 14 14 14 14 14 14 14 14 19 19 19 19 19 19 19 19 19 05 00 04 03 02 01',
    source: 'aio `_REPLY_TRACES` + datasheet §2.2.4',
    expected: {
      kind: 'ack',
      command: 'readParameters',
      status: 0,
      payload: {
        maxGate: 8,
        maxMovingGate: 8,
        maxStaticGate: 8,
        movingSensitivity: [20, 20, 20, 20, 20, 20, 20, 20, 20],
        staticSensitivity: [25, 25, 25, 25, 25, 25, 25, 25, 25],
        noOneTimeoutS: 5,
      },
    },
  },
  {
    id: 'K4 firmware ACK (real capture, fw type bytes 00 01)',
    hex: 'FDFCFBFA0C00A0010000000107011615092204030201',
    source: 'tasmota header comment `sserialsend5 FDFCFBFA0200A00004030201 -> …`; Tasmota logs "V1.07.22091516"',
    expected: {
      kind: 'ack',
      command: 'readFirmware',
      status: 0,
      payload: { firmwareType: 0x0100, major: 1, minor: 7, bugfix: 0x22091516, version: 'V1.07.22091516' },
    },
  },
  {
    id: 'K5 firmware ACK',
    hex: 'fd fc fb fa 0c 00 a0 01 00 00 00 00 02 01 16 24 06 22 04 03 02 01',
    source: 'aio `_REPLY_TRACES`; string as ESPHome formats it',
    expected: {
      kind: 'ack',
      command: 'readFirmware',
      status: 0,
      payload: { firmwareType: 0, major: 1, minor: 2, bugfix: 0x22062416, version: 'V1.02.22062416' },
    },
  },
  {
    id: 'K6 MAC',
    hex: 'fd fc fb fa 0a 00 a5 01 00 00 8f 27 2e b8 0f 65 04 03 02 01',
    source: 'aio `_REPLY_TRACES` + datasheet §2.2.13',
    expected: { kind: 'ack', command: 'getMac', status: 0, payload: { mac: '8F:27:2E:B8:0F:65', bluetoothOff: false } },
  },
  {
    id: 'K7 resolution query',
    hex: 'fd fc fb fa 06 00 ab 01 00 00 01 00 04 03 02 01',
    source: 'aio `_REPLY_TRACES`',
    expected: { kind: 'ack', command: 'getDistanceResolution', status: 0, payload: { resolutionCm: 20 } },
  },
  {
    id: 'K8 light query',
    hex: 'fd fc fb fa 08 00 ae 01 00 00 00 80 00 00 04 03 02 01',
    source: 'aio `_REPLY_TRACES`',
    expected: { kind: 'ack', command: 'getLightControl', status: 0, payload: { control: 'off', threshold: 128, defaultOutLevel: 'low' } },
  },
  generic('60', 'setMaxGates'),
  generic('62', 'engineeringOn'),
  generic('63', 'engineeringOff'),
  generic('64', 'setGateSensitivity'),
  generic('a1', 'setBaudRate'),
  generic('a2', 'factoryReset'),
  generic('a3', 'restart'),
  generic('fe', 'endConfig'),
];

/** Report frames L1–L9 (notes §3.4). Distances of absent targets are null; `raw` holds the wire values. */
export const LD2410_REPORT_VECTORS: Vector<Ld2410Report>[] = [
  {
    id: 'L1 datasheet basic',
    hex: 'F4 F3 F2 F1 0D 00 02 AA 02 51 00 00 00 00 3B 00 00 55 00 F8 F7 F6 F5',
    source: 'datasheet §2.3.2 (synthetic); ncmreynolds tests/test_parser.cpp asserts these values',
    expected: {
      kind: 'report', mode: 'basic', state: 2, movingTarget: false, staticTarget: true,
      movingDistanceCm: null, movingEnergy: 0, staticDistanceCm: 0, staticEnergy: 59, detectionDistanceCm: 0,
      raw: { mode: 'basic', state: 2, movingDistanceCm: 81, movingEnergy: 0, staticDistanceCm: 0, staticEnergy: 59, detectionDistanceCm: 0 },
    },
  },
  {
    id: 'L2 datasheet engineering',
    hex: 'F4 F3 F2 F1 23 00 01 AA 03 1E 00 3C 00 00 39 00 00 08 08 3C 22 05 03 03 04 03 06 05 00 00 39 10 13 06 06 08 04 03 05 55 00 F8 F7 F6 F5',
    source: 'datasheet (synthetic); ncmreynolds tests/test_parser.cpp asserts these arrays',
    expected: {
      kind: 'report', mode: 'engineering', state: 3, movingTarget: true, staticTarget: true,
      movingDistanceCm: 30, movingEnergy: 60, staticDistanceCm: 0, staticEnergy: 57, detectionDistanceCm: 0,
      maxMovingGate: 8, maxStaticGate: 8,
      movingEnergies: [60, 34, 5, 3, 3, 4, 3, 6, 5],
      staticEnergies: [0, 0, 57, 16, 19, 6, 6, 8, 4],
      lightLevel: 3, outPin: 5,
      raw: {
        mode: 'engineering', state: 3, movingDistanceCm: 30, movingEnergy: 60, staticDistanceCm: 0, staticEnergy: 57, detectionDistanceCm: 0,
        maxMovingGate: 8, maxStaticGate: 8,
        movingEnergies: [60, 34, 5, 3, 3, 4, 3, 6, 5],
        staticEnergies: [0, 0, 57, 16, 19, 6, 6, 8, 4],
        extra: [3, 5],
      },
    },
  },
  {
    id: 'L3 aio engineering with light + OUT',
    hex: 'F4 F3 F2 F1 23 00 01 AA 03 1E 00 3C 00 00 39 00 00 08 08 3C 22 05 03 03 04 03 06 05 00 00 39 10 13 06 06 08 04 60 01 55 00 F8 F7 F6 F5',
    source: 'aio tests/protocol/test_reports.py (L2 with retained bytes 60 01: photosensitive 96, OUT 1)',
    expected: {
      kind: 'report', mode: 'engineering', state: 3, movingTarget: true, staticTarget: true,
      movingDistanceCm: 30, movingEnergy: 60, staticDistanceCm: 0, staticEnergy: 57, detectionDistanceCm: 0,
      maxMovingGate: 8, maxStaticGate: 8,
      movingEnergies: [60, 34, 5, 3, 3, 4, 3, 6, 5],
      staticEnergies: [0, 0, 57, 16, 19, 6, 6, 8, 4],
      lightLevel: 96, outPin: 1,
      raw: {
        mode: 'engineering', state: 3, movingDistanceCm: 30, movingEnergy: 60, staticDistanceCm: 0, staticEnergy: 57, detectionDistanceCm: 0,
        maxMovingGate: 8, maxStaticGate: 8,
        movingEnergies: [60, 34, 5, 3, 3, 4, 3, 6, 5],
        staticEnergies: [0, 0, 57, 16, 19, 6, 6, 8, 4],
        extra: [96, 1],
      },
    },
  },
  {
    id: 'L4 real, no target',
    hex: 'F4 F3 F2 F1 0D 00 02 AA 00 00 00 00 00 00 37 00 00 55 00 F8 F7 F6 F5',
    source: 'tasmota Ld1410HandleTargetData comment ("No target")',
    expected: {
      kind: 'report', mode: 'basic', state: 0, movingTarget: false, staticTarget: false,
      movingDistanceCm: null, movingEnergy: 0, staticDistanceCm: null, staticEnergy: 55, detectionDistanceCm: null,
      raw: { mode: 'basic', state: 0, movingDistanceCm: 0, movingEnergy: 0, staticDistanceCm: 0, staticEnergy: 55, detectionDistanceCm: 0 },
    },
  },
  {
    id: 'L5 real, state 0 with non-zero moving distance',
    hex: 'F4 F3 F2 F1 0D 00 02 AA 00 45 00 3E 00 00 3A 00 00 55 00 F8 F7 F6 F5',
    source: 'tasmota Ld1410HandleTargetData comment ("No target")',
    expected: {
      kind: 'report', mode: 'basic', state: 0, movingTarget: false, staticTarget: false,
      movingDistanceCm: null, movingEnergy: 62, staticDistanceCm: null, staticEnergy: 58, detectionDistanceCm: null,
      raw: { mode: 'basic', state: 0, movingDistanceCm: 69, movingEnergy: 62, staticDistanceCm: 0, staticEnergy: 58, detectionDistanceCm: 0 },
    },
  },
  {
    id: 'L6 real, moving + stationary',
    hex: 'F4 F3 F2 F1 0D 00 02 AA 03 46 00 34 00 00 3C 00 00 55 00 F8 F7 F6 F5',
    source: 'tasmota Ld1410HandleTargetData comment ("Movement and Stationary target")',
    expected: {
      kind: 'report', mode: 'basic', state: 3, movingTarget: true, staticTarget: true,
      movingDistanceCm: 70, movingEnergy: 52, staticDistanceCm: 0, staticEnergy: 60, detectionDistanceCm: 0,
      raw: { mode: 'basic', state: 3, movingDistanceCm: 70, movingEnergy: 52, staticDistanceCm: 0, staticEnergy: 60, detectionDistanceCm: 0 },
    },
  },
  {
    id: 'L7 real, stationary',
    hex: 'F4 F3 F2 F1 0D 00 02 AA 02 54 00 00 00 00 64 00 00 55 00 F8 F7 F6 F5',
    source: 'tasmota Ld1410HandleTargetData comment ("Stationary target")',
    expected: {
      kind: 'report', mode: 'basic', state: 2, movingTarget: false, staticTarget: true,
      movingDistanceCm: null, movingEnergy: 0, staticDistanceCm: 0, staticEnergy: 100, detectionDistanceCm: 0,
      raw: { mode: 'basic', state: 2, movingDistanceCm: 84, movingEnergy: 0, staticDistanceCm: 0, staticEnergy: 100, detectionDistanceCm: 0 },
    },
  },
  {
    id: 'L8 real, stationary',
    hex: 'F4 F3 F2 F1 0D 00 02 AA 02 96 00 00 00 00 36 00 00 55 00 F8 F7 F6 F5',
    source: 'tasmota Ld1410HandleTargetData comment ("Stationary target")',
    expected: {
      kind: 'report', mode: 'basic', state: 2, movingTarget: false, staticTarget: true,
      movingDistanceCm: null, movingEnergy: 0, staticDistanceCm: 0, staticEnergy: 54, detectionDistanceCm: 0,
      raw: { mode: 'basic', state: 2, movingDistanceCm: 150, movingEnergy: 0, staticDistanceCm: 0, staticEnergy: 54, detectionDistanceCm: 0 },
    },
  },
  {
    id: 'L9 real, moving + stationary',
    hex: 'F4 F3 F2 F1 0D 00 02 AA 03 2A 00 64 00 00 64 00 00 55 00 F8 F7 F6 F5',
    source: 'tasmota Ld1410HandleTargetData comment ("Movement and Stationary target")',
    expected: {
      kind: 'report', mode: 'basic', state: 3, movingTarget: true, staticTarget: true,
      movingDistanceCm: 42, movingEnergy: 100, staticDistanceCm: 0, staticEnergy: 100, detectionDistanceCm: 0,
      raw: { mode: 'basic', state: 3, movingDistanceCm: 42, movingEnergy: 100, staticDistanceCm: 0, staticEnergy: 100, detectionDistanceCm: 0 },
    },
  },
];

export const LD2410_VECTORS = [...LD2410_COMMAND_VECTORS, ...LD2410_ACK_VECTORS, ...LD2410_REPORT_VECTORS];
