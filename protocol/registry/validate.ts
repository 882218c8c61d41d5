/**
 * Validation of a site registry: the JSON Schema (TypeBox, compiled once) and then the rules a
 * schema cannot say — unique beacon and gateway IDs, EID registrations exactly on `eid:` beacons,
 * every gateway at a spot that has a beacon. Never throws, whatever it is given.
 */
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { ValidationIssue } from '../messages/primitives.js';
import { SiteRegistry } from './schema.js';

export type { ValidationIssue } from '../messages/primitives.js';

export type RegistryResult =
  | { ok: true; registry: SiteRegistry }
  | { ok: false; reason: 'schema' | 'rule'; errors: ValidationIssue[] };

const check = TypeCompiler.Compile(SiteRegistry);
const MAX_ISSUES = 50;

/** Rules JSON Schema cannot express. Runs only on values that passed the schema. */
export function registryRules(registry: SiteRegistry): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const firstBeacon = new Map<string, number>();
  const spots = new Set<string>();
  registry.beacons.forEach((b, i) => {
    const first = firstBeacon.get(b.beaconId);
    if (first !== undefined) {
      // The backend matches on beacon ID equality ([0231]); one ID at two spots is ambiguous.
      issues.push({ path: `/beacons/${i}/beaconId`, message: `duplicate beacon ID ${b.beaconId} (first at /beacons/${first})` });
    } else {
      firstBeacon.set(b.beaconId, i);
    }
    spots.add(b.spot);
    const isEid = b.beaconId.startsWith('eid:');
    if (isEid && !b.eid) {
      issues.push({ path: `/beacons/${i}`, message: 'an eid:<name> beacon needs an eid registration (identityKey, exponent, clock reference) to be recognised' });
    }
    if (!isEid && b.eid) {
      issues.push({ path: `/beacons/${i}/eid`, message: 'only eid:<name> beacons carry an EID registration' });
    }
  });
  const firstGateway = new Map<string, number>();
  (registry.gateways ?? []).forEach((g, i) => {
    const first = firstGateway.get(g.gatewayId);
    if (first !== undefined) {
      issues.push({ path: `/gateways/${i}/gatewayId`, message: `duplicate gateway ID ${g.gatewayId} (first at /gateways/${first})` });
    } else {
      firstGateway.set(g.gatewayId, i);
    }
    if (!spots.has(g.spot)) {
      // A gateway's sensor communications carry its spot's beacon ID; without one it has no sensorId.
      issues.push({ path: `/gateways/${i}/spot`, message: `no beacon is registered at spot ${g.spot}` });
    }
  });
  return issues;
}

export function validateSiteRegistry(value: unknown): RegistryResult {
  try {
    if (!check.Check(value)) {
      const errors: ValidationIssue[] = [];
      for (const e of check.Errors(value)) {
        errors.push({ path: e.path, message: e.message });
        if (errors.length >= MAX_ISSUES) break;
      }
      return { ok: false, reason: 'schema', errors: errors.length > 0 ? errors : [{ path: '', message: 'does not match schema' }] };
    }
    const issues = registryRules(value);
    return issues.length > 0 ? { ok: false, reason: 'rule', errors: issues } : { ok: true, registry: value };
  } catch {
    // Only exotic JS values (throwing getters, revoked proxies) get here, never parsed JSON/YAML.
    return { ok: false, reason: 'schema', errors: [{ path: '', message: 'value could not be inspected' }] };
  }
}
