/**
 * Command / ACK framing shared by the LD2410 family and the LD2450 (notes §3.5: "Command frame:
 * identical to the LD2410"):
 *
 *   FD FC FB FA | LEN u16 LE | DATA[LEN] | 04 03 02 01
 *   command DATA = word u16 | value…          ACK DATA = (word | 0x0100) u16 | status u16 | return…
 *
 * This module only knows the envelope; the meaning of words lives in each radar's command table.
 */
import { ByteWriter, concatBytes, startsWith, u16le } from '../bytes.js';
import { type Decoded, fail, ok } from '../codec.js';

/** notes §3.2 */
export const COMMAND_HEADER = Uint8Array.of(0xfd, 0xfc, 0xfb, 0xfa);
export const COMMAND_FOOTER = Uint8Array.of(0x04, 0x03, 0x02, 0x01);
/** On the wire the ACK of `FF 00` is `FF 01` (notes §3.2; ESPHome checks buffer[7] == 0x01). */
export const ACK_FLAG = 0x0100;
/** header 4 + LEN 2 + footer 4: Tasmota computes total = LEN + 10 (notes §3.4 parser notes). */
export const FRAME_OVERHEAD = 10;
/**
 * Upper bound for LEN in any LD24xx frame. The radar itself announces a 64-byte buffer in its
 * enable-configuration ACK (K1: buffer size 0x0040); the longest frame in the notes carries 35 bytes of
 * data. A larger LEN can only be noise, so the parser resynchronises instead of waiting for it.
 */
export const MAX_DATA_LENGTH = 64;
export const MAX_FRAME_LENGTH = MAX_DATA_LENGTH + FRAME_OVERHEAD;

export const ACK_STATUS_SUCCESS = 0;
export const ACK_STATUS_FAILURE = 1;

export type CommandEnvelope =
  | { ack: false; word: number; value: Uint8Array }
  | { ack: true; word: number; status: number; payload: Uint8Array };

function frame(data: Uint8Array): Uint8Array {
  if (data.length > MAX_DATA_LENGTH) throw new RangeError(`frame data too long: ${data.length} > ${MAX_DATA_LENGTH}`);
  return concatBytes(COMMAND_HEADER, new ByteWriter().u16(data.length).finish(), data, COMMAND_FOOTER);
}

export function encodeCommandEnvelope(word: number, value: Uint8Array): Uint8Array {
  if (word & ACK_FLAG) throw new RangeError(`command word 0x${word.toString(16)} has the ACK bit set`);
  return frame(concatBytes(new ByteWriter().u16(word, 'word').finish(), value));
}

export function encodeAckEnvelope(word: number, status: number, payload: Uint8Array): Uint8Array {
  return frame(concatBytes(new ByteWriter().u16(word | ACK_FLAG, 'word').u16(status, 'status').finish(), payload));
}

/** Total frame length announced at `start`, 0 when LEN has not arrived yet, -1 when LEN is impossible. */
export function commandFrameLength(buf: Uint8Array, start: number, end: number): number {
  if (end - start < 6) return 0;
  const len = u16le(buf, start + 4);
  // a command carries at least its word; anything beyond the radar's buffer is noise
  if (len < 2 || len > MAX_DATA_LENGTH) return -1;
  return len + FRAME_OVERHEAD;
}

/** Splits one complete command-family frame (header already matched by the caller or not) into its envelope. */
export function decodeCommandEnvelope(buf: Uint8Array, start: number, length: number): Decoded<CommandEnvelope> {
  if (length < 12 || start + length > buf.length) return fail('frame too short', start);
  if (!startsWith(buf, start, COMMAND_HEADER)) return fail('bad command header', start);
  if (u16le(buf, start + 4) + FRAME_OVERHEAD !== length) return fail('LEN does not match frame size', start + 4);
  if (!startsWith(buf, start + length - 4, COMMAND_FOOTER)) return fail('bad command footer', start + length - 4);
  const rawWord = u16le(buf, start + 6);
  const body = buf.subarray(start + 8, start + length - 4);
  if ((rawWord & 0xff00) === 0) return ok({ ack: false, word: rawWord, value: body });
  if ((rawWord & 0xff00) !== ACK_FLAG) return fail('command word high byte is neither 00 nor 01', start + 7);
  if (body.length < 2) return fail('ACK without status', start + 8);
  const status = u16le(body, 0);
  // ESPHome accepts only 00 00 as success; the datasheet defines 1 as failure. Anything else is not an ACK.
  if (status !== ACK_STATUS_SUCCESS && status !== ACK_STATUS_FAILURE) return fail(`ACK status ${status} is neither 0 nor 1`, start + 8);
  return ok({ ack: true, word: rawWord & 0xff, status, payload: body.subarray(2) });
}
