/**
 * A provisioned config as the file the debugger flashes: the record at the start of the reserved
 * last flash page (CONFIG_ADDRESS), as Intel HEX.
 */
import { decodeIntelHex, encodeIntelHex } from './intel-hex.js';
import { type BeaconChip, type BeaconConfig, type BeaconConfigInput, CONFIG_ADDRESS, CONFIG_MAX_BYTES, decodeBeaconConfig, encodeBeaconConfig } from './record.js';

export function beaconConfigToIntelHex(config: BeaconConfigInput, chip: BeaconChip = 'nrf52832'): string {
  return encodeIntelHex([{ address: CONFIG_ADDRESS[chip], data: encodeBeaconConfig(config) }]);
}

export type BeaconConfigHexResult =
  | { ok: true; config: BeaconConfig; address: number; chip: BeaconChip | null; unknownFields: number }
  | { ok: false; reason: string; offset: number };

/** Reads the record back from Intel HEX; the file must hold exactly one segment, inside one page. */
export function beaconConfigFromIntelHex(text: string): BeaconConfigHexResult {
  const h = decodeIntelHex(text);
  if (!h.ok) return { ok: false, reason: `Intel HEX line ${h.line}: ${h.reason}`, offset: h.offset };
  if (h.segments.length !== 1) return { ok: false, reason: `expected one data segment, found ${h.segments.length}`, offset: 0 };
  const seg = h.segments[0]!;
  if (seg.data.length > CONFIG_MAX_BYTES || (seg.address % CONFIG_MAX_BYTES) + seg.data.length > CONFIG_MAX_BYTES) {
    return { ok: false, reason: 'config data does not fit one 4 kB flash page', offset: 0 };
  }
  const r = decodeBeaconConfig(seg.data);
  if (!r.ok) return r;
  const chip = (Object.keys(CONFIG_ADDRESS) as BeaconChip[]).find((k) => CONFIG_ADDRESS[k] === seg.address) ?? null;
  return { ok: true, config: r.config, address: seg.address, chip, unknownFields: r.unknownFields };
}
