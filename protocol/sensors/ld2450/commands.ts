/**
 * LD2450 command table (notes §3.5; ESPHome ld2450.cpp) on the framing shared with the LD2410.
 * The ACK layouts of 0x91 and 0xC1 follow ESPHome `handle_ack_data_`: tracking mode at buffer[10],
 * zone type at buffer[10] and three zones of int16 LE from buffer[12] (`hex_to_signed_int`, two's complement,
 * unlike the sign-magnitude report coordinates).
 */
import { ByteWriter, i16le, u16le } from '../bytes.js';
import { type Codec, EMPTY, fail, mapCodec, ok, u16Enum } from '../codec.js';
import { type AckOf, type CommandFrameOf, type CommandOf, command, commandSet, decodeCommandFrame } from '../ld24xx/command-set.js';
import { COMMON_COMMANDS } from '../ld24xx/common.js';

export type Ld2450TrackingMode = 'single' | 'multi';
export type Ld2450ZoneType = 'disabled' | 'detection' | 'filter';

/** Rectangle in mm, two's complement int16 on the wire. */
export interface Ld2450Zone {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export interface Ld2450ZoneConfig {
  zoneType: Ld2450ZoneType;
  zones: [Ld2450Zone, Ld2450Zone, Ld2450Zone];
}

/** 0x91 ACK: 1 = single, 2 = multi (notes §3.5). */
const trackingModeCodec: Codec<{ mode: Ld2450TrackingMode }> = mapCodec(
  u16Enum([
    [1, 'single'],
    [2, 'multi'],
  ] as const),
  (mode) => ok({ mode }),
  (v) => v.mode,
);

/** Zone type 0 disabled, 1 detection, 2 filter (notes §3.5; ESPHome `ZoneType`). */
const ZONE_TYPES = ['disabled', 'detection', 'filter'] as const;
const ZONE_CONFIG_SIZE = 2 + 3 * 8;

/** 0xC2 value and 0xC1 return: zone type u16 + 3 × (x1, y1, x2, y2 int16 LE). */
const zoneConfigCodec: Codec<Ld2450ZoneConfig> = {
  encode(v) {
    const type = ZONE_TYPES.indexOf(v.zoneType);
    if (type < 0) throw new RangeError(`unknown zone type ${String(v.zoneType)}`);
    if (v.zones.length !== 3) throw new RangeError('exactly 3 zones');
    const w = new ByteWriter().u16(type);
    for (const z of v.zones) w.i16(z.x1, 'x1').i16(z.y1, 'y1').i16(z.x2, 'x2').i16(z.y2, 'y2');
    return w.finish();
  },
  decode(b) {
    if (b.length !== ZONE_CONFIG_SIZE) return fail(`expected ${ZONE_CONFIG_SIZE} bytes, got ${b.length}`, 0);
    const zoneType = ZONE_TYPES[u16le(b, 0)];
    if (zoneType === undefined) return fail(`unknown zone type ${u16le(b, 0)}`, 0);
    const zone = (i: number): Ld2450Zone => {
      const o = 2 + i * 8;
      return { x1: i16le(b, o), y1: i16le(b, o + 2), x2: i16le(b, o + 4), y2: i16le(b, o + 6) };
    };
    return ok({ zoneType, zones: [zone(0), zone(1), zone(2)] });
  },
};

export const LD2450_COMMANDS = {
  ...COMMON_COMMANDS,
  singleTargetMode: command(0x0080, EMPTY),
  multiTargetMode: command(0x0090, EMPTY),
  queryTrackingMode: command(0x0091, EMPTY, trackingModeCodec),
  queryZone: command(0x00c1, EMPTY, zoneConfigCodec),
  setZone: command(0x00c2, zoneConfigCodec),
};

export const ld2450Commands = commandSet(LD2450_COMMANDS);

export type Ld2450CommandName = keyof typeof LD2450_COMMANDS;
export type Ld2450Command = CommandOf<typeof LD2450_COMMANDS>;
export type Ld2450CommandFrame = CommandFrameOf<typeof LD2450_COMMANDS>;
export type Ld2450Ack = AckOf<typeof LD2450_COMMANDS>;

export function encodeLd2450Command(cmd: Ld2450Command): Uint8Array {
  return ld2450Commands.encodeCommand(cmd);
}

export function encodeLd2450Ack(ack: Ld2450Ack): Uint8Array {
  return ld2450Commands.encodeAck(ack);
}

export function decodeLd2450CommandFrame(bytes: Uint8Array) {
  return decodeCommandFrame(ld2450Commands, bytes);
}
