/**
 * Loading the gateway's files: the config (YAML), its optional secrets file and the site registry
 * it points at. Every problem comes back as a ConfigIssue naming file, line, column and key; none
 * of these functions throws for anything a file can contain.
 *
 *   parseConfigText(text, file, options)   pure: text in, effective config out (tests, remote config)
 *   loadConfig(path, options)              reads the file and its secrets file
 *   parseRegistryText / loadSiteRegistry   the same for a site registry (protocol/registry)
 *   loadGateway(path, options)             config + registry + the checks between them — what `gateway run` needs
 *
 * Reading is synchronous: it happens once at start-up, before anything else runs.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import {
  indexRegistry,
  registryRules,
  SiteRegistry as SiteRegistrySchema,
  type RegistryIndex,
  type SiteRegistry,
} from '../../protocol/registry/index.js';
import { parseSigningKey } from '../security/keys.js';
import { schemaIssues, type SchemaIssue } from './explain.js';
import { GatewayConfigSchema, type GatewayConfig } from './schema.js';
import { redact, secretPointers, substituteReferences, type Env } from './secrets.js';
import { issueAt, parseYamlSource, type ConfigIssue, type YamlSource } from './yaml-source.js';

export interface LoadOptions {
  /** Environment for ${ENV:NAME} and passwordEnv. Default process.env. */
  env?: Env;
  /**
   * Secrets for ${SECRET:name}, used instead of reading `secretsFile` (tests, or a caller that
   * fetched them elsewhere).
   */
  secrets?: Readonly<Record<string, string>>;
}

export interface ParseOptions extends LoadOptions {
  /** Folder that relative paths in the config are resolved against; unresolved when absent. */
  baseDir?: string;
  /** Reads the secrets file named by `secretsFile` (already resolved against baseDir). */
  readSecrets?: (path: string, displayName: string) => SecretsResult;
}

export type SecretsResult = { ok: true; secrets: Record<string, string>; warnings: ConfigIssue[] } | { ok: false; errors: ConfigIssue[] };

export type ConfigResult =
  | {
      ok: true;
      config: GatewayConfig;
      warnings: ConfigIssue[];
      /** JSON Pointers of values that must not be shown (see redactConfig). */
      hidden: string[];
    }
  | { ok: false; errors: ConfigIssue[]; warnings: ConfigIssue[] };

export type RegistryLoadResult =
  | { ok: true; registry: SiteRegistry; warnings: ConfigIssue[]; hidden: string[] }
  | { ok: false; errors: ConfigIssue[]; warnings: ConfigIssue[] };

export type GatewayLoadResult =
  | {
      ok: true;
      config: GatewayConfig;
      registry: SiteRegistry;
      index: RegistryIndex;
      /** The beacon ID this gateway reports (gateway.sensorId or the first beacon at its spot). */
      sensorId: string;
      warnings: ConfigIssue[];
      /** Pointers into `config` to redact (redactConfig). */
      hidden: string[];
    }
  | { ok: false; errors: ConfigIssue[]; warnings: ConfigIssue[] };

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Issues in file order, as an editor would walk them. */
const byPosition = (a: ConfigIssue, b: ConfigIssue) => a.line - b.line || a.col - b.col;

const INLINE_SECRET = 'secret written inline; prefer ${ENV:NAME}, ${SECRET:name} (secretsFile) or passwordEnv';

/** A config with its secrets replaced by "<redacted>", keys in schema order: what `config show` prints. */
export function redactConfig(config: GatewayConfig, hidden: readonly string[] = []): unknown {
  return redact(GatewayConfigSchema, config, hidden);
}

/** Cross-field rules the schema cannot express. Runs on a value that passed the schema. */
export function configRules(c: GatewayConfig): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  if (c.broker.password !== undefined && c.broker.passwordEnv !== undefined) {
    issues.push({ pointer: '/broker/passwordEnv', message: 'give password or passwordEnv, not both' });
  }
  if ((c.broker.cert === undefined) !== (c.broker.key === undefined)) {
    issues.push({ pointer: c.broker.cert === undefined ? '/broker/key' : '/broker/cert', message: 'mutual TLS needs both cert and key' });
  }
  if (c.gateway.signingKey !== undefined) {
    // The schema checked the shape; this checks the bytes. The reason never contains key material.
    const k = parseSigningKey(c.gateway.signingKey);
    if (!k.ok) issues.push({ pointer: '/gateway/signingKey', message: k.reason });
  }
  if (c.pipeline.dwell.thresholdMs < c.pipeline.dwell.intervalMs) {
    // Claim 4 needs a first and a last broadcast at least one time step apart.
    issues.push({ pointer: '/pipeline/dwell/thresholdMs', message: `must be at least dwell.intervalMs (${c.pipeline.dwell.intervalMs})` });
  }
  const { radar, touch } = c.sensors;
  if (radar && touch && radar.path === touch.path) {
    issues.push({ pointer: '/sensors/touch/path', message: `same serial device as sensors.radar.path (${radar.path})` });
  }
  if (c.pipeline.inactivityMs <= c.pipeline.dwell.intervalMs) {
    issues.push({ pointer: '/pipeline/inactivityMs', message: `must be longer than dwell.intervalMs (${c.pipeline.dwell.intervalMs}), or every gap would end the visit` });
  }
  return issues;
}

function resolvePaths(c: GatewayConfig, baseDir: string): void {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  c.gateway.dataDir = abs(c.gateway.dataDir);
  c.registry.path = abs(c.registry.path);
  if (c.broker.ca !== undefined) c.broker.ca = abs(c.broker.ca);
  if (c.broker.cert !== undefined) c.broker.cert = abs(c.broker.cert);
  if (c.broker.key !== undefined) c.broker.key = abs(c.broker.key);
  if (c.broker.embedded?.tls) {
    c.broker.embedded.tls.cert = abs(c.broker.embedded.tls.cert);
    c.broker.embedded.tls.key = abs(c.broker.embedded.tls.key);
  }
  if (c.secretsFile !== undefined) c.secretsFile = abs(c.secretsFile);
  if (c.log?.file !== undefined) c.log.file = abs(c.log.file);
}

interface ParsedConfig {
  result: ConfigResult;
  src: YamlSource;
  secrets?: Record<string, string>;
}

function parseConfigInternal(text: string, file: string, options: ParseOptions): ParsedConfig {
  const env = options.env ?? process.env;
  const src = parseYamlSource(text, file);
  const fail = (errors: ConfigIssue[], warnings: ConfigIssue[] = []): ParsedConfig => ({ result: { ok: false, errors, warnings }, src });
  if (src.errors.length > 0) return fail(src.errors);
  if (!isObj(src.value)) return fail([issueAt(src, '', 'expected a mapping of sections (gateway, broker, radio, sensors, registry, pipeline, outbox, telemetry)')]);

  const warnings: ConfigIssue[] = [];
  let secrets = options.secrets;
  const rawSecretsFile = src.value.secretsFile;
  if (secrets === undefined && typeof rawSecretsFile === 'string') {
    // The secrets file's own path may use ${ENV:…}, not ${SECRET:…}.
    const p = substituteReferences(rawSecretsFile, { env });
    if (p.issues.length > 0) return fail(p.issues.map((i) => issueAt(src, '/secretsFile', i.message)));
    const path = p.value as string;
    if (!options.readSecrets) {
      return fail([issueAt(src, '/secretsFile', 'secrets files can only be read through loadConfig (give `secrets` instead)')]);
    }
    const full = options.baseDir && !isAbsolute(path) ? resolve(options.baseDir, path) : path;
    const display = isAbsolute(path) ? path : join(dirname(file), path);
    const r = options.readSecrets(full, display);
    if (!r.ok) return fail([issueAt(src, '/secretsFile', `cannot use secrets file ${display}`), ...r.errors]);
    warnings.push(...r.warnings);
    secrets = r.secrets;
  }

  const sub = substituteReferences(src.value, { env, ...(secrets ? { secrets } : {}) });
  const issues: SchemaIssue[] = [...sub.issues];
  const value = Value.Default(GatewayConfigSchema, structuredClone(sub.value));
  const flagged = new Set(issues.map((i) => i.pointer));
  // A reference that failed left '' behind; its schema complaint would only repeat the problem.
  for (const i of schemaIssues(GatewayConfigSchema, value)) if (!flagged.has(i.pointer)) issues.push(i);
  const located = (list: SchemaIssue[]) => list.map((i) => issueAt(src, i.pointer, i.message, 'error', value)).sort(byPosition);
  if (issues.length > 0) return fail(located(issues), warnings);

  const config = value as GatewayConfig;
  const ruleIssues = configRules(config);
  if (config.broker.passwordEnv !== undefined) {
    const pw = env[config.broker.passwordEnv];
    if (pw === undefined || pw === '') ruleIssues.push({ pointer: '/broker/passwordEnv', message: `environment variable ${config.broker.passwordEnv} is not set` });
    else config.broker.password = pw;
  }
  if (ruleIssues.length > 0) return fail(located(ruleIssues), warnings);

  for (const p of secretPointers(GatewayConfigSchema, config)) {
    if (p === '/broker/password' && config.broker.passwordEnv !== undefined) continue;
    if (!sub.referenced.has(p)) warnings.push(issueAt(src, p, INLINE_SECRET, 'warning', config));
  }
  if (options.baseDir !== undefined) resolvePaths(config, options.baseDir);
  return { result: { ok: true, config, warnings, hidden: [...sub.fromSecrets] }, src, ...(secrets ? { secrets } : {}) };
}

/**
 * Last line of defence for "never throws": every input path is handled above, so reaching the
 * catch is a bug — reported as an issue rather than a crash of `config validate` or of start-up.
 */
function guarded<T>(file: string, fn: () => T): T | { ok: false; errors: ConfigIssue[]; warnings: ConfigIssue[] } {
  try {
    return fn();
  } catch (e) {
    const message = `internal error while checking this file: ${e instanceof Error ? e.message : String(e)}`;
    return { ok: false, errors: [{ file, line: 1, col: 1, key: '', message, severity: 'error' }], warnings: [] };
  }
}

/** Parses and validates config text. `file` is only used in messages. Never throws. */
export function parseConfigText(text: string, file: string, options: ParseOptions = {}): ConfigResult {
  return guarded(file, () => parseConfigInternal(text, file, options).result);
}

function readText(path: string, display: string): { ok: true; text: string } | { ok: false; error: ConfigIssue } {
  try {
    return { ok: true, text: readFileSync(path, 'utf8') };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));
    return { ok: false, error: { file: display, line: 1, col: 1, key: '', message: `cannot read file (${code})`, severity: 'error' } };
  }
}

/** Reads a secrets file: a YAML mapping of name → string. Warns when others can read it. */
export function readSecretsFile(path: string, display: string = path): SecretsResult {
  const t = readText(path, display);
  if (!t.ok) return { ok: false, errors: [t.error] };
  const src = parseYamlSource(t.text, display);
  if (src.errors.length > 0) return { ok: false, errors: src.errors };
  if (!isObj(src.value)) return { ok: false, errors: [issueAt(src, '', 'expected a mapping of secret names to strings')] };
  const errors: ConfigIssue[] = [];
  const secrets: Record<string, string> = {};
  for (const [k, v] of Object.entries(src.value)) {
    // Values are never echoed: this file is nothing but secrets.
    if (typeof v !== 'string') errors.push(issueAt(src, `/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, 'expected a string (quote numbers and hex)'));
    else secrets[k] = v;
  }
  if (errors.length > 0) return { ok: false, errors };
  const warnings: ConfigIssue[] = [];
  try {
    if ((statSync(path).mode & 0o077) !== 0) {
      warnings.push({ file: display, line: 1, col: 1, key: '', message: 'readable by group or others; chmod 600', severity: 'warning' });
    }
  } catch {
    // It was just read; a stat failure here changes nothing.
  }
  return { ok: true, secrets, warnings };
}

function loadConfigInternal(path: string, options: LoadOptions): ParsedConfig | { result: ConfigResult } {
  const t = readText(path, path);
  if (!t.ok) return { result: { ok: false, errors: [t.error], warnings: [] } };
  return parseConfigInternal(t.text, path, { ...options, baseDir: dirname(resolve(path)), readSecrets: readSecretsFile });
}

/** Reads and validates a gateway config file; relative paths in it become absolute. Never throws. */
export function loadConfig(path: string, options: LoadOptions = {}): ConfigResult {
  return guarded(path, () => loadConfigInternal(path, options).result);
}

/** Parses and validates site registry text (YAML or JSON) with ${ENV:…}/${SECRET:…} references. */
export function parseRegistryText(text: string, file: string, options: LoadOptions = {}): RegistryLoadResult {
  return guarded(file, () => parseRegistryInternal(parseYamlSource(text, file), options));
}

function parseRegistryInternal(src: YamlSource, options: LoadOptions): RegistryLoadResult {
  if (src.errors.length > 0) return { ok: false, errors: src.errors, warnings: [] };
  const sub = substituteReferences(src.value, { env: options.env ?? process.env, ...(options.secrets ? { secrets: options.secrets } : {}) });
  const issues: SchemaIssue[] = [...sub.issues];
  const flagged = new Set(issues.map((i) => i.pointer));
  for (const i of schemaIssues(SiteRegistrySchema, sub.value)) if (!flagged.has(i.pointer)) issues.push(i);
  const located = (list: SchemaIssue[]) => list.map((i) => issueAt(src, i.pointer, i.message, 'error', sub.value)).sort(byPosition);
  if (issues.length > 0) return { ok: false, errors: located(issues), warnings: [] };
  const registry = sub.value as SiteRegistry;
  const rules = registryRules(registry).map((i) => ({ pointer: i.path, message: i.message }));
  if (rules.length > 0) return { ok: false, errors: located(rules), warnings: [] };
  const warnings = secretPointers(SiteRegistrySchema, registry)
    .filter((p) => !sub.referenced.has(p))
    .map((p) => issueAt(src, p, INLINE_SECRET.replace(' or passwordEnv', ''), 'warning', registry));
  return { ok: true, registry, warnings, hidden: [...sub.fromSecrets] };
}

/** Reads and validates a site registry file. `display` is the name used in messages. Never throws. */
export function loadSiteRegistry(path: string, options: LoadOptions = {}, display: string = path): RegistryLoadResult {
  return guarded(display, () => loadRegistryInternal(path, options, display).result);
}

function loadRegistryInternal(path: string, options: LoadOptions, display: string): { result: RegistryLoadResult; src?: YamlSource } {
  const t = readText(path, display);
  if (!t.ok) return { result: { ok: false, errors: [t.error], warnings: [] } };
  const src = parseYamlSource(t.text, display);
  return { result: parseRegistryInternal(src, options), src };
}

/** The beacon ID a gateway reports: gateway.sensorId, else the first beacon registered at its spot. */
export function spotSensorId(config: GatewayConfig, index: RegistryIndex): string | undefined {
  return config.gateway.sensorId ?? index.atSpot(config.gateway.spot)[0]?.beaconId;
}

/**
 * Everything `gateway run` needs before it starts: the config, its secrets, the registry it names,
 * the registry indexed (EID resolver loaded) and the checks that tie them together.
 */
export function loadGateway(path: string, options: LoadOptions = {}): GatewayLoadResult {
  return guarded(path, () => loadGatewayInternal(path, options));
}

function loadGatewayInternal(path: string, options: LoadOptions): GatewayLoadResult {
  const loaded = loadConfigInternal(path, options);
  const { result } = loaded;
  if (!result.ok) return result;
  const { config } = result;
  const src = (loaded as ParsedConfig).src;
  const secrets = options.secrets ?? (loaded as ParsedConfig).secrets;
  const warnings = [...result.warnings];
  const rawRegistryPath = isObj(src.value) && isObj(src.value.registry) && typeof src.value.registry.path === 'string' ? src.value.registry.path : 'site-registry.yaml';
  const display = isAbsolute(rawRegistryPath) ? rawRegistryPath : join(dirname(path), rawRegistryPath);

  const { result: reg, src: regSrc } = loadRegistryInternal(config.registry.path, { ...options, ...(secrets ? { secrets } : {}) }, display);
  warnings.push(...reg.warnings);
  if (!reg.ok) {
    return { ok: false, errors: [issueAt(src, '/registry/path', `site registry ${display} is not usable`), ...reg.errors], warnings };
  }
  const { registry } = reg;
  const indexed = indexRegistry(registry, { skewSeconds: config.registry.eidSkewSeconds });
  if (!indexed.ok) {
    return { ok: false, errors: indexed.errors.map((i) => issueAt(regSrc!, i.path, i.message, 'error', registry)), warnings };
  }
  const { index } = indexed;
  const errors: ConfigIssue[] = [];
  if (registry.siteId !== config.gateway.siteId) {
    errors.push(issueAt(src, '/gateway/siteId', `the site registry ${display} is for site ${registry.siteId}`, 'error', config));
  }
  const listed = registry.gateways?.find((g) => g.gatewayId === config.gateway.id);
  if (listed && listed.spot !== config.gateway.spot) {
    errors.push(issueAt(src, '/gateway/spot', `the site registry places gateway ${config.gateway.id} at spot ${listed.spot}`, 'error', config));
  }
  const sensorId = spotSensorId(config, index);
  if (sensorId === undefined) {
    errors.push(issueAt(src, '/gateway/spot', `no beacon is registered at spot ${config.gateway.spot} in ${display}, so there is no sensorId to report (register one or set gateway.sensorId)`, 'error', config));
  } else if (config.gateway.sensorId !== undefined && !index.beacon(sensorId)) {
    warnings.push(issueAt(src, '/gateway/sensorId', `${sensorId} is not in the site registry; phones will not know its spot`, 'warning', config));
  }
  if (errors.length > 0 || sensorId === undefined) return { ok: false, errors, warnings };
  return { ok: true, config, registry, index, sensorId, warnings, hidden: result.hidden };
}
