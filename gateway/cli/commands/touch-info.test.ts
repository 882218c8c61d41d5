/**
 * `touch info` against the touch-bridge emulator on a real pty pair (socat): the bridge's start-up
 * HELLO is gone by the time the port is opened, so the command must ask for it (HELLO?).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPtyPair } from '../../../beacon-sim/sensors/pty.js';
import { type EmulatedDevice, serveDevice } from '../../../beacon-sim/sensors/serve.js';
import { useCleanup } from '../../../beacon-sim/sensors/test-support.js';
import { createTouchEmulator } from '../../../beacon-sim/sensors/touch-emulator.js';
import { runCommands } from '../../provision/test-support.js';
import { registerTouchInfo } from './touch-info.js';

const c = useCleanup();

/** A bridge on a pty that never greets: only a HELLO? request can make it send HELLO. */
async function bridgeOnPty(device: EmulatedDevice) {
  const pair = await createPtyPair(c.tempDir(), 'touch0');
  c.add(() => pair.close());
  const served = await serveDevice(device, pair.devicePath, { baudRate: 115200 });
  c.add(() => served.close());
  return pair.path;
}

const touchInfo = (...args: string[]) => runCommands([registerTouchInfo], ['touch', 'info', ...args]);

describe('touchpoint touch info', () => {
  it('asks for the HELLO (the start-up one is long gone) and prints firmware and channels', async () => {
    const bridge = createTouchEmulator({ firmware: '1.1.0', channels: 12, dataEveryMs: 200 });
    const path = await bridgeOnPty({ due: (t) => bridge.due(t), receive: (b, t) => bridge.receive(b, t) });
    const r = await touchInfo('--port', path);
    expect(r.code, r.err.join('\n')).toBe(0);
    expect(r.json).toEqual([{ port: path, firmware: '1.1.0', channels: 12, protocolVersion: 1, extra: {} }]);
    expect(bridge.requestsAnswered).toBeGreaterThanOrEqual(1);
  });

  it('tells an old bridge (TP1 lines, no answer to HELLO?) from a silent one, with what to do', async () => {
    const old = createTouchEmulator({ dataEveryMs: 100 });
    const path = await bridgeOnPty({ due: (t) => old.due(t) }); // firmware 1.0.0 never reads the port
    const r = await touchInfo('--port', path, '--timeout', '400');
    expect(r.code).toBe(1);
    expect(r.err.join('\n')).toMatch(/did not answer HELLO\?.*older than 1\.1\.0.*reflash/);

    const mute = await bridgeOnPty({ due: () => [] });
    const s = await touchInfo('--port', mute, '--timeout', '200');
    expect(s.code).toBe(1);
    expect(s.err.join('\n')).toMatch(/nothing received .*sketch flashed/);
  });

  it('names a missing port and the udev/cable remedy', async () => {
    const r = await touchInfo('--port', join(c.tempDir(), 'ttyACM9'));
    expect(r.code).toBe(1);
    expect(r.err.join('\n')).toMatch(/no device at .*ttyACM9.*USB cable/);
  });

  it('refuses a bad --timeout with exit 2', async () => {
    expect((await touchInfo('--port', '/dev/null', '--timeout', '0')).code).toBe(2);
  });
});
