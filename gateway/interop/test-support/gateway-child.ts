/**
 * A gateway (outbox + publisher) as its own process, for tests that kill it with SIGKILL. Like
 * gateway/publish/test-support/gateway-child.ts, plus broker credentials and a steady rate, so it
 * runs against either broker under test. One JSON argument:
 *
 *   node --import tsx gateway-child.ts '{"db":…,"url":…,"site":…,"gateway":…,"count":N,"ratePerS":R,"username":…,"password":…}'
 *
 * stdout, one JSON line each: {"boot","nextSeq","queued"} once the outbox is open, {"accepted":seq}
 * after each COMMIT, {"drained":true} when everything is acknowledged (then it exits 0).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { openOutbox } from '../../publish/outbox.js';
import { createPublisher } from '../../publish/publisher.js';
import { sampleEvent } from '../../publish/test-support/fixtures.js';

export interface GatewayChildArgs {
  db: string;
  url: string;
  site: string;
  gateway: string;
  /** Events to append before waiting for the drain. */
  count: number;
  /** Appends per second; 0 = as fast as the loop allows. */
  ratePerS: number;
  username?: string;
  password?: string;
}

const args = JSON.parse(process.argv[2] ?? '{}') as GatewayChildArgs;
const say = (o: unknown) => process.stdout.write(JSON.stringify(o) + '\n');

const outbox = openOutbox({ path: args.db, gatewayId: args.gateway, siteId: args.site, onPressure: (e) => say({ pressure: e }) });
say({ boot: outbox.bootId, nextSeq: outbox.nextSeq(), queued: outbox.sensorQueueDepth() });
const publisher = createPublisher({
  url: args.url,
  outbox,
  reconnectPeriodMs: 50,
  telemetryIntervalMs: 0,
  log: () => {},
  ...(args.username !== undefined ? { username: args.username, password: args.password ?? '' } : {}),
});
publisher.start();

const t0 = performance.now();
for (let i = 0; i < args.count; i++) {
  const r = outbox.append(sampleEvent(args.site, args.gateway, i));
  if (!r.ok) {
    say({ refused: r.reason, errors: r.errors });
    process.exit(1);
  }
  say({ accepted: r.seq });
  if (args.ratePerS > 0) {
    // Keep the average rate whatever the timer granularity: sleep until event i+1 is due.
    const due = t0 + ((i + 1) * 1000) / args.ratePerS;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
  } else if (i % 16 === 0) await sleep(0);
}
await publisher.whenDrained();
say({ drained: true });
await publisher.stop();
outbox.close();
