/** The registry of message kinds: one JSON Schema per `kind` discriminator value. */
import type { Static } from '@sinclair/typebox';
import { ContentItem } from './content-item.js';
import { ConfigSet, ConfigState } from './gateway-config.js';
import { GatewayStatus } from './gateway-status.js';
import { SensorCommunication } from './sensor-communication.js';
import { Telemetry } from './telemetry.js';
import { UserCommunication } from './user-communication.js';

export * from './content-item.js';
export * from './gateway-config.js';
export * from './gateway-status.js';
export * from './sensor-communication.js';
export * from './telemetry.js';
export * from './user-communication.js';

/** Schema per `kind`; each schema's `$id` ends in `<kind>.json`. */
export const MESSAGE_SCHEMAS = {
  'sensor-communication': SensorCommunication,
  'user-communication': UserCommunication,
  'content-item': ContentItem,
  'gateway-status': GatewayStatus,
  telemetry: Telemetry,
  'config-set': ConfigSet,
  'config-state': ConfigState,
} as const;

export type MessageKind = keyof typeof MESSAGE_SCHEMAS;
export type MessageOf<K extends MessageKind> = Static<(typeof MESSAGE_SCHEMAS)[K]>;
export type Message = { [K in MessageKind]: MessageOf<K> }[MessageKind];

export const MESSAGE_KINDS = Object.keys(MESSAGE_SCHEMAS) as MessageKind[];

export function isMessageKind(value: unknown): value is MessageKind {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(MESSAGE_SCHEMAS, value);
}
