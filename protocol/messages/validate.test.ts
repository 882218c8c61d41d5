import { readdirSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MESSAGE_EXAMPLES } from './examples.js';
import { SCHEMA_ID_BASE } from './primitives.js';
import { MESSAGE_KINDS, MESSAGE_SCHEMAS, type MessageKind } from './schemas/index.js';
import {
  MAX_PAYLOAD_BYTES,
  parseAs,
  parseMessage,
  parseSensorCommunication,
  validateAs,
  validateContentItem,
  validateMessage,
  validateSensorCommunication,
  validateTelemetry,
  validateUserCommunication,
  VALIDATORS,
  type ValidationResult,
} from './validate.js';

/** A deep copy of an example to mutate. */
const example = (kind: MessageKind): Record<string, any> => structuredClone(MESSAGE_EXAMPLES[kind]) as Record<string, any>;

function expectFailure(r: ValidationResult<unknown>, reason: string, path: string) {
  expect(r.ok).toBe(false);
  if (r.ok) return;
  expect(r.reason).toBe(reason);
  expect(r.errors.map((e) => e.path)).toContain(path);
}

describe('schemas', () => {
  it.each(MESSAGE_KINDS)('%s has $id, title, description, additionalProperties:false, v and its kind literal', (kind) => {
    const s = MESSAGE_SCHEMAS[kind];
    expect(s.$id).toBe(`${SCHEMA_ID_BASE}${kind}.json`);
    expect(s.title).toMatch(/^[A-Z][A-Za-z]+$/);
    expect(s.description?.length).toBeGreaterThan(20);
    expect(s.additionalProperties).toBe(false);
    expect(s.properties.kind.const).toBe(kind);
    expect(s.properties.v.const).toBe(1);
  });

  it('every object schema is closed (additionalProperties:false); only config values are free-form', () => {
    const open: string[] = [];
    const walk = (node: unknown, path: string) => {
      if (typeof node !== 'object' || node === null) return;
      const n = node as Record<string, unknown>;
      if (n.type === 'object' && n.additionalProperties !== false) open.push(path);
      for (const [k, v] of Object.entries(n)) walk(v, `${path}/${k}`);
    };
    for (const kind of MESSAGE_KINDS) walk(JSON.parse(JSON.stringify(MESSAGE_SCHEMAS[kind])), kind);
    expect(open).toEqual([]);
  });
});

describe('examples', () => {
  it('one JSON file per kind, nothing else', () => {
    const files = readdirSync(new URL('./examples/', import.meta.url)).sort();
    expect(files).toEqual(MESSAGE_KINDS.map((k) => `${k}.json`).sort());
  });

  it.each(MESSAGE_KINDS)('%s example validates with its validator, by kind, and parsed from text and bytes', (kind) => {
    const value = MESSAGE_EXAMPLES[kind];
    expect(VALIDATORS[kind](value)).toEqual({ ok: true, value });
    expect(validateMessage(value)).toEqual({ ok: true, value });
    const text = JSON.stringify(value);
    expect(parseAs(kind, text)).toEqual({ ok: true, value });
    expect(parseMessage(new TextEncoder().encode(text))).toEqual({ ok: true, value });
  });

  it.each(MESSAGE_KINDS)('%s example is rejected by every other kind’s validator', (kind) => {
    for (const other of MESSAGE_KINDS.filter((k) => k !== kind)) {
      expect(validateAs(other, MESSAGE_EXAMPLES[kind]).ok).toBe(false);
    }
  });
});

describe('invalid payloads', () => {
  it.each(MESSAGE_KINDS)('%s: every required top-level field is required', (kind) => {
    const required = MESSAGE_SCHEMAS[kind].required ?? [];
    expect(required.length).toBeGreaterThan(4);
    for (const field of required) {
      const m = example(kind);
      delete m[field];
      expectFailure(validateAs(kind, m), 'schema', `/${field}`);
    }
  });

  it.each(MESSAGE_KINDS)('%s: an extra top-level property is refused', (kind) => {
    expectFailure(validateAs(kind, { ...example(kind), extra: 1 }), 'schema', '/extra');
  });

  it.each(MESSAGE_KINDS)('%s: v 2 is refused', (kind) => {
    expectFailure(validateAs(kind, { ...example(kind), v: 2 }), 'schema', '/v');
  });

  it('wrong types', () => {
    expectFailure(validateSensorCommunication({ ...example('sensor-communication'), seq: '1042' }), 'schema', '/seq');
    expectFailure(validateSensorCommunication({ ...example('sensor-communication'), timestamp: 1.5 }), 'schema', '/timestamp');
    expectFailure(validateUserCommunication({ ...example('user-communication'), consent: 'yes' }), 'schema', '/consent');
    expectFailure(validateTelemetry({ ...example('telemetry'), uptimeS: -1 }), 'schema', '/uptimeS');
  });

  it('extra nested properties are refused', () => {
    const s = example('sensor-communication');
    s.interaction.extra = true;
    expectFailure(validateSensorCommunication(s), 'schema', '/interaction/extra');
    const t = example('telemetry');
    t.sensors['radar-0'].temperature = 40;
    expectFailure(validateTelemetry(t), 'schema', '/sensors/radar-0/temperature');
  });

  it('telemetry sensor names must be topic-safe IDs', () => {
    const t = example('telemetry');
    t.sensors['radar/0'] = t.sensors['radar-0'];
    expectFailure(validateTelemetry(t), 'schema', '/sensors/radar~10');
  });

  it('consent=false with identifiers is refused; consent=false without identifiers is fine', () => {
    const u = example('user-communication');
    u.consent = false;
    expectFailure(validateUserCommunication(u), 'rule', '/identifiers');
    u.identifiers = [];
    delete u.hashingStandard;
    expect(validateUserCommunication(u).ok).toBe(true);
  });

  it('a raw email (or upper-case hex, or a SHA-1) in identifiers fails the sha256 pattern', () => {
    for (const sha256 of ['person@example.com', '542D240129883C019E106E3B1B2D3F3CB3537C43C425364DE8E951D5A3083345', 'a'.repeat(40)]) {
      const u = example('user-communication');
      u.identifiers[0].sha256 = sha256;
      expectFailure(validateUserCommunication(u), 'schema', '/identifiers/0/sha256');
    }
  });

  it('identifiers need a hashingStandard of the protocol/identity form', () => {
    const u = example('user-communication');
    delete u.hashingStandard;
    expectFailure(validateUserCommunication(u), 'rule', '/hashingStandard');
    for (const ok of ['google-v1', 'meta-v1', 'meta-v12']) expect(validateUserCommunication({ ...u, hashingStandard: ok }).ok).toBe(true);
    for (const bad of ['sha256', 'Google-v1', 'google-1', 'google-v']) {
      expectFailure(validateUserCommunication({ ...u, hashingStandard: bad }), 'schema', '/hashingStandard');
    }
  });

  it('sensor messageId must agree with gatewayId and seq', () => {
    expectFailure(validateSensorCommunication({ ...example('sensor-communication'), seq: 1043 }), 'rule', '/messageId');
    expectFailure(validateSensorCommunication({ ...example('sensor-communication'), gatewayId: 'gw-other' }), 'rule', '/messageId');
  });

  it('interaction cannot end before it starts; RSSI mean cannot exceed max; RSSI stays in the HCI range', () => {
    const s = example('sensor-communication');
    s.interaction.endedAt = s.interaction.startedAt - 1;
    expectFailure(validateSensorCommunication(s), 'rule', '/interaction/endedAt');
    const r = example('sensor-communication');
    r.interaction.rssi.mean = -10;
    expectFailure(validateSensorCommunication(r), 'rule', '/interaction/rssi/mean');
    const u = example('user-communication');
    u.trigger.maxRssi = 180; // the unsigned-read bug of protocols.md §1.1
    expectFailure(validateUserCommunication(u), 'schema', '/trigger/maxRssi');
  });

  it('sensorId must be a canonical beacon ID', () => {
    for (const sensorId of ['ibeacon:426C7565-4368-6172-6d42-6561636f6e73:3838:4949', 'beacon-7', 'eid:']) {
      expectFailure(validateSensorCommunication({ ...example('sensor-communication'), sensorId }), 'schema', '/sensorId');
    }
  });

  it('reserved and wildcard gateway IDs are refused in payloads too', () => {
    for (const gatewayId of ['device', 'user', 'config', 'gw/1', 'gw+', '$SYS', '']) {
      expectFailure(validateTelemetry({ ...example('telemetry'), gatewayId }), 'schema', '/gatewayId');
    }
  });

  it('content timing: displayAt xor delayMs, displayAt before expiresAt, expiresAt after timestamp', () => {
    const c = example('content-item');
    c.timing.displayAt = c.timestamp + 1000;
    expectFailure(validateContentItem(c), 'rule', '/timing/delayMs');
    delete c.timing.delayMs;
    expect(validateContentItem(c).ok).toBe(true);
    c.timing.displayAt = c.timing.expiresAt;
    expectFailure(validateContentItem(c), 'rule', '/timing/displayAt');
    const d = example('content-item');
    d.timing.expiresAt = d.timestamp;
    expectFailure(validateContentItem(d), 'rule', '/timing/expiresAt');
  });

  it('content url must be https', () => {
    expectFailure(validateContentItem({ ...example('content-item'), url: 'http://shop.example/' }), 'schema', '/url');
    expectFailure(validateContentItem({ ...example('content-item'), url: 'javascript:alert(1)' }), 'schema', '/url');
  });

  it('unknown or missing kind', () => {
    expectFailure(validateMessage({ ...example('telemetry'), kind: 'nope' }), 'schema', '/kind');
    expectFailure(validateMessage(null), 'schema', '/kind');
    expectFailure(validateMessage({ kind: 'toString' }), 'schema', '/kind');
  });
});

describe('parse', () => {
  it('invalid JSON, invalid UTF-8 and oversized payloads get their own reasons', () => {
    expectFailure(parseSensorCommunication('{"v":1,'), 'invalid-json', '');
    expectFailure(parseSensorCommunication(''), 'invalid-json', '');
    expectFailure(parseSensorCommunication(Uint8Array.from([0x7b, 0xff, 0x7d])), 'invalid-utf8', '');
    expectFailure(parseSensorCommunication(' '.repeat(MAX_PAYLOAD_BYTES + 1)), 'too-large', '');
    expectFailure(parseSensorCommunication(new Uint8Array(MAX_PAYLOAD_BYTES + 1)), 'too-large', '');
    expectFailure(parseSensorCommunication(42 as unknown as string), 'invalid-json', '');
  });

  it('a UTF-8 byte-order mark in bytes is skipped, as TextDecoder does', () => {
    const text = JSON.stringify(MESSAGE_EXAMPLES['sensor-communication']);
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(text)]);
    expect(parseSensorCommunication(bytes).ok).toBe(true);
  });

  it('a "__proto__" key in JSON is an unexpected property, not a prototype', () => {
    const text = JSON.stringify(MESSAGE_EXAMPLES.telemetry).replace(/^\{/, '{"__proto__":{"x":1},');
    expectFailure(parseAs('telemetry', text), 'schema', '/__proto__');
  });
});

describe('properties', () => {
  const isResult = (r: ValidationResult<unknown>) =>
    r.ok || (r.errors.length > 0 && r.errors.every((e) => typeof e.path === 'string' && typeof e.message === 'string'));

  it('validators never throw on arbitrary values', () => {
    fc.assert(
      fc.property(fc.anything({ withBoxedValues: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withNullPrototype: true }), (x) => {
        for (const kind of MESSAGE_KINDS) expect(isResult(VALIDATORS[kind](x))).toBe(true);
        expect(isResult(validateMessage(x))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('validators never throw on arbitrary JSON values, with or without a known kind', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(...MESSAGE_KINDS), (x, kind) => {
        const withKind = typeof x === 'object' && x !== null && !Array.isArray(x) ? { ...x, kind } : x;
        expect(isResult(validateMessage(x))).toBe(true);
        expect(isResult(validateMessage(withKind))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('a throwing getter is reported, not thrown', () => {
    const hostile = Object.defineProperty({ kind: 'telemetry' }, 'v', { enumerable: true, get: () => { throw new Error('boom'); } });
    expect(validateMessage(hostile).ok).toBe(false);
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    expect(validateMessage(revoked.proxy).ok).toBe(false);
  });

  it('parsers never throw on arbitrary text or bytes', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.uint8Array({ maxLength: 256 })), (input) => {
        expect(isResult(parseMessage(input))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('examples with one field replaced by arbitrary JSON never throw, and validating the value agrees with parsing its JSON text', () => {
    const pathsOf = (v: unknown, prefix: string[] = []): string[][] =>
      typeof v === 'object' && v !== null
        ? Object.entries(v).flatMap(([k, c]) => [[...prefix, k], ...pathsOf(c, [...prefix, k])])
        : [];
    fc.assert(
      fc.property(fc.constantFrom(...MESSAGE_KINDS), fc.nat(), fc.jsonValue(), (kind, pick, replacement) => {
        const m = example(kind);
        const paths = pathsOf(m);
        const path = paths[pick % paths.length] ?? [];
        let node: any = m;
        for (const k of path.slice(0, -1)) node = node[k];
        node[path[path.length - 1] ?? ''] = replacement;
        const r = validateMessage(m);
        expect(isResult(r)).toBe(true);
        expect(parseMessage(JSON.stringify(m)).ok).toBe(r.ok);
      }),
      { numRuns: 500 },
    );
  });
});
