/**
 * Sensor communication: what a shelf gateway publishes when its sensors see a shopper interact
 * with an item ([0207]). The backend pairs it with user communications that name the same
 * `sensorId` within a short time window ([0231]).
 */
import { Type, type Static } from '@sinclair/typebox';
import { BEACON_ID_PATTERN } from '../beacon-id.js';
import { SENSOR_MESSAGE_ID_PATTERN } from '../message-id.js';
import { SIGNATURE_PATTERN } from '../signature.js';
import {
  Count,
  DurationMs,
  EpochMs,
  GatewayId,
  Label,
  MAX_EPOCH_MS,
  Rssi,
  SCHEMA_ID_BASE,
  SCHEMA_VERSION,
  SiteId,
  type ValidationIssue,
} from '../primitives.js';

export const SensorId = Type.String({
  pattern: BEACON_ID_PATTERN,
  description:
    'Beacon ID of the spot, in the canonical form of beacon-id.ts (ibeacon:<uuid>:<major>:<minor> | altbeacon:<id1>:<id2>:<id3> | eddystone-uid:<namespace>:<instance> | eid:<registered id>). The same string phones report, so the backend can match on equality ([0207], [0210], [0231]).',
});

/**
 * A plausible-range guard rather than a sensor limit: shelf radars see a few metres (the LD2410 gate
 * is 0.75 m × 8, protocols.md §3.2), so 100 m can only be a unit bug (cm or mm sent as m).
 */
const MAX_DISTANCE_M = 100;

export const InteractionType = Type.Union(
  [
    Type.Literal('approach'),
    Type.Literal('view'),
    Type.Literal('touch'),
    Type.Literal('hold'),
    Type.Literal('dwell'),
    Type.Literal('proximity'),
    Type.Literal('left'),
  ],
  {
    description:
      'approach, view, touch, hold: the interaction types of [0232] (walking up, stopping to look, handling, handling for a period). dwell and proximity: presence for a period / within a distance, the gateway-side counterparts of the phone triggers of [0208]–[0209]. left: the shopper is no longer detected, so the backend can act on the end of an interaction without waiting for silence.',
  },
);

export const Clock = Type.Object(
  {
    synced: Type.Boolean({ description: 'True when the gateway clock is disciplined (e.g. NTP in sync) at publish time.' }),
    offsetMs: Type.Number({
      minimum: -MAX_EPOCH_MS,
      maximum: MAX_EPOCH_MS,
      description:
        'Best estimate of gateway clock minus reference time, in ms (0 if unknown). Lets the backend widen its matching window ([0231]) for badly synced gateways.',
    }),
    source: Type.Optional(
      Type.Union([Type.Literal('ntp'), Type.Literal('rtc'), Type.Literal('none')], {
        description: 'Where the wall clock came from: NTP, a battery-backed RTC, or nothing (free-running since boot).',
      }),
    ),
  },
  { additionalProperties: false, description: 'Quality of the gateway clock that produced the timestamps.' },
);

export const RssiSummary = Type.Object(
  {
    max: Rssi('Strongest RSSI seen during the interaction.'),
    mean: Rssi('Mean RSSI during the interaction.'),
    samples: Type.Optional(Count('Number of advertisements the summary is over.')),
  },
  { additionalProperties: false, description: 'Signal strength of the BLE advertisements behind this interaction.' },
);

export const RadarPeak = Type.Object(
  {
    at: EpochMs('When the peak was observed (gateway clock).'),
    distanceM: Type.Number({ minimum: 0, maximum: MAX_DISTANCE_M, description: 'Target distance in metres.' }),
    energy: Type.Integer({
      minimum: 0,
      maximum: 100,
      description: 'Target energy 0–100 as reported by LD2410-class radars (protocols.md §3.2).',
    }),
    target: Type.Union([Type.Literal('moving'), Type.Literal('stationary')], {
      description: 'Which of the radar’s two target reports the peak came from.',
    }),
  },
  { additionalProperties: false },
);

export const ItemRef = Type.Object(
  {
    itemId: Type.Optional(Label('First-party item (e.g. SKU) at the spot ([0200]).')),
    itemType: Type.Optional(Label('Item type, e.g. "sports" ([0201]).')),
    area: Type.Optional(Label('Area of the store ([0200], [0227]).')),
  },
  {
    additionalProperties: false,
    minProperties: 1,
    description: 'What the sensor is attached to, when the gateway knows it; otherwise the backend looks it up from sensorId ([0226]–[0229]).',
  },
);

export const Interaction = Type.Object(
  {
    type: InteractionType,
    startedAt: EpochMs('Start of the interaction (gateway clock).'),
    endedAt: EpochMs('End of the interaction (gateway clock); equals startedAt for an instant event.'),
    durationMs: DurationMs(
      'Length of the interaction measured on the gateway’s monotonic clock. Authoritative when the wall clock stepped in between, which is why it is not required to equal endedAt − startedAt.',
    ),
    rssi: Type.Optional(RssiSummary),
    distanceM: Type.Optional(
      Type.Number({ minimum: 0, maximum: MAX_DISTANCE_M, description: 'Closest estimated distance of the shopper, metres.' }),
    ),
    radarPeaks: Type.Optional(
      Type.Array(RadarPeak, { maxItems: 32, description: 'Strongest radar target reports during the interaction ([0233]).' }),
    ),
    touchChannel: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 255,
        description: 'Touch electrode / channel index that fired (an MPR121 has 0–11 plus proximity 12, protocols.md §4).',
      }),
    ),
    item: Type.Optional(ItemRef),
  },
  {
    additionalProperties: false,
    description: 'Interaction data: the physical interaction between a shopper and an item ([0207], [0230], [0232]).',
  },
);

export const SensorCommunication = Type.Object(
  {
    v: Type.Literal(SCHEMA_VERSION, { description: 'Schema version.' }),
    kind: Type.Literal('sensor-communication'),
    messageId: Type.String({
      pattern: SENSOR_MESSAGE_ID_PATTERN,
      description:
        'De-duplication key <gatewayId>:<bootId>:<seq>; its gateway and seq parts must equal gatewayId and seq (see message-id.ts).',
    }),
    gatewayId: GatewayId,
    siteId: SiteId,
    sensorId: SensorId,
    timestamp: EpochMs('Beacon timestamp: when the gateway generated this communication ([0207], timestamp 275-1).'),
    seq: Type.Integer({
      minimum: 0,
      maximum: Number.MAX_SAFE_INTEGER,
      description:
        'Per-gateway sequence number: +1 for every sensor communication, contiguous, persisted by the gateway across restarts (it does not restart at 0 on boot), so a gap means lost messages.',
    }),
    clock: Clock,
    interaction: Interaction,
    signature: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 512,
        pattern: SIGNATURE_PATTERN,
        description:
          'hmac-sha256:<keyId>:<tag>: HMAC-SHA256 with the gateway’s provisioned key over the RFC 8785 canonical JSON of this message without the signature field; tag = 32 bytes base64url without padding (signature.ts). Backends that require signatures reject messages without one.',
      }),
    ),
  },
  {
    $id: `${SCHEMA_ID_BASE}sensor-communication.json`,
    title: 'SensorCommunication',
    description:
      'Sensor communication from a shelf gateway: sensor identifier, beacon timestamp and interaction data ([0207]). Topic tp/v1/<site>/<gateway>/sensor, QoS 1, not retained.',
    additionalProperties: false,
  },
);

export type SensorCommunication = Static<typeof SensorCommunication>;

/** Rules JSON Schema cannot say. Runs only on values that passed the schema. */
export function sensorCommunicationRules(m: SensorCommunication): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const [gatewayPart, , seqPart] = m.messageId.split(':');
  if (gatewayPart !== m.gatewayId) issues.push({ path: '/messageId', message: 'gateway part must equal gatewayId' });
  if (seqPart !== String(m.seq)) issues.push({ path: '/messageId', message: 'seq part must equal seq' });
  if (m.interaction.endedAt < m.interaction.startedAt) {
    issues.push({ path: '/interaction/endedAt', message: 'endedAt must not be before startedAt' });
  }
  const rssi = m.interaction.rssi;
  if (rssi && rssi.mean > rssi.max) issues.push({ path: '/interaction/rssi/mean', message: 'mean must not exceed max' });
  return issues;
}
