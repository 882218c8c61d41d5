/**
 * Broker-side view for delivery tests: an in-broker subscription (aedes.subscribe) that exists
 * before any client connects, so "what arrived" does not depend on a subscriber's own reconnects.
 */
import type { Aedes, AedesPublishPacket } from 'aedes';
import { decodeFromTopic, type SensorCommunication } from '../../../protocol/messages/index.js';

export interface Arrival {
  gatewayId: string;
  seq: number;
  messageId: string;
}

export class SensorCollector {
  readonly arrivals: Arrival[] = [];
  readonly invalid: string[] = [];
  readonly other: { topic: string; payload: string; qos: number; retain: boolean }[] = [];

  /** Subscribes in `aedes` to every sensor topic (and, with `all`, every tp/ topic). */
  attach(aedes: Aedes, all = false): this {
    const deliver = (packet: AedesPublishPacket, cb: () => void) => {
      const payload = Buffer.from(packet.payload).toString('utf8');
      const d = decodeFromTopic(packet.topic, payload);
      if (d.ok && d.message.kind === 'sensor-communication') {
        const m = d.message as SensorCommunication;
        this.arrivals.push({ gatewayId: m.gatewayId, seq: m.seq, messageId: m.messageId });
      } else if (d.ok) this.other.push({ topic: packet.topic, payload, qos: packet.qos, retain: packet.retain });
      else this.invalid.push(packet.topic);
      cb();
    };
    aedes.subscribe(all ? 'tp/#' : 'tp/v1/+/+/sensor', deliver, () => {});
    return this;
  }

  unique(gatewayId: string): Set<number> {
    return new Set(this.arrivals.filter((a) => a.gatewayId === gatewayId).map((a) => a.seq));
  }

  /** Seqs in order of first arrival (later repeats dropped, as a consumer de-duplicates). */
  firstArrivals(gatewayId: string): number[] {
    const seen = new Set<number>();
    const out: number[] = [];
    for (const a of this.arrivals) {
      if (a.gatewayId !== gatewayId || seen.has(a.seq)) continue;
      seen.add(a.seq);
      out.push(a.seq);
    }
    return out;
  }

  duplicates(gatewayId: string): number {
    return this.arrivals.filter((a) => a.gatewayId === gatewayId).length - this.unique(gatewayId).size;
  }
}

export const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);
