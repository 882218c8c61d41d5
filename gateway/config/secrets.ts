/**
 * Secrets never have to be written into a config file. Any string value may contain
 *   ${ENV:NAME}      the value of environment variable NAME
 *   ${SECRET:name}   the value of `name` in the secrets file (`secretsFile`, a YAML name: value map)
 * and `$${` stands for a literal `${`. The broker password also has `passwordEnv: NAME`.
 * Fields the schema marks `secret: true` are redacted wherever a config is shown, and so is any
 * value that came from a ${SECRET:…} reference.
 */
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { SchemaIssue } from './explain.js';
import { pointerOf } from './yaml-source.js';

export const REDACTED = '<redacted>';

export type Env = Readonly<Record<string, string | undefined>>;

export interface ReferenceContext {
  env: Env;
  /** Loaded secrets; undefined when the config names no secrets file. */
  secrets?: Readonly<Record<string, string>>;
}

export interface Substituted {
  value: unknown;
  issues: SchemaIssue[];
  /** Values that contained any reference. */
  referenced: Set<string>;
  /** Values that contained a ${SECRET:…} reference (redacted on show). */
  fromSecrets: Set<string>;
}

const REF = /\$\$\{|\$\{([^}]*)\}/g;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SECRET_NAME = /^[A-Za-z0-9._-]{1,128}$/;

/** Replaces references in every string of `value` (a fresh copy; the input is not changed). */
export function substituteReferences(value: unknown, ctx: ReferenceContext): Substituted {
  const out: Substituted = { value: undefined, issues: [], referenced: new Set(), fromSecrets: new Set() };
  const walk = (v: unknown, path: (string | number)[]): unknown => {
    if (typeof v === 'string') return v.includes('$') ? substituteString(v, path) : v;
    if (Array.isArray(v)) return v.map((x, i) => walk(x, [...path, i]));
    if (v !== null && typeof v === 'object') {
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) o[k] = walk(x, [...path, k]);
      return o;
    }
    return v;
  };
  const substituteString = (s: string, path: (string | number)[]): string => {
    const pointer = pointerOf(path);
    let touched = false;
    const result = s.replace(REF, (match, inner: string | undefined) => {
      if (match === '$${') return '${';
      touched = true;
      const colon = inner!.indexOf(':');
      const kind = colon < 0 ? inner! : inner!.slice(0, colon);
      const name = colon < 0 ? '' : inner!.slice(colon + 1);
      if (kind === 'ENV') {
        if (!ENV_NAME.test(name)) {
          out.issues.push({ pointer, message: `\${ENV:${name}}: not a valid environment variable name` });
          return '';
        }
        const got = ctx.env[name];
        if (got === undefined) {
          out.issues.push({ pointer, message: `environment variable ${name} is not set` });
          return '';
        }
        return got;
      }
      if (kind === 'SECRET') {
        out.fromSecrets.add(pointer);
        if (!SECRET_NAME.test(name)) {
          out.issues.push({ pointer, message: `\${SECRET:${name}}: secret names are [A-Za-z0-9._-]{1,128}` });
          return '';
        }
        if (!ctx.secrets) {
          out.issues.push({ pointer, message: `\${SECRET:${name}} needs a secrets file (secretsFile)` });
          return '';
        }
        const got = Object.prototype.hasOwnProperty.call(ctx.secrets, name) ? ctx.secrets[name] : undefined;
        if (got === undefined) {
          out.issues.push({ pointer, message: `secret ${name} is not in the secrets file` });
          return '';
        }
        return got;
      }
      out.issues.push({ pointer, message: `unknown reference \${${inner}}; use \${ENV:NAME} or \${SECRET:name} ($\${ for a literal \${)` });
      return '';
    });
    if (touched) out.referenced.add(pointer);
    return result;
  };
  out.value = walk(value, []);
  return out;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The sub-schema for `key` of an object schema (properties, then patternProperties). */
function propertySchema(schema: Json, key: string): Json | undefined {
  if (isObj(schema.properties) && isObj(schema.properties[key])) return schema.properties[key] as Json;
  if (isObj(schema.patternProperties)) {
    for (const [pattern, s] of Object.entries(schema.patternProperties)) if (new RegExp(pattern).test(key) && isObj(s)) return s;
  }
  return isObj(schema.additionalProperties) ? schema.additionalProperties : undefined;
}

/** The variant of a union that describes `value`: by its `type` tag, else the first that checks. */
function unionVariant(schema: Json, value: unknown): Json | undefined {
  const variants = (schema.anyOf as Json[] | undefined) ?? [];
  if (isObj(value)) {
    const tagged = variants.find((v) => isObj(v.properties) && isObj(v.properties.type) && v.properties.type.const === value.type);
    if (tagged) return tagged;
  }
  return variants.find((v) => Value.Check(v as TSchema, value));
}

/** Pointers of every string value whose schema says `secret: true`. */
export function secretPointers(schema: TSchema, value: unknown): string[] {
  const found: string[] = [];
  const walk = (s: Json | undefined, v: unknown, path: (string | number)[]) => {
    if (!s) return;
    if (Array.isArray(s.anyOf)) return walk(unionVariant(s, v), v, path);
    if (s.secret === true && typeof v === 'string') {
      found.push(pointerOf(path));
      return;
    }
    if (Array.isArray(v) && isObj(s.items)) v.forEach((x, i) => walk(s.items as Json, x, [...path, i]));
    else if (isObj(v)) for (const [k, x] of Object.entries(v)) walk(propertySchema(s, k), x, [...path, k]);
  };
  walk(schema as Json, value, []);
  return found;
}

/**
 * A copy of `value` with every secret replaced by "<redacted>" (schema `secret: true` fields plus
 * `extra` pointers) and object keys in schema order, for printing.
 */
export function redact(schema: TSchema, value: unknown, extra: Iterable<string> = []): unknown {
  const hide = new Set([...secretPointers(schema, value), ...extra]);
  const walk = (s: Json | undefined, v: unknown, path: (string | number)[]): unknown => {
    if (hide.has(pointerOf(path)) && v !== undefined) return REDACTED;
    if (s && Array.isArray(s.anyOf)) s = unionVariant(s, v);
    if (Array.isArray(v)) return v.map((x, i) => walk(s && isObj(s.items) ? s.items : undefined, x, [...path, i]));
    if (isObj(v)) {
      const keys = Object.keys(v);
      const order = s && isObj(s.properties) ? Object.keys(s.properties) : [];
      const sorted = [...order.filter((k) => keys.includes(k)), ...keys.filter((k) => !order.includes(k))];
      const o: Json = {};
      for (const k of sorted) o[k] = walk(s ? propertySchema(s, k) : undefined, v[k], [...path, k]);
      return o;
    }
    return v;
  };
  return walk(schema as Json, value, []);
}
