export * from './report.js';
export * from './commands.js';
export * from './parser.js';
export * from './vectors.js';
