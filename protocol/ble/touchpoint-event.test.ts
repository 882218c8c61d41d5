import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hexToBytes, toHex } from './bytes.js';
import { decodeAdvertisement, encodeFrame } from './frames.js';
import { TOUCHPOINT_EVENT_LAYOUT, decodeTouchpointEvent, eventDeviceId, type TouchpointEventFrame } from './touchpoint-event.js';

// P1 of vectors/advertisements.json: the firmware README's worked example.
const P1 = '02010615ffffff545001000000010200110011223344556677';

describe('Touchpoint event frame in protocol/ble', () => {
  it('is a 20-byte field table', () => {
    expect(TOUCHPOINT_EVENT_LAYOUT.minLength).toBe(20);
    expect(TOUCHPOINT_EVENT_LAYOUT.maxLength).toBe(20);
  });

  it('decodeAdvertisement returns it and encodeFrame builds the same bytes back', () => {
    const d = decodeAdvertisement(hexToBytes(P1));
    expect(d.errors).toEqual([]);
    expect(d.frames).toEqual([{ type: 'touchpoint-event', companyId: 0xffff, eventCount: 258, lastEventAgeDs: 17, idKind: 'device', id: '0011223344556677' }]);
    expect(toHex(encodeFrame(d.frames[0] as TouchpointEventFrame))).toBe(P1);
  });

  it('an event frame among other structures is found like an iBeacon would be', () => {
    // flags, the event frame, then a Complete Local Name "TP"
    const d = decodeAdvertisement(hexToBytes(P1 + '03095450'));
    expect(d.frames.map((f) => f.type)).toEqual(['touchpoint-event']);
    expect(d.ad.localName).toBe('TP');
  });

  it('refuses values the wire cannot carry', () => {
    const f = { companyId: 0xffff, eventCount: 1, lastEventAgeDs: 0, idKind: 'device' as const, id: '0011223344556677' };
    expect(() => encodeFrame({ type: 'touchpoint-event', ...f, lastEventAgeDs: 0xffff })).toThrow(RangeError);
    expect(() => encodeFrame({ type: 'touchpoint-event', ...f, eventCount: 2 ** 32 })).toThrow(RangeError);
    expect(() => encodeFrame({ type: 'touchpoint-event', ...f, id: '0011' })).toThrow(RangeError);
    expect(decodeTouchpointEvent(hexToBytes('ffff5450'))).toMatchObject({ ok: false, offset: 2 });
  });

  it('eventDeviceId is the first 8 bytes of SHA-256("touchpoint-device:" + primary beacon ID)', () => {
    const id = 'eid:store-12.endcap-3';
    expect(eventDeviceId(id)).toBe(createHash('sha256').update(`touchpoint-device:${id}`).digest('hex').slice(0, 16));
  });
});
