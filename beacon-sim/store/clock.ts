/**
 * The store clock: simulated time that runs `speed` times faster than the wall clock,
 *
 *   now()  = startAtMs + (wall − wall₀) · speed        epoch ms, what every timestamp carries
 *   mono() =             (wall − wall₀) · speed        monotonic ms, what durations are measured on
 *
 * Why one clock for everyone: at `--speed 10` a shopper's 8-second dwell passes in 0.8 s of wall time.
 * A gateway stamping with the system clock would measure 0.8 s and never fire its 8-second dwell,
 * and the backend would compare phone timestamps (store time) with gateway timestamps (wall time)
 * that drift apart by 9 s every second. So gateways, phones and the backend of one simulated store
 * must all read this clock: `startStoreSim` returns it, `startGateway({ clock })` takes it, and the
 * backend should stamp with it too. At speed 1 with the default start (now), store time is wall
 * time, which is why external gateways on their system clocks only work at `--speed 1`.
 *
 * Wall-clock timers (the pipeline tick, serial retry back-off, MQTT keepalive) still run in wall
 * time; at high speeds "left" events arrive later in store time (one pipeline tick is `speed`
 * times longer in store time), which the gateway pipeline already tolerates (one tick late at most).
 */
import type { Clock } from '../../gateway/core/types.js';

export interface SimClock extends Clock {
  readonly speed: number;
  readonly startAtMs: number;
  /** Store ms since the start. */
  elapsedMs(): number;
  /** False while paused: store time stands at startAtMs until resume(). */
  readonly running: boolean;
  /** Starts a paused clock (no-op when running). */
  resume(): void;
}

export interface SimClockOptions {
  /** Store time at the start, epoch ms. Default: the wall clock now. */
  startAtMs?: number;
  /** Store seconds per wall second; default 1. */
  speed?: number;
  /** Wall-clock source in ms (monotonic); default performance.now. */
  wall?: () => number;
  /** Start paused (store time frozen at startAtMs) until resume(): lets gateways be wired to the clock first. */
  paused?: boolean;
}

export function createSimClock(o: SimClockOptions = {}): SimClock {
  const speed = o.speed ?? 1;
  if (!(speed > 0) || !Number.isFinite(speed)) throw new RangeError(`speed must be a positive number, got ${speed}`);
  const wall = o.wall ?? (() => performance.now());
  const startAtMs = o.startAtMs ?? Date.now();
  let wall0: number | null = o.paused ? null : wall();
  const elapsedMs = () => (wall0 === null ? 0 : (wall() - wall0) * speed);
  return {
    speed,
    startAtMs,
    elapsedMs,
    get running() {
      return wall0 !== null;
    },
    resume() {
      wall0 ??= wall();
    },
    now: () => Math.floor(startAtMs + elapsedMs()),
    mono: () => elapsedMs(),
  };
}
