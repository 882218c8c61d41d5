import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SequenceTracker, type SensorRef } from './sequence-tracker.js';

const ref = (seq: number, boot = 'b1', gatewayId = 'gw-a', siteId = 'store-12'): SensorRef => ({
  siteId,
  gatewayId,
  seq,
  messageId: `${gatewayId}:${boot}:${seq}`,
});

describe('SequenceTracker', () => {
  it('an in-order stream has no loss and no duplicates', () => {
    const t = new SequenceTracker();
    for (let s = 10; s < 20; s++) {
      const r = t.observe(ref(s));
      expect(r).toMatchObject({ duplicate: false, late: false });
      expect(r.gap).toBeUndefined();
    }
    expect(t.summary()).toMatchObject({ sensorCommunications: 10, lost: 0, duplicates: 0, conflicts: 0 });
    expect(t.gateway('store-12/gw-a')).toMatchObject({ firstSeq: 10, lastSeq: 19, missing: [] });
  });

  it('reports a gap when it opens and counts it as lost until it fills', () => {
    const t = new SequenceTracker();
    t.observe(ref(0));
    t.observe(ref(1));
    expect(t.observe(ref(5)).gap).toEqual({ from: 2, to: 4 });
    expect(t.summary().lost).toBe(3);
    expect(t.gateway('store-12/gw-a')!.missing).toEqual([[2, 4]]);
    expect(t.observe(ref(3))).toMatchObject({ late: true, duplicate: false });
    expect(t.summary().lost).toBe(2);
    expect(t.gateway('store-12/gw-a')!.missing).toEqual([
      [2, 2],
      [4, 4],
    ]);
    t.observe(ref(2));
    t.observe(ref(4));
    expect(t.summary().lost).toBe(0);
  });

  it('counts a repeated messageId as a duplicate, and the same seq with another messageId also as a conflict', () => {
    const t = new SequenceTracker();
    t.observe(ref(7, 'b1'));
    expect(t.observe(ref(7, 'b1'))).toMatchObject({ duplicate: true, conflict: false });
    expect(t.observe(ref(7, 'b2'))).toMatchObject({ duplicate: true, conflict: true });
    expect(t.summary()).toMatchObject({ sensorCommunications: 1, duplicates: 2, conflicts: 1, lost: 0 });
  });

  it('seq continues across a restart: a new bootId is reported but a gap across it is still a gap', () => {
    const t = new SequenceTracker();
    t.observe(ref(0, 'boot-1'));
    t.observe(ref(1, 'boot-1'));
    const restart = t.observe(ref(2, 'boot-2'));
    expect(restart.newBoot).toBe(true);
    expect(restart.gap).toBeUndefined();
    expect(t.summary().lost).toBe(0);
    expect(t.observe(ref(5, 'boot-3'))).toMatchObject({ newBoot: true, gap: { from: 3, to: 4 } });
    expect(t.summary().lost).toBe(2);
    expect(t.gateway('store-12/gw-a')!.boots).toEqual(['boot-1', 'boot-2', 'boot-3']);
  });

  it('keeps gateways apart, including equal gateway IDs at different sites', () => {
    const t = new SequenceTracker();
    t.observe(ref(0, 'b', 'gw-a', 's1'));
    t.observe(ref(0, 'b', 'gw-a', 's2'));
    t.observe(ref(2, 'b', 'gw-a', 's2'));
    const s = t.summary();
    expect(Object.keys(s.gateways).sort()).toEqual(['s1/gw-a', 's2/gw-a']);
    expect(s.gateways['s1/gw-a']!.lost).toBe(0);
    expect(s.gateways['s2/gw-a']!.lost).toBe(1);
    expect(s.duplicates).toBe(0);
  });

  it('property: matches a naive model for any arrival order with repeats', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(200), { maxLength: 300 }), (seqs) => {
        const t = new SequenceTracker();
        for (const s of seqs) t.observe(ref(s));
        const unique = new Set(seqs);
        const sum = t.summary();
        expect(sum.sensorCommunications).toBe(unique.size);
        expect(sum.duplicates).toBe(seqs.length - unique.size);
        const lost = unique.size === 0 ? 0 : Math.max(...unique) - Math.min(...unique) + 1 - unique.size;
        expect(sum.lost).toBe(lost);
        const g = t.gateway('store-12/gw-a');
        if (g) {
          const missing = g.missing.flatMap(([a, b]) => Array.from({ length: b - a + 1 }, (_, i) => a + i));
          for (const m of missing) expect(unique.has(m)).toBe(false);
          if (g.missing.length < 20) expect(missing.length).toBe(lost);
        }
      }),
    );
  });
});
