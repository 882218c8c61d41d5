/**
 * TypeBox validation errors, said the way a technician needs them: which key, what is expected,
 * what was found. One issue per key (the first, most specific one); a discriminated union is
 * explained by the variant its `type` selects rather than by "expected union value". Secret fields
 * never echo their value.
 */
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';

export interface SchemaIssue {
  /** JSON Pointer into the checked value. */
  pointer: string;
  message: string;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** What a value looks like, for "got …"; secrets are not shown. */
export function show(value: unknown, secret = false): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (secret) return typeof value === 'string' ? `a hidden string of ${value.length} characters` : 'a hidden value';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? value.slice(0, 57) + '...' : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return 'a list';
  return 'a mapping';
}

function range(s: Json): string {
  const lo = typeof s.minimum === 'number' ? s.minimum : undefined;
  const hi = typeof s.maximum === 'number' ? s.maximum : undefined;
  const xlo = typeof s.exclusiveMinimum === 'number' ? s.exclusiveMinimum : undefined;
  if (xlo !== undefined && hi !== undefined) return ` greater than ${xlo} and at most ${hi}`;
  if (lo !== undefined && hi !== undefined) return ` in ${lo}…${hi}`;
  if (lo !== undefined) return ` ≥ ${lo}`;
  if (hi !== undefined) return ` ≤ ${hi}`;
  return '';
}

function firstSentence(text: unknown): string | undefined {
  if (typeof text !== 'string') return undefined;
  const m = /^(.*?)\.(\s|$)/.exec(text);
  return m ? m[1]! : text;
}

/** "an integer in 100…60000", "one of 9600, 19200", "a string matching ^[0-9a-f]{32}$". */
export function describe(schema: TSchema): string {
  const s = schema as Json;
  if ('const' in s) return JSON.stringify(s.const);
  if (Array.isArray(s.anyOf)) {
    const variants = s.anyOf as Json[];
    if (variants.every((v) => 'const' in v)) return `one of ${variants.map((v) => JSON.stringify(v.const)).join(', ')}`;
    return variants.map((v) => describe(v as TSchema)).join(' or ');
  }
  switch (s.type) {
    case 'string': {
      const pattern = typeof s.pattern === 'string' ? s.pattern : undefined;
      // Long patterns (beacon IDs) help nobody; the description's first sentence says the form.
      if (pattern && pattern.length > 48) return `a string: ${firstSentence(s.description) ?? 'see the schema'}`;
      if (pattern) return `a string matching ${pattern}`;
      if (s.minLength === 1) return 'a non-empty string';
      return 'a string';
    }
    case 'integer':
      return `an integer${range(s)}`;
    case 'number':
      return `a number${range(s)}`;
    case 'boolean':
      return 'true or false';
    case 'array':
      return 'a list';
    case 'object':
      return 'a mapping';
    default:
      return 'a valid value';
  }
}

function* explainError(e: ValueError): Generator<SchemaIssue> {
  const s = e.schema as Json;
  const secret = s.secret === true;
  switch (e.type) {
    case ValueErrorType.Union:
      yield* explainUnion(e);
      return;
    case ValueErrorType.ObjectRequiredProperty:
      yield { pointer: e.path, message: `missing; expected ${describe(e.schema)}` };
      return;
    case ValueErrorType.ObjectAdditionalProperties: {
      if (isObj(s.properties)) {
        yield { pointer: e.path, message: `unknown key; expected one of: ${Object.keys(s.properties).join(', ')}` };
      } else if (isObj(s.patternProperties)) {
        yield { pointer: e.path, message: `unknown key; keys must match ${Object.keys(s.patternProperties)[0]}` };
      } else {
        yield { pointer: e.path, message: 'unknown key' };
      }
      return;
    }
    case ValueErrorType.ObjectMinProperties:
      yield {
        pointer: e.path,
        message: isObj(s.properties) ? `expected at least one of: ${Object.keys(s.properties).join(', ')}` : `expected at least ${String(s.minProperties)} keys`,
      };
      return;
    case ValueErrorType.ArrayMaxItems:
      yield { pointer: e.path, message: `expected at most ${String(s.maxItems)} items, got ${Array.isArray(e.value) ? e.value.length : '?'}` };
      return;
    case ValueErrorType.ArrayMinItems:
      yield { pointer: e.path, message: `expected at least ${String(s.minItems)} items, got ${Array.isArray(e.value) ? e.value.length : '?'}` };
      return;
    default:
      yield { pointer: e.path, message: `expected ${describe(e.schema)}, got ${show(e.value, secret)}` };
  }
}

function* explainUnion(e: ValueError): Generator<SchemaIssue> {
  const variants = ((e.schema as Json).anyOf ?? []) as Json[];
  const tag = (v: Json) => (isObj(v.properties) && isObj(v.properties.type) ? v.properties.type.const : undefined);
  if (variants.length > 0 && variants.every((v) => tag(v) !== undefined) && isObj(e.value)) {
    const chosen = variants.find((v) => tag(v) === (e.value as Json).type);
    if (!chosen) {
      yield { pointer: `${e.path}/type`, message: `expected one of ${variants.map((v) => JSON.stringify(tag(v))).join(', ')}, got ${show((e.value as Json).type)}` };
      return;
    }
    for (const inner of Value.Errors(chosen as TSchema, e.value)) {
      yield* explainError({ ...inner, path: e.path + inner.path });
    }
    return;
  }
  yield { pointer: e.path, message: `expected ${describe(e.schema)}, got ${show(e.value)}` };
}

/** Every problem of `value` against `schema`, one per key, at most `max`. */
export function schemaIssues(schema: TSchema, value: unknown, max = 50): SchemaIssue[] {
  const out: SchemaIssue[] = [];
  const seen = new Set<string>();
  for (const e of Value.Errors(schema, value)) {
    for (const issue of explainError(e)) {
      // A bad key inside a key already reported adds nothing (e.g. a mapping where a number goes).
      if (seen.has(issue.pointer)) continue;
      seen.add(issue.pointer);
      out.push(issue);
      if (out.length >= max) return out;
    }
  }
  return out;
}
