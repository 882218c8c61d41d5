#!/usr/bin/env bash
# Stand-in for the system tools install-pi.sh calls (install-pi.test.ts): answers by the name it is
# called with, keeps state in files under $TP_STATE and appends every call to $TP_STATE/calls.log.
set -eu
name=$(basename "$0")
S=$TP_STATE
echo "$name $*" >>"$S/calls.log"
get() { cat "$S/$1" 2>/dev/null || printf '%s' "$2"; }
case "$name" in
  node) if [ "$1" = --version ]; then echo "${TP_NODE_VERSION:-v20.19.0}"; else exec "$TP_REAL_NODE" "$@"; fi ;;
  npm) ;;
  uname) echo aarch64 ;;
  getent)
    case "$1" in
      passwd) grep -qx "$2" "$S/users" 2>/dev/null ;;
      group) grep -qx "$2" "$S/groups" 2>/dev/null ;;
    esac ;;
  useradd) echo "${@: -1}" >>"$S/users"; echo "${@: -1}" >>"$S/groups" ;;
  groupadd) echo "${@: -1}" >>"$S/groups" ;;
  usermod) for g in $(echo "$2" | tr , ' '); do echo "$g" >>"$S/members"; done ;;
  id)
    if [ "$1" = -nG ]; then grep -qx "$2" "$S/users" 2>/dev/null || exit 1; echo "$2 $(tr '\n' ' ' <"$S/members" 2>/dev/null)"; else exec /usr/bin/id "$@"; fi ;;
  chown) echo "$1" >"$S/owner.$(echo "$2" | md5sum | cut -c1-16)" ;;
  stat)
    if [ "$1" = -c ] && [ "$2" = '%a %U:%G' ]; then
      echo "$(/usr/bin/stat -c %a "$3") $(get "owner.$(echo "$3" | md5sum | cut -c1-16)" root:root)"
    else exec /usr/bin/stat "$@"; fi ;;
  systemctl)
    verb=$1; shift
    case "$verb" in
      is-enabled) get "enabled.$1" "$([ "$1" = bluetooth.service ] && echo enabled || echo disabled)"; echo ;;
      is-active) get "active.$1" inactive; echo ;;
      enable) echo enabled >"$S/enabled.$1" ;;
      disable) [ "$1" = --now ] && shift && echo inactive >"$S/active.$1"; echo disabled >"$S/enabled.$1" ;;
      mask) echo masked >"$S/enabled.$1" ;;
      start|restart) echo active >"$S/active.$1" ;;
      daemon-reload) ;;
    esac ;;
  raspi-config)
    case "$2" in
      get_serial_hw) get serial_hw 1; echo ;;
      get_serial_cons) get serial_cons 0; echo ;;
      do_serial_hw) echo "$3" >"$S/serial_hw" ;;
      do_serial_cons) echo "$3" >"$S/serial_cons" ;;
    esac ;;
  udevadm) ;;
esac
