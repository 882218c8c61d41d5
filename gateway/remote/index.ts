/** gateway/remote: desired config over MQTT (config/set → config/state), applied live, persisted last good. */
export * from './settings.js';
export * from './persist.js';
export * from './live.js';
export * from './remote-config.js';
export * from './local-file.js';
