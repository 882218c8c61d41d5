/**
 * The gateway side of signed sensor communications: the function the outbox calls while it stamps
 * (gateway/publish/outbox.ts `sign` option), so every stored payload already carries its signature
 * and a resend after a crash sends the same bytes.
 */
import { signMessage, type SensorCommunication } from '../../protocol/messages/index.js';
import { formatSigningKey, type SigningKey } from './keys.js';

export type SensorSigner = (message: SensorCommunication) => string;

/** Throws RangeError at construction on a malformed key, never later on a message. */
export function createSensorSigner(k: SigningKey): SensorSigner {
  formatSigningKey(k);
  const key = Uint8Array.from(k.key);
  const keyId = k.keyId;
  return (message) => signMessage(message, keyId, key);
}
