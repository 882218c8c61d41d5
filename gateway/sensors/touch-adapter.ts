/**
 * The touch bridge (MPR121 behind an MCU, TP1 lines — protocol/sensors/touch/PROTOCOL.md) on a serial
 * port → TouchEvent, stamped with the gateway's receive time. The MCU's own millis() travels along as
 * mcuMs for ordering and intervals (it wraps every ~49.7 days, PROTOCOL.md).
 *
 * Baud rate 115200 8N1: PROTOCOL.md "Baud rate". A USB CDC bridge (RP2040, ATmega32U4) ignores it; a
 * bridge behind a USB-UART chip or on the Pi's UART must match it.
 *
 * Health: framesOk = lines accepted; crcFailures = TP lines with a wrong or missing CRC; badFrames =
 * other rejected lines (shape, version, non-ASCII, over-long); bytesSkipped = bytes in no accepted line
 * and no line terminator (rejected lines, over-long runs, half a line cut off by an unplug).
 */
import { createLineSplitter } from '../../protocol/sensors/touch/parser.js';
import { decodeTouchLine } from '../../protocol/sensors/touch/line.js';
import { TP_MAX_LINE } from '../../protocol/sensors/touch/tp1.js';
import type { TouchFormat, TouchHello, TouchMessage } from '../../protocol/sensors/touch/types.js';
import type { AdapterState, Clock, SensorHealth, Source, Stamp, TouchEvent } from '../core/types.js';
import { stampNow, systemClock } from '../core/types.js';
import type { RetryOptions } from './backoff.js';
import { type Counters, Listeners, type StateListener, emptyCounters, healthOf } from './adapter-support.js';
import { type OpenPort, SerialLink } from './serial-link.js';
import { createTouchTracker } from './touch-state.js';

export const TOUCH_DEFAULT_BAUD = 115200;
const CR = 0x0d;
const LF = 0x0a;

export interface TouchBridgeInfo {
  firmware: string;
  channels: number;
  protocolVersion: number;
  /** Further HELLO key=value pairs, kept uninterpreted (PROTOCOL.md). */
  extra: Record<string, string>;
  /** When the HELLO arrived. */
  at: Stamp;
}

export interface TouchAdapterOptions {
  sensor: string;
  path: string;
  baudRate?: number;
  clock?: Clock;
  retry?: RetryOptions;
  /**
   * Line formats accepted (default TP1 only: the bridge speaks TP1, and an unchecked import-format line
   * could be noise). Add 'adafruit-mpr121test' / 'bare-datastream' for boards running those sketches.
   */
  formats?: readonly TouchFormat[];
  onState?: StateListener;
  openPort?: OpenPort;
}

export interface TouchAdapter extends Source<TouchEvent> {
  readonly sensor: string;
  readonly path: string;
  health(): SensorHealth;
  /** The bridge's HELLO (firmware, channel count), null until one arrived. */
  info(): TouchBridgeInfo | null;
  /** Channels the gateway believes are touched now. */
  touched(): number[];
  onState(listener: StateListener): () => void;
  /** Every decoded message (D lines with filtered/baseline values for tuning, E faults). */
  onMessage(listener: (message: TouchMessage, at: Stamp) => void): () => void;
}

export function createTouchAdapter(options: TouchAdapterOptions): TouchAdapter {
  const { sensor, path } = options;
  const clock = options.clock ?? systemClock;
  const formats = options.formats ?? (['tp1'] as const);
  const counters: Counters = emptyCounters();
  const problem = (message: string) => {
    counters.lastError = message;
  };
  const events = new Listeners<[TouchEvent]>(problem);
  const messages = new Listeners<[TouchMessage, Stamp]>(problem);
  const states = new Listeners<[AdapterState, SensorHealth]>(problem);
  if (options.onState) states.add(options.onState);

  let splitter = createLineSplitter(TP_MAX_LINE);
  const tracker = createTouchTracker();
  let info: TouchBridgeInfo | null = null;
  let bytesIn = 0;
  let bytesAccounted = 0; // in accepted lines or terminators

  const handle = (message: TouchMessage, at: Stamp) => {
    if (message.kind === 'hello') info = toInfo(message, at);
    if (message.kind === 'error') problem(`bridge fault: ${message.code}`);
    messages.emit(message, at);
    for (const t of tracker.apply(message)) {
      const event: TouchEvent = { sensor, at, channel: t.channel, touched: t.touched };
      if (t.mcuMs !== undefined) event.mcuMs = t.mcuMs;
      events.emit(event);
    }
  };

  const onData = (chunk: Uint8Array) => {
    const at = stampNow(clock);
    bytesIn += chunk.length;
    for (const b of chunk) if (b === CR || b === LF) bytesAccounted++;
    for (const line of splitter.push(chunk)) {
      const r = decodeTouchLine(line, { formats, maxLineLength: TP_MAX_LINE });
      if (!r.ok) {
        if (r.reason === 'bad-crc' || r.reason === 'missing-crc') counters.crcFailures++;
        else counters.badFrames++;
        problem(`bad line (${r.reason}): ${r.detail}`);
        continue;
      }
      bytesAccounted += line.length;
      counters.framesOk++;
      counters.lastFrameMono = at.monoMs;
      handle(r.value, at);
    }
  };

  let overlongBefore = 0;
  /** A new connection starts mid-line at worst: the old half line is skipped, not glued to the new bytes. */
  const newSplitter = () => {
    overlongBefore += splitter.overlongLines;
    splitter = createLineSplitter(TP_MAX_LINE);
  };

  const link = new SerialLink({
    path,
    baudRate: options.baudRate ?? TOUCH_DEFAULT_BAUD,
    retry: options.retry,
    openPort: options.openPort,
    onData,
    onOpen: newSplitter,
    onLost: newSplitter,
    onProblem: problem,
    onState: (state) => states.emit(state, health()),
  });

  const health = (): SensorHealth => {
    const overlong = overlongBefore + splitter.overlongLines;
    const h = healthOf(sensor, path, link, { ...counters, badFrames: counters.badFrames + overlong }, clock);
    h.bytesSkipped = Math.max(0, bytesIn - bytesAccounted - splitter.pendingBytes);
    return h;
  };

  return {
    sensor,
    path,
    on: (listener) => events.add(listener),
    onMessage: (listener) => messages.add(listener),
    onState: (listener) => states.add(listener),
    start: () => link.start(),
    stop: () => link.stop(),
    health,
    info: () => (info ? { ...info, extra: { ...info.extra } } : null),
    touched: () => tracker.touched(),
  };
}

function toInfo(hello: TouchHello, at: Stamp): TouchBridgeInfo {
  return { firmware: hello.firmware, channels: hello.channels, protocolVersion: hello.protocolVersion, extra: { ...hello.extra }, at };
}
