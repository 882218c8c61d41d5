import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  formatIssue,
  GatewayConfigSchema,
  loadConfig,
  loadGateway,
  parseConfigText,
  parseRegistryText,
  redactConfig,
  REDACTED,
  type ConfigResult,
} from './index.js';

const MINIMAL = `gateway:
  id: gw-1
  siteId: store-12
  spot: endcap-3
`;

const errorsOf = (r: ConfigResult) => (r.ok ? [] : r.errors.map(formatIssue));
const okConfig = (r: ConfigResult) => {
  if (!r.ok) throw new Error(r.errors.map(formatIssue).join('\n'));
  return r;
};

describe('parseConfigText: defaults', () => {
  it('fills every section from the schema defaults', () => {
    const { config, warnings } = okConfig(parseConfigText(MINIMAL, 'gateway.yaml', { env: {} }));
    expect(warnings).toEqual([]);
    expect(config.gateway).toEqual({ id: 'gw-1', siteId: 'store-12', spot: 'endcap-3', dataDir: 'data' });
    expect(config.broker).toEqual({ url: 'mqtt://127.0.0.1:1883', rejectUnauthorized: true, keepaliveS: 30 });
    expect(config.radio).toMatchObject({ kind: 'ble', scan: { duplicates: true, dedupeMs: 0, watchdogMs: 30_000 } });
    expect(config.sensors).toEqual({});
    expect(config.pipeline.dwell).toEqual({ intervalMs: 1000, thresholdMs: 10_000, maxMissedIntervals: 0 });
    expect(config.pipeline.proximity).toEqual({ rssiDbm: -60, hysteresisDb: 3 });
    expect(config.outbox).toEqual({ maxEvents: 100_000, maxTelemetry: 1000 });
  });

  it('documents every default in the schema description', () => {
    const missing: string[] = [];
    const walk = (s: Record<string, unknown>, path: string) => {
      // Sections default to {} and so to their fields' defaults; every field must say its own.
      if ('default' in s && s.type !== 'object' && !/Default /.test(String(s.description))) missing.push(path);
      for (const [k, v] of Object.entries((s.properties as Record<string, Record<string, unknown>>) ?? {})) walk(v, `${path}.${k}`);
    };
    walk(GatewayConfigSchema as unknown as Record<string, unknown>, '');
    expect(missing).toEqual([]);
  });

  it('fills defaults inside a sensor that is present, and leaves absent sensors out', () => {
    const { config } = okConfig(parseConfigText(MINIMAL + 'sensors:\n  touch:\n    path: /dev/ttyUSB0\n', 'g.yaml', { env: {} }));
    expect(config.sensors).toEqual({ touch: { path: '/dev/ttyUSB0', baudRate: 115200, channels: {} } });
  });
});

describe('parseConfigText: errors name file, line, column and key', () => {
  it('a bad enum value (the brief’s example)', () => {
    const text = `${MINIMAL}sensors:
  radar:
    path: /dev/ttyAMA0
    baudRate: fast
`;
    expect(errorsOf(parseConfigText(text, 'gateway.yaml', { env: {} }))).toEqual([
      'gateway.yaml:8:5 sensors.radar.baudRate: expected one of 9600, 19200, 38400, 57600, 115200, 230400, 256000, 460800, got "fast"',
    ]);
  });

  it('every error, in file order: missing key at its parent, unknown key, range, type, list item', () => {
    const text = `gateway:
  id: gw-1
  siteId: store-12
  color: red
pipeline:
  dwell:
    intervalMs: 50
  holdMs: "2s"
  beacons:
    ids:
      - eid:ok
      - IBEACON:X
`;
    expect(errorsOf(parseConfigText(text, 'gw.yaml', { env: {} }))).toEqual([
      'gw.yaml:1:1 gateway.spot: missing; expected a string matching ^[A-Za-z0-9._-]{1,64}$',
      'gw.yaml:4:3 gateway.color: unknown key; expected one of: id, siteId, spot, sensorId, item, dataDir, signingKey',
      'gw.yaml:7:5 pipeline.dwell.intervalMs: expected an integer in 100…60000, got 50',
      'gw.yaml:8:3 pipeline.holdMs: expected an integer in 0…600000, got "2s"',
      expect.stringMatching(/^gw\.yaml:12:9 pipeline\.beacons\.ids\[1\]: expected a string: Canonical beacon ID: ibeacon:<uuid>.*, got "IBEACON:X"$/),
    ]);
  });

  it('explains a frame by the variant its type selects, and never echoes a secret', () => {
    const text = `${MINIMAL}radio:
  advertise:
    frames:
      - type: eddystone-eid
        identityKey: "00112233"
        exponent: 16
        txPower: -20
      - { type: laser }
`;
    expect(errorsOf(parseConfigText(text, 'g.yaml', { env: {} }))).toEqual([
      'g.yaml:9:9 radio.advertise.frames[0].identityKey: expected a string matching ^[0-9a-fA-F]{32}$, got a hidden string of 8 characters',
      'g.yaml:10:9 radio.advertise.frames[0].exponent: expected an integer in 0…15, got 16',
      'g.yaml:12:11 radio.advertise.frames[1].type: expected one of "ibeacon", "altbeacon", "eddystone-uid", "eddystone-url", "eddystone-tlm", "eddystone-eid", got "laser"',
    ]);
  });

  it('touch channel keys are electrodes 0–12', () => {
    const text = `${MINIMAL}sensors:
  touch:
    path: /dev/ttyUSB0
    channels:
      3: { itemId: sku-3 }
      13: { itemId: sku-13 }
`;
    expect(errorsOf(parseConfigText(text, 'g.yaml', { env: {} }))).toEqual(['g.yaml:10:7 sensors.touch.channels.13: unknown key; keys must match ^(?:[0-9]|1[0-2])$']);
  });

  it('YAML syntax errors and duplicate keys are reported at their position', () => {
    expect(errorsOf(parseConfigText('gateway:\n  id: a\n  id: b\n', 'g.yaml', { env: {} }))).toEqual([expect.stringMatching(/^g\.yaml:3:3 YAML: Map keys must be unique/)]);
    expect(errorsOf(parseConfigText('gateway: [unclosed\n', 'g.yaml', { env: {} }))[0]).toMatch(/^g\.yaml:\d+:\d+ YAML: /);
    expect(errorsOf(parseConfigText('- just\n- a list\n', 'g.yaml', { env: {} }))).toEqual([expect.stringMatching(/^g\.yaml:1:1 expected a mapping of sections/)]);
  });

  it('cross-field rules point at the key to change', () => {
    const text = `${MINIMAL}broker:
  password: \${ENV:PW}
  passwordEnv: PW
pipeline:
  dwell: { intervalMs: 2000, thresholdMs: 1000 }
`;
    expect(errorsOf(parseConfigText(text, 'g.yaml', { env: { PW: 'x' } }))).toEqual([
      'g.yaml:7:3 broker.passwordEnv: give password or passwordEnv, not both',
      // Inside a flow mapping the key is where it is on the line.
      'g.yaml:9:30 pipeline.dwell.thresholdMs: must be at least dwell.intervalMs (2000)',
    ]);
  });

  it('refuses an alias that contains itself and tagged binary values, at their position', () => {
    expect(errorsOf(parseConfigText(`${MINIMAL}pipeline: &p\n  beacons: { ids: *p }\n`, 'g.yaml', { env: {} }))).toEqual([
      'g.yaml:6:14 pipeline.beacons.ids: YAML: an alias that contains itself',
    ]);
    expect(errorsOf(parseConfigText(`${MINIMAL}secretsFile: !!binary aGVsbG8=\n`, 'g.yaml', { env: {} }))).toEqual([
      expect.stringMatching(/^g\.yaml:5:1 secretsFile: YAML: unsupported value/),
    ]);
  });

  it('never throws, whatever the text or the shape of the document', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        const r = parseConfigText(text, 'fuzz.yaml', { env: {} });
        expect(typeof r.ok).toBe('boolean');
      }),
    );
    const section = fc.constantFrom('gateway', 'broker', 'radio', 'sensors', 'registry', 'pipeline', 'outbox', 'telemetry', 'secretsFile', 'x');
    fc.assert(
      fc.property(fc.dictionary(section, fc.jsonValue({ maxDepth: 4 })), (doc) => {
        const r = parseConfigText(stringify(doc), 'fuzz.yaml', { env: {} });
        if (!r.ok) for (const e of r.errors) expect(e.line).toBeGreaterThanOrEqual(1);
      }),
    );
  });
});

describe('secrets', () => {
  it('${ENV:NAME} supplies the broker password: no inline warning, redacted by show', () => {
    const text = `${MINIMAL}broker:\n  username: gw\n  password: \${ENV:BROKER_PW}\n`;
    const r = okConfig(parseConfigText(text, 'g.yaml', { env: { BROKER_PW: 's3cret-pw' } }));
    expect(r.config.broker.password).toBe('s3cret-pw');
    expect(r.warnings).toEqual([]);
    const shown = JSON.stringify(redactConfig(r.config, r.hidden));
    expect(shown).not.toContain('s3cret-pw');
    expect((redactConfig(r.config, r.hidden) as { broker: { password: string } }).broker.password).toBe(REDACTED);
  });

  it('passwordEnv names the variable; unset is an error at that key', () => {
    const text = `${MINIMAL}broker:\n  passwordEnv: BROKER_PW\n`;
    expect(okConfig(parseConfigText(text, 'g.yaml', { env: { BROKER_PW: 'pw-from-env' } })).config.broker.password).toBe('pw-from-env');
    expect(errorsOf(parseConfigText(text, 'g.yaml', { env: {} }))).toEqual(['g.yaml:6:3 broker.passwordEnv: environment variable BROKER_PW is not set']);
  });

  it('an unset ${ENV:…} is reported once, at its key, even inside a longer string', () => {
    const text = `${MINIMAL}broker:\n  url: mqtts://\${ENV:BROKER_HOST}:8883\n`;
    expect(errorsOf(parseConfigText(text, 'g.yaml', { env: {} }))).toEqual(['g.yaml:6:3 broker.url: environment variable BROKER_HOST is not set']);
    expect(okConfig(parseConfigText(text, 'g.yaml', { env: { BROKER_HOST: 'mq.example' } })).config.broker.url).toBe('mqtts://mq.example:8883');
  });

  it('${SECRET:name} reads the secrets map; a value from it is redacted even in a non-secret field', () => {
    const text = `${MINIMAL}broker:\n  username: \${SECRET:mq-user}\n  password: \${SECRET:mq-pass}\n`;
    const r = okConfig(parseConfigText(text, 'g.yaml', { env: {}, secrets: { 'mq-user': 'alice', 'mq-pass': 'pw' } }));
    expect(r.config.broker).toMatchObject({ username: 'alice', password: 'pw' });
    expect((redactConfig(r.config, r.hidden) as { broker: unknown }).broker).toMatchObject({ username: REDACTED, password: REDACTED });
    expect(errorsOf(parseConfigText(text, 'g.yaml', { env: {} }))[0]).toBe('g.yaml:6:3 broker.username: ${SECRET:mq-user} needs a secrets file (secretsFile)');
    expect(errorsOf(parseConfigText(text, 'g.yaml', { env: {}, secrets: {} }))[0]).toBe('g.yaml:6:3 broker.username: secret mq-user is not in the secrets file');
  });

  it('an inline secret works but is warned about at its line; $${ is a literal ${', () => {
    const text = `${MINIMAL}broker:\n  password: "pa$\${x}"\n`;
    const r = okConfig(parseConfigText(text, 'g.yaml', { env: {} }));
    expect(r.config.broker.password).toBe('pa${x}');
    expect(r.warnings.map(formatIssue)).toEqual([expect.stringMatching(/^g\.yaml:6:3 broker\.password: warning: secret written inline/)]);
  });

  it('unknown reference kinds are errors', () => {
    expect(errorsOf(parseConfigText(`${MINIMAL}broker:\n  username: \${VAULT:x}\n`, 'g.yaml', { env: {} }))[0]).toMatch(/^g\.yaml:6:3 broker\.username: unknown reference \$\{VAULT:x\}/);
  });
});

describe('loadConfig and loadGateway (files)', () => {
  let dir: string;
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const tempDir = () => {
    dir = mkdtempSync(join(tmpdir(), 'tp-config-'));
    dirs.push(dir);
    return dir;
  };

  const registry = `v: 1
siteId: store-12
beacons:
  - beaconId: ibeacon:f7826da6-4fa2-4e98-8024-bc5b71e0893e:100:1
    spot: endcap-3
  - beaconId: eid:case-7
    spot: case-7
    eid:
      identityKey: \${SECRET:case-7-ik}
      exponent: 10
      beaconSecondsAt: 0
      wallMsAt: 0
`;

  function files(config: string, reg = registry, secrets = 'case-7-ik: "0102030405060708090a111213141516"\n') {
    tempDir();
    writeFileSync(join(dir, 'gateway.yaml'), config);
    writeFileSync(join(dir, 'site-registry.yaml'), reg);
    writeFileSync(join(dir, 'secrets.yaml'), secrets);
    chmodSync(join(dir, 'secrets.yaml'), 0o600);
    return join(dir, 'gateway.yaml');
  }

  it('resolves relative paths against the config file’s folder and reads the secrets file', () => {
    const path = files(`${MINIMAL}secretsFile: secrets.yaml\n`);
    const r = loadGateway(path, { env: {} });
    if (!r.ok) throw new Error(r.errors.map(formatIssue).join('\n'));
    expect(r.config.registry.path).toBe(join(dir, 'site-registry.yaml'));
    expect(r.config.gateway.dataDir).toBe(join(dir, 'data'));
    expect(r.sensorId).toBe('ibeacon:f7826da6-4fa2-4e98-8024-bc5b71e0893e:100:1');
    expect(r.registry.beacons[1]!.eid!.identityKey).toBe('0102030405060708090a111213141516');
    expect(r.index.eid.stats().beacons).toBe(1);
    expect(r.warnings).toEqual([]);
  });

  it('warns when the secrets file is readable by others', () => {
    const path = files(`${MINIMAL}secretsFile: secrets.yaml\n`);
    chmodSync(join(dir, 'secrets.yaml'), 0o644);
    const r = loadGateway(path, { env: {} });
    expect(r.warnings.map(formatIssue)).toEqual([`${join(dir, 'secrets.yaml')}:1:1 warning: readable by group or others; chmod 600`]);
  });

  it('a missing file is one error naming it', () => {
    tempDir();
    const r = loadConfig(join(dir, 'nope.yaml'));
    expect(errorsOf(r)).toEqual([`${join(dir, 'nope.yaml')}:1:1 cannot read file (ENOENT)`]);
  });

  it('registry problems are reported in the registry file, at their line', () => {
    const bad = registry.replace('spot: case-7', 'spot: case 7') + '  - beaconId: ibeacon:f7826da6-4fa2-4e98-8024-bc5b71e0893e:100:1\n    spot: other\n';
    const path = files(`${MINIMAL}secretsFile: secrets.yaml\n`, bad);
    const r = loadGateway(path, { env: {} });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const reg = join(dir, 'site-registry.yaml');
    expect(r.errors.map(formatIssue)).toEqual([
      `${join(dir, 'gateway.yaml')}:1:1 registry.path: site registry ${reg} is not usable`,
      `${reg}:7:5 beacons[1].spot: expected a string matching ^[A-Za-z0-9._-]{1,64}$, got "case 7"`,
    ]);
    const dup = files(`${MINIMAL}secretsFile: secrets.yaml\n`, registry + '  - beaconId: ibeacon:f7826da6-4fa2-4e98-8024-bc5b71e0893e:100:1\n    spot: other\n');
    const r2 = loadGateway(dup, { env: {} });
    expect(r2.ok ? [] : r2.errors.map(formatIssue)).toContain(
      `${join(dir, 'site-registry.yaml')}:13:5 beacons[2].beaconId: duplicate beacon ID ibeacon:f7826da6-4fa2-4e98-8024-bc5b71e0893e:100:1 (first at /beacons/0)`,
    );
  });

  it('checks config against registry: site, spot with a beacon, the gateway’s registered spot', () => {
    const path = files(
      `gateway:\n  id: gw-b\n  siteId: store-13\n  spot: nowhere\nsecretsFile: secrets.yaml\n`,
      registry + 'gateways:\n  - { gatewayId: gw-b, spot: case-7 }\n',
    );
    const r = loadGateway(path, { env: {} });
    expect(r.ok ? [] : r.errors.map(formatIssue)).toEqual([
      `${path}:3:3 gateway.siteId: the site registry ${join(dir, 'site-registry.yaml')} is for site store-12`,
      `${path}:4:3 gateway.spot: the site registry places gateway gw-b at spot case-7`,
      expect.stringMatching(new RegExp(`^${path.replace(/[.]/g, '\\.')}:4:3 gateway\\.spot: no beacon is registered at spot nowhere`)),
    ]);
  });
});

describe('parseRegistryText', () => {
  it('identity keys from ${ENV:…} validate; inline ones are warned about', () => {
    const text = `v: 1
siteId: s
beacons:
  - beaconId: eid:a
    spot: x
    eid: { identityKey: "\${ENV:IK_A}", exponent: 10, beaconSecondsAt: 0, wallMsAt: 0 }
  - beaconId: eid:b
    spot: x
    eid: { identityKey: 0102030405060708090a111213141516, exponent: 10, beaconSecondsAt: 0, wallMsAt: 0 }
`;
    const r = parseRegistryText(text, 'reg.yaml', { env: { IK_A: 'a0a1a2a3a4a5a6a7a8a9aaabacadaeaf' } });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.registry.beacons[0]!.eid!.identityKey).toBe('a0a1a2a3a4a5a6a7a8a9aaabacadaeaf');
    expect(r.warnings.map(formatIssue)).toEqual([expect.stringMatching(/^reg\.yaml:9:12 beacons\[1\]\.eid\.identityKey: warning: secret written inline/)]);
  });
});
