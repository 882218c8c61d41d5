/**
 * The app's connection to the broker (MQTT.js, MQTT 3.1.1 — what aedes speaks), as the broker's
 * `phone` role expects it (gateway/broker acl.ts): client ID = the install ID, publish only user
 * communications of its site, subscribe only to its own content topic
 * `tp/v1/<site>/device/<sha256(deviceId)>/content`. Payloads go through protocol/messages
 * `encodeForPublish` (schema check, topic, QoS 1, no retain), so nothing unvalidated is published.
 *
 * The subscription is requested before anything is published: MQTT.js queues both while it
 * connects and sends them in order, so the content topic is subscribed before the backend can see
 * the first user communication and answer it.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { type UserCommunication, contentTopic, deviceTopicHash, encodeForPublish } from '../../protocol/messages/index.js';

export interface PhoneLinkOptions {
  url: string;
  siteId: string;
  deviceId: string;
  /** Credentials of the app's `phone` role (broker users file); absent for an anonymous demo broker. */
  username?: string;
  password?: string;
  /** A message on the content topic (decoded and checked by the app, phone-app.ts). */
  onContent: (topic: string, payload: Buffer) => void;
  onError?: (e: Error) => void;
}

export interface PhoneLink {
  readonly deviceId: string;
  readonly connected: boolean;
  /** Resolves on PUBACK; rejects when the message fails validation or the connection refuses it. */
  publish(m: UserCommunication): Promise<void>;
  /** Waits for in-flight publishes to be acknowledged, then disconnects. */
  close(): Promise<void>;
}

export function connectPhone(o: PhoneLinkOptions): PhoneLink {
  const options: IClientOptions = {
    clientId: o.deviceId,
    protocolVersion: 4,
    clean: true,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    ...(o.username !== undefined ? { username: o.username } : {}),
    ...(o.password !== undefined ? { password: o.password } : {}),
  };
  const client: MqttClient = mqtt.connect(o.url, options);
  const topic = contentTopic(o.siteId, deviceTopicHash(o.deviceId));
  client.on('error', (e) => o.onError?.(e));
  client.on('message', (t, payload) => {
    if (t === topic) o.onContent(t, payload);
  });
  client.subscribe(topic, { qos: 1 }, (e) => {
    if (e) o.onError?.(e);
  });
  let closing: Promise<void> | undefined;
  return {
    deviceId: o.deviceId,
    get connected() {
      return client.connected;
    },
    publish(m) {
      const enc = encodeForPublish(m);
      if (!enc.ok) return Promise.reject(new Error(`user communication refused by the schema (${enc.reason}): ${enc.errors.map((e) => `${e.path} ${e.message}`).join('; ')}`));
      const { topic: t, payload, qos, retain } = enc.value;
      return new Promise((resolve, reject) => client.publish(t, payload, { qos, retain }, (e) => (e ? reject(e) : resolve())));
    },
    close: () =>
      (closing ??= (async () => {
        // end(false) lets in-flight QoS 1 publishes finish; a broker that is gone must not hang us.
        await Promise.race([client.endAsync(false), new Promise<void>((r) => setTimeout(r, 3000).unref())]);
        if (!client.disconnected) await client.endAsync(true).catch(() => {});
      })()),
  };
}
