import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseBeaconId } from '../../protocol/messages/beacon-id.js';
import { formatIssue } from '../../gateway/config/yaml-source.js';
import { beaconIdOf, cartBeaconId, loadLayout, measuredPower1mOf, parseLayoutText, standPoint } from './layout.js';

const EXAMPLE = 'examples/store-apparel.yaml';

const minimal = (extra = '') => `v: 1
site: { id: tiny }
floor: { widthM: 10, depthM: 8, entrance: [5, 0.5] }
displays:
  - id: shelf-a
    at: [1, 4]
    facing: 0
    item: { itemId: sku-1 }
    beacon: { type: ibeacon, uuid: 6A0E2B9C-3F41-4D8E-9B7A-52C1D0E8F417, major: 1, minor: 2, measuredPower: -59 }
${extra}`;

describe('store layout', () => {
  it('the shipped apparel store: twelve beacons, three gateways with radar and touch, canonical beacon IDs', () => {
    const r = loadLayout(EXAMPLE);
    if (!r.ok) throw new Error(r.errors.map(formatIssue).join('\n'));
    const l = r.layout;
    expect(l.displays).toHaveLength(12);
    expect(l.gateways.map((g) => g.id)).toEqual(['gw-denim', 'gw-jackets', 'gw-accessories']);
    for (const g of l.gateways) {
      const d = l.displays.find((x) => x.id === g.display)!;
      expect(d.radar && d.touch).toBeTruthy();
    }
    const ids = l.displays.map((d) => beaconIdOf(d.beacon));
    expect(new Set(ids).size).toBe(12);
    for (const id of ids) expect(parseBeaconId(id).ok).toBe(true);
    expect(new Set(l.displays.map((d) => d.beacon.type))).toEqual(new Set(['ibeacon', 'altbeacon', 'eddystone-uid', 'eddystone-eid']));
    expect(ids).toContain('eid:accessories-case');
    // the only warning: the demo EID key is written inline
    expect(r.warnings.map((w) => w.key)).toEqual(['displays[6].beacon.identityKey']);
  });

  it('applies defaults and derives IDs, calibration and the stand point', () => {
    const r = parseLayoutText(minimal(), 'tiny.yaml');
    if (!r.ok) throw new Error(r.errors.map(formatIssue).join('\n'));
    const d = r.layout.displays[0]!;
    expect(beaconIdOf(d.beacon)).toBe('ibeacon:6a0e2b9c-3f41-4d8e-9b7a-52c1d0e8f417:1:2');
    expect(d.beacon.intervalMs).toBe(300);
    expect(measuredPower1mOf(d.beacon)).toBe(-59);
    // Eddystone calibrates at 0 m; 1 m is 41 dB less (protocols.md §5.1)
    expect(measuredPower1mOf({ type: 'eddystone-uid', namespace: '00'.repeat(10), instance: '00'.repeat(6), txPower: -18, intervalMs: 100 })).toBe(-59);
    const [x, y] = standPoint(d);
    expect(x).toBeCloseTo(1.7, 9);
    expect(y).toBeCloseTo(4, 9);
    expect(r.layout.shoppers.count).toBe(6);
    expect(r.layout.gateways).toEqual([]);
    expect(cartBeaconId({ count: 2, namespace: '0C4A27C0A1B2C3D4E5F6', txPower: -30, intervalMs: 250 }, 2)).toBe('eddystone-uid:0c4a27c0a1b2c3d4e5f6:000000000002');
  });

  it('reports every problem at file:line:col with the key, like the gateway config', () => {
    const text = minimal(`  - id: shelf-a
    at: [30, 4]
    item: { itemId: sku-2 }
    beacon: { type: ibeacon, uuid: 6a0e2b9c-3f41-4d8e-9b7a-52c1d0e8f417, major: 1, minor: 2, measuredPower: -59 }
gateways:
  - { id: gw-1, display: nowhere, simPort: 47101 }
shoppers: { dwellS: [30, 5] }
`);
    const r = parseLayoutText(text, 'store.yaml');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const lines = r.errors.map(formatIssue);
    expect(lines).toEqual([
      'store.yaml:10:5 displays[1].id: duplicate display id shelf-a',
      'store.yaml:11:5 displays[1].at: [30, 4] is outside the 10 × 8 m floor',
      'store.yaml:13:5 displays[1].beacon: beacon ibeacon:6a0e2b9c-3f41-4d8e-9b7a-52c1d0e8f417:1:2 is already at shelf-a',
      'store.yaml:15:17 gateways[0].display: no display nowhere (known: shelf-a)',
      'store.yaml:16:13 shoppers.dwellS: min 30 is above max 5',
    ]);
    const standsOutside = parseLayoutText(minimal().replace('at: [1, 4]\n    facing: 0', 'at: [1, 4]\n    facing: 180\n    standM: 1.5'), 'store.yaml');
    expect(!standsOutside.ok && standsOutside.errors.map(formatIssue)).toEqual([
      'store.yaml:6:5 displays[0].at: shoppers would stand at [-0.5, 4] (standM 1.5 in front, facing 180°), outside the floor',
    ]);
  });

  it('explains schema errors by the beacon type the entry names', () => {
    const r = parseLayoutText(minimal().replace('type: ibeacon, uuid: 6A0E2B9C-3F41-4D8E-9B7A-52C1D0E8F417, major: 1, minor: 2', 'type: ibeacon, uuid: nope, major: 70000, minor: 2'), 'x.yaml');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map(formatIssue)).toEqual([
      'x.yaml:9:30 displays[0].beacon.uuid: expected a string: UUID, 8-4-4-4-12 hex, got "nope"',
      'x.yaml:9:42 displays[0].beacon.major: expected an integer in 0…65535, got 70000',
    ]);
    const bad = parseLayoutText(minimal().replace('type: ibeacon,', 'type: lighthouse,'), 'x.yaml');
    expect(!bad.ok && bad.errors.map(formatIssue)).toEqual([expect.stringMatching(/^x\.yaml:9:\d+ displays\[0\]\.beacon\.type: expected one of "ibeacon", "altbeacon", "eddystone-uid", "eddystone-eid", got "lighthouse"$/)]);
  });

  it('takes identity keys from the environment and never echoes a secret', () => {
    const text = readFileSync(EXAMPLE, 'utf8').replace('identityKey: 7e1d2c3b4a5968778695a4b3c2d1e0f1', 'identityKey: "${ENV:ACCESSORIES_IK}"');
    const ok = parseLayoutText(text, 'a.yaml', { env: { ACCESSORIES_IK: '00112233445566778899aabbccddeeff' } });
    expect(ok.ok && ok.warnings).toEqual([]);
    const missing = parseLayoutText(text, 'a.yaml', { env: {} });
    expect(!missing.ok && missing.errors.map(formatIssue)).toEqual([expect.stringMatching(/^a\.yaml:\d+:\d+ displays\[6\]\.beacon\.identityKey: environment variable ACCESSORIES_IK is not set$/)]);
    const short = parseLayoutText(readFileSync(EXAMPLE, 'utf8').replace('7e1d2c3b4a5968778695a4b3c2d1e0f1', '7e1d2c3b'), 'a.yaml');
    expect(!short.ok && short.errors.map(formatIssue).join('\n')).toMatch(/identityKey: expected .*got a hidden string of 8 characters/);
  });

  it('a missing file is an issue, not an exception', () => {
    const r = loadLayout('/nonexistent/store.yaml');
    expect(r.ok).toBe(false);
    expect(!r.ok && formatIssue(r.errors[0]!)).toBe('/nonexistent/store.yaml:1:1 cannot read file (ENOENT)');
  });

  it('property: arbitrary text never throws and always answers with issues or a layout', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        const r = parseLayoutText(text, 'f.yaml');
        if (!r.ok) for (const e of r.errors) expect(e.line).toBeGreaterThanOrEqual(1);
      }),
      { numRuns: 300 },
    );
  });
});
