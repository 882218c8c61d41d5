/**
 * Prometheus metrics of one gateway, on its own prom-client Registry (never the global default
 * one: tests and a second gateway in the same process must not share counters).
 *
 * Most values already exist as counters inside the adapters (scanner stats, SensorHealth, outbox
 * and publisher stats), so they are read at scrape time (`collect`) instead of being mirrored on
 * every event. Those that are monotonic since start are exposed as counters, so `rate()` works:
 *
 *   touchpoint_ble_advertisements_seen_total     scan rate = rate(…[1m])
 *   touchpoint_ble_scan_restarts_total, touchpoint_ble_watchdog_resets_total
 *   touchpoint_sensor_frames_total{sensor}, touchpoint_sensor_errors_total{sensor,type=crc|bad_frame}
 *   touchpoint_sensor_bytes_skipped_total{sensor}, touchpoint_sensor_reconnects_total{sensor}, touchpoint_sensor_up{sensor}
 *   touchpoint_outbox_depth{class=sensor|telemetry}, touchpoint_outbox_capacity
 *   touchpoint_dead_letters (rows waiting in dead_letter), touchpoint_dead_lettered_total
 *   touchpoint_publish_latency_seconds           outbox append → PUBACK (histogram)
 *   touchpoint_events_published_total, touchpoint_mqtt_connected
 *   touchpoint_config_revision{source=gateway|site}, touchpoint_config_changes_total{result=applied|rejected}
 *   touchpoint_gateway_info{gateway,site,version} 1, plus the process_* / nodejs_* defaults
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { systemClock, type Clock, type SensorHealth } from '../core/types.js';
import type { OutboxStats } from '../publish/outbox.js';
import type { Publisher, PublisherStats } from '../publish/publisher.js';

export interface MetricsSources {
  radio?: () => { advertisementsSeen: number; scanRestarts?: number; watchdogResets?: number };
  sensors?: () => readonly SensorHealth[];
  /** undefined once the outbox is closed. */
  outbox?: () => OutboxStats | undefined;
  publisher?: () => PublisherStats | undefined;
  config?: () => { revision: number; siteRevision?: number; applied: number; rejected: number };
}

export interface MetricsOptions {
  gatewayId: string;
  siteId: string;
  version?: string;
  clock?: Clock;
  /** process_* and nodejs_* metrics (CPU, memory, event loop lag). Default true. */
  defaultMetrics?: boolean;
  /** Appended messages remembered for the latency histogram; the oldest are forgotten beyond this. Default 10 000. */
  maxPending?: number;
}

export interface GatewayMetrics {
  readonly registry: Registry;
  /** A sensor communication was committed to the outbox (starts its latency clock). */
  noteAppended(seq: number): void;
  /** Follows the publisher's acked and dead-letter events; returns the unsubscribe function. */
  attachPublisher(publisher: Pick<Publisher, 'on' | 'off'>): () => void;
  /** The exposition text (what GET /metrics returns). */
  metrics(): Promise<string>;
}

/** Append → PUBACK is milliseconds on a LAN and hours after an outage; the buckets cover both. */
export const PUBLISH_LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600];

/** A counter whose value is read from a monotonic source at scrape time. */
function setCounter(c: Counter<string>, value: number, labels?: Record<string, string>): void {
  if (!Number.isFinite(value) || value < 0) return;
  if (labels) c.inc(labels, value);
  else c.inc(value);
}

export function createGatewayMetrics(sources: MetricsSources, options: MetricsOptions): GatewayMetrics {
  const clock = options.clock ?? systemClock;
  const maxPending = options.maxPending ?? 10_000;
  const registry = new Registry();
  const registers = [registry];
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });

  const info = new Gauge({ name: 'touchpoint_gateway_info', help: 'Constant 1, labelled with the gateway identity and software version.', labelNames: ['gateway', 'site', 'version'], registers });
  info.set({ gateway: options.gatewayId, site: options.siteId, version: options.version ?? 'unknown' }, 1);

  new Counter({
    name: 'touchpoint_ble_advertisements_seen_total',
    help: 'BLE advertisements received by the scanner since start (scan rate: rate() of this).',
    registers,
    collect() {
      this.reset();
      const r = sources.radio?.();
      if (r) setCounter(this, r.advertisementsSeen);
    },
  });
  new Counter({
    name: 'touchpoint_ble_scan_restarts_total',
    help: 'Scan restarts (watchdog: nothing heard for radio.scan.watchdogMs).',
    registers,
    collect() {
      this.reset();
      setCounter(this, sources.radio?.().scanRestarts ?? 0);
    },
  });
  new Counter({
    name: 'touchpoint_ble_watchdog_resets_total',
    help: 'Bluetooth controller resets by the scan watchdog after repeated silent restarts.',
    registers,
    collect() {
      this.reset();
      setCounter(this, sources.radio?.().watchdogResets ?? 0);
    },
  });

  const perSensor = (name: string, help: string, read: (h: SensorHealth) => number) =>
    new Counter({
      name,
      help,
      labelNames: ['sensor'],
      registers,
      collect() {
        this.reset();
        for (const h of sources.sensors?.() ?? []) setCounter(this, read(h), { sensor: h.sensor });
      },
    });
  perSensor('touchpoint_sensor_frames_total', 'Good frames decoded from a serial sensor since start.', (h) => h.framesOk);
  perSensor('touchpoint_sensor_bytes_skipped_total', 'Bytes skipped while resynchronising on a serial sensor stream.', (h) => h.bytesSkipped);
  perSensor('touchpoint_sensor_reconnects_total', 'Serial port reopen attempts after an error or unplug.', (h) => h.reconnects);
  new Counter({
    name: 'touchpoint_sensor_errors_total',
    help: 'Frames a serial sensor sent that could not be used: type=crc (checksum) or bad_frame (malformed).',
    labelNames: ['sensor', 'type'],
    registers,
    collect() {
      this.reset();
      for (const h of sources.sensors?.() ?? []) {
        setCounter(this, h.crcFailures, { sensor: h.sensor, type: 'crc' });
        setCounter(this, h.badFrames, { sensor: h.sensor, type: 'bad_frame' });
      }
    },
  });
  new Gauge({
    name: 'touchpoint_sensor_up',
    help: '1 while the serial sensor port is open, 0 while it is retrying or stopped.',
    labelNames: ['sensor'],
    registers,
    collect() {
      this.reset();
      for (const h of sources.sensors?.() ?? []) this.set({ sensor: h.sensor }, h.state === 'open' ? 1 : 0);
    },
  });

  new Gauge({
    name: 'touchpoint_outbox_depth',
    help: 'Messages waiting in the durable outbox, by class.',
    labelNames: ['class'],
    registers,
    collect() {
      this.reset();
      const s = sources.outbox?.();
      if (!s) return;
      this.set({ class: 'sensor' }, s.sensorDepth);
      this.set({ class: 'telemetry' }, s.telemetryDepth);
    },
  });
  new Gauge({
    name: 'touchpoint_outbox_capacity',
    help: 'Messages the outbox holds before it sheds telemetry and refuses sensor communications.',
    registers,
    collect() {
      const s = sources.outbox?.();
      if (s) this.set(s.capacity);
    },
  });
  new Gauge({
    name: 'touchpoint_dead_letters',
    help: 'Rows in the outbox dead_letter table (refused by the broker; requeue after fixing the cause).',
    registers,
    collect() {
      const s = sources.outbox?.();
      if (s) this.set(s.deadLetterDepth);
    },
  });
  new Counter({
    name: 'touchpoint_dead_lettered_total',
    help: 'Sensor communications given up on since start: dead-lettered, refused or dropped when full, or invalid.',
    labelNames: ['reason'],
    registers,
    collect() {
      this.reset();
      const s = sources.outbox?.();
      if (!s) return;
      setCounter(this, s.deadLettered, { reason: 'dead_letter' });
      setCounter(this, s.sensorRefused, { reason: 'outbox_full' });
      setCounter(this, s.sensorDropped, { reason: 'dropped_oldest' });
      setCounter(this, s.rejectedInvalid, { reason: 'invalid' });
    },
  });

  const latency = new Histogram({
    name: 'touchpoint_publish_latency_seconds',
    help: 'From commit to the outbox to the broker’s PUBACK, per sensor communication (appended by this process).',
    buckets: PUBLISH_LATENCY_BUCKETS,
    registers,
  });
  new Counter({
    name: 'touchpoint_events_published_total',
    help: 'Sensor communications acknowledged by the broker since start.',
    registers,
    collect() {
      this.reset();
      setCounter(this, sources.publisher?.()?.eventsPublished ?? 0);
    },
  });
  new Gauge({
    name: 'touchpoint_mqtt_connected',
    help: '1 while connected to the broker.',
    registers,
    collect() {
      this.set(sources.publisher?.()?.connected ? 1 : 0);
    },
  });

  new Gauge({
    name: 'touchpoint_config_revision',
    help: 'Remote config revision applied: source=gateway (its own config/set, 0 = none) or site (site-wide; absent when none).',
    labelNames: ['source'],
    registers,
    collect() {
      this.reset();
      const c = sources.config?.();
      if (!c) return;
      this.set({ source: 'gateway' }, c.revision);
      if (c.siteRevision !== undefined) this.set({ source: 'site' }, c.siteRevision);
    },
  });
  new Counter({
    name: 'touchpoint_config_changes_total',
    help: 'Remote config/set messages applied or rejected since start.',
    labelNames: ['result'],
    registers,
    collect() {
      this.reset();
      const c = sources.config?.();
      if (!c) return;
      setCounter(this, c.applied, { result: 'applied' });
      setCounter(this, c.rejected, { result: 'rejected' });
    },
  });

  // seq → monotonic ms at append. Insertion order is seq order, so the oldest is first.
  const pending = new Map<number, number>();

  return {
    registry,
    noteAppended(seq) {
      pending.set(seq, clock.mono());
      if (pending.size > maxPending) pending.delete(pending.keys().next().value as number);
    },
    attachPublisher(publisher) {
      const onAcked = ({ seq }: { seq: number }) => {
        const t = pending.get(seq);
        if (t === undefined) return; // appended before this process started, or a duplicate PUBACK
        pending.delete(seq);
        latency.observe(Math.max(0, clock.mono() - t) / 1000);
      };
      const onDead = ({ seq }: { seq: number | null }) => {
        if (seq !== null) pending.delete(seq);
      };
      publisher.on('acked', onAcked);
      publisher.on('dead-letter', onDead);
      return () => {
        publisher.off('acked', onAcked);
        publisher.off('dead-letter', onDead);
      };
    },
    metrics: () => registry.metrics(),
  };
}
