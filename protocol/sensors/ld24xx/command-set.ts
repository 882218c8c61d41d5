/**
 * Turns a radar's command table (word → value codec + ACK payload codec) into the four functions every
 * radar needs: encode/decode a command, encode/decode its ACK. Modelled on mqtt-packet's one
 * generator/parser per packet type, with the per-type layout kept as data.
 */
import { type Codec, type Decoded, fail, ok } from '../codec.js';
import {
  ACK_STATUS_SUCCESS,
  COMMAND_HEADER,
  type CommandEnvelope,
  commandFrameLength,
  decodeCommandEnvelope,
  encodeAckEnvelope,
  encodeCommandEnvelope,
} from './frame.js';
import type { FrameFamily } from './scanner.js';

export interface CommandSpec<V extends object, P> {
  readonly word: number;
  /** The value bytes after the command word. */
  readonly value: Codec<V>;
  /** The return bytes after the ACK status; null when the ACK carries none. */
  readonly ack: Codec<P> | null;
}

export function command<V extends object>(word: number, value: Codec<V>): CommandSpec<V, never>;
export function command<V extends object, P>(word: number, value: Codec<V>, ack: Codec<P>): CommandSpec<V, P>;
export function command<V extends object, P>(word: number, value: Codec<V>, ack: Codec<P> | null = null): CommandSpec<V, P> {
  return { word, value, ack };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type CommandTable = Record<string, CommandSpec<any, any>>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ValueOf<S> = S extends CommandSpec<infer V, any> ? V : never;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type PayloadOf<S> = S extends CommandSpec<any, infer P> ? P : never;

/** A host → radar command, e.g. `{ command: 'setBaudRate', baud: 256000 }`. */
export type CommandOf<T extends CommandTable> = { [K in keyof T & string]: { command: K } & ValueOf<T[K]> }[keyof T & string];
export type CommandFrameOf<T extends CommandTable> = { [K in keyof T & string]: { kind: 'command'; command: K } & ValueOf<T[K]> }[keyof T & string];
/** A radar → host acknowledgement. `payload` is null when the command returns nothing or failed without data. */
export type AckOf<T extends CommandTable> = {
  [K in keyof T & string]: { kind: 'ack'; command: K; status: number; payload: PayloadOf<T[K]> | null };
}[keyof T & string];

export interface CommandSet<T extends CommandTable> {
  readonly table: T;
  wordOf(name: keyof T & string): number;
  encodeCommand(cmd: CommandOf<T>): Uint8Array;
  encodeAck(ack: AckOf<T>): Uint8Array;
  /** Gives meaning to an envelope; unknown words and malformed values are errors (they also make the parser resync). */
  decodeEnvelope(env: CommandEnvelope, offset?: number): Decoded<CommandFrameOf<T> | AckOf<T>>;
  /** The command/ACK frame family for the stream scanner. */
  readonly family: FrameFamily<CommandFrameOf<T> | AckOf<T>>;
}

function valueFields(cmd: object): object {
  const { command: _c, kind: _k, ...rest } = cmd as Record<string, unknown>;
  return rest;
}

export function commandSet<T extends CommandTable>(table: T): CommandSet<T> {
  const byWord = new Map<number, [string, CommandSpec<object, unknown>]>();
  for (const [name, spec] of Object.entries(table)) {
    if (byWord.has(spec.word)) throw new Error(`duplicate command word 0x${spec.word.toString(16)}`);
    byWord.set(spec.word, [name, spec as CommandSpec<object, unknown>]);
  }
  const specOf = (name: string): CommandSpec<object, unknown> => {
    const spec = table[name] as CommandSpec<object, unknown> | undefined;
    if (!spec) throw new RangeError(`unknown command ${JSON.stringify(name)}`);
    return spec;
  };

  const decodeEnvelope = (env: CommandEnvelope, offset = 0): Decoded<CommandFrameOf<T> | AckOf<T>> => {
    const hit = byWord.get(env.word);
    if (!hit) return fail(`unknown command word 0x${env.word.toString(16).padStart(4, '0')}`, offset + 6);
    const [name, spec] = hit;
    if (!env.ack) {
      const v = spec.value.decode(env.value);
      if (!v.ok) return fail(`${name}: ${v.reason}`, offset + 8 + v.offset);
      return ok({ kind: 'command', command: name, ...v.value } as unknown as CommandFrameOf<T>);
    }
    let payload: unknown = null;
    if (spec.ack === null) {
      if (env.payload.length !== 0) return fail(`${name} ACK: unexpected ${env.payload.length} payload bytes`, offset + 10);
    } else if (env.payload.length === 0) {
      // a failed command may come back without its return data; a successful one may not
      if (env.status === ACK_STATUS_SUCCESS) return fail(`${name} ACK: missing payload`, offset + 10);
    } else {
      const p = spec.ack.decode(env.payload);
      if (!p.ok) return fail(`${name} ACK: ${p.reason}`, offset + 10 + p.offset);
      payload = p.value;
    }
    return ok({ kind: 'ack', command: name, status: env.status, payload } as AckOf<T>);
  };

  return {
    table,
    wordOf: (name) => specOf(name).word,
    encodeCommand(cmd) {
      const spec = specOf(cmd.command);
      return encodeCommandEnvelope(spec.word, spec.value.encode(valueFields(cmd)));
    },
    encodeAck(ack) {
      const spec = specOf(ack.command);
      let payload: Uint8Array = new Uint8Array(0);
      if (ack.payload !== null) {
        if (spec.ack === null) throw new RangeError(`${ack.command} ACK carries no payload`);
        payload = spec.ack.encode(ack.payload);
      }
      return encodeAckEnvelope(spec.word, ack.status, payload);
    },
    decodeEnvelope,
    family: {
      header: COMMAND_HEADER,
      frameLength: commandFrameLength,
      decode(buf, start, length) {
        const env = decodeCommandEnvelope(buf, start, length);
        return env.ok ? decodeEnvelope(env.value, start) : env;
      },
    },
  };
}

/** Decodes one complete command/ACK frame given as its own byte array. */
export function decodeCommandFrame<T extends CommandTable>(set: CommandSet<T>, bytes: Uint8Array): Decoded<CommandFrameOf<T> | AckOf<T>> {
  const length = commandFrameLength(bytes, 0, bytes.length);
  if (length === 0) return fail('frame too short', 0);
  if (length < 0) return fail('impossible LEN', 4);
  if (length !== bytes.length) return fail(`LEN announces ${length} bytes, got ${bytes.length}`, 4);
  return set.family.decode(bytes, 0, length);
}
