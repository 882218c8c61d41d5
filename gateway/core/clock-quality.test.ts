import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClockQuality } from './clock-quality.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('systemClockQuality', () => {
  it('reports synced once the timesyncd flag exists, re-reading after the cache period', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tp-clock-'));
    dirs.push(dir);
    const flag = join(dir, 'synchronized');
    let t = 0;
    const q = systemClockQuality(flag, 1000, () => t);
    expect(q()).toEqual({ synced: false, offsetMs: 0, source: 'none' });
    writeFileSync(flag, '');
    t = 500;
    expect(q().synced).toBe(false); // cached
    t = 1000;
    expect(q()).toEqual({ synced: true, offsetMs: 0, source: 'ntp' });
  });
});
