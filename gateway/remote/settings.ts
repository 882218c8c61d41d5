/**
 * The settings of a remote config/set, checked against gateway/config's schema. Pure: objects in,
 * a validated GatewayConfig or a list of problems out.
 *
 * A config/set's `config` map is keyed by dotted paths into the gateway config
 * (`"pipeline.dwell.thresholdMs": 5000`, or `"pipeline": { "dwell": { "thresholdMs": 5000 } }` —
 * the same thing). Mappings merge key by key; lists and scalars replace. Only what the gateway can
 * change while it runs may be set (LIVE_SETTINGS); anything else (IDs, broker, serial ports, radio
 * kind…) needs the local file and a restart, and a config/set touching it is rejected as a whole.
 *
 * Precedence, lowest first: the local file's values (with defaults) < the site-wide config/set <
 * the gateway's own config/set < values written explicitly in the local file. A technician's local
 * override thus survives any remote push; leave a key out of the local file to manage it remotely.
 *
 * References (`${ENV:…}`, `${SECRET:…}`) are refused in remote settings: substituting them would let
 * whoever may publish config/set read the gateway's environment out through a URL frame.
 */
import { Value } from '@sinclair/typebox/value';
import { configRules, GatewayConfigSchema, redactConfig, schemaIssues, type GatewayConfig } from '../config/index.js';
import { dottedKey, pointerOf, pointerSegments } from '../config/yaml-source.js';

/** Dotted paths a config/set may change (and everything below them). */
export const LIVE_SETTINGS = ['pipeline', 'radio.advertise', 'radio.scan.dedupeMs', 'telemetry.intervalMs'] as const;

const LIVE_POINTERS = LIVE_SETTINGS.map((k) => pointerOf(k.split('.')));

export type Json = Record<string, unknown>;
export const isPlainObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

export interface SettingIssue {
  /** Dotted key, e.g. `pipeline.dwell.thresholdMs`, or `radio.advertise.frames[0].type`. */
  key: string;
  message: string;
}

/** A config/set's settings as one nested patch, with the pointers of the values it sets. */
export interface SettingsPatch {
  patch: Json;
  /** JSON Pointers of every value the patch sets (its leaves; lists count as one value). */
  pointers: string[];
}

const SEGMENT = /^[A-Za-z][A-Za-z0-9_-]*$/;
const REFERENCE = /\$\{/;

export function isLivePointer(pointer: string): boolean {
  return LIVE_POINTERS.some((p) => pointer === p || pointer.startsWith(p + '/'));
}

const dotted = (pointer: string) => pointerSegments(pointer).join('.');

/** Problems inside a value: keys that could reach Object.prototype, and references. */
function valueIssues(value: unknown, key: string, out: SettingIssue[]): void {
  const walk = (v: unknown, path: string) => {
    if (typeof v === 'string') {
      if (REFERENCE.test(v)) out.push({ key: path, message: '${…} references are not allowed in remote config (write the value, or set it in the local file)' });
      return;
    }
    if (Array.isArray(v)) return v.forEach((x, i) => walk(x, `${path}[${i}]`));
    if (isPlainObject(v)) {
      for (const [k, x] of Object.entries(v)) {
        if (k === '__proto__' || k === 'constructor' || k === 'prototype') out.push({ key: `${path}.${k}`, message: 'not a setting name' });
        else walk(x, `${path}.${k}`);
      }
    }
  };
  walk(value, key);
}

function deepMerge(target: Json, patch: Json): void {
  for (const [k, v] of Object.entries(patch)) {
    const t = target[k];
    if (isPlainObject(v) && isPlainObject(t)) deepMerge(t, v);
    else target[k] = structuredClone(v);
  }
}

/** Leaves of a nested patch: scalars, lists, and nothing for empty mappings (they change nothing). */
function leafPointers(value: unknown, path: string[] = [], out: string[] = []): string[] {
  if (isPlainObject(value)) {
    for (const [k, v] of Object.entries(value)) leafPointers(v, [...path, k], out);
  } else {
    out.push(pointerOf(path));
  }
  return out;
}

/**
 * Turns a config/set's `config` map into a nested patch and checks that it only sets live
 * settings. Shorter keys are applied first, so `"pipeline.dwell.thresholdMs"` refines `"pipeline"`.
 */
export function expandSettings(settings: Readonly<Record<string, unknown>>): { ok: true; value: SettingsPatch } | { ok: false; issues: SettingIssue[] } {
  const issues: SettingIssue[] = [];
  const patch: Json = {};
  const keys = Object.keys(settings).sort((a, b) => a.split('.').length - b.split('.').length || (a < b ? -1 : a > b ? 1 : 0));
  for (const key of keys) {
    const segments = key.split('.');
    if (!segments.every((s) => SEGMENT.test(s))) {
      issues.push({ key, message: 'not a setting name (dotted path of [A-Za-z][A-Za-z0-9_-]* keys)' });
      continue;
    }
    const value = settings[key];
    valueIssues(value, key, issues);
    let node = patch;
    let conflict = false;
    for (const seg of segments.slice(0, -1)) {
      const next = node[seg];
      if (next === undefined) node = node[seg] = {};
      else if (isPlainObject(next)) node = next;
      else {
        conflict = true;
        break;
      }
    }
    const last = segments[segments.length - 1]!;
    if (conflict) {
      issues.push({ key, message: 'conflicts with a shorter key that sets a value which is not a mapping' });
      continue;
    }
    const existing = node[last];
    if (isPlainObject(existing) && isPlainObject(value)) deepMerge(existing, value);
    else node[last] = structuredClone(value);
  }
  if (issues.length > 0) return { ok: false, issues };
  const pointers = leafPointers(patch);
  for (const p of pointers) {
    if (!isLivePointer(p)) {
      issues.push({ key: dotted(p), message: `cannot be changed remotely (only ${LIVE_SETTINGS.join(', ')}); change it in the local config file and restart` });
    }
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, value: { patch, pointers } };
}

function getAt(value: unknown, pointer: string): unknown {
  let v = value;
  for (const seg of pointerSegments(pointer)) v = isPlainObject(v) ? v[seg] : Array.isArray(v) ? v[Number(seg)] : undefined;
  return v;
}

function setAt(target: Json, pointer: string, value: unknown): void {
  const segs = pointerSegments(pointer);
  let node = target;
  for (const seg of segs.slice(0, -1)) {
    const next = node[seg];
    node = isPlainObject(next) ? next : (node[seg] = {});
  }
  const last = segs[segs.length - 1];
  if (last === undefined) return;
  if (value === undefined) delete node[last];
  else node[last] = structuredClone(value);
}

/**
 * The pointers of live settings written explicitly in a local config file (its parsed YAML, before
 * defaults): these win over remote values.
 */
export function localLivePointers(raw: unknown): string[] {
  if (!isPlainObject(raw)) return [];
  return leafPointers(raw).filter(isLivePointer);
}

export type CandidateResult = { ok: true; config: GatewayConfig } | { ok: false; issues: SettingIssue[] };

/**
 * The config a gateway would run with these remote layers (lowest first) on top of its local
 * config, checked like a config file: schema, defaults, cross-field rules.
 */
export function mergeConfig(local: GatewayConfig, layers: readonly Json[], localPointers: readonly string[] = []): CandidateResult {
  const candidate = structuredClone(local) as unknown as Json;
  for (const layer of layers) deepMerge(candidate, layer);
  for (const p of localPointers) setAt(candidate, p, getAt(local, p));
  const value = Value.Default(GatewayConfigSchema, candidate);
  // Only live settings can have changed. The rest is the local config as the loader left it, which
  // no longer passes every file rule (passwordEnv has been resolved into password, for one).
  const live = (i: { pointer: string }) => isLivePointer(i.pointer);
  const schema = schemaIssues(GatewayConfigSchema, value).filter(live);
  if (schema.length > 0) return { ok: false, issues: schema.map((i) => ({ key: dottedKey(i.pointer, value), message: i.message })) };
  const config = value as GatewayConfig;
  const rules = configRules(config).filter(live);
  if (rules.length > 0) return { ok: false, issues: rules.map((i) => ({ key: dottedKey(i.pointer, value), message: i.message })) };
  return { ok: true, config };
}

/** Settings that a local file's explicit value overrides (logged, so a silent "no effect" is explained). */
export function shadowedByLocal(pointers: readonly string[], localPointers: readonly string[]): string[] {
  return pointers.filter((p) => localPointers.some((l) => p === l || p.startsWith(l + '/') || l.startsWith(p + '/'))).map(dotted);
}

/** Live sections whose values differ between two configs: what has to be re-applied. */
export type LiveSection = 'pipeline' | 'advertise' | 'dedupe' | 'telemetry';

export function changedSections(a: GatewayConfig, b: GatewayConfig): LiveSection[] {
  const same = (x: unknown, y: unknown) => JSON.stringify(x) === JSON.stringify(y);
  const out: LiveSection[] = [];
  if (!same(a.radio.advertise, b.radio.advertise)) out.push('advertise');
  if (a.radio.scan.dedupeMs !== b.radio.scan.dedupeMs) out.push('dedupe');
  if (a.telemetry.intervalMs !== b.telemetry.intervalMs) out.push('telemetry');
  if (!same(a.pipeline, b.pipeline)) out.push('pipeline');
  return out;
}

/** At most this many keys in a config/state `config` map (protocol ConfigSettings maxProperties). */
const MAX_STATE_KEYS = 256;

/**
 * What config/state reports: for every key the layers set, the value the gateway now runs (which
 * differs where the local file wins), secrets redacted.
 */
export function appliedSettings(config: GatewayConfig, pointers: readonly string[]): Record<string, unknown> {
  const shown = redactConfig(config);
  const out: Record<string, unknown> = {};
  for (const p of [...new Set(pointers)].sort().slice(0, MAX_STATE_KEYS)) {
    const v = getAt(shown, p);
    if (v !== undefined) out[dotted(p)] = v;
  }
  return out;
}

/** Deep equality of JSON values (settings maps). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && sameJson(a[k], b[k]));
  }
  return false;
}
