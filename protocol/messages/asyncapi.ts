/**
 * Builds the AsyncAPI 3.0.0 document for the MQTT contract from the same TypeBox schemas the
 * validators use, so the published document cannot drift from the code. Pure: returns a plain
 * JSON-compatible object; scripts/gen-asyncapi.ts writes it to protocol/asyncapi.yaml.
 */
import { MESSAGE_EXAMPLES } from './examples.js';
import { SCHEMA_VERSION } from './primitives.js';
import { MESSAGE_SCHEMAS, type MessageKind } from './schemas/index.js';
import { TOPIC_DELIVERY, TOPIC_KINDS, TOPIC_PAYLOAD_KIND, topicTemplate, type TopicKind } from './topics.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Drops TypeBox's symbol keys and shared references, which YAML would otherwise turn into anchors. */
const plain = (value: unknown): Json => JSON.parse(JSON.stringify(value)) as Json;

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

/** Component names: schemas by title (SensorCommunication), messages by camelCase title. */
export function schemaComponentName(kind: MessageKind): string {
  return String(MESSAGE_SCHEMAS[kind].title);
}
export function messageComponentName(kind: MessageKind): string {
  return lowerFirst(schemaComponentName(kind));
}

/** AsyncAPI channel IDs, one per topic kind. */
export const CHANNEL_IDS: { readonly [K in TopicKind]: string } = {
  sensor: 'sensor',
  status: 'status',
  telemetry: 'telemetry',
  'config-set': 'configSet',
  'config-state': 'configState',
  'site-config-set': 'siteConfigSet',
  user: 'user',
  content: 'content',
};

const CHANNEL_TEXT: { readonly [K in TopicKind]: { title: string; description: string } } = {
  sensor: {
    title: 'Sensor communications',
    description:
      'A shelf gateway publishes one sensor communication per detected interaction ([0207]). The backend matches them with user communications by sensorId within a time window ([0231]) and de-duplicates by messageId.',
  },
  status: {
    title: 'Gateway status',
    description:
      'Retained online/offline flag. The gateway publishes online after connecting and registers the offline payload (state offline, timestamp = connect time) as its MQTT Last Will on this topic, QoS 1, retained.',
  },
  telemetry: { title: 'Gateway telemetry', description: 'Periodic health counters of one gateway. QoS 0: the next report supersedes a lost one.' },
  'config-set': {
    title: 'Desired gateway config',
    description: 'Retained, so a gateway receives its desired configuration on every connect. Gateways ignore a revision lower than the one they run.',
  },
  'config-state': { title: 'Applied gateway config', description: 'Retained report of the configuration revision a gateway runs and whether the last config/set was applied.' },
  'site-config-set': {
    title: 'Desired site-wide config',
    description:
      'Retained config/set without gatewayId for every gateway of a site. A gateway merges it under its own config/set, and its local config file wins over both. Its revision is tracked separately from the gateway’s own.',
  },
  user: {
    title: 'User communications',
    description:
      'The phone app publishes a user communication when it detects a triggering event for a beacon (claims 1, 4, 8, 11; [0208]–[0217]).',
  },
  content: {
    title: 'Content items for one phone',
    description:
      'The backend publishes first-party advertising communications for one phone ([0245]–[0248]). deviceHash = sha256(UTF-8 deviceId) as lowercase hex, so the install ID never appears in topic names. Phones subscribe with a persistent session to receive items sent while briefly offline; expired items (timing.expiresAt) are dropped by the app.',
  },
};

const PARAMETERS = {
  site: { description: 'Site (store) ID, [A-Za-z0-9._-]{1,64}.' },
  gateway: { description: 'Gateway ID, [A-Za-z0-9._-]{1,64}; "device", "user" and "config" are reserved.' },
  deviceHash: { description: 'sha256 of the UTF-8 deviceId, 64 lowercase hex digits.' },
} as const;

type Role = 'gateway' | 'phone' | 'backend';

/** Who sends and who receives on each topic. */
const OPERATIONS: readonly { role: Role; action: 'send' | 'receive'; topic: TopicKind }[] = [
  { role: 'gateway', action: 'send', topic: 'sensor' },
  { role: 'gateway', action: 'send', topic: 'status' },
  { role: 'gateway', action: 'send', topic: 'telemetry' },
  { role: 'gateway', action: 'receive', topic: 'config-set' },
  { role: 'gateway', action: 'receive', topic: 'site-config-set' },
  { role: 'gateway', action: 'send', topic: 'config-state' },
  { role: 'phone', action: 'send', topic: 'user' },
  { role: 'phone', action: 'receive', topic: 'content' },
  { role: 'backend', action: 'receive', topic: 'sensor' },
  { role: 'backend', action: 'receive', topic: 'status' },
  { role: 'backend', action: 'receive', topic: 'telemetry' },
  { role: 'backend', action: 'send', topic: 'config-set' },
  { role: 'backend', action: 'send', topic: 'site-config-set' },
  { role: 'backend', action: 'receive', topic: 'config-state' },
  { role: 'backend', action: 'receive', topic: 'user' },
  { role: 'backend', action: 'send', topic: 'content' },
];

const ROLE_TEXT: Record<Role, string> = {
  gateway: 'Raspberry Pi shelf gateway',
  phone: 'Shopper phone app',
  backend: 'Touchpoint backend (first party computing system); use $share/<group>/<filter> subscriptions to spread load across instances',
};

/** Operation ID, e.g. gatewaySendSensor, backendReceiveConfigState. */
export function operationId(role: Role, action: 'send' | 'receive', topic: TopicKind): string {
  const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
  return `${role}${cap(action)}${cap(CHANNEL_IDS[topic])}`;
}

function paramsOf(kind: TopicKind): string[] {
  return [...topicTemplate(kind).matchAll(/\{([A-Za-z]+)\}/g)].map((m) => m[1] ?? '');
}

export function buildAsyncApiDocument(): Record<string, Json> {
  const channels: Record<string, Json> = {};
  for (const topic of TOPIC_KINDS) {
    const msg = messageComponentName(TOPIC_PAYLOAD_KIND[topic]);
    channels[CHANNEL_IDS[topic]] = {
      address: topicTemplate(topic),
      title: CHANNEL_TEXT[topic].title,
      description: CHANNEL_TEXT[topic].description,
      messages: { [msg]: { $ref: `#/components/messages/${msg}` } },
      parameters: Object.fromEntries(paramsOf(topic).map((p) => [p, { $ref: `#/components/parameters/${p}` }])),
    };
  }

  const operations: Record<string, Json> = {};
  for (const { role, action, topic } of OPERATIONS) {
    const channel = CHANNEL_IDS[topic];
    const msg = messageComponentName(TOPIC_PAYLOAD_KIND[topic]);
    const { qos, retain } = TOPIC_DELIVERY[topic];
    operations[operationId(role, action, topic)] = {
      action,
      channel: { $ref: `#/channels/${channel}` },
      summary: `${ROLE_TEXT[role].split(';')[0]} ${action === 'send' ? 'publishes' : 'subscribes to'} ${CHANNEL_TEXT[topic].title.toLowerCase()}.`,
      tags: [{ $ref: `#/components/tags/${role}` }],
      messages: [{ $ref: `#/channels/${channel}/messages/${msg}` }],
      bindings: { mqtt: action === 'send' ? { qos, retain, bindingVersion: '0.2.0' } : { qos, bindingVersion: '0.2.0' } },
    };
  }

  const schemas: Record<string, Json> = {};
  const messages: Record<string, Json> = {};
  for (const kind of Object.keys(MESSAGE_SCHEMAS) as MessageKind[]) {
    const schema = MESSAGE_SCHEMAS[kind];
    schemas[schemaComponentName(kind)] = plain(schema);
    messages[messageComponentName(kind)] = {
      name: kind,
      title: String(schema.title),
      summary: String(schema.description),
      contentType: 'application/json',
      payload: { $ref: `#/components/schemas/${schemaComponentName(kind)}` },
      examples: [{ name: `${kind}-example`, summary: `protocol/messages/examples/${kind}.json`, payload: plain(MESSAGE_EXAMPLES[kind]) }],
    };
  }

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Touchpoint MQTT contract',
      version: `${SCHEMA_VERSION}.0.0`,
      description: [
        'Messages between in-store shelf gateways, shoppers’ phone apps and the Touchpoint backend.',
        '',
        'Gateways publish sensor communications (beacon ID, timestamp, interaction data); phones publish user communications (beacon ID, device timestamp, trigger data, hashed identifiers); the backend matches both by beacon ID within a time window and may push a content item to the phone (WO2023154062A1 [0207]–[0248], claims 1–20).',
        '',
        'Every payload is UTF-8 JSON with `v` (schema version) and `kind` (discriminator). Payload schemas are JSON Schema (draft-07 compatible) generated from protocol/messages; this document is generated by scripts/gen-asyncapi.ts — do not edit it by hand.',
      ].join('\n'),
      license: { name: 'Apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' },
    },
    defaultContentType: 'application/json',
    channels,
    operations,
    components: {
      schemas,
      messages,
      parameters: plain(PARAMETERS),
      tags: Object.fromEntries((Object.keys(ROLE_TEXT) as Role[]).map((r) => [r, { name: r, description: ROLE_TEXT[r] }])),
    },
  };
}
