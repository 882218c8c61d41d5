import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateSiteRegistry } from '../../protocol/registry/index.js';
import { createPipeline } from '../pipeline/compose.js';
import { ManualClock } from '../pipeline/test-support.js';
import { formatIssue, loadGateway, parseRegistryText, readSecretsFile } from './index.js';

const ENV = { TOUCHPOINT_BROKER_PASSWORD: 'example-password' };

describe('examples/', () => {
  it('gateway.yaml, site-registry.yaml and secrets.example.yaml load together without errors', () => {
    const r = loadGateway('examples/gateway.yaml', { env: ENV });
    if (!r.ok) throw new Error(r.errors.map(formatIssue).join('\n'));
    // The only acceptable warning is about the example secrets file's mode after a git checkout.
    expect(r.warnings.map(formatIssue).filter((w) => !w.includes('chmod 600'))).toEqual([]);
    expect(r.sensorId).toBe('ibeacon:f7826da6-4fa2-4e98-8024-bc5b71e0893e:100:1');
    expect(r.config.broker.password).toBe('example-password');
    expect(r.index.eid.stats().beacons).toBe(2);
    // …and make a pipeline.
    expect(createPipeline({ config: r.config, registry: r.registry, index: r.index, clock: new ManualClock() }).sensorId).toBe(r.sensorId);
  });

  it('site-registry.yaml is a valid registry once its secret references are filled', () => {
    const secrets = readSecretsFile('examples/secrets.example.yaml');
    if (!secrets.ok) throw new Error(secrets.errors.map(formatIssue).join('\n'));
    const r = parseRegistryText(readFileSync('examples/site-registry.yaml', 'utf8'), 'site-registry.yaml', { env: {}, secrets: secrets.secrets });
    if (!r.ok) throw new Error(r.errors.map(formatIssue).join('\n'));
    expect(r.warnings).toEqual([]);
    expect(validateSiteRegistry(r.registry).ok).toBe(true);
  });
});
