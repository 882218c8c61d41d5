/**
 * Gateway status: a retained online/offline flag per gateway. The gateway publishes `online` on
 * connect and registers an `offline` payload as its MQTT Last Will, which the broker publishes for
 * it when the connection dies without a clean disconnect.
 */
import { Type, type Static } from '@sinclair/typebox';
import { BOOT_ID_PATTERN, EpochMs, GatewayId, SCHEMA_ID_BASE, SCHEMA_VERSION, SiteId } from '../primitives.js';

export const GatewayStatus = Type.Object(
  {
    v: Type.Literal(SCHEMA_VERSION, { description: 'Schema version.' }),
    kind: Type.Literal('gateway-status'),
    gatewayId: GatewayId,
    siteId: SiteId,
    state: Type.Union([Type.Literal('online'), Type.Literal('offline')]),
    timestamp: EpochMs(
      'When the gateway produced this payload. For the Last Will that is connect time, because the broker publishes the will later, verbatim.',
    ),
    version: Type.Optional(
      Type.String({ pattern: '^[0-9A-Za-z.+_-]{1,64}$', description: 'Gateway software version, e.g. 0.1.0.' }),
    ),
    bootId: Type.Optional(
      Type.String({ pattern: BOOT_ID_PATTERN, description: 'ID of this gateway process start; the middle part of its sensor messageIds.' }),
    ),
  },
  {
    $id: `${SCHEMA_ID_BASE}gateway-status.json`,
    title: 'GatewayStatus',
    description:
      'Gateway liveness. Topic tp/v1/<site>/<gateway>/status, QoS 1, retained; the offline payload is the MQTT Last Will.',
    additionalProperties: false,
  },
);

export type GatewayStatus = Static<typeof GatewayStatus>;
