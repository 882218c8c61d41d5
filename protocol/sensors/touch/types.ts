/** Typed touch messages, the same for every input format (TP1, Adafruit MPR121test, Bare Conductive DataStream). */

export type TouchFormat = 'tp1' | 'adafruit-mpr121test' | 'bare-datastream';
export const TOUCH_FORMATS: readonly TouchFormat[] = ['tp1', 'adafruit-mpr121test', 'bare-datastream'];

/** Per-channel series a line can carry; index = channel (0..11 electrodes, 12 = proximity). */
export type TouchSeriesName = 'touched' | 'filtered' | 'baseline' | 'touchThreshold' | 'releaseThreshold' | 'diff';
export type TouchSeries = Partial<Record<TouchSeriesName, number[]>>;

export interface TouchHello {
  kind: 'hello';
  format: 'tp1';
  protocolVersion: number;
  firmware: string;
  channels: number;
  /** Further key=value pairs a newer v1 bridge may add; kept, not interpreted. */
  extra: Record<string, string>;
}

export interface TouchEvent {
  kind: 'touch' | 'release';
  format: TouchFormat;
  channel: number;
  /** MCU millis() when the debounced change happened; null when the format has no clock (Adafruit). Wraps at 2^32. */
  mcuMs: number | null;
}

export interface TouchValues {
  kind: 'values';
  format: TouchFormat;
  mcuMs: number | null;
  series: TouchSeries;
}

export interface TouchFault {
  kind: 'error';
  format: 'tp1';
  code: string;
}

export type TouchMessage = TouchHello | TouchEvent | TouchValues | TouchFault;

export type TouchLineErrorReason =
  | 'empty'
  | 'too-long'
  | 'non-ascii'
  | 'missing-crc'
  | 'bad-crc'
  | 'unsupported-version'
  | 'malformed'
  | 'unknown-format';

export type TouchLineResult =
  | { ok: true; value: TouchMessage }
  | { ok: false; reason: TouchLineErrorReason; detail: string; offset: number };

export function lineError(reason: TouchLineErrorReason, detail: string, offset = 0): TouchLineResult {
  return { ok: false, reason, detail, offset };
}
