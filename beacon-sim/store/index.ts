/** The virtual store: layout, engine, outputs, ground truth. README.md explains each part. */
export * from './ble-output.js';
export * from './clock.js';
export * from './derive.js';
export * from './engine.js';
export * from './events.js';
export * from './geometry.js';
export * from './layout-schema.js';
export * from './layout.js';
export * from './live-sensors.js';
export * from './radio-model.js';
export * from './run.js';
export * from './shoppers.js';
export * from './truth.js';
