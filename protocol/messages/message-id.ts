/**
 * Message IDs: the de-duplication key. MQTT QoS 1 is at-least-once, and a gateway replays its
 * on-disk queue after a reconnect, so consumers must drop repeats by `messageId`.
 *
 * Sensor communications use `<gatewayId>:<bootId>:<seq>`:
 * - derived from state the gateway already keeps (its ID, the ID of this process start, the
 *   persisted per-gateway sequence number), so producing one needs no clock and no randomness;
 * - `seq` alone would be enough if persistence never failed, but a crash between publishing and
 *   persisting can replay a seq with different content; `bootId` keeps those two apart;
 * - the backend can read gaps in `seq` straight off the IDs.
 *
 * Messages from phones and the backend have no sequence number and use a ULID
 * (see primitives.ts), which sorts by creation time.
 */
import { BOOT_ID_PATTERN, GATEWAY_ID_PATTERN } from './primitives.js';

/**
 * Spelled out rather than spliced from GATEWAY_ID_PATTERN: that pattern's reserved-name lookahead
 * ends at `$`, which inside this pattern must be the `:` after the gateway segment. seq is a JSON
 * integer ≤ 2^53−1 (at most 16 digits), written without leading zeros.
 */
export const SENSOR_MESSAGE_ID_PATTERN =
  '^(?!(?:device|user|config):)[A-Za-z0-9._-]{1,64}:[A-Za-z0-9_-]{1,36}:(?:0|[1-9][0-9]{0,15})$';
const SENSOR_MESSAGE_ID_RE = new RegExp(SENSOR_MESSAGE_ID_PATTERN);
const GATEWAY_ID_RE = new RegExp(GATEWAY_ID_PATTERN);
const BOOT_ID_RE = new RegExp(BOOT_ID_PATTERN);

export type SensorMessageIdParts = { gatewayId: string; bootId: string; seq: number };

/** Throws RangeError on invalid parts (the caller's own state, not untrusted input). */
export function formatSensorMessageId(parts: SensorMessageIdParts): string {
  if (!GATEWAY_ID_RE.test(parts.gatewayId)) throw new RangeError('gatewayId is not a valid gateway ID');
  if (!BOOT_ID_RE.test(parts.bootId)) throw new RangeError('bootId must match [A-Za-z0-9_-]{1,36}');
  if (!Number.isSafeInteger(parts.seq) || parts.seq < 0) throw new RangeError('seq must be a safe integer ≥ 0');
  return `${parts.gatewayId}:${parts.bootId}:${parts.seq}`;
}

/** Returns undefined for anything that is not a well-formed sensor message ID. Never throws. */
export function parseSensorMessageId(id: unknown): SensorMessageIdParts | undefined {
  if (typeof id !== 'string' || id.length > 140 || !SENSOR_MESSAGE_ID_RE.test(id)) return undefined;
  const [gatewayId = '', bootId = '', seqText = ''] = id.split(':');
  const seq = Number(seqText);
  if (!Number.isSafeInteger(seq)) return undefined;
  return { gatewayId, bootId, seq };
}
