/**
 * The radar command channel: unit checks on a scripted channel (ACK matching, NAK, timeout, end-config
 * after failures), then configuration round trips through the adapter against the LD2410 emulator on a
 * real pty.
 */
import { describe, expect, it, vi } from 'vitest';
import { createLd2410Emulator } from '../../beacon-sim/sensors/ld2410-emulator.js';
import { createPtyPair } from '../../beacon-sim/sensors/pty.js';
import { standingAt } from '../../beacon-sim/sensors/scenario.js';
import { serveDevice } from '../../beacon-sim/sensors/serve.js';
import { collect, openRawDevice, useCleanup } from '../../beacon-sim/sensors/test-support.js';
import { hex } from '../../protocol/sensors/bytes.js';
import {
  type Ld2410Ack,
  type Ld2410Frame,
  LD2410_ACK_VECTORS,
  LD2410_COMMAND_VECTORS,
  createLd2410Parser,
  encodeLd2410Ack,
  encodeLd2410Report,
} from '../../protocol/sensors/ld2410/index.js';
import type { RadarReading } from '../core/types.js';
import { createRadarAdapter } from './radar-adapter.js';
import { type RadarChannel, RadarCommandError, createRadarSession } from './radar-session.js';

const c = useCleanup();
const WAIT = { timeout: 15_000, interval: 20 };

/** A channel whose "radar" answers each written command with whatever `reply` returns. */
function scriptedChannel(reply: (frame: Ld2410Frame) => Ld2410Ack[] | null) {
  const listeners = new Set<(ack: Ld2410Ack) => void>();
  const parser = createLd2410Parser();
  const written: Uint8Array[] = [];
  const channel: RadarChannel<'ld2410'> = {
    async write(bytes) {
      written.push(bytes);
      for (const f of parser.push(bytes)) {
        const acks = reply(f);
        // answer asynchronously, as a UART does
        if (acks) setTimeout(() => acks.forEach((a) => listeners.forEach((l) => l(a))), 1);
      }
    },
    onAck(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
  const commands = () => written.map((w) => createLd2410Parser().push(w)[0]).map((f) => (f && f.kind === 'command' ? f.command : '?'));
  return { channel, written, commands };
}

const ok = (command: Ld2410Ack['command'], payload: Ld2410Ack['payload'] = null) => ({ kind: 'ack', command, status: 0, payload }) as Ld2410Ack;

describe('radar session on a scripted channel', () => {
  it('sends the published command bytes (notes §3.4, aio-ld2410 traces) and resolves with the matching ACK, ignoring ACKs of other commands', async () => {
    const fw = LD2410_ACK_VECTORS.find((v) => v.id.startsWith('K4'))!.expected;
    const s = scriptedChannel((f) => {
      if (f.kind !== 'command') return null;
      if (f.command === 'enableConfig') return [ok('enableConfig', { protocolVersion: 1, bufferSize: 64 })];
      // a stray ACK of another command first: must not satisfy readFirmware
      if (f.command === 'readFirmware') return [ok('readParameters', null), fw];
      return [ok(f.command)];
    });
    const session = createRadarSession(s.channel, { model: 'ld2410', timeoutMs: 500 });
    const result = await session.configure([{ command: 'readFirmware' }]);
    expect(result.protocol).toEqual({ protocolVersion: 1, bufferSize: 64 });
    expect(result.acks).toEqual([fw]);
    const vector = (id: string) => hex(LD2410_COMMAND_VECTORS.find((v) => v.id === id)!.hex);
    expect(s.written).toEqual([vector('enable config'), vector('firmware'), vector('end config')]);
  });

  it('a NAK is a RadarCommandError naming the command, and end-config is still sent', async () => {
    const s = scriptedChannel((f) => {
      if (f.kind !== 'command') return null;
      if (f.command === 'enableConfig') return [ok('enableConfig', { protocolVersion: 1, bufferSize: 64 })];
      if (f.command === 'setMaxGates') return [{ kind: 'ack', command: 'setMaxGates', status: 1, payload: null }];
      return [ok(f.command)];
    });
    const session = createRadarSession(s.channel, { model: 'ld2410', timeoutMs: 500 });
    const err = await session.configure([{ command: 'engineeringOn' }, { command: 'setMaxGates', maxMovingGate: 1, maxStaticGate: 1, noOneTimeoutS: 5 }, { command: 'readParameters' }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RadarCommandError);
    expect(err).toMatchObject({ command: 'setMaxGates', reason: 'nak', message: expect.stringMatching(/setMaxGates/) });
    expect(s.commands()).toEqual(['enableConfig', 'engineeringOn', 'setMaxGates', 'endConfig']);
  });

  it('no ACK in time is a timeout naming the command; a failing end-config is attached, not hidden', async () => {
    const s = scriptedChannel((f) => (f.kind === 'command' && f.command === 'enableConfig' ? [ok('enableConfig', { protocolVersion: 1, bufferSize: 64 })] : null));
    const session = createRadarSession(s.channel, { model: 'ld2410', timeoutMs: 50 });
    const err = (await session.configure([{ command: 'readParameters' }]).catch((e: unknown) => e)) as RadarCommandError;
    expect(err).toMatchObject({ name: 'RadarCommandError', command: 'readParameters', reason: 'timeout' });
    expect(err.endConfigError).toMatchObject({ command: 'endConfig', reason: 'timeout' });
    expect(s.commands()).toEqual(['enableConfig', 'readParameters', 'endConfig']);
  });

  it('tries end-config even when enable-config itself got no answer', async () => {
    const s = scriptedChannel((f) => (f.kind === 'command' && f.command === 'endConfig' ? [ok('endConfig')] : null));
    const session = createRadarSession(s.channel, { model: 'ld2410', timeoutMs: 50 });
    await expect(session.configure([{ command: 'readFirmware' }])).rejects.toMatchObject({ command: 'enableConfig', reason: 'timeout', endConfigError: undefined });
    expect(s.commands()).toEqual(['enableConfig', 'endConfig']);
  });

  it('runs sessions one at a time', async () => {
    const s = scriptedChannel((f) => (f.kind === 'command' ? [ok(f.command, f.command === 'enableConfig' ? { protocolVersion: 1, bufferSize: 64 } : null)] : null));
    const session = createRadarSession(s.channel, { model: 'ld2410', timeoutMs: 500 });
    await Promise.all([session.configure([{ command: 'engineeringOn' }]), session.configure([{ command: 'engineeringOff' }])]);
    expect(s.commands()).toEqual(['enableConfig', 'engineeringOn', 'endConfig', 'enableConfig', 'engineeringOff', 'endConfig']);
  });

  it('refuses a command value the datasheet rules out before sending anything', async () => {
    const s = scriptedChannel(() => null);
    const session = createRadarSession(s.channel, { model: 'ld2410', timeoutMs: 50 });
    await expect(session.send({ command: 'setGateSensitivity', gate: 3, movingSensitivity: 101, staticSensitivity: 0 })).rejects.toThrow(RangeError);
    expect(s.written).toEqual([]);
  });
});

async function adapterWithEmulator(options: Parameters<typeof createLd2410Emulator>[0] = {}, ackTimeoutMs = 1000) {
  const dir = c.tempDir();
  const pair = await createPtyPair(dir, 'radar0');
  c.add(() => pair.close());
  const radar = createLd2410Emulator({ scenario: standingAt(80), ...options });
  const served = await serveDevice(radar, pair.devicePath, { baudRate: 256000 });
  c.add(() => served.close());
  const adapter = createRadarAdapter({ sensor: 'radar0', path: pair.path, model: 'ld2410', ackTimeoutMs, retry: { initialDelayMs: 20, jitter: 0 } });
  c.add(() => adapter.stop());
  await adapter.start();
  return { radar, adapter, pair };
}

describe('radar configuration against the LD2410 emulator on a pty', () => {
  it('sets max gate, no-one timeout and a gate sensitivity, and reads them back', async () => {
    const { radar, adapter } = await adapterWithEmulator();
    const readings = collect<RadarReading>(adapter);
    await vi.waitFor(() => expect(readings.length).toBeGreaterThan(0), WAIT);
    const { protocol, acks } = await adapter.configure([
      { command: 'setMaxGates', maxMovingGate: 6, maxStaticGate: 5, noOneTimeoutS: 12 },
      { command: 'setGateSensitivity', gate: 3, movingSensitivity: 44, staticSensitivity: 33 },
      { command: 'readParameters' },
      { command: 'readFirmware' },
    ]);
    expect(protocol).toEqual({ protocolVersion: 1, bufferSize: 64 });
    expect(acks.map((a) => [a.command, a.status])).toEqual([['setMaxGates', 0], ['setGateSensitivity', 0], ['readParameters', 0], ['readFirmware', 0]]);
    const params = acks[2]!.payload as { maxMovingGate: number; maxStaticGate: number; noOneTimeoutS: number; movingSensitivity: number[]; staticSensitivity: number[] };
    expect(params).toMatchObject({ maxGate: 8, maxMovingGate: 6, maxStaticGate: 5, noOneTimeoutS: 12 });
    // factory defaults (notes §3.3) everywhere but gate 3
    expect(params.movingSensitivity).toEqual([50, 50, 40, 44, 20, 15, 15, 15, 15]);
    expect(params.staticSensitivity).toEqual([0, 0, 40, 33, 30, 30, 20, 20, 20]);
    expect(acks[3]!.payload).toMatchObject({ version: 'V1.07.22091516' });
    expect(radar.configMode).toBe(false);
    // reports resume after end-config
    const n = readings.length;
    await vi.waitFor(() => expect(readings.length).toBeGreaterThan(n + 2), WAIT);
  });

  it('engineering on → engineering reports arrive; off → basic again', async () => {
    const { adapter } = await adapterWithEmulator();
    const modes: string[] = [];
    adapter.onFrame((f) => {
      if (f.kind === 'report') modes.push(f.mode);
    });
    await vi.waitFor(() => expect(modes).toContain('basic'), WAIT);
    await adapter.configure([{ command: 'engineeringOn' }]);
    let from = modes.length;
    await vi.waitFor(() => expect(modes.slice(from).filter((m) => m === 'engineering').length).toBeGreaterThanOrEqual(3), WAIT);
    expect(modes.slice(from)).not.toContain('basic');
    const gates: number[][] = [];
    adapter.onFrame((f) => {
      if (f.kind === 'report' && f.mode === 'engineering') gates.push(f.staticEnergies);
    });
    await vi.waitFor(() => expect(gates.length).toBeGreaterThan(0), WAIT);
    expect(gates[0]).toHaveLength(9);
    // the person stands at 80 cm: gate 1 at 0.75 m per gate carries the stationary energy
    expect(Math.max(...gates[0]!)).toBe(gates[0]![1]);

    await adapter.configure([{ command: 'engineeringOff' }]);
    from = modes.length;
    await vi.waitFor(() => expect(modes.slice(from).filter((m) => m === 'basic').length).toBeGreaterThanOrEqual(3), WAIT);
    expect(modes.slice(from)).not.toContain('engineering');
  });

  it('a NAK from the radar fails with the command named, and the radar is back to reporting', async () => {
    const { radar, adapter } = await adapterWithEmulator({ nak: ['setDistanceResolution'] });
    const readings = collect<RadarReading>(adapter);
    const err = await adapter.configure([{ command: 'setDistanceResolution', resolutionCm: 20 }]).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'RadarCommandError', command: 'setDistanceResolution', reason: 'nak' });
    expect(radar.commands.map((f) => f.command)).toEqual(['enableConfig', 'setDistanceResolution', 'endConfig']);
    expect(radar.configMode).toBe(false);
    expect(radar.resolutionCm).toBe(75);
    const n = readings.length;
    await vi.waitFor(() => expect(readings.length).toBeGreaterThan(n + 2), WAIT);
  });

  it('a silent radar times out on the named command; end-config still ends configuration mode', async () => {
    const { radar, adapter } = await adapterWithEmulator({ silent: ['readParameters'] }, 300);
    const err = await adapter.configure([{ command: 'readParameters' }]).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'RadarCommandError', command: 'readParameters', reason: 'timeout' });
    expect(radar.commands.map((f) => f.command)).toEqual(['enableConfig', 'readParameters', 'endConfig']);
    expect(radar.configMode).toBe(false);
  });

  it('delivers reports interleaved with ACKs while configuring', async () => {
    // a scripted radar that answers every command with a report first, then the ACK
    const dir = c.tempDir();
    const pair = await createPtyPair(dir, 'radar0');
    c.add(() => pair.close());
    const device = await openRawDevice(pair.devicePath);
    c.add(() => device.close());
    const parser = createLd2410Parser();
    let seq = 0;
    device.onData((chunk) => {
      for (const f of parser.push(chunk)) {
        if (f.kind !== 'command') continue;
        const report = encodeLd2410Report({ mode: 'basic', state: 1, movingDistanceCm: 500 + seq++, movingEnergy: 40, staticDistanceCm: 0, staticEnergy: 0, detectionDistanceCm: 0 });
        const payload = f.command === 'enableConfig' ? { protocolVersion: 1, bufferSize: 64 } : null;
        void device.write(Buffer.concat([report, encodeLd2410Ack({ kind: 'ack', command: f.command, status: 0, payload } as Ld2410Ack)]));
      }
    });
    const adapter = createRadarAdapter({ sensor: 'radar0', path: pair.path, model: 'ld2410' });
    c.add(() => adapter.stop());
    const readings = collect<RadarReading>(adapter);
    await adapter.start();
    await adapter.configure([{ command: 'engineeringOn' }, { command: 'engineeringOff' }]);
    await vi.waitFor(() => expect(readings.map((r) => r.movingDistanceCm)).toEqual([500, 501, 502, 503]), WAIT);
  });

  it('an unplug during a command fails it as "closed" without waiting for the timeout', async () => {
    const { radar, adapter, pair } = await adapterWithEmulator({ silent: ['readParameters'] }, 60_000);
    const pending = adapter.configure([{ command: 'readParameters' }]).catch((e: unknown) => e);
    await vi.waitFor(() => expect(radar.commands.map((f) => f.command)).toContain('readParameters'), WAIT);
    await pair.close();
    const err = await pending;
    expect(err).toMatchObject({ name: 'RadarCommandError', command: 'readParameters', reason: 'closed' });
    expect((err as RadarCommandError).endConfigError).toMatchObject({ command: 'endConfig', reason: 'write-failed' });
  });
});
