#!/usr/bin/env bash
# Installs a Touchpoint gateway bundle (from `touchpoint provision gateway`) on Raspberry Pi OS bookworm
# (arm64 or armhf). Idempotent: every step checks first and changes only what differs, so a second run
# prints "ok" lines and "nothing to change". Why each step: gateway/provision/README.md.
#
#   sudo ./install-pi.sh <bundle> [--dry-run] [--package <touchpoint-x.y.z.tgz>] [--uart|--no-uart] [--keep-bluetoothd]
#
#   --dry-run           print every change and its exact commands; change nothing
#   --package <tgz>     install this npm tarball instead of the bundle's app/ folder
#   --uart / --no-uart  enable the Pi's UART (raspi-config) or leave it; default: only when the config
#                       names a UART device (/dev/ttyAMA*, /dev/ttyS0, /dev/serial0|1)
#   --keep-bluetoothd   leave bluetooth.service running (it then fights the gateway over the adapter:
#                       scans and advertising change behind its back; see gateway/ble/README.md)
#
# TOUCHPOINT_ROOT=<dir> puts every file this script reads from or writes to the system under <dir>
# (tests, image builds). The system tools it calls (useradd, systemctl, raspi-config, udevadm, npm) are
# not confined by it: combine it with --dry-run, or put stand-ins for those tools first on PATH.
set -euo pipefail

SERVICE=touchpoint-gateway.service
SERVICE_USER=touchpoint
CONF_DIR=/etc/touchpoint
APP_BASE=/opt/touchpoint
STATE_DIR=/var/lib/touchpoint
UNIT_DIR=/etc/systemd/system
UDEV_DIR=/etc/udev/rules.d
BIN_DIR=/usr/local/bin
NODE_MAJOR_MIN=20

ROOT="${TOUCHPOINT_ROOT:-}"
ROOT="${ROOT%/}"
BUNDLE=""
PACKAGE=""
DRY_RUN=0
UART=auto
KEEP_BLUETOOTHD=0
CHANGES=0
RESTART=0
REBOOT=0

usage() {
  sed -n '2,/^[^#]/{/^#/p}' "$0" | sed 's/^# \{0,1\}//'
  exit 2
}

die() {
  printf 'error   %s\n' "$*" >&2
  exit 1
}

while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) DRY_RUN=1 ;;
    --package)
      [ $# -ge 2 ] || die "--package needs a file"
      PACKAGE=$2
      shift
      ;;
    --uart) UART=yes ;;
    --no-uart) UART=no ;;
    --keep-bluetoothd) KEEP_BLUETOOTHD=1 ;;
    -h | --help) usage ;;
    -*) die "unknown option $1 (--help)" ;;
    *)
      [ -z "$BUNDLE" ] || die "one bundle only (got $BUNDLE and $1)"
      BUNDLE=$1
      ;;
  esac
  shift
done
[ -n "$BUNDLE" ] || usage
BUNDLE=$(cd "$BUNDLE" 2>/dev/null && pwd) || die "no bundle folder $BUNDLE"

# --- output: every check says ok, or what it changes and the exact commands -----------------------

ok() { printf 'ok      %s\n' "$*"; }
note() { printf 'note    %s\n' "$*"; }

# change <what>: one change follows (its commands are printed by run)
change() {
  CHANGES=$((CHANGES + 1))
  if [ "$DRY_RUN" = 1 ]; then printf 'would   %s\n' "$*"; else printf 'change  %s\n' "$*"; fi
}

# an argument as a shell would need it typed: bare when safe, else in single quotes
quote() {
  case $1 in
    '' | *[!A-Za-z0-9_./:=@%+,-]*) printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")" ;;
    *) printf '%s' "$1" ;;
  esac
}

# run <command…>: prints it; runs it unless --dry-run
run() {
  printf '        $'
  for arg in "$@"; do printf ' %s' "$(quote "$arg")"; done
  printf '\n'
  if [ "$DRY_RUN" = 0 ]; then "$@"; fi
}

# a system path under TOUCHPOINT_ROOT
at() { printf '%s%s' "$ROOT" "$1"; }

# --- preconditions (read only) ---------------------------------------------------------------------

for f in gateway.yaml secrets.yaml site-registry.yaml "$SERVICE" SHA256SUMS udev/99-touchpoint.rules; do
  [ -f "$BUNDLE/$f" ] || die "$BUNDLE/$f is missing: is this a bundle from \`touchpoint provision gateway\`?"
done
if ! (cd "$BUNDLE" && sha256sum --quiet --strict -c SHA256SUMS >/dev/null 2>&1); then
  die "$BUNDLE does not match its SHA256SUMS (copied incompletely or edited?): cd $BUNDLE && sha256sum -c SHA256SUMS"
fi
ok "bundle $BUNDLE matches SHA256SUMS"
if grep -qE '^[[:space:]]+cert: client\.crt' "$BUNDLE/gateway.yaml" && [ ! -f "$BUNDLE/client.crt" ]; then
  die "the config uses a client certificate: have client.csr signed by the broker's CA and save it as $BUNDLE/client.crt"
fi

if [ "$DRY_RUN" = 0 ] && [ -z "$ROOT" ] && [ "$(id -u)" != 0 ]; then
  die "run as root (sudo $0 $BUNDLE), or see what would change with --dry-run"
fi

for tool in node npm systemctl getent useradd usermod groupadd id install cmp sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found (Raspberry Pi OS bookworm has it; for node: Node.js $NODE_MAJOR_MIN or newer)"
done

case "$(uname -m)" in
  aarch64 | arm64) ok "architecture arm64" ;;
  armv7l | armv6l) ok "architecture armhf ($(uname -m))" ;;
  *) note "architecture $(uname -m): not a Raspberry Pi; continuing" ;;
esac
codename=""
if [ -r "$(at /etc/os-release)" ]; then
  codename=$(sed -n 's/^VERSION_CODENAME=//p' "$(at /etc/os-release)" | tr -d '"')
fi
if [ "$codename" = bookworm ]; then ok "Debian bookworm"; else note "OS release ${codename:-unknown}: written for Raspberry Pi OS bookworm; continuing"; fi

NODE=$(command -v node)
node_version=$(node --version 2>/dev/null || true)
node_major=$(printf '%s' "$node_version" | sed -n 's/^v\([0-9][0-9]*\)\..*/\1/p')
if [ -z "$node_major" ] || [ "$node_major" -lt "$NODE_MAJOR_MIN" ]; then
  die "Node.js ${node_version:-missing} at $NODE: the gateway needs Node $NODE_MAJOR_MIN or newer (https://github.com/nodesource/distributions, or apt install nodejs from a repo that has it)"
fi
ok "Node.js $node_version ($NODE)"

# --- 1. the package: /opt/touchpoint/releases/<id>, /opt/touchpoint/current → it --------------------

if [ -n "$PACKAGE" ]; then
  [ -f "$PACKAGE" ] || die "--package $PACKAGE: no such file"
  release_id=$(sha256sum "$PACKAGE" | cut -c1-16)
elif [ -d "$BUNDLE/app" ]; then
  release_id=$(grep ' app/' "$BUNDLE/SHA256SUMS" | sha256sum | cut -c1-16)
else
  die "the bundle has no app/ folder: give the package with --package touchpoint-x.y.z.tgz (npm pack)"
fi
release=$APP_BASE/releases/$release_id
if [ "$(cat "$(at "$release")/.touchpoint-release" 2>/dev/null || true)" = "$release_id" ]; then
  ok "package $release_id installed in $release"
else
  change "install the package in $release (npm ci --omit=dev: native modules for this Pi)"
  run rm -rf "$(at "$release")"
  run mkdir -p "$(at "$release")"
  if [ -n "$PACKAGE" ]; then
    run tar -xzf "$PACKAGE" -C "$(at "$release")" --strip-components=1 --no-same-owner
    # the tarball is the source package: its build scripts need TypeScript, which --omit=dev leaves out
    run node -e 'const f=process.argv[1];const p=JSON.parse(require("fs").readFileSync(f,"utf8"));for(const s of ["prepare","prepublish","preinstall","install","postinstall"])delete (p.scripts||{})[s];require("fs").writeFileSync(f,JSON.stringify(p,null,2))' "$(at "$release")/package.json"
    run npm install --prefix "$(at "$release")" --omit=dev --no-audit --no-fund
  else
    run cp -R "$BUNDLE/app/." "$(at "$release")/"
    run npm ci --prefix "$(at "$release")" --omit=dev --no-audit --no-fund
  fi
  [ "$DRY_RUN" = 1 ] || printf '%s\n' "$release_id" >"$(at "$release")/.touchpoint-release"
  RESTART=1
fi
if [ "$(readlink "$(at "$APP_BASE/current")" 2>/dev/null || true)" = "$release" ]; then
  ok "$APP_BASE/current → $release"
else
  change "point $APP_BASE/current at $release"
  run ln -sfn "$release" "$(at "$APP_BASE/current")"
  RESTART=1
fi

# --- 2. the service user: system account, no login, serial ports (dialout) and bluetooth -------------

if getent passwd "$SERVICE_USER" >/dev/null; then
  ok "system user $SERVICE_USER"
else
  change "create system user $SERVICE_USER (no login, home $STATE_DIR)"
  run useradd --system --user-group --home-dir "$STATE_DIR" --no-create-home --shell /usr/sbin/nologin "$SERVICE_USER"
fi
for group in dialout bluetooth; do
  if getent group "$group" >/dev/null; then
    ok "group $group"
  else
    change "create group $group"
    run groupadd --system "$group"
  fi
done
groups_now=" $(id -nG "$SERVICE_USER" 2>/dev/null || true) "
missing=""
for group in dialout bluetooth; do
  case "$groups_now" in *" $group "*) ;; *) missing="${missing:+$missing,}$group" ;; esac
done
if [ -z "$missing" ]; then
  ok "$SERVICE_USER is in dialout and bluetooth"
else
  change "add $SERVICE_USER to $missing"
  run usermod -aG "$missing" "$SERVICE_USER"
fi

# --- 3. config, registry, secrets: /etc/touchpoint ---------------------------------------------------

# ensure_file <source> <system path> <mode> <owner:group>
ensure_file() {
  local src=$1 dst=$2 mode=$3 owner=$4 path
  path=$(at "$dst")
  if [ -f "$path" ] && cmp -s "$src" "$path"; then
    if [ "$(stat -c '%a %U:%G' "$path")" = "${mode#0} $owner" ]; then
      ok "$dst"
    else
      change "$dst: mode $mode, owner $owner"
      run chmod "$mode" "$path"
      run chown "$owner" "$path"
      RESTART=1
    fi
  else
    change "install $dst (mode $mode, owner $owner)"
    run install -D -m "$mode" "$src" "$path"
    run chown "$owner" "$path"
    RESTART=1
  fi
}

if [ -d "$(at "$CONF_DIR")" ]; then ok "$CONF_DIR"; else
  change "create $CONF_DIR"
  run install -d -m 0755 "$(at "$CONF_DIR")"
fi
ensure_file "$BUNDLE/gateway.yaml" "$CONF_DIR/gateway.yaml" 0640 "root:$SERVICE_USER"
ensure_file "$BUNDLE/site-registry.yaml" "$CONF_DIR/site-registry.yaml" 0640 "root:$SERVICE_USER"
# the gateway warns about a secrets file others can read (gateway/config): 600, owned by the service user
ensure_file "$BUNDLE/secrets.yaml" "$CONF_DIR/secrets.yaml" 0600 "$SERVICE_USER:$SERVICE_USER"
for f in ca.pem client.crt; do
  if [ -f "$BUNDLE/$f" ]; then ensure_file "$BUNDLE/$f" "$CONF_DIR/$f" 0644 root:root; fi
done
if [ -f "$BUNDLE/client.key" ]; then ensure_file "$BUNDLE/client.key" "$CONF_DIR/client.key" 0600 "$SERVICE_USER:$SERVICE_USER"; fi

# --- 4. the systemd unit: capabilities, watchdog, restart ------------------------------------------

unit_text=$(sed "s#^ExecStart=[^ ]*#ExecStart=$NODE#" "$BUNDLE/$SERVICE")
unit_path=$(at "$UNIT_DIR/$SERVICE")
if [ -f "$unit_path" ] && [ "$(cat "$unit_path")" = "$unit_text" ]; then
  ok "$UNIT_DIR/$SERVICE"
  unit_changed=0
else
  change "install $UNIT_DIR/$SERVICE (ExecStart with $NODE)"
  printf '        $ sed %s %s > %s\n' "$(quote "s#^ExecStart=[^ ]*#ExecStart=$NODE#")" "$(quote "$BUNDLE/$SERVICE")" "$(quote "$unit_path")"
  if [ "$DRY_RUN" = 0 ]; then
    install -d -m 0755 "$(dirname "$unit_path")"
    printf '%s\n' "$unit_text" >"$unit_path"
    chmod 0644 "$unit_path"
  fi
  unit_changed=1
  RESTART=1
fi
if command -v systemd-analyze >/dev/null 2>&1; then
  if [ "$DRY_RUN" = 1 ] && [ "$unit_changed" = 1 ]; then
    verify_file=$BUNDLE/$SERVICE
  else
    verify_file=$unit_path
  fi
  if [ "$DRY_RUN" = 1 ] && [ "$unit_changed" = 1 ] && ! grep -q "^ExecStart=$NODE " "$verify_file"; then
    note "systemd-analyze verify runs on the installed unit (node is $NODE here, not the bundle's)"
  elif verify_out=$(systemd-analyze verify "$verify_file" 2>&1) && [ -z "$verify_out" ]; then
    ok "systemd-analyze verify $(basename "$verify_file")"
  else
    die "systemd-analyze verify $verify_file: ${verify_out:-failed}"
  fi
else
  note "systemd-analyze not installed: unit not verified (apt install systemd)"
fi
if [ "$unit_changed" = 1 ] && [ -z "$ROOT" ]; then
  change "reload systemd"
  run systemctl daemon-reload
fi
if [ "$(systemctl is-enabled "$SERVICE" 2>/dev/null || true)" = enabled ]; then
  ok "$SERVICE enabled"
else
  change "enable $SERVICE at boot"
  run systemctl enable "$SERVICE"
fi

# --- 5. the UART, when a sensor is on it (raspi-config; a reboot applies it) ------------------------

if [ "$UART" = auto ]; then
  if grep -qE '^[[:space:]]+path: /dev/(ttyAMA[0-9]+|ttyS0|serial[01])[[:space:]]*$' "$BUNDLE/gateway.yaml"; then UART=yes; else UART=no; fi
fi
if [ "$UART" = yes ]; then
  command -v raspi-config >/dev/null 2>&1 || die "a sensor is on the Pi's UART but raspi-config is missing (apt install raspi-config), or enable it by hand: hardware/WIRING.md"
  if [ "$(raspi-config nonint get_serial_hw)" = 0 ]; then ok "UART enabled"; else
    change "enable the UART (enable_uart=1)"
    run raspi-config nonint do_serial_hw 0
    REBOOT=1
  fi
  # a login console on the radar's UART answers its frames with prompts (hardware/WIRING.md)
  if [ "$(raspi-config nonint get_serial_cons)" = 1 ]; then ok "no serial console on the UART"; else
    change "take the serial console off the UART"
    run raspi-config nonint do_serial_cons 1
    REBOOT=1
  fi
else
  ok "UART left as it is (the sensors are on USB)"
fi

# --- 6. stable device names: hardware/udev rules -----------------------------------------------------

rules=$(at "$UDEV_DIR/99-touchpoint.rules")
if [ -f "$rules" ] && cmp -s "$BUNDLE/udev/99-touchpoint.rules" "$rules"; then
  ok "$UDEV_DIR/99-touchpoint.rules"
else
  change "install $UDEV_DIR/99-touchpoint.rules (/dev/touchpoint-radar0, /dev/touchpoint-touch0)"
  run install -D -m 0644 "$BUNDLE/udev/99-touchpoint.rules" "$rules"
  if [ -z "$ROOT" ]; then
    run udevadm control --reload-rules
    run udevadm trigger --subsystem-match=tty
  fi
fi

# --- 7. bluetoothd off the adapter: it reprograms scanning and advertising behind the gateway's back --

if [ "$KEEP_BLUETOOTHD" = 1 ]; then
  note "bluetooth.service left running (--keep-bluetoothd)"
elif [ "$(systemctl is-enabled bluetooth.service 2>/dev/null || true)" = masked ]; then
  ok "bluetooth.service masked (the gateway owns the adapter; unmask to hand it back)"
else
  change "stop, disable and mask bluetooth.service (the gateway owns hci0; see gateway/ble/README.md)"
  run systemctl disable --now bluetooth.service
  run systemctl mask bluetooth.service
  RESTART=1
fi

# --- 8. commands for the technician: touchpoint, touchpoint-doctor ----------------------------------

cli_text=$(printf '#!/bin/sh\n# the Touchpoint CLI (install-pi.sh)\nexec %s %s/current/dist/gateway/cli/main.js "$@"\n' "$NODE" "$APP_BASE")
doctor_text=$(printf '%s\n' '#!/bin/sh' \
  '# touchpoint doctor as the service runs it: its user, groups and Bluetooth capabilities (install-pi.sh)' \
  "exec systemd-run --quiet --pipe --wait --collect --uid=$SERVICE_USER --gid=$SERVICE_USER \\" \
  "  -p 'SupplementaryGroups=dialout bluetooth' -p 'AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN' -p Environment=NOBLE_MULTI_ROLE=1 \\" \
  "  $NODE $APP_BASE/current/dist/gateway/cli/main.js doctor --config $CONF_DIR/gateway.yaml \"\$@\"")
for name in touchpoint touchpoint-doctor; do
  if [ "$name" = touchpoint ]; then text=$cli_text; else text=$doctor_text; fi
  path=$(at "$BIN_DIR/$name")
  if [ -f "$path" ] && [ -x "$path" ] && [ "$(cat "$path")" = "$text" ]; then
    ok "$BIN_DIR/$name"
  else
    change "install $BIN_DIR/$name"
    printf '        $ cat > %s (%s lines); chmod 0755\n' "$(quote "$path")" "$(printf '%s\n' "$text" | wc -l)"
    if [ "$DRY_RUN" = 0 ]; then
      install -d -m 0755 "$(dirname "$path")"
      printf '%s\n' "$text" >"$path"
      chmod 0755 "$path"
    fi
  fi
done

# --- 9. (re)start ------------------------------------------------------------------------------------

if [ -n "$ROOT" ]; then
  note "TOUCHPOINT_ROOT=$ROOT: the service is not started here"
elif [ "$RESTART" = 1 ]; then
  change "restart $SERVICE"
  run systemctl restart "$SERVICE"
elif [ "$(systemctl is-active "$SERVICE" 2>/dev/null || true)" = active ]; then
  ok "$SERVICE running"
else
  change "start $SERVICE"
  run systemctl start "$SERVICE"
fi

if [ "$CHANGES" = 0 ]; then
  printf 'done    nothing to change\n'
elif [ "$DRY_RUN" = 1 ]; then
  printf 'done    %s changes would be made (run again without --dry-run)\n' "$CHANGES"
else
  printf 'done    %s changes; check with: sudo touchpoint-doctor\n' "$CHANGES"
fi
if [ "$REBOOT" = 1 ]; then printf 'note    reboot to apply the UART settings: sudo reboot\n'; fi
