/** Hand-made valid messages for the backend's tests (checked against the contract on creation), and a processor harness. */
import { readFileSync } from 'node:fs';
import {
  encodeForPublish,
  type Publication,
  type SensorCommunication,
  type UserCommunication,
} from '../../protocol/messages/index.js';
import { hashIdentifier, type HashingStandardName, type IdentifierField } from '../../protocol/identity/index.js';
import { hashCrm } from './crm.js';
import { createCatalog, type CatalogItem } from './items.js';
import { createProcessor, type ProcessorOptions, type ProcessResult } from './processor.js';
import { BackendStore } from './store.js';
import { ulid } from './ulid.js';

export const SITE = 'store-12';
export const GATEWAY = 'gw-store12-a';
export const BEACON = 'ibeacon:f7826da6-4fa2-4e98-8024-bc5b71e0893e:100:1';
export const OTHER_BEACON = 'altbeacon:2f234454-cf6d-4a0f-adf2-f4911ba9ffa6:100:2';
export const T0 = 1_739_530_800_000;

type Interaction = SensorCommunication['interaction'];

export interface SensorSpec {
  seq: number;
  ts: number;
  sensorId?: string;
  gatewayId?: string;
  type?: Interaction['type'];
  durationMs?: number;
  clock?: SensorCommunication['clock'];
  item?: Interaction['item'] | null;
  boot?: string;
}

export function sensorComm(s: SensorSpec): SensorCommunication {
  const gw = s.gatewayId ?? GATEWAY;
  const durationMs = s.durationMs ?? 3000;
  const m: SensorCommunication = {
    v: 1,
    kind: 'sensor-communication',
    messageId: `${gw}:${s.boot ?? 'boot-1'}:${s.seq}`,
    gatewayId: gw,
    siteId: SITE,
    sensorId: s.sensorId ?? BEACON,
    timestamp: s.ts,
    seq: s.seq,
    clock: s.clock ?? { synced: true, offsetMs: 0, source: 'ntp' },
    interaction: {
      type: s.type ?? 'touch',
      startedAt: s.ts - durationMs,
      endedAt: s.ts,
      durationMs,
      ...(s.item === null ? {} : { item: s.item ?? { itemId: 'sku-88412', itemType: 'sports', area: 'aisle-7' } }),
    },
  };
  return checked(m);
}

export interface UserSpec {
  deviceId: string;
  ts: number;
  sensorId?: string;
  /** Raw identifiers, hashed here the way the phone app does (protocol/identity). */
  identity?: Partial<Record<IdentifierField, string>>;
  standard?: HashingStandardName;
  consent?: boolean;
  periodMs?: number;
  trigger?: 'dwell' | 'proximity';
  followUp?: number;
  messageId?: string;
}

export function userComm(u: UserSpec): UserCommunication {
  const standard = u.standard ?? 'google-v1';
  const consent = u.consent ?? true;
  const identifiers = consent
    ? Object.entries(u.identity ?? {}).flatMap(([field, raw]) => {
        const h = hashIdentifier(field as IdentifierField, raw, { standard, defaultCountry: 'US' });
        return h.ok ? [{ field: h.field, sha256: h.hash }] : [];
      })
    : [];
  const m: UserCommunication = {
    v: 1,
    kind: 'user-communication',
    messageId: u.messageId ?? ulid(u.ts),
    deviceId: u.deviceId,
    siteId: SITE,
    sensorId: u.sensorId ?? BEACON,
    timestamp: u.ts,
    trigger: { type: u.trigger ?? 'dwell', periodMs: u.periodMs ?? 5000, maxRssi: -60 },
    identifiers,
    ...(identifiers.length > 0 ? { hashingStandard: standard } : {}),
    consent,
    followUp: u.followUp ?? 0,
  };
  return checked(m);
}

function checked<T extends SensorCommunication | UserCommunication>(m: T): T {
  const e = encodeForPublish(m);
  if (!e.ok) throw new Error(`test message does not validate: ${JSON.stringify(e.errors)}`);
  return m;
}

export function publication(m: SensorCommunication | UserCommunication): Publication {
  const e = encodeForPublish(m);
  if (!e.ok) throw new Error(JSON.stringify(e.errors));
  return e.value;
}

/** Install IDs of simulated phones: [A-Za-z0-9_-]{16,64}. */
export const DEVICE_A = 'install-aaaaaaaaaaaaaaaa';
export const DEVICE_B = 'install-bbbbbbbbbbbbbbbb';
export const DEVICE_C = 'install-cccccccccccccccc';

export const CRM_CSV = readFileSync(new URL('../../examples/crm-customers.csv', import.meta.url), 'utf8');

/**
 * A processor on an in-memory store with a settable clock. Register `closeHarnesses` in afterEach.
 * `feed` runs a message through it and acknowledges its content items as the MQTT side would.
 */
const open: BackendStore[] = [];
export function closeHarnesses(): void {
  for (const s of open.splice(0)) s.close();
}

export function harness(opts: Partial<ProcessorOptions> & { items?: CatalogItem[]; crm?: boolean } = {}) {
  const store = new BackendStore(':memory:');
  open.push(store);
  let clock = T0 + 60_000;
  if (opts.crm) {
    const h = hashCrm(CRM_CSV, { defaultCountry: 'US' });
    if (!h.ok) throw new Error(h.reason);
    store.replaceCrm(h.hashes, { customers: h.customers, rejected: h.rejected.length }, clock);
  }
  const p = createProcessor({ store, catalog: createCatalog({ items: opts.items ?? [] }), now: () => clock, ...opts });
  const feed = (m: SensorCommunication | UserCommunication): ProcessResult => {
    const pub = publication(m);
    const r = p.handle(pub.topic, pub.payload);
    for (const c of r.content) p.contentDone(c.message.messageId, true);
    return r;
  };
  const matchesOf = (r: ProcessResult) => r.events.flatMap((e) => (e.type === 'match' ? [e.match] : []));
  return { store, p, feed, matchesOf, advance: (ms: number) => (clock += ms), now: () => clock };
}
