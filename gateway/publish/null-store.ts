/**
 * An MQTT.js outgoing store that keeps nothing.
 *
 * MQTT.js replays every packet in its outgoingStore on EVERY (re)connect, whatever the `clean`
 * flag (client.js `_onConnect` → `startStreamProcess`). With the default in-memory store a QoS 1
 * publish that the broker refuses — aedes answers an authorizePublish error on MQTT 3.1.1 by
 * closing the connection, there is no negative PUBACK before MQTT 5 — is resent on every reconnect
 * forever, and a publish from a previous process is never replayed at all. The outbox is the
 * only store: it replays in seq order after a reconnect or restart and gives up on a refused
 * message after a bounded number of attempts (publisher.ts). So this store accepts `put` and
 * forgets it, and `del` succeeds, because MQTT.js passes a `del` error to the publish callback as
 * if the PUBACK had failed (handlers/ack.js → `_removeOutgoingAndStoreMessage`).
 */
import { Store, type Packet } from 'mqtt';

type DoneCallback = (error?: Error) => void;
type PacketCallback = (error?: Error, packet?: Packet) => void;

export class NullStore extends Store {
  override put(_packet: Packet, cb: DoneCallback): this {
    cb?.();
    return this;
  }

  override del(_packet: Pick<Packet, 'messageId'>, cb: PacketCallback): this {
    cb?.(undefined, undefined);
    return this;
  }
}
