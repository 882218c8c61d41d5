/** Sample payloads for the publish, broker and watch tests (shaped like protocol/messages/examples). */
import type { Telemetry } from '../../../protocol/messages/index.js';
import type { UnstampedSensorCommunication } from '../outbox.js';

/** An unstamped "touch" interaction; `i` varies the beacon and timestamps so payloads differ. */
export function sampleEvent(siteId: string, gatewayId: string, i: number, at = 1_739_530_812_345): UnstampedSensorCommunication {
  return {
    v: 1,
    kind: 'sensor-communication',
    gatewayId,
    siteId,
    sensorId: `ibeacon:426c7565-4368-6172-6d42-6561636f6e73:3838:${i % 65536}`,
    timestamp: at + i,
    clock: { synced: true, offsetMs: -3, source: 'ntp' },
    interaction: { type: 'touch', startedAt: at + i - 800, endedAt: at + i, durationMs: 800, touchChannel: i % 12 },
  };
}

export function sampleTelemetry(siteId: string, gatewayId: string, i: number, at = 1_739_530_800_000): Telemetry {
  return {
    v: 1,
    kind: 'telemetry',
    gatewayId,
    siteId,
    timestamp: at + i * 60_000,
    uptimeS: i * 60,
    counters: { eventsPublished: i, queueDepth: 0, deadLettered: 0 },
    radio: { advertisementsSeen: 0, scanRestarts: 0, watchdogResets: 0 },
    sensors: {},
    memory: { rssBytes: 1, heapUsedBytes: 1 },
  };
}
