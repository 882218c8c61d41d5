import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeFrame } from '../../protocol/ble/frames.js';
import { hexToBytes } from '../../protocol/ble/bytes.js';
import { advertisementFromAd, advertisementFromNoble, decodeRadioAdvertisement, dedupeKey, normalizeAddress } from './advertisement.js';

const at = { wallMs: 1, monoMs: 2 };

describe('advertisementFromAd', () => {
  it('splits vector I1 (protocols.md §1.1) into manufacturer data, copied out of the input', () => {
    const ad = hexToBytes('02011A1AFF4C00021583256B7478D043A4826905F9DC8A44BA00100020C6');
    const a = advertisementFromAd('aa:bb:cc:dd:ee:ff', 'public', -59, ad, at);
    expect(a.manufacturerData.map((m) => Buffer.from(m).toString('hex'))).toEqual(['4c00021583256b7478d043a4826905f9dc8a44ba00100020c6']);
    ad.fill(0);
    expect(a.manufacturerData[0]![0]).toBe(0x4c);
    expect(decodeRadioAdvertisement(a).frames).toEqual([{ type: 'ibeacon', uuid: '83256b74-78d0-43a4-8269-05f9dc8a44ba', major: 16, minor: 32, measuredPower: -58 }]);
  });

  it('takes local name and Tx power level when present', () => {
    // flags, Tx Power −4 dBm, Complete Local Name "TP"
    const a = advertisementFromAd('aa:bb:cc:dd:ee:ff', 'random', -70, hexToBytes('020106 020afc 03095450'), at);
    expect(a.localName).toBe('TP');
    expect(a.txPowerLevel).toBe(-4);
  });

  it('property: never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const a = advertisementFromAd('aa:bb:cc:dd:ee:ff', 'unknown', 0, bytes, at);
        decodeRadioAdvertisement(a);
      }),
    );
  });
});

describe('advertisementFromNoble', () => {
  it('normalises noble\'s 128-bit service-data UUID to the dashed form protocol/ble uses', () => {
    const a = advertisementFromNoble(
      {
        id: 'aabbccddeeff',
        address: 'AA:BB:CC:DD:EE:FF',
        addressType: 'random',
        rssi: -50,
        advertisement: { serviceData: [{ uuid: '0000feaa00001000800000805f9b34fb', data: Buffer.from([1]) }, { uuid: 'feaa', data: Buffer.from([2]) }] },
      },
      at,
    );
    expect(a!.address).toBe('aa:bb:cc:dd:ee:ff');
    expect(a!.serviceData.map((s) => s.uuid)).toEqual(['0000feaa-0000-1000-8000-00805f9b34fb', 'feaa']);
  });
  it('falls back to the id when noble has no address (macOS) and refuses garbage', () => {
    expect(advertisementFromNoble({ id: 'aabbccddeeff', address: 'unknown' }, at)!.address).toBe('aa:bb:cc:dd:ee:ff');
    expect(advertisementFromNoble({ id: 'not-an-address' }, at)).toBeNull();
    expect(normalizeAddress('aa-bb-cc-dd-ee-f')).toBeNull();
  });
});

describe('dedupeKey', () => {
  it('differs by payload and address, not by RSSI or time', () => {
    const uid = encodeFrame({ type: 'eddystone-uid', namespace: '8b0ca750095477cb3e77', instance: 'aabbccddeeff', txPower: -18 });
    const url = encodeFrame({ type: 'eddystone-url', url: 'https://www.example.com', txPower: -18 });
    const k = (addr: string, ad: Uint8Array, rssi: number) => dedupeKey(advertisementFromAd(addr, 'random', rssi, ad, { wallMs: rssi, monoMs: rssi }));
    expect(k('aa:bb:cc:dd:ee:ff', uid, -40)).toBe(k('aa:bb:cc:dd:ee:ff', uid, -90));
    expect(k('aa:bb:cc:dd:ee:ff', uid, -40)).not.toBe(k('aa:bb:cc:dd:ee:ff', url, -40));
    expect(k('aa:bb:cc:dd:ee:ff', uid, -40)).not.toBe(k('aa:bb:cc:dd:ee:00', uid, -40));
  });
});
