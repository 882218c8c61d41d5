/**
 * Reconnect delays for a serial device that is absent or was unplugged: exponential, capped, and
 * jittered so that a gateway with several sensors on one USB hub does not hammer them in lock-step
 * after the hub resets. "Exponential Backoff And Jitter" (Marc Brooker, AWS Architecture Blog, 2015):
 * delay = min(cap, base · factor^attempt), then a random share `jitter` of it is taken away
 * (jitter 1 = "full jitter", 0 = none).
 */
export interface RetryOptions {
  /** First delay after a failure (default 250 ms). */
  initialDelayMs?: number;
  /** Upper bound of any delay (default 10 s: a replugged sensor is back within seconds). */
  maxDelayMs?: number;
  /** Growth per failed attempt (default 2). */
  factor?: number;
  /** Share of the delay randomised away, 0–1 (default 0.5: delays fall in [d/2, d]). */
  jitter?: number;
  /** Source of randomness in [0, 1) (tests pass a fixed one). */
  random?: () => number;
}

export type ResolvedRetry = Required<RetryOptions>;

export function resolveRetry(options: RetryOptions = {}): ResolvedRetry {
  const r: ResolvedRetry = {
    initialDelayMs: options.initialDelayMs ?? 250,
    maxDelayMs: options.maxDelayMs ?? 10_000,
    factor: options.factor ?? 2,
    jitter: options.jitter ?? 0.5,
    random: options.random ?? Math.random,
  };
  // 0 would retry an absent device in a tight loop forever
  if (!(r.initialDelayMs > 0) || !(r.maxDelayMs >= r.initialDelayMs)) throw new RangeError('retry delays: need 0 < initialDelayMs ≤ maxDelayMs');
  if (!(r.factor >= 1)) throw new RangeError('retry factor must be ≥ 1');
  if (!(r.jitter >= 0 && r.jitter <= 1)) throw new RangeError('retry jitter must be within 0..1');
  return r;
}

/** Delay before retry number `attempt` (0 = first retry after a failure). Always within [0, maxDelayMs]. */
export function backoffDelay(attempt: number, retry: ResolvedRetry): number {
  // factor^attempt overflows to Infinity for large attempts; min() keeps it at the cap
  const base = Math.min(retry.maxDelayMs, retry.initialDelayMs * Math.pow(retry.factor, Math.max(0, attempt)));
  if (!Number.isFinite(base)) return retry.maxDelayMs;
  return Math.round(base * (1 - retry.jitter * retry.random()));
}
