/**
 * The touch bridge (hardware/touch-bridge: MPR121 behind an MCU) as seen from its USB serial port:
 * TP1 lines (protocol/sensors/touch/PROTOCOL.md) made by the protocol encoder from a scenario —
 * HELLO at start-up, T/R at each debounced change, a D line every second with the touched mask,
 * filtered data and baseline; HELLO again when the host asks for it (HELLO?, PROTOCOL.md "Requests").
 * No I/O here; `serve.ts` puts it on a pty.
 */
import { createLineSplitter } from '../../protocol/sensors/touch/parser.js';
import { decodeTouchRequest } from '../../protocol/sensors/touch/request.js';
import { encodeTp1 } from '../../protocol/sensors/touch/tp1.js';
import type { TouchMessage } from '../../protocol/sensors/touch/types.js';
import { type Random, randomInt, seededRandom } from './rng.js';
import { NO_TOUCH, type TouchScenario } from './scenario.js';

/** The reference bridge's firmware version and channel count (touch-bridge.ino FIRMWARE, CHANNELS). */
export const DEFAULT_TOUCH_FIRMWARE = '1.0.0';
export const TOUCH_CHANNELS = 13;
/** touch-bridge.ino DATA_EVERY_MS. */
export const TOUCH_DATA_EVERY_MS = 1000;
const MCU_MS_WRAP = 2 ** 32;

export interface TouchTransition {
  tMs: number;
  channel: number;
  touched: boolean;
}

export interface TouchEmulatorOptions {
  scenario?: TouchScenario;
  seed?: number;
  firmware?: string;
  channels?: number;
  dataEveryMs?: number;
  /** The MCU's millis() at emulator time 0 (it booted a moment before the port was served). */
  bootMs?: number;
  /**
   * Lose T/R lines on the wire, as noise would (the bridge sent them, the gateway never gets them).
   * `index` counts transitions from 0. D lines still carry the true mask.
   */
  dropTransition?: (transition: TouchTransition, index: number) => boolean;
}

export interface TouchEmulator {
  /** The HELLO line the bridge sends when it starts. */
  hello(): Uint8Array;
  /** What the bridge sends when it comes up on a port (serve.ts): HELLO, then T for pads already held. */
  greet(tMs: number): Uint8Array[];
  /** Lines owed up to tMs: T/R lines at their times, D lines every dataEveryMs. */
  due(tMs: number): Uint8Array[];
  /** Host bytes in → the HELLO line for each HELLO? request they complete (PROTOCOL.md "Requests"). */
  receive(bytes: Uint8Array, tMs: number): Uint8Array[];
  /** HELLO? requests answered. */
  readonly requestsAnswered: number;
  /** The true touched state of each channel at tMs. */
  touchedAt(tMs: number): boolean[];
  readonly linesSent: number;
  readonly transitionsSent: number;
  readonly transitionsDropped: number;
}

function line(msg: TouchMessage): Uint8Array {
  // the bridge ends lines with CR LF (Serial.println)
  return Buffer.from(`${encodeTp1(msg)}\r\n`, 'latin1');
}

export function createTouchEmulator(options: TouchEmulatorOptions = {}): TouchEmulator {
  const scenario = options.scenario ?? NO_TOUCH;
  const channels = options.channels ?? TOUCH_CHANNELS;
  const every = options.dataEveryMs ?? TOUCH_DATA_EVERY_MS;
  const bootMs = options.bootMs ?? 1500;
  const random: Random = seededRandom(options.seed ?? 1);
  for (const p of scenario.presses) if (p.channel >= channels) throw new RangeError(`scenario presses channel ${p.channel}, the bridge has ${channels}`);
  // the MPR121 baseline register is 8-bit and sent shifted left by 2 (PROTOCOL.md), so a multiple of 4
  const baseline = Array.from({ length: channels }, () => 4 * randomInt(random, 120, 135));
  const mcu = (tMs: number) => (bootMs + Math.floor(tMs)) % MCU_MS_WRAP;

  let cursor = -1; // everything at t ≤ cursor has been sent
  let index = 0;
  let linesSent = 0;
  let transitionsSent = 0;
  let transitionsDropped = 0;
  let requestsAnswered = 0;
  // the bridge discards request lines longer than TP_RX_MAX (32, touch_proto.h)
  const requests = createLineSplitter(32);

  function touchedAt(tMs: number): boolean[] {
    const t = tMs % scenario.periodMs;
    const state = new Array<boolean>(channels).fill(false);
    for (const p of scenario.presses) if (t >= p.atMs && t < p.atMs + p.holdMs) state[p.channel] = true;
    return state;
  }

  /** Transitions in (from, to], in time order, across scenario periods. */
  function transitions(from: number, to: number): TouchTransition[] {
    const out: TouchTransition[] = [];
    const P = scenario.periodMs;
    for (let k = Math.max(0, Math.floor(from / P)); k * P <= to; k++) {
      for (const p of scenario.presses) {
        const on = k * P + p.atMs;
        const off = on + p.holdMs;
        if (on > from && on <= to) out.push({ tMs: on, channel: p.channel, touched: true });
        if (off > from && off <= to) out.push({ tMs: off, channel: p.channel, touched: false });
      }
    }
    // same time: ascending channel order, as the bridge's debounce emits them (PROTOCOL.md "Debounce")
    return out.sort((a, b) => a.tMs - b.tMs || a.channel - b.channel);
  }

  function dataLine(tMs: number): Uint8Array {
    const touched = touchedAt(tMs);
    const filtered = baseline.map((b, i) => Math.max(0, b - (touched[i] ? randomInt(random, 40, 80) : randomInt(random, 0, 6))));
    return line({ kind: 'values', format: 'tp1', mcuMs: mcu(tMs), series: { touched: touched.map(Number), filtered, baseline: [...baseline] } });
  }

  const hello = () => {
    linesSent++;
    return line({ kind: 'hello', format: 'tp1', protocolVersion: 1, firmware: options.firmware ?? DEFAULT_TOUCH_FIRMWARE, channels, extra: {} });
  };
  return {
    hello,
    greet(tMs) {
      // a restarted bridge debounces from "all released", so pads already held come out as T lines;
      // what happened while it was unplugged is not replayed
      cursor = Math.floor(tMs);
      const held = touchedAt(tMs).flatMap((on, channel) => (on ? [line({ kind: 'touch', format: 'tp1', channel, mcuMs: mcu(tMs) })] : []));
      linesSent += held.length;
      return [hello(), ...held];
    },
    due(tMs) {
      const to = Math.floor(tMs);
      if (to <= cursor) return [];
      const out: { tMs: number; order: number; bytes: Uint8Array | null }[] = [];
      for (const tr of transitions(cursor, to)) {
        const drop = options.dropTransition?.(tr, index++) ?? false;
        if (drop) transitionsDropped++;
        else transitionsSent++;
        const bytes = drop ? null : line({ kind: tr.touched ? 'touch' : 'release', format: 'tp1', channel: tr.channel, mcuMs: mcu(tr.tMs) });
        out.push({ tMs: tr.tMs, order: 0, bytes });
      }
      for (let t = (Math.floor(cursor / every) + 1) * every; t <= to; t += every) {
        if (t > 0) out.push({ tMs: t, order: 1, bytes: dataLine(t) });
      }
      cursor = to;
      // events seen in the same sample come before that sample's D line
      const lines = out.sort((a, b) => a.tMs - b.tMs || a.order - b.order).flatMap((o) => (o.bytes ? [o.bytes] : []));
      linesSent += lines.length;
      return lines;
    },
    receive(bytes) {
      const out: Uint8Array[] = [];
      for (const l of requests.push(bytes)) {
        if (decodeTouchRequest(l).ok) {
          requestsAnswered++;
          out.push(hello());
        }
      }
      return out;
    },
    touchedAt,
    get requestsAnswered() {
      return requestsAnswered;
    },
    get linesSent() {
      return linesSent;
    },
    get transitionsSent() {
      return transitionsSent;
    },
    get transitionsDropped() {
      return transitionsDropped;
    },
  };
}
