/** Sensor emulators on real pseudo-terminals: an LD2410 radar and the TP1 touch bridge. */
export * from './ld2410-emulator.js';
export * from './pty.js';
export * from './rng.js';
export * from './scenario.js';
export * from './serve.js';
export * from './sim.js';
export * from './touch-emulator.js';
