import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RADIO_HEADER_BYTES, decodeRadioPacket, encodeRadioPacket } from './wire.js';

describe('simulated radio datagram', () => {
  it('lays out version, RSSI, address (written order), address type, AD length, AD', () => {
    // AD = flags 0x06 only (Core Spec Supplement Part A §1.3)
    const d = encodeRadioPacket({ address: 'AA:BB:CC:DD:EE:01', addressType: 'random', rssi: -70, adv: Uint8Array.of(0x02, 0x01, 0x06) });
    expect(Buffer.from(d).toString('hex')).toBe('01' + 'ba' + 'aabbccddee01' + '01' + '03' + '020106');
    expect(decodeRadioPacket(d)).toEqual({ ok: true, packet: { address: 'aa:bb:cc:dd:ee:01', addressType: 'random', rssi: -70, adv: Uint8Array.of(2, 1, 6) } });
  });

  it('refuses what is not a version-1 datagram, with the offset of the problem', () => {
    expect(decodeRadioPacket(new Uint8Array(9))).toMatchObject({ ok: false, offset: 0 });
    expect(decodeRadioPacket(Uint8Array.of(2, 0, 0, 0, 0, 0, 0, 0, 0, 0))).toMatchObject({ ok: false, reason: 'unsupported version 2' });
    expect(decodeRadioPacket(Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0, 7, 0))).toMatchObject({ ok: false, offset: 8 });
    expect(decodeRadioPacket(Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0xaa))).toMatchObject({ ok: false, offset: 9 });
    expect(decodeRadioPacket(Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xaa))).toMatchObject({ ok: false, offset: 9 });
  });

  it('encoder refuses a sender\'s mistakes', () => {
    const ok = { address: 'aa:bb:cc:dd:ee:ff', addressType: 'public' as const, rssi: -1, adv: new Uint8Array(3) };
    expect(() => encodeRadioPacket({ ...ok, address: 'aa:bb' })).toThrow(RangeError);
    expect(() => encodeRadioPacket({ ...ok, rssi: -129 })).toThrow(RangeError);
    expect(() => encodeRadioPacket({ ...ok, adv: new Uint8Array(256) })).toThrow(RangeError);
    expect(() => encodeRadioPacket({ ...ok, addressType: 'x' as never })).toThrow(RangeError);
  });

  it('property: round-trips every packet', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 6, maxLength: 6 }),
        fc.constantFrom('public' as const, 'random' as const, 'unknown' as const),
        fc.integer({ min: -128, max: 127 }),
        fc.uint8Array({ maxLength: 255 }),
        (addr, addressType, rssi, adv) => {
          const address = Array.from(addr, (b) => b.toString(16).padStart(2, '0')).join(':');
          const d = encodeRadioPacket({ address, addressType, rssi, adv });
          expect(d.length).toBe(RADIO_HEADER_BYTES + adv.length);
          expect(decodeRadioPacket(d)).toEqual({ ok: true, packet: { address, addressType, rssi, adv } });
        },
      ),
    );
  });

  it('property: decoding random bytes never throws and never reads past the end', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const r = decodeRadioPacket(bytes);
        if (r.ok) expect(RADIO_HEADER_BYTES + r.packet.adv.length).toBe(bytes.length);
        else expect(r.offset).toBeLessThanOrEqual(bytes.length);
      }),
    );
  });
});
