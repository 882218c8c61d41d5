/**
 * `touchpoint provision gateway`: everything one gateway needs, in one folder a technician copies to
 * the Pi and installs with `install-pi.sh`:
 *
 *   gateway.yaml                 the config (valid under gateway/config; checked with loadGateway before anything is kept)
 *   secrets.yaml          600    broker password, EID identity keys, the gateway's signing key (${SECRET:…} in the config and registry copy)
 *   site-registry.yaml           the site registry as the gateway reads it, identity keys as ${SECRET:…}
 *   ca.pem                       the broker's CA (--ca)
 *   client.key / client.csr      --cert-request: a P-256 key and its certificate request (sign it, add client.crt)
 *   broker-user.yaml             the users-file entry for the broker (scrypt hash only)
 *   touchpoint-gateway.service   the systemd unit (unit.ts)
 *   install-pi.sh, udev/         the installer and hardware/udev rules
 *   app/                         the built package: dist/, package.json, package-lock.json (npm ci --omit=dev on the Pi)
 *   SHA256SUMS                   every file above (install-pi.sh checks it)
 *
 * It also adds the gateway and its spot's beacon identities to the site registry the backend reads
 * (--registry) and, with --users, the gateway's login to the broker's users file. IDs already taken
 * in either file are refused; nothing is written unless the whole bundle checks out.
 *
 * Signing: every bundle gets a fresh per-gateway key (32 bytes, CSPRNG) for signing sensor
 * communications (gateway/security), as `signing-key` in secrets.yaml. The backend's copy goes into
 * its keyring file (--keyring; created if missing, mode 600), never into the site registry: the
 * registry is copied into every gateway's bundle, and a key there would let any gateway of the site
 * sign as any other.
 */
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes as nodeRandomBytes, X509Certificate } from 'node:crypto';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import YAML from 'yaml';
import { toHex } from '../../protocol/bytes.js';
import { isValidTopicId } from '../../protocol/messages/index.js';
import type { RegisteredBeacon, SiteRegistry } from '../../protocol/registry/index.js';
import { hashPassword, parseUsers, saveUsers, upsertUser, type UserEntry } from '../broker/users.js';
import { UsageError } from '../cli/io.js';
import { formatIssue, loadGateway, readSecretsFile, substituteReferences, type AdvertiseFrameConfig } from '../config/index.js';
import { allocateSpotIds, readRegistryFile, saveRegistryFile, withAdditions } from './spot-identity.js';
import { formatSigningKey, generateSigningKey } from '../security/keys.js';
import { addToKeyringFile, KeyringFileError, parseKeyringText } from '../security/keyring-file.js';
import { packageRoot } from './package-root.js';
import { renderGatewayUnit, UNIT_NAME } from './unit.js';

export const GATEWAY_FRAMES = ['eddystone-eid', 'ibeacon', 'eddystone-uid', 'eddystone-tlm'] as const;
export type GatewayFrame = (typeof GATEWAY_FRAMES)[number];

export interface GatewayBundleOptions {
  site: string;
  gateway: string;
  spot: string;
  broker: string;
  registry: string;
  out: string;
  ca?: string;
  users?: string;
  /** The backend's keyring file: the gateway's signing key is added (created if missing). */
  keyring?: string;
  /** Site secrets file for ${SECRET:…} references in the registry. */
  secrets?: string;
  certRequest?: boolean;
  /** Serial device paths; null = not fitted. */
  radar?: string | null;
  radarModel?: 'ld2410' | 'ld2450';
  touch?: string | null;
  frames?: readonly GatewayFrame[];
  exponent?: number;
  hci?: number;
  nodePath?: string;
  /** Include the built package (dist/, package.json, package-lock.json) from this folder; null = leave it out. Default: this package. */
  app?: string | null;
}

export interface BundleDeps {
  randomBytes?: (n: number) => Uint8Array;
  nowMs?: () => number;
  env?: Readonly<Record<string, string | undefined>>;
  /** Runs openssl (argv without the program name); default execFileSync. */
  openssl?: (args: string[]) => void;
  /** scrypt hash for the users file (tests may lower the cost). */
  hashPassword?: (password: string) => Promise<string>;
}

export interface BundleSummary {
  bundle: string;
  siteId: string;
  gatewayId: string;
  spot: string;
  beaconIds: string[];
  broker: { url: string; username: string; auth: 'password' | 'client-certificate' };
  registry: string;
  users: string | null;
  /** The key ID the gateway signs with (the key itself is only in secrets.yaml and the keyring). */
  signing: { keyId: string; keyring: string | null };
  files: string[];
  next: string[];
}

/** Where the installed gateway keeps what the bundle brings (install-pi.sh uses the same paths). */
export const INSTALL = { configDir: '/etc/touchpoint', dataDir: '/var/lib/touchpoint', appDir: '/opt/touchpoint/current' } as const;

const SECRET_BROKER = 'broker-password';
const SECRET_SIGNING = 'signing-key';
/** Calibration for the Pi's own radio at its default power: −59 dBm at 1 m, −18 dBm at 0 m (beacon.ts, notes §5.1/§2.2). */
const RSSI_1M = -59;
const TX_0M = -18;

function idArg(name: string, value: string, role: 'siteId' | 'gatewayId'): void {
  if (!isValidTopicId(value, role) || !/^[A-Za-z0-9._-]{1,64}$/.test(value)) {
    throw new UsageError(`${name} must match [A-Za-z0-9._-]{1,64}${role === 'gatewayId' ? ' and not be device, user or config' : ''}, got ${JSON.stringify(value)}`);
  }
}

function readUsersFile(path: string): UserEntry[] {
  if (!existsSync(path)) return [];
  const r = parseUsers(readFileSync(path, 'utf8'), path);
  if (!r.ok) throw new UsageError(`--users ${path}: ${r.errors.join('; ')}`);
  return r.users;
}

/** `ik.<name>` for eid:<name>: the secret name an identity key gets in the bundle. */
const keySecretName = (beaconId: string) => `ik.${beaconId.slice('eid:'.length)}`;

/**
 * The registry as the gateway reads it: every reference resolved (site secrets, environment), then
 * every identity key moved into the bundle's secrets file. Returns the copy and the secrets it needs.
 */
function gatewayRegistry(registry: SiteRegistry, env: Readonly<Record<string, string | undefined>>, siteSecrets: Readonly<Record<string, string>> | undefined, secretsOption: string | undefined) {
  const sub = substituteReferences(registry, { env, ...(siteSecrets ? { secrets: siteSecrets } : {}) });
  if (sub.issues.length > 0) {
    const hint = secretsOption ? '' : ' (give the site secrets file with --secrets)';
    throw new UsageError(`--registry: ${sub.issues.map((i) => `${i.pointer} ${i.message}`).join('; ')}${hint}`);
  }
  const resolved = sub.value as SiteRegistry;
  const secrets: Record<string, string> = {};
  const beacons = resolved.beacons.map((b): RegisteredBeacon => {
    if (!b.eid) return b;
    const name = keySecretName(b.beaconId);
    secrets[name] = b.eid.identityKey.toLowerCase();
    return { ...b, eid: { ...b.eid, identityKey: `\${SECRET:${name}}` } };
  });
  return { registry: { ...resolved, beacons }, secrets };
}

function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function listFiles(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name), base) : [relative(base, join(dir, e.name))]))
    .sort();
}

/** Lifecycle scripts that would run (and fail: no TypeScript on the Pi) during `npm ci` of the built package. */
const BUILD_SCRIPTS = ['prepare', 'prepublish', 'preinstall', 'install', 'postinstall', 'prestart', 'pretest'];

function copyApp(from: string, to: string): void {
  const dist = join(from, 'dist', 'gateway', 'cli', 'main.js');
  if (!existsSync(dist)) throw new UsageError(`--app ${from} has no dist/gateway/cli/main.js: run npm run build first (or --no-app)`);
  if (!existsSync(join(from, 'package-lock.json'))) throw new UsageError(`--app ${from} has no package-lock.json (npm ci needs it)`);
  mkdirSync(to, { recursive: true });
  cpSync(join(from, 'dist'), join(to, 'dist'), { recursive: true, filter: (src) => !src.endsWith('.map') && !src.endsWith('.d.ts') });
  const pkg = JSON.parse(readFileSync(join(from, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  for (const s of BUILD_SCRIPTS) delete pkg.scripts?.[s];
  writeFileSync(join(to, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
  copyFileSync(join(from, 'package-lock.json'), join(to, 'package-lock.json'));
}

function frameConfigs(frames: readonly GatewayFrame[], ids: ReturnType<typeof allocateSpotIds>, exponent: number, keySecret: string): AdvertiseFrameConfig[] {
  return frames.map((f): AdvertiseFrameConfig => {
    switch (f) {
      case 'eddystone-eid':
        return { type: 'eddystone-eid', identityKey: `\${SECRET:${keySecret}}`, exponent, txPower: TX_0M };
      case 'ibeacon':
        return { type: 'ibeacon', uuid: ids.uuid, major: ids.major, minor: ids.minor, measuredPower: RSSI_1M };
      case 'eddystone-uid':
        return { type: 'eddystone-uid', namespace: ids.namespace, instance: ids.instance, txPower: TX_0M };
      case 'eddystone-tlm':
        return { type: 'eddystone-tlm' };
    }
  });
}

/** `<gateway>.k1`; a gateway ID too long for that keeps its first 52 characters and gets a random tag. */
function signingKeyId(gateway: string, random: (n: number) => Uint8Array): string {
  const id = `${gateway}.k1`;
  return id.length <= 64 ? id : `${gateway.slice(0, 52)}.${toHex(random(4))}.k1`;
}

export async function provisionGateway(o: GatewayBundleOptions, deps: BundleDeps = {}): Promise<BundleSummary> {
  const random = deps.randomBytes ?? ((n: number) => Uint8Array.from(nodeRandomBytes(n)));
  const now = deps.nowMs ?? Date.now;
  const env = deps.env ?? process.env;
  idArg('--site', o.site, 'siteId');
  idArg('--gateway', o.gateway, 'gatewayId');
  idArg('--spot', o.spot, 'siteId');
  if (!/^(mqtts?|wss?|tcp|ssl):\/\/\S+$/.test(o.broker) || !URL.canParse(o.broker)) {
    throw new UsageError(`--broker must be an mqtt://, mqtts://, ws:// or wss:// URL, got ${JSON.stringify(o.broker)}`);
  }
  const frames = o.frames ?? ['eddystone-eid'];
  if (!frames.includes('eddystone-eid')) throw new UsageError('--frames must include eddystone-eid: the spot identity is an EID beacon');
  const exponent = o.exponent ?? 10;
  const out = resolve(o.out);
  if (existsSync(out) && readdirSync(out).length > 0) throw new UsageError(`--out ${o.out} exists and is not empty; a bundle holds secrets, so it is never overwritten`);
  let caPem: string | undefined;
  if (o.ca) {
    try {
      caPem = readFileSync(o.ca, 'utf8');
      new X509Certificate(caPem);
    } catch (e) {
      throw new UsageError(`--ca ${o.ca}: not a PEM certificate (${(e as Error).message})`);
    }
  }

  // uniqueness: the gateway in the registry and in the broker's users file
  const regFile = readRegistryFile(o.registry, o.site);
  const listed = regFile.registry.gateways?.find((g) => g.gatewayId === o.gateway);
  if (listed) throw new UsageError(`gateway ${o.gateway} is already in the site registry ${o.registry} (at spot ${listed.spot}); gateway IDs are unique in a site`);
  const users = o.users ? readUsersFile(o.users) : [];
  const clash = users.find((u) => u.username === o.gateway || (u.role === 'gateway' && u.gateway === o.gateway));
  if (clash) throw new UsageError(`--users ${o.users} already has ${clash.username === o.gateway ? `a login named ${o.gateway}` : `gateway ${o.gateway} (login ${clash.username})`}`);
  if (o.keyring && existsSync(o.keyring)) {
    // Checked now, so a bad or clashing keyring stops provisioning before any file is written.
    const k = parseKeyringText(readFileSync(o.keyring, 'utf8'), o.keyring);
    if (!k.ok) throw new UsageError(`--keyring ${k.errors.join('; ')}`);
    const had = k.entries.find((e) => e.siteId === o.site && e.gatewayId === o.gateway);
    if (had) throw new UsageError(`--keyring ${o.keyring} already has a key for gateway ${o.gateway} at site ${o.site} (key ID ${had.keyId}); remove that entry first to re-key it`);
  }
  const siteSecrets = o.secrets ? readSecretsFile(o.secrets) : undefined;
  if (siteSecrets && !siteSecrets.ok) throw new UsageError(siteSecrets.errors.map(formatIssue).join('; '));

  // the spot's identity: a fresh EID identity key (CSPRNG) and unused iBeacon / UID values
  const identityKey = toHex(random(16));
  const ids = allocateSpotIds({
    site: o.site,
    spot: o.spot,
    eid: true,
    ibeacon: frames.includes('ibeacon'),
    uid: frames.includes('eddystone-uid'),
    taken: new Set(regFile.registry.beacons.map((b) => b.beaconId)),
    random,
  });
  const wallMsAt = now();
  const registryFrames = frames.map((f) => ({ type: f, ...(f === 'ibeacon' ? { measuredPower: RSSI_1M } : f === 'eddystone-tlm' ? {} : { measuredPower: TX_0M }) }));
  const beacons: RegisteredBeacon[] = ids.ids.map((beaconId) => ({
    beaconId,
    spot: o.spot,
    // the gateway's beacon clock starts at 0 now; it advertises from the wall clock (gateway/ble advertiser)
    ...(beaconId.startsWith('eid:') ? { eid: { identityKey, exponent, beaconSecondsAt: 0, wallMsAt } } : {}),
    frames: registryFrames,
  }));
  const additions = { beacons, gateways: [{ gatewayId: o.gateway, spot: o.spot }] };
  const nextRegistry = withAdditions(regFile, additions);
  const { registry: gwRegistry, secrets: keySecrets } = gatewayRegistry(nextRegistry, env, siteSecrets?.ok ? siteSecrets.secrets : undefined, o.secrets);

  const tmp = `${out}.partial-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true, mode: 0o700 });
  try {
    const root = packageRoot();
    const secrets: Record<string, string> = { ...keySecrets };
    let userEntry: UserEntry | null = null;
    const broker: Record<string, unknown> = { url: o.broker, username: o.gateway };
    if (o.certRequest) {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      writeFileSync(join(tmp, 'client.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
      const run = deps.openssl ?? ((args: string[]) => void execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] }));
      try {
        run(['req', '-new', '-key', join(tmp, 'client.key'), '-subj', `/O=${o.site}/CN=${o.gateway}`, '-out', join(tmp, 'client.csr')]);
      } catch (e) {
        throw new UsageError(`--cert-request needs openssl (apt-get install openssl): ${(e as Error).message}`);
      }
      broker.cert = 'client.crt';
      broker.key = 'client.key';
    } else {
      // 24 bytes from the CSPRNG: 192 bits, 32 URL-safe characters
      const password = Buffer.from(random(24)).toString('base64url');
      secrets[SECRET_BROKER] = password;
      broker.password = `\${SECRET:${SECRET_BROKER}}`;
      const hash = await (deps.hashPassword ?? ((p: string) => hashPassword(p)))(password);
      userEntry = { username: o.gateway, role: 'gateway', site: o.site, gateway: o.gateway, password: hash };
      writeFileSync(join(tmp, 'broker-user.yaml'), `# Add to the broker's users file (gateway/broker/users.ts); the password itself is in secrets.yaml.\n${YAML.stringify({ users: [userEntry] })}`);
    }
    // Drawn after the other secrets, so the identity key stays the first bytes of the random source.
    const signingKey = generateSigningKey(signingKeyId(o.gateway, random), random);
    secrets[SECRET_SIGNING] = formatSigningKey(signingKey);
    if (caPem) {
      writeFileSync(join(tmp, 'ca.pem'), caPem);
      broker.ca = 'ca.pem';
    }
    const sensors: Record<string, unknown> = {};
    const radar = o.radar === undefined ? '/dev/touchpoint-radar0' : o.radar;
    const touch = o.touch === undefined ? '/dev/touchpoint-touch0' : o.touch;
    if (radar) sensors.radar = { path: radar, model: o.radarModel ?? 'ld2410' };
    if (touch) sensors.touch = { path: touch };
    const config = {
      gateway: { id: o.gateway, siteId: o.site, spot: o.spot, dataDir: INSTALL.dataDir, signingKey: `\${SECRET:${SECRET_SIGNING}}` },
      broker,
      radio: { kind: 'ble', advertise: { cadenceMs: 1000, frames: frameConfigs(frames, ids, exponent, keySecretName(ids.ids[0]!)) } },
      sensors,
      registry: { path: 'site-registry.yaml' },
      secretsFile: 'secrets.yaml',
    };
    const stamp = new Date(wallMsAt).toISOString();
    writeFileSync(
      join(tmp, 'gateway.yaml'),
      `# Touchpoint gateway ${o.gateway} at ${o.site}/${o.spot}, written by \`touchpoint provision gateway\` (${stamp}).\n` +
        `# install-pi.sh puts it in ${INSTALL.configDir}/; relative paths are relative to this file. Every setting: gateway/config/schema.ts.\n` +
        YAML.stringify(config),
    );
    writeFileSync(join(tmp, 'secrets.yaml'), `# Secrets of gateway ${o.gateway}: keep mode 600, never commit.\n${YAML.stringify(secrets)}`, { mode: 0o600 });
    chmodSync(join(tmp, 'secrets.yaml'), 0o600);
    writeFileSync(join(tmp, 'site-registry.yaml'), `# Site registry ${o.site} as gateway ${o.gateway} reads it (${stamp}); identity keys are in secrets.yaml.\n${YAML.stringify(gwRegistry)}`);
    writeFileSync(
      join(tmp, UNIT_NAME),
      renderGatewayUnit({ description: `Touchpoint gateway ${o.gateway} (${o.site}/${o.spot})`, ...(o.nodePath ? { nodePath: o.nodePath } : {}), hciDevice: o.hci ?? 0 }),
    );
    copyFileSync(join(root, 'scripts', 'install-pi.sh'), join(tmp, 'install-pi.sh'));
    chmodSync(join(tmp, 'install-pi.sh'), 0o755);
    mkdirSync(join(tmp, 'udev'));
    copyFileSync(join(root, 'hardware', 'udev', '99-touchpoint.rules'), join(tmp, 'udev', '99-touchpoint.rules'));
    const app = o.app === undefined ? root : o.app;
    if (app !== null) copyApp(app, join(tmp, 'app'));

    // the config must load exactly as `gateway run` will load it (client.crt comes later, when signed)
    const check = loadGateway(join(tmp, 'gateway.yaml'), { env: {} });
    if (!check.ok) throw new Error(`the bundle's config does not load (a bug in provision): ${check.errors.map(formatIssue).join('; ')}`);
    if (check.warnings.length > 0) throw new Error(`the bundle's config loads with warnings (a bug in provision): ${check.warnings.map(formatIssue).join('; ')}`);

    const files = listFiles(tmp);
    writeFileSync(join(tmp, 'SHA256SUMS'), files.map((f) => `${sha256File(join(tmp, f))}  ${f}\n`).join(''));

    // only now touch the files other people read: the registry (backend) and the broker's users
    // (the keyring first: it is the one a concurrent provisioning could have changed since the check)
    if (o.keyring) {
      try {
        addToKeyringFile(o.keyring, { siteId: o.site, gatewayId: o.gateway, ...signingKey });
      } catch (e) {
        if (e instanceof KeyringFileError) throw new UsageError(`--keyring ${e.message}`);
        throw e;
      }
    }
    saveRegistryFile(regFile, additions);
    if (o.users && userEntry) saveUsers(o.users, upsertUser(users, userEntry));
    if (existsSync(out)) rmSync(out, { recursive: true });
    renameSync(tmp, out);
    chmodSync(out, 0o700);
    const top = files.filter((f) => !f.startsWith('app/') && !f.startsWith('udev/'));
    return {
      bundle: out,
      siteId: o.site,
      gatewayId: o.gateway,
      spot: o.spot,
      beaconIds: ids.ids,
      broker: { url: o.broker, username: o.gateway, auth: o.certRequest ? 'client-certificate' : 'password' },
      registry: o.registry,
      users: o.users && userEntry ? o.users : null,
      signing: { keyId: signingKey.keyId, keyring: o.keyring ?? null },
      files: [...top, ...(files.some((f) => f.startsWith('udev/')) ? ['udev/'] : []), ...(app !== null ? ['app/'] : []), 'SHA256SUMS'],
      next: [
        ...(o.certRequest ? [`have ${join(out, 'client.csr')} signed by the broker's CA and save the certificate as ${join(out, 'client.crt')}`] : []),
        ...(o.users || o.certRequest ? [] : [`add ${join(out, 'broker-user.yaml')} to the broker's users file`]),
        ...(o.keyring
          ? []
          : [`add the gateway's key to the backend's keyring: { siteId: ${o.site}, gatewayId: ${o.gateway}, signingKey: <${SECRET_SIGNING} from ${join(out, 'secrets.yaml')}> } (or provision with --keyring <file>)`]),
        `copy ${out} to the Pi (it holds secrets: scp -r, not e-mail), then on the Pi: sudo ./install-pi.sh . --dry-run, then sudo ./install-pi.sh .`,
        'then: sudo touchpoint-doctor (runs `touchpoint doctor` as the service user, with its capabilities)',
      ],
    };
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** For tests and install-pi.sh: the files a bundle lists in SHA256SUMS, with modes. */
export function bundleModes(dir: string): Record<string, number> {
  return Object.fromEntries(listFiles(dir).map((f) => [f, statSync(join(dir, f)).mode & 0o777]));
}
