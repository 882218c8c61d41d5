/** protocol/registry: a site's beacons, the spots they mark, and how a received frame finds its beacon. */
export * from './schema.js';
export * from './validate.js';
export * from './resolve.js';
