import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfigText, type GatewayConfig } from '../config/index.js';
import { appliedSettings, changedSections, expandSettings, localLivePointers, mergeConfig, sameJson, shadowedByLocal } from './settings.js';

const EID_KEY = '00112233445566778899aabbccddeeff';

function local(extra = ''): GatewayConfig {
  const r = parseConfigText(`gateway: { id: gw-a, siteId: store-12, spot: endcap-3 }\n${extra}`, 'gateway.yaml', { env: {} });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.config;
}

const patch = (s: Record<string, unknown>) => {
  const e = expandSettings(s);
  if (!e.ok) throw new Error(JSON.stringify(e.issues));
  return e.value;
};

describe('expandSettings', () => {
  it('dotted keys and nested mappings are the same patch; longer keys refine shorter ones', () => {
    const dottedForm = patch({ 'pipeline.dwell.thresholdMs': 5000, 'telemetry.intervalMs': 15000 });
    const nested = patch({ pipeline: { dwell: { thresholdMs: 5000 } }, telemetry: { intervalMs: 15000 } });
    expect(dottedForm.patch).toEqual(nested.patch);
    expect(dottedForm.pointers.sort()).toEqual(['/pipeline/dwell/thresholdMs', '/telemetry/intervalMs']);
    const refined = patch({ 'pipeline.dwell.thresholdMs': 7000, pipeline: { dwell: { thresholdMs: 5000, intervalMs: 500 } } });
    expect(refined.patch).toEqual({ pipeline: { dwell: { thresholdMs: 7000, intervalMs: 500 } } });
  });

  it('lists replace as one value; radio.advertise, radio.scan.dedupeMs are live', () => {
    const p = patch({ 'radio.advertise': { cadenceMs: 500, frames: [{ type: 'eddystone-tlm' }] }, 'radio.scan.dedupeMs': 200 });
    expect(p.pointers.sort()).toEqual(['/radio/advertise/cadenceMs', '/radio/advertise/frames', '/radio/scan/dedupeMs']);
  });

  it('refuses settings that need the local file and a restart, naming each', () => {
    const r = expandSettings({ 'broker.url': 'mqtt://evil.example:1883', radio: { kind: 'sim' }, 'gateway.id': 'x', 'radio.scan.watchdogMs': 5000, 'pipeline.rssi.window': 3 });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => i.key).sort()).toEqual(['broker.url', 'gateway.id', 'radio.kind', 'radio.scan.watchdogMs']);
    expect(r.issues[0]!.message).toContain('cannot be changed remotely');
  });

  it('refuses ${…} references (they would read the gateway’s environment) and prototype keys', () => {
    const r = expandSettings({
      'radio.advertise': { frames: [{ type: 'eddystone-url', url: 'https://x.example/${ENV:TOUCHPOINT_BROKER_PASSWORD}', txPower: -20 }] },
      pipeline: JSON.parse('{"__proto__": {"polluted": true}}') as unknown,
      'pipeline.__proto__.x': 1,
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => i.key)).toEqual(expect.arrayContaining(['radio.advertise.frames[0].url', 'pipeline.__proto__', 'pipeline.__proto__.x']));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a key under a scalar set by a shorter key is a conflict', () => {
    const r = expandSettings({ pipeline: 5, 'pipeline.dwell.thresholdMs': 5000 });
    expect(r.ok).toBe(false);
  });

  it('never throws on arbitrary JSON settings', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 20 }), fc.jsonValue({ maxDepth: 4 })), (s) => {
        const r = expandSettings(s);
        expect(typeof r.ok).toBe('boolean');
        if (r.ok) expect(mergeConfig(local(), [r.value.patch]).ok === true || mergeConfig(local(), [r.value.patch]).ok === false).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('mergeConfig: local values < site-wide < gateway < values written in the local file', () => {
  it('gateway beats site, site fills what the gateway leaves', () => {
    const site = patch({ 'pipeline.proximity.rssiDbm': -90, 'telemetry.intervalMs': 5000 });
    const gw = patch({ 'pipeline.proximity.rssiDbm': -80 });
    const r = mergeConfig(local(), [site.patch, gw.patch]);
    expect(r.ok && r.config.pipeline.proximity).toEqual({ rssiDbm: -80, hysteresisDb: 3 });
    expect(r.ok && r.config.telemetry.intervalMs).toBe(5000);
  });

  it('a value written in the local file wins over both, and is reported as shadowing', () => {
    const yaml = 'pipeline: { proximity: { hysteresisDb: 6 } }';
    const pointers = localLivePointers({ gateway: { id: 'gw-a' }, pipeline: { proximity: { hysteresisDb: 6 } } });
    expect(pointers).toEqual(['/pipeline/proximity/hysteresisDb']);
    const gw = patch({ pipeline: { proximity: { rssiDbm: -80, hysteresisDb: 1 } } });
    const r = mergeConfig(local(yaml), [gw.patch], pointers);
    expect(r.ok && r.config.pipeline.proximity).toEqual({ rssiDbm: -80, hysteresisDb: 6 });
    expect(shadowedByLocal(gw.pointers, pointers)).toEqual(['pipeline.proximity.hysteresisDb']);
  });

  it('new mappings get their defaults (cadenceMs), exactly as from a file', () => {
    const r = mergeConfig(local(), [patch({ 'radio.advertise': { frames: [{ type: 'eddystone-tlm' }] } }).patch]);
    expect(r.ok && r.config.radio.advertise).toEqual({ frames: [{ type: 'eddystone-tlm' }], cadenceMs: 1000 });
  });

  it('schema and cross-field rules are checked on the merged result, with dotted keys', () => {
    const rule = mergeConfig(local(), [patch({ 'pipeline.dwell.thresholdMs': 500 }).patch]);
    expect(rule).toEqual({ ok: false, issues: [{ key: 'pipeline.dwell.thresholdMs', message: 'must be at least dwell.intervalMs (1000)' }] });
    const range = mergeConfig(local(), [patch({ 'telemetry.intervalMs': 5 }).patch]);
    expect(range.ok).toBe(false);
    if (!range.ok) expect(range.issues[0]).toMatchObject({ key: 'telemetry.intervalMs', message: expect.stringContaining('1000') });
    const frame = mergeConfig(local(), [patch({ 'radio.advertise.frames': [{ type: 'ibeacon', uuid: 'nope' }] }).patch]);
    expect(frame.ok).toBe(false);
    if (!frame.ok) expect(frame.issues.map((i) => i.key).join(' ')).toContain('radio.advertise.frames[0]');
    const unknown = mergeConfig(local(), [patch({ 'pipeline.dwel': { thresholdMs: 1 } }).patch]);
    expect(unknown).toMatchObject({ ok: false, issues: [{ key: 'pipeline.dwel', message: expect.stringContaining('unknown key') }] });
  });

  it('a local config as the loader leaves it (passwordEnv resolved into password) still merges', () => {
    const r = parseConfigText('gateway: { id: gw-a, siteId: store-12, spot: endcap-3 }\nbroker: { username: gw-a, passwordEnv: PW }', 'gateway.yaml', { env: { PW: 'pw-123456' } });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.config.broker).toMatchObject({ password: 'pw-123456', passwordEnv: 'PW' });
    const m = mergeConfig(r.config, [patch({ 'pipeline.viewMs': 100 }).patch]);
    expect(m.ok && m.config.pipeline.viewMs).toBe(100);
  });

  it('the local config object is never changed', () => {
    const l = local();
    const before = structuredClone(l);
    mergeConfig(l, [patch({ 'pipeline.dwell.thresholdMs': 5000, 'radio.advertise': { frames: [{ type: 'eddystone-tlm' }] } }).patch]);
    expect(l).toEqual(before);
  });
});

describe('what config/state reports', () => {
  it('the running value of every key the layers set, EID identity keys redacted', () => {
    const gw = patch({ 'radio.advertise': { frames: [{ type: 'eddystone-eid', identityKey: EID_KEY, exponent: 8, txPower: -20 }] }, 'pipeline.dwell.thresholdMs': 5000 });
    const r = mergeConfig(local(), [gw.patch]);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    const shown = appliedSettings(r.config, gw.pointers);
    expect(shown).toEqual({
      'pipeline.dwell.thresholdMs': 5000,
      'radio.advertise.frames': [{ type: 'eddystone-eid', identityKey: '<redacted>', exponent: 8, txPower: -20 }],
    });
    expect(JSON.stringify(shown)).not.toContain(EID_KEY);
  });

  it('changedSections names what has to be re-applied', () => {
    const a = local();
    const b = mergeConfig(a, [patch({ 'pipeline.viewMs': 100, 'telemetry.intervalMs': 2000, 'radio.scan.dedupeMs': 50 }).patch]);
    expect(b.ok && changedSections(a, b.config).sort()).toEqual(['dedupe', 'pipeline', 'telemetry']);
    expect(changedSections(a, a)).toEqual([]);
    expect(sameJson({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toBe(true);
    expect(sameJson({ a: 1 }, { a: 1, b: undefined })).toBe(false);
  });
});
