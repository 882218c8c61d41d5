/**
 * Telemetry: periodic health counters of one gateway, for dashboards and alerts. Lossy by design
 * (QoS 0): the next report supersedes a lost one, and counters are cumulative so nothing is lost
 * but resolution.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Count, EpochMs, GatewayId, ID_PATTERN, SCHEMA_ID_BASE, SCHEMA_VERSION, SiteId } from '../primitives.js';

export const SensorHealth = Type.Object(
  {
    framesOk: Count('Frames decoded successfully since start.'),
    bytesSkipped: Count('Bytes discarded while resynchronising on a frame header since start.'),
    crcFailures: Count('Frames rejected by checksum / footer check since start.'),
    reconnects: Count('Times the serial / I²C link was reopened since start.'),
    lastFrameAgeMs: Type.Optional(Count('Milliseconds since the last good frame; absent if none yet.')),
  },
  { additionalProperties: false },
);

export const Telemetry = Type.Object(
  {
    v: Type.Literal(SCHEMA_VERSION, { description: 'Schema version.' }),
    kind: Type.Literal('telemetry'),
    gatewayId: GatewayId,
    siteId: SiteId,
    timestamp: EpochMs('When the report was taken (gateway clock).'),
    uptimeS: Count('Seconds since the gateway process started.'),
    counters: Type.Object(
      {
        eventsPublished: Count('Sensor communications acknowledged by the broker since start.'),
        queueDepth: Count('Sensor communications waiting in the outgoing queue now (a gauge, not a counter).'),
        deadLettered: Count('Messages given up on (invalid or undeliverable) since start.'),
      },
      { additionalProperties: false },
    ),
    radio: Type.Object(
      {
        advertisementsSeen: Count('BLE advertising reports received since start.'),
        scanRestarts: Count('Times the BLE scan was restarted since start.'),
        watchdogResets: Count('Times the radio watchdog reset the adapter since start.'),
      },
      { additionalProperties: false },
    ),
    sensors: Type.Record(Type.String({ pattern: ID_PATTERN }), SensorHealth, {
      additionalProperties: false,
      maxProperties: 64,
      description: 'Health per attached sensor, keyed by a local sensor name such as "radar-0" or "touch-0".',
    }),
    memory: Type.Object(
      {
        rssBytes: Count('Resident set size.'),
        heapUsedBytes: Count('JavaScript heap in use.'),
      },
      { additionalProperties: false },
    ),
  },
  {
    $id: `${SCHEMA_ID_BASE}telemetry.json`,
    title: 'Telemetry',
    description: 'Gateway health counters. Topic tp/v1/<site>/<gateway>/telemetry, QoS 0, not retained.',
    additionalProperties: false,
  },
);

export type Telemetry = Static<typeof Telemetry>;
