/**
 * The embedded broker over TLS (BrokerOptions.tls): mqtts only, the client checks the certificate
 * (a CA with the same name but another key, and the system store, are both refused), a plain MQTT
 * connection to the port gets nowhere, and accounts and the ACL work as over TCP.
 */
import { readFileSync } from 'node:fs';
import mqtt from 'mqtt';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type BrokerLogRecord, type RunningBroker } from './broker.js';
import { hashPassword, type UserEntry } from './users.js';

const TLS = new URL('../publish/test-support/tls/', import.meta.url);
const CA = readFileSync(new URL('ca.crt', TLS));
const WRONG_CA = readFileSync(new URL('test-support/tls/wrong-ca.crt', import.meta.url));
const SERVER = { cert: readFileSync(new URL('server.crt', TLS)), key: readFileSync(new URL('server.key', TLS)) };
const PASSWORD = 'correct-horse-battery';

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

let users: UserEntry[];
beforeAll(async () => {
  const password = await hashPassword(PASSWORD, { N: 1024, r: 8, p: 1 });
  users = [
    { username: 'gw-a', role: 'gateway', site: 's1', gateway: 'gw-a', password },
    { username: 'backend', role: 'backend', password },
  ];
});

async function tlsBroker(): Promise<RunningBroker & { logs: BrokerLogRecord[] }> {
  const logs: BrokerLogRecord[] = [];
  const b = await startBroker({ port: 0, users, tls: SERVER, log: (r) => logs.push(r) });
  cleanups.push(() => b.close());
  return Object.assign(b, { logs });
}

/** Connects once, no retries; resolves with the error message or 'connected'. */
async function attempt(url: string, opts: mqtt.IClientOptions): Promise<string> {
  try {
    const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts }, false);
    await c.endAsync(true);
    return 'connected';
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

describe('embedded broker over TLS', () => {
  it('serves mqtts on its port with the configured certificate; a client that verifies it logs in and the ACL applies', async () => {
    const b = await tlsBroker();
    expect(b.tls).toBe(true);
    expect(b.urls.mqtt).toBe(`mqtts://127.0.0.1:${b.port}`);
    const backend = await mqtt.connectAsync(b.urls.mqtt, { ca: CA, username: 'backend', password: PASSWORD, clientId: 'backend-1', reconnectPeriod: 0 }, false);
    cleanups.push(() => backend.endAsync(true));
    await backend.subscribeAsync('tp/v1/+/+/sensor', { qos: 1 });
    const got = new Promise<string>((r) => backend.once('message', (topic) => r(topic)));
    const gw = await mqtt.connectAsync(b.urls.mqtt, { ca: CA, username: 'gw-a', password: PASSWORD, clientId: 'gw-a', reconnectPeriod: 0 }, false);
    cleanups.push(() => gw.endAsync(true));
    await gw.publishAsync('tp/v1/s1/gw-a/sensor', '{}', { qos: 1 });
    expect(await got).toBe('tp/v1/s1/gw-a/sensor');
    // The ACL is the same over TLS: a gateway publishing as another is refused.
    await gw.publishAsync('tp/v1/s1/gw-b/sensor', '{}', { qos: 0 }).catch(() => {});
    await expect.poll(() => b.counters.publishDenied, { timeout: 15_000 }).toBe(1);
    expect(await attempt(b.urls.mqtt, { ca: CA, username: 'gw-a', password: 'wrong', clientId: 'gw-a-2' })).toMatch(/Bad username or password|Not authorized/i);
  });

  it('a client trusting another CA (same name, other key) or only the system store is refused; so is plain MQTT on the port', async () => {
    const b = await tlsBroker();
    const login = { username: 'backend', password: PASSWORD, clientId: 'backend-x' };
    const unverified = /unable to verify the first certificate|unable to get local issuer certificate|certificate signature failure/;
    expect(await attempt(b.urls.mqtt, { ...login, ca: WRONG_CA })).toMatch(unverified);
    expect(await attempt(b.urls.mqtt, login)).toMatch(unverified);
    // The server name is checked too: the certificate names 127.0.0.1 and localhost, not this.
    expect(await attempt(b.urls.mqtt, { ...login, ca: CA, servername: 'broker.example' })).toMatch(/does not match certificate's altnames/);
    expect(await attempt(`mqtt://127.0.0.1:${b.port}`, { ...login, connectTimeout: 2000 })).not.toBe('connected');
    expect(b.counters.authFailures).toBe(0); // none of them got as far as logging in
  });

  it('refuses TLS next to a (plain) WebSocket listener', async () => {
    await expect(startBroker({ port: 0, users, tls: SERVER, wsPort: 0 })).rejects.toThrow(/WebSocket listener next to it would be plain text/);
  });
});
