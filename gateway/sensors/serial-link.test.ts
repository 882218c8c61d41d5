/**
 * Retry timing of the serial link, with SerialPortMock and fake timers: the only place a mock port is
 * used (the adapters are tested on real ptys). Jitter off, so the delays are exact.
 */
import { SerialPortMock } from 'serialport';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AdapterState } from '../core/types.js';
import { SerialLink } from './serial-link.js';

const PATH = '/dev/mock-radar0';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
});
afterEach(() => {
  vi.useRealTimers();
  SerialPortMock.binding.reset();
});

/** Lets the mock binding's nextTick/promise chain run; setImmediate is not faked. */
async function settle(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !cond(); i++) await new Promise((r) => setImmediate(r));
  expect(cond()).toBe(true);
}

function mockLink(silenceMs?: number) {
  const ports: SerialPortMock[] = [];
  const states: AdapterState[] = [];
  const data: string[] = [];
  const problems: string[] = [];
  const link = new SerialLink({
    path: PATH,
    baudRate: 256000,
    retry: { initialDelayMs: 100, maxDelayMs: 400, factor: 2, jitter: 0 },
    silenceMs,
    openPort: (o) => {
      const p = new SerialPortMock({ ...o, autoOpen: false });
      ports.push(p);
      return p;
    },
    onData: (c) => data.push(Buffer.from(c).toString()),
    onState: (s) => states.push(s),
    onProblem: (m) => problems.push(m),
  });
  return { link, ports, states, data, problems };
}

describe('serial link retry timing', () => {
  it('retries an absent device after 100, 200, 400, 400 ms, opens when it appears, and reads', async () => {
    const { link, ports, states, data, problems } = mockLink();
    await link.start();
    expect(link.state).toBe('retrying');
    expect(problems[0]).toMatch(/cannot open \/dev\/mock-radar0/);
    const attemptsAfter = async (ms: number) => {
      await vi.advanceTimersByTimeAsync(ms);
      return ports.length;
    };
    expect(await attemptsAfter(99)).toBe(1);
    expect(await attemptsAfter(1)).toBe(2);
    expect(await attemptsAfter(199)).toBe(2);
    expect(await attemptsAfter(1)).toBe(3);
    expect(await attemptsAfter(399)).toBe(3);
    expect(await attemptsAfter(1)).toBe(4);
    SerialPortMock.binding.createPort(PATH); // plugged in
    expect(await attemptsAfter(399)).toBe(4); // capped at 400, not 800
    expect(await attemptsAfter(1)).toBe(5);
    expect(link.state).toBe('open');
    expect(link.reconnects).toBe(0);
    ports[4]!.port!.emitData(Buffer.from('hello'));
    await settle(() => data.length > 0);
    expect(data).toEqual(['hello']);
    expect(states).toEqual(['starting', 'retrying', 'open']);
    await link.stop();
  });

  it('after a disconnect it starts again from the initial delay and counts the reconnect', async () => {
    SerialPortMock.binding.createPort(PATH);
    const { link, ports, states } = mockLink();
    await link.start();
    expect(link.state).toBe('open');
    // what serialport does when the tty reports EIO (USB adapter pulled)
    ports[0]!._disconnected(new Error('device gone'));
    await settle(() => link.state === 'retrying');
    await vi.advanceTimersByTimeAsync(99);
    expect(ports).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(ports).toHaveLength(2);
    await settle(() => link.state === 'open');
    expect(link.reconnects).toBe(1);
    expect(states).toEqual(['starting', 'open', 'retrying', 'open']);
    await link.stop();
    expect(link.state).toBe('stopped');
  });

  it('stop() cancels a pending retry: no further attempts', async () => {
    const { link, ports } = mockLink();
    await link.start();
    await link.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(ports).toHaveLength(1);
    expect(link.state).toBe('stopped');
  });

  it('write() on a closed link rejects instead of throwing', async () => {
    const { link } = mockLink();
    await expect(link.write(Uint8Array.of(1))).rejects.toThrow(/not open/);
  });

  it('reopens a device that went silent while its tty stayed open, and not one that keeps talking', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance'] });
    SerialPortMock.binding.createPort(PATH);
    const { link, ports, states, problems } = mockLink(1000);
    await link.start();
    expect(link.state).toBe('open');
    for (let i = 0; i < 10; i++) {
      ports[0]!.port!.emitData(Buffer.from('x'));
      await vi.advanceTimersByTimeAsync(500);
    }
    expect(link.state).toBe('open');
    expect(link.silences).toBe(0);
    await vi.advanceTimersByTimeAsync(1250); // quiet for > 1000 ms, checked every 250 ms
    expect(link.silences).toBe(1);
    expect(problems.at(-1)).toMatch(/mock-radar0 closed: no data for 1\d{3} ms/);
    await vi.advanceTimersByTimeAsync(100);
    await settle(() => link.state === 'open');
    expect(ports).toHaveLength(2);
    expect(ports[0]!.isOpen).toBe(false);
    expect(link.reconnects).toBe(1);
    expect(states).toEqual(['starting', 'open', 'retrying', 'open']);
    await link.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(link.silences).toBe(1);
  });
});
