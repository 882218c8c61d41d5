import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatSensorMessageId, MESSAGE_EXAMPLES, type SensorCommunication } from '../../protocol/messages/index.js';
import { createKeyring, deriveGatewayKey } from './keys.js';
import { createSensorSigner } from './signer.js';
import { ReplayState, verifySensorCommunication, type VerifyResult } from './verify.js';

const SECRET = new Uint8Array(32).fill(0x5a);
const KEY_A = deriveGatewayKey(SECRET, 'store-12', 'gw-a', 'gw-a.k1');
const KEY_B = deriveGatewayKey(SECRET, 'store-12', 'gw-b', 'gw-b.k1');
const ring = createKeyring([KEY_A, KEY_B]);
const signA = createSensorSigner(KEY_A);
const signB = createSensorSigner(KEY_B);

const example = MESSAGE_EXAMPLES['sensor-communication'] as SensorCommunication;

/** The example as gateway `gatewayId` would stamp it with `seq`, unsigned. */
function message(seq: number, gatewayId = 'gw-a', bootId = 'boot-1'): SensorCommunication {
  return { ...example, gatewayId, siteId: 'store-12', seq, messageId: formatSensorMessageId({ gatewayId, bootId, seq }) };
}
const signed = (seq: number, gatewayId = 'gw-a') => {
  const m = message(seq, gatewayId);
  return { ...m, signature: (gatewayId === 'gw-a' ? signA : signB)(m) };
};
/** What a backend does with a payload off the wire: JSON in, verify. */
const wire = (m: object) => JSON.parse(JSON.stringify(m)) as unknown;
const reason = (r: VerifyResult) => (r.ok ? 'ok' : r.reason);

describe('verifySensorCommunication', () => {
  it('accepts genuine signed messages and says which key signed', () => {
    const state = new ReplayState();
    for (let seq = 0; seq < 5; seq++) expect(verifySensorCommunication(wire(signed(seq)), ring, state)).toEqual({ ok: true, gatewayId: 'gw-a', seq, keyId: 'gw-a.k1' });
    expect(state.counters.accepted).toBe(5);
    expect(state.highestSeq('gw-a')).toBe(4);
  });

  it('rejects unsigned messages when signatures are required (the default), and counts them', () => {
    const state = new ReplayState();
    expect(reason(verifySensorCommunication(wire(message(0)), ring, state))).toBe('unsigned');
    expect(state.counters).toMatchObject({ unsigned: 1, accepted: 0 });
    // while gateways are being keyed: unsigned accepted, in a window of their own
    expect(verifySensorCommunication(wire(message(0)), ring, state, { requireSignature: false })).toEqual({ ok: true, gatewayId: 'gw-a', seq: 0, keyId: null });
    expect(reason(verifySensorCommunication(wire(message(0)), ring, state, { requireSignature: false }))).toBe('duplicate');
    expect(reason(verifySensorCommunication(wire(signed(0)), ring, state))).toBe('ok');
  });

  it('rejects forged messages: changed content, changed seq, a tag from another key', () => {
    const state = new ReplayState();
    const genuine = signed(7);
    const cases: object[] = [
      { ...genuine, interaction: { ...genuine.interaction, type: 'view' } },
      { ...genuine, sensorId: 'eddystone-uid:8b0ca750095477cb3e77:000000000003' },
      { ...genuine, seq: 8, messageId: formatSensorMessageId({ gatewayId: 'gw-a', bootId: 'boot-1', seq: 8 }) },
      { ...genuine, signature: `hmac-sha256:gw-a.k1:${signB(message(7)).split(':')[2]}` },
    ];
    for (const c of cases) expect(reason(verifySensorCommunication(wire(c), ring, state))).toBe('forged');
    expect(state.counters.forged).toBe(4);
    expect(state.size).toBe(0);
  });

  it('a forged message with a huge seq does not push the genuine stream out of the window', () => {
    const state = new ReplayState({ window: 64 });
    const genuine = signed(5);
    const forged = { ...genuine, seq: 1_000_000, messageId: formatSensorMessageId({ gatewayId: 'gw-a', bootId: 'boot-1', seq: 1_000_000 }) };
    expect(reason(verifySensorCommunication(wire(forged), ring, state))).toBe('forged');
    expect(reason(verifySensorCommunication(wire(genuine), ring, state))).toBe('ok');
  });

  it('rejects a key the keyring does not know, and a key used for another gateway', () => {
    const state = new ReplayState();
    const m = message(1);
    expect(reason(verifySensorCommunication(wire({ ...m, signature: createSensorSigner({ keyId: 'rogue', key: new Uint8Array(32) })(m) }), ring, state))).toBe('unknown-key');
    // gw-b's (valid) key on a gw-a message: a compromised gateway cannot speak for another
    expect(reason(verifySensorCommunication(wire({ ...m, signature: signB(m) }), ring, state))).toBe('wrong-gateway');
    expect(state.counters).toMatchObject({ unknownKey: 1, wrongGateway: 1 });
  });

  it('rejects replays: the same message again, and seqs older than the window', () => {
    const state = new ReplayState({ window: 64 });
    const first = wire(signed(10));
    expect(reason(verifySensorCommunication(first, ring, state))).toBe('ok');
    expect(reason(verifySensorCommunication(first, ring, state))).toBe('duplicate');
    expect(reason(verifySensorCommunication(wire(signed(100)), ring, state))).toBe('ok');
    // late but inside the window (a reordered QoS 1 redelivery): accepted once
    expect(reason(verifySensorCommunication(wire(signed(40)), ring, state))).toBe('ok');
    expect(reason(verifySensorCommunication(wire(signed(40)), ring, state))).toBe('duplicate');
    // 100 − 64 = 36: seq 36 and older can no longer be told apart from a replay
    expect(reason(verifySensorCommunication(wire(signed(36)), ring, state))).toBe('stale-seq');
    expect(reason(verifySensorCommunication(first, ring, state))).toBe('stale-seq');
    expect(state.counters).toMatchObject({ accepted: 3, duplicate: 2, staleSeq: 2 });
    // gateways have separate windows
    expect(reason(verifySensorCommunication(wire(signed(10, 'gw-b')), ring, state))).toBe('ok');
  });

  it('reset(gatewayId) accepts a gateway whose outbox was wiped and restarted at seq 0', () => {
    const state = new ReplayState({ window: 32 });
    expect(reason(verifySensorCommunication(wire(signed(500)), ring, state))).toBe('ok');
    expect(reason(verifySensorCommunication(wire(signed(0)), ring, state))).toBe('stale-seq');
    state.reset('gw-a');
    expect(reason(verifySensorCommunication(wire(signed(0)), ring, state))).toBe('ok');
  });

  it('rejects messages whose messageId disagrees with gatewayId or seq, and non-objects', () => {
    const state = new ReplayState();
    const m = signed(3);
    expect(reason(verifySensorCommunication(wire({ ...m, seq: 4 }), ring, state))).toBe('malformed');
    expect(reason(verifySensorCommunication(wire({ ...m, gatewayId: 'gw-b' }), ring, state))).toBe('malformed');
    expect(reason(verifySensorCommunication(wire({ ...m, signature: 'hmac-sha256:gw-a.k1:short' }), ring, state))).toBe('malformed');
    expect(reason(verifySensorCommunication(null, ring, state))).toBe('malformed');
    expect(state.counters.malformed).toBe(4);
  });

  it('keeps at most maxGateways windows, forgetting the least recently heard', () => {
    const state = new ReplayState({ maxGateways: 1 });
    verifySensorCommunication(wire(signed(1, 'gw-a')), ring, state);
    verifySensorCommunication(wire(signed(1, 'gw-b')), ring, state);
    expect(state.size).toBe(1);
    expect(state.counters.evicted).toBe(1);
    expect(state.highestSeq('gw-a')).toBeUndefined();
    expect(state.highestSeq('gw-b')).toBe(1);
  });

  it('property: accepts exactly the first arrival of each seq not older than the window (reference model)', () => {
    const W = 32;
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 200 }), { maxLength: 300 }), (seqs) => {
        const state = new ReplayState({ window: W });
        const seen = new Set<number>();
        let highest = -1;
        for (const seq of seqs) {
          const want = seen.has(seq) && seq > highest - W ? 'duplicate' : seq <= highest - W ? 'stale-seq' : 'ok';
          // the model: only the high-water mark and the set of accepted seqs
          const got = state.admit('g', seq);
          expect(got).toBe(want);
          if (want === 'ok') {
            seen.add(seq);
            highest = Math.max(highest, seq);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('property: never throws, whatever the message and however the key lookup behaves', () => {
    const state = new ReplayState();
    const throwing = () => {
      throw new Error('database down');
    };
    fc.assert(
      fc.property(fc.anything(), fc.string(), (value, sig) => {
        verifySensorCommunication(value, ring, state);
        verifySensorCommunication({ ...message(1), signature: sig }, throwing, state);
        verifySensorCommunication({ ...message(1), signature: `hmac-sha256:gw-a.k1:${sig}` }, ring, state, { requireSignature: false });
      }),
      { numRuns: 300 },
    );
  });
});

describe('with a derived keyring (one secret per site)', () => {
  it('accepts what the gateway signed with its derived key, and refuses another gateway’s key', async () => {
    const { createDerivedKeyring } = await import('./keys.js');
    const derived = createDerivedKeyring({ 'store-12': SECRET });
    const state = new ReplayState();
    expect(reason(verifySensorCommunication(wire(signed(1)), derived, state))).toBe('ok');
    // gw-b's key on a gw-a message: the ring derives gw-a's key for it, and the tag does not match
    const m = message(2);
    expect(reason(verifySensorCommunication(wire({ ...m, signature: signB(m).replace('gw-b.k1', 'gw-a.k1') }), derived, state))).toBe('forged');
    const elsewhere = { ...message(3), siteId: 'store-99' };
    expect(reason(verifySensorCommunication(wire({ ...elsewhere, signature: signA(elsewhere) }), derived, state))).toBe('unknown-key');
  });
});
