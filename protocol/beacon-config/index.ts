/** Beacon provisioning: the firmware's config record, its Intel HEX file, and the Touchpoint event frame. */
export * from './advertise.js';
export * from './config-hex.js';
export * from './crc32.js';
export * from './event-frame.js';
export * from './intel-hex.js';
export * from './record.js';
