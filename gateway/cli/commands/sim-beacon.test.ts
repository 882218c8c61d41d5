import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freeUdpPort } from '../../remote/test-support.js';
import { cli } from '../test-support.js';
import { runSimBeacon } from './sim-beacon.js';

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('touchpoint sim beacon', () => {
  it('plays a provisioned record on the simulated radio, and scan --resolve names it from the registry', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tp-sim-beacon-'));
    const hex = join(dir, 'case-7.hex');
    const registry = join(dir, 'site-registry.yaml');
    const p = await cli('provision', 'beacon', '--site', 'store-12', '--spot', 'case-7', '--frames', 'eddystone-eid,eddystone-tlm', '--interval', '50', '--out', hex, '--registry', registry);
    expect(p.code, p.err.join('\n')).toBe(0);
    const port = await freeUdpPort();
    const out: string[] = [];
    const err: string[] = [];
    const abort = new AbortController();
    const playing = runSimBeacon({ config: hex, simPort: port, rssi: -57, pressEvery: 0.1 }, { out: (l) => out.push(l), err: (l) => err.push(l) }, abort.signal);
    try {
      const r = await cli('scan', '--radio', 'sim', '--sim-port', String(port), '--resolve', '--registry', registry, '--duration', '1');
      expect(r.code, r.err.join('\n')).toBe(0);
      const lines = r.json as Record<string, any>[];
      const of = (type: string) => lines.filter((l) => l.frames[0].type === type);
      expect(of('eddystone-eid')[0]).toMatchObject({ rssi: -57, beaconId: 'eid:store-12.case-7', spot: 'case-7', resolved: true, status: 'resolved' });
      expect(of('eddystone-tlm')[0]).toMatchObject({ beaconId: null, status: 'no-id' });
      // the presses: event frames carrying the EID, one line per new count
      const counts = of('touchpoint-event').map((l) => (expect(l).toMatchObject({ beaconId: 'eid:store-12.case-7', resolved: true }), l.frames[0].eventCount as number));
      expect(counts.length).toBeGreaterThan(0);
      expect(new Set(counts).size).toBe(counts.length);
    } finally {
      abort.abort();
      await playing;
    }
    const started = JSON.parse(out[0]!);
    expect(started).toMatchObject({ simPort: port, slots: ['eddystone-eid', 'eddystone-tlm'], intervalMs: 50 });
    // the identity key is in the record and the registry, never on the screen
    expect(out.join('\n') + err.join('\n')).not.toMatch(/identityKey|[0-9a-f]{32}/);
    expect(JSON.parse(err.at(-1)!).summary).toMatchObject({ stopped: 'aborted', radioErrors: 0 });
    expect(JSON.parse(err.at(-1)!).summary.sent).toBeGreaterThan(0);
  });

  it('refuses a file that is not a config record (exit 2)', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tp-sim-beacon-'));
    writeFileSync(join(dir, 'bad.hex'), ':00000001FF\n');
    const r = await cli('sim', 'beacon', '--config', join(dir, 'bad.hex'), '--duration', '1');
    expect(r.code).toBe(2);
    expect(r.err.at(-1)).toMatch(/--config .*bad\.hex: expected one data segment/);
    expect((await cli('sim', 'beacon', '--config', join(dir, 'missing.hex'), '--duration', '1')).code).toBe(2);
  });
});
