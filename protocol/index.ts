/** The pure protocol layer: bytes and schemas in, values out; no I/O anywhere below here. */
export * as ble from './ble/index.js';
export * as identity from './identity/index.js';
export * as messages from './messages/index.js';
export * as sensors from './sensors/index.js';
export * as registry from './registry/index.js';
