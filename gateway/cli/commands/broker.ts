/**
 * `touchpoint broker`: the embedded MQTT broker (aedes) for a store or a demo.
 *   touchpoint broker --users users.yaml [--host 127.0.0.1] [--port 1883] [--ws-port 8083] [--persistence ./broker-data]
 *   touchpoint broker --anonymous                       # demo: no logins, no ACL, loopback only unless --host
 *   touchpoint broker passwd users.yaml gw-store12-a --role gateway --site store-12 --password …
 * Prints {"listening":{…}} once the listeners are up, runs until SIGINT/SIGTERM.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { isValidTopicId } from '../../../protocol/messages/index.js';
import { startBroker, type BrokerLogRecord } from '../../broker/broker.js';
import { hashPassword, loadUsers, parseUsers, ROLES, saveUsers, upsertUser, validateUsers, type Role, type UserEntry } from '../../broker/users.js';
import { intArg } from '../args.js';
import { type CliIo, UsageError, printJson } from '../io.js';

interface BrokerCliOptions {
  host: string;
  port: number;
  wsPort?: number;
  users?: string;
  anonymous?: boolean;
  persistence?: string;
  verbose?: boolean;
}

interface PasswdCliOptions {
  role: string;
  site?: string;
  gateway?: string;
  deviceHash?: string;
  password?: string;
}

export interface BrokerDeps {
  /** Resolves when the broker should stop; default: SIGINT/SIGTERM. */
  until?: Promise<unknown>;
  /** Called with the running broker's URLs (tests connect to it). */
  onListening?: (urls: { mqtt: string; ws?: string }) => void;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export function registerBroker(program: Command, io: CliIo, deps: BrokerDeps = {}): void {
  const broker = program
    .command('broker')
    .description('run the embedded MQTT 3.1.1 broker (aedes) with per-gateway logins and the Touchpoint topic ACL')
    .option('--host <address>', 'address to bind', '127.0.0.1')
    .option('--port <n>', 'MQTT over TCP port (0 = any free port)', intArg('--port', 0, 65535), 1883)
    .option('--ws-port <n>', 'also listen for MQTT over WebSocket on this port', intArg('--ws-port', 0, 65535))
    .option('--users <file>', 'users file (YAML, or JSON by extension) with scrypt hashes: see `broker passwd`')
    .option('--anonymous', 'demo mode: no logins and no topic ACL (required when there is no --users file)')
    .option('--persistence <dir>', 'keep retained messages (status, config) in <dir> across restarts')
    .option('--verbose', 'also log connects and disconnects')
    .action(async (o: BrokerCliOptions) => {
      if (!o.users && !o.anonymous) throw new UsageError('give --users <file>, or --anonymous for a demo broker without logins');
      if (o.users && o.anonymous) throw new UsageError('--users and --anonymous exclude each other');
      let users: UserEntry[] | undefined;
      if (o.users) {
        try {
          users = loadUsers(o.users);
        } catch (e) {
          throw new UsageError(e instanceof Error ? e.message : String(e));
        }
      }
      if (o.anonymous && !LOOPBACK.has(o.host)) {
        io.err(JSON.stringify({ level: 'warn', event: 'anonymous-on-network', message: `anyone who can reach ${o.host} may publish and subscribe to anything` }));
      }
      const log = (r: BrokerLogRecord) => {
        if (r.level !== 'info' || o.verbose) io.err(JSON.stringify(r));
      };
      const running = await startBroker({
        host: o.host,
        port: o.port,
        log,
        ...(o.wsPort !== undefined ? { wsPort: o.wsPort } : {}),
        ...(users ? { users } : { anonymous: true }),
        ...(o.persistence !== undefined ? { persistenceDir: o.persistence } : {}),
      });
      printJson(io, { listening: running.urls, auth: running.mode, ...(users ? { users: users.length } : {}) });
      deps.onListening?.(running.urls);
      await (deps.until ?? untilSignal());
      await running.close();
      printJson(io, { stopped: true, ...running.counters });
    });

  broker
    .command('passwd')
    .description('add or update a user in a users file (the password is stored as an scrypt hash)')
    .argument('<file>', 'users file to create or update (YAML, or JSON if it ends in .json)')
    .argument('<username>', 'login name; for a gateway, by default also its gateway ID and client ID')
    .requiredOption('--role <role>', ROLES.join(' | '))
    .option('--site <id>', 'site of a gateway or phone')
    .option('--gateway <id>', 'gateway ID if it differs from the username')
    .option('--device-hash <hex>', 'phone: the one content topic it may read (sha256 of its install ID)')
    .option('--password <secret>', 'the password (visible in shell history; TOUCHPOINT_BROKER_PASSWORD is read when absent)')
    .action(async (file: string, username: string, o: PasswdCliOptions) => {
      if (!ROLES.includes(o.role as Role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
      const password = o.password ?? process.env.TOUCHPOINT_BROKER_PASSWORD;
      if (!password) throw new UsageError('give --password or set TOUCHPOINT_BROKER_PASSWORD');
      if (password.length < 12) throw new UsageError('use a password of at least 12 characters');
      if (o.site !== undefined && !isValidTopicId(o.site, 'siteId')) throw new UsageError('--site must be [A-Za-z0-9._-]{1,64}');
      let existing: UserEntry[] = [];
      if (existsSync(file)) {
        const parsed = parseUsers(readFileSync(file, 'utf8'), file);
        if (!parsed.ok) throw new UsageError(`${file}: ${parsed.errors.join('; ')}`);
        existing = parsed.users;
      }
      const entry: UserEntry = {
        username,
        role: o.role as Role,
        password: await hashPassword(password),
        ...(o.site !== undefined ? { site: o.site } : {}),
        ...(o.gateway !== undefined ? { gateway: o.gateway } : {}),
        ...(o.deviceHash !== undefined ? { deviceHash: o.deviceHash } : {}),
      };
      const next = upsertUser(existing, entry);
      const checked = validateUsers({ users: next });
      if (!checked.ok) throw new UsageError(checked.errors.join('; '));
      saveUsers(file, checked.users);
      const saved = checked.users.find((u) => u.username === username)!;
      printJson(io, { file, user: { username, role: saved.role, site: saved.site, gateway: saved.gateway, deviceHash: saved.deviceHash }, users: checked.users.length });
    });
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}
