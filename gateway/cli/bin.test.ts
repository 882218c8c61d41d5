/**
 * The built binary, as `npx touchpoint` and `npm start` run it (npm test builds dist/ first).
 * In-process tests cover the commands; these prove the shipped entry point, exit codes included.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../../dist/gateway/cli/main.js', import.meta.url));
const run = async (...args: string[]) => {
  try {
    const r = await promisify(execFile)(process.execPath, [bin, ...args]);
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
};

describe('dist/gateway/cli/main.js', () => {
  it('decodes and exits 0', async () => {
    const r = await run('decode', 'ble', '02 01 06 03 03 aa fe 0d 16 aa fe 30 ee a9 b7 6a 71 c5 f8 92 90');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('{"type":"eddystone-eid","eid":"a9b76a71c5f89290","txPower":-18}\n');
  });
  it('exits 2 with one line on stderr for invalid hex', async () => {
    const r = await run('decode', 'ble', 'xyz');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
  it('runs the demo that npm start runs, ending with a summary line', async () => {
    const r = await run('demo', '--rounds', '2');
    expect(r.code).toBe(0);
    const last = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { summary: Record<string, number> };
    expect(last.summary).toEqual({ frames: 14, decoded: 14, errors: 0, eidResolved: 2, etlmOpened: 2 });
  });
});
