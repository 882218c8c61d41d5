/**
 * TP1, the touch-bridge line protocol (spec: ./PROTOCOL.md; C encoder: hardware/touch-bridge/core).
 * One line per message, `TP1 <type> <fields> *XX`, XX = CRC-8/SMBUS of everything before " *".
 * The decoder accepts exactly the canonical form the encoder writes, so decode ∘ encode is the identity
 * and any accepted line re-encodes to itself.
 */
import { crc8 } from './crc8.js';
import { type TouchFault, type TouchHello, type TouchLineResult, type TouchMessage, type TouchValues, lineError } from './types.js';

export const TP_PROTOCOL_VERSION = 1;
/** Longest line, CRC included, terminator excluded (C: TP_MAX_LINE). Worst case in v1 is 187. */
export const TP_MAX_LINE = 192;
/** MPR121: electrodes 0..11 + proximity (ELEPROX) as channel 12. */
export const TP_MAX_CHANNELS = 13;
export const TP_MAX_VALUE = 0xffff;
export const TP_MAX_MS = 0xffffffff;

const CRC_SUFFIX = / \*([0-9A-F]{2})$/;
const DECIMAL = /^(0|[1-9][0-9]*)$/;
const FIRMWARE = /^[0-9A-Za-z._+-]{1,32}$/;
const EXTRA_KEY = /^[a-z][a-z0-9_]{0,15}$/;
const EXTRA_VALUE = /^[0-9A-Za-z._+-]{1,32}$/;
const ERROR_CODE = /^[a-z0-9-]{1,32}$/;
const MASK = /^[0-9A-F]{4}$/;

function hex2(v: number): string {
  return v.toString(16).toUpperCase().padStart(2, '0');
}

/** Appends " *XX" to a body. */
export function withCrc(body: string): string {
  return `${body} *${hex2(crc8(body))}`;
}

function decimal(token: string, max: number): number | null {
  if (!DECIMAL.test(token) || token.length > 10) return null;
  const v = Number(token);
  return v <= max ? v : null;
}

function list(token: string, key: string): number[] | null {
  if (!token.startsWith(`${key}=`)) return null;
  const parts = token.slice(key.length + 1).split(',');
  if (parts.length < 1 || parts.length > TP_MAX_CHANNELS) return null;
  const values = parts.map((p) => decimal(p, TP_MAX_VALUE));
  return values.every((v) => v !== null) ? (values as number[]) : null;
}

/** Is this line meant to be TP (any version)? Decides whether a CRC failure is reported as such. */
export function looksLikeTp(line: string): boolean {
  return /^TP[0-9]/.test(line);
}

/** Decodes a line already known to start with "TP<digit>" and to be printable ASCII within the length limit. */
export function decodeTp1(line: string): TouchLineResult {
  const m = CRC_SUFFIX.exec(line);
  if (!m) return lineError('missing-crc', 'TP lines end in " *XX" (two uppercase hex digits)', Math.max(0, line.length - 4));
  const body = line.slice(0, m.index);
  const crc = crc8(body);
  if (crc !== parseInt(m[1]!, 16)) return lineError('bad-crc', `CRC is ${hex2(crc)}, line says ${m[1]}`, m.index + 2);
  const t = body.split(' ');
  if (t[0] !== 'TP1') return lineError('unsupported-version', `protocol ${t[0]} is not TP1`, 0);
  const bad = (detail: string) => lineError('malformed', detail, 4);
  switch (t[1]) {
    case 'HELLO': {
      if (t.length < 4 || !t[2]!.startsWith('fw=') || !t[3]!.startsWith('ch=')) return bad('HELLO needs fw= then ch=');
      const firmware = t[2]!.slice(3);
      const channels = decimal(t[3]!.slice(3), TP_MAX_CHANNELS);
      if (!FIRMWARE.test(firmware)) return bad('bad firmware version');
      if (channels === null || channels < 1) return bad(`channel count must be 1..${TP_MAX_CHANNELS}`);
      const extra: Record<string, string> = {};
      for (const kv of t.slice(4)) {
        const eq = kv.indexOf('=');
        const key = kv.slice(0, eq);
        const value = kv.slice(eq + 1);
        if (eq < 0 || !EXTRA_KEY.test(key) || !EXTRA_VALUE.test(value) || key === 'fw' || key === 'ch' || Object.hasOwn(extra, key)) return bad(`bad HELLO field ${JSON.stringify(kv)}`);
        extra[key] = value;
      }
      const hello: TouchHello = { kind: 'hello', format: 'tp1', protocolVersion: TP_PROTOCOL_VERSION, firmware, channels, extra };
      return { ok: true, value: hello };
    }
    case 'T':
    case 'R': {
      if (t.length !== 4) return bad('event needs channel and time');
      const channel = decimal(t[2]!, TP_MAX_CHANNELS - 1);
      const mcuMs = decimal(t[3]!, TP_MAX_MS);
      if (channel === null || mcuMs === null) return bad('bad channel or time');
      return { ok: true, value: { kind: t[1] === 'T' ? 'touch' : 'release', format: 'tp1', channel, mcuMs } };
    }
    case 'D': {
      if (t.length !== 6) return bad('D needs time, s=, f= and b=');
      const mcuMs = decimal(t[2]!, TP_MAX_MS);
      const mask = t[3]!.startsWith('s=') && MASK.test(t[3]!.slice(2)) ? parseInt(t[3]!.slice(2), 16) : null;
      const filtered = list(t[4]!, 'f');
      const baseline = list(t[5]!, 'b');
      if (mcuMs === null || mask === null || filtered === null || baseline === null) return bad('bad D field');
      if (filtered.length !== baseline.length) return bad('f= and b= differ in length');
      if (mask >> filtered.length !== 0) return bad('touched mask names a channel without values');
      const touched = filtered.map((_, i) => (mask >> i) & 1);
      const values: TouchValues = { kind: 'values', format: 'tp1', mcuMs, series: { touched, filtered, baseline } };
      return { ok: true, value: values };
    }
    case 'E': {
      if (t.length !== 3 || !ERROR_CODE.test(t[2]!)) return bad('E needs one code [a-z0-9-]');
      const fault: TouchFault = { kind: 'error', format: 'tp1', code: t[2]! };
      return { ok: true, value: fault };
    }
    default:
      return bad(`unknown TP1 message type ${JSON.stringify(t[1] ?? '')}`);
  }
}

function need(cond: boolean, what: string): void {
  if (!cond) throw new RangeError(`cannot encode as TP1: ${what}`);
}

const isInt = (v: unknown, max: number): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= max;

/** The TP1 line for a message, without line terminator (send it followed by CR LF). Throws RangeError on values TP1 cannot carry. */
export function encodeTp1(msg: TouchMessage): string {
  let body: string;
  switch (msg.kind) {
    case 'hello': {
      need(FIRMWARE.test(msg.firmware), 'firmware version');
      need(isInt(msg.channels, TP_MAX_CHANNELS) && msg.channels >= 1, 'channel count');
      const extras = Object.entries(msg.extra).map(([k, v]) => {
        need(EXTRA_KEY.test(k) && EXTRA_VALUE.test(v) && k !== 'fw' && k !== 'ch', `HELLO field ${k}`);
        return ` ${k}=${v}`;
      });
      body = `TP1 HELLO fw=${msg.firmware} ch=${msg.channels}${extras.join('')}`;
      break;
    }
    case 'touch':
    case 'release':
      need(isInt(msg.channel, TP_MAX_CHANNELS - 1), 'channel');
      need(isInt(msg.mcuMs, TP_MAX_MS), 'mcuMs (TP1 events carry the MCU time)');
      body = `TP1 ${msg.kind === 'touch' ? 'T' : 'R'} ${msg.channel} ${msg.mcuMs}`;
      break;
    case 'values': {
      const { touched, filtered, baseline, ...other } = msg.series;
      need(isInt(msg.mcuMs, TP_MAX_MS), 'mcuMs');
      need(touched !== undefined && filtered !== undefined && baseline !== undefined && Object.keys(other).length === 0, 'D carries exactly touched, filtered and baseline');
      const n = filtered!.length;
      need(n >= 1 && n <= TP_MAX_CHANNELS && baseline!.length === n && touched!.length === n, 'series lengths');
      need(touched!.every((v) => v === 0 || v === 1), 'touched values are 0/1');
      need([...filtered!, ...baseline!].every((v) => isInt(v, TP_MAX_VALUE)), 'values 0..65535');
      const mask = touched!.reduce((m, v, i) => m | (v << i), 0);
      body = `TP1 D ${msg.mcuMs} s=${mask.toString(16).toUpperCase().padStart(4, '0')} f=${filtered!.join(',')} b=${baseline!.join(',')}`;
      break;
    }
    case 'error':
      need(ERROR_CODE.test(msg.code), 'error code');
      body = `TP1 E ${msg.code}`;
      break;
  }
  const line = withCrc(body);
  need(line.length <= TP_MAX_LINE, 'line too long');
  return line;
}
