/**
 * The systemd unit that runs a gateway on a Raspberry Pi, and a small parser to check one.
 *
 * Choices (gateway/provision/README.md has the reasoning):
 *  - a dedicated system user, no root: `User=touchpoint`, serial devices through `dialout`;
 *  - raw Bluetooth through the service's capabilities, not `setcap` on the node binary (every node
 *    script on the machine would get them, and a node upgrade loses them): `AmbientCapabilities=
 *    CAP_NET_RAW CAP_NET_ADMIN` with the same bounding set and `NoNewPrivileges=yes`
 *    (gateway/ble/README.md "Without setcap");
 *  - `Type=notify` + `WatchdogSec=`: the gateway says READY=1 once it runs and WATCHDOG=1 every half
 *    period (sd-notify.ts). Node cannot send on the AF_UNIX datagram socket itself, so the messages
 *    go through `systemd-notify`, a child process — hence `NotifyAccess=all`;
 *  - `Restart=always` and no start limit: a gateway in a store has nobody to restart it;
 *  - bluetoothd is masked by install-pi.sh (it reprograms scanning and advertising behind noble's and
 *    bleno's back), so ExecStartPre powers the adapter up (noble only waits for it: hci.js pollIsDevUp).
 */

export interface GatewayUnitOptions {
  /** Shown by systemctl status. */
  description?: string;
  /** Absolute path of node (systemd does not search PATH the way a shell does). Default /usr/bin/node. */
  nodePath?: string;
  /** Where the package is installed (dist/ inside). Default /opt/touchpoint/current. */
  appDir?: string;
  configPath?: string;
  user?: string;
  /** systemd kills and restarts the gateway when no WATCHDOG=1 arrives for this long. Default 30. */
  watchdogSec?: number;
  /** hciN used for scanning and advertising. Default 0. */
  hciDevice?: number;
}

export const UNIT_NAME = 'touchpoint-gateway.service';
export const DEFAULT_UNIT: Required<GatewayUnitOptions> = {
  description: 'Touchpoint gateway',
  nodePath: '/usr/bin/node',
  appDir: '/opt/touchpoint/current',
  configPath: '/etc/touchpoint/gateway.yaml',
  user: 'touchpoint',
  watchdogSec: 30,
  hciDevice: 0,
};

const SAFE_PATH = /^\/[A-Za-z0-9._/+-]*$/;
const SAFE_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;

/** The unit file text. Throws RangeError on values that would not survive systemd's quoting. */
export function renderGatewayUnit(options: GatewayUnitOptions = {}): string {
  const o = { ...DEFAULT_UNIT, ...options };
  for (const [k, v] of [['nodePath', o.nodePath], ['appDir', o.appDir], ['configPath', o.configPath]] as const) {
    if (!SAFE_PATH.test(v)) throw new RangeError(`${k} must be an absolute path of [A-Za-z0-9._/+-], got ${JSON.stringify(v)}`);
  }
  if (!SAFE_NAME.test(o.user)) throw new RangeError(`user must be a system user name, got ${JSON.stringify(o.user)}`);
  if (!Number.isInteger(o.watchdogSec) || o.watchdogSec < 5 || o.watchdogSec > 3600) throw new RangeError('watchdogSec must be 5..3600');
  if (!Number.isInteger(o.hciDevice) || o.hciDevice < 0 || o.hciDevice > 255) throw new RangeError('hciDevice must be 0..255');
  if (/[\n\\%$]/.test(o.description)) throw new RangeError('description must be one line without \\ % $');
  const hci = String(o.hciDevice);
  return `# Touchpoint gateway (installed by scripts/install-pi.sh; written by \`touchpoint provision gateway\`).
# Why each setting: gateway/provision/README.md.
[Unit]
Description=${o.description}
Wants=network-online.target
After=network-online.target time-sync.target bluetooth.target
# a store has nobody to press restart: never stop trying
StartLimitIntervalSec=0

[Service]
Type=notify
# READY=1 and WATCHDOG=1 come from systemd-notify, a child of node (gateway/provision/sd-notify.ts)
NotifyAccess=all
WatchdogSec=${o.watchdogSec}
TimeoutStartSec=120
TimeoutStopSec=30
Restart=always
RestartSec=5
# bluetoothd is masked (install-pi.sh), so nothing else powers the adapter up; needs CAP_NET_ADMIN only
ExecStartPre=-/bin/sh -c 'hciconfig hci${hci} up 2>/dev/null || btmgmt --index ${hci} power on >/dev/null 2>&1'
ExecStart=${o.nodePath} ${o.appDir}/dist/gateway/cli/main.js gateway run --config ${o.configPath}
User=${o.user}
Group=${o.user}
SupplementaryGroups=dialout bluetooth
# raw HCI sockets for noble (scan) and bleno (advertise), without root and without setcap
AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN
CapabilityBoundingSet=CAP_NET_RAW CAP_NET_ADMIN
NoNewPrivileges=yes
Environment=NODE_ENV=production NOBLE_HCI_DEVICE_ID=${hci} BLENO_HCI_DEVICE_ID=${hci} NOBLE_MULTI_ROLE=1
StateDirectory=touchpoint
StateDirectoryMode=0750
WorkingDirectory=/var/lib/touchpoint
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectControlGroups=yes
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_BLUETOOTH AF_NETLINK
RestrictRealtime=yes
LockPersonality=yes

[Install]
WantedBy=multi-user.target
`;
}

export interface UnitEntry {
  key: string;
  value: string;
  line: number;
}

export type ParsedUnit = { ok: true; sections: Map<string, UnitEntry[]> } | { ok: false; line: number; message: string };

/**
 * systemd.syntax(7) for the subset unit files use: `[Section]` headers, `Key=Value` lines, `#`/`;`
 * comments, trailing `\` continuations. A key may repeat (values accumulate, as for Environment=).
 */
export function parseUnit(text: string): ParsedUnit {
  const sections = new Map<string, UnitEntry[]>();
  let current: UnitEntry[] | null = null;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let raw = lines[i]!.trim();
    const lineNo = i + 1;
    while (raw.endsWith('\\') && i + 1 < lines.length) raw = raw.slice(0, -1) + ' ' + lines[++i]!.trim();
    if (raw === '' || raw.startsWith('#') || raw.startsWith(';')) continue;
    const section = /^\[([A-Za-z][A-Za-z0-9-]*)\]$/.exec(raw);
    if (section) {
      if (sections.has(section[1]!)) return { ok: false, line: lineNo, message: `section [${section[1]}] twice` };
      current = [];
      sections.set(section[1]!, current);
      continue;
    }
    const kv = /^([A-Za-z][A-Za-z0-9]*)\s*=\s*(.*)$/.exec(raw);
    if (!kv) return { ok: false, line: lineNo, message: `not a Key=Value line: ${raw}` };
    if (!current) return { ok: false, line: lineNo, message: 'setting before any [Section]' };
    current.push({ key: kv[1]!, value: kv[2]!, line: lineNo });
  }
  return { ok: true, sections };
}

/** Every value of `key` in `section` (space-separated lists split), in order. */
export function unitValues(unit: Map<string, UnitEntry[]>, section: string, key: string): string[] {
  return (unit.get(section) ?? []).filter((e) => e.key === key).map((e) => e.value);
}
