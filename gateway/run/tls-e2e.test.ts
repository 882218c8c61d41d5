/**
 * TLS end to end with the embedded broker: a gateway config with `broker.embedded.tls` serves mqtts
 * only; the gateway itself publishes to it over mqtts with certificate validation on (broker.ca),
 * and the backend subscribes over mqtts with the same CA and verifies the signatures. A gateway and
 * a backend that trust another CA (same name, other key) are refused, and the refused gateway's
 * events stay queued in its outbox. Certificates: gateway/publish/test-support/tls (server for
 * 127.0.0.1) and gateway/broker/test-support/tls/wrong-ca.crt.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSimBroadcaster } from '../../beacon-sim/radio/index.js';
import { encodeFrame } from '../../protocol/ble/index.js';
import { startBackend } from '../backend/backend.js';
import { cartAd, CART, freeUdpPort, loadStore, writeStore } from '../remote/test-support.js';
import { formatSigningKey, generateSigningKey } from '../security/keys.js';
import { keyringLookup } from '../security/keyring-file.js';
import { startGateway } from './gateway.js';

const WAIT = { timeout: 20_000, interval: 50 };
const TLS = new URL('../publish/test-support/tls/', import.meta.url);
const WRONG_CA = new URL('../broker/test-support/tls/wrong-ca.crt', import.meta.url);

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('TLS end to end with the embedded broker', () => {
  it('gateway → embedded aedes over mqtts → backend over mqtts, certificates verified; a wrong CA is refused on both sides', { timeout: 90_000 }, async () => {
    const simPort = await freeUdpPort();
    const files = writeStore({ brokerUrl: 'mqtts://127.0.0.1:8883', simPort });
    cleanups.push(() => files.cleanup());
    const tlsDir = join(files.dir, 'tls');
    mkdirSync(tlsDir);
    for (const f of ['ca.crt', 'server.crt', 'server.key']) copyFileSync(new URL(f, TLS), join(tlsDir, f));
    copyFileSync(WRONG_CA, join(tlsDir, 'wrong-ca.crt'));
    const key = generateSigningKey('gw-a.k1');
    writeFileSync(join(files.dir, 'secrets.yaml'), `signing-key: "${formatSigningKey(key)}"\n`, { mode: 0o600 });
    // Relative paths: resolved against the config file's folder, as for broker.ca.
    writeFileSync(
      files.configPath,
      `gateway: { id: gw-a, siteId: store-12, spot: endcap-3, dataDir: data, signingKey: "\${SECRET:signing-key}" }
broker:
  url: mqtts://127.0.0.1:8883
  ca: tls/ca.crt
  keepaliveS: 5
  embedded: { host: 127.0.0.1, port: 0, tls: { cert: tls/server.crt, key: tls/server.key } }
radio: { kind: sim, simPort: ${simPort} }
registry: { path: site-registry.yaml }
secretsFile: secrets.yaml
`,
    );
    const loaded = loadStore(files.configPath);
    expect(loaded.config.broker.embedded?.tls).toEqual({ cert: join(tlsDir, 'server.crt'), key: join(tlsDir, 'server.key') });
    expect(loaded.config.broker.rejectUnauthorized).toBe(true);
    const gw = await startGateway({ ...loaded, configPath: files.configPath, log: () => {} });
    cleanups.push(() => gw.stop(0));
    expect(gw.broker?.tls).toBe(true);
    expect(gw.brokerUrl).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/);
    await vi.waitFor(() => expect(gw.publisher.stats().connects).toBe(1), WAIT);

    // The backend: over mqtts with the CA, and the gateway's key.
    const ca = readFileSync(join(tlsDir, 'ca.crt'));
    const wrongCa = readFileSync(join(tlsDir, 'wrong-ca.crt'));
    await expect(startBackend({ url: gw.brokerUrl, dbPath: ':memory:', ca: wrongCa })).rejects.toThrow(/unable to verify the first certificate|certificate signature failure/);
    const be = await startBackend({ url: gw.brokerUrl, dbPath: ':memory:', ca, keyring: keyringLookup([{ siteId: 'store-12', gatewayId: 'gw-a', ...key }]) });
    cleanups.push(() => be.close());

    // A shopper's cart tag close to the shelf, on the simulated radio.
    const radio = createSimBroadcaster({ port: simPort });
    cleanups.push(() => radio.close());
    for (let i = 0; i < 3; i++) radio.send({ address: 'c0:ff:ee:00:00:07', rssi: -40, adv: encodeFrame({ type: 'ibeacon', ...CART }) });
    await radio.flush();
    await vi.waitFor(() => expect(be.stats()).toMatchObject({ sensorCommunications: 1, signatures: { checked: true, verified: 1, rejected: 0 } }), WAIT);

    // A second gateway whose config trusts another CA: it never connects, and its events wait in its outbox.
    const otherPath = join(files.dir, 'gateway-b.yaml');
    writeFileSync(
      otherPath,
      `gateway: { id: gw-b, siteId: store-12, spot: endcap-3, dataDir: data-b }
broker: { url: "${gw.brokerUrl}", ca: tls/wrong-ca.crt, keepaliveS: 5 }
radio: { kind: sim, simPort: ${await freeUdpPort()} }
registry: { path: site-registry.yaml }
`,
    );
    const other = await startGateway({ ...loadStore(otherPath), configPath: otherPath, log: () => {} });
    cleanups.push(() => other.stop(0));
    other.pipeline.onAdvertisement(cartAd(-40));
    await vi.waitFor(() => expect(other.publisher.stats().lastError).toMatch(/unable to verify the first certificate|certificate signature failure/), WAIT);
    expect(other.publisher.stats().connects).toBe(0);
    expect(other.outbox.sensorQueueDepth()).toBe(1);
    expect(be.stats().sensorCommunications).toBe(1);
  });
});
