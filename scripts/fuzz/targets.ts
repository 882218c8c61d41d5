/**
 * Every parser that reads bytes or text from outside the process, as a fuzz target: its valid seeds,
 * how to mutate them with structure (length fields, tokens, checksum fix-ups), how to run one input,
 * and what must hold afterwards besides "did not throw" (the oracle).
 *
 * Stream parsers (radars, touch) keep ONE parser for the whole run, so state that grows with input
 * shows up as heap growth, and after every mutated input a known-good frame is pushed: it must come
 * out (recovery after garbage).
 */
import { isDeepStrictEqual } from 'node:util';
import { concatBytes } from '../../protocol/bytes.js';
import { decodeAdvertisement, type DecodedAdvertisement } from '../../protocol/ble/index.js';
import {
  beaconConfigFromIntelHex,
  beaconConfigToIntelHex,
  crc32,
  decodeBeaconConfig,
  decodeEventFrame,
  encodeBeaconConfig,
  encodeEventAdvertisement,
  type BeaconConfigInput,
} from '../../protocol/beacon-config/index.js';
import { decodeFromTopic, encodeForPublish, MESSAGE_EXAMPLES, type Message, type SensorCommunication } from '../../protocol/messages/index.js';
import { hex } from '../../protocol/sensors/bytes.js';
import { MAX_FRAME_LENGTH } from '../../protocol/sensors/ld24xx/frame.js';
import { createLd2410Parser, LD2410_REPORT_VECTORS, LD2410_VECTORS } from '../../protocol/sensors/ld2410/index.js';
import { createLd2450Parser, LD2450_REPORT_VECTORS, LD2450_VECTORS } from '../../protocol/sensors/ld2450/index.js';
import { createTouchParser, encodeTouchLine, TP_MAX_LINE, crc8, type TouchMessage } from '../../protocol/sensors/touch/index.js';
import { decodeRadioPacket, encodeRadioPacket } from '../../beacon-sim/radio/wire.js';
import { parseUsers } from '../../gateway/broker/users.js';
import { parseConfigText, parseRegistryText } from '../../gateway/config/index.js';
import { createKeyring, deriveGatewayKey } from '../../gateway/security/keys.js';
import { createSensorSigner } from '../../gateway/security/signer.js';
import { ReplayState, verifySensorCommunication } from '../../gateway/security/verify.js';
import { bleMix } from '../bench-ble.js';
import type { LengthField, MutationContext, Rng } from './mutate.js';

export interface StreamStats {
  recoveryChecks: number;
  recoveryFailures: number;
  /** Recovered, but only after more frames arrived (scanner rule 4). */
  delayedRecoveries: number;
  /** Most extra frames a delayed recovery needed. */
  maxExtraFrames: number;
  maxPendingBytes: number;
}

export interface FuzzTarget {
  name: string;
  /** The function(s) under test, for the report. */
  parser: string;
  seeds: readonly Uint8Array[];
  context: Omit<MutationContext, 'seeds'>;
  /**
   * Runs one input. Returns undefined when every oracle holds, a string saying what failed, or a
   * note: an inconsistency worth reporting that is not a failure of the goals (no throw, no hang,
   * bounded memory, recovery). A throw escaping this function is a finding of its own (the parsers
   * promise never to throw on input).
   */
  run(input: Uint8Array, rng: Rng): string | { note: string } | undefined;
  /** Stream targets: recovery checks done, failed and delayed so far, and the largest held-back buffer seen. */
  streamStats?(): StreamStats;
}

const utf8 = new TextEncoder();
const latin1 = (b: Uint8Array) => {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
  return s;
};
const utf8Decoder = new TextDecoder('utf-8', { fatal: false });
const tokens = (...t: (string | number[])[]) => t.map((x) => (typeof x === 'string' ? utf8.encode(x) : Uint8Array.from(x)));

/**
 * An out-of-bounds read in JS gives undefined, and arithmetic on it NaN: both are how a parser
 * that "did not throw" still read past its input. Walks an output (bounded) for either.
 */
export function findOutOfBoundsSymptom(value: unknown, budget = { nodes: 5000 }, path = ''): string | undefined {
  if (--budget.nodes < 0) return undefined;
  if (typeof value === 'number') return Number.isNaN(value) ? `NaN at ${path || '/'}` : undefined;
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (value[i] === undefined) return `undefined element at ${path}/${i}`;
      const bad = findOutOfBoundsSymptom(value[i], budget, `${path}/${i}`);
      if (bad) return bad;
    }
    return undefined;
  }
  for (const [k, v] of Object.entries(value)) {
    const bad = findOutOfBoundsSymptom(v, budget, `${path}/${k}`);
    if (bad) return bad;
  }
  return undefined;
}

function adLengthFields(bytes: Uint8Array): LengthField[] {
  const out: LengthField[] = [];
  for (let o = 0; o < bytes.length && out.length < 16; o += 1 + (bytes[o] || 0)) out.push({ offset: o, width: 1 });
  return out;
}

function headerLengthFields(headers: readonly Uint8Array[]) {
  return (bytes: Uint8Array): LengthField[] => {
    const out: LengthField[] = [];
    for (let i = 0; i + 6 <= bytes.length && out.length < 16; i++) {
      for (const h of headers) {
        if (h.every((b, k) => bytes[i + k] === b)) out.push({ offset: i + 4, width: 2, endian: 'le' });
      }
    }
    return out;
  };
}

function checkAdvertisement(d: DecodedAdvertisement, length: number): string | undefined {
  for (const e of d.errors) if (!(e.offset >= 0 && e.offset <= length)) return `error offset ${e.offset} outside 0..${length}`;
  return findOutOfBoundsSymptom(d.frames) ?? findOutOfBoundsSymptom(d.ad.manufacturerData.map((m) => m.companyId));
}

// ——— BLE advertising data ———

function bleSeeds(): Uint8Array[] {
  const event = encodeEventAdvertisement({ companyId: 0xffff, eventCount: 7, lastEventAgeDs: 12, idKind: 'device', id: '7470000000000001' });
  return [...bleMix(), event, hex('02011a1aff1801beac2f234454cf6d4a0fadf2f4911ba9ffa600010002c509'), hex('0201060303aafe1516aafe00e72f234454f4911ba9ffa600000000000100000c09526164426561636f6e2047')];
}

const BLE_DICTIONARY = tokens(
  [0x02, 0x01, 0x06], [0x03, 0x03, 0xaa, 0xfe], [0x16, 0xaa, 0xfe], [0xaa, 0xfe], [0xff, 0x4c, 0x00, 0x02, 0x15], [0x4c, 0x00], [0xbe, 0xac],
  [0x00], [0x10], [0x20], [0x30], [0x20, 0x01], [0x10, 0xeb, 0x0e], [0x16], [0x21], [0x20], [0xff], [0x54, 0x50, 0x01], [0x00, 0x00],
);

function bleTarget(): FuzzTarget {
  return {
    name: 'ble-advertisement',
    parser: 'protocol/ble decodeAdvertisement + beacon-config decodeEventFrame',
    seeds: bleSeeds(),
    context: { lengthFields: adLengthFields, dictionary: BLE_DICTIONARY },
    run(input) {
      const d = decodeAdvertisement(input);
      for (const m of d.ad.manufacturerData) {
        const e = decodeEventFrame(m.data);
        const bad = e.ok ? findOutOfBoundsSymptom(e.frame) : undefined;
        if (bad) return `event frame: ${bad}`;
      }
      return checkAdvertisement(d, input.length);
    },
  };
}

// ——— simulated radio wire ———

function radioTarget(): FuzzTarget {
  const seeds = bleSeeds().map((adv, i) => encodeRadioPacket({ address: `c0:ff:ee:00:00:${(i % 256).toString(16).padStart(2, '0')}`, addressType: i % 2 ? 'random' : 'public', rssi: -40 - i, adv }));
  return {
    name: 'sim-radio-wire',
    parser: 'beacon-sim/radio decodeRadioPacket (+ decodeAdvertisement of what it carries)',
    seeds,
    context: { lengthFields: (b) => (b.length > 9 ? [{ offset: 9, width: 1 }] : []), dictionary: tokens([0x01], [0x02], [0xff], [0x80]) },
    run(input) {
      const r = decodeRadioPacket(input);
      if (!r.ok) return r.offset >= 0 && r.offset <= input.length ? undefined : `offset ${r.offset} outside the input`;
      // the decoder is strict, so whatever it accepts must re-encode to exactly the same bytes
      const again = encodeRadioPacket(r.packet);
      if (again.length !== input.length || again.some((b, i) => b !== input[i])) return 'accepted a datagram that does not re-encode to itself';
      return checkAdvertisement(decodeAdvertisement(r.packet.adv), r.packet.adv.length);
    },
  };
}

// ——— radar streams ———

interface StreamParser<F> {
  push(chunk: Uint8Array): F[];
  /** The radar parsers report it; the touch parser's line buffer is a fixed array, bounded by construction. */
  readonly pendingBytes?: number;
}

/**
 * Pushes `input` in random chunks, then the sentinel frame, which must come out. The radar scanner
 * may hold a decision until an unfinished candidate in the garbage completes (scanner.ts rule 4:
 * "the decision waits for it (at most one more frame)"), so a sentinel that is not out at once is
 * pushed again, up to `maxExtra` times, and the wait is counted as a delayed recovery.
 */
function streamRunner<F>(create: () => StreamParser<F>, sentinel: Uint8Array, expected: unknown, maxPending: number, separator = new Uint8Array(0), maxExtra = 0) {
  const parser = create();
  const stats = { recoveryChecks: 0, recoveryFailures: 0, delayedRecoveries: 0, maxExtraFrames: 0, maxPendingBytes: 0 };
  return {
    stats,
    run(input: Uint8Array, rng: Rng): string | undefined {
      let at = 0;
      while (at < input.length) {
        const n = 1 + rng.below(Math.min(input.length - at, rng.below(2) ? 8 : 256));
        const frames = parser.push(input.subarray(at, at + n));
        at += n;
        const bad = findOutOfBoundsSymptom(frames);
        if (bad) return bad;
        const pending = parser.pendingBytes ?? 0;
        stats.maxPendingBytes = Math.max(stats.maxPendingBytes, pending);
        if (pending > maxPending) return `holds ${pending} bytes (bound ${maxPending})`;
      }
      stats.recoveryChecks++;
      let out = parser.push(concatBytes(separator, sentinel));
      const last = out[out.length - 1];
      if (last !== undefined && isDeepStrictEqual(last, expected)) return undefined;
      for (let extra = 1; extra <= maxExtra; extra++) {
        out = parser.push(sentinel);
        if (out.some((f) => isDeepStrictEqual(f, expected))) {
          stats.delayedRecoveries++;
          stats.maxExtraFrames = Math.max(stats.maxExtraFrames, extra);
          return undefined;
        }
      }
      stats.recoveryFailures++;
      return `valid frame after garbage not recovered${maxExtra > 0 ? ` within ${maxExtra} more frames` : ''} (last push gave ${out.length} frames)`;
    },
  };
}

const RADAR_DICTIONARY = tokens(
  [0xf4, 0xf3, 0xf2, 0xf1], [0xf8, 0xf7, 0xf6, 0xf5], [0xfd, 0xfc, 0xfb, 0xfa], [0x04, 0x03, 0x02, 0x01], [0xaa, 0xff, 0x03, 0x00], [0x55, 0xcc],
  [0xaa], [0x55], [0x00], [0x02, 0xaa], [0x01, 0xaa], [0x0d, 0x00], [0x23, 0x00], [0xff, 0x00], [0x01, 0x01],
);
const RADAR_HEADERS = [Uint8Array.of(0xf4, 0xf3, 0xf2, 0xf1), Uint8Array.of(0xfd, 0xfc, 0xfb, 0xfa)];

function ld2410Target(): FuzzTarget {
  const sentinel = LD2410_REPORT_VECTORS[0]!;
  const bytes = hex(sentinel.hex);
  const runner = streamRunner(createLd2410Parser, bytes, sentinel.expected, 2 * MAX_FRAME_LENGTH, undefined, Math.ceil(MAX_FRAME_LENGTH / bytes.length));
  const frames = LD2410_VECTORS.map((v) => hex(v.hex));
  return {
    name: 'ld2410-stream',
    parser: 'protocol/sensors createLd2410Parser (one parser for the whole run)',
    seeds: [...frames, concatBytes(...frames.slice(0, 6)), concatBytes(...frames.slice(-6))],
    context: { lengthFields: headerLengthFields(RADAR_HEADERS), dictionary: RADAR_DICTIONARY },
    run: (input, rng) => runner.run(input, rng),
    streamStats: () => runner.stats,
  };
}

function ld2450Target(): FuzzTarget {
  const sentinel = LD2450_REPORT_VECTORS[0]!;
  const bytes = hex(sentinel.hex);
  const runner = streamRunner(createLd2450Parser, bytes, sentinel.expected, 2 * MAX_FRAME_LENGTH, undefined, Math.ceil(MAX_FRAME_LENGTH / bytes.length));
  const frames = LD2450_VECTORS.map((v) => hex(v.hex));
  return {
    name: 'ld2450-stream',
    parser: 'protocol/sensors createLd2450Parser (one parser for the whole run)',
    seeds: [...frames, concatBytes(...frames)],
    context: { lengthFields: headerLengthFields(RADAR_HEADERS), dictionary: RADAR_DICTIONARY },
    run: (input, rng) => runner.run(input, rng),
    streamStats: () => runner.stats,
  };
}

// ——— touch lines ———

const TOUCH_MESSAGES: [TouchMessage, 'tp1' | 'adafruit-mpr121test' | 'bare-datastream'][] = [
  [{ kind: 'hello', format: 'tp1', protocolVersion: 1, firmware: '1.2.0', channels: 12, extra: { board: 'uno' } }, 'tp1'],
  [{ kind: 'touch', format: 'tp1', channel: 3, mcuMs: 123456 }, 'tp1'],
  [{ kind: 'release', format: 'tp1', channel: 11, mcuMs: 4294967295 }, 'tp1'],
  [{ kind: 'values', format: 'tp1', mcuMs: 1000, series: { touched: [1, 0, 0], filtered: [200, 210, 65535], baseline: [220, 0, 230] } }, 'tp1'],
  [{ kind: 'error', format: 'tp1', code: 'i2c-nack' }, 'tp1'],
  [{ kind: 'touch', format: 'adafruit-mpr121test', channel: 4, mcuMs: null }, 'adafruit-mpr121test'],
  [{ kind: 'values', format: 'adafruit-mpr121test', mcuMs: null, series: { filtered: Array.from({ length: 12 }, (_, i) => 200 + i) } }, 'adafruit-mpr121test'],
  [{ kind: 'values', format: 'bare-datastream', mcuMs: null, series: { diff: Array.from({ length: 13 }, (_, i) => i - 6) } }, 'bare-datastream'],
  [{ kind: 'values', format: 'bare-datastream', mcuMs: null, series: { touched: Array.from({ length: 13 }, (_, i) => i % 2) } }, 'bare-datastream'],
];

/** Rewrites the CRC of every TP line, so mutations get past the CRC into the field checks. */
function resealTouchLines(bytes: Uint8Array): Uint8Array {
  const text = latin1(bytes);
  const fixed = text.replace(/(TP[^\r\n]*?) \*[^\r\n]{0,2}(?=\r|\n|$)/g, (_m, body: string) => `${body} *${crc8(body).toString(16).toUpperCase().padStart(2, '0')}`);
  return Uint8Array.from(fixed, (c) => c.charCodeAt(0) & 0xff);
}

function touchTarget(): FuzzTarget {
  const lines = TOUCH_MESSAGES.map(([m, f]) => encodeTouchLine(m, f));
  const sentinelMessage: TouchMessage = { kind: 'touch', format: 'tp1', channel: 7, mcuMs: 987654321 };
  const runner = streamRunner(createTouchParser, utf8.encode(`${encodeTouchLine(sentinelMessage)}\r\n`), sentinelMessage, TP_MAX_LINE, utf8.encode('\r\n'));
  return {
    name: 'touch-stream',
    parser: 'protocol/sensors createTouchParser (TP1, Adafruit, Bare Conductive; one parser for the whole run)',
    seeds: [...lines.map((l) => utf8.encode(`${l}\r\n`)), utf8.encode(lines.join('\n') + '\n'), utf8.encode(lines.join('\r') + '\r')],
    context: {
      dictionary: tokens('TP1 ', 'TP2 ', ' *', '*', '\r\n', '\n', '\r', 'HELLO fw=', ' ch=', 'T ', 'R ', 'D ', ' s=', ' f=', ' b=', 'E ', ',', '=', '4294967296', '99999999999', 'touched', 'released', 'Filt: ', 'Base: ', 'TOUCH: ', 'DIFF: ', '-', '\t', [0], [0xff], ' ', '__proto__=x', 'constructor=1'),
      fixup: resealTouchLines,
    },
    run: (input, rng) => runner.run(input, rng),
    streamStats: () => runner.stats,
  };
}

// ——— MQTT payloads the backend receives ———

const SECRET = new Uint8Array(32).fill(7);

function mqttTarget(): FuzzTarget {
  const seeds: Uint8Array[] = [];
  const key = deriveGatewayKey(SECRET, 'store-12', 'gw-store12-a', 'k1');
  for (const example of Object.values(MESSAGE_EXAMPLES)) {
    const p = encodeForPublish(example as Message);
    if (!p.ok) continue;
    seeds.push(utf8.encode(`${p.value.topic}\n${p.value.payload}`));
  }
  const sensor = MESSAGE_EXAMPLES['sensor-communication'] as SensorCommunication;
  const signed = { ...sensor, signature: createSensorSigner(key)(sensor) };
  const p = encodeForPublish(signed);
  if (p.ok) seeds.push(utf8.encode(`${p.value.topic}\n${p.value.payload}`));
  const keyring = createKeyring([key]);
  const replay = new ReplayState({ maxGateways: 1000 });
  return {
    name: 'mqtt-payload',
    parser: 'protocol/messages decodeFromTopic (parse*, every kind) + gateway/security verifySensorCommunication',
    seeds,
    context: {
      dictionary: tokens('{', '}', '[', ']', '"', ':', ',', 'null', 'true', '1e999', '-0', '1e-400', '9007199254740993', '"__proto__":{}', '"constructor":1', '\\u0000', '\\ud800', '"kind":"telemetry"', '"v":2', '[[[[[[[[[[[[[[[[', ' ', 'NaN', '/', '+', '#', '$share/', 'tp/v1/', '\n', [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xef, 0xbb, 0xbf]),
    },
    run(input) {
      const nl = input.indexOf(0x0a);
      const topic = nl < 0 ? '' : utf8Decoder.decode(input.subarray(0, nl));
      const payload = nl < 0 ? input : input.subarray(nl + 1);
      const d = decodeFromTopic(topic, payload);
      if (!d.ok) return d.errors.length === 0 ? 'refused without saying why' : undefined;
      if (d.message.kind === 'sensor-communication') {
        verifySensorCommunication(d.message, keyring, replay);
        verifySensorCommunication(d.message, keyring, replay, { requireSignature: false });
      }
      return findOutOfBoundsSymptom(d.message);
    },
  };
}

// ——— configuration files ———

const YAML_DICTIONARY = tokens(
  '&a ', '*a', '<<: *a', '!!binary ', '!!js/function ', '!!set ', '? ', '- ', ': ', '{', '}', '[', ']', '|\n', '>\n', '\t', '#', '---\n', '...\n',
  '${ENV:X}', '${SECRET:y}', '${ENV:', '"', "'", '\\', '__proto__: 1', 'constructor: ', '~', '.nan', '.inf', '-.inf', '0x1F', '0o17', '1e9999', '\n  ', '\n', ': &b [*b]',
  'null', 'true', '-1', '99999999999999999999', 'radio:', 'sensors:', 'pipeline:', 'broker:', 'gateway:', [0xef, 0xbb, 0xbf], [0],
);

/**
 * The yaml library costs ~1 µs per byte (a 2 KB config takes ~2 ms to parse, ~4 ms with the schema):
 * 4 KiB inputs keep a million of them within minutes while still 2× the largest seed.
 */
const YAML_MAX_BYTES = 4096;

const ENV = { TOUCHPOINT_BROKER_PASSWORD: 'pw', X: 'x' };
const SECRETS = { 'case-7-ik': '0102030405060708090a111213141516', 'cart-tag-1-ik': 'a0a1a2a3a4a5a6a7a8a9aaabacadaeaf', y: 'y' };

/** `parse*Text` turn an exception into an "internal error" issue; for the fuzzer that is a throw. */
function internalError(errors: readonly { message: string }[]): string | undefined {
  const e = errors.find((x) => x.message.startsWith('internal error'));
  return e ? `caught internal error: ${e.message}` : undefined;
}

function configTarget(read: (p: string) => string): FuzzTarget {
  const minimal = `gateway: { id: gw-store12-a, siteId: store-12, spot: endcap-3 }
sensors:
  radar: { path: /dev/ttyAMA0, maxDistanceCm: 400 }
  touch: { path: /dev/ttyUSB0, channels: { 3: { itemId: sku-3 } } }
pipeline:
  dwell: { intervalMs: 1000, thresholdMs: 10000 }
  proximity: { rssiDbm: -60 }
`;
  const withSecrets = `gateway: { id: gw-a, siteId: s1, spot: x }
broker: { url: "mqtts://\${ENV:X}.example:8883", username: gw-a, password: "\${SECRET:y}" }
registry: { eidSkewSeconds: 2 }
`;
  const full = read('examples/gateway.yaml').replace(/^secretsFile:.*$/m, '');
  return {
    name: 'gateway-config',
    parser: 'gateway/config parseConfigText (YAML → schema → rules → secrets)',
    seeds: [utf8.encode(full), utf8.encode(minimal), utf8.encode(withSecrets), utf8.encode(JSON.stringify({ gateway: { id: 'gw', siteId: 's', spot: 'x' } }))],
    context: { dictionary: YAML_DICTIONARY, maxInputBytes: YAML_MAX_BYTES },
    run(input) {
      const r = parseConfigText(utf8Decoder.decode(input), 'fuzz.yaml', { env: ENV, secrets: SECRETS });
      if (!r.ok) return internalError(r.errors) ?? (r.errors.length === 0 ? 'refused without an error' : undefined);
      return undefined;
    },
  };
}

function registryTarget(read: (p: string) => string): FuzzTarget {
  return {
    name: 'site-registry',
    parser: 'gateway/config parseRegistryText (protocol/registry schema + rules)',
    seeds: [utf8.encode(read('examples/site-registry.yaml'))],
    context: { dictionary: YAML_DICTIONARY, maxInputBytes: YAML_MAX_BYTES },
    run(input) {
      const r = parseRegistryText(utf8Decoder.decode(input), 'registry.yaml', { env: ENV, secrets: SECRETS });
      return r.ok ? undefined : internalError(r.errors);
    },
  };
}

function usersTarget(): FuzzTarget {
  const hash = '$scrypt$n=16384,r=8,p=5$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g=';
  const yaml = `users:\n  - username: gw-a\n    role: gateway\n    site: s1\n    password: ${hash}\n  - { username: backend, role: backend, password: "${hash}" }\n  - { username: app, role: phone, site: s1, password: "${hash}" }\n`;
  return {
    name: 'broker-users',
    parser: 'gateway/broker parseUsers (users file)',
    seeds: [utf8.encode(yaml)],
    context: { dictionary: YAML_DICTIONARY, maxInputBytes: YAML_MAX_BYTES },
    run(input) {
      const r = parseUsers(utf8Decoder.decode(input));
      return r.ok ? findOutOfBoundsSymptom(r.users) : r.errors.length === 0 ? 'refused without an error' : undefined;
    },
  };
}

// ——— beacon provisioning records ———

const BEACON_CONFIGS: BeaconConfigInput[] = [
  {
    intervalMs: 1000,
    timeReference: 65280,
    identityKey: '0102030405060708090A111213141516',
    eidExponent: 10,
    deviceId: '7470000000000001',
    event: { burst: 3 },
    input: { pin: 13, activeLow: true, pull: true, debounceMs: 30 },
    slots: [
      { type: 'ibeacon', uuid: '83256b74-78d0-43a4-8269-05f9dc8a44ba', major: 16, minor: 32, measuredPower: -58 },
      { type: 'eddystone-uid', namespace: '8b0ca750095477cb3e77', instance: '000000000001', txPower: -25 },
      { type: 'eddystone-url', url: 'https://www.example.com', txPower: 10 },
      { type: 'eddystone-tlm' },
      { type: 'eddystone-etlm' },
      { type: 'eddystone-eid', txPower: -20 },
      { type: 'event' },
    ],
  },
  { intervalMs: 100, timeReference: 0, deviceId: '0011223344556677', txPowerDbm: -4, slots: [{ type: 'eddystone-tlm' }] },
];

/** Rewrites the record's CRC (if its length field fits the input), so mutations reach the field parser. */
function resealRecord(bytes: Uint8Array): Uint8Array {
  if (bytes.length < 8) return bytes;
  const length = bytes[6]! | (bytes[7]! << 8);
  if (length + 4 > bytes.length) return bytes;
  const out = bytes.slice();
  new DataView(out.buffer).setUint32(length, crc32(out, 0, length), true);
  return out;
}

function recordLengthFields(bytes: Uint8Array): LengthField[] {
  const out: LengthField[] = [{ offset: 6, width: 2, endian: 'le' }];
  const length = Math.min(bytes.length, (bytes[6] ?? 0) | ((bytes[7] ?? 0) << 8));
  for (let o = 8; o + 1 < length && out.length < 16; o += 2 + bytes[o + 1]!) out.push({ offset: o + 1, width: 1 });
  return out;
}

function beaconConfigTarget(): FuzzTarget {
  return {
    name: 'beacon-config',
    parser: 'protocol/beacon-config decodeBeaconConfig (flash record, CRC re-sealed after mutation)',
    seeds: BEACON_CONFIGS.map(encodeBeaconConfig),
    context: {
      lengthFields: recordLengthFields,
      fixup: resealRecord,
      dictionary: tokens('TPBC', [0x01], [0x10, 0x01], [0x10, 0x16], [0x05, 0x10], [0x06, 0x01, 0x0f], [0x09, 0x03, 0xff], [0x08, 0x05], [0x02, 0x01, 0xd8], [0xff, 0xff]),
    },
    run(input) {
      const r = decodeBeaconConfig(input);
      if (!r.ok) return r.offset >= 0 && r.offset <= input.length ? undefined : `offset ${r.offset} outside the input`;
      const bad = findOutOfBoundsSymptom(r.config);
      if (bad) return bad;
      // What the decoder accepts, a provisioning tool should be able to write back. The encoder
      // normalises (URL host case), so compare one normalised round trip with the next.
      let once;
      try {
        once = decodeBeaconConfig(encodeBeaconConfig(r.config));
      } catch (e) {
        return { note: `decoder accepts a record the encoder refuses (${(e instanceof Error ? e.message : String(e)).replace(/got .*$/, 'got …')})` };
      }
      if (!once.ok) return `encoder wrote a record the decoder refuses: ${once.reason}`;
      const twice = decodeBeaconConfig(encodeBeaconConfig(once.config));
      return twice.ok && isDeepStrictEqual(twice.config, once.config) ? undefined : 'encode ∘ decode is not idempotent';
    },
  };
}

/** Recomputes the checksum of every well-formed-looking Intel HEX record. */
function resealHex(bytes: Uint8Array): Uint8Array {
  const text = latin1(bytes);
  const fixed = text.replace(/:([0-9A-Fa-f]{2})+/g, (rec) => {
    const b = [];
    for (let i = 1; i + 1 < rec.length; i += 2) b.push(parseInt(rec.slice(i, i + 2), 16));
    if (b.length < 2) return rec;
    let sum = 0;
    for (let i = 0; i < b.length - 1; i++) sum += b[i]!;
    return rec.slice(0, -2) + ((-sum & 0xff).toString(16).toUpperCase().padStart(2, '0'));
  });
  return Uint8Array.from(fixed, (c) => c.charCodeAt(0) & 0xff);
}

function hexLengthFields(bytes: Uint8Array): LengthField[] {
  const out: LengthField[] = [];
  for (let i = 0; i < bytes.length && out.length < 32; i++) if (bytes[i] === 0x3a) out.push({ offset: i + 1, width: 1, endian: 'hex' });
  return out;
}

function intelHexTarget(): FuzzTarget {
  return {
    name: 'beacon-config-hex',
    parser: 'protocol/beacon-config beaconConfigFromIntelHex (Intel HEX → record; checksums re-sealed)',
    seeds: BEACON_CONFIGS.map((c) => utf8.encode(beaconConfigToIntelHex(c))),
    context: {
      lengthFields: hexLengthFields,
      fixup: resealHex,
      dictionary: tokens(':', '\n', '\r\n', ':00000001FF', ':020000040007F3', ':02000002F00000', ':0400000500000000F7', ':10', 'FF', '00', ' '),
    },
    run(input) {
      const r = beaconConfigFromIntelHex(latin1(input));
      return r.ok ? findOutOfBoundsSymptom(r.config) : undefined;
    },
  };
}

export const TARGET_NAMES = [
  'ble-advertisement',
  'sim-radio-wire',
  'ld2410-stream',
  'ld2450-stream',
  'touch-stream',
  'mqtt-payload',
  'gateway-config',
  'site-registry',
  'broker-users',
  'beacon-config',
  'beacon-config-hex',
] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

/** A fresh target (stream targets get a fresh long-lived parser). `read` loads repository files (examples/). */
export function createTarget(name: TargetName, read: (path: string) => string): FuzzTarget {
  switch (name) {
    case 'ble-advertisement':
      return bleTarget();
    case 'sim-radio-wire':
      return radioTarget();
    case 'ld2410-stream':
      return ld2410Target();
    case 'ld2450-stream':
      return ld2450Target();
    case 'touch-stream':
      return touchTarget();
    case 'mqtt-payload':
      return mqttTarget();
    case 'gateway-config':
      return configTarget(read);
    case 'site-registry':
      return registryTarget(read);
    case 'broker-users':
      return usersTarget();
    case 'beacon-config':
      return beaconConfigTarget();
    case 'beacon-config-hex':
      return intelHexTarget();
  }
}
