import { describe, expect, it } from 'vitest';
import { hexToBytes } from '../../protocol/ble/bytes.js';
import { type EidConfig, type FrameSlot, beaconSecondsAt, createFrameRenderer, validateSlots } from './beacon-frames.js';

const IK = hexToBytes('0102030405060708090a111213141516');
const WALL = Date.UTC(2025, 0, 6);

describe('frame renderer', () => {
  it('TLM: vector T1 (protocols.md §2.4, google/eddystone TlmValidatorTest) from readings and counters', () => {
    const r = createFrameRenderer();
    const out = r.render({ type: 'eddystone-tlm', batteryMv: () => 5000, temperatureC: 21 }, { wallMs: WALL, uptimeS: 0.1, advCount: 1 });
    expect(Buffer.from(out.adv).toString('hex')).toBe('0201060303aafe1116aafe20001388150000000001' + '00000001');
  });

  it('eTLM: vector E3 (protocols.md §2.5, derived) — T4 values sealed at t = 2000, K = 10, salt 0x1234', () => {
    const eid: EidConfig = { identityKey: IK, exponent: 10, beaconSecondsAt: 2000, wallMsAt: WALL };
    const r = createFrameRenderer({ eid, random16: () => 0x1234 });
    const out = r.render({ type: 'eddystone-etlm', batteryMv: 3070, temperatureC: 28 }, { wallMs: WALL + 999, uptimeS: 1599.6, advCount: 1800 });
    expect(Buffer.from(out.adv).toString('hex')).toBe('0201060303aafe1516aafe' + '20015ee3e36fa4efabeed8b5f761123450eb');
  });

  it('EID: vector D1 (protocols.md §2.6), computed once per quantum', () => {
    const eid: EidConfig = { identityKey: IK, exponent: 10, beaconSecondsAt: 0, wallMsAt: WALL };
    const r = createFrameRenderer({ eid });
    const slot: FrameSlot = { type: 'eddystone-eid', txPower: -18 };
    for (const s of [0, 1, 500, 1023]) {
      expect(Buffer.from(r.render(slot, { wallMs: WALL + s * 1000, uptimeS: 0, advCount: 0 }).adv).toString('hex')).toBe('0201060303aafe0d16aafe30eea9b76a71c5f89290');
    }
    expect(r.eidComputations).toBe(1);
    r.render(slot, { wallMs: WALL + 1024_000, uptimeS: 0, advCount: 0 });
    expect(r.eidComputations).toBe(2);
  });

  it('a reading that is not a number goes out as "not supported"; ADV_CNT wraps at 2^32', () => {
    const r = createFrameRenderer();
    const out = r.render({ type: 'eddystone-tlm', temperatureC: () => Number.NaN }, { wallMs: WALL, uptimeS: 0, advCount: 2 ** 32 + 5 });
    expect(out.frame).toEqual({ type: 'eddystone-tlm', batteryMv: null, temperatureC: null, advCount: 5, uptimeS: 0 });
  });

  it('the beacon clock refuses times outside its 32-bit counter; slots are checked up front', () => {
    const eid: EidConfig = { identityKey: IK, exponent: 10, beaconSecondsAt: 5, wallMsAt: WALL };
    expect(beaconSecondsAt(eid, WALL + 2500)).toBe(7);
    expect(() => beaconSecondsAt(eid, WALL - 10_000)).toThrow(RangeError);
    expect(() => validateSlots([{ type: 'eddystone-etlm' }], undefined)).toThrow(/needs the eid/);
    expect(() => validateSlots([{ type: 'eddystone-eid', txPower: 0 }], { ...eid, identityKey: new Uint8Array(3) })).toThrow(RangeError);
  });
});
