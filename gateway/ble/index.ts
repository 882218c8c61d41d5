/** BLE adapters of the gateway: noble scanner, bleno advertiser, simulated-radio scanner. */
export * from './advertisement.js';
export * from './advertiser.js';
export * from './beacon-frames.js';
export * from './dedupe.js';
export * from './libs.js';
export * from './scanner.js';
export * from './sim-scanner.js';
