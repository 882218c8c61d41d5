/**
 * The gateway's configuration: one YAML file, one schema. Every setting with a default says so in
 * its description (`config show` prints the effective values). Fields marked `secret: true` are
 * redacted by `config show` and warned about when written inline: give them as `${ENV:NAME}`,
 * `${SECRET:name}` (from `secretsFile`) or, for the broker password, `passwordEnv: NAME`.
 *
 * Loading (load.ts) applies the defaults *before* checking, so the static type below is the
 * effective config: every defaulted field is present.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { BEACON_ID_PATTERN, GATEWAY_ID_PATTERN, ID_PATTERN, ItemRef } from '../../protocol/messages/index.js';
import { MAX_ROTATION_EXPONENT } from '../../protocol/ble/index.js';

export const ENV_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*$';

const Int = (min: number, max: number, def: number, description: string) =>
  Type.Integer({ minimum: min, maximum: max, default: def, description: `${description} Default ${def}.` });

const Num = (min: number, max: number, def: number, description: string) =>
  Type.Number({ minimum: min, maximum: max, default: def, description: `${description} Default ${def}.` });

const Path = (description: string) => Type.String({ minLength: 1, maxLength: 4096, description });

/** A section that may be left out entirely: it then takes every default of its fields. */
const Section = <T extends TSchema>(schema: T) => schema;

/** Baud rates the LD2410 can be switched to (command 0x00A1, protocols.md §3.1). */
export const BAUD_RATES = [9600, 19200, 38400, 57600, 115200, 230400, 256000, 460800] as const;
const BaudRate = (def: number, description: string) =>
  Type.Union(
    BAUD_RATES.map((b) => Type.Literal(b)),
    { default: def, description: `${description} Default ${def}.` },
  );

const Uuid = Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$', description: 'UUID, 8-4-4-4-12 hex.' });
const Uint16 = Type.Integer({ minimum: 0, maximum: 65535 });
const TxPower = Type.Integer({ minimum: -100, maximum: 20, description: 'Calibrated power byte the frame carries, dBm.' });

/** `<keyId>:<43 base64url characters>` (gateway/security parseSigningKey checks the rest without echoing it). */
const SIGNING_KEY_TEXT_PATTERN = '^[A-Za-z0-9._-]{1,64}:[A-Za-z0-9_-]{43}$';

export const GatewaySection = Type.Object(
  {
    id: Type.String({ pattern: GATEWAY_ID_PATTERN, description: 'Gateway ID, a topic level: [A-Za-z0-9._-]{1,64}, not "device" or "user".' }),
    siteId: Type.String({ pattern: ID_PATTERN, description: 'Site (store) ID, a topic level: [A-Za-z0-9._-]{1,64}. Must equal the registry’s siteId.' }),
    spot: Type.String({
      pattern: ID_PATTERN,
      description: 'Spot this gateway watches. Its sensor communications carry the beacon ID registered at this spot ([0207]: the sensor identifier is the beacon identifier phones hear).',
    }),
    sensorId: Type.Optional(
      Type.String({
        pattern: BEACON_ID_PATTERN,
        description: 'Canonical beacon ID to report as sensorId (ibeacon:…, altbeacon:…, eddystone-uid:…, eid:…). Default: the first beacon the registry lists at `spot`.',
      }),
    ),
    item: Type.Optional(ItemRef),
    dataDir: Type.String({
      minLength: 1,
      default: 'data',
      description: 'Outbox database and persisted state. Relative to the config file’s folder. Default "data".',
    }),
    signingKey: Type.Optional(
      Type.String({
        pattern: SIGNING_KEY_TEXT_PATTERN,
        secret: true,
        description:
          'Key this gateway signs its sensor communications with (HMAC-SHA256, gateway/security): <keyId>:<base64url of 32 bytes>, made by `touchpoint provision gateway` (or `touchpoint keys new`). A secret: ${SECRET:signing-key}. Absent: messages go out unsigned, and a backend with a keyring refuses them.',
      }),
    ),
  },
  { additionalProperties: false, description: 'Who this gateway is and where it stands.' },
);

export const BrokerSection = Section(
  Type.Object(
    {
      url: Type.String({
        pattern: '^(mqtts?|wss?|tcp|ssl)://\\S+$',
        default: 'mqtt://127.0.0.1:1883',
        description: 'MQTT broker URL (mqtt://, mqtts://, ws://, wss://). Default "mqtt://127.0.0.1:1883".',
      }),
      username: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
      password: Type.Optional(
        Type.String({ minLength: 1, maxLength: 1024, secret: true, description: 'Broker password. Prefer passwordEnv or ${SECRET:name}; never required inline.' }),
      ),
      passwordEnv: Type.Optional(
        Type.String({ pattern: ENV_NAME_PATTERN, description: 'Name of the environment variable holding the broker password.' }),
      ),
      clientId: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'MQTT client ID. Default: the gateway ID.' })),
      ca: Type.Optional(Path('CA certificate (PEM) to trust for mqtts/wss. Relative to the config file’s folder.')),
      cert: Type.Optional(Path('Client certificate (PEM) for mutual TLS; needs key.')),
      key: Type.Optional(Path('Client private key (PEM) for mutual TLS; needs cert. The file is the secret; the path is not.')),
      rejectUnauthorized: Type.Boolean({ default: true, description: 'Verify the broker’s certificate. Default true.' }),
      keepaliveS: Int(5, 3600, 30, 'MQTT keepalive, seconds.'),
      embedded: Type.Optional(
        Type.Object(
          {
            port: Int(0, 65535, 1883, 'Port of the in-process broker (aedes); 0 picks a free one.'),
            host: Type.String({ minLength: 1, default: '127.0.0.1', description: 'Address the in-process broker binds. Default "127.0.0.1".' }),
            tls: Type.Optional(
              Type.Object(
                {
                  cert: Path('Server certificate (PEM, with any intermediates) of the in-process broker. Relative to the config file’s folder.'),
                  key: Path('Its private key (PEM). The file is the secret; the path is not. Relative to the config file’s folder.'),
                },
                {
                  additionalProperties: false,
                  description:
                    'Serve MQTT over TLS only (mqtts://<host>:<port>; no plain listener). The gateway connects to it like any client: the certificate must name `host`, and `broker.ca` is the CA to verify it with.',
                },
              ),
            ),
          },
          { additionalProperties: false, description: 'Run an in-process broker (development, single-box demos).' },
        ),
      ),
    },
    { additionalProperties: false, default: {}, description: 'Where sensor communications go.' },
  ),
);

const AdvertiseFrame = Type.Union(
  [
    Type.Object({ type: Type.Literal('ibeacon'), uuid: Uuid, major: Uint16, minor: Uint16, measuredPower: Type.Integer({ minimum: -127, maximum: -1, description: 'RSSI at 1 m, dBm.' }) }, { additionalProperties: false }),
    Type.Object(
      {
        type: Type.Literal('altbeacon'),
        manufacturerId: Type.Integer({ minimum: 0, maximum: 65535, default: 0x0118, description: 'Company ID. Default 0x0118 (Radius Networks, the AltBeacon reference).' }),
        id1: Uuid,
        id2: Uint16,
        id3: Uint16,
        referenceRssi: Type.Integer({ minimum: -127, maximum: -1, description: 'RSSI at 1 m, dBm.' }),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        type: Type.Literal('eddystone-uid'),
        namespace: Type.String({ pattern: '^[0-9a-fA-F]{20}$' }),
        instance: Type.String({ pattern: '^[0-9a-fA-F]{12}$' }),
        txPower: TxPower,
      },
      { additionalProperties: false },
    ),
    Type.Object({ type: Type.Literal('eddystone-url'), url: Type.String({ minLength: 1, maxLength: 256 }), txPower: TxPower }, { additionalProperties: false }),
    Type.Object({ type: Type.Literal('eddystone-tlm') }, { additionalProperties: false, description: 'Battery, temperature and counters of the gateway itself.' }),
    Type.Object(
      {
        type: Type.Literal('eddystone-eid'),
        identityKey: Type.String({ pattern: '^[0-9a-fA-F]{32}$', secret: true, description: 'Identity key, 32 hex digits. A secret: ${ENV:NAME} or ${SECRET:name}.' }),
        exponent: Type.Integer({ minimum: 0, maximum: MAX_ROTATION_EXPONENT, description: 'Rotation exponent K (new EID every 2^K s).' }),
        txPower: TxPower,
      },
      { additionalProperties: false },
    ),
  ],
  { description: 'A frame to broadcast, by type.' },
);

export const RadioSection = Section(
  Type.Object(
    {
      kind: Type.Union([Type.Literal('ble'), Type.Literal('sim')], {
        default: 'ble',
        description: 'ble: the host Bluetooth adapter (noble/bleno). sim: the beacon simulator over TCP on 127.0.0.1. Default "ble".',
      }),
      simPort: Int(1, 65535, 47100, 'Simulator port when kind is sim.'),
      scan: Type.Object(
        {
          duplicates: Type.Boolean({
            default: true,
            description: 'Ask the controller for every advertisement, not one per device (protocols.md §5.3: duplicate filtering is why a Pi "misses" beacons). Default true.',
          }),
          dedupeMs: Int(0, 10_000, 0, 'Drop a repeat of the same address and payload within this window, ms; 0 keeps all (dwell needs repeats).'),
          watchdogMs: Int(1000, 600_000, 30_000, 'Restart scanning when nothing has been heard for this long, ms.'),
        },
        { additionalProperties: false, default: {} },
      ),
      advertise: Type.Optional(
        Type.Object(
          {
            frames: Type.Array(AdvertiseFrame, { minItems: 1, maxItems: 8, description: 'Frames this gateway broadcasts so phones hear its spot.' }),
            cadenceMs: Int(100, 60_000, 1000, 'Time each frame is on air before the next one, ms.'),
          },
          { additionalProperties: false },
        ),
      ),
    },
    { additionalProperties: false, default: {}, description: 'The BLE radio.' },
  ),
);

const TouchChannels = Type.Record(Type.String({ pattern: '^(?:[0-9]|1[0-2])$' }), ItemRef, {
  additionalProperties: false,
  default: {},
  description: 'Electrode 0–11 (12 = proximity) → the item on that pad. Unmapped channels report gateway.item. Default {}.',
});

export const SensorsSection = Section(
  Type.Object(
    {
      radar: Type.Optional(
        Type.Object(
          {
            path: Path('Serial device, e.g. /dev/ttyAMA0 or /dev/serial/by-id/….'),
            baudRate: BaudRate(256000, 'LD2410/LD2450 UART speed (factory default 256000, protocols.md §3.1).'),
            model: Type.Union([Type.Literal('ld2410'), Type.Literal('ld2450')], { default: 'ld2410', description: 'Radar model. Default "ld2410".' }),
            maxDistanceCm: Int(20, 800, 600, 'Ignore targets farther than this (the aisle behind the shopper), cm.'),
          },
          { additionalProperties: false },
        ),
      ),
      touch: Type.Optional(
        Type.Object(
          {
            path: Path('Serial device of the TP1 touch bridge.'),
            baudRate: BaudRate(115200, 'Touch bridge UART speed (TP1 uses 115200, protocol/sensors/touch/PROTOCOL.md).'),
            channels: TouchChannels,
          },
          { additionalProperties: false },
        ),
      ),
    },
    { additionalProperties: false, default: {}, description: 'Serial sensors; leave one out if it is not fitted.' },
  ),
);

export const RegistrySection = Section(
  Type.Object(
    {
      path: Type.String({
        minLength: 1,
        default: 'site-registry.yaml',
        description: 'Site registry file (protocol/registry), YAML or JSON. Relative to the config file’s folder. Default "site-registry.yaml".',
      }),
      eidSkewSeconds: Int(0, 86_400, 600, 'Accepted beacon clock error when resolving Eddystone-EIDs, s (protocol/ble EidResolver).'),
    },
    { additionalProperties: false, default: {} },
  ),
);

const BeaconIdItem = Type.String({
  pattern: BEACON_ID_PATTERN,
  description: 'Canonical beacon ID: ibeacon:<uuid>:<major>:<minor>, altbeacon:<id1>:<id2>:<id3>, eddystone-uid:<namespace>:<instance> or eid:<name>, lowercase hex.',
});

const NamespacePattern = '^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{20})$';

export const PipelineSection = Section(
  Type.Object(
    {
      beacons: Type.Object(
        {
          registeredOnly: Type.Boolean({ default: true, description: 'Track only beacons the registry lists. Default true.' }),
          ids: Type.Array(BeaconIdItem, { default: [], maxItems: 10_000, description: 'If this or namespaces is non-empty, track only matching beacons. Canonical IDs. Default [].' }),
          namespaces: Type.Array(Type.String({ pattern: NamespacePattern, description: 'A UUID (iBeacon, AltBeacon id1) or 20 hex digits (Eddystone namespace), lowercase.' }), {
            default: [],
            maxItems: 1000,
            description: 'iBeacon proximity UUIDs, AltBeacon id1s or Eddystone namespaces (lowercase). Default [].',
          }),
          exclude: Type.Array(BeaconIdItem, { default: [], maxItems: 10_000, description: 'Beacon IDs never tracked. Default [].' }),
          includeOwnSpot: Type.Boolean({
            default: false,
            description: 'Track the beacons registered at this gateway’s own spot. They are fixtures in permanent range, so by default they are not presence. Default false.',
          }),
        },
        { additionalProperties: false, default: {}, description: 'Which beacons count as presence.' },
      ),
      rssi: Type.Object(
        {
          window: Int(1, 31, 5, 'Median window, advertisements.'),
          alpha: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.3, description: 'EMA weight of the newest median (1 = no EMA). Default 0.3.' }),
        },
        { additionalProperties: false, default: {}, description: 'RSSI smoothing: running median, then EMA (gateway/pipeline/rssi.ts).' },
      ),
      pathLossExponent: Num(1, 6, 2.5, 'Path-loss exponent n of the log-distance model: 2 in free space, 2–4 indoors (protocols.md §5.1).'),
      dwell: Type.Object(
        {
          intervalMs: Int(100, 60_000, 1000, 'Dwell time step: a beacon must be heard in every step ([0208]), ms.'),
          thresholdMs: Int(100, 3_600_000, 10_000, 'Dwell fires when a run of steps reaches this, ms (claim 4).'),
          maxMissedIntervals: Int(0, 10, 0, 'Empty steps a run survives.'),
        },
        { additionalProperties: false, default: {} },
      ),
      proximity: Type.Object(
        {
          rssiDbm: Num(-127, 20, -60, 'Proximity fires when the smoothed RSSI is at or above this, dBm (claim 11); about 1 m at −59 dBm calibration.'),
          hysteresisDb: Num(0, 30, 3, 'Re-arm when the smoothed RSSI falls this far below rssiDbm, dB.'),
        },
        { additionalProperties: false, default: {} },
      ),
      inactivityMs: Int(1000, 3_600_000, 30_000, 'No sighting, radar presence or touch for this long ends the visit with "left", ms.'),
      left: Type.Union([Type.Literal('after-interaction'), Type.Literal('always')], {
        default: 'after-interaction',
        description: 'after-interaction: send left only for visits that produced an interaction. always: for every visit. Default "after-interaction".',
      }),
      approachCm: Int(10, 800, 100, 'Radar target within this distance → approach, cm.'),
      viewMs: Int(0, 600_000, 3000, 'Stationary within approachCm for this long → view, ms.'),
      holdMs: Int(0, 600_000, 2000, 'A touch lasting at least this long is a hold, ms.'),
      maxTouchMs: Int(1000, 86_400_000, 300_000, 'A pad pressed longer than this is closed as a hold (stuck electrode), ms.'),
      caches: Type.Object(
        {
          maxAddresses: Int(16, 1_000_000, 4096, 'Per-advertiser-address cache cap (LRU).'),
          addressTtlMs: Int(1000, 3_600_000, 60_000, 'Per-address cache idle expiry, ms.'),
          maxBeacons: Int(16, 100_000, 1024, 'Per-beacon state cap (LRU).'),
        },
        { additionalProperties: false, default: {}, description: 'Bounds on per-device state (an unknown-device flood only evicts).' },
      ),
    },
    { additionalProperties: false, default: {}, description: 'How sightings and sensor readings become interactions.' },
  ),
);

export const OutboxSection = Section(
  Type.Object(
    {
      maxEvents: Int(1, 10_000_000, 100_000, 'Sensor communications kept on disk while the broker is unreachable; when full, new ones are refused and counted (the outbox never drops accepted events).'),
      maxTelemetry: Int(0, 100_000, 1000, 'Telemetry reports kept while offline.'),
    },
    { additionalProperties: false, default: {} },
  ),
);

export const TelemetrySection = Section(
  Type.Object(
    {
      intervalMs: Int(1000, 86_400_000, 60_000, 'Telemetry report period, ms.'),
    },
    { additionalProperties: false, default: {} },
  ),
);

export const MetricsSection = Type.Object(
  {
    port: Int(0, 65535, 9464, 'Port of the Prometheus endpoint (GET /metrics; 9464 is the usual exporter port); 0 picks a free one.'),
    host: Type.String({
      minLength: 1,
      default: '127.0.0.1',
      description: 'Address the endpoint binds. Default "127.0.0.1": loopback only; scrape through an SSH tunnel or a local agent rather than binding every interface.',
    }),
  },
  { additionalProperties: false, description: 'Local Prometheus endpoint (gateway/health). Leave the section out to turn it off.' },
);

export const LogSection = Type.Object(
  {
    level: Type.Union(
      (['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const).map((l) => Type.Literal(l)),
      { default: 'info', description: 'Lowest level logged; `gateway run --log-level` wins. Default "info".' },
    ),
    file: Type.Optional(
      Path('Also append the JSON log lines to this file (support-bundle reads its tail); rotate it with logrotate copytruncate. Relative to the config file’s folder.'),
    ),
  },
  { additionalProperties: false, description: 'Structured logs (gateway/log): JSON lines on stdout for journald, pretty in a terminal.' },
);

export const GatewayConfigSchema = Type.Object(
  {
    gateway: GatewaySection,
    broker: BrokerSection,
    radio: RadioSection,
    sensors: SensorsSection,
    registry: RegistrySection,
    pipeline: PipelineSection,
    outbox: OutboxSection,
    telemetry: TelemetrySection,
    metrics: Type.Optional(MetricsSection),
    log: Type.Optional(LogSection),
    secretsFile: Type.Optional(
      Path('YAML file of name: value secrets for ${SECRET:name} references (keep it out of version control). Relative to the config file’s folder.'),
    ),
  },
  { additionalProperties: false, title: 'Touchpoint gateway configuration' },
);

export type GatewayConfig = Static<typeof GatewayConfigSchema>;
export type PipelineConfig = GatewayConfig['pipeline'];
export type AdvertiseFrameConfig = Static<typeof AdvertiseFrame>;
