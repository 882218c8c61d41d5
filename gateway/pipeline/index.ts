/** gateway/pipeline: radio, radar and touch events in, sensor communication bodies out. */
export * from './types.js';
export * from './compose.js';
export { createSightings, SIGHTINGS_DEFAULTS, type BeaconFilter, type SightingStats, type SightingsOptions, type SightingsStage } from './sightings.js';
export { createPresence, DEFAULT_PROXIMITY_HYSTERESIS_DB, type PresenceOptions, type PresenceStage, type PresenceStats } from './presence.js';
export {
  createInteractions,
  INTERACTIONS_DEFAULTS,
  PeakTracker,
  radarTarget,
  type InteractionsOptions,
  type InteractionsStage,
  type InteractionsStats,
  type RadarTarget,
} from './interactions.js';
export { RssiFilter, DEFAULT_RSSI_ALPHA, DEFAULT_RSSI_WINDOW, type RssiFilterOptions } from './rssi.js';
export { BoundedCache, type BoundedCacheStats } from './bounded-cache.js';
