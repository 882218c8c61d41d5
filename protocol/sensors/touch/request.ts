/**
 * Host → bridge requests (PROTOCOL.md "Requests"). TP1 has one: HELLO?, which asks the bridge to send
 * its HELLO line again. The bridge sends HELLO only at start-up, and a USB bridge usually starts
 * before anyone has the port open (a tty drops what arrives while it is closed), so a technician's
 * `touchpoint touch info` has to ask.
 *
 * Two forms are accepted: the framed line `TP1 HELLO? *31` (CRC-8/SMBUS like every TP1 line; what
 * the gateway sends) and a bare `?` (what a person types into a serial terminal). Requests are not
 * TouchMessages: they travel the other way, and the bridge-to-host decoder never sees them.
 */
import { withCrc } from './tp1.js';

export type TouchRequest = 'hello';

export type TouchRequestResult = { ok: true; request: TouchRequest } | { ok: false; reason: 'not-a-request' };

/** The framed body; its CRC is 0x31 (asserted against the C core in hardware/touch-bridge/test). */
export const HELLO_REQUEST_BODY = 'TP1 HELLO?';
/** The short form for people at a serial terminal. */
export const HELLO_REQUEST_SHORT = '?';

/** The request line without terminator (send it followed by CR LF). */
export function encodeTouchRequest(request: TouchRequest): string {
  switch (request) {
    case 'hello':
      return withCrc(HELLO_REQUEST_BODY);
  }
}

/**
 * Recognises a request line (a trailing CR/LF is ignored). Anything else, including a request with a
 * wrong CRC, is 'not-a-request': the bridge ignores it. Never throws.
 */
export function decodeTouchRequest(input: string): TouchRequestResult {
  const line = typeof input === 'string' ? input.replace(/\r?\n$|\r$/, '') : '';
  if (line === HELLO_REQUEST_SHORT || line === withCrc(HELLO_REQUEST_BODY)) return { ok: true, request: 'hello' };
  return { ok: false, reason: 'not-a-request' };
}
