/**
 * The shapes that cross the gateway's adapter boundary. Adapters (noble, bleno, serialport, the
 * simulated radio, pty emulators) produce these; the pipeline consumes them and never sees a
 * library object. Every event carries both clocks: wall time for stamping messages, monotonic time
 * for durations and timeouts (wall time jumps when NTP corrects it).
 */

export interface Clock {
  /** Wall-clock epoch milliseconds. */
  now(): number;
  /** Monotonic milliseconds from an arbitrary origin. */
  mono(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  mono: () => performance.now(),
};

export interface Stamp {
  wallMs: number;
  monoMs: number;
}

export function stampNow(clock: Clock): Stamp {
  return { wallMs: clock.now(), monoMs: clock.mono() };
}

/** One received advertisement, copied out of whatever object the BLE stack reuses. */
export interface RadioAdvertisement {
  /** Lowercase colon-separated MAC ("aa:bb:cc:dd:ee:ff"); random addresses rotate. */
  address: string;
  addressType: 'public' | 'random' | 'unknown';
  rssi: number;
  /** Each manufacturer-specific data value, company ID included. */
  manufacturerData: Uint8Array[];
  /** Service data by UUID as protocol/ble's AD parser names it ("feaa" for 16-bit). */
  serviceData: { uuid: string; data: Uint8Array }[];
  localName?: string;
  txPowerLevel?: number;
  at: Stamp;
}

/** A radar report reduced to what the pipeline needs; distances are null when not trusted. */
export interface RadarReading {
  sensor: string;
  model: 'ld2410' | 'ld2450';
  at: Stamp;
  moving: boolean;
  stationary: boolean;
  /** Nearest trusted target distance, cm; null when no target. */
  distanceCm: number | null;
  movingDistanceCm: number | null;
  staticDistanceCm: number | null;
  /** 0–100, 0 when absent. */
  movingEnergy: number;
  staticEnergy: number;
}

export interface TouchEvent {
  sensor: string;
  at: Stamp;
  /** 0–11 electrodes, 12 = MPR121 proximity electrode. */
  channel: number;
  touched: boolean;
  /** The bridge's own millisecond timestamp, when the line carried one. */
  mcuMs?: number;
}

export type AdapterState = 'starting' | 'open' | 'retrying' | 'stopped';

/** Health counters every serial adapter reports (telemetry, doctor, Prometheus). */
export interface SensorHealth {
  sensor: string;
  path: string;
  state: AdapterState;
  framesOk: number;
  bytesSkipped: number;
  crcFailures: number;
  badFrames: number;
  reconnects: number;
  /** ms since the last good frame, null before the first one. */
  lastFrameAgeMs: number | null;
  lastError?: string;
}

/** The smallest subscription interface the pipeline needs from any source. */
export interface Source<T> {
  on(listener: (event: T) => void): () => void;
  start(): Promise<void>;
  stop(): Promise<void>;
}
