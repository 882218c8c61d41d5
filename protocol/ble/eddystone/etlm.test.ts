import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { hexToBytes } from '../bytes.js';
import type { EddystoneTlm } from './frames.js';
import { openEtlm, sealTlm } from './etlm.js';

// E3 [DERIVED] shared/docs/protocols.md §2.5: IK 0102…1516, t=2000, K=10, salt 0x1234,
// plaintext 0BFE1C000000070800003E7C (3070 mV, 28 °C, 1800 PDUs, 1599.6 s).
const IK = hexToBytes('0102030405060708090A111213141516');
const T4: EddystoneTlm = { type: 'eddystone-tlm', batteryMv: 3070, temperatureC: 28, advCount: 1800, uptimeS: 1599.6 };

describe('encrypted TLM frames', () => {
  it('seals T4 into the E3 frame', () => {
    expect(sealTlm(T4, IK, 10, 2000, 0x1234)).toEqual({ type: 'eddystone-etlm', etlm: '5ee3e36fa4efabeed8b5f761', salt: 0x1234, mic: '50eb' });
  });
  it('opens E3 at any time inside the same 2^K quantum, not outside it', () => {
    const f = { type: 'eddystone-etlm' as const, etlm: '5ee3e36fa4efabeed8b5f761', salt: 0x1234, mic: '50eb' };
    expect(openEtlm(f, IK, 10, 1024)).toEqual(T4);
    expect(openEtlm(f, IK, 10, 2047)).toEqual(T4);
    expect(openEtlm(f, IK, 10, 2048)).toBeNull();
    expect(openEtlm({ ...f, mic: '50ec' }, IK, 10, 2000)).toBeNull();
  });
  it('round-trips any TLM with any key, and a different key fails', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.integer({ min: 0, max: 15 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 1, max: 0xffff }),
        fc.integer({ min: 0, max: 0xffffffff }),
        (key, k, t, salt, mv, adv) => {
          const tlm: EddystoneTlm = { type: 'eddystone-tlm', batteryMv: mv, temperatureC: null, advCount: adv, uptimeS: 12.3 };
          const sealed = sealTlm(tlm, key, k, t, salt);
          expect(openEtlm(sealed, key, k, t)).toEqual(tlm);
          const other = key.slice();
          other[0]! ^= 1;
          // a 2-byte MIC lets 1 in 65 536 wrong keys through; the rest must fail
          const wrong = openEtlm(sealed, other, k, t);
          if (wrong !== null) expect(wrong).not.toEqual(tlm);
        },
      ),
      { numRuns: 300 },
    );
  });
});
