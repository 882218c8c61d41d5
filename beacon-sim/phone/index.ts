/** The shopper's phone: the merchant's app (triggers, user communications, content) and its MQTT link. */
export * from './mqtt-link.js';
export * from './phone-app.js';
export * from './triggers.js';
export * from './ulid.js';
