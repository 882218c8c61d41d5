/**
 * The derived site: the gateway config loader (gateway/config loadGateway) accepts every derived
 * gateway, each reports its display's beacon ID as sensorId, and the EID key sits in a mode-600
 * secrets file rather than in the registry.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatIssue, loadGateway } from '../../gateway/config/index.js';
import { validateSiteRegistry } from '../../protocol/registry/index.js';
import { buildSiteRegistry, deriveGateways, writeGatewayFiles } from './derive.js';
import { beaconIdOf, loadLayout } from './layout.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function example() {
  const r = loadLayout('examples/store-apparel.yaml');
  if (!r.ok) throw new Error('example layout does not load');
  return r.layout;
}

describe('derived gateway configs and site registry', () => {
  it('the registry validates: every display beacon at its spot with its item, the cart tags, the gateways', () => {
    const layout = example();
    const registry = buildSiteRegistry(layout);
    const v = validateSiteRegistry(registry);
    expect(v.ok, JSON.stringify(!v.ok && v.errors)).toBe(true);
    expect(registry.beacons).toHaveLength(12 + 6);
    expect(registry.beacons.find((b) => b.spot === 'accessories-case')).toMatchObject({ beaconId: 'eid:accessories-case', eid: { exponent: 7, wallMsAt: layout.clock.beaconEpochMs } });
    expect(registry.beacons.find((b) => b.spot === 'cart-3')?.beaconId).toBe('eddystone-uid:0c4a27c0a1b2c3d4e5f6:000000000003');
    expect(registry.gateways).toEqual([
      { gatewayId: 'gw-denim', spot: 'denim-wall' },
      { gatewayId: 'gw-jackets', spot: 'jackets-rail' },
      { gatewayId: 'gw-accessories', spot: 'accessories-case' },
    ]);
  });

  it('every written gateway config loads with loadGateway and reports its display beacon as sensorId', () => {
    const layout = example();
    const dir = mkdtempSync(join(tmpdir(), 'tp-derive-'));
    dirs.push(dir);
    const site = deriveGateways(layout, { devDir: join(dir, 'dev'), brokerUrl: 'mqtt://127.0.0.1:1999', simPorts: { 'gw-jackets': 40001 } });
    const files = writeGatewayFiles(join(dir, 'site'), site);
    expect(files.configs).toHaveLength(3);
    for (const c of files.configs) {
      const g = loadGateway(c.path);
      if (!g.ok) throw new Error(g.errors.map(formatIssue).join('\n'));
      const d = layout.displays.find((x) => x.id === g.config.gateway.spot)!;
      expect(g.sensorId).toBe(beaconIdOf(d.beacon));
      expect(g.config.radio).toMatchObject({ kind: 'sim', simPort: c.gatewayId === 'gw-jackets' ? 40001 : layout.gateways.find((x) => x.id === c.gatewayId)!.simPort });
      expect(g.config.sensors.radar?.path).toBe(join(dir, 'dev', `${d.id}-radar`));
      expect(g.config.sensors.touch?.channels).toEqual(d.touch!.pads);
      expect(g.config.broker.url).toBe('mqtt://127.0.0.1:1999');
      // fixtures are not presence; cart tags are
      expect(g.config.pipeline.beacons.exclude).toContain(beaconIdOf(d.beacon));
      expect(g.config.pipeline.beacons.namespaces).toEqual(['0c4a27c0a1b2c3d4e5f6']);
      expect(g.warnings).toEqual([]);
      expect(g.index.eid.stats().beacons).toBe(1);
    }
    expect(readFileSync(files.registryPath, 'utf8')).not.toContain('7e1d2c3b4a5968778695a4b3c2d1e0f1');
    expect(statSync(files.secretsPath!).mode & 0o777).toBe(0o600);
  });

  it('per-gateway pipeline overrides from the layout reach the config', () => {
    const layout = example();
    layout.gateways[0]!.pipeline = { viewMs: 1500 };
    const site = deriveGateways(layout, { devDir: '/tmp/x' });
    expect((site.gateways[0]!.config.pipeline as { viewMs: number }).viewMs).toBe(1500);
    expect((site.gateways[1]!.config.pipeline as { viewMs: number }).viewMs).toBe(2500);
  });
});
