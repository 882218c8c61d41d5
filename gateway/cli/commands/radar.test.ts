/**
 * `radar info` / `radar config` end to end: the real serialport on one end of a socat pty pair, the
 * LD2410 emulator on the other, exactly as a technician's laptop and a radar.
 */
import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { type Ld2410Emulator, createLd2410Emulator } from '../../../beacon-sim/sensors/ld2410-emulator.js';
import { createPtyPair } from '../../../beacon-sim/sensors/pty.js';
import { standingAt } from '../../../beacon-sim/sensors/scenario.js';
import { serveDevice } from '../../../beacon-sim/sensors/serve.js';
import { useCleanup } from '../../../beacon-sim/sensors/test-support.js';
import { LD2410_ACK_VECTORS } from '../../../protocol/sensors/ld2410/vectors.js';
import { RadarCommandError } from '../../sensors/radar-session.js';
import { UsageError } from '../io.js';
import { parseSensitivity, registerRadar } from './radar.js';

const c = useCleanup();

/** The command as the lead will wire it, run in-process with a capturing io. */
async function radarCli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const program = new Command('touchpoint').exitOverride().configureOutput({ writeOut: () => {}, writeErr: (s) => err.push(s) });
  registerRadar(program, { out: (l) => out.push(l), err: (l) => err.push(l) });
  for (const sub of program.commands) {
    sub.exitOverride();
    for (const s of sub.commands) s.exitOverride().configureOutput({ writeOut: () => {}, writeErr: (s2) => err.push(s2) });
  }
  await program.parseAsync(['radar', ...args], { from: 'user' });
  return { out, err, json: out.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

async function radarOnPty(options: Parameters<typeof createLd2410Emulator>[0] = {}): Promise<{ path: string; radar: Ld2410Emulator }> {
  const pair = await createPtyPair(c.tempDir(), 'radar0');
  c.add(() => pair.close());
  const radar = createLd2410Emulator({ scenario: standingAt(90), ...options });
  const served = await serveDevice(radar, pair.devicePath, { baudRate: 256000 });
  c.add(() => served.close());
  return { path: pair.path, radar };
}

const K2 = LD2410_ACK_VECTORS.find((v) => v.id.startsWith('K2'))!.expected.payload;

describe('radar info', () => {
  it('prints firmware, factory parameters (K2), resolution and MAC as one JSON object, and leaves the radar reporting', async () => {
    const { path, radar } = await radarOnPty();
    const { json, err } = await radarCli('info', '--port', path);
    expect(json).toEqual([
      {
        port: path,
        protocol: { protocolVersion: 1, bufferSize: 64 },
        firmware: { version: 'V1.07.22091516', type: 0x0100 },
        parameters: K2,
        resolutionCm: 75,
        mac: '8F:27:2E:B8:0F:65',
        bluetooth: true,
      },
    ]);
    expect(err).toEqual([]);
    expect(radar.commands.map((f) => f.command)).toEqual(['enableConfig', 'readFirmware', 'readParameters', 'getDistanceResolution', 'getMac', 'endConfig']);
    expect(radar.configMode).toBe(false);
  });

  it('firmware without the resolution query: null and a warning, not a failure', async () => {
    const { path } = await radarOnPty({ nak: ['getDistanceResolution'] });
    const { json, err } = await radarCli('info', '--port', path);
    expect(json[0]).toMatchObject({ resolutionCm: null, firmware: { version: 'V1.07.22091516' } });
    expect(err.join('\n')).toMatch(/distance resolution not available: radar refused getDistanceResolution/);
  });

  it('a port that does not exist is an operational error naming the path', async () => {
    const dir = c.tempDir();
    await expect(radarCli('info', '--port', `${dir}/nothing`)).rejects.toThrow(/cannot open .*nothing/);
  });

  it('a silent radar fails with the command named after --ack-timeout', async () => {
    const { path, radar } = await radarOnPty({ silent: ['readFirmware'] });
    const e = await radarCli('info', '--port', path, '--ack-timeout', '200').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RadarCommandError);
    expect(e).toMatchObject({ command: 'readFirmware', reason: 'timeout' });
    expect(radar.configMode).toBe(false); // end-config was still sent
  });
});

describe('radar config', () => {
  it('sets max gate, timeout, sensitivities and engineering mode, then prints what the radar reports', async () => {
    const { path, radar } = await radarOnPty();
    const { json } = await radarCli('config', '--port', path, '--max-gate', '6', '--timeout', '10', '--sensitivity', '3:40:30', 'all:0:0', '4:55:45', '--engineering', 'on');
    const out = json[0]!;
    expect(out.applied).toEqual(['setMaxGates', 'setGateSensitivity', 'setGateSensitivity', 'setGateSensitivity', 'engineeringOn']);
    expect(out.parameters).toEqual({
      maxGate: 8,
      maxMovingGate: 6,
      maxStaticGate: 6,
      noOneTimeoutS: 10,
      movingSensitivity: [0, 0, 0, 0, 55, 0, 0, 0, 0],
      staticSensitivity: [0, 0, 0, 0, 45, 0, 0, 0, 0],
    });
    expect(out.reports).toBe('engineering');
    expect(radar.engineering).toBe(true);
    expect(radar.parameters).toEqual(out.parameters);
    expect(radar.configMode).toBe(false);
  });

  it('--timeout alone keeps the current max gates (read first: 0x0060 sets all three)', async () => {
    const { path, radar } = await radarOnPty();
    const { json } = await radarCli('config', '--port', path, '--timeout', '30');
    expect(json[0]!.parameters).toMatchObject({ maxMovingGate: 8, maxStaticGate: 8, noOneTimeoutS: 30 });
    expect(radar.commands.map((f) => f.command).slice(0, 4)).toEqual(['enableConfig', 'readParameters', 'setMaxGates', 'readFirmware']);
  });

  it('--resolution 0.2 is stored and flagged as needing a restart; --engineering off switches back', async () => {
    const { path, radar } = await radarOnPty({ engineering: true });
    const { json, err } = await radarCli('config', '--port', path, '--resolution', '0.2', '--engineering', 'off');
    expect(json[0]).toMatchObject({ resolutionCm: 20, restartRequired: true, reports: 'basic', applied: ['engineeringOff', 'setDistanceResolution'] });
    expect(err.join('\n')).toMatch(/after the radar restarts/);
    expect(radar.engineering).toBe(false);
  });

  it('a NAK fails with the command named; the radar is left out of configuration mode with its parameters', async () => {
    const { path, radar } = await radarOnPty({ nak: ['setGateSensitivity'] });
    const e = await radarCli('config', '--port', path, '--max-gate', '5', '--sensitivity', '2:30:30').catch((x: unknown) => x);
    expect(e).toMatchObject({ name: 'RadarCommandError', command: 'setGateSensitivity', reason: 'nak' });
    expect(radar.configMode).toBe(false);
    expect(radar.parameters.maxMovingGate).toBe(5);
    expect(radar.commands.at(-1)?.command).toBe('endConfig');
  });

  it('refuses bad input before touching the port', async () => {
    const path = '/nonexistent/radar';
    await expect(radarCli('config', '--port', path)).rejects.toThrow(UsageError);
    for (const bad of [
      ['--max-gate', '9'],
      ['--max-gate', '1'],
      ['--timeout', '70000'],
      ['--sensitivity', '3:101:0'],
      ['--sensitivity', '9:10:10'],
      ['--sensitivity', '3-40-30'],
      ['--resolution', '0.5'],
      ['--engineering', 'maybe'],
      ['--baud', '12345'],
    ]) {
      await expect(radarCli('config', '--port', path, ...bad), bad.join(' ')).rejects.toThrow(CommanderError);
    }
  });

  it('parses sensitivity specs', () => {
    expect(parseSensitivity('all:50:40')).toEqual({ gate: 'all', movingSensitivity: 50, staticSensitivity: 40 });
    expect(parseSensitivity('8:0:100')).toEqual({ gate: 8, movingSensitivity: 0, staticSensitivity: 100 });
  });
});
