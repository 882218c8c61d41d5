/** The simulated radio: wire format, in-process bus, loopback UDP transport, broadcaster. */
export * from './broadcaster.js';
export * from './bus.js';
export * from './udp.js';
export * from './wire.js';
