import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeAdvertisement } from '../ble/frames.js';
import { hexToBytes, toHex } from '../bytes.js';
import { decodeEventFrame, encodeEventAdvertisement, encodeEventFrame } from './event-frame.js';

// The worked example of hardware/beacon-firmware/README.md "Event frame" — also pinned in the
// firmware's test/test_core.c (bc_ad_event), so both encoders agree on it.
const EXAMPLE_AD = '020106' + '15ff' + 'ffff' + '5450' + '01' + '00' + '00000102' + '0011' + '0011223344556677';

describe('Touchpoint event frame', () => {
  it('encodes the README example: count 258, last event 1.7 s ago, device id', () => {
    const ad = encodeEventAdvertisement({ companyId: 0xffff, eventCount: 258, lastEventAgeDs: 17, idKind: 'device', id: '0011223344556677' });
    expect(toHex(ad)).toBe(EXAMPLE_AD);
  });

  it('decodes it from the manufacturer data the AD parser splits out', () => {
    const m = decodeAdvertisement(hexToBytes(EXAMPLE_AD)).ad.manufacturerData;
    expect(m).toHaveLength(1);
    expect(decodeEventFrame(m[0]!.data)).toEqual({
      ok: true,
      frame: { type: 'touchpoint-event', companyId: 0xffff, eventCount: 258, lastEventAgeDs: 17, idKind: 'device', id: '0011223344556677' },
    });
  });

  it('keeps an EID id flagged and "no event yet" as null', () => {
    const bytes = encodeEventFrame({ companyId: 0x0059, eventCount: 0, lastEventAgeDs: null, idKind: 'eid', id: 'a9b76a71c5f89290' });
    expect(toHex(bytes)).toBe('5900' + '5450' + '01' + '01' + '00000000' + 'ffff' + 'a9b76a71c5f89290');
    expect(decodeEventFrame(bytes)).toMatchObject({ ok: true, frame: { idKind: 'eid', lastEventAgeDs: null, companyId: 0x59 } });
  });

  it('refuses other vendors, other versions, wrong lengths and reserved flags', () => {
    expect(decodeEventFrame(hexToBytes('4c000215'))).toMatchObject({ ok: false, offset: 2 });
    const good = hexToBytes(EXAMPLE_AD.slice(10));
    expect(decodeEventFrame(Uint8Array.from([...good.subarray(0, 4), 2, ...good.subarray(5)]))).toMatchObject({ ok: false, offset: 4 });
    expect(decodeEventFrame(good.subarray(0, 19))).toMatchObject({ ok: false, offset: 19 });
    expect(decodeEventFrame(Uint8Array.from([...good, 0]))).toMatchObject({ ok: false });
    const flagged = good.slice();
    flagged[5] = 0x02;
    expect(decodeEventFrame(flagged)).toMatchObject({ ok: false, offset: 5 });
  });

  it('round-trips every frame and never throws on random bytes', () => {
    const frame = fc.record({
      companyId: fc.integer({ min: 0, max: 0xffff }),
      eventCount: fc.integer({ min: 0, max: 0xffffffff }),
      lastEventAgeDs: fc.option(fc.integer({ min: 0, max: 0xfffe })),
      idKind: fc.constantFrom('eid' as const, 'device' as const),
      id: fc.uint8Array({ minLength: 8, maxLength: 8 }).map((b) => toHex(b)),
    });
    fc.assert(fc.property(frame, (f) => {
      expect(decodeEventFrame(encodeEventFrame(f))).toEqual({ ok: true, frame: { type: 'touchpoint-event', ...f } });
    }));;
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), (b) => void decodeEventFrame(b)));
  });
});
