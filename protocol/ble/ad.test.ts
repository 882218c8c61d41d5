import { describe, expect, it } from 'vitest';
import { AD_TYPE, buildAdvertisingData, parseAdvertisingData } from './ad.js';
import { hexToBytes, toHex } from './bytes.js';

describe('AD structure parser', () => {
  it('reads every interpreted type, with multi-byte UUIDs little-endian on the wire', () => {
    const adv = buildAdvertisingData(
      [
        { type: AD_TYPE.flags, data: Uint8Array.of(0x06) },
        { type: AD_TYPE.uuid16Complete, data: hexToBytes('aafe0f18') },
        { type: AD_TYPE.uuid32Incomplete, data: hexToBytes('78563412') },
        { type: AD_TYPE.uuid128Complete, data: hexToBytes('95e2ed eb1b a0 398a df4b d3 8e 00 75 c8 a3'.replace(/ /g, '')) },
        { type: AD_TYPE.txPowerLevel, data: Uint8Array.of(0xf4) },
        { type: AD_TYPE.serviceData16, data: hexToBytes('aafe30') },
        { type: AD_TYPE.serviceData32, data: hexToBytes('7856341201') },
        { type: AD_TYPE.manufacturerData, data: hexToBytes('590001') },
        { type: AD_TYPE.shortName, data: new TextEncoder().encode('tp') },
      ],
      62,
    );
    const ad = parseAdvertisingData(adv);
    expect(ad.errors).toEqual([]);
    expect(ad.flags).toBe(6);
    // the Eddystone configuration service UUID a3c87500-8ed3-4bdf-8a39-a01bebede295, LE on air
    expect(ad.serviceUuids).toEqual(['feaa', '180f', '12345678', 'a3c87500-8ed3-4bdf-8a39-a01bebede295']);
    expect(ad.txPowerLevel).toBe(-12);
    expect(ad.serviceData.map((s) => [s.uuid, toHex(s.data)])).toEqual([['feaa', '30'], ['12345678', '01']]);
    expect(ad.manufacturerData.map((m) => [m.companyId, toHex(m.data)])).toEqual([[0x0059, '590001']]);
    expect(ad.localName).toBe('tp');
    expect(ad.structures.map((s) => s.type)).toEqual([1, 3, 4, 7, 0x0a, 0x16, 0x20, 0xff, 0x08]);
  });

  it('prefers the complete local name over the shortened one', () => {
    const ad = parseAdvertisingData(hexToBytes('03087470' + '0609746f756368'));
    expect(ad.localName).toBe('touch');
  });

  it('reports a structure of the wrong size with its offset and keeps the ones around it', () => {
    //          flags      tx power with 2 bytes (bad)   manufacturer data
    const ad = parseAdvertisingData(hexToBytes('020106' + '030af4f4' + '04ff59000a'));
    expect(ad.flags).toBe(6);
    expect(ad.manufacturerData).toHaveLength(1);
    expect(ad.errors).toEqual([{ reason: 'bad-length', offset: 3, type: 0x0a, message: 'AD type 0x0a at 3 has invalid data length 2' }]);
  });

  it('reports an odd-length 16-bit UUID list and a one-byte manufacturer structure', () => {
    const ad = parseAdvertisingData(hexToBytes('0403aafe01' + '02ff59'));
    expect(ad.errors.map((e) => [e.reason, e.offset])).toEqual([['bad-length', 0], ['bad-length', 5]]);
  });

  it('stops at a length that runs past the end, after keeping what came before', () => {
    const ad = parseAdvertisingData(hexToBytes('020106' + '1bff4c00'));
    expect(ad.flags).toBe(6);
    expect(ad.errors).toEqual([{ reason: 'length-overrun', offset: 3, type: 0xff, message: 'AD structure at 3 declares 27 bytes but only 3 remain' }]);
  });

  it('skips zero-length structures (padding) without error', () => {
    expect(parseAdvertisingData(hexToBytes('020106000000')).errors).toEqual([]);
    expect(parseAdvertisingData(new Uint8Array(31)).structures).toEqual([]);
  });

  it('refuses to build more than 31 bytes, or a structure over 254 bytes', () => {
    expect(() => buildAdvertisingData([{ type: AD_TYPE.manufacturerData, data: new Uint8Array(30) }])).toThrow(/32 bytes/);
    expect(() => buildAdvertisingData([{ type: AD_TYPE.manufacturerData, data: new Uint8Array(255) }], 1000)).toThrow(/too long/);
  });
});
