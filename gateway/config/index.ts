/** gateway/config: the gateway's YAML config, its secrets and the site registry it names. */
export * from './schema.js';
export * from './load.js';
export { REDACTED, redact, secretPointers, substituteReferences, type Env, type ReferenceContext } from './secrets.js';
export { formatIssue, type ConfigIssue, type Position, type Severity } from './yaml-source.js';
export { describe as describeSchema, schemaIssues, type SchemaIssue } from './explain.js';
