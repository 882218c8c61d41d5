/**
 * `npm start`: the main job on the embedded default, on one machine. It starts an in-process
 * broker (aedes on 127.0.0.1), the LD2410 and touch-bridge emulators on real pseudo-terminals, a
 * simulated radio with a shopper's cart tag (a rotating Eddystone-EID) walking up to the shelf,
 * the real gateway on all of that, and a watcher subscribed like a backend that checks every
 * message against the schemas and the sequence numbers. Nothing here is a mock: the gateway opens
 * the ptys with serialport, decodes radio bytes, stamps, commits to SQLite and publishes over MQTT.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createSimBroadcaster } from '../../beacon-sim/radio/index.js';
import { startSensorSim } from '../../beacon-sim/sensors/index.js';
import { seededRandom } from '../../beacon-sim/sensors/rng.js';
import { computeEid, encodeFrame, rssiAtDistance, toHex } from '../../protocol/ble/index.js';
import type { SensorCommunication } from '../../protocol/messages/index.js';
import { loadGateway } from '../config/index.js';
import { systemClock } from '../core/types.js';
import { startGateway } from '../run/gateway.js';
import { runWatch, type WatchSummary } from '../watch/index.js';

const SITE = 'demo-store';
const GATEWAY = 'gw-demo-1';
// Demo-only key, generated for this file; provisioning makes real ones from a CSPRNG.
const CART_KEY = '5ac1e2d3f4a5b6c7d8e9fa0b1c2d3e4f';
const CART_K = 8;

export interface StoreDemoOptions {
  durationS: number;
  seed?: number;
  /** One line per event; the summary is printed by the caller. */
  out: (line: string) => void;
  signal?: AbortSignal;
}

export interface StoreDemoSummary extends Omit<WatchSummary, 'gateways' | 'complete' | 'stoppedBy'> {
  accepted: number;
  byType: Record<string, number>;
  advertisementsSeen: number;
  durationS: number;
}

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Cart distance over a 20 s cycle: far, walks in, stays 9 s at the shelf, walks off. */
function cartDistanceM(tS: number): number {
  const t = tS % 20;
  if (t < 3) return 12;
  if (t < 6) return 12 - ((t - 3) / 3) * 11.3;
  if (t < 15) return 0.7;
  if (t < 18) return 0.7 + ((t - 15) / 3) * 11.3;
  return 12;
}

export async function runStoreDemo(o: StoreDemoOptions): Promise<StoreDemoSummary> {
  const dir = mkdtempSync(join(tmpdir(), 'touchpoint-demo-'));
  const cleanups: (() => Promise<void> | void)[] = [() => rmSync(dir, { recursive: true, force: true })];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await c();
  };
  try {
    const sensors = await startSensorSim({ dir: join(dir, 'dev'), scenario: 'shopper', seed: o.seed ?? 1 });
    cleanups.push(() => sensors.stop());
    const simPort = await freeUdpPort();
    const started = systemClock.now();

    writeFileSync(
      join(dir, 'site-registry.yaml'),
      stringify({
        v: 1,
        siteId: SITE,
        beacons: [
          { beaconId: 'ibeacon:f7826da6-4fa2-4e98-8024-bc5b71e0893e:100:1', spot: 'endcap-3', item: { itemId: 'sku-88412', itemType: 'sports', area: 'aisle-7' } },
          { beaconId: 'eid:cart-tag-1', spot: 'cart-1', eid: { identityKey: CART_KEY, exponent: CART_K, beaconSecondsAt: 0, wallMsAt: started } },
        ],
        gateways: [{ gatewayId: GATEWAY, spot: 'endcap-3' }],
      }),
    );
    writeFileSync(
      join(dir, 'gateway.yaml'),
      stringify({
        gateway: { id: GATEWAY, siteId: SITE, spot: 'endcap-3', dataDir: join(dir, 'data') },
        broker: { embedded: { host: '127.0.0.1', port: 0 } },
        radio: {
          kind: 'sim',
          simPort,
          advertise: { cadenceMs: 500, frames: [{ type: 'ibeacon', uuid: 'f7826da6-4fa2-4e98-8024-bc5b71e0893e', major: 100, minor: 1, measuredPower: -59 }, { type: 'eddystone-tlm' }] },
        },
        sensors: { radar: { path: sensors.radarPath }, touch: { path: sensors.touchPath, channels: { 3: { itemId: 'sku-88412' } } } },
        registry: { path: 'site-registry.yaml' },
        pipeline: { beacons: { ids: ['eid:cart-tag-1'] }, dwell: { intervalMs: 1000, thresholdMs: 5000 }, proximity: { rssiDbm: -62 }, inactivityMs: 4000, approachCm: 120, viewMs: 2000, holdMs: 2000 },
        telemetry: { intervalMs: 5000 },
      }),
    );
    const loaded = loadGateway(join(dir, 'gateway.yaml'));
    if (!loaded.ok) throw new Error(`demo config invalid: ${loaded.errors.map((e) => e.message).join('; ')}`);

    let accepted = 0;
    const gateway = await startGateway({ ...loaded, log: () => {}, onAccepted: () => void accepted++ });
    cleanups.push(() => gateway.stop(0));

    const byType: Record<string, number> = {};
    const watchAbort = new AbortController();
    let ready!: () => void;
    const subscribed = new Promise<void>((r) => (ready = r));
    const watching = runWatch({
      url: gateway.brokerUrl,
      siteId: SITE,
      signal: watchAbort.signal,
      onReady: () => ready(),
      onEvent: (e) => {
        if (e.type !== 'sensor') return;
        const m: SensorCommunication = e.message;
        const i = m.interaction;
        byType[i.type] = (byType[i.type] ?? 0) + 1;
        const extra = [
          i.distanceM !== undefined && `${i.distanceM.toFixed(2)} m`,
          i.rssi && `rssi max ${i.rssi.max}`,
          i.touchChannel !== undefined && `pad ${i.touchChannel}`,
          i.item?.itemId,
        ].filter(Boolean);
        const flags = [e.check.duplicate && 'DUPLICATE', e.check.gap && `GAP ${e.check.gap.from}-${e.check.gap.to}`].filter(Boolean);
        o.out(`seq ${String(m.seq).padStart(4)}  ${i.type.padEnd(9)} ${(i.durationMs / 1000).toFixed(1).padStart(5)} s  ${extra.join('  ')}${flags.length ? '  ' + flags.join(' ') : ''}`);
      },
    });
    await subscribed;

    // The shopper's cart tag: a rotating EID, heard at the shelf with log-distance RSSI and noise.
    const radio = createSimBroadcaster({ port: simPort });
    cleanups.push(() => radio.close());
    const rand = seededRandom(o.seed ?? 1);
    const cart = setInterval(() => {
      const now = systemClock.now();
      const tS = (now - started) / 1000;
      if (rand() < 0.1) return; // a missed packet now and then
      const eid = toHex(computeEid(Buffer.from(CART_KEY, 'hex'), CART_K, Math.floor(tS)).eid);
      const rssi = Math.round(rssiAtDistance(cartDistanceM(tS), -59, { pathLossExponent: 2.5 }) + (rand() - 0.5) * 6);
      radio.send({ address: 'd2:4e:11:0a:9b:01', rssi, adv: encodeFrame({ type: 'eddystone-eid', eid, txPower: -18 }) });
    }, 100);
    cleanups.push(() => clearInterval(cart));

    o.out(`broker ${gateway.brokerUrl}  radar ${sensors.radarPath}  touch ${sensors.touchPath}  sim radio udp://127.0.0.1:${simPort}`);
    // The live view: counts every few seconds between the per-event lines.
    const view = setInterval(() => {
      const p = gateway.pipeline.stats();
      const ob = gateway.outbox.stats();
      const h = gateway.health().map((x) => `${x.sensor} ${x.state} ${x.framesOk} frames`).join(', ');
      const received = Object.values(byType).reduce((a, b) => a + b, 0);
      o.out(`[${Math.round((systemClock.now() - started) / 1000)} s] radio ${p.sightings.seen} adv, ${h}; accepted ${accepted}, queued ${ob.sensorDepth}, at the backend ${received}`);
    }, 5000);
    cleanups.push(() => clearInterval(view));
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, o.durationS * 1000);
      o.signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
    });

    // Stop producing, let the outbox drain to the broker, then let the watcher catch up.
    clearInterval(cart);
    const advertisementsSeen = gateway.pipeline.stats().sightings.seen;
    await gateway.stop(10_000);
    const deadline = Date.now() + 5000;
    // The watcher's count, not a sleep, says when everything accepted has arrived.
    let summary: WatchSummary | undefined;
    while (Date.now() < deadline && Object.values(byType).reduce((a, b) => a + b, 0) < accepted) await new Promise((r) => setTimeout(r, 50));
    watchAbort.abort();
    summary = await watching;
    const { gateways: _g, complete: _c, stoppedBy: _s, ...rest } = summary;
    return { ...rest, accepted, lost: rest.lost + Math.max(0, accepted - rest.sensorCommunications), byType, advertisementsSeen, durationS: o.durationS };
  } finally {
    await cleanup();
  }
}
