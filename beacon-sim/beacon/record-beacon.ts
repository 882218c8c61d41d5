/**
 * A simulated Touchpoint beacon played from its provisioning record: the firmware's advertising
 * loop (hardware/beacon-firmware/README.md) over protocol/beacon-config slotAdvertisement, the
 * frame builder the C core is cross-checked against byte for byte. What a gateway hears from it is
 * what it would hear from the flashed chip; only the radio, the sensors and the clock are stand-ins.
 *
 * Loop rules mirrored from the firmware: one slot per advertising event, round-robin; an input
 * event (press) starts a burst of `event.burst` event frames at `event.fastIntervalMs`; each event
 * waits the interval plus the 0–10 ms advDelay of Core Spec Vol 6 Part B §4.4.2.2.1; three PDUs per
 * event (channels 37/38/39) count towards TLM ADV_CNT.
 */
import { type BeaconEventState, slotAdvertisement } from '../../protocol/beacon-config/advertise.js';
import type { BeaconConfig, BeaconSlot, SlotType } from '../../protocol/beacon-config/record.js';
import type { SimBroadcaster } from '../radio/broadcaster.js';

export interface RecordBeaconOptions {
  config: BeaconConfig;
  /** Wall ms at which the beacon booted: its seconds counter read `config.timeReference` then. */
  bootWallMs: number;
  /** Battery in TLM frames. Default 3000 mV (a fresh CR2032). */
  batteryMv?: number;
  /** Die temperature in TLM frames. Default 21.25 °C. */
  temperatureC?: number;
  /** Uniform [0, 1): advDelay and eTLM salts. Default Math.random. */
  random?: () => number;
}

export interface RecordBeaconEvent {
  /** Wall ms of this advertising event. */
  wallMs: number;
  /** The slot sent; 'event' for both an event slot and a burst frame. */
  slot: SlotType;
  burst: boolean;
  adv: Uint8Array;
}

export interface RecordBeacon {
  readonly config: BeaconConfig;
  /** Wall ms of the next advertising event. */
  nextAtMs(): number;
  /** Builds the event due at nextAtMs() and schedules the one after it. */
  step(): RecordBeaconEvent;
  /** Lets the events due before `wallMs` pass unheard (counters and rotation move on). */
  skipUntil(wallMs: number): void;
  /** An input event (button/touch) at `wallMs`: counted, and a burst of event frames follows. */
  press(wallMs: number): void;
  /** Input events so far. */
  presses(): number;
}

export function createRecordBeacon(o: RecordBeaconOptions): RecordBeacon {
  const { config, bootWallMs } = o;
  const random = o.random ?? Math.random;
  let next = bootWallMs;
  let slotIndex = 0;
  let burstLeft = 0;
  let advCount = 0;
  let eventCount = 0;
  let lastEventMs: number | null = null;
  const advDelay = () => Math.floor(random() * 11);

  /** The slot due now, then the rotation and counters moved past it. */
  function advance(): { wallMs: number; slot: BeaconSlot; burst: boolean; state: BeaconEventState } {
    const wallMs = next;
    const burst = burstLeft > 0;
    const slot: BeaconSlot = burst ? { type: 'event' } : config.slots[slotIndex]!;
    const state: BeaconEventState = {
      uptimeMs: Math.max(0, wallMs - bootWallMs),
      advCount,
      batteryMv: o.batteryMv ?? 3000,
      temperatureC: o.temperatureC ?? 21.25,
      salt: Math.floor(random() * 0x10000),
      eventCount,
      lastEventMs,
    };
    if (burst) burstLeft--;
    else slotIndex = (slotIndex + 1) % config.slots.length;
    advCount += 3;
    next = wallMs + (burstLeft > 0 ? config.event.fastIntervalMs : config.intervalMs) + advDelay();
    return { wallMs, slot, burst, state };
  }

  return {
    config,
    nextAtMs: () => next,
    step() {
      const { wallMs, slot, burst, state } = advance();
      return { wallMs, slot: slot.type, burst, adv: slotAdvertisement(config, slot, state) };
    },
    skipUntil(wallMs) {
      while (next < wallMs) advance();
    },
    press(wallMs) {
      eventCount = (eventCount + 1) >>> 0;
      lastEventMs = Math.max(0, wallMs - bootWallMs);
      burstLeft = config.event.burst;
      // the firmware wakes for the first burst frame at once (≥ 20 ms after the previous event)
      next = Math.min(next, wallMs + 20);
    },
    presses: () => eventCount,
  };
}

/** A static random device address (two top bits set, Core Spec Vol 6 Part B §1.3.2.1) from the record's device id. */
export function recordBeaconAddress(config: BeaconConfig): string {
  const b = config.deviceId.match(/../g)!.slice(0, 6).map((h) => parseInt(h, 16));
  b[0] = b[0]! | 0xc0;
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

export interface RecordBeaconRunOptions {
  beacon: RecordBeacon;
  radio: SimBroadcaster;
  /** RSSI the receiver reports for every advertisement, dBm. Default −50. */
  rssi?: number;
  /** Default recordBeaconAddress(config). */
  address?: string;
  /** Wall clock. Default Date.now. */
  now?: () => number;
  /** Called with every advertising event sent. */
  onEvent?: (e: RecordBeaconEvent) => void;
}

export interface RunningRecordBeacon {
  sent(): number;
  stop(): void;
}

/** Sends the beacon's advertising events on the simulated radio as they fall due, until stop(). */
export function runRecordBeacon(o: RecordBeaconRunOptions): RunningRecordBeacon {
  const now = o.now ?? Date.now;
  const address = o.address ?? recordBeaconAddress(o.beacon.config);
  const rssi = o.rssi ?? -50;
  let sent = 0;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const tick = () => {
    if (stopped) return;
    // Events more than a second overdue were missed (a stalled process, a boot time in the past);
    // the rest go out now, not never: a late timer on a loaded machine must not silence the beacon.
    o.beacon.skipUntil(now() - 1000);
    while (o.beacon.nextAtMs() <= now()) {
      const e = o.beacon.step();
      o.radio.send({ address, addressType: 'random', rssi, adv: e.adv });
      sent++;
      o.onEvent?.(e);
    }
    timer = setTimeout(tick, Math.max(0, o.beacon.nextAtMs() - now()));
  };
  tick();
  return {
    sent: () => sent,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
