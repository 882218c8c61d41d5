/** Serial sensor adapters: LD2410/LD2450 radar and the TP1 touch bridge on the real `serialport`. */
export * from './backoff.js';
export type { StateListener } from './adapter-support.js';
export * from './radar-adapter.js';
export * from './radar-reading.js';
export * from './radar-session.js';
export * from './serial-link.js';
export * from './touch-adapter.js';
export * from './touch-state.js';
