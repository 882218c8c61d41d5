/**
 * SNTP (RFC 4330 §4–§5, NTPv4 packet of RFC 5905 §7.3): the request layout, the era-0 epoch
 * constant, the offset/delay arithmetic of RFC 4330 §5, the client's sanity checks, and one real
 * exchange with a server on 127.0.0.1.
 */
import { createSocket } from 'node:dgram';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeSntpResponse, encodeSntpRequest, encodeSntpResponse, NTP_UNIX_OFFSET_S, querySntp } from './sntp.js';

const sockets: ReturnType<typeof createSocket>[] = [];
afterEach(() => {
  while (sockets.length > 0) sockets.pop()!.close();
});

async function server(answer: (req: Uint8Array) => Uint8Array | null): Promise<number> {
  const s = createSocket('udp4');
  sockets.push(s);
  s.on('message', (m, from) => {
    const a = answer(new Uint8Array(m));
    if (a) s.send(a, from.port, from.address);
  });
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  return s.address().port;
}

describe('SNTP codec', () => {
  it('request: LI 0, VN 4, mode 3 (0x23) and T1 in the transmit timestamp; 1970 is 2208988800 s after 1900 (RFC 5905 §6)', () => {
    expect(NTP_UNIX_OFFSET_S).toBe(2_208_988_800);
    const r = encodeSntpRequest(0);
    expect(r.length).toBe(48);
    expect(r[0]).toBe(0x23);
    expect(Buffer.from(r.subarray(40, 48)).toString('hex')).toBe('83aa7e8000000000');
    // half a second is half of the 32-bit fraction
    expect(Buffer.from(encodeSntpRequest(1500).subarray(40, 48)).toString('hex')).toBe('83aa7e8180000000');
    expect([...r.subarray(1, 40)].every((b) => b === 0)).toBe(true);
  });

  it('offset = ((T2 − T1) + (T3 − T4)) / 2, delay = (T4 − T1) − (T3 − T2) (RFC 4330 §5)', () => {
    const t1 = 1_739_530_800_000;
    // server 5 s ahead, 40 ms each way, 2 ms inside the server
    const t2 = t1 + 40 + 5000;
    const t3 = t2 + 2;
    const t4 = t1 + 40 + 2 + 40;
    const r = decodeSntpResponse(encodeSntpResponse(encodeSntpRequest(t1), t2, t3), t1, t4);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.offsetMs).toBeCloseTo(5000, 3);
    expect(r.delayMs).toBeCloseTo(80, 3);
    expect(r.stratum).toBe(2);
  });

  it('refuses what RFC 4330 §5 tells a client to discard', () => {
    const t1 = 1_739_530_800_000;
    const good = encodeSntpResponse(encodeSntpRequest(t1), t1, t1);
    const edit = (f: (b: Uint8Array) => void) => {
      const b = Uint8Array.from(good);
      f(b);
      return decodeSntpResponse(b, t1, t1);
    };
    expect(edit((b) => (b[0] = 0x23))).toEqual({ ok: false, reason: 'not-a-server-reply' });
    expect(edit((b) => (b[1] = 0))).toEqual({ ok: false, reason: 'kiss-of-death' });
    expect(edit((b) => (b[0] = 0xe4))).toEqual({ ok: false, reason: 'unsynchronized' });
    expect(edit((b) => (b[1] = 16))).toEqual({ ok: false, reason: 'bad-stratum' });
    expect(edit((b) => (b[31] = b[31]! ^ 1))).toEqual({ ok: false, reason: 'not-our-request' });
    expect(decodeSntpResponse(good.subarray(0, 47), t1, t1)).toEqual({ ok: false, reason: 'short' });
  });

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.integer({ min: 0, max: 2 ** 41 }), (bytes, t) => {
        const r = decodeSntpResponse(bytes, t, t);
        if (r.ok) expect(Number.isFinite(r.offsetMs)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('querySntp', () => {
  it('measures a server 2 s ahead on 127.0.0.1', async () => {
    const port = await server((req) => encodeSntpResponse(req, Date.now() + 2000, Date.now() + 2000));
    const r = await querySntp({ host: '127.0.0.1', port, timeoutMs: 3000 });
    expect(r.ok).toBe(true);
    if (r.ok) expect(Math.abs(r.offsetMs - 2000)).toBeLessThan(1000);
  });

  it('ignores a stray datagram and times out on a silent server', async () => {
    const port = await server(() => new Uint8Array(48).fill(0x24));
    expect(await querySntp({ host: '127.0.0.1', port, timeoutMs: 300 })).toMatchObject({ ok: false, reason: 'timeout' });
  });
});
