export * from './frame.js';
export * from './scanner.js';
export * from './command-set.js';
export * from './common.js';
export * from './radar-parser.js';
