/** Option parsers for commander: a bad value is a UsageError (exit 2) naming the option. */
import { InvalidArgumentError } from 'commander';
import { parseHex } from '../../protocol/ble/bytes.js';

export function intArg(name: string, min: number, max: number): (v: string) => number {
  return (v) => {
    const s = v.trim();
    const n = /^-?0x[0-9a-f]+$/i.test(s) ? Math.sign(parseInt(s, 16)) * parseInt(s.replace('-', ''), 16) : /^-?\d+$/.test(s) ? Number(s) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be an integer in ${min}..${max}, got ${JSON.stringify(v)}`);
    }
    return n;
  };
}

export function numberArg(name: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number, got ${JSON.stringify(v)}`);
    return n;
  };
}

export function hexArg(name: string, length?: number): (v: string) => Uint8Array {
  return (v) => {
    const r = parseHex(v);
    if (!r.ok) throw new InvalidArgumentError(`${name}: ${r.reason}`);
    if (length !== undefined && r.bytes.length !== length) {
      throw new InvalidArgumentError(`${name} must be ${length} bytes (${2 * length} hex digits), got ${r.bytes.length}`);
    }
    return r.bytes;
  };
}
