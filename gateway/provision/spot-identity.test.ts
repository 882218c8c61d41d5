/** The code `provision beacon` and `provision gateway` share: ID choice and the registry file. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../cli/io.js';
import { allocateSpotIds, readRegistryFile, saveRegistryFile, siteEddystoneNamespace, siteIbeaconMajor, siteIbeaconUuid, spotEidBeaconId } from './spot-identity.js';

let dir = '';
beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), 'tp-spot-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Yields the given bytes in order (then zeros). */
function scripted(...bytes: number[]): (n: number) => Uint8Array {
  return (n) => Uint8Array.from({ length: n }, () => bytes.shift() ?? 0);
}

describe('spot identities', () => {
  it('per-site values are stable and the EID name is eid:<site>.<spot>', () => {
    expect(siteIbeaconUuid('store-12')).toBe(siteIbeaconUuid('store-12'));
    expect(siteIbeaconUuid('store-12')).not.toBe(siteIbeaconUuid('store-13'));
    expect(siteIbeaconUuid('store-12')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(siteIbeaconMajor('store-12')).toBeLessThan(65536);
    expect(siteEddystoneNamespace('store-12')).toMatch(/^[0-9a-f]{20}$/);
    expect(spotEidBeaconId('store-12', 'endcap-3')).toBe('eid:store-12.endcap-3');
  });

  it('draws again when the random minor is taken, and refuses a second EID beacon for a spot', () => {
    const uuid = siteIbeaconUuid('s');
    const major = siteIbeaconMajor('s');
    const taken = new Set([`ibeacon:${uuid}:${major}:258`]); // 0x0102, the first draw
    const ids = allocateSpotIds({ site: 's', spot: 'p', eid: true, ibeacon: true, uid: false, taken, random: scripted(1, 2, 0, 0, 0, 0, 0, 0, 1, 3) });
    expect(ids.minor).toBe(0x0103);
    expect(ids.ids).toEqual(['eid:s.p', `ibeacon:${uuid}:${major}:259`]);
    expect(() => allocateSpotIds({ site: 's', spot: 'p', eid: true, ibeacon: false, uid: false, taken: new Set(['eid:s.p']), random: scripted() })).toThrow(/one EID beacon per spot name/);
    expect(() => allocateSpotIds({ site: 's', spot: 'p', eid: false, ibeacon: true, uid: false, minor: 258, taken, random: scripted() })).toThrow(UsageError);
  });
});

describe('site registry file', () => {
  it('a missing file is an empty registry of the site; JSON is written whole, mode 600', () => {
    const path = join(dir, 'site.json');
    const f = readRegistryFile(path, 'store-12');
    expect(f).toMatchObject({ exists: false, registry: { v: 1, siteId: 'store-12', beacons: [] } });
    saveRegistryFile(f, { beacons: [{ beaconId: 'eid:store-12.a', spot: 'a', eid: { identityKey: '00'.repeat(16), exponent: 10, beaconSecondsAt: 0, wallMsAt: 1 } }], gateways: [{ gatewayId: 'gw', spot: 'a' }] });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ siteId: 'store-12', gateways: [{ gatewayId: 'gw', spot: 'a' }] });
  });

  it('reads a registry whose keys are ${SECRET:…} references and keeps comments and references when adding', () => {
    const path = join(dir, 'site.yaml');
    writeFileSync(path, '# the store\nv: 1\nsiteId: s\nbeacons:\n  # case\n  - beaconId: eid:case\n    spot: case\n    eid: { identityKey: "${SECRET:k}", exponent: 4, beaconSecondsAt: 0, wallMsAt: 0 }\n');
    const f = readRegistryFile(path, 's');
    saveRegistryFile(f, { beacons: [{ beaconId: 'eid:s.p', spot: 'p' , eid: { identityKey: 'ab'.repeat(16), exponent: 10, beaconSecondsAt: 0, wallMsAt: 5 } }], gateways: [{ gatewayId: 'gw', spot: 'p' }] });
    const text = readFileSync(path, 'utf8');
    expect(text).toMatch(/^# the store\n/);
    expect(text).toContain('  # case\n');
    expect(text).toContain('identityKey: "${SECRET:k}"');
    expect(text).toContain('beaconId: eid:s.p');
    expect(text).toMatch(/gateways:\n\s+- gatewayId: gw\n\s+spot: p/);
  });

  it('refuses a broken or foreign file, and additions that would make it invalid', () => {
    const path = join(dir, 'site.yaml');
    writeFileSync(path, 'v: 1\nsiteId: s\nbeacons: [ {');
    expect(() => readRegistryFile(path, 's')).toThrow(/--registry .*site\.yaml/);
    writeFileSync(path, 'v: 1\nsiteId: s\nbeacons: []\n');
    expect(() => readRegistryFile(path, 't')).toThrow(/is for site s, not t/);
    const f = readRegistryFile(path, 's');
    expect(() => saveRegistryFile(f, { gateways: [{ gatewayId: 'gw', spot: 'nowhere' }] })).toThrow(/registry would be invalid: .*no beacon is registered at spot nowhere/);
    expect(readFileSync(path, 'utf8')).toBe('v: 1\nsiteId: s\nbeacons: []\n');
  });
});
