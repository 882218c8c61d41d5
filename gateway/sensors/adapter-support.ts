/** What both serial adapters share: listener sets that cannot break the read loop, and health. */
import type { AdapterState, Clock, SensorHealth } from '../core/types.js';
import type { SerialLink } from './serial-link.js';

export type StateListener = (state: AdapterState, health: SensorHealth) => void;

/**
 * A listener that throws must not kill the serial read loop (it runs inside a stream 'data' handler,
 * where a throw is an uncaught exception); the error is reported instead.
 */
export class Listeners<A extends unknown[]> {
  private readonly set = new Set<(...args: A) => void>();

  constructor(private readonly onListenerError: (message: string) => void) {}

  add(listener: (...args: A) => void): () => void {
    this.set.add(listener);
    return () => {
      this.set.delete(listener);
    };
  }

  get size(): number {
    return this.set.size;
  }

  emit(...args: A): void {
    for (const l of [...this.set]) {
      try {
        l(...args);
      } catch (e) {
        this.onListenerError(`listener threw: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }
}

export interface Counters {
  framesOk: number;
  bytesSkipped: number;
  crcFailures: number;
  badFrames: number;
  lastFrameMono: number | null;
  lastError?: string;
}

export function emptyCounters(): Counters {
  return { framesOk: 0, bytesSkipped: 0, crcFailures: 0, badFrames: 0, lastFrameMono: null };
}

export function healthOf(sensor: string, path: string, link: SerialLink, c: Counters, clock: Clock): SensorHealth {
  const h: SensorHealth = {
    sensor,
    path,
    state: link.state,
    framesOk: c.framesOk,
    bytesSkipped: c.bytesSkipped,
    crcFailures: c.crcFailures,
    badFrames: c.badFrames,
    reconnects: link.reconnects,
    lastFrameAgeMs: c.lastFrameMono === null ? null : Math.max(0, Math.round(clock.mono() - c.lastFrameMono)),
  };
  if (c.lastError !== undefined) h.lastError = c.lastError;
  return h;
}
