/**
 * A one-shelf store for end-to-end tests through startGateway: the TP1 touch bridge emulator on a
 * real pty (socat), the simulated radio, a site registry and a gateway.yaml, loaded with
 * loadGateway exactly as `touchpoint gateway run` does. The pty can be unplugged (socat killed:
 * the gateway's port gets EIO) and plugged back in on the same path.
 */
import { createSocket } from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createPtyPair, createTouchEmulator, serveDevice, touchScenario, type PtyPair, type ServedDevice, type TouchEmulator } from '../../../beacon-sim/sensors/index.js';
import { loadGateway } from '../../config/index.js';
import type { LoadedGateway } from '../../run/gateway.js';

export interface TouchDevice {
  readonly path: string;
  readonly emulator: TouchEmulator;
  readonly plugged: boolean;
  /** The emulator's scenario time (ms since first plugged): pad 3 is down while `deviceTime() % periodMs` is in [50, 50 + holdMs). */
  deviceTime(): number;
  /** Kills socat: both pty ends vanish, as when the USB adapter is pulled. */
  unplug(): Promise<void>;
  /** A new pty pair on the same path, the same emulator served on it (its scenario time continues). */
  plug(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The bridge with one press on pad 3 every `periodMs`, held `holdMs` (a `touch` below the
 * pipeline's holdMs, a `hold` above).
 */
export async function startTouchDevice(dir: string, periodMs: number, holdMs: number): Promise<TouchDevice> {
  const emulator = createTouchEmulator({ scenario: touchScenario('interop', `pad 3 held ${holdMs} ms every ${periodMs} ms`, periodMs, [{ channel: 3, atMs: 50, holdMs }]) });
  let pair: PtyPair | undefined;
  let served: ServedDevice | undefined;
  let origin: number | undefined;
  const deviceTime = () => (origin === undefined ? 0 : performance.now() - origin);
  const plug = async () => {
    pair = await createPtyPair(dir, 'touch0');
    origin ??= performance.now();
    served = await serveDevice(emulator, pair.devicePath, { baudRate: 115200, now: deviceTime });
  };
  const unplug = async () => {
    const p = pair;
    pair = undefined;
    await p?.close();
    await served?.closed;
    served = undefined;
  };
  await plug();
  return {
    path: join(dir, 'touch0'),
    emulator,
    get plugged() {
      return pair !== undefined;
    },
    deviceTime,
    unplug,
    plug,
    async close() {
      await served?.close();
      await unplug();
    },
  };
}

export async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export const STORE_SITE = 'interop-store';

export interface StoreOptions {
  dir: string;
  gatewayId: string;
  touchPath: string;
  /** Broker URL, or 'embedded' for the in-process aedes broker startGateway starts itself. */
  broker: string | 'embedded';
  username?: string;
  /** Given through the environment (passwordEnv), as in production. */
  password?: string;
  /** Pipeline holdMs; presses shorter than this are `touch`. */
  holdMs?: number;
}

/** Writes registry + gateway.yaml under `dir` and loads them; throws with the config errors if any. */
export async function loadStore(o: StoreOptions): Promise<LoadedGateway> {
  const simPort = await freeUdpPort();
  writeFileSync(
    join(o.dir, 'site-registry.yaml'),
    stringify({
      v: 1,
      siteId: STORE_SITE,
      beacons: [{ beaconId: 'ibeacon:f7826da6-4fa2-4e98-8024-bc5b71e0893e:100:1', spot: 'endcap-3', item: { itemId: 'sku-88412', itemType: 'sports', area: 'aisle-7' } }],
      gateways: [{ gatewayId: o.gatewayId, spot: 'endcap-3' }],
    }),
  );
  const broker =
    o.broker === 'embedded'
      ? { embedded: { host: '127.0.0.1', port: 0 } }
      : { url: o.broker, ...(o.username !== undefined ? { username: o.username } : {}), ...(o.password !== undefined ? { passwordEnv: 'TP_INTEROP_BROKER_PASSWORD' } : {}), keepaliveS: 5 };
  writeFileSync(
    join(o.dir, 'gateway.yaml'),
    stringify({
      gateway: { id: o.gatewayId, siteId: STORE_SITE, spot: 'endcap-3', dataDir: join(o.dir, 'data') },
      broker,
      radio: { kind: 'sim', simPort },
      sensors: { touch: { path: o.touchPath, channels: { 3: { itemId: 'sku-88412' } } } },
      registry: { path: 'site-registry.yaml' },
      pipeline: { inactivityMs: 3000, holdMs: o.holdMs ?? 2000 },
      telemetry: { intervalMs: 1000 },
    }),
  );
  const loaded = loadGateway(join(o.dir, 'gateway.yaml'), o.password !== undefined ? { env: { TP_INTEROP_BROKER_PASSWORD: o.password } } : {});
  if (!loaded.ok) throw new Error(`store config invalid: ${loaded.errors.map((e) => `${e.key} ${e.message}`).join('; ')}`);
  return loaded;
}
