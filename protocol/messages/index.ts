/** protocol/messages: the MQTT contract between gateways, phones and the backend. */
export * from './primitives.js';
export * from './beacon-id.js';
export * from './message-id.js';
export * from './schemas/index.js';
export * from './validate.js';
export * from './topics.js';
export * from './routing.js';
export * from './signature.js';
export * from './examples.js';
export * from './asyncapi.js';
