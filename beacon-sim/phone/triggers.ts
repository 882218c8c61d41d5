/**
 * The app's triggering events, per beacon identifier, from the broadcasts the phone receives.
 * Pure: receipts in (beacon ID, RSSI, time), decisions out; time is passed in.
 *
 * dwell — claim 4, [0208]: the beacon is received "at a plurality of at least partially consecutive
 *   times"; the period between the first and the last broadcast of the run "achieves (is equal to or
 *   longer than)" the threshold. Consecutive is measured as in [0208] ("a beacon broadcast … at each
 *   time step of the predetermined time interval"): time is cut into `stepMs` steps counted from
 *   the run's first receipt, and the run holds while at most `maxMissedSteps` consecutive steps pass
 *   without a receipt (a phone misses packets; 0 is the claim read literally). The gateway pipeline
 *   uses the same bucket rule (gateway/pipeline/presence.ts), so both sides measure dwell alike.
 *   Only receipts at or above `minRssi` count: in a small store a phone hears every beacon, and the
 *   patent has each beacon's range tuned to its item or area ([0198]); the floor is that range.
 * proximity — claim 11, [0209]: a broadcast whose signal strength "achieves (is greater than or
 *   equal to)" the threshold RSSI. One broadcast is enough, as the claim says (the gateway smooths;
 *   a phone app acting on one packet is the claim's own example).
 * follow-ups — claim 8, [0217]: after the triggering event, further broadcasts of the same beacon at
 *   subsequent times produce additional user communications, each with a new timestamp. One every
 *   `followUp.everyMs` while the run holds, at most `followUp.max` per run.
 * cooldown — once a run that triggered has ended, the same beacon does not trigger again for
 *   `cooldownMs`: a shopper standing at the edge of range would otherwise trigger every few seconds.
 *
 * The first event of a run is whichever condition holds first (proximity is checked first on a
 * receipt that meets both); its type is kept for the run's follow-ups.
 */

export interface TriggerSettings {
  dwell: { stepMs: number; thresholdMs: number; maxMissedSteps: number; minRssi: number };
  proximity: { enabled: boolean; rssiDbm: number };
  followUp: { everyMs: number; max: number };
  cooldownMs: number;
}

export const DEFAULT_TRIGGER_SETTINGS: TriggerSettings = {
  dwell: { stepMs: 1000, thresholdMs: 6000, maxMissedSteps: 1, minRssi: -70 },
  proximity: { enabled: true, rssiDbm: -62 },
  followUp: { everyMs: 5000, max: 12 },
  cooldownMs: 20_000,
};

export type TriggerType = 'dwell' | 'proximity';

export interface TriggerFire {
  beaconId: string;
  type: TriggerType;
  /** 0: the triggering event; n ≥ 1: the n-th follow-up (claim 8). */
  followUp: number;
  /** First and last counted receipt of the run. */
  firstAt: number;
  lastAt: number;
  /** lastAt − firstAt (claim 5). */
  periodMs: number;
  /** Strongest receipt of the run (claim 12). */
  maxRssi: number;
  receipts: number;
}

interface Run {
  firstAt: number;
  lastAt: number;
  lastStep: number;
  receipts: number;
  maxRssi: number;
  type: TriggerType | null;
  followUps: number;
  lastSentAt: number;
}

export interface TriggerStats {
  receipts: number;
  /** Receipts below the floor: not counted. */
  tooWeak: number;
  runsStarted: number;
  runsBroken: number;
  triggers: number;
  followUps: number;
  /** Triggers held back by the cooldown (counted once per run). */
  cooledDown: number;
}

export interface TriggerDetector {
  receipt(beaconId: string, rssi: number, atMs: number): TriggerFire | null;
  /** Ends the runs that can no longer continue at atMs (memory, and the cooldown clock). */
  expire(atMs: number): void;
  /** Beacons with a run in progress. */
  readonly active: number;
  stats(): TriggerStats;
}

export function checkTriggerSettings(s: TriggerSettings): void {
  const { dwell, followUp } = s;
  if (!(dwell.stepMs > 0)) throw new RangeError('dwell.stepMs must be > 0');
  if (!(dwell.thresholdMs >= dwell.stepMs)) throw new RangeError('dwell.thresholdMs must be at least dwell.stepMs (claim 4: a first and a last broadcast)');
  if (!Number.isInteger(dwell.maxMissedSteps) || dwell.maxMissedSteps < 0) throw new RangeError('dwell.maxMissedSteps must be an integer ≥ 0');
  if (!(followUp.everyMs > 0) || !Number.isInteger(followUp.max) || followUp.max < 0) throw new RangeError('followUp needs everyMs > 0 and an integer max ≥ 0');
  if (!(s.cooldownMs >= 0)) throw new RangeError('cooldownMs must be ≥ 0');
}

export function createTriggerDetector(settings: TriggerSettings = DEFAULT_TRIGGER_SETTINGS): TriggerDetector {
  checkTriggerSettings(settings);
  const { dwell, proximity, followUp } = settings;
  const floor = proximity.enabled ? Math.min(dwell.minRssi, proximity.rssiDbm) : dwell.minRssi;
  const runs = new Map<string, Run>();
  const cooldownUntil = new Map<string, number>();
  const cooling = new Set<Run>();
  const n: TriggerStats = { receipts: 0, tooWeak: 0, runsStarted: 0, runsBroken: 0, triggers: 0, followUps: 0, cooledDown: 0 };

  const stepOf = (run: Run, t: number) => Math.floor((t - run.firstAt) / dwell.stepMs);
  /** Steps with no receipt between the run's last receipt and a receipt at t. */
  const missedBefore = (run: Run, t: number) => stepOf(run, t) - run.lastStep - 1;

  function end(beaconId: string, run: Run): void {
    runs.delete(beaconId);
    cooling.delete(run);
    if (run.type !== null) cooldownUntil.set(beaconId, run.lastAt + settings.cooldownMs);
  }

  const fire = (beaconId: string, run: Run, followUpIndex: number): TriggerFire => ({
    beaconId,
    type: run.type!,
    followUp: followUpIndex,
    firstAt: run.firstAt,
    lastAt: run.lastAt,
    periodMs: run.lastAt - run.firstAt,
    maxRssi: run.maxRssi,
    receipts: run.receipts,
  });

  return {
    receipt(beaconId, rssi, atMs) {
      n.receipts++;
      if (rssi < floor) {
        n.tooWeak++;
        return null;
      }
      let run = runs.get(beaconId);
      if (run && (atMs < run.lastAt || missedBefore(run, atMs) > dwell.maxMissedSteps)) {
        n.runsBroken++;
        end(beaconId, run);
        run = undefined;
      }
      if (!run) {
        run = { firstAt: atMs, lastAt: atMs, lastStep: 0, receipts: 0, maxRssi: rssi, type: null, followUps: 0, lastSentAt: atMs };
        runs.set(beaconId, run);
        n.runsStarted++;
      }
      run.lastAt = atMs;
      run.lastStep = stepOf(run, atMs);
      run.receipts++;
      run.maxRssi = Math.max(run.maxRssi, rssi);

      if (run.type === null) {
        const near = proximity.enabled && rssi >= proximity.rssiDbm;
        const long = run.lastAt - run.firstAt >= dwell.thresholdMs;
        if (!near && !long) return null;
        if (atMs < (cooldownUntil.get(beaconId) ?? -Infinity)) {
          if (!cooling.has(run)) {
            cooling.add(run);
            n.cooledDown++;
          }
          return null;
        }
        run.type = near ? 'proximity' : 'dwell';
        run.lastSentAt = atMs;
        n.triggers++;
        return fire(beaconId, run, 0);
      }
      if (run.followUps < followUp.max && atMs - run.lastSentAt >= followUp.everyMs) {
        run.followUps++;
        run.lastSentAt = atMs;
        n.followUps++;
        return fire(beaconId, run, run.followUps);
      }
      return null;
    },
    expire(atMs) {
      for (const [id, run] of runs) {
        if (missedBefore(run, atMs) > dwell.maxMissedSteps) {
          n.runsBroken++;
          end(id, run);
        }
      }
      for (const [id, until] of cooldownUntil) if (until <= atMs) cooldownUntil.delete(id);
    },
    get active() {
      return runs.size;
    },
    stats: () => ({ ...n }),
  };
}
