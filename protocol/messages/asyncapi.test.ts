/**
 * The only test file that loads @asyncapi/parser (it pulls in the Stoplight/Spectral stack, which
 * takes seconds to import and run).
 */
import { readFileSync } from 'node:fs';
import { DiagnosticSeverity, Parser } from '@asyncapi/parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { ASYNCAPI_PATH, GEN_COMMAND, renderAsyncApiYaml } from '../../scripts/gen-asyncapi.js';
import { buildAsyncApiDocument, CHANNEL_IDS, messageComponentName } from './asyncapi.js';
import { MESSAGE_EXAMPLES } from './examples.js';
import { MESSAGE_SCHEMAS, type MessageKind } from './schemas/index.js';
import { TOPIC_DELIVERY, TOPIC_KINDS, TOPIC_PAYLOAD_KIND, topicTemplate, type TopicKind } from './topics.js';
import { validateMessage } from './validate.js';

type ParseOutput = Awaited<ReturnType<Parser['parse']>>;

/** The parser annotates schemas with x-parser-* keys; drop them to compare with our schemas. */
function withoutParserKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutParserKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => !k.startsWith('x-parser-'))
      .map(([k, v]) => [k, withoutParserKeys(v)]),
  );
}

const errorsOf = (out: ParseOutput) => out.diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error);

let committed: string;
let parsed: ParseOutput;

beforeAll(async () => {
  committed = readFileSync(ASYNCAPI_PATH, 'utf8');
  parsed = await new Parser().parse(committed);
}, 60_000);

describe('protocol/asyncapi.yaml', () => {
  it('is exactly what the generator produces from the TypeBox schemas', () => {
    expect(committed === renderAsyncApiYaml(), `protocol/asyncapi.yaml is stale or hand-edited; run: ${GEN_COMMAND}`).toBe(true);
  });

  it('parses with @asyncapi/parser without error diagnostics', () => {
    expect(errorsOf(parsed).map((d) => `${d.path.join('.')}: ${d.message}`)).toEqual([]);
    expect(parsed.document).toBeDefined();
    expect(parsed.document?.version()).toBe('3.0.0');
  });

  it('the parser check is not vacuous: a broken document does produce errors', async () => {
    const broken = buildAsyncApiDocument() as any;
    broken.operations.gatewaySendSensor.bindings.mqtt.qos = 3;
    broken.operations.phoneSendUser.channel = { $ref: '#/channels/nope' };
    const out = await new Parser().parse(broken);
    expect(errorsOf(out).length).toBeGreaterThan(0);
  }, 60_000);

  it('has one channel per topic kind whose address is the topic template and whose payload is the TypeBox schema', () => {
    const doc = parsed.document!;
    expect(doc.channels().all().map((c) => c.id()).sort()).toEqual(Object.values(CHANNEL_IDS).sort());
    for (const topic of TOPIC_KINDS) {
      const channel = doc.channels().get(CHANNEL_IDS[topic])!;
      expect(channel.address()).toBe(topicTemplate(topic));
      expect(channel.parameters().all().map((p) => p.id()).sort()).toEqual(
        [...topicTemplate(topic).matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort(),
      );
      const kind = TOPIC_PAYLOAD_KIND[topic];
      const messages = channel.messages().all();
      expect(messages.map((m) => m.id())).toEqual([messageComponentName(kind)]);
      const payload = messages[0]!.payload()!.json();
      expect(withoutParserKeys(payload)).toEqual(JSON.parse(JSON.stringify(MESSAGE_SCHEMAS[kind])));
    }
  });

  it('every message example in the document is valid by our validators and equals the example file', () => {
    const doc = parsed.document!;
    for (const kind of Object.keys(MESSAGE_SCHEMAS) as MessageKind[]) {
      const message = doc.components().messages().get(messageComponentName(kind))!;
      const examples = message.examples().all().map((e) => withoutParserKeys(e.payload()));
      expect(examples).toEqual([MESSAGE_EXAMPLES[kind]]);
      expect(validateMessage(examples[0]).ok).toBe(true);
    }
  });

  it('operations: gateways send sensor/status/telemetry/config-state and receive config/set; phones send user and receive content; MQTT bindings carry our QoS/retain', () => {
    const doc = parsed.document!;
    const seen: string[] = [];
    for (const op of doc.operations().all()) {
      const channelId = op.channels().all()[0]!.id();
      const topic = (Object.keys(CHANNEL_IDS) as TopicKind[]).find((k) => CHANNEL_IDS[k] === channelId)!;
      const role = op.tags().all()[0]!.name();
      seen.push(`${role} ${op.action()} ${topic}`);
      const mqtt = op.bindings().get('mqtt')!.value() as { qos: number; retain?: boolean };
      expect(mqtt.qos).toBe(TOPIC_DELIVERY[topic].qos);
      if (op.action() === 'send') expect(mqtt.retain).toBe(TOPIC_DELIVERY[topic].retain);
    }
    expect(seen.filter((s) => !s.startsWith('backend')).sort()).toEqual(
      [
        'gateway send sensor',
        'gateway send status',
        'gateway send telemetry',
        'gateway receive config-set',
        'gateway receive site-config-set',
        'gateway send config-state',
        'phone send user',
        'phone receive content',
      ].sort(),
    );
    // the backend is on the other end of every channel
    for (const topic of TOPIC_KINDS) {
      const device = seen.find((s) => s.endsWith(` ${topic}`) && !s.startsWith('backend'))!;
      const opposite = device.includes(' send ') ? 'receive' : 'send';
      expect(seen).toContain(`backend ${opposite} ${topic}`);
    }
  });
});
