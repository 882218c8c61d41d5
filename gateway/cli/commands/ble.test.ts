import { describe, expect, it } from 'vitest';
import { cli } from '../test-support.js';

describe('touchpoint decode ble', () => {
  it('prints the iBeacon of vector I1 with the documented fields', async () => {
    const r = await cli('decode', 'ble', '02011A1AFF4C00021583256B7478D043A4826905F9DC8A44BA00100020C6');
    expect(r.code).toBe(0);
    expect(r.json).toEqual([{ type: 'ibeacon', uuid: '83256b74-78d0-43a4-8269-05f9dc8a44ba', major: 16, minor: 32, measuredPower: -58 }]);
  });
  it('accepts hex with spaces, split over arguments', async () => {
    const r = await cli('decode', 'ble', '02 01 06 03 03 aa fe', '0d 16 aa fe 30 ee a9 b7 6a 71 c5 f8 92 90');
    expect(r.json).toEqual([{ type: 'eddystone-eid', eid: 'a9b76a71c5f89290', txPower: -18 }]);
  });
  it('prints {"type":"none"} for data without a beacon frame, exit 0', async () => {
    const r = await cli('decode', 'ble', '020106');
    expect(r.code).toBe(0);
    expect(r.out).toEqual(['{"type":"none"}']);
  });
  it('exits 2 with a one-line reason for invalid hex', async () => {
    const r = await cli('decode', 'ble', '02 01 0g');
    expect(r.code).toBe(2);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(/invalid hex character "g"/);
    const odd = await cli('decode', 'ble', '020');
    expect(odd.code).toBe(2);
    expect(odd.err[0]).toMatch(/odd number/);
  });
  it('keeps frames before a malformed structure and warns on stderr', async () => {
    const r = await cli('decode', 'ble', '1AFF4C00021583256B7478D043A4826905F9DC8A44BA00100020C6050941');
    expect(r.code).toBe(0);
    expect(r.json).toHaveLength(1);
    expect(r.err[0]).toMatch(/declares 5 bytes/);
  });
});

describe('touchpoint encode', () => {
  it('ibeacon → the exact bytes of vector I1 (flags 0x1A)', async () => {
    const r = await cli('encode', 'ibeacon', '--uuid', '83256B74-78D0-43A4-8269-05F9DC8A44BA', '--major', '16', '--minor', '32', '--measured-power', '-58', '--flags', '0x1a');
    expect(r.code).toBe(0);
    expect(r.out).toEqual(['02011a1aff4c00021583256b7478d043a4826905f9dc8a44ba00100020c6']);
  });
  it('altbeacon → vector A1', async () => {
    const r = await cli('encode', 'altbeacon', '--manufacturer-id', '0x0118', '--id1', '2f234454-cf6d-4a0f-adf2-f4911ba9ffa6', '--id2', '1', '--id3', '2', '--reference-rssi', '-59', '--reserved', '9', '--flags', '0x1a');
    expect(r.out).toEqual(['02011a1bff1801beac2f234454cf6d4a0fadf2f4911ba9ffa600010002c509']);
  });
  it('eddystone-url → vector R1 service data', async () => {
    const r = await cli('encode', 'eddystone-url', '--url', 'https://www.example.com', '--tx-power', '10');
    expect(r.out).toEqual(['0201060303aafe0e16aafe100a016578616d706c6507']);
  });
  it('eddystone-uid and eddystone-tlm decode back to what was asked', async () => {
    const uid = await cli('encode', 'eddystone-uid', '--namespace', '8b0ca750095477cb3e77', '--instance', 'aabbccddeeff', '--tx-power', '-18');
    expect((await cli('decode', 'ble', uid.out[0]!)).json).toEqual([{ type: 'eddystone-uid', namespace: '8b0ca750095477cb3e77', instance: 'aabbccddeeff', txPower: -18 }]);
    const tlm = await cli('encode', 'eddystone-tlm', '--battery-mv', '5000', '--temperature', '21', '--adv-count', '1', '--uptime', '0.1');
    expect(tlm.out).toEqual(['0201060303aafe1116aafe20001388150000000001000000' + '01']); // T1
    const none = await cli('encode', 'eddystone-tlm', '--uptime', '3600');
    expect((await cli('decode', 'ble', none.out[0]!)).json).toEqual([{ type: 'eddystone-tlm', batteryMv: null, temperatureC: null, advCount: 0, uptimeS: 3600 }]);
  });
  it('eddystone-eid from identity key and time → vector D1', async () => {
    const r = await cli('encode', 'eddystone-eid', '--identity-key', '0102030405060708090a111213141516', '--exponent', '10', '--time', '0');
    expect(r.out).toEqual(['0201060303aafe0d16aafe30eea9b76a71c5f89290']);
  });
  it('refuses bad values with exit 2', async () => {
    expect((await cli('encode', 'ibeacon', '--uuid', 'nope', '--major', '1', '--minor', '2')).code).toBe(2);
    expect((await cli('encode', 'ibeacon', '--uuid', '83256b74-78d0-43a4-8269-05f9dc8a44ba', '--major', '70000', '--minor', '2')).code).toBe(2);
    const long = await cli('encode', 'eddystone-url', '--url', 'https://inbox.google.com/u/0/?pli=1');
    expect(long.code).toBe(2);
    expect(long.err.join('\n')).toMatch(/allows 17/);
    expect((await cli('encode', 'eddystone-eid')).code).toBe(2);
  });
});

describe('touchpoint eid', () => {
  // [SRC] RadiusNetworks/ephemeral_calc spec/encryptor_spec.rb: D1 (t=0) and D2 (t=2000)
  it('D1', async () => {
    const r = await cli('eid', '--identity-key', '0102030405060708090A111213141516', '--exponent', '10', '--time', '0');
    expect(r.out).toEqual(['{"eid":"a9b76a71c5f89290","temporaryKey":"6f291c5c48264b8a0b38a19e7fed73cc"}']);
  });
  it('D2', async () => {
    const r = await cli('eid', '--identity-key', '0102030405060708090A111213141516', '--exponent', '10', '--time', '2000');
    expect(r.json).toEqual([{ eid: '4144413e45fefa58', temporaryKey: '6f291c5c48264b8a0b38a19e7fed73cc' }]);
  });
  it('refuses a short key and a bad exponent', async () => {
    expect((await cli('eid', '--identity-key', '0102', '--exponent', '10', '--time', '0')).code).toBe(2);
    expect((await cli('eid', '--identity-key', '0102030405060708090A111213141516', '--exponent', '16', '--time', '0')).code).toBe(2);
  });
});
