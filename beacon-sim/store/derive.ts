/**
 * From a store layout to what real gateways need to run on the virtual store: the site registry
 * (protocol/registry: every display beacon at its spot with its item, the cart tags, the gateways)
 * and one gateway config per gateway (gateway/config schema) — simulated radio on the layout's port,
 * the display's radar and touch pad on the simulator's pseudo-terminals, the display as its spot (so
 * its sensorId is the display's beacon ID, the string the phones report, [0207], [0231]).
 *
 * The gateway pipeline tracks the cart tags for dwell and proximity and leaves the display beacons
 * alone: they are fixtures in permanent range of every gateway (gateway/pipeline sightings filter).
 * The simulator, not the gateway, broadcasts the display beacons (phones must hear them with an RSSI
 * that depends on where each shopper stands), so the derived configs have no `radio.advertise`.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { SiteRegistry } from '../../protocol/registry/schema.js';
import type { DisplayLayout, StoreLayout } from './layout-schema.js';
import { beaconIdOf, cartBeaconId } from './layout.js';

export interface DeriveOptions {
  /** Folder of the simulator's pseudo-terminals: `<devDir>/<display>-radar`, `<devDir>/<display>-touch`. */
  devDir: string;
  /** Broker the gateways publish to. Default mqtt://127.0.0.1:1883. */
  brokerUrl?: string;
  /** Root of the gateways' data folders: `<dataDir>/<gatewayId>`. Default `data` (next to the config files). */
  dataDir?: string;
  /** Ports to use instead of the layout's simPort (tests pick free ones). */
  simPorts?: Readonly<Record<string, number>>;
  /** Telemetry period of the derived gateways, ms. Default 10 000. */
  telemetryIntervalMs?: number;
  /** False when the simulator runs without its pseudo-terminals: the configs then have no radar or touch. Default true. */
  sensors?: boolean;
}

export interface DerivedGateway {
  gatewayId: string;
  displayId: string;
  sensorId: string;
  simPort: number;
  radarPath?: string;
  touchPath?: string;
  /** A gateway config document (gateway/config schema), registry at `site-registry.yaml` beside it. */
  config: Record<string, unknown>;
}

export interface DerivedSite {
  /** The site registry with EID identity keys inline (for in-process use; writeGatewayFiles moves them to a secrets file). */
  registry: SiteRegistry;
  gateways: DerivedGateway[];
}

export const radarPathOf = (devDir: string, displayId: string) => join(devDir, `${displayId}-radar`);
export const touchPathOf = (devDir: string, displayId: string) => join(devDir, `${displayId}-touch`);

/** The registry frame entry of a display beacon: what it broadcasts, its calibration byte. */
function registryFrame(d: DisplayLayout): NonNullable<SiteRegistry['beacons'][number]['frames']>[number] {
  const b = d.beacon;
  switch (b.type) {
    case 'ibeacon':
      return { type: 'ibeacon', intervalMs: b.intervalMs, measuredPower: b.measuredPower };
    case 'altbeacon':
      return { type: 'altbeacon', intervalMs: b.intervalMs, measuredPower: b.referenceRssi };
    case 'eddystone-uid':
      return { type: 'eddystone-uid', intervalMs: b.intervalMs, measuredPower: b.txPower };
    case 'eddystone-eid':
      return { type: 'eddystone-eid', intervalMs: b.intervalMs, measuredPower: b.txPower };
  }
}

export function buildSiteRegistry(layout: StoreLayout): SiteRegistry {
  const beacons: SiteRegistry['beacons'] = layout.displays.map((d) => {
    const b = d.beacon;
    return {
      beaconId: beaconIdOf(b),
      spot: d.id,
      item: { ...d.item },
      frames: [registryFrame(d)],
      ...(b.type === 'eddystone-eid'
        ? { eid: { identityKey: b.identityKey.toLowerCase(), exponent: b.exponent, beaconSecondsAt: b.beaconSecondsAt, wallMsAt: layout.clock.beaconEpochMs } }
        : {}),
    };
  });
  const carts = layout.carts;
  if (carts) {
    for (let n = 1; n <= carts.count; n++) {
      beacons.push({
        beaconId: cartBeaconId(carts, n),
        spot: `cart-${n}`,
        frames: [{ type: 'eddystone-uid', intervalMs: carts.intervalMs, measuredPower: carts.txPower }],
      });
    }
  }
  return { v: 1, siteId: layout.site.id, beacons, gateways: layout.gateways.map((g) => ({ gatewayId: g.id, spot: g.display })) };
}

export function deriveGateways(layout: StoreLayout, o: DeriveOptions): DerivedSite {
  const registry = buildSiteRegistry(layout);
  const fixtures = layout.displays.map((d) => beaconIdOf(d.beacon));
  const gateways = layout.gateways.map((g): DerivedGateway => {
    const d = layout.displays.find((x) => x.id === g.display)!;
    const simPort = o.simPorts?.[g.id] ?? g.simPort;
    const withSensors = o.sensors ?? true;
    const radarPath = d.radar && withSensors ? radarPathOf(o.devDir, d.id) : undefined;
    const touchPath = d.touch && withSensors ? touchPathOf(o.devDir, d.id) : undefined;
    const pipeline: Record<string, unknown> = {
      beacons: { ...(layout.carts ? { namespaces: [layout.carts.namespace.toLowerCase()] } : {}), exclude: fixtures },
      pathLossExponent: layout.radio.pathLossExponent,
      // A cart heard in every 1 s step for 8 s; one silent step tolerated (gateways lose packets, radio-model.ts).
      dwell: { intervalMs: 1000, thresholdMs: 8000, maxMissedIntervals: 1 },
      // Cart tags are calibrated low (−71 dBm at 1 m for txPower −30): −72 dBm smoothed is about a metre.
      proximity: { rssiDbm: layout.carts ? layout.carts.txPower - 41 - 1 : -62 },
      inactivityMs: 8000,
      approachCm: 100,
      viewMs: 2500,
      holdMs: 2000,
      ...(g.pipeline ?? {}),
    };
    const config: Record<string, unknown> = {
      gateway: { id: g.id, siteId: layout.site.id, spot: d.id, item: { ...d.item }, dataDir: join(o.dataDir ?? 'data', g.id) },
      broker: { url: o.brokerUrl ?? 'mqtt://127.0.0.1:1883' },
      radio: { kind: 'sim', simPort, scan: { dedupeMs: 0 } },
      sensors: {
        ...(radarPath ? { radar: { path: radarPath, maxDistanceCm: d.radar!.rangeCm } } : {}),
        ...(touchPath ? { touch: { path: touchPath, channels: structuredClone(d.touch!.pads) } } : {}),
      },
      registry: { path: 'site-registry.yaml' },
      pipeline,
      telemetry: { intervalMs: o.telemetryIntervalMs ?? 10_000 },
    };
    return { gatewayId: g.id, displayId: d.id, sensorId: beaconIdOf(d.beacon), simPort, ...(radarPath ? { radarPath } : {}), ...(touchPath ? { touchPath } : {}), config };
  });
  return { registry, gateways };
}

export interface WrittenGatewayFiles {
  registryPath: string;
  /** Present when the site has EID beacons: their identity keys, mode 600, named by the configs' secretsFile. */
  secretsPath?: string;
  configs: { gatewayId: string; path: string }[];
}

/**
 * Writes `site-registry.yaml`, `secrets.yaml` (EID keys, mode 600) and `<gatewayId>.yaml` into
 * `dir`, ready for `touchpoint gateway run <dir>/<gatewayId>.yaml` or gateway/config `loadGateway`.
 */
export function writeGatewayFiles(dir: string, site: DerivedSite): WrittenGatewayFiles {
  mkdirSync(dir, { recursive: true });
  const secrets: Record<string, string> = {};
  const registry = structuredClone(site.registry);
  for (const b of registry.beacons) {
    if (!b.eid) continue;
    const name = `${b.spot}-ik`;
    secrets[name] = b.eid.identityKey;
    b.eid.identityKey = `\${SECRET:${name}}`;
  }
  const out: WrittenGatewayFiles = { registryPath: join(dir, 'site-registry.yaml'), configs: [] };
  writeFileSync(out.registryPath, `# Derived from a store layout by beacon-sim/store derive.ts.\n${stringify(registry)}`);
  const hasSecrets = Object.keys(secrets).length > 0;
  if (hasSecrets) {
    out.secretsPath = join(dir, 'secrets.yaml');
    writeFileSync(out.secretsPath, stringify(secrets), { mode: 0o600 });
    chmodSync(out.secretsPath, 0o600);
  }
  for (const g of site.gateways) {
    const path = join(dir, `${g.gatewayId}.yaml`);
    const doc = hasSecrets ? { ...g.config, secretsFile: 'secrets.yaml' } : g.config;
    writeFileSync(path, `# Gateway ${g.gatewayId} at ${g.displayId}, derived from a store layout (beacon-sim/store derive.ts).\n${stringify(doc)}`);
    out.configs.push({ gatewayId: g.gatewayId, path });
  }
  return out;
}

