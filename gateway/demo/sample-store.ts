/**
 * The built-in sample store that `npm start` runs until the gateway pipeline lands: a few spots,
 * each broadcasting real frames made by protocol/ble's encoders, received back as raw advertising
 * data, decoded, EIDs resolved to their registered spot and eTLMs opened with the spot's key.
 * Nothing is mocked: these are the same codecs the gateway will run on radio bytes.
 */
import {
  EidResolver,
  type BeaconFrame,
  type BeaconFrameInput,
  computeEid,
  decodeAdvertisement,
  eddystoneMeasuredPower1m,
  encodeFrame,
  estimateDistanceM,
  hexToBytes,
  openEtlm,
  sealTlm,
  toHex,
} from '../../protocol/ble/index.js';

interface Spot {
  spot: string;
  item: string;
  frames: (beaconSeconds: number) => BeaconFrameInput[];
  rssi: number;
}

// Demo-only key; real identity keys come from provisioning and are never printed.
const DEMO_IDENTITY_KEY = hexToBytes('0102030405060708090a111213141516');
const DEMO_EXPONENT = 10;

const SPOTS: Spot[] = [
  {
    spot: 'entrance',
    item: 'welcome-display',
    rssi: -64,
    frames: () => [{ type: 'ibeacon', uuid: 'f7826da6-4fa2-4e98-8024-bc5b71e0893e', major: 100, minor: 1, measuredPower: -59 }],
  },
  {
    spot: 'podium-a',
    item: 'sneaker-x1',
    rssi: -71,
    frames: () => [{ type: 'altbeacon', manufacturerId: 0x0118, id1: '2f234454-cf6d-4a0f-adf2-f4911ba9ffa6', id2: 100, id3: 2, referenceRssi: -59, reserved: 0 }],
  },
  {
    spot: 'shelf-3',
    item: 'denim-rack',
    rssi: -58,
    frames: (t) => [
      { type: 'eddystone-uid', namespace: '8b0ca750095477cb3e77', instance: '000000000003', txPower: -18 },
      { type: 'eddystone-tlm', batteryMv: 2987, temperatureC: 21.5, advCount: t * 10, uptimeS: t },
    ],
  },
  {
    spot: 'window',
    item: 'campaign-page',
    rssi: -80,
    frames: () => [{ type: 'eddystone-url', url: 'https://www.example.com/', txPower: -18 }],
  },
  {
    spot: 'case-7',
    item: 'watch-collection',
    rssi: -61,
    frames: (t) => [
      { type: 'eddystone-eid', eid: toHex(computeEid(DEMO_IDENTITY_KEY, DEMO_EXPONENT, t).eid), txPower: -18 },
      sealTlm({ type: 'eddystone-tlm', batteryMv: 3012, temperatureC: 22.25, advCount: t * 10, uptimeS: t }, DEMO_IDENTITY_KEY, DEMO_EXPONENT, t, (t * 7919) & 0xffff),
    ],
  },
];

export interface DemoLine {
  spot: string;
  item: string;
  adv: string;
  frame: BeaconFrame;
  resolved?: string;
  opened?: BeaconFrame;
  distanceM?: number;
}

export interface DemoResult {
  lines: DemoLine[];
  summary: { frames: number; decoded: number; errors: number; eidResolved: number; etlmOpened: number };
}

function measuredPower(f: BeaconFrame): number | null {
  if (f.type === 'ibeacon') return f.measuredPower;
  if (f.type === 'altbeacon') return f.referenceRssi;
  if ('txPower' in f) return eddystoneMeasuredPower1m(f.txPower);
  return null;
}

/** Runs `rounds` broadcast rounds, `stepS` beacon-seconds apart, starting at `nowMs`. */
export function runSampleStore(nowMs: number, rounds = 1, stepS = 1): DemoResult {
  // The beacon counter is arbitrary-epoch; Nordic's examples start at 65280 to cross a TK boundary soon.
  const bootBeaconSeconds = 65_280;
  const resolver = new EidResolver();
  resolver.register({ beaconId: 'case-7', identityKey: DEMO_IDENTITY_KEY, exponent: DEMO_EXPONENT, beaconSecondsAt: bootBeaconSeconds, wallMsAt: nowMs });
  const out: DemoResult = { lines: [], summary: { frames: 0, decoded: 0, errors: 0, eidResolved: 0, etlmOpened: 0 } };
  for (let r = 0; r < rounds; r++) {
    const t = bootBeaconSeconds + r * stepS;
    const wallMs = nowMs + r * stepS * 1000;
    for (const s of SPOTS) {
      for (const input of s.frames(t)) {
        const adv = encodeFrame(input);
        out.summary.frames++;
        const d = decodeAdvertisement(adv);
        out.summary.errors += d.errors.length;
        for (const frame of d.frames) {
          out.summary.decoded++;
          const line: DemoLine = { spot: s.spot, item: s.item, adv: toHex(adv), frame };
          const p = measuredPower(frame);
          if (p !== null) line.distanceM = Math.round(estimateDistanceM(s.rssi, p, { pathLossExponent: 2.5 }) * 100) / 100;
          if (frame.type === 'eddystone-eid') {
            const hit = resolver.resolve(frame.eid, wallMs);
            if (hit) {
              line.resolved = hit.beaconId;
              out.summary.eidResolved++;
            }
          }
          if (frame.type === 'eddystone-etlm') {
            const opened = openEtlm(frame, DEMO_IDENTITY_KEY, DEMO_EXPONENT, t);
            if (opened) {
              line.opened = opened;
              out.summary.etlmOpened++;
            }
          }
          out.lines.push(line);
        }
      }
    }
  }
  return out;
}
