/**
 * Loss and duplicate accounting for sensor communications, per gateway, from what a backend
 * receives. Pure: no I/O, no clock; the watch command and the `npm start` orchestrator feed it.
 *
 * A gateway's seq is contiguous and continues across restarts (message-id.ts, outbox.ts), so
 * within [lowest seen, highest seen] every hole is a lost message whatever the bootIds say; a new
 * bootId is reported (the gateway restarted) but does not reset anything. A hole can still fill
 * later (a dead letter requeued by an operator), so `lost` is "missing right now".
 * Duplicates are arrivals of a seq already seen (QoS 1 is at-least-once: expected after a
 * reconnect, harmless because consumers drop them by messageId). The same seq under a different
 * messageId is also a `conflict`: two different messages were stamped with one seq, which only a
 * gateway that lost its outbox state can produce.
 */

export interface SensorRef {
  siteId: string;
  gatewayId: string;
  seq: number;
  messageId: string;
  /** The middle part of messageId; optional, parsed from messageId when absent. */
  bootId?: string;
}

export interface ObserveResult {
  /** `<site>/<gateway>` */
  key: string;
  duplicate: boolean;
  conflict: boolean;
  /** Seqs skipped by this arrival (a new hole), if any. */
  gap?: { from: number; to: number };
  /** Filled a hole (or arrived below the lowest seq seen so far). */
  late: boolean;
  /** First message seen from this bootId. */
  newBoot: boolean;
}

export interface GatewayReport {
  siteId: string;
  gatewayId: string;
  received: number;
  lost: number;
  duplicates: number;
  conflicts: number;
  firstSeq: number;
  lastSeq: number;
  boots: string[];
  /** Missing ranges, inclusive, the first `MAX_REPORTED_RANGES`. */
  missing: [number, number][];
}

export interface TrackerSummary {
  sensorCommunications: number;
  lost: number;
  duplicates: number;
  conflicts: number;
  gateways: Record<string, GatewayReport>;
}

const MAX_REPORTED_RANGES = 20;
/** messageIds remembered per gateway for conflict checks; older seqs are only checked for repeats. */
const ID_MEMORY = 10_000;

class GatewayState {
  /** Seen seqs as sorted, disjoint, non-adjacent inclusive ranges. */
  readonly ranges: [number, number][] = [];
  received = 0;
  duplicates = 0;
  conflicts = 0;
  readonly boots: string[] = [];
  private readonly ids = new Map<number, string>();

  constructor(
    readonly siteId: string,
    readonly gatewayId: string,
  ) {}

  has(seq: number): boolean {
    const i = this.indexAfter(seq) - 1;
    const r = this.ranges[i];
    return r !== undefined && seq <= r[1];
  }

  /** Index of the first range starting after seq. */
  private indexAfter(seq: number): number {
    let lo = 0;
    let hi = this.ranges.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ranges[mid]![0] <= seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  insert(seq: number): void {
    const i = this.indexAfter(seq);
    const prev = this.ranges[i - 1];
    const next = this.ranges[i];
    const joinsPrev = prev !== undefined && prev[1] + 1 === seq;
    const joinsNext = next !== undefined && next[0] - 1 === seq;
    if (joinsPrev && joinsNext) {
      prev[1] = next[1];
      this.ranges.splice(i, 1);
    } else if (joinsPrev) prev[1] = seq;
    else if (joinsNext) next[0] = seq;
    else this.ranges.splice(i, 0, [seq, seq]);
  }

  rememberId(seq: number, id: string): string | undefined {
    const before = this.ids.get(seq);
    if (before === undefined) {
      this.ids.set(seq, id);
      if (this.ids.size > ID_MEMORY) this.ids.delete(this.ids.keys().next().value!);
    }
    return before;
  }

  get lowest(): number {
    return this.ranges[0]?.[0] ?? -1;
  }

  get highest(): number {
    return this.ranges[this.ranges.length - 1]?.[1] ?? -1;
  }

  get lost(): number {
    return this.ranges.length === 0 ? 0 : this.highest - this.lowest + 1 - this.received;
  }

  report(): GatewayReport {
    const missing: [number, number][] = [];
    for (let i = 1; i < this.ranges.length && missing.length < MAX_REPORTED_RANGES; i++) {
      missing.push([this.ranges[i - 1]![1] + 1, this.ranges[i]![0] - 1]);
    }
    return {
      siteId: this.siteId,
      gatewayId: this.gatewayId,
      received: this.received,
      lost: this.lost,
      duplicates: this.duplicates,
      conflicts: this.conflicts,
      firstSeq: this.lowest,
      lastSeq: this.highest,
      boots: [...this.boots],
      missing,
    };
  }
}

export class SequenceTracker {
  private readonly gateways = new Map<string, GatewayState>();

  observe(m: SensorRef): ObserveResult {
    const key = `${m.siteId}/${m.gatewayId}`;
    let g = this.gateways.get(key);
    if (!g) {
      g = new GatewayState(m.siteId, m.gatewayId);
      this.gateways.set(key, g);
    }
    const bootId = m.bootId ?? m.messageId.split(':')[1] ?? '';
    const newBoot = !g.boots.includes(bootId);
    if (newBoot) g.boots.push(bootId);

    const earlierId = g.rememberId(m.seq, m.messageId);
    if (g.has(m.seq)) {
      g.duplicates++;
      const conflict = earlierId !== undefined && earlierId !== m.messageId;
      if (conflict) g.conflicts++;
      return { key, duplicate: true, conflict, late: false, newBoot };
    }
    const highest = g.highest;
    const empty = g.ranges.length === 0;
    g.insert(m.seq);
    g.received++;
    if (empty) return { key, duplicate: false, conflict: false, late: false, newBoot };
    if (m.seq > highest + 1) return { key, duplicate: false, conflict: false, gap: { from: highest + 1, to: m.seq - 1 }, late: false, newBoot };
    return { key, duplicate: false, conflict: false, late: m.seq < highest, newBoot };
  }

  gateway(key: string): GatewayReport | undefined {
    return this.gateways.get(key)?.report();
  }

  /** Unique sensor communications seen, over all gateways. */
  get received(): number {
    let n = 0;
    for (const g of this.gateways.values()) n += g.received;
    return n;
  }

  summary(): TrackerSummary {
    const gateways: Record<string, GatewayReport> = {};
    let lost = 0;
    let duplicates = 0;
    let conflicts = 0;
    for (const [key, g] of this.gateways) {
      const r = g.report();
      gateways[key] = r;
      lost += r.lost;
      duplicates += r.duplicates;
      conflicts += r.conflicts;
    }
    return { sensorCommunications: this.received, lost, duplicates, conflicts, gateways };
  }
}
