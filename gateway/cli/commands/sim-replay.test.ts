import { describe, expect, it } from 'vitest';
import { cli } from '../test-support.js';

describe('touchpoint sim replay', () => {
  it('prints counts and match precision/recall for a seed, the same on every run', async () => {
    const args = ['sim', 'replay', '--layout', 'examples/store-apparel.yaml', '--items', 'examples/store-apparel-items.yaml', '--duration', '90', '--seed', '4'];
    const a = await cli(...args);
    expect(a.err).toEqual([]);
    expect(a.code).toBe(0);
    const r = JSON.parse(a.out.at(-1)!) as { replay: Record<string, number> };
    expect(r.replay).toMatchObject({ seed: 4, storeSeconds: 90 });
    expect(r.replay.sensorCommunications).toBeGreaterThan(0);
    expect(r.replay.matchPrecision).toBeGreaterThan(0);
    expect(r.replay.matchPrecision).toBeLessThanOrEqual(1);
    expect((await cli(...args)).out).toEqual(a.out);
  }, 60_000);

  it('a narrower match window than the truth window loses recall', async () => {
    const run = async (w: string) => (JSON.parse((await cli('sim', 'replay', '--layout', 'examples/store-apparel.yaml', '--duration', '240', '--window-ms', w)).out.at(-1)!) as { replay: { matchRecall: number } }).replay;
    expect((await run('5000')).matchRecall).toBe(1);
    expect((await run('1000')).matchRecall).toBeLessThan(0.6);
  }, 60_000);
});
