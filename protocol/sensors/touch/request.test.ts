import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc8 } from './crc8.js';
import { decodeTouchLine } from './line.js';
import { decodeTouchRequest, encodeTouchRequest } from './request.js';

describe('TP1 HELLO? request (PROTOCOL.md "Requests")', () => {
  it('is the framed line of PROTOCOL.md, CRC 31 (the same value hardware/touch-bridge/test checks in C)', () => {
    // Written out by hand from the spec: CRC-8/SMBUS("TP1 HELLO?") = 0x31.
    expect(crc8('TP1 HELLO?')).toBe(0x31);
    expect(encodeTouchRequest('hello')).toBe('TP1 HELLO? *31');
  });

  it.each(['TP1 HELLO? *31', 'TP1 HELLO? *31\r\n', 'TP1 HELLO? *31\n', '?', '?\r\n', '?\r'])('recognises %j', (line) => {
    expect(decodeTouchRequest(line)).toEqual({ ok: true, request: 'hello' });
  });

  it.each(['TP1 HELLO? *30', 'TP1 HELLO? *3l', 'TP1 HELLO?', 'TP1 HELLO *31', '??', ' ?', 'TP1 HELLO fw=1.0.0 ch=13 *56', ''])('ignores %j', (line) => {
    expect(decodeTouchRequest(line)).toEqual({ ok: false, reason: 'not-a-request' });
  });

  it('is never mistaken for a bridge message by the host decoder (an echo is not a HELLO)', () => {
    const r = decodeTouchLine(encodeTouchRequest('hello'));
    expect(r.ok).toBe(false);
  });

  it('never throws; only the two request forms are accepted', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (s) => {
        const r = decodeTouchRequest(s);
        if (r.ok) expect(['?', 'TP1 HELLO? *31']).toContain(s.replace(/\r?\n$|\r$/, ''));
      }),
      { numRuns: 2000 },
    );
    expect(decodeTouchRequest(undefined as unknown as string).ok).toBe(false);
  });
});
