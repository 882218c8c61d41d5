/**
 * What `npm start -- --duration N` promises: the whole chain on real parts (aedes, ptys with
 * serialport, the sim radio, SQLite, MQTT) delivers every accepted sensor communication, none lost.
 */
import { describe, expect, it } from 'vitest';
import { runStoreDemo } from './store-demo.js';

describe('npm start (store demo)', () => {
  it('delivers every sensor communication the gateway accepted, none lost or duplicated', async () => {
    const lines: string[] = [];
    const s = await runStoreDemo({ durationS: 13, seed: 1, out: (l) => lines.push(l) });
    expect(s.sensorCommunications).toBeGreaterThan(0);
    expect(s.sensorCommunications).toBe(s.accepted);
    expect(s.lost).toBe(0);
    expect(s.duplicates).toBe(0);
    expect(s.invalid).toBe(0);
    // the shopper scenario walks up to the shelf and holds pad 3 within the first 13 s
    expect(Object.keys(s.byType)).toEqual(expect.arrayContaining(['approach', 'hold']));
    expect(lines.some((l) => /^seq +0 /.test(l))).toBe(true);
  }, 60_000);
});
