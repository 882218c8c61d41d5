/**
 * A small store on disk for remote-config and health tests: a site registry (the spot's fixture
 * beacon and a shopper's cart tag at another spot) and a gateway config on the simulated radio,
 * loaded exactly as `gateway run` loads them. Advertisements are built by the real encoders.
 */
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeFrame, encodeIBeaconManufacturerData } from '../../protocol/ble/index.js';
import { encodeForPublish, type ConfigSet } from '../../protocol/messages/index.js';
import { formatIssue, loadGateway } from '../config/index.js';
import type { RadioAdvertisement } from '../core/types.js';

export const SITE = 'store-12';
export const GATEWAY = 'gw-a';
export const SPOT_BEACON = { uuid: 'f7826da6-4fa2-4e98-8024-bc5b71e0893e', major: 100, minor: 1, measuredPower: -59 };
/** The shopper's cart tag, registered at spot cart-1 (so it counts as presence at endcap-3). */
export const CART = { uuid: 'f7826da6-4fa2-4e98-8024-bc5b71e0893e', major: 100, minor: 7, measuredPower: -59 };

export async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export interface StoreFiles {
  dir: string;
  configPath: string;
  dataDir: string;
  cleanup(): void;
}

/**
 * Writes the registry and a gateway.yaml (broker URL, sim radio port, plus `extraYaml` appended as
 * more top-level sections). The local file sets no pipeline thresholds unless `extraYaml` does.
 */
export function writeStore(o: { brokerUrl: string; simPort: number; extraYaml?: string; dir?: string; username?: string }): StoreFiles {
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'tp-remote-'));
  writeFileSync(
    join(dir, 'site-registry.yaml'),
    `v: 1
siteId: ${SITE}
beacons:
  - { beaconId: "ibeacon:${SPOT_BEACON.uuid}:${SPOT_BEACON.major}:${SPOT_BEACON.minor}", spot: endcap-3, item: { itemId: sku-88412 } }
  - { beaconId: "ibeacon:${CART.uuid}:${CART.major}:${CART.minor}", spot: cart-1 }
gateways:
  - { gatewayId: ${GATEWAY}, spot: endcap-3 }
`,
  );
  const configPath = join(dir, 'gateway.yaml');
  writeFileSync(
    configPath,
    `gateway: { id: ${GATEWAY}, siteId: ${SITE}, spot: endcap-3, dataDir: data }
broker: { url: "${o.brokerUrl}", keepaliveS: 5${o.username ? `, username: ${o.username}` : ''} }
radio: { kind: sim, simPort: ${o.simPort} }
registry: { path: site-registry.yaml }
${o.extraYaml ?? ''}
`,
  );
  return { dir, configPath, dataDir: join(dir, 'data'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function loadStore(configPath: string) {
  const loaded = loadGateway(configPath, { env: {} });
  if (!loaded.ok) throw new Error(loaded.errors.map(formatIssue).join('\n'));
  return loaded;
}

/** An advertisement of the cart tag heard now, at `rssi`. */
export function cartAd(rssi: number, address = 'c0:ff:ee:00:00:07'): RadioAdvertisement {
  return {
    address,
    addressType: 'random',
    rssi,
    manufacturerData: [encodeIBeaconManufacturerData(CART)],
    serviceData: [],
    at: { wallMs: Date.now(), monoMs: performance.now() },
  };
}

/** The spot's own fixture beacon as advertising data, for the simulated radio. */
export const spotAdvBytes = () => encodeFrame({ type: 'ibeacon', ...SPOT_BEACON });

let ulidCounter = 0;
/** A distinct, valid ULID per call (the ID only has to be unique here). */
export function testUlid(): string {
  return '01JM2NZ7A0' + String(ulidCounter++).padStart(16, '0');
}

/** A config/set publication (topic, payload, QoS 1, retained) for this gateway, or site-wide without `gatewayId`. */
export function configSet(revision: number, config: Record<string, unknown>, o: { site?: boolean; messageId?: string } = {}) {
  const m: ConfigSet = {
    v: 1,
    kind: 'config-set',
    messageId: o.messageId ?? testUlid(),
    ...(o.site ? {} : { gatewayId: GATEWAY }),
    siteId: SITE,
    revision,
    timestamp: Date.now(),
    config,
  };
  const enc = encodeForPublish(m);
  if (!enc.ok) throw new Error(JSON.stringify(enc.errors));
  return enc.value;
}
