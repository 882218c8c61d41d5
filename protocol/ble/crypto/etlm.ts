/**
 * Encrypted TLM (google/eddystone `eddystone-tlm/tlm-encrypted.md`, notes §2.5).
 *
 *   nonce (6 B) = BE32(t with its K low bits cleared) ‖ BE16(salt)
 *   ETLM ‖ MIC  = EAX-AES128(key = EID identity key, nonce, plaintext = TLM bytes 2..13,
 *                            header = empty, tag = 2 bytes)
 *   frame       = 20 01 ‖ ETLM[12] ‖ SALT[2] ‖ MIC[2]
 *
 * Agreeing implementations (notes §2.5): Nordic nrf5-sdk-for-eddystone
 * `eddystone_security_tlm_to_etlm()` (`cf_eax_encrypt`, ntag = 2, nheader = 0) and
 * sandeepmistry/node-eddystone-beacon-scanner `decryptTlm`.
 *
 * The time base is the same clock and the same quantum as the beacon's EID, so a gateway that
 * has resolved the beacon's EID (EidResolver gives the quantum start) can decrypt its eTLM.
 * Frame layout (the 18- vs Nordic's 19-byte variant) belongs to the frame codec, not here.
 */
import { eaxDecrypt, eaxEncrypt } from './eax.js';
import { checkBeaconSeconds, checkExponent, checkIdentityKey, eidQuantumStart } from './eid.js';

export const ETLM_PLAINTEXT_BYTES = 12;
export const ETLM_CIPHERTEXT_BYTES = 12;
export const ETLM_MIC_BYTES = 2;
export const ETLM_NONCE_BYTES = 6;

export interface EncryptedTlm {
  etlm: Uint8Array;
  salt: number;
  mic: Uint8Array;
}

function isU16(v: number): boolean {
  return Number.isInteger(v) && v >= 0 && v <= 0xffff;
}

/** The 6-byte eTLM nonce; exported so the test can pin it against the notes' vectors. */
export function etlmNonce(exponent: number, beaconSeconds: number, salt: number): Uint8Array {
  const nonce = new Uint8Array(ETLM_NONCE_BYTES);
  const view = new DataView(nonce.buffer);
  view.setUint32(0, eidQuantumStart(exponent, beaconSeconds), false);
  view.setUint16(4, salt, false);
  return nonce;
}

/**
 * Encrypts the 12 plaintext TLM bytes (VBATT ‖ TEMP ‖ ADV_CNT ‖ SEC_CNT). `salt` must be a
 * fresh random u16 per frame — the caller supplies it because protocol/ is pure (no RNG).
 * All inputs are the beacon side's own values, so bad ones throw RangeError.
 */
export function encryptTlm(
  identityKey: Uint8Array,
  exponent: number,
  beaconSeconds: number,
  salt: number,
  plainTlm12: Uint8Array,
): EncryptedTlm {
  checkIdentityKey(identityKey);
  checkExponent(exponent);
  checkBeaconSeconds(beaconSeconds);
  if (!isU16(salt)) throw new RangeError(`eTLM salt must be an integer 0..65535, got ${salt}`);
  if (!(plainTlm12 instanceof Uint8Array) || plainTlm12.length !== ETLM_PLAINTEXT_BYTES) {
    throw new RangeError(`eTLM plaintext must be ${ETLM_PLAINTEXT_BYTES} bytes`);
  }
  const nonce = etlmNonce(exponent, beaconSeconds, salt);
  const { ciphertext, tag } = eaxEncrypt(identityKey, nonce, plainTlm12, undefined, ETLM_MIC_BYTES);
  return { etlm: ciphertext, salt, mic: tag };
}

/**
 * Decrypts an eTLM. Key, exponent and time are the resolver's configuration (RangeError when
 * wrong); etlm, salt and mic come off the radio, so a wrong length or value gives null, as does
 * a MIC that does not verify (wrong key, wrong time quantum, tampered bytes). With a 2-byte MIC a
 * forgery still passes with probability 2^-16 — that is the protocol's choice.
 */
export function decryptTlm(
  identityKey: Uint8Array,
  exponent: number,
  beaconSeconds: number,
  etlm: Uint8Array,
  salt: number,
  mic: Uint8Array,
): Uint8Array | null {
  checkIdentityKey(identityKey);
  checkExponent(exponent);
  checkBeaconSeconds(beaconSeconds);
  if (!(etlm instanceof Uint8Array) || etlm.length !== ETLM_CIPHERTEXT_BYTES) return null;
  if (!(mic instanceof Uint8Array) || mic.length !== ETLM_MIC_BYTES) return null;
  if (!isU16(salt)) return null;
  return eaxDecrypt(identityKey, etlmNonce(exponent, beaconSeconds, salt), etlm, mic);
}
