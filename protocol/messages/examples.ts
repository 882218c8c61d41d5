/**
 * One valid example payload per message kind. The JSON files are the source: tests validate them
 * and the AsyncAPI document embeds them as message examples.
 */
import type { MessageKind } from './schemas/index.js';
import configSet from './examples/config-set.json' with { type: 'json' };
import configState from './examples/config-state.json' with { type: 'json' };
import contentItem from './examples/content-item.json' with { type: 'json' };
import gatewayStatus from './examples/gateway-status.json' with { type: 'json' };
import sensorCommunication from './examples/sensor-communication.json' with { type: 'json' };
import telemetry from './examples/telemetry.json' with { type: 'json' };
import userCommunication from './examples/user-communication.json' with { type: 'json' };

/** Typed as unknown on purpose: JSON imports are not checked against the schemas by tsc, only by the tests. */
export const MESSAGE_EXAMPLES: { readonly [K in MessageKind]: unknown } = {
  'sensor-communication': sensorCommunication,
  'user-communication': userCommunication,
  'content-item': contentItem,
  'gateway-status': gatewayStatus,
  telemetry,
  'config-set': configSet,
  'config-state': configState,
};
