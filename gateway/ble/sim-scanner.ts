/**
 * The simulated radio's scanner: receives advertising events from beacon-sim/radio (UDP on the
 * loopback interface, or an in-process bus) and emits RadioAdvertisement exactly as the noble
 * scanner does — same parser for the AD bytes (protocol/ble parseAdvertisingData), same copies,
 * same de-duplication — so everything above the adapter runs the hardware code path.
 */
import { type RadioBus } from '../../beacon-sim/radio/bus.js';
import { type UdpRadioReceiver, openUdpRadioReceiver } from '../../beacon-sim/radio/udp.js';
import { DEFAULT_SIM_RADIO_PORT, decodeRadioPacket } from '../../beacon-sim/radio/wire.js';
import type { Clock, RadioAdvertisement, Source } from '../core/types.js';
import { advertisementFromAd, dedupeKey } from './advertisement.js';
import { admitAndEmit, createDeduper } from './dedupe.js';
import { DEFAULT_SCANNER_DEDUPE, type ScannerState, type ScannerStats } from './scanner.js';

export interface SimScannerOptions {
  clock: Clock;
  /** UDP port on the loopback interface; 0 picks a free one (read it with port()). Default DEFAULT_SIM_RADIO_PORT. */
  port?: number;
  host?: string;
  /** Listen on this in-process bus instead of UDP. */
  bus?: RadioBus;
  dedupe?: { minIntervalMs: number; maxEntries?: number };
}

export interface SimScanner extends Source<RadioAdvertisement> {
  stats(): ScannerStats;
  /** The UDP port listened on while started (undefined on a bus or when stopped). */
  port(): number | undefined;
}

export function createSimScanner(options: SimScannerOptions): SimScanner {
  const { clock } = options;
  const deduper = createDeduper(options.dedupe ?? DEFAULT_SCANNER_DEDUPE);
  const listeners = new Set<(e: RadioAdvertisement) => void>();
  let state: ScannerState = 'stopped';
  let adapterState = 'closed';
  let receiver: UdpRadioReceiver | undefined;
  let unsubscribe: (() => void) | undefined;
  let lastAdvMono: number | null = null;
  let lastError: string | undefined;
  const n = { advertisementsSeen: 0, emitted: 0, deduped: 0, malformed: 0, listenerErrors: 0 };

  function onDatagram(d: Uint8Array): void {
    if (state !== 'scanning') return;
    n.advertisementsSeen++;
    const mono = clock.mono();
    lastAdvMono = mono;
    const r = decodeRadioPacket(d);
    if (!r.ok) {
      n.malformed++;
      lastError = r.reason;
      return;
    }
    const p = r.packet;
    const adv = advertisementFromAd(p.address, p.addressType, p.rssi, p.adv, { wallMs: clock.now(), monoMs: mono });
    admitAndEmit(dedupeKey(adv), adv, mono, deduper, listeners, n);
  }

  return {
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async start() {
      if (state !== 'stopped') return;
      state = 'starting';
      try {
        if (options.bus) {
          unsubscribe = options.bus.subscribe(onDatagram);
          adapterState = 'bus';
        } else {
          receiver = await openUdpRadioReceiver({
            port: options.port ?? DEFAULT_SIM_RADIO_PORT,
            host: options.host,
            onDatagram,
            onError: (e) => (lastError = e.message),
          });
          adapterState = 'listening';
        }
      } catch (e) {
        state = 'stopped';
        throw e;
      }
      state = 'scanning';
    },
    async stop() {
      if (state === 'stopped') return;
      state = 'stopped';
      unsubscribe?.();
      unsubscribe = undefined;
      const r = receiver;
      receiver = undefined;
      await r?.close();
      adapterState = 'closed';
    },
    stats() {
      const s: ScannerStats = {
        state,
        adapterState,
        ...n,
        lastAdvertisementAgeMs: lastAdvMono === null ? null : clock.mono() - lastAdvMono,
        dedupe: deduper.stats(),
      };
      if (lastError !== undefined) s.lastError = lastError;
      return s;
    },
    port: () => receiver?.port,
  };
}
