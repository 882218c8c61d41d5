/** Eddystone cryptography: AES-128 block, EAX, EID, encrypted TLM, ECDH registration, EID resolver. */
export { AES128_KEY_BYTES, AES_BLOCK_BYTES, aes128EncryptBlock, aes128Encryptor, type Aes128BlockEncryptor } from './aes.js';
export { EAX_MAX_TAG_BYTES, constantTimeEqual, eaxDecrypt, eaxEncrypt, type EaxSealed } from './eax.js';
export {
  EID_BYTES,
  IDENTITY_KEY_BYTES,
  MAX_BEACON_SECONDS,
  MAX_ROTATION_EXPONENT,
  TEMPORARY_KEY_PERIOD_SECONDS,
  computeEid,
  eidFromTemporaryKey,
  eidQuantumStart,
  temporaryKey,
  temporaryKeyEpoch,
  type ComputedEid,
} from './eid.js';
export {
  ETLM_CIPHERTEXT_BYTES,
  ETLM_MIC_BYTES,
  ETLM_NONCE_BYTES,
  ETLM_PLAINTEXT_BYTES,
  decryptTlm,
  encryptTlm,
  etlmNonce,
  type EncryptedTlm,
} from './etlm.js';
export { EidRegistrationError, X25519_KEY_BYTES, identityKeyFromEcdh, x25519PublicKey } from './eid-registration.js';
export {
  DEFAULT_MAX_BEACONS,
  DEFAULT_MAX_ENTRIES,
  DEFAULT_MAX_ENTRIES_PER_BEACON,
  DEFAULT_SKEW_SECONDS,
  EidResolver,
  eidEntriesPerBeacon,
  type EidRegistration,
  type EidResolution,
  type EidResolverOptions,
  type EidResolverStats,
} from './eid-resolver.js';
