/**
 * Issue 8, done when: "the gateway resolves the EID of a simulated beacon configured from that
 * record". The whole technician path without hardware:
 *
 *   touchpoint provision beacon ──► config .hex ──► parsed back (protocol/beacon-config)
 *          │ registers eid:<site>.<spot> + its identity key            │
 *          ▼                                                            ▼
 *   site registry ──► gateway run (sim radio, embedded aedes)  ◄── the frames that record makes
 *                     and scan --resolve                             the firmware send (beacon-sim/beacon,
 *                                                                    the C-cross-checked encoders)
 *
 * The beacon under test sends only an EID slot and event frames (whose id is the EID too), so the
 * gateway can only name it by resolving EIDs with the key the provisioning registered.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRecordBeacon, runRecordBeacon } from '../../beacon-sim/beacon/record-beacon.js';
import { createSimBroadcaster } from '../../beacon-sim/radio/broadcaster.js';
import { beaconConfigFromIntelHex } from '../../protocol/beacon-config/config-hex.js';
import { type SensorCommunication, sensorTopic } from '../../protocol/messages/index.js';
import type { SiteRegistry } from '../../protocol/registry/index.js';
import { cli } from '../cli/test-support.js';
import { formatIssue, loadGateway } from '../config/index.js';
import type { InteractionCause } from '../pipeline/types.js';
import { freeUdpPort } from '../remote/test-support.js';
import { startGateway } from './gateway.js';

const WAIT = { timeout: 15_000, interval: 25 };
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface ProvisionSummary {
  beaconIds: string[];
  wallMsAt: number | null;
  identityKey: string;
}

/** Provisions the gateway's fixture beacon and the EID beacon under test into a fresh registry. */
async function provisionStore() {
  const dir = mkdtempSync(join(tmpdir(), 'tp-beacon-record-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const registryPath = join(dir, 'site-registry.json');
  const fixture = await cli('provision', 'beacon', '--site', 'store-12', '--spot', 'endcap-3', '--frames', 'ibeacon', '--out', join(dir, 'endcap-3.hex'), '--registry', registryPath);
  expect(fixture.code, fixture.err.join('\n')).toBe(0);
  const hexPath = join(dir, 'case-7.hex');
  const r = await cli('provision', 'beacon', '--site', 'store-12', '--spot', 'case-7', '--frames', 'eddystone-eid,event', '--interval', '100', '--exponent', '4', '--out', hexPath, '--registry', registryPath);
  expect(r.code, r.err.join('\n')).toBe(0);
  const summary = r.json[0] as ProvisionSummary;
  expect(summary.beaconIds).toEqual(['eid:store-12.case-7']);
  expect(summary.identityKey).toBe('(hidden; --show-secrets)');

  // The merchant puts a product on the display: its item goes on the spot's beacon.
  const registry = JSON.parse(readFileSync(registryPath, 'utf8')) as SiteRegistry;
  const entry = registry.beacons.find((b) => b.beaconId === 'eid:store-12.case-7')!;
  entry.item = { itemId: 'sku-case-7', itemType: 'watches' };
  writeFileSync(registryPath, JSON.stringify(registry, null, 2), { mode: 0o600 });

  // The record as the firmware reads it from the flashed config page.
  const parsed = beaconConfigFromIntelHex(readFileSync(hexPath, 'utf8'));
  if (!parsed.ok) throw new Error(parsed.reason);
  const { config } = parsed;
  expect(config.slots.map((s) => s.type)).toEqual(['eddystone-eid', 'event']);
  // what the chip will use is what the gateways were given
  expect(config.identityKey).toBe(entry.eid!.identityKey);
  expect({ exponent: config.eidExponent, beaconSecondsAt: config.timeReference }).toEqual({ exponent: entry.eid!.exponent, beaconSecondsAt: entry.eid!.beaconSecondsAt });
  return { dir, registryPath, config, wallMsAt: summary.wallMsAt!, fixtureId: (fixture.json[0] as ProvisionSummary).beaconIds[0]! };
}

/** The flashed chip, booted when provisioning read the clock reference, on the simulated radio. */
function playBeacon(config: Parameters<typeof createRecordBeacon>[0]['config'], bootWallMs: number, port: number) {
  const beacon = createRecordBeacon({ config, bootWallMs });
  const radio = createSimBroadcaster({ port });
  const run = runRecordBeacon({ beacon, radio, rssi: -45 });
  cleanups.push(() => radio.close());
  cleanups.push(() => run.stop());
  return { beacon, run };
}

describe('a beacon provisioned by `touchpoint provision beacon`, simulated from its config record', () => {
  it('the gateway resolves its EID: sightings and published sensor communications are about its spot and item', async () => {
    const store = await provisionStore();
    const simPort = await freeUdpPort();
    const configPath = join(store.dir, 'gateway.yaml');
    writeFileSync(
      configPath,
      `gateway: { id: gw-a, siteId: store-12, spot: endcap-3, dataDir: data }
broker: { embedded: { host: 127.0.0.1, port: 0 } }
radio: { kind: sim, simPort: ${simPort} }
registry: { path: site-registry.json }
`,
    );
    const loaded = loadGateway(configPath, { env: {} });
    if (!loaded.ok) throw new Error(loaded.errors.map(formatIssue).join('\n'));
    const gateway = await startGateway({ ...loaded, log: () => {} });
    cleanups.push(() => gateway.stop(2000));
    const causes: InteractionCause[] = [];
    gateway.pipeline.onEvent((_body, e) => causes.push(e.cause));

    // a backend on the gateway's broker
    const backend = await mqtt.connectAsync(gateway.brokerUrl, { reconnectPeriod: 0 });
    cleanups.push(() => backend.endAsync());
    const published: SensorCommunication[] = [];
    backend.on('message', (_t, payload) => published.push(JSON.parse(payload.toString()) as SensorCommunication));
    await backend.subscribeAsync(sensorTopic('store-12', 'gw-a'), { qos: 1 });

    playBeacon(store.config, store.wallMsAt, simPort);

    await vi.waitFor(() => expect(published.find((m) => m.interaction.type === 'proximity')).toBeDefined(), WAIT);
    const m = published.find((x) => x.interaction.type === 'proximity')!;
    // sensorId: the gateway's own spot (its fixture iBeacon); the interaction: the EID beacon's item
    expect(m).toMatchObject({ siteId: 'store-12', gatewayId: 'gw-a', sensorId: store.fixtureId, interaction: { type: 'proximity', item: { itemId: 'sku-case-7', itemType: 'watches' } } });
    const beaconIds = new Set(causes.flatMap((c) => (c.kind === 'beacon' ? [c.beaconId] : [])));
    expect([...beaconIds]).toEqual(['eid:store-12.case-7']);
    expect(loaded.index.beacon('eid:store-12.case-7')?.spot).toBe('case-7');

    // both frame kinds of the record are resolved through the EID key, none left unknown
    await vi.waitFor(() => expect(gateway.pipeline.stats().sightings.eid.hits).toBeGreaterThanOrEqual(4), WAIT);
    const s = gateway.pipeline.stats().sightings;
    expect(s.unknown).toBe(0);
    expect(s.sightings).toBe(s.decoded);
  });

  it('`touchpoint scan --resolve --registry` names it too, for its EID and its event frames', async () => {
    const store = await provisionStore();
    const port = await freeUdpPort();
    const { beacon } = playBeacon(store.config, store.wallMsAt, port);
    beacon.press(Date.now());
    const r = await cli('scan', '--radio', 'sim', '--sim-port', String(port), '--resolve', '--registry', store.registryPath, '--count', '2');
    expect(r.code, r.err.join('\n')).toBe(0);
    const lines = r.json as Record<string, any>[];
    expect(lines.map((l) => l.frames[0].type).sort()).toEqual(['eddystone-eid', 'touchpoint-event']);
    for (const l of lines) {
      expect(l).toMatchObject({ rssi: -45, beaconId: 'eid:store-12.case-7', spot: 'case-7', item: { itemId: 'sku-case-7' }, resolved: true, status: 'resolved' });
    }
    expect(lines.find((l) => l.frames[0].type === 'touchpoint-event')!.frames[0]).toMatchObject({ idKind: 'eid', eventCount: 1 });
  });
});
