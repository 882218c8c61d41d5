/** fast-check generators for the sensor codecs (test-only; excluded from the build). */
import fc from 'fast-check';
import { BAUD_RATES } from '../ld24xx/common.js';
import type { Ld2410Ack, Ld2410Command } from '../ld2410/commands.js';
import { MAX_GATE, type Ld2410ReportFields } from '../ld2410/report.js';
import type { Ld2450Ack, Ld2450Command, Ld2450ReportFields, Ld2450Zone } from '../ld2450/index.js';
import type { TouchMessage } from '../touch/types.js';

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const energy = fc.integer({ min: 0, max: 100 });
const gate = fc.integer({ min: 0, max: MAX_GATE });
const state = fc.integer({ min: 0, max: 3 });

const target = fc.record({
  state,
  movingDistanceCm: u16,
  movingEnergy: energy,
  staticDistanceCm: u16,
  staticEnergy: energy,
  detectionDistanceCm: u16,
});

export const arbLd2410ReportFields: fc.Arbitrary<Ld2410ReportFields> = fc.oneof(
  target.map((t) => ({ mode: 'basic' as const, ...t })),
  fc
    .tuple(target, gate, gate, fc.array(u8, { maxLength: 4 }))
    .chain(([t, nm, ns, extra]) =>
      fc.record({
        movingEnergies: fc.array(energy, { minLength: nm + 1, maxLength: nm + 1 }),
        staticEnergies: fc.array(energy, { minLength: ns + 1, maxLength: ns + 1 }),
      }).map((e) => ({ mode: 'engineering' as const, ...t, maxMovingGate: nm, maxStaticGate: ns, ...e, extra })),
    ),
);

const password = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 6, maxLength: 6 });
const baud = fc.constantFrom(...BAUD_RATES.map(([, b]) => b));
const light = fc.record({
  control: fc.constantFrom('off' as const, 'below' as const, 'above' as const),
  threshold: u8,
  defaultOutLevel: fc.constantFrom('low' as const, 'high' as const),
});
const mac = fc.array(u8, { minLength: 6, maxLength: 6 }).map((b) => b.map((x) => x.toString(16).toUpperCase().padStart(2, '0')).join(':'));
const firmware = fc.record({ firmwareType: u16, major: u8, minor: u8, bugfix: u32 }).map((f) => ({
  ...f,
  version: `V${f.major}.${f.minor.toString(16).toUpperCase().padStart(2, '0')}.${f.bugfix.toString(16).toUpperCase().padStart(8, '0')}`,
}));

const commonCommand = fc.oneof(
  fc.constantFrom(
    { command: 'enableConfig' as const },
    { command: 'endConfig' as const },
    { command: 'readFirmware' as const },
    { command: 'factoryReset' as const },
    { command: 'restart' as const },
    { command: 'getMac' as const },
  ),
  baud.map((b) => ({ command: 'setBaudRate' as const, baud: b })),
  fc.boolean().map((enabled) => ({ command: 'setBluetooth' as const, enabled })),
);

export const arbLd2410Command: fc.Arbitrary<Ld2410Command> = fc.oneof(
  commonCommand,
  fc.constantFrom(
    { command: 'readParameters' as const },
    { command: 'engineeringOn' as const },
    { command: 'engineeringOff' as const },
    { command: 'getDistanceResolution' as const },
    { command: 'getLightControl' as const },
  ),
  fc.record({ command: fc.constant('setMaxGates' as const), maxMovingGate: gate, maxStaticGate: gate, noOneTimeoutS: u16 }),
  fc.record({
    command: fc.constant('setGateSensitivity' as const),
    gate: fc.oneof(gate, fc.constant('all' as const)),
    movingSensitivity: energy,
    staticSensitivity: energy,
  }),
  password.map((p) => ({ command: 'btAuthenticate' as const, password: p })),
  password.map((p) => ({ command: 'setBtPassword' as const, password: p })),
  fc.constantFrom(75 as const, 20 as const).map((r) => ({ command: 'setDistanceResolution' as const, resolutionCm: r })),
  light.map((l) => ({ command: 'setLightControl' as const, ...l })),
);

const status = fc.constantFrom(0, 1);

function ack<C extends string, P>(command: C, payload: fc.Arbitrary<P>) {
  // success carries its payload; failure may come back without one
  return fc.oneof(
    payload.map((p) => ({ kind: 'ack' as const, command, status: 0, payload: p })),
    fc.record({ kind: fc.constant('ack' as const), command: fc.constant(command), status: fc.constant(1), payload: fc.option(payload, { nil: null }) }),
  );
}

function bare<C extends string>(...commands: C[]) {
  return fc.record({ kind: fc.constant('ack' as const), command: fc.constantFrom(...commands), status, payload: fc.constant(null) });
}

const commonAck = fc.oneof(
  ack('enableConfig', fc.record({ protocolVersion: u16, bufferSize: u16 })),
  ack('readFirmware', firmware),
  ack('getMac', mac.map((m) => ({ mac: m, bluetoothOff: m === '08:05:04:03:02:01' }))),
  bare('endConfig', 'setBaudRate', 'factoryReset', 'restart', 'setBluetooth'),
);

export const arbLd2410Ack: fc.Arbitrary<Ld2410Ack> = fc.oneof(
  commonAck,
  ack(
    'readParameters',
    gate.chain((n) =>
      fc.record({
        maxGate: fc.constant(n),
        maxMovingGate: u8,
        maxStaticGate: u8,
        movingSensitivity: fc.array(energy, { minLength: n + 1, maxLength: n + 1 }),
        staticSensitivity: fc.array(energy, { minLength: n + 1, maxLength: n + 1 }),
        noOneTimeoutS: u16,
      }),
    ),
  ),
  ack('getDistanceResolution', fc.constantFrom(75 as const, 20 as const).map((r) => ({ resolutionCm: r }))),
  ack('getLightControl', light),
  bare('setMaxGates', 'engineeringOn', 'engineeringOff', 'setGateSensitivity', 'btAuthenticate', 'setBtPassword', 'setDistanceResolution', 'setLightControl'),
) as fc.Arbitrary<Ld2410Ack>;

// ---- LD2450 ----

const i16 = fc.integer({ min: -0x8000, max: 0x7fff });
const zone: fc.Arbitrary<Ld2450Zone> = fc.record({ x1: i16, y1: i16, x2: i16, y2: i16 });
const zones = fc.tuple(zone, zone, zone);
const zoneType = fc.constantFrom('disabled' as const, 'detection' as const, 'filter' as const);

const slot = fc.oneof(
  fc.constant({ x: 0, y: 0, speed: 0, resolution: 0 }),
  fc.record({ x: u16, y: u16, speed: u16, resolution: u16 }),
);
export const arbLd2450ReportFields: fc.Arbitrary<Ld2450ReportFields> = fc.tuple(slot, slot, slot).map((slots) => ({ slots }));

export const arbLd2450Command: fc.Arbitrary<Ld2450Command> = fc.oneof(
  commonCommand,
  fc.constantFrom(
    { command: 'singleTargetMode' as const },
    { command: 'multiTargetMode' as const },
    { command: 'queryTrackingMode' as const },
    { command: 'queryZone' as const },
  ),
  fc.record({ command: fc.constant('setZone' as const), zoneType, zones }),
);

export const arbLd2450Ack: fc.Arbitrary<Ld2450Ack> = fc.oneof(
  commonAck,
  ack('queryTrackingMode', fc.constantFrom('single' as const, 'multi' as const).map((mode) => ({ mode }))),
  ack('queryZone', fc.record({ zoneType, zones })),
  bare('singleTargetMode', 'multiTargetMode', 'setZone'),
) as fc.Arbitrary<Ld2450Ack>;

// ---- touch (TP1) ----

const ms = fc.integer({ min: 0, max: 0xffffffff });
export const arbTpMessage: fc.Arbitrary<TouchMessage> = fc.oneof(
  fc.record({
    kind: fc.constant('hello' as const),
    format: fc.constant('tp1' as const),
    protocolVersion: fc.constant(1),
    firmware: fc.stringMatching(/^[0-9A-Za-z._+-]{1,32}$/),
    channels: fc.integer({ min: 1, max: 13 }),
    extra: fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9_]{0,15}$/).filter((k) => k !== 'fw' && k !== 'ch'), fc.stringMatching(/^[0-9A-Za-z._+-]{1,32}$/), { maxKeys: 2 }),
  }),
  fc.record({ kind: fc.constantFrom('touch' as const, 'release' as const), format: fc.constant('tp1' as const), channel: fc.integer({ min: 0, max: 12 }), mcuMs: ms }),
  fc.integer({ min: 1, max: 13 }).chain((n) =>
    fc.record({
      kind: fc.constant('values' as const),
      format: fc.constant('tp1' as const),
      mcuMs: ms,
      series: fc.record({
        touched: fc.array(fc.constantFrom(0, 1), { minLength: n, maxLength: n }),
        filtered: fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: n, maxLength: n }),
        baseline: fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: n, maxLength: n }),
      }),
    }),
  ),
  fc.record({ kind: fc.constant('error' as const), format: fc.constant('tp1' as const), code: fc.stringMatching(/^[a-z0-9-]{1,32}$/) }),
);

