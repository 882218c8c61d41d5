/**
 * Keeps the competitor benchmark honest: the objects handed to node-beacon-scanner carry exactly
 * what noble's own AD parser (hci-socket/gap.js, plain code, no Bluetooth needed) would give it, and
 * Touchpoint reads every correctness case the way its specification says.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { competitorMix, correctnessCases, correctnessTable, toNoblePeripheral } from './bench-competitors.js';

const require = createRequire(import.meta.url);
const Gap = require('@abandonware/noble/lib/hci-socket/gap.js') as { prototype: { parseServices: (...a: unknown[]) => Record<string, unknown> } };
const nobleAdvertisement = (adv: Uint8Array) => Gap.prototype.parseServices.call({ _discoveries: {} }, 'x', Buffer.from(adv), false, 0x03);

describe('competitor benchmark inputs', () => {
  it('builds the same manufacturer and service data noble would, for the mix and every correctness case', () => {
    for (const adv of [...competitorMix(), ...correctnessCases().map((c) => c.adv)]) {
      const ours = toNoblePeripheral(adv).advertisement;
      const noble = nobleAdvertisement(adv);
      expect(ours.manufacturerData).toEqual(noble.manufacturerData);
      expect(ours.serviceData).toEqual(noble.serviceData);
    }
  });

  it('Touchpoint gives the specified reading in every correctness case; node-beacon-scanner is run on each', () => {
    const rows = correctnessTable();
    expect(rows.filter((r) => !r.touchpointRight)).toEqual([]);
    for (const r of rows) expect(r.nodeBeaconScanner.length).toBeGreaterThan(0);
  });
});
