/**
 * `--radio ble`: the store's beacons on real air through bleno, with gateway/ble's advertiser (the
 * same rotation, start/stop handling and EID rendering a gateway uses for its own spot). One
 * adapter advertises one frame at a time, so several beacons share it in rotation, each on air for
 * `cadenceMs`; the per-beacon intervals of the layout cannot be kept on one radio. One advertiser
 * holds one EID key, so at most one EID beacon can be chosen. RSSI is whatever the real air gives;
 * the simulated phones keep hearing the model (radio-model.ts).
 */
import { hexToBytes } from '../../protocol/bytes.js';
import { type Advertiser, createAdvertiser } from '../../gateway/ble/advertiser.js';
import type { EidConfig, FrameSlot } from '../../gateway/ble/beacon-frames.js';
import type { BlenoLike } from '../../gateway/ble/libs.js';
import type { Clock } from '../../gateway/core/types.js';
import type { StoreLayout } from './layout-schema.js';
import { frameSlot } from './engine.js';

export interface BleBeaconsOptions {
  clock: Clock;
  /** Display IDs to put on air (default: every display). */
  displays?: readonly string[];
  /** Time each beacon's frame stays on air before the next, ms. Default 300. */
  cadenceMs?: number;
  /** An already loaded bleno (tests); default: gateway/ble's lazy loader. */
  bleno?: BlenoLike;
}

export function createBleBeacons(layout: StoreLayout, o: BleBeaconsOptions): Advertiser {
  const ids = o.displays ?? layout.displays.map((d) => d.id);
  const chosen = ids.map((id) => {
    const d = layout.displays.find((x) => x.id === id);
    if (!d) throw new RangeError(`no display ${id} in the layout (known: ${layout.displays.map((x) => x.id).join(', ')})`);
    return d;
  });
  const eids = chosen.filter((d) => d.beacon.type === 'eddystone-eid');
  if (eids.length > 1) throw new RangeError(`one adapter holds one EID key; choose at most one of ${eids.map((d) => d.id).join(', ')}`);
  const e = eids[0]?.beacon;
  const eid: EidConfig | undefined =
    e && e.type === 'eddystone-eid' ? { identityKey: hexToBytes(e.identityKey, 16), exponent: e.exponent, beaconSecondsAt: e.beaconSecondsAt, wallMsAt: layout.clock.beaconEpochMs } : undefined;
  const frames: FrameSlot[] = chosen.map((d) => frameSlot(d.beacon));
  return createAdvertiser({ frames, cadenceMs: o.cadenceMs ?? 300, clock: o.clock, ...(eid ? { eid } : {}), ...(o.bleno ? { bleno: o.bleno } : {}) });
}
