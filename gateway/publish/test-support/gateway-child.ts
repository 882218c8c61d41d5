/**
 * The gateway side of the crash test, as its own process (publisher-crash.test.ts kills it with
 * SIGKILL). Appends `count` events to the outbox while publishing, printing one JSON line per
 * committed append, then waits until the outbox is empty and exits.
 *
 *   node --import tsx gateway/publish/test-support/gateway-child.ts <db> <url> <site> <gateway> <count> <paceMs>
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { openOutbox } from '../outbox.js';
import { createPublisher } from '../publisher.js';
import { sampleEvent } from './fixtures.js';

const [db, url, site, gateway, countArg, paceArg] = process.argv.slice(2);
if (!db || !url || !site || !gateway) {
  process.stderr.write('usage: gateway-child.ts <db> <url> <site> <gateway> <count> <paceMs>\n');
  process.exit(2);
}
const count = Number(countArg ?? 10);
const paceMs = Number(paceArg ?? 0);
const say = (o: unknown) => process.stdout.write(JSON.stringify(o) + '\n');

const outbox = openOutbox({ path: db, gatewayId: gateway, siteId: site, onPressure: (e) => say({ pressure: e }) });
say({ boot: outbox.bootId, nextSeq: outbox.nextSeq(), queued: outbox.sensorQueueDepth() });
const publisher = createPublisher({ url, outbox, reconnectPeriodMs: 50, telemetryIntervalMs: 0, log: () => {} });
publisher.start();

for (let i = 0; i < count; i++) {
  const r = outbox.append(sampleEvent(site, gateway, i));
  if (!r.ok) {
    say({ refused: r.reason, errors: r.errors });
    process.exit(1);
  }
  say({ accepted: r.seq, messageId: r.messageId });
  if (paceMs > 0) await sleep(paceMs);
  else if (i % 16 === 0) await sleep(0);
}
await publisher.whenDrained();
say({ drained: true, stats: publisher.stats() });
await publisher.stop();
outbox.close();
