/** hardware/udev/99-touchpoint.rules parses cleanly and gives the names the gateway is configured with. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lintUdevRules, symlinksOf } from './rules-lint.js';

const text = readFileSync(new URL('./99-touchpoint.rules', import.meta.url), 'utf8');
const result = lintUdevRules(text);

/** USB ids from the brief and the vendors' registrations (usb.ids: 1a86 QinHeng, 10c4 Silicon Labs, 2e8a Raspberry Pi, 2341 Arduino). */
const EXPECTED = [
  { vendor: '1a86', product: '7523', link: 'touchpoint-radar0' },
  { vendor: '10c4', product: 'ea60', link: 'touchpoint-radar0' },
  { vendor: '2e8a', product: '000a', link: 'touchpoint-touch0' },
  { vendor: '2341', product: '8036', link: 'touchpoint-touch0' },
];

describe('99-touchpoint.rules', () => {
  it('has no syntax problems', () => {
    expect(result.problems).toEqual([]);
  });

  it('links each supported USB bridge to its stable name, and keeps ModemManager off it', () => {
    for (const e of EXPECTED) {
      const rule = result.rules.find((r) => r.pairs.some((p) => p.attr === 'idVendor' && p.value === e.vendor));
      expect(rule, `${e.vendor}:${e.product}`).toBeDefined();
      const get = (key: string, attr: string | null = null) => rule!.pairs.find((p) => p.key === key && p.attr === attr);
      expect(get('ATTRS', 'idVendor')).toMatchObject({ op: '==', value: e.vendor });
      expect(get('ATTRS', 'idProduct')).toMatchObject({ op: '==', value: e.product });
      expect(get('SYMLINK')).toMatchObject({ op: '+=', value: e.link });
      // ModemManager probes new ttyUSB/ttyACM ports with AT commands, which the radar and the bridge would receive
      expect(get('ENV', 'ID_MM_DEVICE_IGNORE')).toMatchObject({ op: '=', value: '1' });
    }
    expect([...new Set(symlinksOf(result))].sort()).toEqual(['touchpoint-radar0', 'touchpoint-touch0']);
  });

  it('only touches tty devices', () => {
    const guard = result.rules.findIndex((r) => r.pairs.some((p) => p.key === 'SUBSYSTEM' && p.op === '!=' && p.value === 'tty'));
    const firstLink = result.rules.findIndex((r) => r.pairs.some((p) => p.key === 'SYMLINK'));
    expect(guard).toBeGreaterThanOrEqual(0);
    expect(guard).toBeLessThan(firstLink);
  });

  it('the commented pinning examples are valid rules too once uncommented', () => {
    const examples = text
      .split('\n')
      .filter((l) => /^#[A-Z]+[{=!]/.test(l))
      .map((l) => l.slice(1));
    expect(examples.length).toBeGreaterThanOrEqual(3);
    expect(lintUdevRules(`${examples.join('\n')}\n`).problems).toEqual([]);
  });
});

describe('udev rules lint catches typos', () => {
  const problemsOf = (rule: string) => lintUdevRules(`${rule}\n`).problems.map((p) => p.message);
  const good = 'SUBSYSTEMS=="usb", ATTRS{idVendor}=="1a86", ATTRS{idProduct}=="7523", SYMLINK+="touchpoint-radar0"';

  it('accepts the good rule, with a line continuation too', () => {
    expect(problemsOf(good)).toEqual([]);
    expect(problemsOf(good.replace(', SYMLINK', ', \\\n  SYMLINK'))).toEqual([]);
  });

  it.each([
    ['assignment instead of match', good.replace('ATTRS{idVendor}==', 'ATTRS{idVendor}='), /cannot be assigned/],
    ['unknown key', good.replace('SYMLINK+=', 'SYMLIK+='), /unknown key SYMLIK/],
    ['reversed operator', good.replace('SYMLINK+=', 'SYMLINK=+'), /not KEY/],
    ['missing quote', good.replace('"7523"', '"7523'), /unbalanced/],
    ['unquoted value', good.replace('"usb"', 'usb'), /not KEY/],
    ['uppercase hex id', good.replace('"1a86"', '"1A86"'), /lowercase hex/],
    ['0x prefix', good.replace('"7523"', '"0x7523"'), /lowercase hex/],
    ['stray comma', good.replace(', SYMLINK', ',, SYMLINK'), /stray comma/],
    ['ATTRS without attribute', good.replace('ATTRS{idVendor}', 'ATTRS'), /needs an attribute/],
    ['match on an assign-only key', `${good}, GROUP=="dialout"`, /cannot be matched/],
    ['absolute symlink', good.replace('"touchpoint-radar0"', '"/dev/touchpoint-radar0"'), /relative to \/dev/],
    ['bad mode', `${good}, MODE="rw"`, /octal/],
    ['nothing assigned', 'SUBSYSTEMS=="usb", ATTRS{idVendor}=="1a86"', /assigns nothing/],
    ['GOTO without LABEL', 'SUBSYSTEM!="tty", GOTO="nowhere"', /no LABEL/],
  ])('%s', (_name, rule, message) => {
    expect(problemsOf(rule).join('\n')).toMatch(message);
  });
});
