/**
 * Shapes that flow between the pipeline's stages and out of it. Stages never see a library
 * object (gateway/core/types.ts) and never stamp a message: the pipeline produces the body of a
 * sensor communication, and the outbox adds what only it knows (seq, messageId) plus the
 * gateway's identity.
 */
import type { BeaconFrameType } from '../../protocol/ble/index.js';
import type { SensorCommunication } from '../../protocol/messages/index.js';
import { formatSensorMessageId } from '../../protocol/messages/index.js';
import type { Stamp } from '../core/types.js';

export type Interaction = SensorCommunication['interaction'];
export type InteractionType = Interaction['type'];
export type ItemRef = NonNullable<Interaction['item']>;
export type RadarPeak = NonNullable<Interaction['radarPeaks']>[number];
export type RssiSummary = NonNullable<Interaction['rssi']>;

/** Quality of the wall clock behind the timestamps (schema `clock`): synced, offset, source. */
export type ClockQuality = SensorCommunication['clock'];
/** Asked once per emitted body, so it can follow NTP state changes. */
export type ClockQualityProvider = () => ClockQuality;

/** Until something measures the clock, say so honestly: not synced, offset unknown. */
export const UNKNOWN_CLOCK_QUALITY: ClockQuality = { synced: false, offsetMs: 0, source: 'none' };

/**
 * What the pipeline emits: a sensor communication without the fields the outbox owns.
 * `timestamp` is the beacon timestamp of [0207] (when the gateway generated the communication).
 */
export type UnstampedSensorCommunication = Omit<SensorCommunication, 'seq' | 'messageId' | 'gatewayId' | 'siteId'>;

/** What the outbox adds to a body to make a publishable sensor communication. */
export interface OutboxFields {
  gatewayId: string;
  siteId: string;
  /** Changes on every process start (message-id.ts). */
  bootId: string;
  /** Per-gateway, contiguous, persisted across restarts. */
  seq: number;
}

/**
 * The complete message. Throws RangeError on invalid IDs or seq (the caller's own state, as in
 * formatSensorMessageId); the result still goes through validateSensorCommunication before publish.
 */
export function withOutboxFields(body: UnstampedSensorCommunication, f: OutboxFields): SensorCommunication {
  const messageId = formatSensorMessageId({ gatewayId: f.gatewayId, bootId: f.bootId, seq: f.seq });
  return { ...body, messageId, gatewayId: f.gatewayId, siteId: f.siteId, seq: f.seq };
}

/** One received beacon, identified, smoothed and ranged (sightings.ts). */
export interface Sighting {
  /** Canonical beacon ID (beacon-id.ts); an EID already resolved to `eid:<name>`. */
  beaconId: string;
  /** From the registry; absent for an unregistered beacon let through by the filter. */
  spot?: string;
  item?: ItemRef;
  registered: boolean;
  /** This advertisement's RSSI, dBm. */
  rssi: number;
  /** After the median + EMA filter (rssi.ts). */
  smoothedRssi: number;
  /** Log-distance estimate from smoothedRssi; absent without a calibration. */
  distanceM?: number;
  at: Stamp;
  frameType: BeaconFrameType;
  /** The advertiser address this came from (random addresses rotate). */
  address: string;
}

/** Why a stage emitted an interaction, for logs and tests; not part of the message. */
export type InteractionCause =
  | { kind: 'beacon'; beaconId: string }
  | { kind: 'radar'; sensor: string }
  | { kind: 'touch'; sensor: string; channel: number }
  | { kind: 'absence' };

/** A stage's output: the schema-shaped interaction, plus when and why. */
export interface StageEvent {
  interaction: Interaction;
  cause: InteractionCause;
  /** The event time that made the stage decide (a reading, a sighting or a tick). */
  at: Stamp;
}
