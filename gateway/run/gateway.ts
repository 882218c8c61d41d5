/**
 * The gateway process, wired: adapters at the edges (radio, serial sensors, MQTT), the pipeline in
 * the middle, the durable outbox between them. This file only connects parts; each part is tested
 * on its own. Everything it starts, stop() stops, in reverse order, after the outbox is flushed.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hexToBytes } from '../../protocol/bytes.js';
import { createSimBroadcaster } from '../../beacon-sim/radio/index.js';
import { createAdvertiser, createFrameRenderer, createNobleScanner, createSimScanner, validateSlots, type EidConfig, type FrameSlot } from '../ble/index.js';
import { startBroker, type RunningBroker } from '../broker/index.js';
import type { GatewayConfig } from '../config/index.js';
import { systemClockQuality } from '../core/clock-quality.js';
import { type Clock, type RadioAdvertisement, type SensorHealth, type Source, systemClock } from '../core/types.js';
import { connectSources, recommendedTickMs, type Pipeline } from '../pipeline/index.js';
import { openOutbox, type Outbox } from '../publish/outbox.js';
import { createPublisher, sensorHealthToTelemetry, type LogRecord, type Publisher } from '../publish/publisher.js';
import { createRadarAdapter, createTouchAdapter } from '../sensors/index.js';
import { createSensorSigner, parseSigningKey, type SensorSigner } from '../security/index.js';
import { createGatewayMetrics, startMetricsServer, type GatewayMetrics, type MetricsServer } from '../health/index.js';
import { configSecretValues, createLogger, logRecordSink, type LogLevelName } from '../log/index.js';
import {
  createLiveApplier,
  createLiveDedupe,
  createLiveInterval,
  createLivePipeline,
  createRemoteConfig,
  createSwappable,
  readLocalLivePointers,
  type RemoteConfig,
} from '../remote/index.js';
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
  /** The file loadGateway read: live settings written in it win over remote config (gateway/remote). */
  configPath?: string;
  /** Level of the default pino logger (`gateway run --log-level`); default config.log.level, else info. */
  logLevel?: LogLevelName;
  /** Pointers of config values from ${SECRET:…} (loadGateway `hidden`): masked in logs. */
  hidden?: readonly string[];
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
  /** Remote configuration (config/set → config/state); `remote.config` is the config running now. */
  remote: RemoteConfig;
  /** Prometheus metrics and their endpoint, when the config has a `metrics` section. */
  metrics?: GatewayMetrics;
  metricsUrl?: string;
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
  // Frames can arrive by remote config: refuse bad ones here, as createAdvertiser does, not in the timer.
  validateSlots(frames, eid);
  const renderer = createFrameRenderer(eid ? { eid } : {});
  const started = clock.now();
  for (const slot of frames) renderer.render(slot, { wallMs: started, uptimeS: 0, advCount: 0 });
  const radio = createSimBroadcaster({ port });
  let n = 0;
  const timer = setInterval(() => {
    const slot = frames[n % frames.length]!;
    const wallMs = clock.now();
    n++;
    try {
      const { adv } = renderer.render(slot, { wallMs, uptimeS: (wallMs - started) / 1000, advCount: n - 1 });
      radio.send({ address: 'c0:ff:ee:00:00:01', addressType: 'random', rssi: -40, adv });
    } catch {
      // A slot that cannot be rendered now is skipped; the next one goes out.
    }
  }, cadenceMs);
  timer.unref();
  return { stop: async () => (clearInterval(timer), radio.close()) };
}

/**
 * The outbox's signer from gateway.signingKey (loadGateway already refused a malformed one; this
 * throws rather than run unsigned if a caller skipped it). The key text never reaches a log line.
 */
function signerFor(config: GatewayConfig): { keyId: string; signer: SensorSigner } | undefined {
  if (config.gateway.signingKey === undefined) return undefined;
  const k = parseSigningKey(config.gateway.signingKey);
  if (!k.ok) throw new RangeError(`gateway.signingKey: ${k.reason}`);
  return { keyId: k.key.keyId, signer: createSensorSigner(k.key) };
}

export async function startGateway(o: GatewayRunOptions): Promise<RunningGateway> {
  const { registry, index } = o;
  const clock = o.clock ?? systemClock;
  const { id: gatewayId, siteId } = o.config.gateway;
  const log: (r: LogRecord) => void =
    o.log ?? logRecordSink(createLogger({ level: o.logLevel ?? o.config.log?.level, gatewayId, siteId, ...(o.config.log?.file ? { file: o.config.log.file } : {}), secrets: configSecretValues(o.config, o.hidden, registry) }));
  // The persisted last good remote config over the local file; `config` is what runs (gateway/remote).
  const remote = createRemoteConfig({ local: o.config, localPointers: o.configPath ? readLocalLivePointers(o.configPath) : [], clock, log });
  const config = remote.config;
  let metrics: GatewayMetrics | undefined;
  let metricsServer: MetricsServer | undefined;
  const stops: (() => Promise<void> | void)[] = [];
  const stopAll = async () => {
    for (const s of stops.reverse()) await s();
  };
  try {
    // First, so a bad key stops the start before anything listens.
    const sign = signerFor(config);
    log(
      sign
        ? { level: 'info', event: 'signing', keyId: sign.keyId }
        : { level: 'warn', event: 'signing-off', message: 'no gateway.signingKey: sensor communications go out unsigned, and a backend with a keyring refuses them' },
    );
    let broker: RunningBroker | undefined;
    let brokerUrl = config.broker.url;
    if (config.broker.embedded) {
      // Single-machine use: an in-process broker on loopback, without accounts (documented as demo).
      // With tls it serves only mqtts, and this gateway connects to it as any client would (broker.ca).
      const tls = config.broker.embedded.tls;
      broker = await startBroker({
        host: config.broker.embedded.host,
        port: config.broker.embedded.port,
        anonymous: true,
        ...(tls ? { tls: { cert: readFileSync(tls.cert), key: readFileSync(tls.key) } } : {}),
        log: (r) => log(r),
      });
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
      ...(sign ? { sign: sign.signer } : {}),
    });
    stops.push(() => outbox.close());

    const pipeline = createLivePipeline({ config, registry, index, clock, clockQuality: systemClockQuality() });
    pipeline.on((body) => {
      let r: ReturnType<Outbox['append']>;
      try {
        r = outbox.append({ ...body, gatewayId: config.gateway.id, siteId: config.gateway.siteId });
      } catch (e) {
        // SQLITE_FULL and other disk errors: the event was not accepted; say so loudly, keep running.
        log({ level: 'error', event: 'outbox-append-failed', message: e instanceof Error ? e.message : String(e) });
        return;
      }
      if (r.ok) metrics?.noteAppended(r.seq);
      if (r.ok) o.onAccepted?.(r.message);
      else log({ level: 'error', event: 'outbox-append-refused', reason: r.reason, errors: r.errors });
    });

    const radio: RadioSource =
      config.radio.kind === 'sim'
        ? createSimScanner({ clock, port: config.radio.simPort, dedupe: { minIntervalMs: 0 } })
        : createNobleScanner({ clock, watchdog: { silenceMs: config.radio.scan.watchdogMs, maxRestartsBeforeReset: 3 }, dedupe: { minIntervalMs: 0 } });
    // radio.scan.dedupeMs is applied in front of the pipeline, where a remote config can change it.
    const deduped = createLiveDedupe(radio, config.radio.scan.dedupeMs);
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
      // mqtts/wss: a private CA and client certificates from the paths in the config.
      ...(config.broker.ca ? { ca: readFileSync(config.broker.ca) } : {}),
      ...(config.broker.cert ? { cert: readFileSync(config.broker.cert) } : {}),
      ...(config.broker.key ? { key: readFileSync(config.broker.key) } : {}),
      rejectUnauthorized: config.broker.rejectUnauthorized,
      keepaliveS: config.broker.keepaliveS,
      // Telemetry runs on a live timer below, so a remote config can change its period.
      telemetryIntervalMs: 0,
      subscriptions: remote.topics,
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
    // Before the first connection: the retained config/set comes right after it.
    const detachRemote = remote.attach(publisher);
    publisher.start();
    stops.push(() => publisher.stop());
    const telemetry = createLiveInterval(() => publisher.queueTelemetry(), config.telemetry.intervalMs);
    stops.push(() => telemetry.stop());

    if (config.metrics) {
      metrics = createGatewayMetrics(
        { radio: () => radio.stats(), sensors: health, outbox: () => (outbox.isClosed ? undefined : outbox.stats()), publisher: () => publisher.stats(), config: () => remote.stats() },
        { gatewayId, siteId, clock, ...(o.version ? { version: o.version } : {}) },
      );
      stops.push(metrics.attachPublisher(publisher));
      try {
        metricsServer = await startMetricsServer({ registry: metrics.registry, host: config.metrics.host, port: config.metrics.port });
        stops.push(() => metricsServer!.close());
        log({ level: 'info', event: 'metrics-listening', url: metricsServer.url });
      } catch (e) {
        // Monitoring must not keep the gateway from running.
        log({ level: 'error', event: 'metrics-unavailable', message: e instanceof Error ? e.message : String(e) });
      }
    }

    const off = connectSources(pipeline, { radio: deduped, ...(radar ? { radar } : {}), ...(touch ? { touch } : {}) });
    stops.push(off);
    for (const s of [radio, radar, touch]) {
      if (!s) continue;
      await s.start();
      stops.push(() => s.stop());
    }
    const eid = ownEid(config, index);
    const advertiser = createSwappable(async (adv: NonNullable<GatewayConfig['radio']['advertise']>) => {
      const frames = adv.frames as FrameSlot[];
      if (config.radio.kind === 'sim') return simAdvertiser(frames, adv.cadenceMs, config.radio.simPort, clock, eid);
      const a = createAdvertiser({ frames, cadenceMs: adv.cadenceMs, clock, ...(eid ? { eid } : {}) });
      await a.start();
      return a;
    });
    await advertiser.apply(config.radio.advertise);
    stops.push(() => advertiser.stop());
    const tick = createLiveInterval(() => pipeline.tick(), recommendedTickMs(config));
    stops.push(() => tick.stop());
    remote.ready(createLiveApplier({ pipeline, tick, dedupe: deduped, telemetry, advertiser }));
    stops.push(detachRemote); // stopped first: no config change while the parts shut down

    let stopped = false;
    return {
      pipeline,
      outbox,
      publisher,
      ...(broker ? { broker } : {}),
      brokerUrl,
      remote,
      ...(metrics ? { metrics } : {}),
      ...(metricsServer ? { metricsUrl: metricsServer.url } : {}),
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
