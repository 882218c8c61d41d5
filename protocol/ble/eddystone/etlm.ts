/**
 * Encrypted TLM as frames: seal a plain TLM into an eTLM frame and open one back
 * (google/eddystone eddystone-tlm/tlm-encrypted.md). The cryptography is in ../crypto/etlm.ts;
 * this module only moves between the frame objects and the 12 plaintext bytes.
 */
import { hexToBytes, toHex } from '../bytes.js';
import { decryptTlm, encryptTlm } from '../crypto/etlm.js';
import { type EddystoneEtlm, type EddystoneTlm, decodeEddystone, encodeEddystoneServiceData } from './frames.js';

/** The 12 bytes that get encrypted: the plain TLM service data without its `20 00` header. */
export function tlmPlaintext(tlm: EddystoneTlm): Uint8Array {
  return encodeEddystoneServiceData(tlm).slice(2);
}

export function sealTlm(tlm: EddystoneTlm, identityKey: Uint8Array, exponent: number, beaconSeconds: number, salt: number): EddystoneEtlm {
  const e = encryptTlm(identityKey, exponent, beaconSeconds, salt, tlmPlaintext(tlm));
  return { type: 'eddystone-etlm', etlm: toHex(e.etlm), salt: e.salt, mic: toHex(e.mic) };
}

/** null when the MIC does not verify: wrong key, wrong time quantum or tampered bytes. */
export function openEtlm(frame: EddystoneEtlm, identityKey: Uint8Array, exponent: number, beaconSeconds: number): EddystoneTlm | null {
  const plain = decryptTlm(identityKey, exponent, beaconSeconds, hexToBytes(frame.etlm, 12), frame.salt, hexToBytes(frame.mic, 2));
  if (!plain) return null;
  const sd = new Uint8Array(14);
  sd[0] = 0x20;
  sd.set(plain, 2);
  const r = decodeEddystone(sd);
  return r.ok && r.frame.type === 'eddystone-tlm' ? r.frame : null;
}
