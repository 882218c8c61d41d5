/**
 * Shared subscriptions (`$share/<group>/<filter>`, MQTT 5.0 §4.8.2) for aedes, which has none.
 *
 * Backends subscribe with sharedSubscription('backend', topicFilter('sensor')) so several instances
 * split the stream (protocol/messages/README.md). Mosquitto and EMQX honour `$share` for 3.1.1
 * clients too; on plain aedes the literal filter would match nothing and the backend would hear
 * silence. Here aedes keeps the literal subscription (it matches no real topic, since ours never
 * start with `$`), and this module adds one broker-level listener per (group, filter) that hands
 * each message to one connected member, round robin, at min(message QoS, member QoS), unretained.
 * Members are the clients that subscribed on their current connection; a member that disconnects
 * is dropped at once, so messages go to the ones left (none left: nobody gets it, as with MQTT 5).
 */
import type { Aedes, AedesPublishPacket, Client, Subscription } from 'aedes';
import { isValidFilter, isValidTopicId } from '../../protocol/messages/index.js';

export function parseSharedFilter(topic: string): { group: string; filter: string } | undefined {
  if (typeof topic !== 'string' || !topic.startsWith('$share/')) return undefined;
  const rest = topic.slice('$share/'.length);
  const slash = rest.indexOf('/');
  if (slash <= 0) return undefined;
  const group = rest.slice(0, slash);
  const filter = rest.slice(slash + 1);
  return isValidTopicId(group, 'group') && isValidFilter(filter) ? { group, filter } : undefined;
}

type Deliver = (packet: AedesPublishPacket, cb: () => void) => void;

interface Group {
  filter: string;
  /** clientId → granted QoS */
  members: Map<string, 0 | 1 | 2>;
  next: number;
  deliver: Deliver;
}

export class SharedSubscriptions {
  private readonly groups = new Map<string, Group>();
  /** Messages handed to a member, per `group/filter` key (for tests and stats). */
  readonly delivered = new Map<string, number>();

  constructor(private readonly aedes: Aedes) {
    aedes.on('subscribe', (subs: Subscription[], client: Client) => {
      for (const s of subs) this.join(s.topic, client.id, s.qos);
    });
    aedes.on('unsubscribe', (topics: string[], client: Client) => {
      for (const t of topics) this.leave(t, client.id);
    });
    aedes.on('clientDisconnect', (client: Client) => {
      for (const [key, g] of this.groups) if (g.members.delete(client.id)) this.maybeDrop(key, g);
    });
  }

  memberCount(sharedTopic: string): number {
    return this.groups.get(sharedTopic)?.members.size ?? 0;
  }

  private join(topic: string, clientId: string, qos: number): void {
    const parsed = parseSharedFilter(topic);
    if (!parsed) return;
    let g = this.groups.get(topic);
    if (!g) {
      const group: Group = { filter: parsed.filter, members: new Map(), next: 0, deliver: (p, cb) => this.dispatch(topic, group, p, cb) };
      g = group;
      this.groups.set(topic, group);
      this.aedes.subscribe(parsed.filter, group.deliver, () => {});
    }
    g.members.set(clientId, qos === 2 ? 2 : qos === 1 ? 1 : 0);
  }

  private leave(topic: string, clientId: string): void {
    const g = this.groups.get(topic);
    if (g?.members.delete(clientId)) this.maybeDrop(topic, g);
  }

  private maybeDrop(key: string, g: Group): void {
    if (g.members.size > 0) return;
    this.groups.delete(key);
    this.aedes.unsubscribe(g.filter, g.deliver, () => {});
  }

  private dispatch(key: string, g: Group, packet: AedesPublishPacket, cb: () => void): void {
    // As for `#` and `+` subscriptions: wildcards never deliver $SYS and other $-topics (MQTT 3.1.1 §4.7.2).
    if (packet.topic.startsWith('$')) return cb();
    const clients = (this.aedes as unknown as { clients: Record<string, Client | undefined> }).clients;
    const ids = [...g.members.keys()];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[(g.next + i) % ids.length]!;
      const client = clients[id];
      if (!client || client.closed) continue;
      g.next = (g.next + i + 1) % ids.length;
      const qos = Math.min(packet.qos, g.members.get(id) ?? 0) as 0 | 1 | 2;
      client.publish({ cmd: 'publish', topic: packet.topic, payload: packet.payload, qos, retain: false, dup: false }, () => {});
      this.delivered.set(key, (this.delivered.get(key) ?? 0) + 1);
      break;
    }
    cb();
  }
}
