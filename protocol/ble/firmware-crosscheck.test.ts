/**
 * Beacon firmware C core ⇄ TypeScript codecs, byte for byte.
 *
 * hardware/beacon-firmware/test/configs/*.json are the example beacons. Their .hex files (the
 * provisioning records the firmware reads, made by protocol/beacon-config) are committed; this
 * test first proves they are current. `make test-vectors` then runs the C core over each .hex
 * through a fixed scenario (test/test_vectors.c) and prints the C parser's view of the config and
 * the advertising data of every event with the event's inputs (uptime, sensors, salt, presses).
 * Here each frame is rebuilt from the JSON with protocol/beacon-config slotAdvertisement (protocol/ble's
 * encodeFrame, computeEid, sealTlm and the event-frame encoder), and the rotation, counters and
 * timing are re-derived.
 * gcc and make are required (as for hardware/touch-bridge); their absence is a failure.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { slotAdvertisement } from '../beacon-config/advertise.js';
import { beaconConfigFromIntelHex, beaconConfigToIntelHex } from '../beacon-config/config-hex.js';
import { type BeaconConfig, type BeaconConfigInput, normalizeBeaconConfig, slotFieldBytes } from '../beacon-config/record.js';
import { toHex } from '../bytes.js';
import vectors from './vectors/advertisements.json' with { type: 'json' };

const fwDir = fileURLToPath(new URL('../../hardware/beacon-firmware/', import.meta.url));
const configDir = `${fwDir}test/configs/`;
const names = readdirSync(configDir).filter((f) => f.endsWith('.json')).sort();

interface Step {
  config: string;
  step: number;
  uptimeMs: number;
  slot: number;
  type: string;
  beaconSeconds: number;
  advCount: number;
  secCount: number;
  batteryMv: number;
  tempQ2: number;
  salt: number;
  pressMs: number;
  adv: string;
}

let lines: Record<string, unknown>[] = [];

beforeAll(() => {
  execFileSync('make', ['-C', fwDir, 'test-vectors'], { stdio: ['ignore', 'pipe', 'pipe'] });
  lines = readFileSync(`${fwDir}build/vectors.jsonl`, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}, 120_000);

function config(name: string): { input: BeaconConfigInput; cfg: BeaconConfig; hexName: string } {
  const input = JSON.parse(readFileSync(configDir + name, 'utf8')) as BeaconConfigInput;
  return { input, cfg: normalizeBeaconConfig(input), hexName: name.replace(/\.json$/, '.hex') };
}

/**
 * The frame protocol/ble (and the event-frame codec) would send for this slot at this event:
 * protocol/beacon-config slotAdvertisement, which simulated beacons use too. The counters it
 * derives from the uptime (beacon seconds, SEC_CNT) are checked against the C's own below.
 */
function expectedAdv(cfg: BeaconConfig, slotIndex: number, s: Step, presses: number, lastPressMs: number | null): Uint8Array {
  const slot = slotIndex < 0 ? ({ type: 'event' } as const) : cfg.slots[slotIndex]!;
  return slotAdvertisement(cfg, slot, {
    uptimeMs: s.uptimeMs,
    advCount: s.advCount,
    batteryMv: s.batteryMv,
    temperatureC: s.tempQ2 / 4,
    salt: s.salt,
    eventCount: presses,
    lastEventMs: lastPressMs,
  });
}

describe('beacon firmware C core ⇄ protocol/ble encoders', () => {
  it('has example configs, and every committed .hex is what protocol/beacon-config makes from its .json', () => {
    expect(names.length).toBeGreaterThanOrEqual(4);
    for (const name of names) {
      const { input, hexName } = config(name);
      const committed = readFileSync(configDir + hexName, 'utf8');
      expect(committed, `${hexName} is stale: npx tsx hardware/beacon-firmware/tools/gen-configs.ts`).toBe(beaconConfigToIntelHex(input));
    }
  });

  it('the C parser and the TypeScript decoder read every provisioned record to the same values', () => {
    for (const name of names) {
      const { cfg, hexName } = config(name);
      const ts = beaconConfigFromIntelHex(readFileSync(configDir + hexName, 'utf8'));
      expect(ts).toMatchObject({ ok: true, config: cfg, chip: 'nrf52832', unknownFields: 0 });
      const c = lines.find((l) => l.config === hexName && 'status' in l);
      expect(c, hexName).toEqual({
        config: hexName,
        status: 'ok',
        parsed: { ...cfg, slots: cfg.slots.map((s) => ({ type: s.type, data: toHex(slotFieldBytes(s)) })), unknownFields: 0 },
      });
      expect(lines.find((l) => l.config === hexName && 'address' in l)).toEqual({ config: hexName, address: 0x7f000 });
    }
  });

  it('every advertising event is byte-identical to encodeFrame / computeEid / sealTlm / the event frame', () => {
    const seen = new Set<string>();
    let events = 0;
    for (const name of names) {
      const { cfg, hexName } = config(name);
      const steps = lines.filter((l): l is Record<string, unknown> & Step => l.config === hexName && 'step' in l) as Step[];
      expect(steps.length, hexName).toBe(24);
      let next = 0;
      let burstLeft = 0;
      let presses = 0;
      let lastPress: number | null = null;
      steps.forEach((s, i) => {
        const where = `${hexName} step ${i}`;
        expect(s.step, where).toBe(i);
        if (s.pressMs >= 0) {
          expect(cfg.input, `${where}: presses only on beacons with an input`).not.toBeNull();
          presses++;
          lastPress = s.pressMs;
          burstLeft = cfg.event.burst;
        }
        const slot = burstLeft > 0 ? -1 : next;
        expect(s.slot, where).toBe(slot);
        if (slot < 0) burstLeft--;
        else next = (next + 1) % cfg.slots.length;
        expect(s.type, where).toBe(slot < 0 ? 'event' : cfg.slots[slot]!.type);
        // counters re-derived from the uptime: Eddystone seconds, TLM ADV_CNT (3 PDUs/event), SEC_CNT
        expect(s.beaconSeconds, where).toBe((cfg.timeReference + Math.floor(s.uptimeMs / 1000)) >>> 0);
        expect(s.advCount, where).toBe(3 * i);
        expect(s.secCount, where).toBe(Math.floor(s.uptimeMs / 100) >>> 0);
        // timing: the next event is one interval (fast during a burst) plus advDelay 0..10 ms later
        const following = steps[i + 1];
        if (following) {
          const gap = following.uptimeMs - s.uptimeMs - (burstLeft > 0 ? cfg.event.fastIntervalMs : cfg.intervalMs);
          expect(gap, `${where}: advDelay`).toBeGreaterThanOrEqual(0);
          expect(gap, `${where}: advDelay`).toBeLessThanOrEqual(10);
        }
        expect(s.adv, where).toBe(toHex(expectedAdv(cfg, slot, s, presses, lastPress)));
        seen.add(slot < 0 ? 'burst' : s.type);
        events++;
      });
    }
    // the scenario must exercise every frame kind, or this test proves less than it claims
    expect([...seen].sort()).toEqual(['burst', 'eddystone-eid', 'eddystone-etlm', 'eddystone-tlm', 'eddystone-uid', 'eddystone-url', 'event', 'ibeacon']);
    expect(events).toBe(24 * names.length);
  });

  it('the advertisement vectors quoted from the C core are still what it sends', () => {
    const sent = new Set(lines.map((l) => l.adv).filter((a): a is string => typeof a === 'string'));
    const quoted = vectors.vectors.filter((v) => v.source.includes('C core'));
    expect(quoted.length).toBeGreaterThanOrEqual(3);
    for (const v of quoted) expect(sent.has(v.hex!.toLowerCase()), v.name).toBe(true);
  });

  it('the C unit tests (published vectors, rotation, caches, parser robustness) pass', () => {
    const out = execFileSync('make', ['-s', '-C', fwDir, 'test'], { encoding: 'utf8' });
    expect(out).toMatch(/^\d+ passed, 0 failed$/m);
  });
});

/**
 * The target side: the nRF52832 image links within its budget, and the same core built for a
 * Cortex-M0 (qemu-system-arm -M microbit) prints exactly what the host build prints. Needs Debian's
 * gcc-arm-none-eabi, libnewlib-arm-none-eabi and qemu-system-arm (.ci/run installs them).
 */
describe('beacon firmware on the target toolchain', () => {
  it('make firmware links an nRF52832 image within 64 KB flash / 16 KB RAM', () => {
    const out = execFileSync('make', ['-s', '-C', fwDir, 'firmware'], { encoding: 'utf8' });
    const m = /flash (\d+) bytes \(budget 65536\), RAM (\d+) bytes \(budget 16384\)/.exec(out);
    expect(m, out).not.toBeNull();
    expect(Number(m![1])).toBeLessThanOrEqual(65536);
    expect(Number(m![2])).toBeLessThanOrEqual(16384);
  }, 120_000);

  it('the core on a Cortex-M0 under qemu prints the same tests and frames as the host build', () => {
    const out = execFileSync('make', ['-s', '-C', fwDir, 'qemu'], { encoding: 'utf8' });
    expect(out).toMatch(/qemu \(Cortex-M0\) output identical to host: \d+ lines/);
    const qemu = readFileSync(`${fwDir}build/qemu.out`, 'utf8');
    expect(qemu).toMatch(/^\d+ passed, 0 failed$/m);
    expect(qemu.split('\n').filter((l) => l.includes('"adv"'))).toHaveLength(24 * names.length);
  }, 120_000);
});

