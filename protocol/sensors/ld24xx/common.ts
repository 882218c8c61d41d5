/**
 * Commands and ACK payloads that the LD2410 family and the LD2450 share word for word (notes §3.3 and
 * §3.5: 0xFF/0xFE enable/end config, 0xA0 version, 0xA1 baud, 0xA2 factory reset, 0xA3 restart,
 * 0xA4 Bluetooth, 0xA5 MAC).
 */
import { ByteWriter, formatHex } from '../bytes.js';
import { type Codec, EMPTY, fail, fixedValue, mapCodec, ok, struct, u16Enum } from '../codec.js';
import { command } from './command-set.js';

/** Baud index table, command 0x00A1 (notes §3.1; ESPHome ld2450.cpp `BaudRate`). 7 = factory default. */
export const BAUD_RATES = [
  [1, 9600],
  [2, 19200],
  [3, 38400],
  [4, 57600],
  [5, 115200],
  [6, 230400],
  [7, 256000],
  [8, 460800],
] as const;
export type BaudRate = (typeof BAUD_RATES)[number][1];

/** ACK of 0x00FF: protocol version u16 + buffer size u16 (K1: `01 00 40 00`). */
export interface ProtocolInfo {
  protocolVersion: number;
  bufferSize: number;
}

/**
 * ACK of 0x00A0. Wire layout after the status: type u16, minor u8, major u8, bugfix u32 LE (notes §3.3).
 * The type field is opaque: the datasheet, aio-ld2410 and a real Tasmota capture disagree on it (notes §3.4).
 */
export interface FirmwareVersion {
  firmwareType: number;
  major: number;
  minor: number;
  bugfix: number;
  /** ESPHome's rendering `"V%u.%02X.%02X%02X%02X%02X"`, e.g. V1.02.22062416 (K5). */
  version: string;
}

/** ACK of 0x00A5: 6 bytes of MAC. */
export interface MacAddress {
  mac: string;
  /** ESPHome treats 08:05:04:03:02:01 as "no MAC": the module reports it while Bluetooth is off. */
  bluetoothOff: boolean;
}

export function formatFirmwareVersion(major: number, minor: number, bugfix: number): string {
  const h = (v: number, n: number) => v.toString(16).toUpperCase().padStart(n, '0');
  return `V${major}.${h(minor, 2)}.${h(bugfix, 8)}`;
}

/** Inverse of formatFirmwareVersion, for emulators configured with a version string. */
export function parseFirmwareVersion(version: string): { major: number; minor: number; bugfix: number } | null {
  const m = /^V(\d{1,3})\.([0-9A-F]{2})\.([0-9A-F]{8})$/.exec(version);
  if (!m || Number(m[1]) > 255) return null;
  return { major: Number(m[1]), minor: parseInt(m[2]!, 16), bugfix: parseInt(m[3]!, 16) };
}

const NO_MAC = '08:05:04:03:02:01';

export const protocolInfoCodec: Codec<ProtocolInfo> = struct([
  ['protocolVersion', 'u16'],
  ['bufferSize', 'u16'],
]);

export const firmwareCodec: Codec<FirmwareVersion> = mapCodec(
  struct([
    ['firmwareType', 'u16'],
    ['minor', 'u8'],
    ['major', 'u8'],
    ['bugfix', 'u32'],
  ]),
  (w) => ok({ firmwareType: w.firmwareType, major: w.major, minor: w.minor, bugfix: w.bugfix, version: formatFirmwareVersion(w.major, w.minor, w.bugfix) }),
  (f) => f,
);

export const macCodec: Codec<MacAddress> = {
  encode(value) {
    const parts = value.mac.split(':');
    if (parts.length !== 6 || parts.some((p) => !/^[0-9A-Fa-f]{2}$/.test(p))) throw new RangeError(`not a MAC address: ${value.mac}`);
    return new ByteWriter().bytes(parts.map((p) => parseInt(p, 16))).finish();
  },
  decode(bytes) {
    if (bytes.length !== 6) return fail(`expected 6 bytes, got ${bytes.length}`, 0);
    const mac = formatHex(bytes, ':').toUpperCase();
    return ok({ mac, bluetoothOff: mac === NO_MAC });
  },
};

export const baudCodec: Codec<{ baud: BaudRate }> = mapCodec(
  u16Enum(BAUD_RATES),
  (baud) => ok({ baud }),
  (v) => v.baud,
);

/** 0x00A4 value: `01 00` on, `00 00` off. */
export const bluetoothCodec: Codec<{ enabled: boolean }> = mapCodec(
  u16Enum([
    [0, false],
    [1, true],
  ] as const),
  (enabled) => ok({ enabled }),
  (v) => v.enabled,
);

/** Words from notes §3.3; the enable-config and get-MAC values `01 00` are fixed by the datasheet. */
export const COMMON_COMMANDS = {
  enableConfig: command(0x00ff, fixedValue([0x01, 0x00]), protocolInfoCodec),
  endConfig: command(0x00fe, EMPTY),
  readFirmware: command(0x00a0, EMPTY, firmwareCodec),
  setBaudRate: command(0x00a1, baudCodec),
  factoryReset: command(0x00a2, EMPTY),
  restart: command(0x00a3, EMPTY),
  setBluetooth: command(0x00a4, bluetoothCodec),
  getMac: command(0x00a5, fixedValue([0x01, 0x00]), macCodec),
};
