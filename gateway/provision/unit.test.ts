/**
 * The systemd unit: the template in scripts/ is what renderGatewayUnit writes, every setting the
 * install depends on is there, and systemd itself accepts it (`systemd-analyze verify`, package
 * systemd; required here and on CI, like gcc for the firmware tests).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_UNIT, parseUnit, renderGatewayUnit, UNIT_NAME, unitValues } from './unit.js';

const dir = mkdtempSync(join(tmpdir(), 'tp-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function hasSystemdAnalyze(): boolean {
  return spawnSync('systemd-analyze', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** systemd-analyze's complaints about a unit file (empty: accepted). */
function verify(text: string, name = UNIT_NAME): { status: number | null; output: string } {
  const sub = mkdtempSync(join(dir, 'v-'));
  const path = join(sub, name);
  writeFileSync(path, text);
  const r = spawnSync('systemd-analyze', ['verify', path], { encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}`.trim() };
}

function parsed(text: string) {
  const p = parseUnit(text);
  if (!p.ok) throw new Error(`line ${p.line}: ${p.message}`);
  return p.sections;
}

describe('touchpoint-gateway.service', () => {
  it('scripts/touchpoint-gateway.service is the rendered default unit (one source of truth)', () => {
    expect(readFileSync(new URL('../../scripts/touchpoint-gateway.service', import.meta.url), 'utf8')).toBe(renderGatewayUnit());
  });

  it('runs as the touchpoint user with exactly the two Bluetooth capabilities, the watchdog and restart', () => {
    const u = parsed(renderGatewayUnit({ description: 'Touchpoint gateway gw-1 (s/p)', watchdogSec: 20, hciDevice: 1 }));
    const one = (section: string, key: string) => {
      const v = unitValues(u, section, key);
      expect(v, `${section}.${key}`).toHaveLength(1);
      return v[0]!;
    };
    expect(one('Unit', 'Description')).toBe('Touchpoint gateway gw-1 (s/p)');
    expect(one('Service', 'Type')).toBe('notify');
    expect(one('Service', 'NotifyAccess')).toBe('all'); // systemd-notify is a child of node
    expect(one('Service', 'WatchdogSec')).toBe('20');
    expect(one('Service', 'Restart')).toBe('always');
    expect(one('Unit', 'StartLimitIntervalSec')).toBe('0');
    expect(one('Service', 'User')).toBe('touchpoint');
    expect(one('Service', 'AmbientCapabilities').split(' ').sort()).toEqual(['CAP_NET_ADMIN', 'CAP_NET_RAW']);
    expect(one('Service', 'CapabilityBoundingSet').split(' ').sort()).toEqual(['CAP_NET_ADMIN', 'CAP_NET_RAW']);
    expect(one('Service', 'NoNewPrivileges')).toBe('yes');
    expect(one('Service', 'ExecStart')).toBe('/usr/bin/node /opt/touchpoint/current/dist/gateway/cli/main.js gateway run --config /etc/touchpoint/gateway.yaml');
    expect(one('Service', 'ExecStartPre')).toContain('hciconfig hci1 up');
    expect(one('Service', 'Environment').split(' ')).toEqual(expect.arrayContaining(['NOBLE_HCI_DEVICE_ID=1', 'BLENO_HCI_DEVICE_ID=1', 'NOBLE_MULTI_ROLE=1']));
    expect(one('Service', 'SupplementaryGroups').split(' ')).toEqual(['dialout', 'bluetooth']);
    expect(one('Service', 'StateDirectory')).toBe('touchpoint');
    expect(one('Install', 'WantedBy')).toBe('multi-user.target');
    // never root, never setcap: nothing in the unit runs with privileges it does not list
    const settings = renderGatewayUnit().split('\n').filter((l) => !l.startsWith('#')).join('\n');
    expect(settings).not.toMatch(/User=root|setcap|PermissionsStartOnly|ExecStart(Pre)?=[-@:!]*[+]/);
  });

  it('is accepted by systemd-analyze verify without a single warning', () => {
    expect(hasSystemdAnalyze(), 'systemd-analyze is needed (apt-get install systemd)').toBe(true);
    const r = verify(renderGatewayUnit({ nodePath: process.execPath }));
    expect(r, r.output).toEqual({ status: 0, output: '' });
  });

  it('the verify check can fail: systemd-analyze reports a bad setting and a missing program', () => {
    expect(hasSystemdAnalyze(), 'systemd-analyze is needed (apt-get install systemd)').toBe(true);
    const bad = renderGatewayUnit({ nodePath: process.execPath }).replace('Type=notify', 'Type=notfy');
    expect(verify(bad).output).toMatch(/Type|notfy/);
    const missing = renderGatewayUnit({ nodePath: join(dir, 'no-such-node') });
    const m = verify(missing);
    expect(m.status !== 0 || m.output !== '').toBe(true);
    expect(m.output).toMatch(/no-such-node/);
  });

  it('refuses values systemd would misread', () => {
    expect(() => renderGatewayUnit({ nodePath: 'node' })).toThrow(RangeError);
    expect(() => renderGatewayUnit({ configPath: '/etc/touch point/g.yaml' })).toThrow(RangeError);
    expect(() => renderGatewayUnit({ user: 'root; rm' })).toThrow(RangeError);
    expect(() => renderGatewayUnit({ description: 'a\nExecStart=/bin/sh' })).toThrow(RangeError);
    expect(() => renderGatewayUnit({ watchdogSec: 1 })).toThrow(RangeError);
    expect(DEFAULT_UNIT.watchdogSec).toBe(30);
  });

  it('parser: sections, continuation lines, comments; refuses what systemd would not read', () => {
    const u = parsed('# c\n[Unit]\nDescription=x\n\n[Service]\nEnvironment=A=1 \\\n  B=2\nEnvironment=C=3\n; c\n');
    expect(unitValues(u, 'Service', 'Environment')).toEqual(['A=1  B=2', 'C=3']);
    expect(parseUnit('Description=x\n')).toMatchObject({ ok: false, line: 1 });
    expect(parseUnit('[Unit]\nnot a setting\n')).toMatchObject({ ok: false, line: 2 });
    expect(parseUnit('[Unit]\n[Unit]\n')).toMatchObject({ ok: false, line: 2 });
  });
});
