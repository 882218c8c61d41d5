/**
 * Helper processes for the soak and fleet scripts, so the process being measured holds only the
 * gateway side: `broker` runs aedes on 127.0.0.1 (optionally counting sensor communications with a
 * SequenceTracker in the broker), `subscriber` is a backend MQTT client that reports every arrival
 * (gateway, seq, epoch time) in batches. Started with child_process.fork (IPC); see bench-ipc.ts.
 *
 *   node --import tsx bench-process.ts broker [--track]
 *   node --import tsx bench-process.ts subscriber <url> [--no-arrivals]
 */
import mqtt from 'mqtt';
import { topicFilter } from '../../../protocol/messages/index.js';
import { startBroker } from '../../broker/broker.js';
import { SequenceTracker } from '../../watch/sequence-tracker.js';
import type { BenchChildReply, BenchChildRequest, ArrivalBatch } from './bench-ipc.js';

const [role, ...rest] = process.argv.slice(2);
const send = (m: BenchChildReply) => process.send?.(m);
const now = () => performance.timeOrigin + performance.now();
const tracker = new SequenceTracker();
let cpuMark = process.cpuUsage();
let wallMark = performance.now();

// The sequence number is the last field the outbox writes ("…,"seq":N}"); the messageId carries gateway and boot.
const SEQ_RE = /"seq":(\d+)/;
const ID_RE = /"messageId":"([^"]+)"/;

function observe(topic: string, payload: Buffer, arrivals?: ArrivalBatch): void {
  const text = payload.toString('utf8');
  const seq = Number(SEQ_RE.exec(text)?.[1] ?? NaN);
  const messageId = ID_RE.exec(text)?.[1];
  const levels = topic.split('/');
  const siteId = levels[2];
  const gatewayId = levels[3];
  if (!Number.isSafeInteger(seq) || !messageId || !siteId || !gatewayId) return;
  tracker.observe({ siteId, gatewayId, seq, messageId });
  if (arrivals) {
    arrivals.g.push(gatewayId);
    arrivals.s.push(seq);
    arrivals.t.push(now());
  }
}

function stats(): BenchChildReply {
  const cpu = process.cpuUsage(cpuMark);
  const wall = performance.now() - wallMark;
  cpuMark = process.cpuUsage();
  wallMark = performance.now();
  const s = tracker.summary();
  return {
    type: 'stats',
    cpuShare: (cpu.user + cpu.system) / 1000 / wall,
    rssBytes: process.memoryUsage().rss,
    received: s.sensorCommunications,
    lost: s.lost,
    duplicates: s.duplicates,
  };
}

if (role === 'broker') {
  const track = rest.includes('--track');
  const broker = await startBroker({ anonymous: true, port: 0 });
  if (track) {
    broker.aedes.subscribe(
      topicFilter('sensor'),
      (packet, cb) => {
        observe(packet.topic, Buffer.from(packet.payload));
        cb();
      },
      () => {},
    );
  }
  process.on('message', async (m: BenchChildRequest) => {
    if (m.type === 'stats') send(stats());
    if (m.type === 'exit') {
      await broker.close();
      process.exit(0);
    }
  });
  send({ type: 'ready', url: broker.urls.mqtt });
} else if (role === 'subscriber') {
  const url = rest[0]!;
  const streamArrivals = !rest.includes('--no-arrivals');
  let batch: ArrivalBatch = { g: [], s: [], t: [] };
  const client = await mqtt.connectAsync(url, { clientId: `bench-backend-${process.pid}`, clean: true, reconnectPeriod: 100 }, false);
  client.on('message', (topic, payload) => observe(topic, payload, streamArrivals ? batch : undefined));
  await client.subscribeAsync(topicFilter('sensor'), { qos: 1 });
  const flush = () => {
    if (batch.s.length === 0) return;
    send({ type: 'arrivals', batch });
    batch = { g: [], s: [], t: [] };
  };
  const timer = setInterval(flush, 200);
  process.on('message', async (m: BenchChildRequest) => {
    if (m.type === 'stats') {
      flush();
      send(stats());
    }
    if (m.type === 'exit') {
      clearInterval(timer);
      flush();
      await client.endAsync(true);
      process.exit(0);
    }
  });
  send({ type: 'ready', url });
} else {
  process.stderr.write('usage: bench-process.ts broker [--track] | subscriber <url> [--no-arrivals]\n');
  process.exit(2);
}
