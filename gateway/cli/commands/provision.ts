/**
 * `touchpoint provision gateway`: writes a gateway bundle (config, credentials, spot identity, systemd
 * unit, installer) and registers the gateway in the site registry and the broker's users file
 * (gateway/provision/bundle.ts), and with --keyring its signing key in the backend's keyring.
 * `provision beacon` lives in beacon.ts under the same parent.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { type BundleDeps, GATEWAY_FRAMES, type GatewayFrame, provisionGateway } from '../../provision/bundle.js';
import { intArg } from '../args.js';
import { type CliIo, printJson } from '../io.js';

interface ProvisionGatewayCli {
  site: string;
  gateway: string;
  spot: string;
  broker: string;
  registry: string;
  out?: string;
  ca?: string;
  users?: string;
  keyring?: string;
  secrets?: string;
  certRequest?: boolean;
  radar: string | false;
  radarModel: 'ld2410' | 'ld2450';
  touch: string | false;
  frames: GatewayFrame[];
  exponent: number;
  hci: number;
  node: string;
  app: string | false;
}

function framesArg(v: string): GatewayFrame[] {
  const list = v.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = list.filter((f) => !(GATEWAY_FRAMES as readonly string[]).includes(f));
  if (bad.length > 0) throw new InvalidArgumentError(`unknown frame ${bad.join(', ')} (the gateway can send ${GATEWAY_FRAMES.join(', ')})`);
  if (list.length === 0 || list.length > 4 || new Set(list).size !== list.length) throw new InvalidArgumentError('--frames lists 1..4 different frames');
  return list as GatewayFrame[];
}

function subcommandOf(program: Command, name: string, description: string): Command {
  return program.commands.find((c) => c.name() === name) ?? program.command(name).description(description);
}

export function registerProvision(program: Command, io: CliIo, deps: BundleDeps = {}): void {
  subcommandOf(program, 'provision', 'make provisioning files for Touchpoint devices')
    .command('gateway')
    .description('write a gateway bundle (config, broker credentials, spot beacon identity, systemd unit, installer) and register the gateway')
    .requiredOption('--site <id>', 'site ID')
    .requiredOption('--gateway <id>', 'gateway ID, unique in the site (also its broker login and MQTT client ID)')
    .requiredOption('--spot <id>', 'spot the gateway watches; gets a fresh Eddystone-EID identity')
    .requiredOption('--broker <url>', 'broker URL, e.g. mqtts://broker.store-12.example:8883')
    .requiredOption('--registry <file>', 'site registry the backend reads (YAML or JSON); created if missing')
    .option('--out <dir>', 'bundle folder (default ./touchpoint-<gateway>); must not exist or be empty')
    .option('--ca <file>', "the broker's CA certificate (PEM), copied into the bundle")
    .option('--users <file>', "the broker's users file: the gateway's login is added (created if missing)")
    .option('--keyring <file>', "the backend's keyring: the gateway's signing key is added (created if missing, mode 600)")
    .option('--secrets <file>', 'site secrets file, for ${SECRET:…} references in the registry')
    .option('--cert-request', 'a client key and certificate request (openssl) instead of a password')
    .option('--radar <path>', 'radar serial device', '/dev/touchpoint-radar0')
    .option('--no-radar', 'no radar fitted')
    .addOption(new Option('--radar-model <model>', 'radar model').choices(['ld2410', 'ld2450']).default('ld2410'))
    .option('--touch <path>', 'touch bridge serial device', '/dev/touchpoint-touch0')
    .option('--no-touch', 'no touch bridge fitted')
    .option('--frames <list>', `frames the gateway advertises for its spot (${GATEWAY_FRAMES.join(', ')})`, framesArg, ['eddystone-eid'])
    .option('--exponent <K>', 'EID rotation exponent 0..15 (new EID every 2^K s)', intArg('--exponent', 0, 15), 10)
    .option('--hci <n>', 'Bluetooth adapter hciN', intArg('--hci', 0, 255), 0)
    .option('--node <path>', 'node on the Pi (install-pi.sh corrects it if node lives elsewhere)', '/usr/bin/node')
    .option('--app <dir>', 'built package to include (default: this one)')
    .option('--no-app', 'leave the package out (install it with install-pi.sh --package)')
    .action(async (o: ProvisionGatewayCli) => {
      const summary = await provisionGateway(
        {
          site: o.site,
          gateway: o.gateway,
          spot: o.spot,
          broker: o.broker,
          registry: o.registry,
          out: o.out ?? `touchpoint-${o.gateway}`,
          ...(o.ca ? { ca: o.ca } : {}),
          ...(o.users ? { users: o.users } : {}),
          ...(o.keyring ? { keyring: o.keyring } : {}),
          ...(o.secrets ? { secrets: o.secrets } : {}),
          certRequest: o.certRequest === true,
          radar: o.radar === false ? null : o.radar,
          radarModel: o.radarModel,
          touch: o.touch === false ? null : o.touch,
          frames: o.frames,
          exponent: o.exponent,
          hci: o.hci,
          nodePath: o.node,
          ...(o.app === false ? { app: null } : typeof o.app === 'string' ? { app: o.app } : {}),
        },
        deps,
      );
      printJson(io, summary);
    });
}
