/** export-audience: the hashed user group of an item ([0253]–[0264]) as a CSV a platform can match. */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { exportAudience } from './audience.js';
import { parseCsv } from './csv.js';
import { closeHarnesses, DEVICE_A, DEVICE_B, DEVICE_C, harness, OTHER_BEACON, sensorComm, T0, userComm } from './test-support.js';

afterEach(closeHarnesses);

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const rows = (csv: string) => {
  const r = parseCsv(csv);
  if (!r.ok) throw new Error(r.reason);
  return r.rows;
};

/** Three shoppers pass the glove's threshold: a CRM customer, an anonymous one, one without consent. */
function scenario() {
  const h = harness({
    crm: true,
    items: [
      { itemId: 'sku-88412', stock: 1 },
      { itemId: 'sneaker-x1', stock: 1, sensorIds: [OTHER_BEACON] },
    ],
  });
  h.feed(userComm({ deviceId: DEVICE_A, ts: T0, identity: { email: 'Person@Example.com' } }));
  h.feed(userComm({ deviceId: DEVICE_B, ts: T0, identity: { email: 'stranger@example.com', phone: '+1 415 555 0100' } }));
  h.feed(userComm({ deviceId: DEVICE_C, ts: T0, consent: false }));
  h.feed(sensorComm({ seq: 1, ts: T0 + 1000, type: 'hold', durationMs: 8000 }));
  // Someone else passes for another item only.
  h.feed(userComm({ deviceId: 'install-eeeeeeeeeeeeeeee', ts: T0, sensorId: OTHER_BEACON, identity: { email: 'dana@example.com' } }));
  h.feed(sensorComm({ seq: 2, ts: T0 + 1000, sensorId: OTHER_BEACON, type: 'hold', item: { itemId: 'sneaker-x1' } }));
  return h;
}

describe('export-audience', () => {
  it('google-v1: CRM customers with every email and phone on file, consenting anonymous shoppers with what they sent', () => {
    const h = scenario();
    const r = exportAudience(h.store, 'sku-88412', 'google-v1');
    if (!r.ok) throw new Error(r.reason);
    expect(r.members).toBe(2); // DEVICE_C withdrew consent
    expect(rows(r.csv)).toEqual([
      ['Email', 'Phone'],
      // C-1001: Person@Example.com → 542d2401… (Snap docs vector, protocols.md §6.3) and +16502531234 → e101d133…
      ['542d240129883c019e106e3b1b2d3f3cb3537c43c425364de8e951d5a3083345', 'e101d1333c2310c83a1f96c4e0c12aa18b151ee0baaa2db3998ee3797d74b685'],
      [sha('stranger@example.com'), sha('+14155550100')],
    ]);
    expect(r.csv.endsWith('\r\n')).toBe(true);
  });

  it('meta-v1: Meta’s column names and normalisation; hashes sent under google-v1 cannot be re-hashed and are left out', () => {
    const h = scenario();
    const r = exportAudience(h.store, 'sku-88412', 'meta-v1');
    if (!r.ok) throw new Error(r.reason);
    expect(rows(r.csv)).toEqual([
      ['email', 'phone', 'fn', 'ln'],
      [sha('person@example.com'), sha('16502531234'), sha('pat'), sha('person')],
    ]);
  });

  it('lists only the item asked for, and refuses labels no platform can match', () => {
    const h = scenario();
    const other = exportAudience(h.store, 'sneaker-x1', 'google-v1');
    expect(other.ok && rows(other.csv)).toEqual([['Email'], [sha('dana@example.com')]]);
    const none = exportAudience(h.store, 'no-such-item', 'google-v1');
    expect(none.ok && rows(none.csv)).toEqual([['Email', 'Phone']]);
    expect(exportAudience(h.store, 'sku-88412', 'google-v1+hmac-sha256')).toMatchObject({ ok: false, reason: expect.stringMatching(/keyed/) });
    expect(exportAudience(h.store, 'sku-88412', 'tiktok-v1')).toMatchObject({ ok: false, reason: expect.stringMatching(/unknown hashing standard/) });
  });
});
