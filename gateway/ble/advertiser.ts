/**
 * The gateway is the beacon of its spot: bleno puts a rotation of frames on air, one slot per
 * `cadenceMs`, each rendered at the moment it goes out (beacon-frames.ts).
 *
 * bleno facts this loop is built around (node_modules/@abandonware/bleno/lib/hci-socket/gap.js,
 * hci.js):
 *  - startAdvertisingWithEIRData sends Set Scan Response Data, Set Advertising Data, Set
 *    Advertise Enable(1), then both data commands again, and reports the Enable's status as
 *    'advertisingStart' (ok) or 'advertisingStartError' (status ≠ 0). Its callback is only ever
 *    attached to 'advertisingStart', so on an error it is never called and stays registered: we
 *    never pass callbacks, we listen to both events and add a timeout.
 *  - Enabling advertising that is already enabled is refused with Command Disallowed by the Pi's
 *    BCM43438 and other 4.x controllers (bleno issues #136, #393 — "1 error every 5 calls" when
 *    node-eddystone-beacon rotated frames). So every slot change is stop → start.
 *  - Advertising is always ADV_IND (connectable, scannable; hci.js setAdvertisingParameters).
 *    The gateway offers no GATT service, so a central that connects is disconnected at once
 *    (`refuseConnections`), which also lets the controller resume advertising.
 *  - An HCI_Reset by the scanner on a shared adapter (watchdog) silently stops advertising while
 *    bleno still believes it is on; the next slot change (≤ cadenceMs later) re-enables it.
 *
 * Failures (error status, no answer within `startTimeoutMs`) are retried with exponential backoff
 * and counted; the slot is not advanced until it is on air.
 */
import type { Clock } from '../core/types.js';
import { toHex } from '../../protocol/ble/bytes.js';
import { type EidConfig, type FrameSlot, type FrameSlotType, type RenderedFrame, createFrameRenderer, validateSlots } from './beacon-frames.js';
import { type BleEnvOptions, type BlenoLike, blenoAdvertisingIntervalMs, loadBleno } from './libs.js';

export interface AdvertiserOptions {
  frames: FrameSlot[];
  /** How long each slot stays on air before the next one. */
  cadenceMs: number;
  clock: Clock;
  /** An already loaded bleno (tests); default: lazy import with `env` applied. */
  bleno?: BlenoLike;
  loadBleno?: () => Promise<BlenoLike>;
  env?: BleEnvOptions;
  /** Beacon clock and key for EID and eTLM slots. */
  eid?: EidConfig;
  /** Scan response sent with every slot (bleno advertises scannable), e.g. a local name. */
  scanData?: Uint8Array;
  /** Wait for bleno's answer to a start or stop; default 2000 ms. */
  startTimeoutMs?: number;
  retry?: { initialMs?: number; maxMs?: number };
  /** Advertising interval the controller uses, for ADV_CNT; default: what bleno reads from the env. */
  advertisingIntervalMs?: number;
  /** Disconnect centrals that connect to the (necessarily connectable) advertisement; default true. */
  refuseConnections?: boolean;
  random16?: () => number;
}

export type AdvertiserState = 'stopped' | 'waiting-for-adapter' | 'advertising' | 'retrying';

export interface AdvertiserStats {
  state: AdvertiserState;
  adapterState: string;
  framesSent: Partial<Record<FrameSlotType, number>>;
  /** Failed starts and stops: error status from the controller or no answer in time. */
  errors: number;
  startErrors: number;
  timeouts: number;
  retries: number;
  renderErrors: number;
  connectionsRefused: number;
  /** adapterReset() calls. */
  adapterResets: number;
  eidComputations: number;
  /** Estimated advertising events since start (what TLM's ADV_CNT carries). */
  advCount: number;
  uptimeS: number;
  current?: { slot: FrameSlotType; adv: string };
  lastError?: string;
}

export interface Advertiser {
  start(): Promise<void>;
  stop(): Promise<void>;
  stats(): AdvertiserStats;
  /**
   * Someone else (the scanner's watchdog) reset the shared controller: advertising stopped and its
   * parameters went back to the controller defaults (ADV_IND every 1.28 s; Core Spec Vol 4 Part E
   * §7.8.5), while bleno, already poweredOn, sets them only at power-on. Re-sends bleno's
   * parameters and puts the current slot back on air now.
   */
  adapterReset(): void;
}

export const DEFAULT_START_TIMEOUT_MS = 2000;
export const DEFAULT_RETRY = { initialMs: 250, maxMs: 10_000 };
/**
 * Each advertising event is delayed by a pseudo-random advDelay of 0–10 ms (Core Spec Vol 6
 * Part B §4.4.2.2; shared/docs/protocols.md §5.2), 5 ms on average.
 */
const MEAN_ADV_DELAY_MS = 5;

type Outcome = { ok: true } | { ok: false; reason: string; timeout: boolean };

export function createAdvertiser(options: AdvertiserOptions): Advertiser {
  const { frames, cadenceMs, clock } = options;
  validateSlots(frames, options.eid);
  if (!(cadenceMs > 0)) throw new RangeError(`cadenceMs must be > 0, got ${cadenceMs}`);
  const startTimeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  const retryInitial = options.retry?.initialMs ?? DEFAULT_RETRY.initialMs;
  const retryMax = options.retry?.maxMs ?? DEFAULT_RETRY.maxMs;
  const refuse = options.refuseConnections ?? true;
  const renderer = createFrameRenderer({ eid: options.eid, random16: options.random16 });
  const scanData = options.scanData ? Buffer.from(options.scanData) : null;

  let bleno: BlenoLike | undefined = options.bleno;
  let running = false;
  let state: AdvertiserState = 'stopped';
  let adapterState = 'unknown';
  let startMono = 0;
  let onAir = false;
  /** After a failure we no longer know whether the controller is advertising: stop first. */
  let uncertain = false;
  let onAirSinceMono = 0;
  let onAirMs = 0;
  let slotIndex = 0;
  let current: { slot: FrameSlotType; adv: string } | undefined;
  let lastError: string | undefined;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  let sleepTimer: ReturnType<typeof setTimeout> | undefined;
  const framesSent: Partial<Record<FrameSlotType, number>> = {};
  const n = { errors: 0, startErrors: 0, timeouts: 0, retries: 0, renderErrors: 0, connectionsRefused: 0, adapterResets: 0 };

  const intervalMs = () => options.advertisingIntervalMs ?? blenoAdvertisingIntervalMs();
  const totalOnAirMs = () => onAirMs + (onAir ? clock.mono() - onAirSinceMono : 0);
  const advCount = () => Math.floor(totalOnAirMs() / (intervalMs() + MEAN_ADV_DELAY_MS));
  const uptimeS = () => (running ? (clock.mono() - startMono) / 1000 : 0);

  function setOnAir(on: boolean): void {
    if (on === onAir) return;
    if (on) onAirSinceMono = clock.mono();
    else onAirMs += clock.mono() - onAirSinceMono;
    onAir = on;
  }

  /** Resolves after ms, or at once when stop() or a power change wakes the loop. */
  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      wake = () => {
        clearTimeout(sleepTimer);
        wake = undefined;
        resolve();
      };
      sleepTimer = setTimeout(() => wake?.(), Math.max(0, ms));
    });
  }

  function awaitBlenoEvent(ok: string, err: string | null, send: () => void): Promise<Outcome> {
    const b = bleno!;
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = (o: Outcome) => {
        clearTimeout(timer);
        b.removeListener(ok, onOk);
        if (err) b.removeListener(err, onErr);
        resolve(o);
      };
      const onOk = (e?: unknown) => done(e ? { ok: false, reason: String(e), timeout: false } : { ok: true });
      const onErr = (e: unknown) => done({ ok: false, reason: e instanceof Error ? e.message : String(e), timeout: false });
      b.on(ok, onOk);
      if (err) b.on(err, onErr);
      timer = setTimeout(() => done({ ok: false, reason: `no ${ok} within ${startTimeoutMs} ms`, timeout: true }), startTimeoutMs);
      try {
        send();
      } catch (e) {
        onErr(e);
      }
    });
  }

  async function putOnAir(r: RenderedFrame): Promise<Outcome> {
    if (onAir || uncertain) {
      const stopped = await awaitBlenoEvent('advertisingStop', null, () => bleno!.stopAdvertising());
      setOnAir(false);
      if (!stopped.ok) {
        uncertain = true;
        return stopped;
      }
    }
    const started = await awaitBlenoEvent('advertisingStart', 'advertisingStartError', () =>
      bleno!.startAdvertisingWithEIRData(Buffer.from(r.adv), scanData),
    );
    uncertain = !started.ok;
    if (started.ok) setOnAir(true);
    return started;
  }

  async function run(): Promise<void> {
    let backoff = retryInitial;
    while (running) {
      if (adapterState !== 'poweredOn') {
        state = 'waiting-for-adapter';
        setOnAir(false);
        await sleep(60_000); // woken by the next stateChange
        continue;
      }
      const tickMono = clock.mono();
      const slot = frames[slotIndex]!;
      let rendered: RenderedFrame;
      try {
        rendered = renderer.render(slot, { wallMs: clock.now(), uptimeS: uptimeS(), advCount: advCount() });
      } catch (e) {
        // A frame that cannot be rendered now (beacon clock out of range) is skipped, not retried.
        n.renderErrors++;
        lastError = e instanceof Error ? e.message : String(e);
        slotIndex = (slotIndex + 1) % frames.length;
        await sleep(cadenceMs);
        continue;
      }
      const outcome = await putOnAir(rendered);
      if (!running) break;
      if (outcome.ok) {
        framesSent[rendered.slot] = (framesSent[rendered.slot] ?? 0) + 1;
        current = { slot: rendered.slot, adv: toHex(rendered.adv) };
        state = 'advertising';
        backoff = retryInitial;
        slotIndex = (slotIndex + 1) % frames.length;
        await sleep(cadenceMs - (clock.mono() - tickMono));
      } else {
        n.errors++;
        if (outcome.timeout) n.timeouts++;
        else n.startErrors++;
        lastError = outcome.reason;
        state = 'retrying';
        n.retries++;
        await sleep(backoff);
        backoff = Math.min(backoff * 2, retryMax);
      }
    }
  }

  const onStateChange = (s: string) => {
    adapterState = s;
    if (s !== 'poweredOn') setOnAir(false);
    wake?.();
  };
  const onAccept = () => {
    if (!refuse) return;
    n.connectionsRefused++;
    (bleno as unknown as { disconnect?: () => void }).disconnect?.();
  };

  return {
    async start() {
      if (running) return;
      bleno ??= await (options.loadBleno ?? (() => loadBleno(options.env)))();
      running = true;
      startMono = clock.mono();
      onAirMs = 0;
      // The first 'stateChange' listener is what makes bleno open and initialise the adapter.
      bleno.on('stateChange', onStateChange);
      bleno.on('accept', onAccept);
      adapterState = bleno.state;
      loop = run();
    },
    async stop() {
      if (!running) return;
      running = false;
      wake?.();
      await loop;
      if (bleno) {
        if (onAir) {
          try {
            bleno.stopAdvertising();
          } catch (e) {
            lastError = e instanceof Error ? e.message : String(e);
          }
        }
        setOnAir(false);
        bleno.removeListener('stateChange', onStateChange);
        bleno.removeListener('accept', onAccept);
      }
      state = 'stopped';
    },
    adapterReset() {
      n.adapterResets++;
      setOnAir(false);
      uncertain = true;
      // bleno's Hci.setAdvertisingParameters (hci.js) is internal; guarded so another bleno just skips it
      const hci = (bleno as unknown as { _bindings?: { _hci?: { setAdvertisingParameters?: () => void } } } | undefined)?._bindings?._hci;
      try {
        hci?.setAdvertisingParameters?.();
      } catch (e) {
        lastError = e instanceof Error ? e.message : String(e);
      }
      if (state === 'advertising' && wake) {
        // sleeping after a slot went on air: that slot goes back on air at once, not after the
        // rest of its cadence (mid-switch, the switch in progress stops and restarts anyway)
        slotIndex = (slotIndex + frames.length - 1) % frames.length;
        wake();
      }
    },
    stats() {
      const s: AdvertiserStats = {
        state,
        adapterState,
        framesSent: { ...framesSent },
        ...n,
        eidComputations: renderer.eidComputations,
        advCount: advCount(),
        uptimeS: uptimeS(),
      };
      if (current) s.current = { ...current };
      if (lastError !== undefined) s.lastError = lastError;
      return s;
    },
  };
}
