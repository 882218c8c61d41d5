/**
 * The store layout: one YAML file describing a virtual store — its floor, the displays, podiums and
 * aisles with the beacon each one carries ([0198]–[0201]: every first-party beacon stands for an
 * item, item type or area), the optional radar and touch pad at a display, the gateways and where
 * they stand, the cart tags, and how shoppers, phones and the radio behave.
 *
 * Every setting with a default says so in its description; loading applies the defaults before
 * checking (as gateway/config does), so `StoreLayout` below is the effective layout.
 * Coordinates are metres on the floor plan: x to the right, y into the store (geometry.ts).
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { MAX_ROTATION_EXPONENT } from '../../protocol/ble/crypto/eid.js';
import { HASHING_STANDARD_NAMES } from '../../protocol/identity/standards.js';
import { GATEWAY_ID_PATTERN, ID_PATTERN } from '../../protocol/messages/primitives.js';
import { ItemRef } from '../../protocol/messages/schemas/sensor-communication.js';

export const LAYOUT_VERSION = 1 as const;

const Int = (min: number, max: number, def: number, description: string) =>
  Type.Integer({ minimum: min, maximum: max, default: def, description: `${description} Default ${def}.` });
const Num = (min: number, max: number, def: number, description: string) =>
  Type.Number({ minimum: min, maximum: max, default: def, description: `${description} Default ${def}.` });
const Share = (def: number, description: string) => Num(0, 1, def, description);
/** `[min, max]`; min ≤ max is a rule (layout.ts). */
const Range = (min: number, max: number, def: [number, number], description: string) =>
  Type.Array(Type.Number({ minimum: min, maximum: max }), { minItems: 2, maxItems: 2, default: def, description: `${description} [min, max]. Default [${def.join(', ')}].` });
const Section = <T extends TSchema>(schema: T) => schema;

export const PointSpec = Type.Array(Type.Number({ minimum: -1000, maximum: 1000 }), {
  minItems: 2,
  maxItems: 2,
  description: 'A position on the floor plan, [x, y] in metres.',
});

const Uuid = Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$', description: 'UUID, 8-4-4-4-12 hex.' });
const Uint16 = Type.Integer({ minimum: 0, maximum: 65535 });
const Rssi1m = Type.Integer({ minimum: -127, maximum: -1, description: 'Calibrated RSSI at 1 m, dBm (what the frame carries).' });
const TxPower0m = Type.Integer({ minimum: -100, maximum: 20, description: 'Eddystone calibrated power at 0 m, dBm (the frame’s TX power byte; 1 m is 41 dB less, protocols.md §5.1).' });
/** Legacy advertising interval range 20 ms … 10.24 s (protocols.md §5.2). */
const IntervalMs = Int(20, 10_240, 300, 'Advertising interval, ms (legacy range 20…10240, protocols.md §5.2; Kontakt ships 350).');

export const BeaconSpec = Type.Union(
  [
    Type.Object(
      { type: Type.Literal('ibeacon'), uuid: Uuid, major: Uint16, minor: Uint16, measuredPower: Rssi1m, intervalMs: IntervalMs },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        type: Type.Literal('altbeacon'),
        manufacturerId: Int(0, 65535, 0x0118, 'Company ID (0x0118 = Radius Networks, the AltBeacon reference).'),
        id1: Uuid,
        id2: Uint16,
        id3: Uint16,
        referenceRssi: Rssi1m,
        intervalMs: IntervalMs,
      },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        type: Type.Literal('eddystone-uid'),
        namespace: Type.String({ pattern: '^[0-9a-fA-F]{20}$', description: '10-byte namespace, 20 hex digits.' }),
        instance: Type.String({ pattern: '^[0-9a-fA-F]{12}$', description: '6-byte instance, 12 hex digits.' }),
        txPower: TxPower0m,
        intervalMs: IntervalMs,
      },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        type: Type.Literal('eddystone-eid'),
        name: Type.String({ pattern: ID_PATTERN, description: 'Registered name: the beacon ID is eid:<name> (protocol/messages beacon-id.ts).' }),
        identityKey: Type.String({ pattern: '^[0-9a-fA-F]{32}$', secret: true, description: 'Identity key, 32 hex digits. Give it as ${ENV:NAME} outside a demo.' }),
        exponent: Type.Integer({ minimum: 0, maximum: MAX_ROTATION_EXPONENT, description: 'Rotation exponent K: a new EID every 2^K s (eid-computation.md).' }),
        beaconSecondsAt: Int(0, 0xffff_ffff, 0, 'The beacon clock read this at clock.beaconEpochMs.'),
        txPower: TxPower0m,
        intervalMs: IntervalMs,
      },
      { additionalProperties: false },
    ),
  ],
  { description: 'The beacon at this spot, by frame type.' },
);

const TouchPads = Type.Record(Type.String({ pattern: '^(?:[0-9]|1[0-2])$' }), ItemRef, {
  additionalProperties: false,
  description: 'Electrode 0–11 (12 = proximity) → the item lying on that pad.',
});

export const DisplaySpec = Type.Object(
  {
    id: Type.String({ pattern: ID_PATTERN, description: 'Spot name ([A-Za-z0-9._-]{1,64}); also the spot in the derived site registry.' }),
    kind: Type.Union([Type.Literal('display'), Type.Literal('podium'), Type.Literal('aisle')], { default: 'display', description: 'display case, podium or aisle. Default "display".' }),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
    at: PointSpec,
    facing: Num(-360, 360, 90, 'Direction the front faces, degrees on the plan (0 = +x, 90 = +y, counter-clockwise); shoppers stand there.'),
    standM: Num(0.2, 3, 0.7, 'How far in front of the display shoppers stand, m.'),
    item: ItemRef,
    beacon: BeaconSpec,
    radar: Type.Optional(
      Type.Object(
        {
          rangeCm: Int(50, 600, 300, 'Farthest target the radar reports, cm (LD2410: 8 gates × 0.75 m, protocols.md §3.2).'),
          fovDeg: Num(10, 180, 120, 'Field of view, degrees, centred on `facing`.'),
        },
        { additionalProperties: false, description: 'An LD2410 looking out of the display front (`radar: {}` for the defaults).' },
      ),
    ),
    touch: Type.Optional(
      Type.Object({ pads: TouchPads }, { additionalProperties: false, description: 'A TP1 touch bridge with items on its pads; shoppers picking an item up press its pad.' }),
    ),
    attraction: Num(0, 100, 1, 'Relative chance that a shopper puts this spot on the route.'),
  },
  { additionalProperties: false },
);

export const GatewaySpec = Type.Object(
  {
    id: Type.String({ pattern: GATEWAY_ID_PATTERN, description: 'Gateway ID (a topic level; not "device" or "user").' }),
    display: Type.String({ pattern: ID_PATTERN, description: 'The display it stands at: its spot, its sensorId, its radar and touch pad.' }),
    at: Type.Optional(PointSpec),
    simPort: Type.Integer({ minimum: 1, maximum: 65535, description: 'UDP port of its simulated radio on 127.0.0.1 (gateway radio.simPort).' }),
    pipeline: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), { description: 'Overrides of the derived gateway config’s pipeline section (checked by the gateway config loader).' }),
    ),
  },
  { additionalProperties: false },
);

export const CartsSpec = Type.Object(
  {
    count: Int(1, 500, 6, 'Carts with a tag.'),
    namespace: Type.String({ pattern: '^[0-9a-fA-F]{20}$', description: 'Eddystone namespace of the cart tags (their instance is the cart number); gateways track this namespace.' }),
    txPower: Type.Integer({ minimum: -100, maximum: 20, default: -30, description: 'Tag calibration at 0 m, dBm: low, so only nearby gateways hear a cart ([0198] tunable range). Default -30.' }),
    intervalMs: Int(20, 10_240, 250, 'Tag advertising interval, ms.'),
  },
  { additionalProperties: false, description: 'Motion-activated cart tags: they advertise while a shopper pushes the cart.' },
);

export const ShoppersSpec = Section(
  Type.Object(
    {
      count: Int(1, 500, 6, 'Shoppers in the store at once (a new one arrives after one leaves); --shoppers overrides.'),
      population: Int(1, 50_000, 40, 'Distinct people who may visit; a visit draws one who is not in the store.'),
      crmShare: Share(0.7, 'Share of the population in the merchant’s customer list.'),
      appShare: Share(0.8, 'Share of shoppers carrying a phone with the merchant’s app.'),
      consentShare: Share(0.75, 'Share of app users who consented to sharing hashed identifiers.'),
      revokeShare: Share(0.1, 'Share of consenting app users who revoke consent during the visit.'),
      cartShare: Share(0.5, 'Share of shoppers who take a cart (when carts are configured and one is free).'),
      arrivalGapS: Range(0, 3600, [1, 8], 'Pause before the next shopper walks in, s.'),
      walkSpeedMps: Range(0.1, 3, [0.7, 1.2], 'Walking speed, m/s.'),
      stops: Range(1, 100, [2, 5], 'Spots visited per visit.'),
      dwellS: Range(0.5, 3600, [8, 30], 'Time standing at a spot, s.'),
      pickupChance: Share(0.6, 'Chance of picking an item up at a spot with a touch pad.'),
      holdS: Range(0.1, 600, [0.6, 8], 'How long an item is held (pad pressed), s.'),
    },
    { additionalProperties: false, default: {}, description: 'Who walks the floor.' },
  ),
);

export const PhoneSpec = Section(
  Type.Object(
    {
      hashing: Type.Object(
        {
          standard: Type.Union(
            HASHING_STANDARD_NAMES.map((n) => Type.Literal(n)),
            { default: 'google-v1', description: 'Site hashing standard (protocol/identity, [0215]–[0216]). Default "google-v1".' },
          ),
          defaultCountry: Type.String({ pattern: '^[A-Z]{2}$', default: 'US', description: 'Country of phone numbers written without +. Default "US".' }),
        },
        { additionalProperties: false, default: {} },
      ),
      dwell: Type.Object(
        {
          stepMs: Int(100, 60_000, 1000, 'Time step: the beacon must be heard in every step ([0208]), ms.'),
          thresholdMs: Int(100, 3_600_000, 6000, 'First-to-last period that triggers (claim 4), ms.'),
          maxMissedSteps: Int(0, 10, 1, 'Empty steps a run survives (phones miss packets).'),
          minRssi: Num(-127, 20, -70, 'Receipts weaker than this do not count ([0198]: range is tuned per spot; else every beacon of a small store would dwell), dBm.'),
        },
        { additionalProperties: false, default: {} },
      ),
      proximity: Type.Object(
        {
          enabled: Type.Boolean({ default: true, description: 'RSSI trigger on (claim 11). Default true.' }),
          rssiDbm: Num(-127, 20, -62, 'A receipt at or above this triggers (claim 11, [0209]), dBm.'),
        },
        { additionalProperties: false, default: {} },
      ),
      followUp: Type.Object(
        {
          everyMs: Int(500, 600_000, 5000, 'Follow-up communication period while the beacon is still heard (claim 8), ms.'),
          max: Int(0, 1000, 12, 'Follow-ups per session at most.'),
        },
        { additionalProperties: false, default: {} },
      ),
      cooldownMs: Int(0, 3_600_000, 20_000, 'After a session that triggered ends, the same beacon does not trigger again for this long, ms.'),
      clockSkewMs: Num(0, 60_000, 0, 'Standard deviation of the phones’ clock offsets, ms (0: every phone on the store clock).'),
      lingerS: Num(0, 3600, 10, 'The app stays connected this long after the shopper left (late content), s.'),
      bodyLossDb: Num(0, 30, 3, 'Attenuation of a phone carried on the body, dB.'),
    },
    { additionalProperties: false, default: {}, description: 'The merchant’s app on the shoppers’ phones.' },
  ),
);

const Receiver = (missRate: number, sensitivityDbm: number, who: string) =>
  Type.Object(
    {
      missRate: Share(missRate, `Share of advertising events a ${who} does not receive.`),
      sensitivityDbm: Num(-127, 0, sensitivityDbm, `Weaker signals are not received by a ${who}, dBm.`),
    },
    { additionalProperties: false, default: {} },
  );

export const RadioSpec = Section(
  Type.Object(
    {
      pathLossExponent: Num(1, 6, 2.5, 'Log-distance exponent n (protocols.md §5.1: 2–4 indoors).'),
      noiseDb: Num(0, 20, 4, 'Standard deviation of the per-packet RSSI noise, dB.'),
      gateway: Receiver(0.3, -92, 'gateway'),
      phone: Receiver(0.1, -95, 'phone'),
    },
    { additionalProperties: false, default: {}, description: 'The RSSI model (radio-model.ts).' },
  ),
);

export const StoreLayoutSchema = Type.Object(
  {
    v: Type.Literal(LAYOUT_VERSION, { description: 'Layout file version.' }),
    site: Type.Object(
      {
        id: Type.String({ pattern: ID_PATTERN, description: 'Site ID (a topic level).' }),
        name: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
      },
      { additionalProperties: false },
    ),
    floor: Type.Object(
      {
        widthM: Type.Number({ exclusiveMinimum: 0, maximum: 1000 }),
        depthM: Type.Number({ exclusiveMinimum: 0, maximum: 1000 }),
        entrance: PointSpec,
      },
      { additionalProperties: false },
    ),
    clock: Type.Object(
      {
        beaconEpochMs: Type.Integer({
          minimum: 0,
          maximum: 8_640_000_000_000_000,
          default: 1_735_689_600_000,
          description: 'Wall time at which every EID beacon’s clock read its beaconSecondsAt (the registry’s wallMsAt). Default 1735689600000 (2025-01-01T00:00Z).',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    displays: Type.Array(DisplaySpec, { minItems: 1, maxItems: 1000, description: 'Display cases, podiums and aisles, each with its beacon.' }),
    gateways: Type.Array(GatewaySpec, { default: [], maxItems: 100, description: 'Gateways and the display each stands at. Default [].' }),
    carts: Type.Optional(CartsSpec),
    shoppers: ShoppersSpec,
    phone: PhoneSpec,
    radio: RadioSpec,
  },
  { additionalProperties: false, title: 'Touchpoint store layout' },
);

export type StoreLayout = Static<typeof StoreLayoutSchema>;
export type DisplayLayout = Static<typeof DisplaySpec>;
export type BeaconLayout = Static<typeof BeaconSpec>;
export type GatewayLayout = Static<typeof GatewaySpec>;
export type CartsLayout = Static<typeof CartsSpec>;
export type ShoppersLayout = StoreLayout['shoppers'];
export type PhoneLayout = StoreLayout['phone'];
export type RadioLayout = StoreLayout['radio'];
