import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { beaconConfigFromIntelHex } from '../../../protocol/beacon-config/config-hex.js';
import { encodeIntelHex } from '../../../protocol/beacon-config/intel-hex.js';
import { validateSiteRegistry } from '../../../protocol/registry/index.js';
import { UsageError } from '../io.js';
import { type BeaconDeps, eventDeviceId, registerBeacon } from './beacon.js';

/** Counting bytes instead of randomness, so every value below is predictable. */
function counterRandom(): (n: number) => Uint8Array {
  let next = 1;
  return (n) => Uint8Array.from({ length: n }, () => next++ & 0xff);
}

async function run(args: string[], deps: BeaconDeps = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l) };
  const program = new Command('touchpoint').exitOverride().configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => err.push(s) });
  registerBeacon(program, io, { randomBytes: counterRandom(), nowMs: () => 1_739_530_800_000, ...deps });
  for (const c of program.commands) {
    c.exitOverride();
    for (const s of c.commands) s.exitOverride();
  }
  try {
    await program.parseAsync(args, { from: 'user' });
    return { code: 0, out, err };
  } catch (e) {
    if (e instanceof CommanderError) return { code: e.exitCode === 0 ? 0 : 2, out, err: [...err, e.message] };
    if (e instanceof UsageError) return { code: 2, out, err: [...err, e.message] };
    return { code: 1, out, err: [...err, (e as Error).message] };
  }
}

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tp-beacon-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('touchpoint provision beacon', () => {
  it('writes a config record the firmware format decodes, and hides the identity key', async () => {
    const out = join(dir, 'b.hex');
    const r = await run(['provision', 'beacon', '--site', 'store-12', '--spot', 'endcap-3', '--out', out]);
    expect(r.code, r.err.join('\n')).toBe(0);
    const summary = JSON.parse(r.out[0]!) as Record<string, unknown>;
    expect(summary.identityKey).toBe('(hidden; --show-secrets)');
    expect(r.out.join('\n')).not.toContain('0102030405060708090a0b0c0d0e0f10');
    const cfg = beaconConfigFromIntelHex(readFileSync(out, 'utf8'));
    expect(cfg.ok).toBe(true);
    if (!cfg.ok) return;
    expect(cfg.chip).toBe('nrf52832');
    // counting "random" bytes: the key is the first 16 drawn
    expect(cfg.config.identityKey).toBe('0102030405060708090a0b0c0d0e0f10');
    expect(cfg.config.slots.map((s) => s.type)).toEqual(['ibeacon', 'eddystone-uid', 'eddystone-tlm', 'eddystone-eid']);
    expect(cfg.config).toMatchObject({ intervalMs: 1000, txPowerDbm: 0, eidExponent: 10, timeReference: 65280 });
    expect(cfg.config.slots[0]).toMatchObject({ measuredPower: -59, minor: 0x1112 });
    expect(cfg.config.slots[3]).toEqual({ type: 'eddystone-eid', txPower: -18 });
    expect(cfg.config.deviceId).toBe(eventDeviceId('eid:store-12.endcap-3'));
    expect(summary.beaconIds).toEqual([
      'eid:store-12.endcap-3',
      `ibeacon:${(cfg.config.slots[0] as { uuid: string }).uuid}:${(cfg.config.slots[0] as { major: number }).major}:4370`,
      'eddystone-uid:' + (cfg.config.slots[1] as { namespace: string }).namespace + ':131415161718',
    ]);
    expect(statSync(out).mode & 0o777).toBe(0o600);
  });

  it('prints the key with --show-secrets and honours --frames, --url, --chip and --input-pin', async () => {
    const out = join(dir, 'b.hex');
    const r = await run([
      'provision', 'beacon', '--site', 's1', '--spot', 'p1', '--out', out, '--show-secrets', '--frames', 'eddystone-url,eddystone-etlm,event',
      '--url', 'https://www.example.com', '--chip', 'nrf52840', '--input-pin', '13', '--tx-power', '4',
    ]);
    expect(r.code, r.err.join('\n')).toBe(0);
    const summary = JSON.parse(r.out[0]!) as Record<string, unknown>;
    expect(summary.identityKey).toBe('0102030405060708090a0b0c0d0e0f10');
    expect(summary.beaconIds).toEqual([]); // URL/eTLM/event frames identify nothing in the registry
    const cfg = beaconConfigFromIntelHex(readFileSync(out, 'utf8'));
    expect(cfg).toMatchObject({ ok: true, chip: 'nrf52840', address: 0xff000 });
    if (!cfg.ok) return;
    expect(cfg.config.slots).toEqual([{ type: 'eddystone-url', url: 'https://www.example.com', txPower: -14 }, { type: 'eddystone-etlm' }, { type: 'event' }]);
    expect(cfg.config.input).toEqual({ pin: 13, activeLow: true, pull: true, debounceMs: 30 });
  });

  it('adds the beacon to a new registry file that validates, then refuses a second EID beacon for the same spot', async () => {
    const registry = join(dir, 'site.json');
    const a = await run(['provision', 'beacon', '--site', 'store-12', '--spot', 'endcap-3', '--out', join(dir, 'a.hex'), '--registry', registry]);
    expect(a.code, a.err.join('\n')).toBe(0);
    const b = await run(['provision', 'beacon', '--site', 'store-12', '--spot', 'case-7', '--out', join(dir, 'b.hex'), '--registry', registry, '--frames', 'ibeacon,eddystone-eid']);
    expect(b.code, b.err.join('\n')).toBe(0);
    const reg = validateSiteRegistry(JSON.parse(readFileSync(registry, 'utf8')));
    expect(reg.ok).toBe(true);
    if (!reg.ok) return;
    expect(reg.registry.beacons.map((x) => [x.beaconId.split(':')[0], x.spot])).toEqual([
      ['eid', 'endcap-3'], ['ibeacon', 'endcap-3'], ['eddystone-uid', 'endcap-3'], ['eid', 'case-7'], ['ibeacon', 'case-7'],
    ]);
    expect(reg.registry.beacons[0]!.eid).toEqual({ identityKey: '0102030405060708090a0b0c0d0e0f10', exponent: 10, beaconSecondsAt: 65280, wallMsAt: 1_739_530_800_000 });
    expect(statSync(registry).mode & 0o777).toBe(0o600);
    const dup = await run(['provision', 'beacon', '--site', 'store-12', '--spot', 'case-7', '--out', join(dir, 'c.hex'), '--registry', registry]);
    expect(dup.code).toBe(2);
    expect(dup.err.join('\n')).toMatch(/eid:store-12.case-7 is already in the registry/);
    const other = await run(['provision', 'beacon', '--site', 'store-99', '--spot', 'x', '--out', join(dir, 'd.hex'), '--registry', registry]);
    expect(other.code).toBe(2);
    expect(other.err.join('\n')).toMatch(/is for site store-12/);
  });

  it('refuses bad input with exit 2', async () => {
    const out = join(dir, 'x.hex');
    expect((await run(['provision', 'beacon', '--site', 'a b', '--spot', 'p', '--out', out])).code).toBe(2);
    expect((await run(['provision', 'beacon', '--site', 's', '--spot', 'p', '--out', out, '--frames', 'altbeacon'])).code).toBe(2);
    expect((await run(['provision', 'beacon', '--site', 's', '--spot', 'p', '--out', out, '--frames', 'eddystone-url'])).code).toBe(2);
    expect((await run(['provision', 'beacon', '--site', 's', '--spot', 'p', '--out', out, '--tx-power', '2'])).code).toBe(2);
  });
});

describe('touchpoint flash beacon', () => {
  function files() {
    const config = join(dir, 'cfg.hex');
    const firmware = join(dir, 'fw.hex');
    return { config, firmware };
  }

  it('--dry-run prints the exact OpenOCD commands and runs nothing', async () => {
    const { config, firmware } = files();
    expect((await run(['provision', 'beacon', '--site', 's', '--spot', 'p', '--out', config])).code).toBe(0);
    writeFileSync(firmware, encodeIntelHex([{ address: 0, data: new Uint8Array(64).fill(0xaa) }]));
    const calls: string[][] = [];
    const r = await run(['flash', 'beacon', '--firmware', firmware, '--config', config, '--dry-run'], { runProbe: (a) => (calls.push(a), 0) });
    expect(r.code, r.err.join('\n')).toBe(0);
    expect(r.out).toEqual([
      `openocd -f interface/cmsis-dap.cfg -f target/nrf52.cfg -c 'program ${firmware} verify exit'`,
      `openocd -f interface/cmsis-dap.cfg -f target/nrf52.cfg -c 'program ${config} verify reset exit'`,
    ]);
    expect(calls).toEqual([]);
  });

  it('runs both commands through the probe, stops at the first failure', async () => {
    const { config, firmware } = files();
    await run(['provision', 'beacon', '--site', 's', '--spot', 'p', '--out', config]);
    writeFileSync(firmware, encodeIntelHex([{ address: 0, data: Uint8Array.of(1, 2, 3, 4) }]));
    const calls: string[][] = [];
    const ok = await run(['flash', 'beacon', '--firmware', firmware, '--config', config], { runProbe: (a) => (calls.push(a), 0) });
    expect(ok.code).toBe(0);
    expect(calls.map((c) => c[c.length - 1])).toEqual([`program ${firmware} verify exit`, `program ${config} verify reset exit`]);
    const failing = await run(['flash', 'beacon', '--firmware', firmware, '--config', config], { runProbe: () => 1 });
    expect(failing.code).toBe(1);
    expect(failing.err.join('\n')).toMatch(/openocd exited with 1/);
  });

  it('refuses a firmware image that writes into the config page, and a config that is not one', async () => {
    const { config, firmware } = files();
    await run(['provision', 'beacon', '--site', 's', '--spot', 'p', '--out', config]);
    writeFileSync(firmware, encodeIntelHex([{ address: 0x7f000, data: new Uint8Array(16).fill(1) }]));
    const r = await run(['flash', 'beacon', '--firmware', firmware, '--config', config, '--dry-run']);
    expect(r.code).toBe(2);
    expect(r.err.join('\n')).toMatch(/writes into the config page at 0x7f000/);
    const bad = await run(['flash', 'beacon', '--firmware', firmware, '--config', firmware, '--dry-run']);
    expect(bad.code).toBe(2);
    expect(bad.err.join('\n')).toMatch(/bad magic/);
  });
});
