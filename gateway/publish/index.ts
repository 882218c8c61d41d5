/** gateway/publish: stamping + durable outbox, and the MQTT publisher that drains it. */
export * from './outbox.js';
export * from './publisher.js';
export { NullStore } from './null-store.js';
