import { createHmac } from 'node:crypto';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../bytes.js';
import { MESSAGE_EXAMPLES } from './examples.js';
import {
  base64urlDecode,
  base64urlEncode,
  canonicalJson,
  checkSignature,
  formatSignature,
  parseSignature,
  signMessage,
  SIGNATURE_PATTERN,
} from './signature.js';
import { validateSensorCommunication } from './validate.js';

const KEY = Uint8Array.from({ length: 32 }, (_, i) => i + 1);

describe('published vectors', () => {
  it('RFC 8785 §3.2.2: canonical JSON of the sample object (numbers, string escapes, literals, sorted keys)', () => {
    const input =
      '{\n  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],\n' +
      '  "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",\n  "literals": [null, true, false]\n}';
    expect(canonicalJson(JSON.parse(input))).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('RFC 8785 §3.2.3: properties sorted by UTF-16 code units', () => {
    const input = { '\u20ac': 'Euro Sign', '\r': 'Carriage Return', '\ufb33': 'Hebrew Letter Dalet With Dagesh', '1': 'One', '\ud83d\ude00': 'Emoji: Grinning Face', '\u0080': 'Control', '\u00f6': 'Latin Small Letter O With Diaeresis' };
    // Read the order off the text: JSON.parse would move the integer-like key "1" first again.
    const text = canonicalJson(input);
    const positions = Object.values(input).map((v) => [v, text.indexOf(v)] as const).sort((a, b) => a[1] - b[1]).map(([v]) => v);
    expect(positions).toEqual([
      'Carriage Return',
      'One',
      'Control',
      'Latin Small Letter O With Diaeresis',
      'Euro Sign',
      'Emoji: Grinning Face',
      'Hebrew Letter Dalet With Dagesh',
    ]);
  });

  it('RFC 4648 §10 test vectors, in the base64url alphabet without padding', () => {
    const cases: [string, string][] = [['', ''], ['f', 'Zg'], ['fo', 'Zm8'], ['foo', 'Zm9v'], ['foob', 'Zm9vYg'], ['fooba', 'Zm9vYmE'], ['foobar', 'Zm9vYmFy']];
    for (const [plain, encoded] of cases) {
      const bytes = new TextEncoder().encode(plain);
      expect(base64urlEncode(bytes)).toBe(encoded);
      expect(base64urlDecode(encoded)).toEqual(bytes);
    }
  });

  it('RFC 4231 test case 2: the HMAC-SHA256 primitive', () => {
    const tag = hmac(sha256, new TextEncoder().encode('Jefe'), new TextEncoder().encode('what do ya want for nothing?'));
    expect(toHex(tag)).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });
});

/**
 * An independent canonicaliser for the cross-checks: joins sorted members as text (a sorted object
 * would not do: JS puts integer-like keys first whatever the insertion order).
 */
function independentCanonical(v: unknown): string {
  if (Array.isArray(v)) return '[' + v.map(independentCanonical).join(',') + ']';
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return '{' + Object.keys(o).sort().map((k) => JSON.stringify(k) + ':' + independentCanonical(o[k])).join(',') + '}';
  }
  return JSON.stringify(v);
}

/** independentCanonical + node:crypto's HMAC. */
function independentSignature(message: Record<string, unknown>, keyId: string, key: Uint8Array): string {
  const { signature: _ignored, ...rest } = message;
  const text = independentCanonical(rest);
  return `hmac-sha256:${keyId}:${createHmac('sha256', key).update(text, 'utf8').digest('base64url')}`;
}

describe('signing sensor communications', () => {
  const example = MESSAGE_EXAMPLES['sensor-communication'] as unknown as Record<string, unknown>;

  it('matches an independent implementation (sorted JSON.stringify + node:crypto HMAC) on the example payload', () => {
    expect(signMessage(example, 'gw-store12-a.k1', KEY)).toBe(independentSignature(example, 'gw-store12-a.k1', KEY));
  });

  it('a signed example still validates against the schema, and verifies; the signature field is not covered', () => {
    const signed = { ...example, signature: signMessage(example, 'k1', KEY) };
    expect(validateSensorCommunication(signed).ok).toBe(true);
    expect(checkSignature(signed, KEY)).toBe(true);
    expect(signMessage(signed, 'k1', KEY)).toBe(signed.signature);
  });

  it('does not depend on key order or whitespace of the received JSON', () => {
    const signed = { ...example, signature: signMessage(example, 'k1', KEY) };
    const reverseDeep = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(reverseDeep) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reverseDeep(x)])) : v;
    const wire = JSON.stringify(reverseDeep(signed), null, 2);
    const reordered = JSON.parse(wire) as Record<string, unknown>;
    expect(Object.keys(reordered)[0]).toBe('signature');
    expect(wire).not.toBe(JSON.stringify(signed));
    expect(checkSignature(reordered, KEY)).toBe(true);
  });

  it('fails on any change of content, of key, or of the tag', () => {
    const signed = { ...example, signature: signMessage(example, 'k1', KEY) };
    expect(checkSignature({ ...signed, seq: 1043 }, KEY)).toBe(false);
    expect(checkSignature({ ...signed, interaction: { ...(example.interaction as object), type: 'touch' } }, KEY)).toBe(false);
    expect(checkSignature({ ...signed, extra: 1 }, KEY)).toBe(false);
    const other = KEY.slice();
    other[0]! ^= 1;
    expect(checkSignature(signed, other)).toBe(false);
    const tag = signed.signature.slice(-43);
    const flipped = (tag[0] === 'A' ? 'B' : 'A') + tag.slice(1);
    expect(checkSignature({ ...signed, signature: signed.signature.slice(0, -43) + flipped }, KEY)).toBe(false);
    expect(checkSignature({ ...example }, KEY)).toBe(false);
  });

  it('refuses a key shorter than 32 bytes when signing', () => {
    expect(() => signMessage(example, 'k1', new Uint8Array(16))).toThrow(RangeError);
  });
});

describe('signature format', () => {
  it('formats and parses hmac-sha256:<keyId>:<43 base64url chars>', () => {
    const tag = Uint8Array.from({ length: 32 }, (_, i) => 255 - i);
    const s = formatSignature('gw-a.2026-01', tag);
    expect(s).toMatch(new RegExp(SIGNATURE_PATTERN));
    expect(parseSignature(s)).toEqual({ algorithm: 'hmac-sha256', keyId: 'gw-a.2026-01', tag });
  });

  it.each([
    ['no algorithm', 'gw-a:' + 'A'.repeat(43)],
    ['other algorithm', 'hmac-sha1:gw-a:' + 'A'.repeat(43)],
    ['short tag', 'hmac-sha256:gw-a:' + 'A'.repeat(42)],
    ['padding', 'hmac-sha256:gw-a:' + 'A'.repeat(42) + '='],
    ['standard base64 alphabet', 'hmac-sha256:gw-a:' + '+'.repeat(43)],
    ['empty keyId', 'hmac-sha256::' + 'A'.repeat(43)],
    ['non-zero spare bits (a second spelling of the same tag)', 'hmac-sha256:gw-a:' + 'A'.repeat(42) + 'B'],
  ])('refuses %s', (_name, s) => {
    expect(parseSignature(s)).toBeUndefined();
  });

  it('property: parseSignature and base64urlDecode never throw; decode ∘ encode is the identity', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.uint8Array({ maxLength: 64 }), (s, bytes) => {
        parseSignature(s);
        parseSignature(`hmac-sha256:k:${s}`);
        base64urlDecode(s);
        expect(base64urlDecode(base64urlEncode(bytes))).toEqual(bytes);
        expect(base64urlEncode(bytes)).toBe(Buffer.from(bytes).toString('base64url'));
      }),
      { numRuns: 500 },
    );
  });
});

describe('canonical JSON', () => {
  it('property: equals the independent canonicaliser on JSON values, and is a fixed point', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), (v) => {
        const parsed = JSON.parse(JSON.stringify(v)) as unknown;
        expect(canonicalJson(parsed)).toBe(independentCanonical(parsed));
        expect(canonicalJson(JSON.parse(canonicalJson(parsed)))).toBe(canonicalJson(parsed));
      }),
      { numRuns: 300 },
    );
  });

  it('throws TypeError on values JSON cannot carry, and on hostile nesting', () => {
    for (const bad of [NaN, Infinity, 1n, () => 0, Symbol('x'), new Uint8Array(1)]) expect(() => canonicalJson({ a: bad })).toThrow(TypeError);
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(() => canonicalJson(deep)).toThrow(TypeError);
    expect(canonicalJson({ a: undefined, b: -0 })).toBe('{"b":0}');
  });
});
