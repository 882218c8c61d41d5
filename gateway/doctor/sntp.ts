/**
 * How far this machine's clock is off, measured with one SNTP exchange (RFC 4330 §4–§5; the same
 * packet and arithmetic as NTPv4, RFC 5905 §7.3 and §8). The doctor uses it when a server is given:
 * systemd-timesyncd says *whether* it synchronised, not always by how much.
 *
 *   offset = ((T2 − T1) + (T3 − T4)) / 2      delay = (T4 − T1) − (T3 − T2)      (RFC 4330 §5)
 *
 * T1 client send, T2 server receive, T3 server send, T4 client receive. The codec is pure (times are
 * passed in); `querySntp` does the one UDP round trip.
 */
import { createSocket } from 'node:dgram';

/** Seconds from the NTP era 0 epoch (1900-01-01) to the Unix epoch (RFC 5905 §6). */
export const NTP_UNIX_OFFSET_S = 2_208_988_800;
export const SNTP_PACKET_LENGTH = 48;
const MODE_CLIENT = 3;
const MODE_SERVER = 4;
const VERSION = 4;
/** LI = 3: "clock unsynchronized" (RFC 5905 Figure 9). */
const LI_ALARM = 3;

function writeTimestamp(buf: Uint8Array, offset: number, ms: number): void {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const seconds = Math.floor(ms / 1000) + NTP_UNIX_OFFSET_S;
  const fraction = Math.floor(((ms % 1000) / 1000) * 2 ** 32);
  view.setUint32(offset, seconds >>> 0);
  view.setUint32(offset + 4, fraction >>> 0);
}

function readTimestamp(buf: Uint8Array, offset: number): number {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const seconds = view.getUint32(offset);
  const fraction = view.getUint32(offset + 4);
  // era 0 only: readings from 1968–2036; a Pi's clock never needs more (RFC 4330 §3 on the 2036 wrap)
  return (seconds - NTP_UNIX_OFFSET_S) * 1000 + (fraction / 2 ** 32) * 1000;
}

/** The client request: LI 0, VN 4, mode 3, and T1 in the transmit timestamp (RFC 4330 §5). */
export function encodeSntpRequest(t1Ms: number): Uint8Array {
  const buf = new Uint8Array(SNTP_PACKET_LENGTH);
  buf[0] = (0 << 6) | (VERSION << 3) | MODE_CLIENT;
  writeTimestamp(buf, 40, t1Ms);
  return buf;
}

/** A server answer, for tests and the fake server: T2, T3 and the client's T1 echoed as originate. */
export function encodeSntpResponse(request: Uint8Array, t2Ms: number, t3Ms: number, stratum = 2): Uint8Array {
  const buf = new Uint8Array(SNTP_PACKET_LENGTH);
  buf[0] = (0 << 6) | (VERSION << 3) | MODE_SERVER;
  buf[1] = stratum;
  buf.set(request.subarray(40, 48), 24); // originate = the client's transmit timestamp
  writeTimestamp(buf, 32, t2Ms);
  writeTimestamp(buf, 40, t3Ms);
  return buf;
}

export type SntpResult =
  | { ok: true; offsetMs: number; delayMs: number; stratum: number }
  | { ok: false; reason: 'short' | 'not-a-server-reply' | 'unsynchronized' | 'kiss-of-death' | 'bad-stratum' | 'not-our-request' };

/**
 * Checks an answer the way RFC 4330 §5 tells a client to (mode 4, LI not 3, stratum 1–15, the
 * originate timestamp is our T1) and computes offset and delay. Never throws.
 */
export function decodeSntpResponse(reply: Uint8Array, t1Ms: number, t4Ms: number): SntpResult {
  if (!(reply instanceof Uint8Array) || reply.length < SNTP_PACKET_LENGTH) return { ok: false, reason: 'short' };
  const li = reply[0]! >> 6;
  const mode = reply[0]! & 0x07;
  const stratum = reply[1]!;
  if (mode !== MODE_SERVER) return { ok: false, reason: 'not-a-server-reply' };
  // first the answer must be to our request (the originate timestamp echoes T1), then it is judged
  const sent = encodeSntpRequest(t1Ms).subarray(40, 48);
  for (let i = 0; i < 8; i++) if (reply[24 + i] !== sent[i]) return { ok: false, reason: 'not-our-request' };
  if (stratum === 0) return { ok: false, reason: 'kiss-of-death' };
  if (li === LI_ALARM) return { ok: false, reason: 'unsynchronized' };
  if (stratum > 15) return { ok: false, reason: 'bad-stratum' };
  const t2 = readTimestamp(reply, 32);
  const t3 = readTimestamp(reply, 40);
  return { ok: true, offsetMs: (t2 - t1Ms + (t3 - t4Ms)) / 2, delayMs: t4Ms - t1Ms - (t3 - t2), stratum };
}

export interface SntpQuery {
  host: string;
  port?: number;
  timeoutMs?: number;
  now?: () => number;
}

/** One request, one answer (or a timeout / a reason), on a fresh UDP socket. */
export function querySntp(q: SntpQuery): Promise<SntpResult | { ok: false; reason: 'timeout' | 'network'; message: string }> {
  const now = q.now ?? Date.now;
  const family = q.host.includes(':') ? 'udp6' : 'udp4';
  return new Promise((resolve) => {
    const socket = createSocket(family);
    let t1 = 0;
    const done = (r: Awaited<ReturnType<typeof querySntp>>) => {
      clearTimeout(timer);
      socket.close();
      resolve(r);
    };
    const timer = setTimeout(() => done({ ok: false, reason: 'timeout', message: `no answer from ${q.host} within ${q.timeoutMs ?? 3000} ms` }), q.timeoutMs ?? 3000);
    socket.on('error', (e) => done({ ok: false, reason: 'network', message: e.message }));
    socket.on('message', (msg) => {
      const r = decodeSntpResponse(new Uint8Array(msg), t1, now());
      // a stray datagram that is not the answer to our request is ignored; the timeout still runs
      if (!r.ok && r.reason === 'not-our-request') return;
      done(r);
    });
    t1 = now();
    socket.send(encodeSntpRequest(t1), q.port ?? 123, q.host, (e) => {
      if (e) done({ ok: false, reason: 'network', message: e.message });
    });
  });
}
