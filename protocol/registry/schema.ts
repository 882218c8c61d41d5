/**
 * The site registry: which beacons a site has, the spot each one marks, and what gateways need to
 * recognise them (EID keys, calibrated power). Provisioning writes it, gateways and the backend
 * read it. One document per site, versioned like the messages (`v: 1`); a breaking change gets
 * `v: 2`.
 *
 * Each beacon identifier stands for an item, item type or area of the store ([0199]–[0201]); the
 * registry is where that correspondence lives, so a gateway can turn a received beacon into the
 * spot and item its sensor communication is about ([0207], [0226]–[0229]).
 */
import { Type, type Static } from '@sinclair/typebox';
import { BEACON_FRAME_TYPES } from '../ble/frames.js';
import { MAX_BEACON_SECONDS, MAX_ROTATION_EXPONENT } from '../ble/crypto/eid.js';
import { BEACON_ID_PATTERN } from '../messages/beacon-id.js';
import { ItemRef } from '../messages/schemas/sensor-communication.js';
import { EpochMs, GatewayId, ID_PATTERN, SiteId } from '../messages/primitives.js';

export const REGISTRY_VERSION = 1 as const;

/** Spot names are written into configs and logs and may become topic levels: same charset as IDs. */
export const SpotName = Type.String({
  pattern: ID_PATTERN,
  description: 'Spot (shelf, podium, display case) the beacon marks, [A-Za-z0-9._-]{1,64}.',
});

export const RegistryBeaconId = Type.String({
  pattern: BEACON_ID_PATTERN,
  description:
    'Canonical beacon ID (protocol/messages/beacon-id.ts): ibeacon:<uuid>:<major>:<minor> | altbeacon:<id1>:<id2>:<id3> | eddystone-uid:<namespace>:<instance> | eid:<name>. The string phones and gateways both report as sensorId.',
});

export const RegistryEid = Type.Object(
  {
    identityKey: Type.String({
      pattern: '^[0-9a-fA-F]{32}$',
      secret: true,
      description:
        'The beacon’s 128-bit Eddystone-EID identity key, 32 hex digits. A secret: keep it out of the file with ${ENV:NAME} or ${SECRET:name} where the loader supports it.',
    }),
    exponent: Type.Integer({
      minimum: 0,
      maximum: MAX_ROTATION_EXPONENT,
      description: 'Rotation exponent K: a new EID every 2^K seconds (eid-computation.md).',
    }),
    beaconSecondsAt: Type.Integer({
      minimum: 0,
      maximum: MAX_BEACON_SECONDS,
      description: 'Clock reference: the beacon’s 32-bit seconds counter read this value …',
    }),
    wallMsAt: EpochMs('… at this wall time.'),
  },
  {
    additionalProperties: false,
    description: 'Eddystone-EID registration: what a resolver needs to recognise the rotating EIDs of this beacon.',
  },
);

/** What the beacon broadcasts, for provisioning and firmware; gateways only read `measuredPower`. */
export const RegistryFrame = Type.Object(
  {
    type: Type.Union(
      BEACON_FRAME_TYPES.map((t) => Type.Literal(t)),
      { description: 'Frame type (protocol/ble BeaconFrameType).' },
    ),
    intervalMs: Type.Optional(
      Type.Integer({
        minimum: 20,
        maximum: 10_240,
        description: 'Advertising interval; the legacy HCI range is 20 ms … 10.24 s (protocols.md §5.2).',
      }),
    ),
    measuredPower: Type.Optional(
      Type.Integer({
        minimum: -127,
        maximum: 20,
        description: 'Calibration byte as the frame carries it: RSSI at 1 m (iBeacon, AltBeacon) or TX power at 0 m (Eddystone).',
      }),
    ),
    url: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'Eddystone-URL target.' })),
  },
  { additionalProperties: false },
);

export const RegistryBeacon = Type.Object(
  {
    beaconId: RegistryBeaconId,
    spot: SpotName,
    item: Type.Optional(ItemRef),
    rssiAt1m: Type.Optional(
      Type.Number({
        minimum: -127,
        maximum: 20,
        description:
          'RSSI measured on site at 1 m, dBm. Overrides the calibration the frame carries when gateways estimate distance (protocols.md §5.1: calibrate per site).',
      }),
    ),
    eid: Type.Optional(RegistryEid),
    frames: Type.Optional(Type.Array(RegistryFrame, { maxItems: 8, description: 'Frames the beacon broadcasts (Eddystone allows several slots).' })),
  },
  { additionalProperties: false },
);

export const RegistryGateway = Type.Object(
  {
    gatewayId: GatewayId,
    spot: SpotName,
  },
  { additionalProperties: false, description: 'A gateway and the spot it watches; its sensor communications carry that spot’s beacon ID.' },
);

export const SiteRegistry = Type.Object(
  {
    v: Type.Literal(REGISTRY_VERSION, { description: 'Registry schema version.' }),
    siteId: SiteId,
    beacons: Type.Array(RegistryBeacon, { maxItems: 10_000, description: 'Every beacon of the site, at most 10 000 (the EidResolver default bound).' }),
    gateways: Type.Optional(Type.Array(RegistryGateway, { maxItems: 1_000 })),
  },
  {
    additionalProperties: false,
    title: 'SiteRegistry',
    description: 'The beacons of one site and the spots they mark.',
  },
);

export type SiteRegistry = Static<typeof SiteRegistry>;
export type RegisteredBeacon = Static<typeof RegistryBeacon>;
export type RegistryEidEntry = Static<typeof RegistryEid>;
export type RegistryGatewayEntry = Static<typeof RegistryGateway>;
