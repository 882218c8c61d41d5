/**
 * What `npm start` promises, on real parts: aedes on 127.0.0.1, the virtual store with phones, the
 * three gateways of the example layout (sim radio over UDP, radar and touch on ptys, SQLite
 * outboxes), the reference backend — and the live map, opened in real headless Chromium (Debian's
 * `chromium`, driven by playwright-core) while the store runs.
 *
 * Without Chromium the map test is skipped and says why in its name; `.ci/run` installs Chromium
 * and sets TOUCHPOINT_REQUIRE_CHROMIUM=1, under which a missing browser is a failure.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../provision/package-root.js';
import { type StoreLoopResult, runStoreLoop } from './store-loop.js';

const CHROMIUM = process.env.TOUCHPOINT_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.TOUCHPOINT_REQUIRE_CHROMIUM === '1') {
  throw new Error(`TOUCHPOINT_REQUIRE_CHROMIUM=1 but ${CHROMIUM} does not exist (apt-get install chromium)`);
}
export const SCREENSHOT = join(packageRoot(), 'artifacts', 'store-map.png');

let result: Promise<StoreLoopResult>;
const abort = new AbortController();
const lines: string[] = [];
let mapUrl: Promise<string>;

beforeAll(() => {
  let gotUrl!: (u: string) => void;
  mapUrl = new Promise((r) => (gotUrl = r));
  result = runStoreLoop({
    seed: 3,
    speed: 8,
    durationS: 120, // the tests below end it earlier
    ui: { port: 0 },
    out: (l) => void lines.push(l),
    signal: abort.signal,
    onReady: ({ mapUrl: u }) => gotUrl(u!),
  });
  // a failure before onReady must fail the tests, not hang them
  void result.catch((e: unknown) => gotUrl(`error: ${String(e)}`));
});

afterAll(async () => {
  abort.abort();
  await result.catch(() => {});
}, 30_000);

describe(`the live store map in headless Chromium${haveChromium ? '' : ` (skipped: no browser at ${CHROMIUM}; apt-get install chromium)`}`, () => {
  it.runIf(haveChromium)('shows the floor plan, shoppers moving and a match, live over the WebSocket, and saves a screenshot', async () => {
    const url = await mapUrl;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => void errors.push(e.message));
      await page.goto(url);
      await page.locator('#status[data-state="live"]').waitFor({ timeout: 15_000 });
      // the plan: every display of the layout, from the hello message
      await expect.poll(() => page.locator('[data-display]').count(), { timeout: 15_000 }).toBe(12);
      await page.locator('[data-shopper]').first().waitFor({ timeout: 60_000 });
      await page.locator('#match-feed li').first().waitFor({ timeout: 60_000 });
      const matches = Number(await page.locator('#count-match').textContent());
      expect(matches).toBeGreaterThan(0);
      expect(Number(await page.locator('#count-sensor').textContent())).toBeGreaterThan(0);
      expect(Number(await page.locator('#count-user').textContent())).toBeGreaterThan(0);
      mkdirSync(join(packageRoot(), 'artifacts'), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      expect(existsSync(SCREENSHOT)).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 120_000);
});

describe('npm start: the whole loop', () => {
  it('delivers every accepted sensor communication (none lost or duplicated), and phones, matches and content items all happen', async () => {
    // enough store time for shoppers to stop, pick up, get matched and shown content
    await expect.poll(() => lines.some((l) => l.includes('phone shows')), { timeout: 90_000, interval: 500 }).toBe(true);
    abort.abort();
    const { summary, score } = await result;
    expect(summary.sensorCommunications).toBeGreaterThan(0);
    expect(summary.sensorCommunications).toBe(summary.accepted);
    expect(summary.lost).toBe(0);
    expect(summary.duplicates).toBe(0);
    expect(summary.invalid).toBe(0);
    expect(summary.userCommunications).toBeGreaterThan(0);
    expect(summary.matches).toBeGreaterThan(0);
    expect(summary.contentItems).toBeGreaterThan(0);
    expect(summary.contentShown).toBeGreaterThan(0);
    // Live, a phone's last user communications can still be in flight when the store closes, so
    // recall is not exactly 1 as in the replay (store-replay.test.ts); nearly every pair is found.
    expect(score.recall).toBeGreaterThan(0.9);
    expect(score.unknownUserCommunications).toBe(0);
    expect(lines.some((l) => l.includes(' MATCH '))).toBe(true);
  }, 150_000);
});
