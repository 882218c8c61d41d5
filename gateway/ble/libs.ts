/**
 * The only place that loads noble and bleno. Both open an AF_BLUETOOTH HCI socket while their
 * module is being evaluated and throw EAFNOSUPPORT where the kernel has no Bluetooth (CI,
 * containers, laptops without an adapter), so they are imported lazily, when a hardware adapter
 * actually starts; the CLI, the simulated radio and every test load without them.
 *
 * Both libraries are configured through environment variables, read at different moments
 * (node_modules/@abandonware/{noble,bleno}/lib/hci-socket/*.js):
 *   NOBLE_HCI_DEVICE_ID         hci.js constructor — i.e. when '@abandonware/noble' is imported
 *   BLENO_HCI_DEVICE_ID         hci.js init() — when the first 'stateChange' listener is added
 *   NOBLE_MULTI_ROLE            gatt.js, per ATT request — lets bleno answer GATT on a shared adapter
 *   BLENO_ADVERTISING_INTERVAL  hci.js setAdvertisingParameters() — at bleno's power-on
 *   HCI_CHANNEL_USER            both: bind the HCI user channel (exclusive, needs the adapter down)
 * so `applyBleEnv` must run before the import; `loadNoble`/`loadBleno` do that.
 */

/** Every variable noble/bleno read that matters on a gateway, and when; README.md documents each. */
export const BLE_ENV_VARS = {
  NOBLE_HCI_DEVICE_ID: 'noble: adapter number N of hciN, read when noble is imported',
  BLENO_HCI_DEVICE_ID: 'bleno: adapter number N of hciN, read when bleno initialises',
  NOBLE_MULTI_ROLE: 'noble: leave ATT requests to bleno on a shared adapter',
  BLENO_ADVERTISING_INTERVAL: 'bleno: advertising interval in ms, read at power-on',
  HCI_CHANNEL_USER: 'both: exclusive HCI user channel instead of a raw socket',
  NOBLE_REPORT_ALL_HCI_EVENTS: 'noble: report connectable advertisers before their scan response',
} as const;

export interface BleEnvOptions {
  /** hciN to use for both roles (sets NOBLE_HCI_DEVICE_ID and BLENO_HCI_DEVICE_ID). */
  hciDeviceId?: number;
  /** Scanning and advertising on one adapter in one process (sets NOBLE_MULTI_ROLE=1). */
  multiRole?: boolean;
  /** bleno's advertising interval in ms, 20..10240 (sets BLENO_ADVERTISING_INTERVAL). */
  advertisingIntervalMs?: number;
}

export type Env = Record<string, string | undefined>;

/** Advertising interval bounds of legacy advertising: 0x0020..0x4000 × 0.625 ms (protocols.md §5.2). */
export const MIN_ADVERTISING_INTERVAL_MS = 20;
export const MAX_ADVERTISING_INTERVAL_MS = 10_240;
/** bleno's default when BLENO_ADVERTISING_INTERVAL is unset (hci.js setAdvertisingParameters). */
export const BLENO_DEFAULT_ADVERTISING_INTERVAL_MS = 100;

/**
 * Sets the variables for the options given; variables already in the environment (a systemd unit,
 * a shell) are left alone when the matching option is absent. Returns the names it set.
 */
export function applyBleEnv(options: BleEnvOptions, env: Env = process.env): string[] {
  const set: string[] = [];
  const put = (k: string, v: string) => {
    env[k] = v;
    set.push(k);
  };
  if (options.hciDeviceId !== undefined) {
    if (!Number.isSafeInteger(options.hciDeviceId) || options.hciDeviceId < 0) {
      throw new RangeError(`hciDeviceId must be a non-negative integer, got ${options.hciDeviceId}`);
    }
    put('NOBLE_HCI_DEVICE_ID', String(options.hciDeviceId));
    put('BLENO_HCI_DEVICE_ID', String(options.hciDeviceId));
  }
  if (options.multiRole) put('NOBLE_MULTI_ROLE', '1');
  if (options.advertisingIntervalMs !== undefined) {
    const ms = options.advertisingIntervalMs;
    if (!Number.isFinite(ms) || ms < MIN_ADVERTISING_INTERVAL_MS || ms > MAX_ADVERTISING_INTERVAL_MS) {
      throw new RangeError(`advertisingIntervalMs must be ${MIN_ADVERTISING_INTERVAL_MS}..${MAX_ADVERTISING_INTERVAL_MS}, got ${ms}`);
    }
    put('BLENO_ADVERTISING_INTERVAL', String(ms));
  }
  return set;
}

/** The advertising interval bleno will use, as it computes it (parseFloat, default 100 ms). */
export function blenoAdvertisingIntervalMs(env: Env = process.env): number {
  const v = env.BLENO_ADVERTISING_INTERVAL ? parseFloat(env.BLENO_ADVERTISING_INTERVAL) : NaN;
  return Number.isFinite(v) && v > 0 ? v : BLENO_DEFAULT_ADVERTISING_INTERVAL_MS;
}

type Listener = (...args: any[]) => void;

/** What the scanner uses of noble (lib/noble.js). */
export interface NobleLike {
  readonly state: string;
  on(event: string, listener: Listener): unknown;
  removeListener(event: string, listener: Listener): unknown;
  startScanning(serviceUuids: string[], allowDuplicates: boolean): void;
  stopScanning(): void;
  reset(): void;
}

/** What the advertiser uses of bleno (lib/bleno.js). */
export interface BlenoLike {
  readonly state: string;
  on(event: string, listener: Listener): unknown;
  removeListener(event: string, listener: Listener): unknown;
  startAdvertisingWithEIRData(advertisementData: Buffer, scanData?: Buffer | null): void;
  stopAdvertising(): void;
}

/** The radio could not be opened: no Bluetooth in this kernel, no permission, no adapter. */
export class BleUnavailableError extends Error {
  override name = 'BleUnavailableError';
  readonly code: string | undefined;
  constructor(library: 'noble' | 'bleno', cause: unknown) {
    const code = (cause as { code?: unknown } | null)?.code;
    const why = cause instanceof Error ? cause.message : String(cause);
    const hint =
      code === 'EAFNOSUPPORT'
        ? 'this kernel or container has no Bluetooth sockets; use the simulated radio'
        : code === 'EPERM' || code === 'EACCES'
          ? 'grant CAP_NET_RAW and CAP_NET_ADMIN (see gateway/ble/README.md)'
          : 'see gateway/ble/README.md';
    super(`Bluetooth unavailable (${library}: ${why}); ${hint}`, { cause });
    this.code = typeof code === 'string' ? code : undefined;
  }
}

export type Importer = (specifier: string) => Promise<unknown>;

// A variable specifier keeps bundlers and tsc from resolving the import eagerly.
const defaultImporter: Importer = (specifier) => import(specifier);

function moduleValue(m: unknown): unknown {
  return (m as { default?: unknown } | null)?.default ?? m;
}

export async function loadNoble(options: BleEnvOptions = {}, importer: Importer = defaultImporter): Promise<NobleLike> {
  applyBleEnv(options);
  try {
    return moduleValue(await importer('@abandonware/noble')) as NobleLike;
  } catch (e) {
    throw new BleUnavailableError('noble', e);
  }
}

export async function loadBleno(options: BleEnvOptions = {}, importer: Importer = defaultImporter): Promise<BlenoLike> {
  applyBleEnv(options);
  try {
    return moduleValue(await importer('@abandonware/bleno')) as BlenoLike;
  } catch (e) {
    throw new BleUnavailableError('bleno', e);
  }
}
