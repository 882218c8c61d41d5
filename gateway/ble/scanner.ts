/**
 * The hardware scanner: noble above the Pi's HCI socket, emitting RadioAdvertisement.
 *
 * What noble does not do for us, and this module does:
 *  - Duplicates: we ask the controller for every advertising event (startScanning([], true),
 *    filter_duplicates = 0) and rate-limit per address+payload ourselves (dedupe.ts).
 *  - Copies: noble keeps one Peripheral per address and one advertisement object per address in
 *    its HCI GAP layer, merged field by field across reports (lib/noble.js onDiscover,
 *    lib/hci-socket/gap.js parseServices); Buffers are views into the HCI event. We copy
 *    everything out, then clear the fields the GAP layer never resets (manufacturerData,
 *    localName, txPowerLevel) — otherwise a device that interleaves iBeacon and Eddystone frames
 *    (the gateway's own neighbours do) would report its last iBeacon with every Eddystone frame.
 *  - Power cycles: noble emits poweredOff/poweredOn but does not resume scanning; we restart on
 *    every poweredOn.
 *  - Silence: a wedged controller or a scan stopped by someone else (bluetoothd, hciconfig) just
 *    goes quiet. A watchdog restarts the scan after `silenceMs` without an advertisement and,
 *    after `maxRestartsBeforeReset` restarts without one, resets the controller (HCI_Reset).
 *  - Memory: noble caches every address it ever saw in eight maps (noble._peripherals and
 *    friends, the bindings' _addresses…, the GAP's _discoveries) and never forgets one. A store
 *    with thousands of phones rotating random addresses grows that without bound, so we keep an
 *    LRU of the last `maxPeripherals` addresses and delete the ones it pushes out from noble's
 *    caches (never a connected peripheral). This touches noble internals on purpose; each
 *    delete is guarded, so a noble without those fields is simply not pruned.
 */
import { type Clock, type RadioAdvertisement, type Source } from '../core/types.js';
import { advertisementFromNoble, dedupeKey, type NoblePeripheralLike } from './advertisement.js';
import { admitAndEmit, createDeduper, createRecentKeys, DEFAULT_DEDUPE_MAX_ENTRIES, type DedupeStats } from './dedupe.js';
import { type BleEnvOptions, type NobleLike, loadNoble } from './libs.js';

export interface WatchdogOptions {
  /** Restart the scan after this long without an advertisement. */
  silenceMs: number;
  /** Consecutive fruitless restarts before the adapter is reset. */
  maxRestartsBeforeReset: number;
  /** How often the watchdog looks; default silenceMs/4 clamped to 50..1000 ms. */
  checkEveryMs?: number;
  /** Wait after noble.reset() before scanning again; default 1000 ms (HCI_Reset + re-init). */
  resetSettleMs?: number;
}

export interface NobleScannerOptions {
  clock: Clock;
  /** An already constructed noble (tests: `@abandonware/noble/with-bindings.js`). */
  noble?: NobleLike;
  /** How to get noble when none is injected; default: lazy import with `env` applied. */
  loadNoble?: () => Promise<NobleLike>;
  env?: BleEnvOptions;
  watchdog?: WatchdogOptions;
  dedupe?: { minIntervalMs: number; maxEntries?: number };
  /** Addresses kept in noble's caches; default 4096. */
  maxPeripherals?: number;
  /**
   * Called right after the watchdog sent HCI_Reset. On an adapter shared with the advertiser,
   * wire it to `advertiser.adapterReset()`: the reset also wiped bleno's advertising parameters.
   */
  onAdapterReset?: () => void;
}

export type ScannerState = 'stopped' | 'starting' | 'waiting-for-adapter' | 'scanning' | 'resetting';

export interface ScannerStats {
  state: ScannerState;
  /** The radio's own state word (noble: poweredOn, poweredOff, unauthorized…; sim: listening). */
  adapterState: string;
  /** Every advertisement the radio delivered, before de-duplication. */
  advertisementsSeen: number;
  emitted: number;
  deduped: number;
  /** Delivered but unusable (no address, malformed datagram). */
  malformed: number;
  listenerErrors: number;
  /** ms since the last advertisement from the radio; null before the first one. */
  lastAdvertisementAgeMs: number | null;
  dedupe: DedupeStats;
  lastError?: string;
}

export interface NobleScannerStats extends ScannerStats {
  scanRestarts: number;
  watchdogResets: number;
  stateChanges: number;
  scanStartsRequested: number;
  scanStarts: number;
  scanStops: number;
  warnings: number;
  /** Addresses deleted from noble's caches. */
  noblePruned: number;
  tracked: number;
}

export interface NobleScanner extends Source<RadioAdvertisement> {
  stats(): NobleScannerStats;
}

export const DEFAULT_WATCHDOG: WatchdogOptions = { silenceMs: 30_000, maxRestartsBeforeReset: 3 };
export const DEFAULT_SCANNER_DEDUPE = { minIntervalMs: 1000, maxEntries: DEFAULT_DEDUPE_MAX_ENTRIES };
export const DEFAULT_MAX_PERIPHERALS = 4096;

type AnyRecord = Record<string, unknown>;

function isRecord(v: unknown): v is AnyRecord {
  return typeof v === 'object' && v !== null;
}

export function createNobleScanner(options: NobleScannerOptions): NobleScanner {
  const { clock } = options;
  const wd = options.watchdog ?? DEFAULT_WATCHDOG;
  if (!(wd.silenceMs > 0)) throw new RangeError(`watchdog.silenceMs must be > 0, got ${wd.silenceMs}`);
  if (!Number.isSafeInteger(wd.maxRestartsBeforeReset) || wd.maxRestartsBeforeReset < 0) {
    throw new RangeError(`watchdog.maxRestartsBeforeReset must be an integer ≥ 0, got ${wd.maxRestartsBeforeReset}`);
  }
  const checkEveryMs = wd.checkEveryMs ?? Math.min(1000, Math.max(50, wd.silenceMs / 4));
  const resetSettleMs = wd.resetSettleMs ?? 1000;
  const deduper = createDeduper(options.dedupe ?? DEFAULT_SCANNER_DEDUPE);
  const recent = createRecentKeys(options.maxPeripherals ?? DEFAULT_MAX_PERIPHERALS);
  const listeners = new Set<(e: RadioAdvertisement) => void>();

  let noble: NobleLike | undefined = options.noble;
  let running = false;
  let state: ScannerState = 'stopped';
  let adapterState = 'unknown';
  let lastAdvMono: number | null = null;
  let lastKickMono = 0;
  let consecutiveRestarts = 0;
  let watchdogTimer: ReturnType<typeof setInterval> | undefined;
  let settleTimer: ReturnType<typeof setTimeout> | undefined;
  let lastError: string | undefined;
  const n = {
    advertisementsSeen: 0,
    emitted: 0,
    deduped: 0,
    malformed: 0,
    listenerErrors: 0,
    scanRestarts: 0,
    watchdogResets: 0,
    stateChanges: 0,
    scanStartsRequested: 0,
    scanStarts: 0,
    scanStops: 0,
    warnings: 0,
    noblePruned: 0,
  };

  function startScan(): void {
    if (!running || !noble || adapterState !== 'poweredOn') return;
    state = 'starting';
    lastKickMono = clock.mono();
    n.scanStartsRequested++;
    try {
      // Not startScanningAsync: its promise settles only on 'scanStart', and every start whose
      // LE Set Scan Enable fails would leave a pending promise and a once('scanStart') listener
      // behind. The 'scanStart' event and the watchdog tell us whether it worked.
      noble.startScanning([], true);
    } catch (e) {
      lastError = e instanceof Error ? e.message : String(e);
    }
  }

  function restartScan(): void {
    n.scanRestarts++;
    consecutiveRestarts++;
    try {
      noble?.stopScanning();
    } catch (e) {
      lastError = e instanceof Error ? e.message : String(e);
    }
    startScan();
  }

  function resetAdapter(): void {
    n.watchdogResets++;
    consecutiveRestarts = 0;
    state = 'resetting';
    lastKickMono = clock.mono();
    try {
      noble?.reset();
    } catch (e) {
      lastError = e instanceof Error ? e.message : String(e);
    }
    try {
      options.onAdapterReset?.();
    } catch (e) {
      lastError = e instanceof Error ? e.message : String(e);
    }
    // noble does not report the end of an HCI_Reset (and does not emit poweredOn again when it
    // already was), so scanning resumes after a settle time.
    settleTimer = setTimeout(() => {
      settleTimer = undefined;
      if (!running) return;
      if (adapterState === 'poweredOn') startScan();
      else state = 'waiting-for-adapter';
    }, resetSettleMs);
    settleTimer.unref?.();
  }

  function watchdog(): void {
    if (!running || adapterState !== 'poweredOn' || state === 'resetting') return;
    const now = clock.mono();
    const quietSince = Math.max(lastAdvMono ?? -Infinity, lastKickMono);
    if (now - quietSince < wd.silenceMs) return;
    if (consecutiveRestarts >= wd.maxRestartsBeforeReset) resetAdapter();
    else restartScan();
  }

  function forget(uuid: string): void {
    const nb = noble as unknown as AnyRecord;
    const periph = isRecord(nb._peripherals) ? nb._peripherals[uuid] : undefined;
    if (isRecord(periph) && periph.state !== undefined && periph.state !== 'disconnected') return;
    for (const k of ['_peripherals', '_services', '_characteristics', '_descriptors', '_discoveredPeripheralUUids']) {
      const m = nb[k];
      if (isRecord(m)) delete m[uuid];
    }
    const b = nb._bindings;
    if (isRecord(b)) {
      for (const k of ['_addresses', '_addresseTypes', '_connectable', 'scannable']) {
        const m = b[k];
        if (isRecord(m)) delete m[uuid];
      }
      const gap = b._gap;
      // The HCI GAP layer keys by "aa:bb:…" (hci.js processLeAdvertisingReport); the uuid is that without colons.
      if (isRecord(gap) && isRecord(gap._discoveries) && /^[0-9a-f]{12}$/.test(uuid)) {
        delete gap._discoveries[uuid.match(/../g)!.join(':')];
      }
    }
    n.noblePruned++;
  }

  const onDiscover = (p: NoblePeripheralLike): void => {
    n.advertisementsSeen++;
    const mono = clock.mono();
    lastAdvMono = mono;
    consecutiveRestarts = 0;
    if (state === 'starting') state = 'scanning';
    const adv = advertisementFromNoble(p, { wallMs: clock.now(), monoMs: mono });
    const a = p.advertisement;
    if (a) {
      a.manufacturerData = undefined;
      a.localName = undefined;
      a.txPowerLevel = undefined;
    }
    if (typeof p.id === 'string') {
      const out = recent.touch(p.id);
      if (out !== undefined) forget(out);
    }
    if (!adv) {
      n.malformed++;
      return;
    }
    admitAndEmit(dedupeKey(adv), adv, mono, deduper, listeners, n);
  };

  const onStateChange = (s: string): void => {
    n.stateChanges++;
    adapterState = s;
    if (!running) return;
    if (s === 'poweredOn') {
      if (settleTimer) {
        clearTimeout(settleTimer);
        settleTimer = undefined;
      }
      startScan();
    } else state = 'waiting-for-adapter';
  };
  const onScanStart = (): void => {
    n.scanStarts++;
    if (running && state === 'starting') state = 'scanning';
  };
  const onScanStop = (): void => {
    n.scanStops++;
  };
  const onWarning = (message: unknown): void => {
    // With a listener of ours attached noble stops printing these to the console itself.
    n.warnings++;
    lastError = String(message);
  };
  const wiring: [string, (...a: any[]) => void][] = [
    ['stateChange', onStateChange],
    ['discover', onDiscover],
    ['scanStart', onScanStart],
    ['scanStop', onScanStop],
    ['warning', onWarning],
  ];

  return {
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async start() {
      if (running) return;
      noble ??= await (options.loadNoble ?? (() => loadNoble(options.env)))();
      running = true;
      state = 'waiting-for-adapter';
      lastKickMono = clock.mono();
      // Adding the 'stateChange' listener is what makes noble initialise its bindings.
      for (const [e, l] of wiring) noble.on(e, l);
      adapterState = noble.state;
      if (adapterState === 'poweredOn') startScan();
      watchdogTimer = setInterval(watchdog, checkEveryMs);
      watchdogTimer.unref?.();
    },
    async stop() {
      if (!running) return;
      running = false;
      clearInterval(watchdogTimer);
      if (settleTimer) clearTimeout(settleTimer);
      settleTimer = undefined;
      if (noble) {
        if (adapterState === 'poweredOn') {
          try {
            noble.stopScanning();
          } catch (e) {
            lastError = e instanceof Error ? e.message : String(e);
          }
        }
        for (const [e, l] of wiring) noble.removeListener(e, l);
      }
      state = 'stopped';
    },
    stats() {
      const s: NobleScannerStats = {
        state,
        adapterState,
        ...n,
        lastAdvertisementAgeMs: lastAdvMono === null ? null : clock.mono() - lastAdvMono,
        dedupe: deduper.stats(),
        tracked: recent.size,
      };
      if (lastError !== undefined) s.lastError = lastError;
      return s;
    },
  };
}
