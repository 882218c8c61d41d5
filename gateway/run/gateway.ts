/**
 * The gateway process, wired: adapters at the edges (radio, serial sensors, MQTT), the pipeline in
 * the middle, the durable outbox between them. This file only connects parts; each part is tested
 * on its own. Everything it starts, stop() stops, in reverse order, after the outbox is flushed.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { hexToBytes } from '../../protocol/bytes.js';
import { createSimBroadcaster } from '../../beacon-sim/radio/index.js';
import { createAdvertiser, createFrameRenderer, createNobleScanner, createSimScanner, type EidConfig, type FrameSlot } from '../ble/index.js';
import { startBroker, type RunningBroker } from '../broker/index.js';
import type { GatewayConfig } from '../config/index.js';
import { systemClockQuality } from '../core/clock-quality.js';
import { type Clock, type RadioAdvertisement, type SensorHealth, type Source, systemClock } from '../core/types.js';
import { connectSources, createPipeline, recommendedTickMs, type Pipeline } from '../pipeline/index.js';
import { openOutbox, type Outbox } from '../publish/outbox.js';
import { createPublisher, sensorHealthToTelemetry, type LogRecord, type Publisher } from '../publish/publisher.js';
import { createRadarAdapter, createTouchAdapter } from '../sensors/index.js';
import type { RegistryIndex, SiteRegistry } from '../../protocol/registry/index.js';
import type { SensorCommunication } from '../../protocol/messages/index.js';

export interface LoadedGateway {
  config: GatewayConfig;
  registry: SiteRegistry;
  index: RegistryIndex;
}

export interface GatewayRunOptions extends LoadedGateway {
  clock?: Clock;
  log?: (r: LogRecord) => void;
  version?: string;
  /** Called with every sensor communication once it is committed to the outbox. */
  onAccepted?: (m: SensorCommunication) => void;
}

interface RadioSource extends Source<RadioAdvertisement> {
  stats(): { advertisementsSeen: number; scanRestarts?: number; watchdogResets?: number };
}

export interface RunningGateway {
  pipeline: Pipeline;
  outbox: Outbox;
  publisher: Publisher;
  /** The in-process broker when broker.embedded is set. */
  broker?: RunningBroker;
  brokerUrl: string;
  health(): SensorHealth[];
  /** Resolves when every accepted sensor communication has been acknowledged or dead-lettered. */
  drained(): Promise<void>;
  /** Stops the sources, flushes the outbox for at most `flushMs`, then stops the publisher. */
  stop(flushMs?: number): Promise<void>;
}

/** The gateway's own beacon: EID and eTLM slots need the spot's identity key from the registry. */
function ownEid(config: GatewayConfig, index: RegistryIndex): EidConfig | undefined {
  const b = index.atSpot(config.gateway.spot).find((x) => x.eid);
  if (!b?.eid) return undefined;
  return { identityKey: hexToBytes(b.eid.identityKey, 16), exponent: b.eid.exponent, beaconSecondsAt: b.eid.beaconSecondsAt, wallMsAt: b.eid.wallMsAt };
}

/** Broadcasts this gateway's own frames on the simulated radio, as bleno would on air. */
function simAdvertiser(frames: FrameSlot[], cadenceMs: number, port: number, clock: Clock, eid: EidConfig | undefined) {
  const radio = createSimBroadcaster({ port });
  const renderer = createFrameRenderer(eid ? { eid } : {});
  const started = clock.now();
  let n = 0;
  const timer = setInterval(() => {
    const slot = frames[n % frames.length]!;
    const wallMs = clock.now();
    const { adv } = renderer.render(slot, { wallMs, uptimeS: (wallMs - started) / 1000, advCount: n });
    radio.send({ address: 'c0:ff:ee:00:00:01', addressType: 'random', rssi: -40, adv });
    n++;
  }, cadenceMs);
  timer.unref();
  return { stop: async () => (clearInterval(timer), radio.close()) };
}

export async function startGateway(o: GatewayRunOptions): Promise<RunningGateway> {
  const { config, registry, index } = o;
  const clock = o.clock ?? systemClock;
  const log = o.log ?? ((r: LogRecord) => void (r.level !== 'info' && process.stderr.write(JSON.stringify(r) + '\n')));
  const stops: (() => Promise<void> | void)[] = [];
  const stopAll = async () => {
    for (const s of stops.reverse()) await s();
  };
  try {
    let broker: RunningBroker | undefined;
    let brokerUrl = config.broker.url;
    if (config.broker.embedded) {
      // Single-machine use: an in-process broker on loopback, without accounts (documented as demo).
      broker = await startBroker({ host: config.broker.embedded.host, port: config.broker.embedded.port, anonymous: true, log: (r) => log(r) });
      stops.push(() => broker!.close());
      brokerUrl = broker.urls.mqtt;
    }

    mkdirSync(config.gateway.dataDir, { recursive: true });
    const outbox = openOutbox({
      path: join(config.gateway.dataDir, 'outbox.sqlite'),
      gatewayId: config.gateway.id,
      siteId: config.gateway.siteId,
      clock,
      maxMessages: config.outbox.maxEvents + config.outbox.maxTelemetry,
      maxTelemetry: config.outbox.maxTelemetry,
      onPressure: (e) => log({ level: e.type === 'high-water' ? 'warn' : 'error', event: `outbox-${e.type}`, ...e }),
    });
    stops.push(() => outbox.close());

    const pipeline = createPipeline({ config, registry, index, clock, clockQuality: systemClockQuality() });
    pipeline.on((body) => {
      const r = outbox.append({ ...body, gatewayId: config.gateway.id, siteId: config.gateway.siteId });
      if (r.ok) o.onAccepted?.(r.message);
      else log({ level: 'error', event: 'outbox-append-refused', reason: r.reason, errors: r.errors });
    });

    const radio: RadioSource =
      config.radio.kind === 'sim'
        ? createSimScanner({ clock, port: config.radio.simPort, dedupe: { minIntervalMs: config.radio.scan.dedupeMs } })
        : createNobleScanner({ clock, watchdog: { silenceMs: config.radio.scan.watchdogMs, maxRestartsBeforeReset: 3 }, dedupe: { minIntervalMs: config.radio.scan.dedupeMs } });
    const radar = config.sensors.radar
      ? createRadarAdapter({ sensor: 'radar0', path: config.sensors.radar.path, model: config.sensors.radar.model, baudRate: config.sensors.radar.baudRate, clock })
      : undefined;
    const touch = config.sensors.touch
      ? createTouchAdapter({ sensor: 'touch0', path: config.sensors.touch.path, baudRate: config.sensors.touch.baudRate, clock })
      : undefined;
    const health = (): SensorHealth[] => [radar?.health(), touch?.health()].filter((h): h is SensorHealth => h !== undefined);

    const publisher = createPublisher({
      url: brokerUrl,
      outbox,
      ...(config.broker.username ? { username: config.broker.username } : {}),
      ...(config.broker.password ? { password: config.broker.password } : {}),
      rejectUnauthorized: config.broker.rejectUnauthorized,
      keepaliveS: config.broker.keepaliveS,
      telemetryIntervalMs: config.telemetry.intervalMs,
      clock,
      log,
      ...(o.version ? { version: o.version } : {}),
      health: () => {
        const r = radio.stats();
        return {
          radio: { advertisementsSeen: r.advertisementsSeen, scanRestarts: r.scanRestarts ?? 0, watchdogResets: r.watchdogResets ?? 0 },
          sensors: sensorHealthToTelemetry(health()),
        };
      },
    });
    publisher.start();
    stops.push(() => publisher.stop());

    const off = connectSources(pipeline, { radio, ...(radar ? { radar } : {}), ...(touch ? { touch } : {}) });
    stops.push(off);
    for (const s of [radio, radar, touch]) {
      if (!s) continue;
      await s.start();
      stops.push(() => s.stop());
    }
    const adv = config.radio.advertise;
    if (adv) {
      const eid = ownEid(config, index);
      const frames = adv.frames as FrameSlot[];
      if (config.radio.kind === 'sim') {
        const a = simAdvertiser(frames, adv.cadenceMs, config.radio.simPort, clock, eid);
        stops.push(() => a.stop());
      } else {
        const a = createAdvertiser({ frames, cadenceMs: adv.cadenceMs, clock, ...(eid ? { eid } : {}) });
        await a.start();
        stops.push(() => a.stop());
      }
    }
    const tick = setInterval(() => pipeline.tick(), recommendedTickMs(config));
    stops.push(() => clearInterval(tick));

    let stopped = false;
    return {
      pipeline,
      outbox,
      publisher,
      ...(broker ? { broker } : {}),
      brokerUrl,
      health,
      drained: () => publisher.whenDrained(),
      async stop(flushMs = 5000) {
        if (stopped) return;
        stopped = true;
        // Sources first so nothing new arrives, then give the outbox a chance to empty.
        off();
        await Promise.all([radio.stop(), radar?.stop(), touch?.stop()]);
        await Promise.race([publisher.whenDrained(), new Promise((r) => setTimeout(r, flushMs).unref())]);
        await stopAll();
      },
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
