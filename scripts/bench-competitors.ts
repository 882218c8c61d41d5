/**
 * Frame decoding, Touchpoint's protocol/ble against node-beacon-scanner's parser (futomi, the
 * most-installed Node beacon parser; dev dependency), on the same advertisements, in the same run.
 *
 * node-beacon-scanner parses noble Peripheral objects, not bytes. Its parser module
 * (lib/parser.js) is required directly — its index starts noble, which needs an HCI socket
 * (EAFNOSUPPORT here) — and is given plain objects shaped like a noble peripheral, built from the
 * same raw advertising data Touchpoint decodes: `manufacturerData` a Buffer of the last 0xFF
 * structure, `serviceData` [{ uuid: 'feaa', data: Buffer }], as noble's hci-socket/gap.js builds them.
 *
 * Two comparisons:
 *  - same objects: both libraries get the AD structures already split (what a noble-based gateway
 *    has in hand): node-beacon-scanner parse() vs decodeManufacturerData + decodeEddystone;
 *  - from raw bytes: noble's own AD splitter (hci-socket/gap.js parseServices, pure code, no HCI)
 *    + node-beacon-scanner vs decodeAdvertisement.
 * Then a correctness table: cases from the specs where the two disagree, and which is right.
 *
 *   node --import tsx scripts/bench-competitors.ts
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import {
  decodeAdvertisement,
  decodeEddystone,
  decodeManufacturerData,
  EDDYSTONE_UUID,
  encodeFrame,
  hexToBytes,
  parseAdvertisingData,
  type BeaconFrame,
} from '../protocol/ble/index.js';
import { bench, fmt, machine, table, type BenchResult } from './bench-harness.js';

const require = createRequire(import.meta.url);

interface NobleAdvertisement {
  localName?: string;
  txPowerLevel?: number;
  manufacturerData?: Buffer;
  serviceData: { uuid: string; data: Buffer }[];
  serviceUuids: string[];
}
interface NoblePeripheral {
  id: string;
  address: string;
  rssi: number;
  advertisement: NobleAdvertisement;
}
type NbsResult = Record<string, unknown> & { beaconType: string };
interface NbsParser {
  parse(p: NoblePeripheral): NbsResult | null;
}

function loadNodeBeaconScanner(): NbsParser {
  return require('node-beacon-scanner/lib/parser.js') as NbsParser;
}

/** noble's AD splitter, if it loads without Bluetooth (it is plain code over a Buffer). */
function loadNobleGap(): ((eir: Buffer) => NobleAdvertisement) | undefined {
  try {
    const Gap = require('@abandonware/noble/lib/hci-socket/gap.js') as { prototype: { parseServices: (...a: unknown[]) => NobleAdvertisement } };
    const self = { _discoveries: {} };
    // leMetaEventType 0x03: non-connectable advertising, as beacons send
    return (eir) => Gap.prototype.parseServices.call(self, 'bench', eir, false, 0x03);
  } catch {
    return undefined;
  }
}

/** The noble-shaped object for raw advertising data, from Touchpoint's AD split (same fields noble fills). */
export function toNoblePeripheral(adv: Uint8Array, rssi = -60, address = 'c0:ff:ee:00:00:01'): NoblePeripheral {
  const ad = parseAdvertisingData(adv);
  const lastMfr = ad.manufacturerData[ad.manufacturerData.length - 1];
  return {
    id: address.replace(/:/g, ''),
    address,
    rssi,
    advertisement: {
      ...(ad.localName !== undefined ? { localName: ad.localName } : {}),
      ...(ad.txPowerLevel !== undefined ? { txPowerLevel: ad.txPowerLevel } : {}),
      ...(lastMfr ? { manufacturerData: Buffer.from(lastMfr.data) } : {}),
      serviceData: ad.serviceData.map((s) => ({ uuid: s.uuid, data: Buffer.from(s.data) })),
      serviceUuids: ad.serviceUuids,
    },
  };
}

/** A busy shop floor: beacons of the formats both libraries support, plus phones and other vendors' data. */
export function competitorMix(): Uint8Array[] {
  const beacons = [
    encodeFrame({ type: 'ibeacon', uuid: 'f7826da6-4fa2-4e98-8024-bc5b71e0893e', major: 100, minor: 1, measuredPower: -59 }),
    encodeFrame({ type: 'ibeacon', uuid: '2f234454-cf6d-4a0f-adf2-f4911ba9ffa6', major: 7, minor: 40_000, measuredPower: -76 }),
    encodeFrame({ type: 'eddystone-uid', namespace: '8b0ca750095477cb3e77', instance: '000000000003', txPower: -18 }),
    encodeFrame({ type: 'eddystone-url', url: 'https://www.example.com/', txPower: -18 }),
    encodeFrame({ type: 'eddystone-tlm', batteryMv: 2987, temperatureC: 21.5, advCount: 1234, uptimeS: 5678.9 }),
  ];
  const others = [
    hexToBytes('02011a0aff4c0010050b1c3a2f1b'), // Apple Continuity "nearby": company 0x004C, not an iBeacon
    hexToBytes('1eff060001092002a4b1d0fa5ab7ff5a2bb8f63b59d89a1cf5b08a8f3ecd28'), // Microsoft CDP
    hexToBytes('0201060bff590001020304050607080909'), // Nordic (0x0059) vendor data
    hexToBytes('0201061107bc9a78563412341234123412345678aa0509546167'), // a named peripheral, 128-bit service
  ];
  // ~55 % beacons, 45 % other devices
  return [...beacons, ...beacons, ...others, ...others];
}

/** Touchpoint on noble-split data: what a gateway holding a noble advertisement does. */
function touchpointOnSplit(a: NobleAdvertisement): BeaconFrame[] {
  const frames: BeaconFrame[] = [];
  if (a.manufacturerData) {
    const f = decodeManufacturerData(a.manufacturerData);
    if (f) frames.push(f);
  }
  for (const s of a.serviceData) {
    if (s.uuid !== EDDYSTONE_UUID) continue;
    const r = decodeEddystone(s.data);
    if (r.ok) frames.push(r.frame);
  }
  return frames;
}

// ——— correctness ———

type Decoded = ReturnType<typeof decodeAdvertisement>;

/**
 * One case from the specifications. Both readers' results are put into the same words
 * (`ignored` for a frame that is refused or not recognised), so the verdict is string equality
 * with `expected`.
 */
interface Case {
  name: string;
  expected: string;
  adv: Uint8Array;
  touchpoint: (d: Decoded) => string;
  nbs: (r: NbsResult | null) => string;
  source: string;
}

const IGNORED = 'ignored';
const sd = (frame: string) => hexToBytes(`0201060303aafe${(3 + frame.length / 2).toString(16).padStart(2, '0')}16aafe${frame}`);
const first = (d: Decoded) => d.frames[0] as Record<string, unknown> | undefined;
const tpOr = (d: Decoded, f: (x: Record<string, unknown>) => string) => (first(d) ? f(first(d)!) : IGNORED);
const nbsOr = (r: NbsResult | null, key: string, f: (x: Record<string, unknown>) => string) =>
  r && r[key] ? f(r[key] as Record<string, unknown>) : r ? `read as ${r.beaconType || 'unknown'}` : IGNORED;
const tlm = (hex: string) => sd(`2000${hex}`);

export function correctnessCases(): Case[] {
  return [
    {
      name: 'iBeacon measured power 0xC5',
      expected: '-59 dBm',
      adv: encodeFrame({ type: 'ibeacon', uuid: 'f7826da6-4fa2-4e98-8024-bc5b71e0893e', major: 1, minor: 2, measuredPower: -59 }),
      touchpoint: (d) => tpOr(d, (f) => `${f.measuredPower} dBm`),
      nbs: (r) => nbsOr(r, 'iBeacon', (f) => `${f.txPower} dBm`),
      source: 'measured power is a signed byte (protocols.md §1.1)',
    },
    {
      name: 'iBeacon measured power 0x7F',
      expected: 'no calibration',
      adv: hexToBytes('0201061aff4c000215f7826da64fa24e988024bc5b71e0893e000100027f'),
      touchpoint: (d) => tpOr(d, (f) => (f.measuredPower === null ? 'no calibration' : `${f.measuredPower} dBm`)),
      nbs: (r) => nbsOr(r, 'iBeacon', (f) => `${f.txPower} dBm`),
      source: 'an RSSI at 1 m is negative; ≥ 0 is filler (protocols.md §1.1 pitfalls, Theengs iBeacon_json.h)',
    },
    {
      name: 'Eddystone-TLM temperature 0x8000',
      expected: 'temperature not supported',
      adv: tlm('0bb8' + '8000' + '000004d2' + '0000ddd5'),
      touchpoint: (d) => tpOr(d, (f) => (f.temperatureC === null ? 'temperature not supported' : `${f.temperatureC} °C`)),
      nbs: (r) => nbsOr(r, 'eddystoneTlm', (f) => `${f.temperature} °C`),
      source: 'google/eddystone eddystone-tlm/tlm-plain.md: 0x8000 means not supported',
    },
    {
      name: 'Eddystone-TLM battery 0',
      expected: 'battery not supported',
      adv: tlm('0000' + '1580' + '000004d2' + '0000ddd5'),
      touchpoint: (d) => tpOr(d, (f) => (f.batteryMv === null ? 'battery not supported' : `${f.batteryMv} mV`)),
      nbs: (r) => nbsOr(r, 'eddystoneTlm', (f) => `${f.batteryVoltage} mV`),
      source: 'tlm-plain.md: VBATT 0 means not supported (mains powered)',
    },
    {
      name: 'Eddystone-TLM SEC_CNT 56789',
      expected: 'up 5678.9 s',
      adv: tlm('0bb8' + '1580' + '000004d2' + '0000ddd5'),
      touchpoint: (d) => tpOr(d, (f) => `up ${f.uptimeS} s`),
      nbs: (r) => nbsOr(r, 'eddystoneTlm', (f) => `secCnt ${f.secCnt} (raw 0.1 s ticks)`),
      source: 'tlm-plain.md: SEC_CNT counts 0.1 s',
    },
    {
      name: 'Eddystone-URL with reserved byte 0x14',
      expected: IGNORED,
      adv: sd('10ee01' + '6578616d706c6514'),
      touchpoint: (d) => tpOr(d, (f) => `url ${JSON.stringify(f.url)}`),
      nbs: (r) => nbsOr(r, 'eddystoneUrl', (f) => `url ${JSON.stringify(f.url)}`),
      source: 'eddystone-url README: 0x0E–0x20 and 0x7F–0xFF are reserved',
    },
    {
      name: 'Eddystone frame type 0x05 (reserved)',
      expected: IGNORED,
      adv: sd('05ee' + '8b0ca750095477cb3e77' + '000000000003'),
      touchpoint: (d) => tpOr(d, (f) => String(f.type)),
      nbs: (r) => nbsOr(r, 'eddystoneUid', (f) => `UID namespace ${String(f.namespace).toLowerCase()}`),
      source: 'protocol-specification.md: the frame type is the whole first byte (0x00, 0x10, 0x20, 0x30)',
    },
    {
      name: 'Eddystone service data without payload',
      expected: IGNORED,
      adv: hexToBytes('0201060303aafe0316aafe'),
      touchpoint: (d) => tpOr(d, (f) => String(f.type)),
      nbs: (r) => (r ? r.beaconType : IGNORED),
      source: 'a 16-bit service data structure may carry only its UUID (Core Spec Supplement Part A §1.11)',
    },
    {
      name: 'Eddystone-eTLM (TLM version 0x01)',
      expected: 'eddystone-etlm',
      adv: sd('2001' + '5ee3e36fa4efabeed8b5f761' + '1234' + '50eb'),
      touchpoint: (d) => tpOr(d, (f) => String(f.type)),
      nbs: (r) => (r ? r.beaconType : IGNORED),
      source: 'eddystone-tlm/tlm-encrypted.md; vector E3 (protocols.md §2.5)',
    },
    {
      name: 'AltBeacon',
      expected: 'altbeacon id3 2, -59 dBm',
      adv: hexToBytes('02011a1bff1801beac2f234454cf6d4a0fadf2f4911ba9ffa600010002c509'),
      touchpoint: (d) => tpOr(d, (f) => `altbeacon id3 ${f.id3}, ${f.referenceRssi} dBm`),
      nbs: (r) => (r ? r.beaconType : IGNORED),
      source: 'AltBeacon specification; vector A1 (protocols.md §1.2)',
    },
    {
      name: 'Apple Continuity (0x004C, not iBeacon)',
      expected: IGNORED,
      adv: hexToBytes('02011a0aff4c0010050b1c3a2f1b'),
      touchpoint: (d) => tpOr(d, (f) => String(f.type)),
      nbs: (r) => (r ? r.beaconType : IGNORED),
      source: 'the iBeacon prefix is 4C 00 02 15 (protocols.md §1.1)',
    },
  ];
}

export interface CorrectnessRow {
  case: string;
  expected: string;
  touchpoint: string;
  nodeBeaconScanner: string;
  touchpointRight: boolean;
  nodeBeaconScannerRight: boolean;
  source: string;
}

/** Runs both readers on every case; a throw is a result too. */
export function correctnessTable(nbs: NbsParser = loadNodeBeaconScanner()): CorrectnessRow[] {
  return correctnessCases().map((c) => {
    const tp = c.touchpoint(decodeAdvertisement(c.adv));
    let other: string;
    try {
      other = c.nbs(nbs.parse(toNoblePeripheral(c.adv)));
    } catch (e) {
      other = `throws ${e instanceof Error ? `${e.name}: ${e.message.split('.')[0]}` : String(e)}`;
    }
    return { case: c.name, expected: c.expected, touchpoint: tp, nodeBeaconScanner: other, touchpointRight: tp === c.expected, nodeBeaconScannerRight: other === c.expected, source: c.source };
  });
}

export async function runCompetitorBench(): Promise<BenchResult[]> {
  const nbs = loadNodeBeaconScanner();
  const mix = competitorMix();
  const n = mix.length;
  const peripherals = mix.map((adv, i) => toNoblePeripheral(adv, -60 - (i % 20), `c0:ff:ee:00:00:${i.toString(16).padStart(2, '0')}`));
  const buffers = mix.map((b) => Buffer.from(b));

  // Both must find the same beacons in the mix, or the comparison would be of different work.
  const tpFound = peripherals.reduce((k, p) => k + touchpointOnSplit(p.advertisement).length, 0);
  const nbsFound = peripherals.reduce((k, p) => k + (nbs.parse(p) ? 1 : 0), 0);

  const sameObjects = [
    bench('node-beacon-scanner parse(peripheral)', (i) => void nbs.parse(peripherals[i % n]!)),
    bench('Touchpoint decodeManufacturerData + decodeEddystone', (i) => void touchpointOnSplit(peripherals[i % n]!.advertisement)),
  ];
  table(`Frame decoding, same noble-shaped advertisement objects, mix of ${n} (frames/s, one core)`, sameObjects, 'frames/s');

  const gap = loadNobleGap();
  const raw: BenchResult[] = [];
  if (gap) {
    raw.push(
      bench("noble gap.js AD split + node-beacon-scanner", (i) => {
        const advertisement = gap(buffers[i % n]!);
        void nbs.parse({ id: 'x', address: 'x', rssi: -60, advertisement });
      }),
    );
  }
  raw.push(bench('Touchpoint decodeAdvertisement (raw bytes)', (i) => void decodeAdvertisement(mix[i % n]!)));
  table(`Frame decoding from raw advertising data, same mix (frames/s, one core)`, raw, 'frames/s');
  console.log(`  beacons found in the mix: Touchpoint ${tpFound}, node-beacon-scanner ${nbsFound} (of ${n} advertisements)`);

  const rows = correctnessTable(nbs);
  const mark = (ok: boolean) => (ok ? '✓' : '✗');
  console.log('\nCorrectness on the same bytes (✓ = what the specification says):');
  console.log(`  ${'case'.padEnd(40)} ${'expected'.padEnd(26)} ${'Touchpoint'.padEnd(28)} node-beacon-scanner 0.2.2`);
  for (const r of rows) {
    console.log(`  ${r.case.padEnd(40)} ${r.expected.padEnd(26)} ${mark(r.touchpointRight)} ${r.touchpoint.padEnd(26)} ${mark(r.nodeBeaconScannerRight)} ${r.nodeBeaconScanner}`);
  }
  for (const r of rows) console.log(`    ${r.case}: ${r.source}`);
  const right = (k: 'touchpointRight' | 'nodeBeaconScannerRight') => rows.filter((r) => r[k]).length;
  console.log(`  right: Touchpoint ${right('touchpointRight')}/${rows.length}, node-beacon-scanner ${right('nodeBeaconScannerRight')}/${rows.length}`);
  const ratio = sameObjects[1]!.opsPerSec / sameObjects[0]!.opsPerSec;
  console.log(`\n  Touchpoint is ×${ratio.toFixed(2)} node-beacon-scanner on the same objects (${fmt(sameObjects[1]!.opsPerSec)} vs ${fmt(sameObjects[0]!.opsPerSec)} frames/s)`);
  return [...sameObjects, ...raw];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(`Touchpoint vs node-beacon-scanner — ${machine()}`);
  await runCompetitorBench();
}
