/**
 * Keeps the README honest: every one-shot `npx touchpoint …` line in its code blocks runs and
 * exits 0. Long-running commands (servers, simulators) and those that need a device are exercised
 * by their own tests (against aedes, the emulators on ptys, the simulated radio).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cli } from './test-support.js';

const LONG_RUNNING = ['start', 'broker', 'watch', 'gateway run', 'sim ', 'scan', 'radar ', 'touch ', 'doctor', 'provision', 'flash', 'backend'];

function shellWords(line: string): string[] {
  const words: string[] = [];
  const re = /'([^']*)'|"([^"]*)"|(\S+)/g;
  for (let m; (m = re.exec(line)); ) words.push(m[1] ?? m[2] ?? m[3]!);
  return words;
}

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const commands = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)]
  .flatMap((m) => m[1]!.split('\n'))
  .map((l) => l.replace(/\s+#.*$/, '').trim())
  .filter((l) => l.startsWith('npx touchpoint '))
  .map((l) => l.slice('npx touchpoint '.length))
  .filter((l) => !LONG_RUNNING.some((p) => l.startsWith(p)));

describe('README commands', () => {
  it('lists commands to check', () => expect(commands.length).toBeGreaterThan(10));
  it.each(commands)('touchpoint %s', async (line) => {
    const r = await cli(...shellWords(line));
    expect(r.err.filter((l) => !l.startsWith('warning:')), r.err.join('\n')).toEqual([]);
    expect(r.code).toBe(0);
  });
});
