/**
 * An HLK-LD2410 as seen from its UART: reports at ~10 frames/s computed from a scenario, and the
 * configuration protocol (notes §3.3) answered with byte-exact ACKs from the protocol encoders.
 * No I/O here: `receive` takes host bytes and returns the ACK frames, `due` returns the report frames
 * owed up to a time; `serve.ts` puts it on a pty.
 *
 * Behaviour copied from the module, with its source:
 *  - reports stop between enable-config and end-config (notes §3.3 0x00FF "reports stop");
 *  - commands other than enable-config are only answered in configuration mode (notes §3.3: enable
 *    configuration is "required before any other command"); outside it the emulator stays silent;
 *  - baud rate, Bluetooth, distance resolution and factory reset apply after a restart (notes §3.3);
 *    engineering mode is volatile (notes §3.3 0x0062), so a restart ends it;
 *  - max gates 2–8 for 0x0060 (notes §3.3, datasheet range); values outside are refused with status 1;
 *  - a target is reported when its energy at its gate exceeds that gate's sensitivity (threshold) and the
 *    gate is within the configured max gate; after the last detection the state is held for the
 *    no-one duration (notes §3.3 0x0060 "no-one duration");
 *  - distances of a target kind the state says is absent keep stale values, as real captures show (L5);
 *  - engineering reports carry gates 0..8 (N = 8, like L2) and, on firmware ≥ 2.04, the light level and
 *    OUT pin bytes (notes §3.2, aio-ld2410 concepts.rst).
 * Assumptions (no source says otherwise): a restart pauses reports for ~300 ms; the firmware type field
 * is 0x0100 as in the real capture K4; getMac answers 08:05:04:03:02:01 while Bluetooth is off (what
 * ESPHome treats as "no MAC").
 */
import {
  type Ld2410Ack,
  type Ld2410CommandFrame,
  type Ld2410CommandName,
  type Ld2410LightControl,
  type Ld2410Parameters,
  type Ld2410ReportFields,
  type DistanceResolutionCm,
  MAX_ENERGY,
  MAX_GATE,
  TARGET_MOVING,
  TARGET_STATIC,
  createLd2410Parser,
  encodeLd2410Ack,
  encodeLd2410Report,
} from '../../protocol/sensors/ld2410/index.js';
import { type BaudRate, parseFirmwareVersion } from '../../protocol/sensors/ld24xx/common.js';
import { ACK_STATUS_FAILURE, ACK_STATUS_SUCCESS } from '../../protocol/sensors/ld24xx/frame.js';
import { type Random, seededRandom } from './rng.js';
import { EMPTY_ROOM, type RadarScenario } from './scenario.js';

/** Factory parameters, K2 (real capture) = notes §3.3 factory defaults. */
export const LD2410_FACTORY_PARAMETERS: Ld2410Parameters = {
  maxGate: 8,
  maxMovingGate: 8,
  maxStaticGate: 8,
  movingSensitivity: [50, 50, 40, 30, 20, 15, 15, 15, 15],
  staticSensitivity: [0, 0, 40, 40, 30, 30, 20, 20, 20],
  noOneTimeoutS: 5,
};
/** K8 (aio-ld2410 trace): control off, threshold 128, default OUT low. */
const FACTORY_LIGHT: Ld2410LightControl = { control: 'off', threshold: 128, defaultOutLevel: 'low' };
/** Real capture K4 / Tasmota log. */
export const DEFAULT_LD2410_FIRMWARE = 'V1.07.22091516';
/** K6 (aio-ld2410 + datasheet §2.2.13). */
export const DEFAULT_LD2410_MAC = '8F:27:2E:B8:0F:65';
/** What the module reports while Bluetooth is off (ESPHome, notes §3.3 0x00A5). */
const NO_MAC = '08:05:04:03:02:01';
/** K1: protocol version 1, buffer 64 bytes. */
const PROTOCOL_INFO = { protocolVersion: 1, bufferSize: 64 };
/** ~10 reports/s (notes §3.1, aio-ld2410 concepts.rst). */
export const LD2410_REPORT_INTERVAL_MS = 100;
const RESTART_PAUSE_MS = 300;
/** A lagging event loop gets the missed reports only up to this far back; a real radar never bursts. */
const MAX_CATCH_UP_MS = 1000;

export interface Ld2410EmulatorOptions {
  scenario?: RadarScenario;
  /** Seed of the energy noise (default 1). */
  seed?: number;
  firmware?: string;
  firmwareType?: number;
  mac?: string;
  bluetooth?: boolean;
  parameters?: Ld2410Parameters;
  resolutionCm?: DistanceResolutionCm;
  engineering?: boolean;
  reportIntervalMs?: number;
  /** Commands answered with status 1 (failure), to exercise the host's error path. */
  nak?: Iterable<Ld2410CommandName>;
  /** Commands never answered, to exercise the host's timeout path. */
  silent?: Iterable<Ld2410CommandName>;
}

export interface Ld2410Emulator {
  /**
   * Coming up on a port (serve.ts). Being served again means it was unplugged, and a USB-serial radar
   * loses power with its adapter: it restarts (configuration mode and engineering mode end). No bytes.
   */
  greet(tMs: number): Uint8Array[];
  /** Bytes from the host → ACK frames to send back (in order). */
  receive(bytes: Uint8Array, tMs: number): Uint8Array[];
  /** Report frames owed up to tMs (none in configuration mode). */
  due(tMs: number): Uint8Array[];
  /** The report the radar would send at tMs (advances the no-one hold; used by `due`). */
  reportAt(tMs: number): Ld2410ReportFields;
  readonly configMode: boolean;
  readonly engineering: boolean;
  readonly parameters: Ld2410Parameters;
  /** The stored resolution setting (what 0x00AB answers); takes effect at restart. */
  readonly resolutionCm: DistanceResolutionCm;
  readonly baudRate: BaudRate;
  readonly bluetooth: boolean;
  /** Every command frame received, in order. */
  readonly commands: readonly Ld2410CommandFrame[];
  readonly reportsSent: number;
  /** Mutable: a test may switch failure injection on and off while the emulator runs. */
  readonly nak: Set<Ld2410CommandName>;
  readonly silent: Set<Ld2410CommandName>;
}

const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, Math.round(v)));

interface Detection {
  state: number;
  movingDistanceCm: number;
  movingEnergy: number;
  staticDistanceCm: number;
  staticEnergy: number;
  detectionDistanceCm: number;
}

export function createLd2410Emulator(options: Ld2410EmulatorOptions = {}): Ld2410Emulator {
  const scenario = options.scenario ?? EMPTY_ROOM;
  const random: Random = seededRandom(options.seed ?? 1);
  const firmware = options.firmware ?? DEFAULT_LD2410_FIRMWARE;
  const parsed = parseFirmwareVersion(firmware);
  if (!parsed) throw new RangeError(`firmware must look like V1.07.22091516, got ${JSON.stringify(firmware)}`);
  const fw = parsed;
  // light sensor + OUT bytes exist on B/C firmware ≥ 2.04 (notes §3.2)
  const sendsLightAndOut = fw.major > 2 || (fw.major === 2 && fw.minor >= 4);
  const interval = options.reportIntervalMs ?? LD2410_REPORT_INTERVAL_MS;
  const parser = createLd2410Parser();

  let params: Ld2410Parameters = structuredClone(options.parameters ?? LD2410_FACTORY_PARAMETERS);
  let resolutionSetting: DistanceResolutionCm = options.resolutionCm ?? 75;
  let activeResolution = resolutionSetting;
  let baudRate: BaudRate = 256000;
  let baudSetting: BaudRate = 256000;
  let bluetooth = options.bluetooth ?? true;
  let bluetoothSetting = bluetooth;
  let light: Ld2410LightControl = { ...FACTORY_LIGHT };
  let factoryResetPending = false;
  let configMode = false;
  let engineering = options.engineering ?? false;
  let nextReportAt = 0;
  let pausedUntil = 0;
  let reportsSent = 0;
  let held: { untilMs: number; detection: Detection } | null = null;
  let stale = { movingDistanceCm: 0, staticDistanceCm: 0 };
  const commands: Ld2410CommandFrame[] = [];
  const nak = new Set(options.nak ?? []);
  const silent = new Set(options.silent ?? []);

  const gateOf = (cm: number) => Math.min(MAX_GATE, Math.floor(cm / activeResolution));

  /** Energies a person produces, with seeded noise: close and moving is loud, far and still is faint. */
  function energies(tMs: number) {
    const person = scenario.at(tMs);
    const noise = (n: number) => (random() * 2 - 1) * n;
    if (person === null) return { person, moving: clamp(random() * 4, 0, 10), still: clamp(random() * 6, 0, 10) };
    const d = person.distanceCm;
    if (person.moving) return { person, moving: clamp(95 - d / 8 + noise(5), 0, MAX_ENERGY), still: clamp(30 - d / 20 + noise(5), 0, MAX_ENERGY) };
    // a standing person breathes: a little movement energy, strong stationary energy
    return { person, moving: clamp(8 + noise(4), 0, MAX_ENERGY), still: clamp(100 - d / 8 + noise(5), 0, MAX_ENERGY) };
  }

  function gateEnergies(gate: number | null, energy: number): number[] {
    return Array.from({ length: MAX_GATE + 1 }, (_, g) => {
      const floor = clamp(random() * 5, 0, MAX_ENERGY);
      if (gate === null) return floor;
      if (g === gate) return energy;
      if (Math.abs(g - gate) === 1) return Math.max(floor, clamp(energy / 3, 0, MAX_ENERGY));
      return floor;
    });
  }

  function reportAt(tMs: number): Ld2410ReportFields {
    const e = energies(tMs);
    const d = e.person?.distanceCm ?? null;
    const gate = d === null ? null : gateOf(d);
    let state = 0;
    if (d !== null && gate !== null) {
      // sensitivity is a per-gate threshold on the energy (HLK tool and ESPHome call it "threshold")
      if (gate <= params.maxMovingGate && e.moving > params.movingSensitivity[gate]!) state |= TARGET_MOVING;
      if (gate <= params.maxStaticGate && e.still > params.staticSensitivity[gate]!) state |= TARGET_STATIC;
    }
    let detection: Detection;
    if (state !== 0 && d !== null) {
      stale = { movingDistanceCm: state & TARGET_MOVING ? d : stale.movingDistanceCm, staticDistanceCm: state & TARGET_STATIC ? d : stale.staticDistanceCm };
      detection = { state, ...stale, movingEnergy: e.moving, staticEnergy: e.still, detectionDistanceCm: d };
      held = { untilMs: tMs + params.noOneTimeoutS * 1000, detection };
    } else if (held !== null && tMs < held.untilMs) {
      detection = { ...held.detection, movingEnergy: e.moving, staticEnergy: e.still };
    } else {
      held = null;
      detection = { state: 0, ...stale, movingEnergy: e.moving, staticEnergy: e.still, detectionDistanceCm: 0 };
    }
    if (!engineering) return { mode: 'basic', ...detection };
    return {
      mode: 'engineering',
      ...detection,
      maxMovingGate: MAX_GATE,
      maxStaticGate: MAX_GATE,
      movingEnergies: gateEnergies(gate, e.moving),
      staticEnergies: gateEnergies(gate, e.still),
      extra: sendsLightAndOut ? [clamp(80 + random() * 20, 0, 255), detection.state === 0 ? 0 : 1] : [],
    };
  }

  function ack(frame: Ld2410CommandFrame, payload: Ld2410Ack['payload'] = null): Uint8Array {
    return encodeLd2410Ack({ kind: 'ack', command: frame.command, status: ACK_STATUS_SUCCESS, payload } as Ld2410Ack);
  }
  function refuse(frame: Ld2410CommandFrame): Uint8Array {
    return encodeLd2410Ack({ kind: 'ack', command: frame.command, status: ACK_STATUS_FAILURE, payload: null } as Ld2410Ack);
  }

  function restart(tMs: number): void {
    configMode = false;
    engineering = false;
    if (factoryResetPending) {
      params = structuredClone(LD2410_FACTORY_PARAMETERS);
      resolutionSetting = 75;
      baudSetting = 256000;
      bluetoothSetting = true;
      light = { ...FACTORY_LIGHT };
      factoryResetPending = false;
    }
    activeResolution = resolutionSetting;
    baudRate = baudSetting;
    bluetooth = bluetoothSetting;
    held = null;
    pausedUntil = tMs + RESTART_PAUSE_MS;
  }

  function answer(f: Ld2410CommandFrame, tMs: number): Uint8Array | null {
    if (silent.has(f.command)) return null;
    if (f.command !== 'enableConfig' && !configMode) return null;
    if (nak.has(f.command)) return refuse(f);
    switch (f.command) {
      case 'enableConfig':
        configMode = true;
        return ack(f, PROTOCOL_INFO);
      case 'endConfig':
        configMode = false;
        // reporting resumes on the next slot, not with a burst of the skipped ones
        nextReportAt = Math.max(nextReportAt, tMs);
        return ack(f);
      case 'readFirmware':
        return ack(f, { firmwareType: options.firmwareType ?? 0x0100, major: fw.major, minor: fw.minor, bugfix: fw.bugfix, version: firmware });
      case 'setBaudRate':
        baudSetting = f.baud;
        return ack(f);
      case 'factoryReset':
        factoryResetPending = true;
        return ack(f);
      case 'restart':
        restart(tMs);
        return ack(f);
      case 'setBluetooth':
        bluetoothSetting = f.enabled;
        return ack(f);
      case 'getMac': {
        const mac = bluetooth ? (options.mac ?? DEFAULT_LD2410_MAC) : NO_MAC;
        return ack(f, { mac, bluetoothOff: !bluetooth });
      }
      case 'btAuthenticate':
        return null; // answered only over Bluetooth (notes §3.3 0x00A8)
      case 'setBtPassword':
        return ack(f);
      case 'setMaxGates':
        if (f.maxMovingGate < 2 || f.maxStaticGate < 2) return refuse(f);
        params = { ...params, maxMovingGate: f.maxMovingGate, maxStaticGate: f.maxStaticGate, noOneTimeoutS: f.noOneTimeoutS };
        return ack(f);
      case 'readParameters':
        return ack(f, structuredClone(params));
      case 'engineeringOn':
        engineering = true;
        return ack(f);
      case 'engineeringOff':
        engineering = false;
        return ack(f);
      case 'setGateSensitivity': {
        const gates = f.gate === 'all' ? params.movingSensitivity.map((_, g) => g) : [f.gate];
        if (gates.some((g) => g > params.maxGate)) return refuse(f);
        const moving = [...params.movingSensitivity];
        const still = [...params.staticSensitivity];
        for (const g of gates) {
          moving[g] = f.movingSensitivity;
          still[g] = f.staticSensitivity;
        }
        params = { ...params, movingSensitivity: moving, staticSensitivity: still };
        return ack(f);
      }
      case 'setDistanceResolution':
        resolutionSetting = f.resolutionCm;
        return ack(f);
      case 'getDistanceResolution':
        return ack(f, { resolutionCm: resolutionSetting });
      case 'setLightControl':
        light = { control: f.control, threshold: f.threshold, defaultOutLevel: f.defaultOutLevel };
        return ack(f);
      case 'getLightControl':
        return ack(f, { ...light });
    }
  }

  let served = false;
  return {
    greet(tMs) {
      if (served) restart(tMs);
      served = true;
      return [];
    },
    receive(bytes, tMs) {
      const out: Uint8Array[] = [];
      for (const frame of parser.push(bytes)) {
        if (frame.kind !== 'command') continue; // a host never sends reports or ACKs; ignore echoes
        commands.push(frame);
        const reply = answer(frame, tMs);
        if (reply) out.push(reply);
      }
      return out;
    },
    due(tMs) {
      const out: Uint8Array[] = [];
      if (tMs - nextReportAt > MAX_CATCH_UP_MS) nextReportAt = tMs - MAX_CATCH_UP_MS;
      while (nextReportAt <= tMs) {
        const slot = nextReportAt;
        nextReportAt += interval;
        if (configMode || slot < pausedUntil) continue;
        out.push(encodeLd2410Report(reportAt(slot)));
        reportsSent++;
      }
      return out;
    },
    reportAt,
    get configMode() {
      return configMode;
    },
    get engineering() {
      return engineering;
    },
    get parameters() {
      return structuredClone(params);
    },
    get resolutionCm() {
      return resolutionSetting;
    },
    get baudRate() {
      return baudRate;
    },
    get bluetooth() {
      return bluetooth;
    },
    commands,
    get reportsSent() {
      return reportsSent;
    },
    nak,
    silent,
  };
}
