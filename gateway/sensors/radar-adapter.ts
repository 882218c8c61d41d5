/**
 * A Hi-Link LD2410-family or LD2450 radar on a serial port → RadarReading, stamped with the gateway's
 * receive time. The streaming parser (protocol/sensors) finds the frames; this module owns the port
 * (serial-link.ts: retry with backoff, never crash), the health counters, and the command channel
 * (radar-session.ts) so configuration runs on the same port while reports keep flowing.
 *
 * Health: framesOk = valid frames of any kind (reports and ACKs); LD24xx frames carry no checksum
 * (notes §3.2), so crcFailures stays 0 for radars and the parser's structural checks (markers, LEN,
 * footer, ranges) count as badFrames; bytesSkipped includes half a frame cut off by an unplug.
 */
import type { AdapterState, Clock, RadarReading, SensorHealth, Source, Stamp } from '../core/types.js';
import { stampNow, systemClock } from '../core/types.js';
import type { RetryOptions } from './backoff.js';
import { type Counters, Listeners, type StateListener, emptyCounters, healthOf } from './adapter-support.js';
import { ld2410Reading, ld2450Reading } from './radar-reading.js';
import {
  type ConfigureResult,
  type RadarAckOf,
  type RadarCommandOf,
  type RadarFrameOf,
  type RadarModel,
  type RadarSession,
  createModelParser,
  createRadarSession,
} from './radar-session.js';
import { type OpenPort, SerialLink } from './serial-link.js';
import type { Ld2410Report } from '../../protocol/sensors/ld2410/report.js';
import type { Ld2450Report } from '../../protocol/sensors/ld2450/report.js';

/** Factory default of both radars (notes §3.1, §3.5). */
export const RADAR_DEFAULT_BAUD = 256000;

export const RADAR_SILENCE_MS = 5000;

export interface RadarAdapterOptions<M extends RadarModel = RadarModel> {
  /** Sensor id carried by every reading and health report, e.g. "radar0". */
  sensor: string;
  /** Device path, e.g. /dev/touchpoint-radar0 (hardware/udev) or a pty from the emulator. */
  path: string;
  model: M;
  baudRate?: number;
  clock?: Clock;
  retry?: RetryOptions;
  /**
   * Reopen the port when no byte has arrived for this long (default 5000 ms; 0 = never). Both radars
   * report about 10 times a second in normal and engineering mode, and answer every command in
   * configuration mode, so five seconds of silence means a dead link, not an empty room.
   */
  silenceMs?: number;
  /** Per-command ACK timeout for configure() (default 1000 ms). */
  ackTimeoutMs?: number;
  onState?: StateListener;
  /** Test seam (SerialPortMock); default the real serialport. */
  openPort?: OpenPort;
}

export interface RadarAdapter<M extends RadarModel = RadarModel> extends Source<RadarReading> {
  readonly sensor: string;
  readonly path: string;
  readonly model: M;
  health(): SensorHealth;
  onState(listener: StateListener): () => void;
  /** Every decoded frame (reports with gate energies, ACKs), for diagnostics and tests. */
  onFrame(listener: (frame: RadarFrameOf<M>, at: Stamp) => void): () => void;
  /** enable-config → commands → end-config on this port, each ACK awaited (see radar-session.ts). */
  configure(commands: readonly RadarCommandOf<M>[]): Promise<ConfigureResult<M>>;
  /** The same channel step by step (inConfig, send) for dialogues that depend on answers. */
  readonly session: RadarSession<M>;
}

export function createRadarAdapter<M extends RadarModel>(options: RadarAdapterOptions<M>): RadarAdapter<M> {
  const { sensor, path, model } = options;
  const clock = options.clock ?? systemClock;
  const counters: Counters = emptyCounters();
  const problem = (message: string) => {
    counters.lastError = message;
  };
  const readings = new Listeners<[RadarReading]>(problem);
  const frames = new Listeners<[RadarFrameOf<M>, Stamp]>(problem);
  const states = new Listeners<[AdapterState, SensorHealth]>(problem);
  const acks = new Set<(ack: RadarAckOf<M>) => void>();
  const closes = new Set<(reason: string) => void>();
  if (options.onState) states.add(options.onState);

  const parser = createModelParser(model);
  /** Bytes of half frames dropped when the port went away (the parser's own counters keep the rest). */
  let droppedOnReset = 0;
  let lastBadFrames = 0;
  const resetParser = () => {
    droppedOnReset += parser.pendingBytes;
    parser.reset();
  };
  const toReading = (frame: RadarFrameOf<M>, at: Stamp): RadarReading =>
    model === 'ld2410' ? ld2410Reading(sensor, frame as Ld2410Report, at) : ld2450Reading(sensor, frame as Ld2450Report, at);

  const onData = (chunk: Uint8Array) => {
    const at = stampNow(clock);
    const decoded = parser.push(chunk);
    const s = parser.stats;
    if (s.badFrames !== lastBadFrames) {
      lastBadFrames = s.badFrames;
      problem(`bad frame: ${s.lastError ?? 'unknown'}`);
    }
    if (decoded.length > 0) counters.lastFrameMono = at.monoMs;
    for (const frame of decoded) {
      frames.emit(frame, at);
      if (frame.kind === 'report') readings.emit(toReading(frame, at));
      else if (frame.kind === 'ack') for (const l of [...acks]) l(frame as RadarAckOf<M>);
    }
  };

  const link = new SerialLink({
    path,
    baudRate: options.baudRate ?? RADAR_DEFAULT_BAUD,
    retry: options.retry,
    silenceMs: options.silenceMs ?? RADAR_SILENCE_MS,
    openPort: options.openPort,
    onData,
    onOpen: resetParser,
    onLost: (reason) => {
      resetParser();
      for (const l of [...closes]) l(reason);
    },
    onProblem: problem,
    onState: (state) => states.emit(state, health()),
  });

  const health = (): SensorHealth => {
    const s = parser.stats;
    counters.framesOk = s.framesOk;
    counters.bytesSkipped = s.bytesSkipped + droppedOnReset;
    counters.badFrames = s.badFrames;
    return healthOf(sensor, path, link, counters, clock);
  };

  const session = createRadarSession<M>(
    {
      write: (bytes) => link.write(bytes),
      onAck(listener) {
        acks.add(listener);
        return () => acks.delete(listener);
      },
      onClose(listener) {
        closes.add(listener);
        return () => closes.delete(listener);
      },
    },
    { model, timeoutMs: options.ackTimeoutMs },
  );

  return {
    sensor,
    path,
    model,
    on: (listener) => readings.add(listener),
    onFrame: (listener) => frames.add(listener),
    onState: (listener) => states.add(listener),
    start: () => link.start(),
    async stop() {
      await link.stop();
      for (const l of [...closes]) l(`${sensor} adapter stopped`);
    },
    health,
    configure: (commands) => session.configure(commands),
    session,
  };
}
