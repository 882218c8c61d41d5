/**
 * What a receiver hears of one advertising event: the log-distance path-loss model of
 * protocol/ble (`rssiAtDistance`, shared/docs/protocols.md §5.1) plus Gaussian shadowing per packet,
 * a floor below which the receiver hears nothing, and packets lost for no visible reason.
 *
 *   RSSI = P1m − 10·n·log10(d / 1 m) − extraLossDb + σ·N(0, 1), rounded to whole dBm like HCI reports,
 *   clamped to the HCI range −127…+20 dBm (Core Spec Vol 4 Part E §7.7.65.2).
 *
 * Defaults and where they come from:
 *  - n = 2.5: "2–4 indoors", a furnished room measured 2.4 (protocols.md §5.1);
 *  - σ = 4 dB: single readings swing by ±5 dB or more (protocols.md §5.1, protocol/ble/distance.ts);
 *  - gateways lose 30 % of packets: a Pi caught 30–40 % … of 1 Hz beacons in bluepy#310 and
 *    far fewer through BlueZ (protocols.md §5.3) — 30 % lost is the kind end of that;
 *  - phones lose 10 % (an assumption: phones scan with a high duty cycle while the app is in front);
 *  - sensitivity −95 dBm (phones) / −92 dBm (gateways): typical BLE 1M PHY receiver figures; an
 *    assumption, change it per site.
 * Every call draws exactly three numbers from `random` (loss, two for the Gaussian), heard or not,
 * so the noise stream stays aligned whatever the distances are.
 */
import { rssiAtDistance } from '../../protocol/ble/distance.js';
import { RSSI_MAX_DBM, RSSI_MIN_DBM } from '../../protocol/messages/primitives.js';
import { type Random, gaussian } from './random.js';

export interface ReceiverModel {
  /** Probability that an advertising event is not received at all. */
  missRate: number;
  /** Weaker signals are not received, dBm. */
  sensitivityDbm: number;
  /** Extra attenuation, e.g. a phone in a pocket (body loss), dB. */
  extraLossDb?: number;
}

export interface RadioModel {
  pathLossExponent: number;
  noiseDb: number;
}

export const DEFAULT_RADIO_MODEL: RadioModel = { pathLossExponent: 2.5, noiseDb: 4 };
export const DEFAULT_GATEWAY_RECEIVER: ReceiverModel = { missRate: 0.3, sensitivityDbm: -92 };
export const DEFAULT_PHONE_RECEIVER: ReceiverModel = { missRate: 0.1, sensitivityDbm: -95 };

/** Mean RSSI a receiver sees at distance d (the noiseless model). */
export function meanRssi(model: RadioModel, receiver: ReceiverModel, distanceM: number, measuredPower1m: number): number {
  return rssiAtDistance(distanceM, measuredPower1m, { pathLossExponent: model.pathLossExponent }) - (receiver.extraLossDb ?? 0);
}

/** The RSSI of one received packet, or null when this receiver does not hear it. */
export function receivePacket(model: RadioModel, receiver: ReceiverModel, random: Random, distanceM: number, measuredPower1m: number): number | null {
  const lost = random() < receiver.missRate;
  const noise = gaussian(random) * model.noiseDb;
  if (lost) return null;
  const rssi = Math.round(meanRssi(model, receiver, distanceM, measuredPower1m) + noise);
  if (rssi < receiver.sensitivityDbm) return null;
  return Math.max(RSSI_MIN_DBM, Math.min(RSSI_MAX_DBM, rssi));
}
