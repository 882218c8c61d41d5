/** gateway/backend: the reference first-party backend (patent [0220]–[0264]). */
export * from './backend.js';
export * from './processor.js';
export * from './store.js';
export * from './migrations.js';
export * from './match-window.js';
export * from './interest.js';
export * from './items.js';
export * from './crm.js';
export * from './content.js';
export * from './audience.js';
export { ulid, ulidTime } from './ulid.js';
export { parseCsv, formatCsv, csvField } from './csv.js';
