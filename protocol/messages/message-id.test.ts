import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatSensorMessageId, parseSensorMessageId, SENSOR_MESSAGE_ID_PATTERN } from './message-id.js';
import { ULID_RE } from './primitives.js';

describe('ULID pattern (github.com/ulid/spec README)', () => {
  it('accepts the spec example and the spec maximum', () => {
    expect(ULID_RE.test('01ARZ3NDEKTSV4RRFFQ69G5FAV')).toBe(true);
    expect(ULID_RE.test('7ZZZZZZZZZZZZZZZZZZZZZZZZZ')).toBe(true);
  });
  it('rejects overflow, excluded letters, lower case and wrong length', () => {
    for (const bad of ['8ZZZZZZZZZZZZZZZZZZZZZZZZZ', '01ARZ3NDEKTSV4RRFFQ69G5FAU', '01ARZ3NDEKTSV4RRFFQ69G5FAI', '01arz3ndektsv4rrffq69g5fav', '01ARZ3NDEKTSV4RRFFQ69G5FA']) {
      expect(ULID_RE.test(bad)).toBe(false);
    }
  });
});

describe('sensor message ID <gatewayId>:<bootId>:<seq>', () => {
  it('formats and parses', () => {
    const id = formatSensorMessageId({ gatewayId: 'gw-1', bootId: '3f9c2d7e-8b41-4c55-9a0e-6d2f1b7c9e10', seq: 1042 });
    expect(id).toBe('gw-1:3f9c2d7e-8b41-4c55-9a0e-6d2f1b7c9e10:1042');
    expect(parseSensorMessageId(id)).toEqual({ gatewayId: 'gw-1', bootId: '3f9c2d7e-8b41-4c55-9a0e-6d2f1b7c9e10', seq: 1042 });
  });

  it('rejects reserved gateways, leading zeros, unsafe integers and bad boot IDs', () => {
    for (const bad of ['device:b:1', 'user:b:1', 'gw:b:01', 'gw:b:9007199254740992', 'gw:b.c:1', 'gw::1', 'gw:b:-1', 'gw:b:1:2', 42]) {
      expect(parseSensorMessageId(bad)).toBeUndefined();
    }
    expect(() => formatSensorMessageId({ gatewayId: 'device', bootId: 'b', seq: 1 })).toThrow(RangeError);
    expect(() => formatSensorMessageId({ gatewayId: 'gw', bootId: 'b', seq: -1 })).toThrow(RangeError);
    expect(() => formatSensorMessageId({ gatewayId: 'gw', bootId: 'b/c', seq: 1 })).toThrow(RangeError);
  });

  it('round-trips over valid parts, and the pattern accepts what format produces', () => {
    const re = new RegExp(SENSOR_MESSAGE_ID_PATTERN);
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9._-]{1,64}$/).filter((g) => g !== 'device' && g !== 'user'),
        fc.stringMatching(/^[A-Za-z0-9_-]{1,36}$/),
        fc.maxSafeNat(),
        (gatewayId, bootId, seq) => {
          const id = formatSensorMessageId({ gatewayId, bootId, seq });
          expect(re.test(id)).toBe(true);
          expect(parseSensorMessageId(id)).toEqual({ gatewayId, bootId, seq });
        },
      ),
    );
  });
});
