import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../io.js';
import { registerDecodeSensors } from './decode-sensors.js';

function cli() {
  const out: string[] = [];
  const err: string[] = [];
  const decode = new Command('decode').exitOverride();
  registerDecodeSensors(decode, { out: (l) => out.push(l), err: (l) => err.push(l) });
  for (const c of decode.commands) c.exitOverride();
  const run = (...args: string[]) => decode.parseAsync(args, { from: 'user' });
  return { out, err, run };
}

// vectors from the research notes §3.4 (L1 datasheet, L2 datasheet engineering, K5 aio-ld2410 firmware ACK)
const L1 = 'F4 F3 F2 F1 0D 00 02 AA 02 51 00 00 00 00 3B 00 00 55 00 F8 F7 F6 F5';
const L2 = 'F4 F3 F2 F1 23 00 01 AA 03 1E 00 3C 00 00 39 00 00 08 08 3C 22 05 03 03 04 03 06 05 00 00 39 10 13 06 06 08 04 03 05 55 00 F8 F7 F6 F5';
const K5 = 'fd fc fb fa 0c 00 a0 01 00 00 00 00 02 01 16 24 06 22 04 03 02 01';

describe('decode ld2410', () => {
  it('prints one JSON array with reports and ACKs (hex split across arguments, garbage in between)', async () => {
    const c = cli();
    await c.run('ld2410', ...L1.split(' '), '00 11', K5, L2.replace(/ /g, ''));
    expect(c.out).toHaveLength(1);
    const frames = JSON.parse(c.out[0]!) as Record<string, unknown>[];
    expect(frames).toHaveLength(3);
    expect(frames[0]).toMatchObject({ kind: 'report', mode: 'basic', state: 2, movingDistanceCm: null, movingEnergy: 0, staticDistanceCm: 0, staticEnergy: 59, detectionDistanceCm: 0 });
    expect(frames[1]).toMatchObject({ kind: 'ack', command: 'readFirmware', status: 0, payload: { version: 'V1.02.22062416' } });
    expect(frames[2]).toMatchObject({
      kind: 'report',
      mode: 'engineering',
      movingEnergies: [60, 34, 5, 3, 3, 4, 3, 6, 5],
      staticEnergies: [0, 0, 57, 16, 19, 6, 6, 8, 4],
      lightLevel: 3,
      outPin: 5,
    });
    expect(c.err.join('\n')).toMatch(/skipped 2 of 92 bytes/);
  });

  it('rejects invalid hex with a UsageError', async () => {
    await expect(cli().run('ld2410', 'F4 F3 ZZ')).rejects.toThrow(UsageError);
    await expect(cli().run('ld2410', 'F4F')).rejects.toThrow(/odd number of hex digits/);
  });

  it('reports input without any valid frame as a usage error', async () => {
    await expect(cli().run('ld2410', 'F4 F3 F2 F1 0D 00 02')).rejects.toThrow(/no valid LD2410 frame/);
  });
});

describe('decode ld2450', () => {
  it('decodes a report (bytes from ESPHome ld2450.cpp)', async () => {
    const c = cli();
    await c.run('ld2450', 'AA FF 03 00 0E 03 B1 86 10 00 40 01', '00'.repeat(16), '55 CC');
    const frames = JSON.parse(c.out[0]!) as unknown[];
    expect(frames).toMatchObject([{ kind: 'report', targetCount: 1, targets: [{ xMm: -782, yMm: 1713, speedCmPerS: -16, resolutionMm: 320 }, null, null] }]);
    expect(c.err).toEqual([]);
  });
});

describe('decode touch', () => {
  it('prints one JSON object for a TP1 line, quoted or not', async () => {
    const a = cli();
    await a.run('touch', 'TP1 T 3 123456 *2C');
    expect(JSON.parse(a.out[0]!)).toEqual({ kind: 'touch', format: 'tp1', channel: 3, mcuMs: 123456 });
    const b = cli();
    await b.run('touch', 'TP1', 'T', '3', '123456', '*2C');
    expect(b.out).toEqual(a.out);
  });

  it('decodes import formats with their format tag', async () => {
    const c = cli();
    await c.run('touch', '3 touched');
    expect(JSON.parse(c.out[0]!)).toEqual({ kind: 'touch', format: 'adafruit-mpr121test', channel: 3, mcuMs: null });
  });

  it('takes negative values of an unquoted DataStream DIFF line as values, not options', async () => {
    const c = cli();
    await c.run('touch', 'DIFF:', '-3', '4', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '-12');
    expect(JSON.parse(c.out[0]!)).toEqual({ kind: 'values', format: 'bare-datastream', mcuMs: null, series: { diff: [-3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -12] } });
  });

  it('refuses a line with a bad CRC as a usage error naming the reason', async () => {
    await expect(cli().run('touch', 'TP1 T 3 123457 *2C')).rejects.toThrow(/bad-crc/);
  });
});
