/**
 * `sim store`: layout errors at file:line with exit code 2, `--write-configs` for external gateways,
 * and a short run against a real broker and a gateway's simulated-radio port (JSON lines out).
 */
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { WebSocket } from 'ws';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { hashPassword, startBroker } from '../../broker/index.js';
import { createSimScanner } from '../../ble/sim-scanner.js';
import { loadGateway } from '../../config/index.js';
import { systemClock } from '../../core/types.js';
import { userTopic } from '../../../protocol/messages/index.js';
import { UsageError } from '../io.js';
import { registerSim } from './sim.js';
import { registerSimStore, runSimStore, type SimStoreOptions } from './sim-store.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tp-sim-store-'));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => void out.push(l), err: (l: string) => void err.push(l) } };
}

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const defaults: Omit<SimStoreOptions, 'layout'> = { speed: 1, seed: 1, radio: 'sim', sensors: true };

/** The example layout with the gateways' ports replaced by free ones. */
async function exampleWithPorts(dir: string): Promise<{ path: string; ports: number[] }> {
  const ports = [await freeUdpPort(), await freeUdpPort(), await freeUdpPort()];
  let text = readFileSync('examples/store-apparel.yaml', 'utf8');
  ['47101', '47102', '47103'].forEach((p, i) => (text = text.replace(`simPort: ${p}`, `simPort: ${ports[i]}`)));
  const path = join(dir, 'store.yaml');
  writeFileSync(path, text);
  return { path, ports };
}

describe('touchpoint sim store', () => {
  it('registers under `sim` with its options', async () => {
    const program = new Command();
    const cap = capture();
    registerSimStore(registerSim(program), cap.io);
    const store = program.commands.find((c) => c.name() === 'sim')!.commands.find((c) => c.name() === 'store')!;
    expect(store.options.map((o) => o.long)).toEqual(
      expect.arrayContaining(['--layout', '--shoppers', '--speed', '--seed', '--broker', '--duration', '--json', '--radio', '--write-configs', '--truth', '--customers']),
    );
  });

  it('a broken layout: every problem at file:line:col on stderr, then a usage error (exit 2)', async () => {
    const dir = tempDir();
    const path = join(dir, 'bad.yaml');
    const text = readFileSync('examples/store-apparel.yaml', 'utf8').replace('display: jackets-rail', 'display: jacket-rail').replace('measuredPower: -59, intervalMs: 300 }\n    radar', 'measuredPower: 5, intervalMs: 300 }\n    radar');
    writeFileSync(path, text);
    const lines = text.split('\n');
    const line = lines.findIndex((l) => l.includes('measuredPower: 5,'));
    const col = lines[line]!.indexOf('measuredPower: 5,') + 1;
    const cap = capture();
    await expect(runSimStore({ ...defaults, layout: path }, cap.io)).rejects.toThrow(UsageError);
    expect(cap.err.filter((l) => !l.includes('warning'))).toEqual([`${path}:${line + 1}:${col} displays[1].beacon.measuredPower: expected an integer in -127…-1, got 5`]);
    // schema errors come first; the rules run on a layout that passed the schema
    const cap2 = capture();
    writeFileSync(path, readFileSync('examples/store-apparel.yaml', 'utf8').replace('display: jackets-rail', 'display: jacket-rail'));
    await expect(runSimStore({ ...defaults, layout: path }, cap2.io)).rejects.toThrow(`${path}: 1 error`);
    expect(cap2.err.filter((l) => !l.includes('warning'))).toEqual([expect.stringMatching(new RegExp(`^${path}:\\d+:\\d+ gateways\\[1\\]\\.display: no display jacket-rail \\(known: new-arrivals, denim-wall`))]);
  });

  it('--write-configs writes loadable gateway configs, the registry and the CRM export, then exits', async () => {
    const dir = tempDir();
    const cap = capture();
    await runSimStore({ ...defaults, layout: 'examples/store-apparel.yaml', writeConfigs: join(dir, 'site'), devDir: join(dir, 'dev'), broker: 'mqtt://127.0.0.1:1884' }, cap.io);
    const written = JSON.parse(cap.out[0]!) as { gateways: { gatewayId: string; path: string }[]; customers: string; devDir: string };
    expect(written.gateways.map((g) => g.gatewayId)).toEqual(['gw-denim', 'gw-jackets', 'gw-accessories']);
    for (const g of written.gateways) {
      const loaded = loadGateway(g.path);
      expect(loaded.ok).toBe(true);
      if (loaded.ok) expect(loaded.config.sensors.radar?.path.startsWith(join(dir, 'dev'))).toBe(true);
    }
    const csv = readFileSync(written.customers, 'utf8').trim().split('\n');
    expect(csv[0]).toBe('customer_id,email,phone');
    expect(csv.length).toBeGreaterThan(10);
  });

  it('runs against a broker with accounts (phones as role phone) and the gateways’ radio ports: JSON events, user communications on the broker, a summary line', async () => {
    const dir = tempDir();
    const { path, ports } = await exampleWithPorts(dir);
    // the app's account: role phone, this site; its client ID (the install ID) picks its content topic
    const password = 'app-secret-for-tests';
    const users = [{ username: 'app', role: 'phone' as const, site: 'store-apparel', password: await hashPassword(password, { N: 1024, r: 8, p: 1 }) }];
    const broker = await startBroker({ port: 0, users });
    process.env.TP_TEST_PHONE_PASSWORD = password;
    cleanups.push(() => delete process.env.TP_TEST_PHONE_PASSWORD);
    cleanups.push(() => broker.close());
    let userComms = 0;
    broker.aedes.on('publish', (p) => void (p.topic === userTopic('store-apparel') && userComms++));
    const scanner = createSimScanner({ clock: systemClock, port: ports[0]!, dedupe: { minIntervalMs: 0 } });
    let heard = 0;
    scanner.on(() => void heard++);
    await scanner.start();
    cleanups.push(() => scanner.stop());

    const cap = capture();
    const truth = join(dir, 'truth.json');
    await runSimStore({ ...defaults, layout: path, speed: 40, duration: 40, seed: 5, json: true, sensors: false, broker: broker.urls.mqtt, phoneUser: 'app', phonePasswordEnv: 'TP_TEST_PHONE_PASSWORD', truth, customers: join(dir, 'crm.csv') }, cap.io);
    const lines = cap.out.map((l) => JSON.parse(l) as { type?: string; stopped?: string; userCommunications?: number });
    expect(lines[0]).toMatchObject({ type: 'sim.started', siteId: 'store-apparel', seed: 5, speed: 40 });
    expect(lines.some((l) => l.type === 'phone.user-communication')).toBe(true);
    expect(lines.some((l) => l.type === 'positions')).toBe(false);
    const summary = lines.at(-1)!;
    expect(summary).toMatchObject({ stopped: 'duration', simulatedMs: 40_000 });
    expect(summary.userCommunications).toBeGreaterThan(0);
    await vi.waitFor(() => expect(userComms).toBe(summary.userCommunications), { timeout: 10_000 });
    expect(heard).toBeGreaterThan(100);
    // the phones stayed inside the phone role's ACL: nothing refused, every login accepted
    expect(broker.counters).toEqual({ authFailures: 0, publishDenied: 0, subscribeDenied: 0 });
    expect((JSON.parse(readFileSync(truth, 'utf8')) as { userCommunications: unknown[] }).userCommunications).toHaveLength(summary.userCommunications!);
    expect(cap.err.join('\n')).toContain('warning: at --speed 40');
  });

  it('stops on abort with a summary', async () => {
    const cap = capture();
    const abort = new AbortController();
    const running = runSimStore({ ...defaults, layout: 'examples/store-apparel.yaml', speed: 20, sensors: false, radio: 'none' }, cap.io, abort.signal);
    await vi.waitFor(() => expect(cap.out.some((l) => l.includes('arrives'))).toBe(true), { timeout: 10_000 });
    abort.abort();
    await running;
    expect(JSON.parse(cap.out.at(-1)!)).toMatchObject({ stopped: 'aborted' });
  });

  it('--ui serves the live map: the page, and over the WebSocket the plan, shoppers’ positions and the phones’ user communications from the broker', async () => {
    const broker = await startBroker({ port: 0, anonymous: true });
    cleanups.push(() => broker.close());
    const abort = new AbortController();
    const cap = capture();
    const running = runSimStore({ ...defaults, layout: 'examples/store-apparel.yaml', speed: 40, sensors: false, radio: 'none', ui: true, broker: broker.urls.mqtt }, cap.io, abort.signal);
    cleanups.push(() => (abort.abort(), running.catch(() => {})));
    await vi.waitFor(() => expect(cap.err.some((l) => l.includes('live store map at'))).toBe(true), { timeout: 15_000 });
    const url = /live store map at (\S+)/.exec(cap.err.find((l) => l.includes('live store map at'))!)![1]!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<svg id="plan"');
    const ws = new WebSocket(`${url.replace('http', 'ws')}live`);
    const got: { kind: string; layout?: { displays: unknown[] }; event?: { type: string } }[] = [];
    ws.on('message', (d) => void got.push(JSON.parse(String(d))));
    cleanups.push(() => ws.terminate());
    await vi.waitFor(
      () => {
        expect(got[0]?.kind).toBe('hello');
        expect(got[0]?.layout?.displays).toHaveLength(12);
        expect(got.some((m) => m.kind === 'store' && m.event?.type === 'positions')).toBe(true);
        expect(got.some((m) => m.kind === 'user')).toBe(true);
      },
      { timeout: 30_000, interval: 100 },
    );
    // positions are for the map; they stay off stdout unless --positions
    expect(cap.out.some((l) => l.includes('"positions"'))).toBe(false);
    abort.abort();
    await running;
  }, 60_000);
});
