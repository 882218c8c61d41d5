/**
 * LD2410 / LD2410B / LD2410C report ("target data") frames, notes §3.2:
 *
 *   F4 F3 F2 F1 | LEN u16 LE | TYPE | AA | target data | [engineering data] | 55 | 00 | F8 F7 F6 F5
 *
 * TYPE 0x02 = basic (LEN 13, 23 bytes in all), 0x01 = engineering (LEN 35 with 9+9 gates, 45 bytes).
 * The engineering length is read from LEN and the gate counts N, never assumed (notes: "Don't hard-code 45").
 */
import { ByteWriter, concatBytes, startsWith, u16le } from '../bytes.js';
import { type Decoded, fail, ok, struct } from '../codec.js';
import { FRAME_OVERHEAD, MAX_DATA_LENGTH } from '../ld24xx/frame.js';
import type { FrameFamily } from '../ld24xx/scanner.js';

export const REPORT_HEADER = Uint8Array.of(0xf4, 0xf3, 0xf2, 0xf1);
export const REPORT_FOOTER = Uint8Array.of(0xf8, 0xf7, 0xf6, 0xf5);
/** TYPE byte (notes §3.2). */
export const REPORT_TYPE_ENGINEERING = 0x01;
export const REPORT_TYPE_BASIC = 0x02;
/** head / tail / "calibration" markers around the target data (notes §3.2). */
const HEAD = 0xaa;
const TAIL = 0x55;
const CHECK = 0x00;
/** Gates 0..8 (notes §3.3: "maxGate N (08)"; 9 energies per kind at 0.75 m or 0.20 m resolution). */
export const MAX_GATE = 8;
/** Energies are percentages 0–100 (notes §3.2 basic table). Also what makes resync safe: header bytes F1–FD can never hide inside an energy run. */
export const MAX_ENERGY = 100;
/** LEN of a basic report (notes §3.2). */
export const BASIC_DATA_LENGTH = 13;

/** Target state byte: bit0 = moving target, bit1 = stationary target (notes §3.2, ESPHome). */
export const TARGET_NONE = 0x00;
export const TARGET_MOVING = 0x01;
export const TARGET_STATIC = 0x02;
export const TARGET_BOTH = 0x03;

const energy = (v: number) => v <= MAX_ENERGY;

/** The 9 target bytes at offsets 8–16, identical in both report types (ESPHome `PeriodicDataStructure`). */
const targetFields = struct([
  ['state', 'u8', (v) => v <= TARGET_BOTH],
  ['movingDistanceCm', 'u16'],
  ['movingEnergy', 'u8', energy],
  ['staticDistanceCm', 'u16'],
  ['staticEnergy', 'u8', energy],
  ['detectionDistanceCm', 'u16'],
]);

/** Wire-level values of a report: what encode takes and what `raw` returns, byte for byte. */
export interface Ld2410TargetFields {
  state: number;
  movingDistanceCm: number;
  movingEnergy: number;
  staticDistanceCm: number;
  staticEnergy: number;
  detectionDistanceCm: number;
}
export interface Ld2410BasicFields extends Ld2410TargetFields {
  mode: 'basic';
}
export interface Ld2410EngineeringFields extends Ld2410TargetFields {
  mode: 'engineering';
  maxMovingGate: number;
  maxStaticGate: number;
  /** gates 0..maxMovingGate */
  movingEnergies: number[];
  /** gates 0..maxStaticGate */
  staticEnergies: number[];
  /** "retained / additional" bytes after the static energies: light level and OUT pin on B/C firmware ≥ 2.04. */
  extra: number[];
}
export type Ld2410ReportFields = Ld2410BasicFields | Ld2410EngineeringFields;

/**
 * A decoded report. Distances of a target kind the state byte says is absent are null: real captures
 * show non-zero distances with state 0 (notes L5), so they are not trusted. `raw` keeps every wire value.
 */
export interface Ld2410ReportBase {
  kind: 'report';
  state: number;
  movingTarget: boolean;
  staticTarget: boolean;
  movingDistanceCm: number | null;
  movingEnergy: number;
  staticDistanceCm: number | null;
  staticEnergy: number;
  detectionDistanceCm: number | null;
}
export interface Ld2410BasicReport extends Ld2410ReportBase {
  mode: 'basic';
  raw: Ld2410BasicFields;
}
export interface Ld2410EngineeringReport extends Ld2410ReportBase {
  mode: 'engineering';
  maxMovingGate: number;
  maxStaticGate: number;
  movingEnergies: number[];
  staticEnergies: number[];
  /** Photosensitive value 0–255 (offset 37; aio-ld2410 concepts.rst, ESPHome LIGHT_SENSOR); null when not sent. */
  lightLevel: number | null;
  /** OUT pin state (offset 38; ESPHome OUT_PIN_SENSOR); null when not sent. */
  outPin: number | null;
  raw: Ld2410EngineeringFields;
}
export type Ld2410Report = Ld2410BasicReport | Ld2410EngineeringReport;

function present(fields: Ld2410TargetFields) {
  const moving = (fields.state & TARGET_MOVING) !== 0;
  const still = (fields.state & TARGET_STATIC) !== 0;
  return {
    kind: 'report' as const,
    state: fields.state,
    movingTarget: moving,
    staticTarget: still,
    movingDistanceCm: moving ? fields.movingDistanceCm : null,
    movingEnergy: fields.movingEnergy,
    staticDistanceCm: still ? fields.staticDistanceCm : null,
    staticEnergy: fields.staticEnergy,
    detectionDistanceCm: fields.state === TARGET_NONE ? null : fields.detectionDistanceCm,
  };
}

/** Builds the decoded view of wire values (what the decoder returns for these fields). */
export function presentLd2410Report(fields: Ld2410ReportFields): Ld2410Report {
  if (fields.mode === 'basic') return { ...present(fields), mode: 'basic', raw: fields };
  return {
    ...present(fields),
    mode: 'engineering',
    maxMovingGate: fields.maxMovingGate,
    maxStaticGate: fields.maxStaticGate,
    movingEnergies: fields.movingEnergies,
    staticEnergies: fields.staticEnergies,
    lightLevel: fields.extra[0] ?? null,
    outPin: fields.extra[1] ?? null,
    raw: fields,
  };
}

function checkGates(name: string, max: number, energies: readonly number[]): void {
  if (!Number.isInteger(max) || max < 0 || max > MAX_GATE) throw new RangeError(`${name} must be 0..${MAX_GATE}, got ${max}`);
  if (energies.length !== max + 1) throw new RangeError(`${name} ${max} needs ${max + 1} energies, got ${energies.length}`);
  for (const e of energies) if (!Number.isInteger(e) || e < 0 || e > MAX_ENERGY) throw new RangeError(`gate energy must be 0..${MAX_ENERGY}, got ${e}`);
}

/** Byte-exact report frame, e.g. for the pty emulator. Accepts the wire values (a decoded report's `raw`). */
export function encodeLd2410Report(fields: Ld2410ReportFields): Uint8Array {
  const w = new ByteWriter()
    .u8(fields.mode === 'basic' ? REPORT_TYPE_BASIC : REPORT_TYPE_ENGINEERING)
    .u8(HEAD)
    .bytes(targetFields.encode(fields));
  for (const [name, v] of [['movingEnergy', fields.movingEnergy], ['staticEnergy', fields.staticEnergy]] as const) {
    if (v > MAX_ENERGY) throw new RangeError(`${name} must be 0..${MAX_ENERGY}, got ${v}`);
  }
  if (fields.state > TARGET_BOTH) throw new RangeError(`state must be 0..3, got ${fields.state}`);
  if (fields.mode === 'engineering') {
    checkGates('maxMovingGate', fields.maxMovingGate, fields.movingEnergies);
    checkGates('maxStaticGate', fields.maxStaticGate, fields.staticEnergies);
    w.u8(fields.maxMovingGate).u8(fields.maxStaticGate).bytes(fields.movingEnergies).bytes(fields.staticEnergies).bytes(fields.extra);
  }
  const data = w.u8(TAIL).u8(CHECK).finish();
  if (data.length > MAX_DATA_LENGTH) throw new RangeError(`report too long: LEN ${data.length} > ${MAX_DATA_LENGTH}`);
  return concatBytes(REPORT_HEADER, new ByteWriter().u16(data.length).finish(), data, REPORT_FOOTER);
}

/** Total frame length announced at `start` (see FrameFamily.frameLength). */
export function reportFrameLength(buf: Uint8Array, start: number, end: number): number {
  if (end - start < 6) return 0;
  const len = u16le(buf, start + 4);
  if (len < BASIC_DATA_LENGTH || len > MAX_DATA_LENGTH) return -1;
  return len + FRAME_OVERHEAD;
}

/** Validates and decodes the report occupying buf[start, start+length). */
export function decodeReportAt(buf: Uint8Array, start: number, length: number): Decoded<Ld2410Report> {
  if (length < BASIC_DATA_LENGTH + FRAME_OVERHEAD || start + length > buf.length) return fail('report too short', start);
  if (!startsWith(buf, start, REPORT_HEADER)) return fail('bad report header', start);
  const len = u16le(buf, start + 4);
  if (len + FRAME_OVERHEAD !== length) return fail('LEN does not match frame size', start + 4);
  if (!startsWith(buf, start + length - 4, REPORT_FOOTER)) return fail('bad report footer', start + length - 4);
  const d = start + 6; // first data byte (TYPE)
  const type = buf[d]!;
  if (buf[d + 1] !== HEAD) return fail('missing AA head marker', d + 1);
  if (buf[d + len - 2] !== TAIL || buf[d + len - 1] !== CHECK) return fail('missing 55 00 tail', d + len - 2);
  const t = targetFields.decode(buf.subarray(d + 2, d + 11));
  if (!t.ok) return fail(t.reason, d + 2 + t.offset);
  if (type === REPORT_TYPE_BASIC) {
    if (len !== BASIC_DATA_LENGTH) return fail(`basic report LEN must be ${BASIC_DATA_LENGTH}, got ${len}`, start + 4);
    return ok(presentLd2410Report({ mode: 'basic', ...t.value }));
  }
  if (type !== REPORT_TYPE_ENGINEERING) return fail(`unknown report type 0x${type.toString(16)}`, d);
  // engineering: N moving, N static at offsets 17/18, then N+1 + N+1 energies, then M retained bytes
  const nm = buf[d + 11]!;
  const ns = buf[d + 12]!;
  if (nm > MAX_GATE || ns > MAX_GATE) return fail(`gate count out of range (${nm}/${ns})`, d + 11);
  const movingAt = d + 13;
  const staticAt = movingAt + nm + 1;
  const extraAt = staticAt + ns + 1;
  const tailAt = d + len - 2;
  if (extraAt > tailAt) return fail('LEN too short for the announced gates', start + 4);
  const movingEnergies = Array.from(buf.subarray(movingAt, staticAt));
  const staticEnergies = Array.from(buf.subarray(staticAt, extraAt));
  const badAt = [...movingEnergies, ...staticEnergies].findIndex((e) => e > MAX_ENERGY);
  if (badAt >= 0) return fail('gate energy above 100', movingAt + badAt);
  return ok(
    presentLd2410Report({
      mode: 'engineering',
      ...t.value,
      maxMovingGate: nm,
      maxStaticGate: ns,
      movingEnergies,
      staticEnergies,
      extra: Array.from(buf.subarray(extraAt, tailAt)),
    }),
  );
}

/** Decodes one report frame given as its own byte array. */
export function decodeLd2410Report(bytes: Uint8Array): Decoded<Ld2410Report> {
  const length = reportFrameLength(bytes, 0, bytes.length);
  if (length === 0) return fail('frame too short', 0);
  if (length < 0) return fail('impossible LEN', 4);
  if (length !== bytes.length) return fail(`LEN announces ${length} bytes, got ${bytes.length}`, 4);
  return decodeReportAt(bytes, 0, length);
}

export const reportFamily: FrameFamily<Ld2410Report> = {
  header: REPORT_HEADER,
  frameLength: reportFrameLength,
  decode: decodeReportAt,
};
