/**
 * Hand-made worst cases next to the random ones: inputs built to make a parser do the most work per
 * byte or to blow up a structure. Each row is measured once and printed by scripts/fuzz.ts; the
 * stream rows compare the worst-case parse rate with the line rate the device can send at.
 */
import { decodeIntelHex, encodeIntelHex } from '../../protocol/beacon-config/index.js';
import { decodeFromTopic } from '../../protocol/messages/index.js';
import { LD2410_UART_BYTES_PER_SECOND, uartBytesPerSecond } from '../../protocol/sensors/throughput.js';
import { createLd2410Parser } from '../../protocol/sensors/ld2410/index.js';
import { createLd2450Parser } from '../../protocol/sensors/ld2450/index.js';
import { createTouchParser } from '../../protocol/sensors/touch/index.js';
import { parseUsers } from '../../gateway/broker/users.js';
import { parseConfigText } from '../../gateway/config/index.js';

export interface AdversarialRow {
  case: string;
  result: string;
  ms: number;
  /** For streams: worst-case bytes/s over the device's line rate. */
  headroom?: number;
}

function timed<T>(f: () => T): [T, number] {
  const t = performance.now();
  const r = f();
  return [r, performance.now() - t];
}

/** Every byte starts a header: the radar scanner's worst case (each one a candidate, each candidate scanned for inner frames). */
function radarRows(): AdversarialRow[] {
  const rows: AdversarialRow[] = [];
  const patterns: [string, number[]][] = [
    ['report headers announcing 64 bytes, back to back', [0xf4, 0xf3, 0xf2, 0xf1, 0x40, 0x00]],
    ['command headers announcing 64 bytes, back to back', [0xfd, 0xfc, 0xfb, 0xfa, 0x40, 0x00]],
    ['both headers interleaved', [0xf4, 0xf3, 0xf2, 0xf1, 0x40, 0x00, 0xfd, 0xfc, 0xfb, 0xfa, 0x40, 0x00]],
  ];
  for (const [label, unit] of patterns) {
    const buf = Uint8Array.from({ length: 256 * 1024 }, (_, i) => unit[i % unit.length]!);
    for (const [model, create] of [['LD2410', createLd2410Parser], ['LD2450', createLd2450Parser]] as const) {
      const p = create();
      const [, ms] = timed(() => {
        for (let o = 0; o < buf.length; o += 64) p.push(buf.subarray(o, o + 64));
      });
      const rate = buf.length / (ms / 1000);
      rows.push({ case: `${model} stream: ${label}`, result: `${(rate / 1e6).toFixed(2)} MB/s, ${p.pendingBytes} bytes held`, ms, headroom: rate / LD2410_UART_BYTES_PER_SECOND });
    }
  }
  return rows;
}

function touchRows(): AdversarialRow[] {
  const line = `TP1 D 4294967295 s=1FFF f=${Array(13).fill('65535').join(',')} b=${Array(13).fill('65535').join(',')} *00\n`;
  const buf = new TextEncoder().encode(line.repeat(4000));
  const p = createTouchParser();
  const [, ms] = timed(() => p.push(buf));
  const rate = buf.length / (ms / 1000);
  const noNewline = new Uint8Array(1 << 20).fill(0x41);
  const q = createTouchParser();
  const [, ms2] = timed(() => q.push(noNewline));
  const rate2 = noNewline.length / (ms2 / 1000);
  // the touch bridge runs at 115 200 baud (protocol/sensors/touch/PROTOCOL.md)
  return [
    { case: 'touch stream: longest TP1 lines, every CRC wrong', result: `${(rate / 1e6).toFixed(2)} MB/s, ${p.stats.crcFailures} CRC failures counted`, ms, headroom: rate / uartBytesPerSecond(115_200) },
    { case: 'touch stream: 1 MiB without a line end', result: `${(rate2 / 1e6).toFixed(2)} MB/s, ${q.stats.overlongLines} overlong line`, ms: ms2, headroom: rate2 / uartBytesPerSecond(115_200) },
  ];
}

function textRows(): AdversarialRow[] {
  const rows: AdversarialRow[] = [];
  const deep = '{"v":1,"kind":"sensor-communication","interaction":' + '['.repeat(30_000) + ']'.repeat(30_000) + '}';
  const [d, ms] = timed(() => decodeFromTopic('tp/v1/s1/gw-a/sensor', deep));
  rows.push({ case: 'MQTT payload: 30 000 nested arrays (60 KB)', result: d.ok ? 'accepted?!' : `refused (${d.reason})`, ms });
  const laughs =
    'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n' +
    'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n';
  const [c, ms2] = timed(() => parseConfigText(laughs, 'bomb.yaml', { env: {} }));
  rows.push({ case: 'gateway config: "billion laughs" YAML aliases (9^7 nodes)', result: c.ok ? 'accepted?!' : `refused: ${c.errors[0]?.message.slice(0, 70)}`, ms: ms2 });
  const [u, ms3] = timed(() => parseUsers(`users: []\n${laughs}`));
  rows.push({ case: 'broker users file: the same alias bomb', result: u.ok ? 'accepted?!' : `refused: ${u.errors[0]?.slice(0, 70)}`, ms: ms3 });
  const [cyc, ms4] = timed(() => parseConfigText('gateway: &a { id: *a }', 'cycle.yaml', { env: {} }));
  rows.push({ case: 'gateway config: an alias that contains itself', result: cyc.ok ? 'accepted?!' : `refused: ${cyc.errors[0]?.message.slice(0, 70)}`, ms: ms4 });
  const image = encodeIntelHex([{ address: 0, data: Uint8Array.from({ length: 1 << 20 }, (_, i) => i & 0xff) }]);
  const [h, ms5] = timed(() => decodeIntelHex(image));
  rows.push({ case: 'Intel HEX: 1 MiB image in 65 536 records', result: h.ok ? `${h.segments.length} segment` : h.reason, ms: ms5 });
  return rows;
}

export function adversarialRows(): AdversarialRow[] {
  return [...radarRows(), ...touchRows(), ...textRows()];
}
