/**
 * Scripted inputs for pipeline tests: stamps on an injected clock, advertisements built by the
 * real encoders (protocol/ble), radar readings and touch events. No sleeps anywhere — time is
 * whatever the script says.
 */
import {
  encodeAltBeaconManufacturerData,
  encodeEddystoneServiceData,
  encodeIBeaconManufacturerData,
  type EddystoneFrame,
  type IBeaconInput,
} from '../../protocol/ble/index.js';
import type { Clock, RadarReading, RadioAdvertisement, Stamp, TouchEvent } from '../core/types.js';

/** Wall time of mono 0 in the scripts: 2025-02-14T10:20:00Z. */
export const WALL0 = 1_739_528_400_000;

/** A stamp `ms` after the script start (wall and mono move together unless told otherwise). */
export function at(ms: number, wallShiftMs = 0): Stamp {
  return { wallMs: WALL0 + ms + wallShiftMs, monoMs: ms };
}

/** A clock the test moves by hand. */
export class ManualClock implements Clock {
  constructor(public monoMs = 0, public wallShiftMs = 0) {}
  now(): number {
    return WALL0 + this.monoMs + this.wallShiftMs;
  }
  mono(): number {
    return this.monoMs;
  }
  stamp(): Stamp {
    return at(this.monoMs, this.wallShiftMs);
  }
}

export const IBEACON: IBeaconInput = { uuid: 'f7826da6-4fa2-4e98-8024-bc5b71e0893e', major: 100, minor: 7, measuredPower: -59 };
export const IBEACON_ID = 'ibeacon:f7826da6-4fa2-4e98-8024-bc5b71e0893e:100:7';

export function ibeaconAd(ms: number, rssi: number, beacon: IBeaconInput = IBEACON, address = 'c0:ff:ee:00:00:01'): RadioAdvertisement {
  return {
    address,
    addressType: 'random',
    rssi,
    manufacturerData: [encodeIBeaconManufacturerData(beacon)],
    serviceData: [],
    at: at(ms),
  };
}

export function eddystoneAd(ms: number, rssi: number, frame: EddystoneFrame, address = 'c0:ff:ee:00:00:02', wallShiftMs = 0): RadioAdvertisement {
  return {
    address,
    addressType: 'random',
    rssi,
    manufacturerData: [],
    serviceData: [{ uuid: 'feaa', data: encodeEddystoneServiceData(frame) }],
    at: at(ms, wallShiftMs),
  };
}

export function altbeaconAd(ms: number, rssi: number, id3: number, address: string): RadioAdvertisement {
  return {
    address,
    addressType: 'random',
    rssi,
    manufacturerData: [
      encodeAltBeaconManufacturerData({ manufacturerId: 0x0118, id1: '2f234454-cf6d-4a0f-adf2-f4911ba9ffa6', id2: 1, id3, referenceRssi: -59, reserved: 0 }),
    ],
    serviceData: [],
    at: at(ms),
  };
}

export interface RadarScript {
  distanceCm: number | null;
  moving?: boolean;
  stationary?: boolean;
  energy?: number;
}

export function radar(ms: number, r: RadarScript): RadarReading {
  const moving = r.moving ?? false;
  const stationary = r.stationary ?? (!moving && r.distanceCm !== null);
  const energy = r.energy ?? 50;
  return {
    sensor: 'radar',
    model: 'ld2410',
    at: at(ms),
    moving,
    stationary,
    distanceCm: r.distanceCm,
    movingDistanceCm: moving ? r.distanceCm : null,
    staticDistanceCm: stationary ? r.distanceCm : null,
    movingEnergy: moving ? energy : 0,
    staticEnergy: stationary ? energy : 0,
  };
}

export function touch(ms: number, channel: number, touched: boolean, sensor = 'touch'): TouchEvent {
  return { sensor, at: at(ms), channel, touched };
}
