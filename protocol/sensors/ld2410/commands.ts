/**
 * LD2410 command table (notes §3.3) on top of the shared LD24xx framing. Every entry is word + value
 * layout + ACK payload layout; encode/decode for commands and ACKs come from `commandSet`.
 */
import { ByteWriter } from '../bytes.js';
import { type Codec, EMPTY, fail, mapCodec, ok, paramList, u16Enum } from '../codec.js';
import { type AckOf, type CommandFrameOf, type CommandOf, command, commandSet, decodeCommandFrame } from '../ld24xx/command-set.js';
import { COMMON_COMMANDS } from '../ld24xx/common.js';
import { MAX_ENERGY, MAX_GATE } from './report.js';

/** Gate number meaning "all gates" in command 0x0064 (datasheet example `FF FF 00 00`, notes §3.3). */
export const ALL_GATES = 0xffff;
/** No-one duration range 0–65535 s (notes §3.3, command 0x0060). */
export const MAX_NO_ONE_TIMEOUT_S = 0xffff;

/** ACK of 0x0061 (notes §3.3; K2, K3). */
export interface Ld2410Parameters {
  /** Highest gate the firmware supports (N, normally 8); the sensitivity arrays have N+1 entries. */
  maxGate: number;
  maxMovingGate: number;
  maxStaticGate: number;
  movingSensitivity: number[];
  staticSensitivity: number[];
  noOneTimeoutS: number;
}

export interface Ld2410LightControl {
  /** 0 off, 1 OUT active when light below threshold, 2 when above (notes §3.3, 0x00AD). */
  control: 'off' | 'below' | 'above';
  threshold: number;
  defaultOutLevel: 'low' | 'high';
}

export type DistanceResolutionCm = 75 | 20;

/** First return byte of 0x0061 (notes §3.3: `AA`, maxGate N, …; K2, K3). */
const PARAMS_HEAD = 0xaa;

const parametersCodec: Codec<Ld2410Parameters> = {
  encode(p) {
    if (!Number.isInteger(p.maxGate) || p.maxGate < 0 || p.maxGate > MAX_GATE) throw new RangeError(`maxGate must be 0..${MAX_GATE}`);
    if (p.movingSensitivity.length !== p.maxGate + 1 || p.staticSensitivity.length !== p.maxGate + 1) {
      throw new RangeError(`maxGate ${p.maxGate} needs ${p.maxGate + 1} sensitivities per kind`);
    }
    if ([...p.movingSensitivity, ...p.staticSensitivity].some((v) => v > MAX_ENERGY)) throw new RangeError(`sensitivity must be 0..${MAX_ENERGY}`);
    return new ByteWriter()
      .u8(PARAMS_HEAD)
      .u8(p.maxGate, 'maxGate')
      .u8(p.maxMovingGate, 'maxMovingGate')
      .u8(p.maxStaticGate, 'maxStaticGate')
      .bytes(p.movingSensitivity)
      .bytes(p.staticSensitivity)
      .u16(p.noOneTimeoutS, 'noOneTimeoutS')
      .finish();
  },
  decode(b) {
    if (b.length < 4) return fail('parameters too short', 0);
    if (b[0] !== PARAMS_HEAD) return fail('missing AA head', 0);
    const n = b[1]!;
    if (n > MAX_GATE) return fail(`max gate ${n} > ${MAX_GATE}`, 1);
    const size = 4 + 2 * (n + 1) + 2;
    if (b.length !== size) return fail(`expected ${size} bytes for ${n + 1} gates, got ${b.length}`, 0);
    const moving = Array.from(b.subarray(4, 5 + n));
    const still = Array.from(b.subarray(5 + n, 6 + 2 * n));
    const bad = [...moving, ...still].findIndex((v) => v > MAX_ENERGY);
    if (bad >= 0) return fail('sensitivity above 100', 4 + bad);
    return ok({
      maxGate: n,
      maxMovingGate: b[2]!,
      maxStaticGate: b[3]!,
      movingSensitivity: moving,
      staticSensitivity: still,
      noOneTimeoutS: b[size - 2]! | (b[size - 1]! << 8),
    });
  },
};

/** 0x0060: `00 00 <max moving gate u32> 01 00 <max static gate u32> 02 00 <seconds u32>`. */
const maxGatesCodec = paramList(['maxMovingGate', 'maxStaticGate', 'noOneTimeoutS']);

/** 0x0064: `00 00 <gate u32 | FFFF = all> 01 00 <moving u32> 02 00 <static u32>`. */
const sensitivityCodec: Codec<{ gate: number | 'all'; movingSensitivity: number; staticSensitivity: number }> = mapCodec(
  paramList(['gate', 'movingSensitivity', 'staticSensitivity']),
  (w) => ok({ ...w, gate: w.gate === ALL_GATES ? ('all' as const) : w.gate }),
  (v) => ({ ...v, gate: v.gate === 'all' ? ALL_GATES : v.gate }),
);

/** 0x00AA value / 0x00AB return: 0 = 0.75 m gates, 1 = 0.20 m gates (notes §3.3, Table 8). */
const resolutionCodec: Codec<{ resolutionCm: DistanceResolutionCm }> = mapCodec(
  u16Enum([
    [0, 75],
    [1, 20],
  ] as const),
  (resolutionCm) => ok({ resolutionCm }),
  (v) => v.resolutionCm,
);

const LIGHT_CONTROL = ['off', 'below', 'above'] as const;
const OUT_LEVEL = ['low', 'high'] as const;

/** 0x00AD value / 0x00AE return: control u8, threshold u8, default OUT level u16 (notes §3.3, K8). */
const lightCodec: Codec<Ld2410LightControl> = {
  encode(v) {
    const control = LIGHT_CONTROL.indexOf(v.control);
    const level = OUT_LEVEL.indexOf(v.defaultOutLevel);
    if (control < 0 || level < 0) throw new RangeError('bad light control value');
    return new ByteWriter().u8(control).u8(v.threshold, 'threshold').u16(level).finish();
  },
  decode(b) {
    if (b.length !== 4) return fail(`expected 4 bytes, got ${b.length}`, 0);
    const control = LIGHT_CONTROL[b[0]!];
    if (control === undefined) return fail(`unknown light control ${b[0]}`, 0);
    const level = OUT_LEVEL[b[2]! | (b[3]! << 8)];
    if (level === undefined) return fail('unknown default OUT level', 2);
    return ok({ control, threshold: b[1]!, defaultOutLevel: level });
  },
};

/** 0x00A8 / 0x00A9: six ASCII bytes (default "HiLink", notes §3.3). */
const passwordCodec: Codec<{ password: string }> = {
  encode(v) {
    if (!/^[\x20-\x7e]{6}$/.test(v.password)) throw new RangeError('Bluetooth password must be 6 printable ASCII characters');
    return Uint8Array.from(v.password, (c) => c.charCodeAt(0));
  },
  decode(b) {
    if (b.length !== 6) return fail(`expected 6 bytes, got ${b.length}`, 0);
    const bad = b.findIndex((c) => c < 0x20 || c > 0x7e);
    if (bad >= 0) return fail('non-printable password byte', bad);
    return ok({ password: String.fromCharCode(...b) });
  },
};

/** Adds the datasheet's value ranges to a layout, in both directions: what decodes always re-encodes. */
function checked<V extends object>(inner: Codec<V>, check: (v: V) => string | null): Codec<V> {
  return {
    encode(v) {
      const problem = check(v);
      if (problem) throw new RangeError(problem);
      return inner.encode(v);
    },
    decode(b) {
      const r = inner.decode(b);
      if (!r.ok) return r;
      const problem = check(r.value);
      return problem ? fail(problem, 0) : r;
    },
  };
}

const gateRange = (name: string, v: number) => (Number.isInteger(v) && v >= 0 && v <= MAX_GATE ? null : `${name} must be 0..${MAX_GATE}`);
const sensRange = (name: string, v: number) => (Number.isInteger(v) && v >= 0 && v <= MAX_ENERGY ? null : `${name} must be 0..${MAX_ENERGY}`);

/**
 * Values the datasheet rules out (gate > 8, sensitivity > 100, duration > 65535 s) are refused by the
 * encoder and the decoder alike, so a decoded command always re-encodes to the same bytes.
 */
export const LD2410_COMMANDS = {
  ...COMMON_COMMANDS,
  setMaxGates: command(
    0x0060,
    checked(maxGatesCodec, (v) => gateRange('maxMovingGate', v.maxMovingGate) ?? gateRange('maxStaticGate', v.maxStaticGate) ??
      (v.noOneTimeoutS <= MAX_NO_ONE_TIMEOUT_S ? null : 'noOneTimeoutS must be 0..65535')),
  ),
  readParameters: command(0x0061, EMPTY, parametersCodec),
  engineeringOn: command(0x0062, EMPTY),
  engineeringOff: command(0x0063, EMPTY),
  setGateSensitivity: command(
    0x0064,
    checked(sensitivityCodec, (v) => (v.gate === 'all' ? null : gateRange('gate', v.gate)) ??
      sensRange('movingSensitivity', v.movingSensitivity) ?? sensRange('staticSensitivity', v.staticSensitivity)),
  ),
  btAuthenticate: command(0x00a8, passwordCodec),
  setBtPassword: command(0x00a9, passwordCodec),
  setDistanceResolution: command(0x00aa, resolutionCodec),
  getDistanceResolution: command(0x00ab, EMPTY, resolutionCodec),
  setLightControl: command(0x00ad, lightCodec),
  getLightControl: command(0x00ae, EMPTY, lightCodec),
};

export const ld2410Commands = commandSet(LD2410_COMMANDS);

export type Ld2410CommandName = keyof typeof LD2410_COMMANDS;
export type Ld2410Command = CommandOf<typeof LD2410_COMMANDS>;
export type Ld2410CommandFrame = CommandFrameOf<typeof LD2410_COMMANDS>;
export type Ld2410Ack = AckOf<typeof LD2410_COMMANDS>;

export function encodeLd2410Command(cmd: Ld2410Command): Uint8Array {
  return ld2410Commands.encodeCommand(cmd);
}

export function encodeLd2410Ack(ack: Ld2410Ack): Uint8Array {
  return ld2410Commands.encodeAck(ack);
}

/** Decodes one command or ACK frame given as its own byte array. */
export function decodeLd2410CommandFrame(bytes: Uint8Array) {
  return decodeCommandFrame(ld2410Commands, bytes);
}
