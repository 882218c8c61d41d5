/**
 * `sim sensors`: in-process (paths printed, both sensors readable by the gateway adapters, cleanup at
 * the end) and as a real process stopped by SIGTERM.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { describe, expect, it, vi } from 'vitest';
import { useCleanup } from '../../../beacon-sim/sensors/test-support.js';
import type { RadarReading } from '../../core/types.js';
import { createRadarAdapter } from '../../sensors/radar-adapter.js';
import { createTouchAdapter } from '../../sensors/touch-adapter.js';
import { UsageError } from '../io.js';
import { registerSimSensors, runSimSensors } from './sim-sensors.js';

const c = useCleanup();
const WAIT = { timeout: 15_000, interval: 20 };

/** Child processes of pid, from /proc (no procps needed). */
function childrenOf(pid: number): { pid: number; name: string }[] {
  const out: { pid: number; name: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces, so split after the last ')'
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      if (ppid === pid) out.push({ pid: Number(entry), name: stat.slice(stat.indexOf('(') + 1, close) });
    } catch {
      // the process exited while we looked
    }
  }
  return out;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
}

describe('sim sensors', () => {
  it('prints the device paths; the gateway adapters read the radar and the touch bridge there; abort cleans up', async () => {
    const dir = c.tempDir();
    const cap = capture();
    const abort = new AbortController();
    c.add(() => abort.abort());
    const running = runSimSensors({ dir, scenario: 'shopper', seed: 3 }, cap.io, abort.signal);
    await vi.waitFor(() => expect(cap.out.length).toBe(1), WAIT);
    const paths = JSON.parse(cap.out[0]!) as { radar: string; touch: string };
    expect(paths).toEqual({ radar: join(dir, 'radar0'), touch: join(dir, 'touch0') });

    const radar = createRadarAdapter({ sensor: 'radar0', path: paths.radar, model: 'ld2410' });
    c.add(() => radar.stop());
    const readings: RadarReading[] = [];
    radar.on((r) => readings.push(r));
    const touch = createTouchAdapter({ sensor: 'touch0', path: paths.touch });
    c.add(() => touch.stop());
    const touchLines: string[] = [];
    touch.onMessage((m) => touchLines.push(m.kind));
    await Promise.all([radar.start(), touch.start()]);
    await vi.waitFor(() => expect(readings.length).toBeGreaterThanOrEqual(5), WAIT);
    await vi.waitFor(() => expect(touchLines).toContain('values'), WAIT); // D line every second
    expect(radar.health().badFrames + touch.health().badFrames + touch.health().crcFailures).toBe(0);

    // radar info through the sim works like with hardware: a configuration session is answered
    const { acks } = await radar.configure([{ command: 'readFirmware' }]);
    expect(acks[0]!.payload).toMatchObject({ version: 'V1.07.22091516' });

    abort.abort();
    await running;
    const summary = JSON.parse(cap.out[1]!) as Record<string, number | string>;
    expect(summary).toMatchObject({ stopped: 'aborted', radarCommands: 3 });
    expect(summary.radarReports).toBeGreaterThanOrEqual(5);
    expect(existsSync(paths.radar) || existsSync(paths.touch)).toBe(false);
    await vi.waitFor(() => expect(radar.health().state).toBe('retrying'), WAIT);
  });

  it('--duration stops by itself; an unknown scenario is a usage error', async () => {
    const dir = c.tempDir();
    const cap = capture();
    const sim = new Command('sim').exitOverride();
    registerSimSensors(sim, cap.io);
    await sim.parseAsync(['sensors', '--dir', dir, '--scenario', 'random', '--seed', '9', '--duration', '0.3'], { from: 'user' });
    expect(cap.out).toHaveLength(2);
    expect(JSON.parse(cap.out[1]!)).toMatchObject({ stopped: 'duration' });
    await expect(runSimSensors({ scenario: 'nope', seed: 1 }, cap.io)).rejects.toThrow(UsageError);
  });

  it('as a process: SIGTERM stops it with exit code 0, socat gone, its temporary directory removed', async () => {
    const repo = join(dirname(fileURLToPath(import.meta.url)), '../../..');
    // .mts: outside the repo's package.json a .ts file would be CommonJS (no top-level await)
    const script = join(c.tempDir(), 'sim.mts');
    // what `npx touchpoint sim sensors` runs once the lead wires it in
    writeFileSync(
      script,
      [
        `import { Command } from ${JSON.stringify(join(repo, 'node_modules/commander/esm.mjs'))};`,
        `import { processIo } from ${JSON.stringify(join(repo, 'gateway/cli/io.ts'))};`,
        `import { registerSimSensors } from ${JSON.stringify(join(repo, 'gateway/cli/commands/sim-sensors.ts'))};`,
        `const sim = new Command('sim');`,
        `registerSimSensors(sim, processIo);`,
        `await sim.parseAsync(['sensors'], { from: 'user' });`,
      ].join('\n'),
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    c.add(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await vi.waitFor(() => expect(stdout).toContain('\n'), { timeout: 20_000, interval: 50 });
    const paths = JSON.parse(stdout.split('\n')[0]!) as { radar: string; touch: string };
    expect(existsSync(paths.radar) && existsSync(paths.touch)).toBe(true);
    const socats = childrenOf(child.pid!).filter((p) => p.name === 'socat');
    expect(socats).toHaveLength(2);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(socats.filter((p) => alive(p.pid))).toEqual([]);
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toMatchObject({ stopped: 'SIGTERM' });
    expect(existsSync(dirname(paths.radar))).toBe(false);
  });
});
