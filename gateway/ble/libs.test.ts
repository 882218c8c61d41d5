/**
 * noble and bleno open an HCI socket while being imported; nothing but an adapter's start() may
 * load them. This file never starts one, so neither may appear in the module cache.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { BleUnavailableError, applyBleEnv, blenoAdvertisingIntervalMs, loadBleno, loadNoble } from './libs.js';

const require = createRequire(import.meta.url);
// what opens a socket: the native module, the libraries' entry points and their HCI layers
const loaded = () =>
  Object.keys(require.cache).filter((k) => /@abandonware[\\/](bluetooth-hci-socket[\\/]|noble[\\/]index\.js|bleno[\\/]index\.js|(noble|bleno)[\\/]lib[\\/]hci-socket[\\/]hci\.js)/.test(k));

describe('lazy loading', () => {
  it('the adapters, the simulated radio and the scan command import without loading noble or bleno', async () => {
    const mods = await Promise.all([import('./index.js'), import('./scanner.js'), import('./advertiser.js'), import('../../beacon-sim/radio/index.js'), import('../cli/commands/scan.js')]);
    expect(typeof mods[0].createNobleScanner).toBe('function');
    expect(typeof mods[0].createAdvertiser).toBe('function');
    expect(loaded()).toEqual([]);
  });

  it('a failing import becomes a BleUnavailableError with a hint', async () => {
    const eaf = Object.assign(new Error('EAFNOSUPPORT, Address family not supported by protocol'), { code: 'EAFNOSUPPORT' });
    const e1 = await loadNoble({}, async () => Promise.reject(eaf)).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(BleUnavailableError);
    expect((e1 as BleUnavailableError).code).toBe('EAFNOSUPPORT');
    expect((e1 as Error).message).toMatch(/simulated radio/);
    const eperm = Object.assign(new Error('Operation not permitted'), { code: 'EPERM' });
    const e2 = await loadBleno({}, async () => Promise.reject(eperm)).catch((e: unknown) => e);
    expect((e2 as Error).message).toMatch(/CAP_NET_RAW and CAP_NET_ADMIN/);
  });

  it('the real import on this machine either yields noble or a BleUnavailableError — never a raw throw', async () => {
    const r = await loadNoble().then(
      (n) => ({ ok: true as const, n }),
      (e: unknown) => ({ ok: false as const, e }),
    );
    if (r.ok) expect(typeof r.n.startScanning).toBe('function');
    else expect(r.e).toBeInstanceOf(BleUnavailableError);
    // and the detector used by the first test does see a real load
    expect(loaded().some((k) => k.includes('bluetooth-hci-socket'))).toBe(true);
  });
});

describe('applyBleEnv', () => {
  it('sets the variables noble and bleno read, as gateway/ble/README.md documents', () => {
    const env: Record<string, string | undefined> = {};
    const set = applyBleEnv({ hciDeviceId: 1, multiRole: true, advertisingIntervalMs: 250 }, env);
    expect(env).toEqual({ NOBLE_HCI_DEVICE_ID: '1', BLENO_HCI_DEVICE_ID: '1', NOBLE_MULTI_ROLE: '1', BLENO_ADVERTISING_INTERVAL: '250' });
    expect(set.sort()).toEqual(['BLENO_ADVERTISING_INTERVAL', 'BLENO_HCI_DEVICE_ID', 'NOBLE_HCI_DEVICE_ID', 'NOBLE_MULTI_ROLE']);
    expect(blenoAdvertisingIntervalMs(env)).toBe(250);
  });
  it('leaves variables set by the unit file alone when the option is absent', () => {
    const env: Record<string, string | undefined> = { NOBLE_HCI_DEVICE_ID: '3', NOBLE_MULTI_ROLE: '1' };
    expect(applyBleEnv({}, env)).toEqual([]);
    expect(env).toEqual({ NOBLE_HCI_DEVICE_ID: '3', NOBLE_MULTI_ROLE: '1' });
    expect(blenoAdvertisingIntervalMs(env)).toBe(100); // bleno's default
  });
  it('refuses values bleno or the controller would not accept', () => {
    expect(() => applyBleEnv({ hciDeviceId: -1 }, {})).toThrow(RangeError);
    // legacy advertising interval range 20 ms .. 10.24 s (protocols.md §5.2)
    expect(() => applyBleEnv({ advertisingIntervalMs: 19 }, {})).toThrow(RangeError);
    expect(() => applyBleEnv({ advertisingIntervalMs: 10_241 }, {})).toThrow(RangeError);
  });
});

describe('README', () => {
  it('documents every environment variable the adapters rely on', async () => {
    const { readFile } = await import('node:fs/promises');
    const { BLE_ENV_VARS } = await import('./libs.js');
    const readme = await readFile(new URL('./README.md', import.meta.url), 'utf8');
    for (const name of Object.keys(BLE_ENV_VARS)) expect(readme, name).toContain(`\`${name}\``);
  });
});
