/**
 * `--persistence <dir>`: retained messages survive a broker restart.
 *
 * Retained state is what the contract relies on across restarts: `status` (which gateways are up),
 * `config/set` (desired config a gateway gets on connect) and `config/state`. Everything else is
 * either replayed by the sender (a gateway's outbox replays unacknowledged sensor communications)
 * or transient, so sessions and in-flight queues stay in memory (aedes' default persistence).
 * Implemented by wrapping that persistence's storeRetained and replaying the saved rows through
 * aedes.publish before the listeners open, rather than importing another persistence package.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Aedes, AedesPublishPacket } from 'aedes';
import Database from 'better-sqlite3';

type StoreRetained = (packet: AedesPublishPacket, cb?: (err?: Error | null) => void) => Promise<void> | void;

export interface RetainedStore {
  count(): number;
  close(): void;
}

export async function attachRetainedStore(aedes: Aedes, dir: string): Promise<RetainedStore> {
  mkdirSync(dir, { recursive: true });
  const db = new Database(join(dir, 'retained.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE IF NOT EXISTS retained (topic TEXT PRIMARY KEY, payload BLOB NOT NULL, qos INTEGER NOT NULL) WITHOUT ROWID');
  const put = db.prepare<[string, Buffer, number]>('INSERT OR REPLACE INTO retained (topic, payload, qos) VALUES (?, ?, ?)');
  const del = db.prepare<[string]>('DELETE FROM retained WHERE topic = ?');
  const count = db.prepare<[], number>('SELECT COUNT(*) FROM retained').pluck();
  const rows = db.prepare<[], { topic: string; payload: Buffer; qos: number }>('SELECT topic, payload, qos FROM retained').all();

  const persistence = (aedes as unknown as { persistence: { storeRetained: StoreRetained } }).persistence;
  const original = persistence.storeRetained.bind(persistence);
  let open = true;
  persistence.storeRetained = (packet, cb) => {
    if (open) {
      const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
      // MQTT 3.1.1 §3.3.1.3: a retained message with an empty payload clears the topic.
      if (payload.length === 0) del.run(packet.topic);
      else put.run(packet.topic, payload, packet.qos);
    }
    return original(packet, cb);
  };

  for (const r of rows) {
    await new Promise<void>((resolve, reject) =>
      aedes.publish({ cmd: 'publish', topic: r.topic, payload: r.payload, qos: r.qos === 2 ? 2 : r.qos === 1 ? 1 : 0, retain: true, dup: false }, (err) =>
        err ? reject(err) : resolve(),
      ),
    );
  }
  return {
    count: () => count.get() ?? 0,
    close: () => {
      open = false;
      db.close();
    },
  };
}
