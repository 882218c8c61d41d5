/**
 * Validation and parsing of every message kind. Each schema is compiled once, at import, by
 * TypeBox's TypeCompiler; a payload passes when it matches the schema and then the kind's cross-field
 * rules (the ones JSON Schema cannot express). Nothing here throws, whatever it is given.
 */
import type { TSchema, Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { ValidationIssue } from './primitives.js';
import {
  contentItemRules,
  isMessageKind,
  MESSAGE_SCHEMAS,
  sensorCommunicationRules,
  userCommunicationRules,
  type Message,
  type MessageKind,
  type MessageOf,
} from './schemas/index.js';

export type { ValidationIssue } from './primitives.js';

/**
 * schema: does not match the JSON Schema. rule: matches it but breaks a cross-field rule.
 * too-large, invalid-utf8, invalid-json: `parse*` only, before any schema check.
 */
export type ValidationFailureReason = 'schema' | 'rule' | 'too-large' | 'invalid-utf8' | 'invalid-json';

export type ValidationResult<T> =
  | { ok: true; value: T }
  | { ok: false; reason: ValidationFailureReason; errors: ValidationIssue[] };

export type Validator<T> = (value: unknown) => ValidationResult<T>;
export type Parser<T> = (json: string | Uint8Array) => ValidationResult<T>;

/**
 * Upper bound on an encoded payload: the biggest real message (telemetry with 64 sensors) is a few
 * KiB, and refusing early keeps a hostile publisher from making every consumer parse megabytes.
 * For string input the bound is on UTF-16 code units.
 */
export const MAX_PAYLOAD_BYTES = 64 * 1024;

/** More errors than this say nothing new and cost time on garbage input. */
const MAX_ISSUES = 20;

const fail = <T>(reason: ValidationFailureReason, errors: ValidationIssue[]): ValidationResult<T> => ({
  ok: false,
  reason,
  errors,
});

function compileValidator<S extends TSchema>(schema: S, rules?: (value: Static<S>) => ValidationIssue[]): Validator<Static<S>> {
  const check = TypeCompiler.Compile(schema);
  return (value) => {
    try {
      if (!check.Check(value)) {
        const errors: ValidationIssue[] = [];
        for (const e of check.Errors(value)) {
          errors.push({ path: e.path, message: e.message });
          if (errors.length >= MAX_ISSUES) break;
        }
        return fail('schema', errors.length > 0 ? errors : [{ path: '', message: 'does not match schema' }]);
      }
      const issues = rules ? rules(value) : [];
      return issues.length > 0 ? fail('rule', issues) : { ok: true, value };
    } catch {
      // Only reachable for exotic JS values (throwing getters, revoked proxies), never for parsed JSON.
      return fail('schema', [{ path: '', message: 'value could not be inspected' }]);
    }
  };
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Turns bytes or text into a JSON value, or says why not. */
export function decodeJson(input: string | Uint8Array): { ok: true; value: unknown } | { ok: false; reason: ValidationFailureReason; errors: ValidationIssue[] } {
  let text: string;
  if (typeof input === 'string') {
    if (input.length > MAX_PAYLOAD_BYTES) return fail('too-large', [{ path: '', message: `payload longer than ${MAX_PAYLOAD_BYTES}` }]);
    text = input;
  } else if (input instanceof Uint8Array) {
    if (input.length > MAX_PAYLOAD_BYTES) return fail('too-large', [{ path: '', message: `payload longer than ${MAX_PAYLOAD_BYTES} bytes` }]);
    try {
      text = decoder.decode(input);
    } catch {
      return fail('invalid-utf8', [{ path: '', message: 'payload is not valid UTF-8' }]);
    }
  } else {
    return fail('invalid-json', [{ path: '', message: 'payload must be a string or bytes' }]);
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (e) {
    return fail('invalid-json', [{ path: '', message: `invalid JSON: ${e instanceof Error ? e.message : 'parse error'}` }]);
  }
}

function parserFor<T>(validate: Validator<T>): Parser<T> {
  return (input) => {
    const decoded = decodeJson(input);
    return decoded.ok ? validate(decoded.value) : decoded;
  };
}

export const validateSensorCommunication = compileValidator(MESSAGE_SCHEMAS['sensor-communication'], sensorCommunicationRules);
export const validateUserCommunication = compileValidator(MESSAGE_SCHEMAS['user-communication'], userCommunicationRules);
export const validateContentItem = compileValidator(MESSAGE_SCHEMAS['content-item'], contentItemRules);
export const validateGatewayStatus = compileValidator(MESSAGE_SCHEMAS['gateway-status']);
export const validateTelemetry = compileValidator(MESSAGE_SCHEMAS.telemetry);
export const validateConfigSet = compileValidator(MESSAGE_SCHEMAS['config-set']);
export const validateConfigState = compileValidator(MESSAGE_SCHEMAS['config-state']);

export const parseSensorCommunication = parserFor(validateSensorCommunication);
export const parseUserCommunication = parserFor(validateUserCommunication);
export const parseContentItem = parserFor(validateContentItem);
export const parseGatewayStatus = parserFor(validateGatewayStatus);
export const parseTelemetry = parserFor(validateTelemetry);
export const parseConfigSet = parserFor(validateConfigSet);
export const parseConfigState = parserFor(validateConfigState);

export const VALIDATORS: { readonly [K in MessageKind]: Validator<MessageOf<K>> } = {
  'sensor-communication': validateSensorCommunication,
  'user-communication': validateUserCommunication,
  'content-item': validateContentItem,
  'gateway-status': validateGatewayStatus,
  telemetry: validateTelemetry,
  'config-set': validateConfigSet,
  'config-state': validateConfigState,
};

/** Validates as the kind `expected`. */
export function validateAs<K extends MessageKind>(expected: K, value: unknown): ValidationResult<MessageOf<K>> {
  return (VALIDATORS[expected] as Validator<MessageOf<K>>)(value);
}

export function parseAs<K extends MessageKind>(expected: K, input: string | Uint8Array): ValidationResult<MessageOf<K>> {
  const decoded = decodeJson(input);
  return decoded.ok ? validateAs(expected, decoded.value) : decoded;
}

/** Validates any message, choosing the schema by its `kind`. */
export function validateMessage(value: unknown): ValidationResult<Message> {
  let kind: unknown;
  try {
    kind = typeof value === 'object' && value !== null ? (value as { kind?: unknown }).kind : undefined;
  } catch {
    kind = undefined;
  }
  if (!isMessageKind(kind)) return fail('schema', [{ path: '/kind', message: 'unknown or missing message kind' }]);
  return validateAs(kind, value);
}

export const parseMessage: Parser<Message> = parserFor(validateMessage);
