/** gateway/health: Prometheus metrics on a private registry, the local /metrics endpoint, outbox summaries. */
export * from './metrics.js';
export * from './server.js';
export * from './outbox-summary.js';
