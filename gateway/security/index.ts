/** gateway/security: signing keys, the outbox's signer, and the backend's verifier for sensor communications. */
export * from './keys.js';
export * from './signer.js';
export * from './verify.js';
export * from './keyring-file.js';
