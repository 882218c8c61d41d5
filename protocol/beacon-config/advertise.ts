/**
 * What a provisioned beacon puts on air: the advertising data the firmware builds for one
 * advertising event of a config record, from protocol/ble's encoders. This is the TypeScript side
 * of the C ⇄ TS byte cross-check (protocol/ble/firmware-crosscheck.test.ts runs it against every
 * event of hardware/beacon-firmware/test/test_vectors.c), so a simulated beacon built on it sends
 * exactly what the flashed chip would.
 *
 * Firmware rules mirrored here (hardware/beacon-firmware/README.md): the Eddystone seconds counter
 * is the record's timeReference plus whole seconds of uptime, wrapping at 2^32; TLM SEC_CNT counts
 * 0.1 s of uptime; event frames carry the current EID when the record has an identity key, else
 * its device id; the last-event age is in 0.1 s, saturating below "none".
 */
import { computeEid } from '../ble/crypto/eid.js';
import { sealTlm } from '../ble/eddystone/etlm.js';
import type { EddystoneTlm } from '../ble/eddystone/frames.js';
import { encodeFrame } from '../ble/frames.js';
import { TOUCHPOINT_EVENT_AGE_MAX_DS, encodeTouchpointEvent } from '../ble/touchpoint-event.js';
import { hexToBytes, toHex } from '../bytes.js';
import type { BeaconConfig, BeaconSlot } from './record.js';

/** The beacon's state at one advertising event, as the firmware reads it. */
export interface BeaconEventState {
  /** Milliseconds since the beacon booted. */
  uptimeMs: number;
  /** PDUs sent before this event (TLM ADV_CNT; three per event, one per channel). */
  advCount: number;
  batteryMv: number;
  /** Die temperature, °C (the nRF52 TEMP peripheral reads in 0.25 °C steps). */
  temperatureC: number;
  /** eTLM salt, 16 bits (random per frame on target). */
  salt: number;
  /** Input events since boot. */
  eventCount: number;
  /** Uptime of the last input event, ms; null when none since boot. */
  lastEventMs: number | null;
}

/** The firmware's Eddystone seconds counter at `uptimeMs`. */
export function beaconSecondsAt(config: BeaconConfig, uptimeMs: number): number {
  return (config.timeReference + Math.floor(uptimeMs / 1000)) >>> 0;
}

/** Advertising data (flags included) for `slot` of `config` at the event described by `s`. */
export function slotAdvertisement(config: BeaconConfig, slot: BeaconSlot, s: BeaconEventState): Uint8Array {
  const t = beaconSecondsAt(config, s.uptimeMs);
  const ik = config.identityKey === null ? null : hexToBytes(config.identityKey, 16);
  const needKey = (): Uint8Array => {
    if (!ik) throw new RangeError(`${slot.type} slot needs the record's identity key`);
    return ik;
  };
  const tlm = (): EddystoneTlm => ({
    type: 'eddystone-tlm',
    batteryMv: s.batteryMv,
    temperatureC: s.temperatureC,
    advCount: s.advCount,
    uptimeS: (Math.floor(s.uptimeMs / 100) >>> 0) / 10,
  });
  switch (slot.type) {
    case 'ibeacon':
    case 'eddystone-uid':
    case 'eddystone-url':
      return encodeFrame(slot, config.adFlags);
    case 'eddystone-tlm':
      return encodeFrame(tlm(), config.adFlags);
    case 'eddystone-etlm':
      return encodeFrame(sealTlm(tlm(), needKey(), config.eidExponent, t, s.salt), config.adFlags);
    case 'eddystone-eid':
      return encodeFrame({ type: 'eddystone-eid', eid: toHex(computeEid(needKey(), config.eidExponent, t).eid), txPower: slot.txPower }, config.adFlags);
    case 'event':
      return encodeTouchpointEvent(
        {
          companyId: config.event.companyId,
          eventCount: s.eventCount,
          lastEventAgeDs: s.lastEventMs === null ? null : Math.min(Math.floor((s.uptimeMs - s.lastEventMs) / 100), TOUCHPOINT_EVENT_AGE_MAX_DS),
          idKind: ik ? 'eid' : 'device',
          id: ik ? toHex(computeEid(ik, config.eidExponent, t).eid) : config.deviceId,
        },
        config.adFlags,
      );
  }
}
