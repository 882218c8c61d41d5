/**
 * sd_notify through the real `systemd-notify` (package systemd) into a Unix datagram socket standing in
 * for systemd's (test-support.ts): what arrives is what systemd would read.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSdNotifier, watchdogInterval } from './sd-notify.js';
import { type NotifyReceiver, startNotifyReceiver } from './test-support.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function receiver(): Promise<NotifyReceiver> {
  const dir = mkdtempSync(join(tmpdir(), 'tp-notify-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const r = await startNotifyReceiver(dir);
  cleanups.push(() => r.close());
  return r;
}

/** What systemd acts on: the datagrams without systemd-notify's barrier messages. */
const payloads = (r: NotifyReceiver) => r.messages.filter((m) => m !== 'BARRIER=1');

describe('sd_notify via systemd-notify', () => {
  it('sends READY=1 with a status line, STATUS= and STOPPING=1 to NOTIFY_SOCKET', async () => {
    const r = await receiver();
    const n = createSdNotifier({ env: { NOTIFY_SOCKET: r.path, PATH: process.env.PATH } });
    expect(n.enabled).toBe(true);
    await n.ready('gateway gw-1 running\nsecond line');
    await n.status('outbox 3');
    await n.stopping();
    await vi.waitFor(() => expect(payloads(r)).toEqual(['READY=1\nSTATUS=gateway gw-1 running second line', 'STATUS=outbox 3', 'STOPPING=1']), { timeout: 10_000 });
    expect({ sent: n.sent, failed: n.failed }).toEqual({ sent: 3, failed: 0 });
  });

  it('beats WATCHDOG=1 on the real socket at WATCHDOG_USEC/2', async () => {
    const r = await receiver();
    const n = createSdNotifier({ env: { NOTIFY_SOCKET: r.path, WATCHDOG_USEC: '400000', WATCHDOG_PID: String(process.pid), PATH: process.env.PATH } });
    expect(n.watchdogIntervalMs).toBe(200);
    cleanups.push(n.startWatchdog());
    await vi.waitFor(() => expect(payloads(r).filter((m) => m === 'WATCHDOG=1').length).toBeGreaterThanOrEqual(2), { timeout: 10_000 });
  });

  it('skips beats while unhealthy, never runs two systemd-notify at once, stops when told (fake timers)', async () => {
    vi.useFakeTimers();
    cleanups.push(() => vi.useRealTimers());
    let healthy = true;
    let release: () => void = () => {};
    const calls: string[] = [];
    const run = (args: readonly string[]) => {
      calls.push(args.join(' '));
      return new Promise<void>((res) => (release = res));
    };
    const n = createSdNotifier({ env: { NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: '30000000' }, run });
    const stop = n.startWatchdog(() => healthy);
    await vi.advanceTimersByTimeAsync(15_000);
    expect(calls).toEqual(['WATCHDOG=1']);
    await vi.advanceTimersByTimeAsync(30_000); // the first is still running: no second child
    expect(calls).toHaveLength(1);
    release();
    await vi.advanceTimersByTimeAsync(15_000);
    expect(calls).toHaveLength(2);
    release();
    healthy = false;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toHaveLength(2);
    healthy = true;
    await vi.advanceTimersByTimeAsync(15_000);
    expect(calls).toHaveLength(3);
    release();
    stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toHaveLength(3);
    expect(n.sent).toBe(3);
  });

  it('is a no-op outside systemd, and a failed notification is logged, never thrown', async () => {
    const calls: string[][] = [];
    const off = createSdNotifier({ env: {}, run: async (a) => void calls.push([...a]) });
    expect(off.enabled).toBe(false);
    await off.ready();
    off.startWatchdog()();
    expect(calls).toEqual([]);

    const logged: string[] = [];
    const broken = createSdNotifier({ env: { NOTIFY_SOCKET: join(tmpdir(), 'no-such-dir', 'notify') , PATH: process.env.PATH }, log: (m) => logged.push(m) });
    await broken.ready();
    expect(broken.failed).toBe(1);
    expect(logged[0]).toMatch(/systemd-notify READY=1/);
  });

  it('reads the watchdog settings as sd_watchdog_enabled(3) does', () => {
    expect(watchdogInterval({ WATCHDOG_USEC: '30000000' }, 7)).toBe(15_000);
    expect(watchdogInterval({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '7' }, 7)).toBe(15_000);
    expect(watchdogInterval({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '8' }, 7)).toBeNull(); // meant for another process
    expect(watchdogInterval({}, 7)).toBeNull();
    expect(watchdogInterval({ WATCHDOG_USEC: 'x' }, 7)).toBeNull();
    expect(watchdogInterval({ WATCHDOG_USEC: '0' }, 7)).toBeNull();
  });
});
