/**
 * C ⇄ TypeScript cross-check: builds and runs the touch-bridge core test with gcc
 * (make -C hardware/touch-bridge test), then decodes every line the C encoder wrote for its fixed
 * scenario with the TypeScript parser. gcc is required here and on CI; its absence is a failure.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createTouchParser } from './parser.js';
import type { TouchMessage } from './types.js';

const bridgeDir = fileURLToPath(new URL('../../../hardware/touch-bridge/', import.meta.url));

function hasGcc(): boolean {
  try {
    execFileSync('gcc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const thirteen = (v: number) => Array<number>(13).fill(v);
const touched = (...channels: number[]) => thirteen(0).map((_, i) => (channels.includes(i) ? 1 : 0));

/** The scenario in test_touch_proto.c `scenario()`: readings every 10 ms from 1000 ms, 3-sample debounce. */
const EXPECTED: TouchMessage[] = [
  { kind: 'hello', format: 'tp1', protocolVersion: 1, firmware: '1.0.0', channels: 13, extra: {} },
  // the one-sample bounce at 1030 produced nothing; three readings with bit 3 set (1050, 1060, 1070)
  { kind: 'touch', format: 'tp1', channel: 3, mcuMs: 1070 },
  { kind: 'touch', format: 'tp1', channel: 12, mcuMs: 1100 },
  { kind: 'touch', format: 'tp1', channel: 0, mcuMs: 1130 },
  { kind: 'touch', format: 'tp1', channel: 11, mcuMs: 1130 },
  {
    kind: 'values',
    format: 'tp1',
    mcuMs: 1130,
    series: {
      touched: touched(0, 3, 11, 12),
      filtered: [700, 701, 702, 430, 704, 705, 706, 707, 708, 709, 710, 420, 300],
      baseline: [...Array<number>(12).fill(700), 640],
    },
  },
  // electrode 3 lifted for two readings only (1140, 1150): no release; everything released after 1170, 1180, 1190
  { kind: 'release', format: 'tp1', channel: 0, mcuMs: 1190 },
  { kind: 'release', format: 'tp1', channel: 3, mcuMs: 1190 },
  { kind: 'release', format: 'tp1', channel: 11, mcuMs: 1190 },
  { kind: 'release', format: 'tp1', channel: 12, mcuMs: 1190 },
  {
    kind: 'values',
    format: 'tp1',
    mcuMs: 1200,
    series: { touched: thirteen(0), filtered: [...Array<number>(12).fill(700), 640], baseline: [...Array<number>(12).fill(700), 640] },
  },
  { kind: 'error', format: 'tp1', code: 'overcurrent' },
];

describe('touch-bridge C core ⇄ TypeScript decoder', () => {
  it('gcc builds and passes the C test, and every line it encodes decodes to the scenario', () => {
    expect(hasGcc(), 'gcc is required to cross-check hardware/touch-bridge (install build-essential)').toBe(true);
    execFileSync('make', ['-C', bridgeDir, 'test'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const output = readFileSync(new URL('build/scenario.txt', `file://${bridgeDir}`));
    const parser = createTouchParser({ formats: ['tp1'] });
    const messages = [...parser.push(output), ...parser.end()];
    expect(parser.stats.crcFailures).toBe(0);
    expect(parser.stats.garbageLines).toBe(0);
    expect(messages).toEqual(EXPECTED);
  });
});
