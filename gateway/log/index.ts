/** gateway/log: structured pino logs for journald, pretty in a terminal, secrets masked. */
export * from './logger.js';
