/**
 * What the gateway, as the beacon of its spot, puts on air: a list of frame slots rendered to
 * advertising data by protocol/ble's encoders at the moment each one goes out.
 *
 * Static frames (iBeacon, AltBeacon, Eddystone UID/URL) are encoded as configured. Live frames
 * are filled in at render time:
 *  - TLM: ADV_CNT and SEC_CNT from the advertiser's own counters (eddystone-tlm/tlm-plain.md:
 *    "advertising PDU count" and "time since power-on or reboot", 0.1 s resolution);
 *  - eTLM: the same TLM sealed with the EID identity key and a fresh random salt
 *    (tlm-encrypted.md; protocol/ble sealTlm);
 *  - EID: recomputed only when the 2^K-second quantum of the beacon clock changes
 *    (eddystone-eid/eid-computation.md; protocol/ble computeEid).
 */
import { randomInt } from 'node:crypto';
import { toHex } from '../../protocol/ble/bytes.js';
import { type BeaconFrameInput, encodeFrame } from '../../protocol/ble/frames.js';
import type { AltBeacon } from '../../protocol/ble/altbeacon.js';
import type { EddystoneTlm } from '../../protocol/ble/eddystone/frames.js';
import { sealTlm } from '../../protocol/ble/eddystone/etlm.js';
import { MAX_BEACON_SECONDS, checkExponent, checkIdentityKey, computeEid, eidQuantumStart } from '../../protocol/ble/crypto/eid.js';
import type { IBeaconInput } from '../../protocol/ble/ibeacon.js';

/** A number, or a function read at each render (e.g. the SoC temperature). null: "not supported". */
export type Reading = number | null | (() => number | null);

export type FrameSlot =
  | ({ type: 'ibeacon' } & IBeaconInput)
  | AltBeacon
  | { type: 'eddystone-uid'; namespace: string; instance: string; txPower: number }
  | { type: 'eddystone-url'; url: string; txPower: number }
  /** A mains-powered gateway has no battery: batteryMv defaults to null (0 on the wire). */
  | { type: 'eddystone-tlm'; batteryMv?: Reading; temperatureC?: Reading }
  | { type: 'eddystone-etlm'; batteryMv?: Reading; temperatureC?: Reading }
  | { type: 'eddystone-eid'; txPower: number };

export type FrameSlotType = FrameSlot['type'];

/** The beacon clock of EID and eTLM: the counter read `beaconSecondsAt` at wall time `wallMsAt`. */
export interface EidConfig {
  identityKey: Uint8Array;
  /** Rotation exponent K: a new EID every 2^K s. */
  exponent: number;
  beaconSecondsAt: number;
  wallMsAt: number;
}

export interface RenderContext {
  wallMs: number;
  /** Seconds since the advertiser (the beacon) started. */
  uptimeS: number;
  /** Advertising events since the advertiser started. */
  advCount: number;
}

export interface RenderedFrame {
  slot: FrameSlotType;
  frame: BeaconFrameInput;
  adv: Uint8Array;
}

export interface FrameRenderer {
  render(slot: FrameSlot, ctx: RenderContext): RenderedFrame;
  /** How many times an EID was computed (once per quantum, not per frame). */
  readonly eidComputations: number;
}

export interface FrameRendererOptions {
  eid?: EidConfig;
  /** eTLM salt source; default crypto.randomInt. */
  random16?: () => number;
}

function read(r: Reading | undefined): number | null {
  const v = typeof r === 'function' ? r() : r;
  return v === undefined || v === null || !Number.isFinite(v) ? null : v;
}

/** Beacon seconds at a wall time; RangeError outside the 32-bit counter. */
export function beaconSecondsAt(eid: EidConfig, wallMs: number): number {
  const t = eid.beaconSecondsAt + Math.floor((wallMs - eid.wallMsAt) / 1000);
  if (!Number.isSafeInteger(t) || t < 0 || t > MAX_BEACON_SECONDS) {
    throw new RangeError(`beacon clock out of range at wall time ${wallMs}: ${t}`);
  }
  return t;
}

export function validateSlots(slots: readonly FrameSlot[], eid: EidConfig | undefined): void {
  if (slots.length === 0) throw new RangeError('frames: at least one frame slot is needed');
  if (eid) {
    checkIdentityKey(eid.identityKey);
    checkExponent(eid.exponent);
  }
  for (const s of slots) {
    if ((s.type === 'eddystone-eid' || s.type === 'eddystone-etlm') && !eid) {
      throw new RangeError(`frame ${s.type} needs the eid configuration (identity key and beacon clock)`);
    }
  }
}

export function createFrameRenderer(options: FrameRendererOptions = {}): FrameRenderer {
  const { eid } = options;
  const random16 = options.random16 ?? (() => randomInt(0, 0x1_0000));
  let cached: { quantum: number; eid: string } | undefined;
  let eidComputations = 0;

  function tlm(slot: { batteryMv?: Reading; temperatureC?: Reading }, ctx: RenderContext): EddystoneTlm {
    return {
      type: 'eddystone-tlm',
      batteryMv: read(slot.batteryMv),
      temperatureC: read(slot.temperatureC),
      // ADV_CNT is a uint32 on the wire and wraps like a beacon's own counter would
      advCount: ctx.advCount % 2 ** 32,
      uptimeS: ctx.uptimeS,
    };
  }

  function frameFor(slot: FrameSlot, ctx: RenderContext): BeaconFrameInput {
    switch (slot.type) {
      case 'eddystone-tlm':
        return tlm(slot, ctx);
      case 'eddystone-etlm': {
        const e = eid!;
        return sealTlm(tlm(slot, ctx), e.identityKey, e.exponent, beaconSecondsAt(e, ctx.wallMs), random16());
      }
      case 'eddystone-eid': {
        const e = eid!;
        const t = beaconSecondsAt(e, ctx.wallMs);
        const quantum = eidQuantumStart(e.exponent, t);
        if (!cached || cached.quantum !== quantum) {
          cached = { quantum, eid: toHex(computeEid(e.identityKey, e.exponent, t).eid) };
          eidComputations++;
        }
        return { type: 'eddystone-eid', eid: cached.eid, txPower: slot.txPower };
      }
      default:
        return slot;
    }
  }

  return {
    render(slot, ctx) {
      const frame = frameFor(slot, ctx);
      return { slot: slot.type, frame, adv: encodeFrame(frame) };
    },
    get eidComputations() {
      return eidComputations;
    },
  };
}
