/**
 * The backend side: `verifySensorCommunication(message, keyLookup, replayState)` decides whether a
 * sensor communication (already through decodeFromTopic, so schema-valid and on its own gateway's
 * topic) is authentic and new, and counts every refusal by reason. Pure: no I/O, no clock; the only
 * state is the ReplayState the caller keeps.
 *
 * Order of checks, and why:
 *   1. shape (gatewayId, seq, messageId agree)             → malformed
 *   2. signature present (unless requireSignature: false)  → unsigned
 *   3. signature well-formed                               → malformed
 *   4. key known                                           → unknown-key
 *   5. key belongs to this message's gateway               → wrong-gateway
 *   6. HMAC matches                                        → forged
 *   7. seq not seen before and not older than the window   → duplicate | stale-seq
 * Replay state is updated only for messages that passed 1–6: a forged message must not be able to
 * advance a gateway's sequence and make its genuine messages look like replays.
 *
 * Replay window: seq is per gateway, +1 per message, persisted across restarts (message-id.ts), so
 * the verifier keeps, per gateway, the highest seq accepted and a bitmap of the `window` seqs below
 * it (the anti-replay window of RFC 4303 §3.4.3, for the same reason: QoS 1 redelivery and
 * reconnects reorder a little, so "seq must grow" alone would drop genuine messages). A seq already
 * in the bitmap is a `duplicate` — the same messageId, since messageId = gateway:boot:seq and seq
 * never repeats across boots; a seq below the window is `stale-seq`. An honest QoS 1 redelivery is
 * also a duplicate: drop it either way; only their rate tells an attack from a reconnect.
 *
 * Limits (README): the state is in memory per process. Members of a `$share` group each see part of
 * the stream, so a replay delivered to another member than the original passes its (different)
 * window; back the group with one shared verifier, or de-duplicate on messageId in the database too.
 * A gateway whose outbox was wiped restarts at seq 0 and is refused as stale until `reset(gatewayId)`.
 */
import { checkSignature, parseSensorMessageId, parseSignature } from '../../protocol/messages/index.js';
import type { ClaimedSender, KeyLookup } from './keys.js';

export type VerifyRejection = 'malformed' | 'unsigned' | 'unknown-key' | 'wrong-gateway' | 'forged' | 'duplicate' | 'stale-seq';

export type VerifyResult =
  | { ok: true; gatewayId: string; seq: number; keyId: string | null }
  | { ok: false; reason: VerifyRejection; detail: string };

export interface VerifyOptions {
  /** Refuse messages without a signature. Default true; false only while gateways are being keyed. */
  requireSignature?: boolean;
}

export interface ReplayStateOptions {
  /** Seqs below the highest accepted one that may still arrive late. Default 4096 (a multiple of 32). */
  window?: number;
  /** Gateways tracked at once; the least recently heard is forgotten first (counted). Default 10 000. */
  maxGateways?: number;
}

export interface VerifyCounters {
  accepted: number;
  malformed: number;
  unsigned: number;
  unknownKey: number;
  wrongGateway: number;
  forged: number;
  duplicate: number;
  staleSeq: number;
  /** Gateways whose window was dropped to stay within maxGateways. */
  evicted: number;
}

const COUNTER: Record<VerifyRejection, keyof VerifyCounters> = {
  malformed: 'malformed',
  unsigned: 'unsigned',
  'unknown-key': 'unknownKey',
  'wrong-gateway': 'wrongGateway',
  forged: 'forged',
  duplicate: 'duplicate',
  'stale-seq': 'staleSeq',
};

interface Stream {
  highest: number;
  /** Bit (seq mod window) is set when that seq was accepted; covers (highest − window, highest]. */
  seen: Uint32Array;
}

export class ReplayState {
  readonly window: number;
  readonly maxGateways: number;
  readonly counters: VerifyCounters = {
    accepted: 0, malformed: 0, unsigned: 0, unknownKey: 0, wrongGateway: 0, forged: 0, duplicate: 0, staleSeq: 0, evicted: 0,
  };
  private readonly streams = new Map<string, Stream>();

  constructor(options: ReplayStateOptions = {}) {
    this.window = options.window ?? 4096;
    this.maxGateways = options.maxGateways ?? 10_000;
    if (!Number.isSafeInteger(this.window) || this.window < 32 || this.window % 32 !== 0) throw new RangeError('window must be a multiple of 32, ≥ 32');
    if (!Number.isSafeInteger(this.maxGateways) || this.maxGateways < 1) throw new RangeError('maxGateways must be a positive integer');
  }

  /** Gateways currently tracked. */
  get size(): number {
    return this.streams.size;
  }

  /** The highest seq accepted for a gateway's signed stream, or undefined. */
  highestSeq(gatewayId: string): number | undefined {
    return this.streams.get(gatewayId)?.highest;
  }

  /** Forgets a gateway (after re-provisioning wiped its outbox and its seq restarted). */
  reset(gatewayId: string): void {
    this.streams.delete(gatewayId);
    this.streams.delete(unsignedStream(gatewayId));
  }

  /** 'ok' (and recorded) or why not. Only verifySensorCommunication calls this, after the HMAC. */
  admit(stream: string, seq: number): 'ok' | 'duplicate' | 'stale-seq' {
    let s = this.streams.get(stream);
    if (s) {
      // Map order is insertion order: re-inserting makes it the most recently heard.
      this.streams.delete(stream);
      this.streams.set(stream, s);
    } else {
      s = { highest: -1, seen: new Uint32Array(this.window / 32) };
      this.streams.set(stream, s);
      if (this.streams.size > this.maxGateways) {
        this.streams.delete(this.streams.keys().next().value!);
        this.counters.evicted++;
      }
    }
    const w = this.window;
    if (seq > s.highest) {
      if (seq - s.highest >= w) s.seen.fill(0);
      else for (let q = s.highest + 1; q < seq; q++) clearBit(s.seen, q % w);
      s.highest = seq;
      setBit(s.seen, seq % w);
      return 'ok';
    }
    if (seq <= s.highest - w) return 'stale-seq';
    if (getBit(s.seen, seq % w)) return 'duplicate';
    setBit(s.seen, seq % w);
    return 'ok';
  }

  count(reason: VerifyRejection | 'accepted'): void {
    this.counters[reason === 'accepted' ? 'accepted' : COUNTER[reason]]++;
  }
}

const setBit = (b: Uint32Array, i: number) => void (b[i >>> 5]! |= 1 << (i & 31));
const clearBit = (b: Uint32Array, i: number) => void (b[i >>> 5]! &= ~(1 << (i & 31)));
const getBit = (b: Uint32Array, i: number) => (b[i >>> 5]! & (1 << (i & 31))) !== 0;
/** Unsigned messages (requireSignature: false) get their own window: they prove nothing about the signed stream. */
const unsignedStream = (gatewayId: string) => `${gatewayId}\u0000unsigned`;

/** Never throws. See the module comment for the order of checks. */
export function verifySensorCommunication(
  message: unknown,
  keyLookup: KeyLookup,
  replayState: ReplayState,
  options: VerifyOptions = {},
): VerifyResult {
  const reject = (reason: VerifyRejection, detail: string): VerifyResult => {
    replayState.count(reason);
    return { ok: false, reason, detail };
  };
  if (typeof message !== 'object' || message === null) return reject('malformed', 'not an object');
  const m = message as { siteId?: unknown; gatewayId?: unknown; seq?: unknown; messageId?: unknown; signature?: unknown };
  const id = parseSensorMessageId(m.messageId);
  if (!id || typeof m.gatewayId !== 'string' || typeof m.siteId !== 'string' || id.gatewayId !== m.gatewayId || id.seq !== m.seq) {
    return reject('malformed', 'siteId missing, or gatewayId, seq and messageId do not agree');
  }
  const { gatewayId, seq } = id;

  let keyId: string | null = null;
  if (m.signature === undefined) {
    if (options.requireSignature ?? true) return reject('unsigned', `${gatewayId} seq ${seq} carries no signature`);
  } else {
    const parts = parseSignature(m.signature);
    if (!parts) return reject('malformed', 'signature is not hmac-sha256:<keyId>:<43 base64url characters>');
    const entry = safeLookup(keyLookup, parts.keyId, { siteId: m.siteId, gatewayId });
    if (!entry) return reject('unknown-key', `key ${parts.keyId} is not in the keyring`);
    if (entry.gatewayId !== gatewayId) return reject('wrong-gateway', `key ${parts.keyId} belongs to ${entry.gatewayId}, not ${gatewayId}`);
    if (!checkSignature(m, entry.key)) return reject('forged', `${gatewayId} seq ${seq}: signature does not match the content`);
    keyId = parts.keyId;
  }

  const verdict = replayState.admit(keyId === null ? unsignedStream(gatewayId) : gatewayId, seq);
  if (verdict === 'duplicate') return reject('duplicate', `${gatewayId} seq ${seq} was already accepted`);
  if (verdict === 'stale-seq') return reject('stale-seq', `${gatewayId} seq ${seq} is older than the replay window`);
  replayState.count('accepted');
  return { ok: true, gatewayId, seq, keyId };
}

/** A throwing lookup (a backend's own bug) counts as an unknown key rather than escaping. */
function safeLookup(lookup: KeyLookup, keyId: string, claimed: ClaimedSender) {
  try {
    return lookup(keyId, claimed);
  } catch {
    return undefined;
  }
}
