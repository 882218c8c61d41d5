/**
 * Loading a store layout: YAML text → defaults → schema → cross-field rules, every problem as a
 * ConfigIssue with file:line:col and the dotted key, like gateway/config (same yaml-source helpers,
 * same TypeBox explanations). `${ENV:NAME}` works in any string value (identity keys). Never throws
 * for anything a file can contain.
 *
 * Also here: the facts every other module derives from a layout — the canonical beacon ID of each
 * spot (protocol/messages beacon-id.ts, the string phones and gateways both report), its calibrated
 * power at 1 m, where shoppers stand in front of it, and the cart tags' IDs.
 */
import { readFileSync } from 'node:fs';
import { Value } from '@sinclair/typebox/value';
import { eddystoneMeasuredPower1m } from '../../protocol/ble/distance.js';
import { isCountryCode } from '../../protocol/identity/index.js';
import { formatBeaconId } from '../../protocol/messages/beacon-id.js';
import { schemaIssues, type SchemaIssue } from '../../gateway/config/explain.js';
import { secretPointers, substituteReferences, type Env } from '../../gateway/config/secrets.js';
import { type ConfigIssue, issueAt, parseYamlSource } from '../../gateway/config/yaml-source.js';
import { type Point, offset, toPoint } from './geometry.js';
import { type BeaconLayout, BeaconSpec, type CartsLayout, type DisplayLayout, type StoreLayout, StoreLayoutSchema } from './layout-schema.js';

export type LayoutResult = { ok: true; layout: StoreLayout; warnings: ConfigIssue[] } | { ok: false; errors: ConfigIssue[]; warnings: ConfigIssue[] };

export interface LayoutLoadOptions {
  /** For ${ENV:NAME}. Default process.env. */
  env?: Env;
}

/** The canonical beacon ID a layout beacon broadcasts (EIDs: the registered `eid:<name>`). */
export function beaconIdOf(b: BeaconLayout): string {
  switch (b.type) {
    case 'ibeacon':
      return formatBeaconId({ kind: 'ibeacon', uuid: b.uuid, major: b.major, minor: b.minor });
    case 'altbeacon':
      return formatBeaconId({ kind: 'altbeacon', id1: b.id1, id2: b.id2, id3: b.id3 });
    case 'eddystone-uid':
      return formatBeaconId({ kind: 'eddystone-uid', namespace: b.namespace, instance: b.instance });
    case 'eddystone-eid':
      return formatBeaconId({ kind: 'eid', registeredId: b.name });
  }
}

/** RSSI at 1 m for the path-loss model: Eddystone calibrates at 0 m, 41 dB more (protocols.md §5.1). */
export function measuredPower1mOf(b: BeaconLayout): number {
  switch (b.type) {
    case 'ibeacon':
      return b.measuredPower;
    case 'altbeacon':
      return b.referenceRssi;
    default:
      return eddystoneMeasuredPower1m(b.txPower);
  }
}

/** Where a shopper stands to look at a display. */
export function standPoint(d: DisplayLayout): Point {
  return offset(toPoint(d.at), d.facing, d.standM);
}

/** Cart n (1-based): instance = n as 12 hex digits. */
export function cartBeaconId(carts: CartsLayout, n: number): string {
  return formatBeaconId({ kind: 'eddystone-uid', namespace: carts.namespace, instance: n.toString(16).padStart(12, '0') });
}

export function cartInstance(n: number): string {
  return n.toString(16).padStart(12, '0');
}

const byPosition = (a: ConfigIssue, b: ConfigIssue) => a.line - b.line || a.col - b.col;

/** Rules the schema cannot say. Runs on a value that passed the schema (defaults applied). */
export function layoutRules(l: StoreLayout): { errors: SchemaIssue[]; warnings: SchemaIssue[] } {
  const errors: SchemaIssue[] = [];
  const warnings: SchemaIssue[] = [];
  const inside = (p: readonly number[], pointer: string) => {
    const [x = 0, y = 0] = p;
    if (x < 0 || y < 0 || x > l.floor.widthM || y > l.floor.depthM) {
      errors.push({ pointer, message: `[${x}, ${y}] is outside the ${l.floor.widthM} × ${l.floor.depthM} m floor` });
    }
  };
  inside(l.floor.entrance, '/floor/entrance');

  const displays = new Map<string, number>();
  const beacons = new Map<string, string>();
  l.displays.forEach((d, i) => {
    const at = `/displays/${i}`;
    if (displays.has(d.id)) errors.push({ pointer: `${at}/id`, message: `duplicate display id ${d.id}` });
    displays.set(d.id, i);
    const before = errors.length;
    inside(d.at, `${at}/at`);
    if (errors.length === before) {
      const [x, y] = standPoint(d).map((v) => Math.round(v * 100) / 100);
      if (x! < 0 || y! < 0 || x! > l.floor.widthM || y! > l.floor.depthM) {
        errors.push({ pointer: `${at}/at`, message: `shoppers would stand at [${x}, ${y}] (standM ${d.standM} in front, facing ${d.facing}°), outside the floor` });
      }
    }
    const id = beaconIdOf(d.beacon);
    const other = beacons.get(id);
    if (other !== undefined) errors.push({ pointer: `${at}/beacon`, message: `beacon ${id} is already at ${other}` });
    beacons.set(id, d.id);
  });
  if (l.carts) {
    for (let n = 1; n <= l.carts.count; n++) {
      const id = cartBeaconId(l.carts, n);
      if (beacons.has(id)) errors.push({ pointer: '/carts/namespace', message: `cart tag ${id} has the beacon ID of display ${beacons.get(id)}` });
    }
  }

  const gatewayIds = new Set<string>();
  const ports = new Map<number, string>();
  const gatewayAt = new Map<string, string>();
  l.gateways.forEach((g, i) => {
    const at = `/gateways/${i}`;
    if (gatewayIds.has(g.id)) errors.push({ pointer: `${at}/id`, message: `duplicate gateway id ${g.id}` });
    gatewayIds.add(g.id);
    if (!displays.has(g.display)) errors.push({ pointer: `${at}/display`, message: `no display ${g.display} (known: ${[...displays.keys()].join(', ')})` });
    const taken = gatewayAt.get(g.display);
    if (taken !== undefined) errors.push({ pointer: `${at}/display`, message: `gateway ${taken} already stands at ${g.display}; both would report the same sensorId` });
    gatewayAt.set(g.display, g.id);
    const p = ports.get(g.simPort);
    if (p !== undefined) errors.push({ pointer: `${at}/simPort`, message: `port ${g.simPort} is already gateway ${p}'s` });
    ports.set(g.simPort, g.id);
    if (g.at) inside(g.at, `${at}/at`);
  });
  l.displays.forEach((d, i) => {
    if ((d.radar || d.touch) && !gatewayAt.has(d.id)) {
      warnings.push({ pointer: `/displays/${i}/${d.radar ? 'radar' : 'touch'}`, message: `no gateway stands at ${d.id}, so nothing reads its ${d.radar ? 'radar' : 'touch pad'}` });
    }
  });

  const s = l.shoppers;
  for (const key of ['arrivalGapS', 'walkSpeedMps', 'stops', 'dwellS', 'holdS'] as const) {
    const [lo = 0, hi = 0] = s[key];
    if (lo > hi) errors.push({ pointer: `/shoppers/${key}`, message: `min ${lo} is above max ${hi}` });
  }
  if (s.count > s.population) errors.push({ pointer: '/shoppers/count', message: `more shoppers at once (${s.count}) than people who may come (population ${s.population})` });
  const p = l.phone;
  if (!isCountryCode(p.hashing.defaultCountry)) errors.push({ pointer: '/phone/hashing/defaultCountry', message: `${p.hashing.defaultCountry} is not a country libphonenumber knows` });
  if (p.dwell.thresholdMs < p.dwell.stepMs) errors.push({ pointer: '/phone/dwell/thresholdMs', message: `must be at least dwell.stepMs (${p.dwell.stepMs}): claim 4 needs a first and a last broadcast one step apart` });
  return { errors, warnings };
}

/**
 * TypeBox fills a union's defaults only when a variant then checks, so a beacon with one wrong field
 * would also be reported as missing every defaulted field. Defaults come from the variant its `type`
 * names instead (the same variant explain.ts explains errors by).
 */
function withBeaconDefaults(value: unknown): unknown {
  const displays = (value as { displays?: unknown } | null)?.displays;
  if (!Array.isArray(displays)) return value;
  for (const d of displays) {
    const beacon = (d as { beacon?: unknown } | null)?.beacon;
    if (beacon === null || typeof beacon !== 'object' || Array.isArray(beacon)) continue;
    const variant = BeaconSpec.anyOf.find((v) => v.properties.type.const === (beacon as { type?: unknown }).type);
    if (variant) (d as { beacon: unknown }).beacon = Value.Default(variant, beacon);
  }
  return value;
}

const INLINE_SECRET = 'secret written inline; fine for a demo store, give it as ${ENV:NAME} otherwise';

/** Parses and checks layout text; `file` is only used in messages. Never throws. */
export function parseLayoutText(text: string, file: string, options: LayoutLoadOptions = {}): LayoutResult {
  try {
    return parseInternal(text, file, options);
  } catch (e) {
    // Every input path is handled above; reaching this is a bug, reported rather than thrown.
    const message = `internal error while checking this file: ${e instanceof Error ? e.message : String(e)}`;
    return { ok: false, errors: [{ file, line: 1, col: 1, key: '', message, severity: 'error' }], warnings: [] };
  }
}

function parseInternal(text: string, file: string, options: LayoutLoadOptions): LayoutResult {
  const src = parseYamlSource(text, file);
  if (src.errors.length > 0) return { ok: false, errors: src.errors, warnings: [] };
  if (src.value === null || typeof src.value !== 'object' || Array.isArray(src.value)) {
    return { ok: false, errors: [issueAt(src, '', 'expected a mapping (v, site, floor, displays, gateways, carts, shoppers, phone, radio)')], warnings: [] };
  }
  const sub = substituteReferences(src.value, { env: options.env ?? process.env });
  const value = withBeaconDefaults(Value.Default(StoreLayoutSchema, structuredClone(sub.value)));
  const issues: SchemaIssue[] = [...sub.issues];
  const flagged = new Set(issues.map((i) => i.pointer));
  for (const i of schemaIssues(StoreLayoutSchema, value)) if (!flagged.has(i.pointer)) issues.push(i);
  const located = (list: SchemaIssue[], severity: 'error' | 'warning' = 'error') => list.map((i) => issueAt(src, i.pointer, i.message, severity, value)).sort(byPosition);
  if (issues.length > 0) return { ok: false, errors: located(issues), warnings: [] };
  const layout = value as StoreLayout;
  const rules = layoutRules(layout);
  const warnings = located(rules.warnings, 'warning');
  for (const p of secretPointers(StoreLayoutSchema, layout)) if (!sub.referenced.has(p)) warnings.push(issueAt(src, p, INLINE_SECRET, 'warning', layout));
  if (rules.errors.length > 0) return { ok: false, errors: located(rules.errors), warnings };
  return { ok: true, layout, warnings };
}

/** Reads and checks a layout file. Never throws. */
export function loadLayout(path: string, options: LayoutLoadOptions = {}): LayoutResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));
    return { ok: false, errors: [{ file: path, line: 1, col: 1, key: '', message: `cannot read file (${code})`, severity: 'error' }], warnings: [] };
  }
  return parseLayoutText(text, path, options);
}
