/**
 * How far the wall clock behind a timestamp can be trusted ([0207]: the backend widens or narrows
 * its match window by it). systemd-timesyncd touches /run/systemd/timesync/synchronized once the
 * clock is synchronised (timesyncd(8)); chrony and ntpd users get "unknown" until doctor grows a
 * probe for them. The offset is not measured here, so it is reported as 0 with `synced` telling
 * the receiver how much that is worth.
 */
import { existsSync } from 'node:fs';
import type { ClockQuality, ClockQualityProvider } from '../pipeline/types.js';

export const TIMESYNC_FLAG = '/run/systemd/timesync/synchronized';

/** Re-reads the flag at most every `cacheMs` so a busy pipeline does not stat a file per event. */
export function systemClockQuality(flagPath = TIMESYNC_FLAG, cacheMs = 10_000, now: () => number = Date.now): ClockQualityProvider {
  let at = -Infinity;
  let value: ClockQuality = { synced: false, offsetMs: 0, source: 'none' };
  return () => {
    const t = now();
    if (t - at >= cacheMs) {
      at = t;
      const synced = existsSync(flagPath);
      value = synced ? { synced: true, offsetMs: 0, source: 'ntp' } : { synced: false, offsetMs: 0, source: 'none' };
    }
    return value;
  };
}
