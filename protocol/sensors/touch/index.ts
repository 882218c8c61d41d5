export * from './types.js';
export * from './crc8.js';
export * from './tp1.js';
export * from './foreign.js';
export * from './line.js';
export * from './parser.js';
export * from './request.js';
