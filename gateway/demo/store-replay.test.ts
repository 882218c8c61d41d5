/**
 * "A seeded run yields the same matches every time": the store loop in virtual time (store-replay.ts)
 * twice with one seed gives identical sensor communications and matches, and those are the matches
 * recorded in __snapshots__/ — a change to the simulator, the pipeline or the matcher that moves
 * them shows up here as a diff to review (`npx vitest run gateway/demo/store-replay.test.ts -u`
 * to accept it). The live loop (store-loop.test.ts) runs on the wall clock and is checked for
 * completeness, not for exact matches.
 */
import { describe, expect, it } from 'vitest';
import { type StoreReplayResult, replayStore } from './store-replay.js';

const RUN = { layout: 'examples/store-apparel.yaml', items: 'examples/store-apparel-items.yaml', seed: 1, durationS: 240 };

/** One line per match: which gateway message, which phone message, what and how far apart. */
const lines = (r: StoreReplayResult) => r.matches.map((m) => `${m.sensorMessageId} ${m.interactionType.padEnd(9)} ${m.sensorId} ↔ ${m.userMessageId} Δ${m.deltaMs}${m.referenced ? ' crm' : ''}`).join('\n') + '\n';

describe('store replay (virtual time)', () => {
  it('the same seed gives the same sensor communications and the same matches, twice and as recorded', async () => {
    const a = await replayStore(RUN);
    const b = await replayStore(RUN);
    expect(b.sensorCommunications).toEqual(a.sensorCommunications);
    expect(b.matches).toEqual(a.matches);
    expect(a.matches.length).toBeGreaterThan(50);
    expect(a.contentItems).toBeGreaterThan(0);
    expect(a.store.contentShown).toBe(a.contentItems);
    expect(new Set(a.sensorCommunications.map((s) => s.interaction.type))).toEqual(new Set(['approach', 'view', 'touch', 'hold', 'dwell', 'proximity', 'left']));
    await expect(lines(a)).toMatchFileSnapshot('./__snapshots__/store-replay-seed1.txt');
    const s = a.score;
    await expect(
      JSON.stringify({ sensorCommunications: a.sensorCommunications.length, userCommunications: a.userCommunications, contentItems: a.contentItems, score: { ...s, precision: +s.precision.toFixed(3), recall: +s.recall.toFixed(3) } }, null, 1) + '\n',
    ).toMatchFileSnapshot('./__snapshots__/store-replay-seed1.summary.json');
    // a different seed is a different store
    const c = await replayStore({ ...RUN, seed: 2, durationS: 60 });
    expect(lines(c)).not.toBe(lines(a));
  }, 120_000);
});
