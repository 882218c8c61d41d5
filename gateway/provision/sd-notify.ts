/**
 * The gateway's side of systemd's `Type=notify` and watchdog (sd_notify(3), sd_watchdog_enabled(3)):
 * READY=1 once it runs, WATCHDOG=1 every half WatchdogSec while it is healthy, STOPPING=1 on the way
 * out. Outside systemd (no NOTIFY_SOCKET) every call is a no-op.
 *
 * Why a child process: NOTIFY_SOCKET is an AF_UNIX SOCK_DGRAM socket, and Node has no Unix datagram
 * sockets (node:dgram is UDP only; node:net is stream only — connecting it to the notify socket fails
 * with EPROTOTYPE). A native module would be a new dependency, so each message is sent by
 * `systemd-notify` (package systemd, always on Raspberry Pi OS). The sender is then not the main PID,
 * so the unit needs `NotifyAccess=all`; since systemd 246 systemd-notify waits on a barrier
 * (sd_notify_barrier) until the manager has read the message, so a sender that exits at once is still
 * attributed to the unit (bookworm ships systemd 252).
 *
 * One `systemd-notify` per heartbeat (every 15 s with the default WatchdogSec=30) costs a few ms of CPU.
 */
import { execFile } from 'node:child_process';

export type Env = Readonly<Record<string, string | undefined>>;

/** Sends one notification (`systemd-notify` argv, e.g. ['READY=1']); rejects on failure. */
export type NotifyRunner = (args: readonly string[], env: Env) => Promise<void>;

export interface SdNotifyOptions {
  env?: Env;
  /** This process's PID, compared with WATCHDOG_PID. */
  pid?: number;
  run?: NotifyRunner;
  /** Failed notifications, one line each (they never throw: a gateway must not stop over one). */
  log?: (message: string) => void;
}

export interface SdNotifier {
  /** NOTIFY_SOCKET is set: systemd is listening. */
  readonly enabled: boolean;
  /** Heartbeat period (half of WATCHDOG_USEC), or null when no watchdog is configured for this process. */
  readonly watchdogIntervalMs: number | null;
  ready(status?: string): Promise<void>;
  status(text: string): Promise<void>;
  stopping(): Promise<void>;
  /**
   * WATCHDOG=1 every watchdogIntervalMs while `healthy()` says so (a skipped beat lets systemd restart
   * the gateway after WatchdogSec). A timer that fires at all proves the event loop is not stuck.
   * Returns the function that stops the heartbeat. No-op without a watchdog.
   */
  startWatchdog(healthy?: () => boolean): () => void;
  /** Notifications sent / failed, for health reports and tests. */
  readonly sent: number;
  readonly failed: number;
}

export const defaultNotifyRunner: NotifyRunner = (args, env) =>
  new Promise((resolve, reject) => {
    // the barrier waits up to 5 s for the manager (systemd-notify(1)); 10 s is the outer bound
    execFile('systemd-notify', [...args], { env: { ...env } as NodeJS.ProcessEnv, timeout: 10_000 }, (e, _stdout, stderr) => {
      if (e) reject(new Error(`systemd-notify ${args.join(' ')}: ${String(stderr).trim() || e.message}`));
      else resolve();
    });
  });

/** WATCHDOG_USEC / 2 in ms when the watchdog is meant for this PID (sd_watchdog_enabled(3)). */
export function watchdogInterval(env: Env, pid: number): number | null {
  const usec = env.WATCHDOG_USEC === undefined ? NaN : Number(env.WATCHDOG_USEC);
  if (!Number.isSafeInteger(usec) || usec <= 0) return null;
  if (env.WATCHDOG_PID !== undefined && env.WATCHDOG_PID !== '' && Number(env.WATCHDOG_PID) !== pid) return null;
  return Math.max(1, Math.floor(usec / 2000));
}

/** STATUS= text is one line in systemctl status. */
const oneLine = (s: string) => s.replace(/[\r\n]+/g, ' ').slice(0, 200);

export function createSdNotifier(options: SdNotifyOptions = {}): SdNotifier {
  const env = options.env ?? process.env;
  const pid = options.pid ?? process.pid;
  const run = options.run ?? defaultNotifyRunner;
  const log = options.log ?? ((m: string) => void process.stderr.write(`${JSON.stringify({ level: 'warn', event: 'sd-notify-failed', message: m })}\n`));
  const enabled = typeof env.NOTIFY_SOCKET === 'string' && env.NOTIFY_SOCKET !== '';
  const interval = enabled ? watchdogInterval(env, pid) : null;
  let sent = 0;
  let failed = 0;
  const notify = async (...args: string[]): Promise<void> => {
    if (!enabled) return;
    try {
      await run(args, env);
      sent++;
    } catch (e) {
      failed++;
      log(e instanceof Error ? e.message : String(e));
    }
  };
  return {
    enabled,
    watchdogIntervalMs: interval,
    ready: (status) => (status === undefined ? notify('READY=1') : notify('READY=1', `STATUS=${oneLine(status)}`)),
    status: (text) => notify(`STATUS=${oneLine(text)}`),
    stopping: () => notify('STOPPING=1'),
    startWatchdog(healthy = () => true) {
      if (interval === null) return () => {};
      let inFlight = false;
      const timer = setInterval(() => {
        // a slow systemd-notify must not pile up children; the next tick tries again
        if (inFlight || !healthy()) return;
        inFlight = true;
        void notify('WATCHDOG=1').finally(() => (inFlight = false));
      }, interval);
      // the heartbeat alone must not keep a stopping gateway alive
      timer.unref();
      return () => clearInterval(timer);
    },
    get sent() {
      return sent;
    },
    get failed() {
      return failed;
    },
  };
}
