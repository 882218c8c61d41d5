/** gateway/broker: the embedded aedes broker, its users file and topic ACL. */
export * from './broker.js';
export * from './acl.js';
export * from './users.js';
export { SharedSubscriptions, parseSharedFilter } from './shared.js';
