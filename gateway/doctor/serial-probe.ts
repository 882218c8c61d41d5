/**
 * One look at a serial sensor, as a technician needs it: is the device there, can this process open
 * it, and does it answer? Used by `touchpoint doctor` and `touchpoint touch info`. Each probe opens
 * the port, asks once (twice for the touch bridge), closes the port and says what it saw; it never
 * throws for anything the device or the OS does.
 *
 * The gateway holds its ports while it runs (serialport locks them, gateway/sensors/serial-link.ts),
 * so a probe on a running gateway's port reports `busy`, not a fault of the device.
 */
import { statSync } from 'node:fs';
import { SerialPort } from 'serialport';
import { createLineSplitter } from '../../protocol/sensors/touch/parser.js';
import { decodeTouchLine } from '../../protocol/sensors/touch/line.js';
import { encodeTouchRequest } from '../../protocol/sensors/touch/request.js';
import { TP_MAX_LINE } from '../../protocol/sensors/touch/tp1.js';
import type { TouchHello } from '../../protocol/sensors/touch/types.js';
import { RadarCommandError, type RadarModel, radarSession } from '../sensors/radar-session.js';

export type OpenFailure = 'absent' | 'permission' | 'busy' | 'error';

export type OpenResult = { ok: true; port: SerialPort } | { ok: false; failure: OpenFailure; message: string };

/**
 * serialport's open errors are plain messages from the binding (bindings-cpp unix/serialport.cpp:
 * "No such file or directory, cannot open …", "Permission denied, cannot open …", "Resource temporarily
 * unavailable Cannot lock port" from flock), so they are classified by text.
 */
export function classifyOpenError(message: string): OpenFailure {
  if (/ENOENT|No such file or directory/i.test(message)) return 'absent';
  if (/EACCES|EPERM|Permission denied/i.test(message)) return 'permission';
  if (/lock port|EBUSY|Resource temporarily unavailable|EAGAIN/i.test(message)) return 'busy';
  return 'error';
}

export async function openSerial(path: string, baudRate: number): Promise<OpenResult> {
  try {
    statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (code === 'ENOENT' || code === 'ENOTDIR') return { ok: false, failure: 'absent', message: `no device at ${path}` };
    return { ok: false, failure: classifyOpenError(code), message: `${path}: ${code}` };
  }
  let port: SerialPort;
  try {
    port = new SerialPort({ path, baudRate, autoOpen: false });
  } catch (e) {
    return { ok: false, failure: 'error', message: e instanceof Error ? e.message : String(e) };
  }
  // errors after open surface as failed requests; an unhandled 'error' would end the process
  port.on('error', () => {});
  return new Promise((resolve) =>
    port.open((e) => {
      if (!e) resolve({ ok: true, port });
      else resolve({ ok: false, failure: classifyOpenError(e.message), message: e.message });
    }),
  );
}

export function closeSerial(port: SerialPort): Promise<void> {
  return new Promise((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve()));
}

export interface TouchBridgeHello {
  firmware: string;
  channels: number;
  protocolVersion: number;
  extra: Record<string, string>;
}

export type TouchProbeResult =
  | { ok: true; path: string; hello: TouchBridgeHello; requestsSent: number; linesSeen: number }
  | { ok: false; path: string; failure: OpenFailure; message: string }
  /** Valid TP1 lines came but no HELLO: a bridge older than firmware 1.1.0 (it cannot answer HELLO?). */
  | { ok: false; path: string; failure: 'no-hello'; message: string; linesSeen: number; badLines: number }
  /** Bytes came but no valid line: wrong baud rate, or not a touch bridge. */
  | { ok: false; path: string; failure: 'garbage'; message: string; badLines: number; bytes: number }
  | { ok: false; path: string; failure: 'silent'; message: string };

export interface TouchProbeOptions {
  path: string;
  baudRate?: number;
  /** Wait for the HELLO after each request, ms (default 1500: a bridge answers within one loop pass). */
  timeoutMs?: number;
  /** Requests sent before giving up (default 2: one lost to a bridge still enumerating is retried). */
  attempts?: number;
}

const toHello = (h: TouchHello): TouchBridgeHello => ({ firmware: h.firmware, channels: h.channels, protocolVersion: h.protocolVersion, extra: { ...h.extra } });

/** Opens the touch bridge's port, sends HELLO? (PROTOCOL.md "Requests") and waits for its HELLO. */
export async function probeTouchBridge(o: TouchProbeOptions): Promise<TouchProbeResult> {
  const { path } = o;
  const opened = await openSerial(path, o.baudRate ?? 115200);
  if (!opened.ok) return { ok: false, path, failure: opened.failure, message: opened.message };
  const port = opened.port;
  const splitter = createLineSplitter(TP_MAX_LINE);
  let linesSeen = 0;
  let badLines = 0;
  let bytes = 0;
  let hello: TouchBridgeHello | null = null;
  let wake: () => void = () => {};
  const onData = (chunk: Buffer) => {
    bytes += chunk.length;
    for (const line of splitter.push(chunk)) {
      const r = decodeTouchLine(line, { formats: ['tp1'] });
      if (!r.ok) {
        badLines++;
        continue;
      }
      linesSeen++;
      if (r.value.kind === 'hello' && !hello) {
        hello = toHello(r.value);
        wake();
      }
    }
  };
  port.on('data', onData);
  let requestsSent = 0;
  try {
    const attempts = o.attempts ?? 2;
    const request = Buffer.from(`${encodeTouchRequest('hello')}\r\n`, 'latin1');
    for (let i = 0; i < attempts && !hello; i++) {
      const written = await new Promise<boolean>((resolve) => port.write(request, (e) => (e ? resolve(false) : port.drain((d) => resolve(!d)))));
      if (!written) break;
      requestsSent++;
      await new Promise<void>((resolve) => {
        if (hello) return resolve();
        const timer = setTimeout(resolve, o.timeoutMs ?? 1500);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    port.off('data', onData);
    await closeSerial(port);
  }
  const got = hello as TouchBridgeHello | null;
  if (got) return { ok: true, path, hello: got, requestsSent, linesSeen };
  if (linesSeen > 0) {
    return { ok: false, path, failure: 'no-hello', linesSeen, badLines, message: `the bridge sends TP1 lines (${linesSeen}) but did not answer HELLO?` };
  }
  if (bytes > 0) return { ok: false, path, failure: 'garbage', badLines, bytes, message: `${bytes} bytes but no valid TP1 line` };
  return { ok: false, path, failure: 'silent', message: `nothing received from ${path}` };
}

export type RadarProbeResult =
  | { ok: true; path: string; model: RadarModel; firmware: { version: string; type: number } }
  | { ok: false; path: string; failure: OpenFailure; message: string }
  /** Report frames came but commands were not acknowledged: wrong model, or a radar stuck in a session. */
  | { ok: false; path: string; failure: 'no-ack'; message: string; framesSeen: number }
  | { ok: false; path: string; failure: 'silent'; message: string; bytes: number };

export interface RadarProbeOptions {
  path: string;
  model?: RadarModel;
  baudRate?: number;
  /** Per command (default 1000 ms, radar-session.ts DEFAULT_ACK_TIMEOUT_MS). */
  ackTimeoutMs?: number;
}

/** Opens the radar's port and reads its firmware version in one configuration session (notes §3.3). */
export async function probeRadar(o: RadarProbeOptions): Promise<RadarProbeResult> {
  const { path } = o;
  const model = o.model ?? 'ld2410';
  const opened = await openSerial(path, o.baudRate ?? 256000);
  if (!opened.ok) return { ok: false, path, failure: opened.failure, message: opened.message };
  const port = opened.port;
  let framesSeen = 0;
  let bytes = 0;
  const onData = (chunk: Buffer) => {
    bytes += chunk.length;
  };
  port.on('data', onData);
  const session = radarSession(port, { model, timeoutMs: o.ackTimeoutMs ?? 1000, onFrame: () => void framesSeen++ });
  try {
    const ack = await session.inConfig((s) => s.send({ command: 'readFirmware' }));
    const fw = ack.payload;
    if (!fw) return { ok: false, path, failure: 'no-ack', framesSeen, message: 'the radar acknowledged the firmware query without a version' };
    return { ok: true, path, model, firmware: { version: fw.version, type: fw.firmwareType } };
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    if (e instanceof RadarCommandError && e.reason === 'nak') return { ok: false, path, failure: 'no-ack', framesSeen, message: why };
    if (framesSeen > 0) return { ok: false, path, failure: 'no-ack', framesSeen, message: `${framesSeen} frames received, but ${why}` };
    return { ok: false, path, failure: 'silent', bytes, message: bytes > 0 ? `${bytes} bytes but no radar frame (baud rate?); ${why}` : why };
  } finally {
    session.dispose();
    port.off('data', onData);
    await closeSerial(port);
  }
}

/** One line a technician can act on, for a port that could not be opened. */
export function openRemedy(path: string, failure: OpenFailure): string {
  switch (failure) {
    case 'absent':
      return 'check the USB cable and power, then: ls -l /dev/touchpoint-* /dev/serial/by-id/ (udev rules: hardware/udev, wiring: hardware/WIRING.md)';
    case 'permission':
      return `this user may not open ${path}: sudo usermod -aG dialout "$USER" and log in again (the touchpoint service user already has dialout)`;
    case 'busy':
      return `another process holds ${path} (the running gateway?): sudo systemctl stop touchpoint-gateway, check, then start it again`;
    case 'error':
      return `cannot open ${path}: is it a serial device? (hardware/WIRING.md)`;
  }
}

export function touchRemedy(r: Exclude<TouchProbeResult, { ok: true }>): string {
  switch (r.failure) {
    case 'no-hello':
      return 'bridge firmware older than 1.1.0 cannot say its version: reflash it (hardware/touch-bridge/README.md); touch events still work';
    case 'garbage':
      return 'bytes but no TP1 line: set the baud rate to 115200 (sensors.touch.baudRate) or check that this port is the touch bridge';
    case 'silent':
      return 'the bridge does not answer: is the sketch flashed (hardware/touch-bridge/README.md) and the MPR121 wired? Replug the USB cable';
    default:
      return openRemedy(r.path, r.failure);
  }
}

export function radarRemedy(r: Exclude<RadarProbeResult, { ok: true }>): string {
  switch (r.failure) {
    case 'no-ack':
      return 'the radar reports but does not accept commands: check sensors.radar.model, power-cycle it (it may be stuck in configuration mode)';
    case 'silent':
      return r.bytes > 0
        ? 'bytes but no radar frame: check the baud rate (factory 256000, sensors.radar.baudRate)'
        : 'nothing from the radar: check TX→RX / RX→TX, 5 V supply > 200 mA and the baud rate (hardware/WIRING.md)';
    default:
      return openRemedy(r.path, r.failure);
  }
}
