/** gateway/watch: a backend-side subscriber and the per-gateway loss/duplicate tracker. */
export * from './sequence-tracker.js';
export * from './watch.js';
