#!/usr/bin/env bash
# Three SSH "hosts" on this machine, for trying examples/fleet without servers: OpenSSH servers
# on 127.0.0.11, .12 and .13 (port 2222), each with its own host key, a non-root deploy user
# `scdeploy`, a client key and a known_hosts file, all under examples/fleet/.local-hosts/.
#
#   sudo examples/fleet/local-hosts.sh start    # needs root: it creates the user and starts sshd
#   sudo examples/fleet/local-hosts.sh stop     # stops the three servers and what scdeploy runs
#
# Needs openssh-server (Debian: apt-get install openssh-server).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dir="$here/.local-hosts"
user=scdeploy
sshd=/usr/sbin/sshd

stop() {
  for i in 1 2 3; do
    pid_file="$dir/h$i/sshd.pid"
    [ -f "$pid_file" ] && kill "$(cat "$pid_file")" 2>/dev/null || true
    rm -f "$pid_file"
  done
  # Only the demo's own user: nothing else is touched.
  if id "$user" >/dev/null 2>&1; then pkill -u "$user" 2>/dev/null || true; fi
  echo "stopped the local hosts"
}

start() {
  [ "$(id -u)" -eq 0 ] || { echo "run it as root (sudo): it creates the user $user and starts sshd" >&2; exit 1; }
  [ -x "$sshd" ] || { echo "no $sshd: install openssh-server (apt-get install openssh-server)" >&2; exit 1; }
  mkdir -p -m 0755 /run/sshd "$dir"
  if ! id "$user" >/dev/null 2>&1; then
    useradd -m -s /bin/bash "$user"
    usermod -p '*' "$user" # a locked account ('!') refuses even key logins without PAM
  fi
  [ -f "$dir/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -f "$dir/id_ed25519" -C stagecraft-demo
  cp "$dir/id_ed25519.pub" "$dir/authorized_keys"
  : > "$dir/known_hosts"
  for i in 1 2 3; do
    d="$dir/h$i"
    mkdir -p "$d"
    [ -f "$d/ssh_host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -f "$d/ssh_host_ed25519_key"
    cat > "$d/sshd_config" <<CFG
ListenAddress 127.0.0.1$i:2222
HostKey $d/ssh_host_ed25519_key
PidFile $d/sshd.pid
AuthorizedKeysFile $dir/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
MaxSessions 64
MaxStartups 64:30:128
Subsystem sftp /usr/lib/openssh/sftp-server
CFG
    if [ -f "$d/sshd.pid" ] && kill -0 "$(cat "$d/sshd.pid")" 2>/dev/null; then
      echo "127.0.0.1$i:2222 already runs"
    else
      "$sshd" -f "$d/sshd_config" -E "$d/sshd.log"
    fi
    echo "[127.0.0.1$i]:2222 $(cut -d' ' -f1,2 "$d/ssh_host_ed25519_key.pub")" >> "$dir/known_hosts"
  done
  # The key and known_hosts are read by whoever runs stagecraft.
  chmod 0644 "$dir/known_hosts" "$dir/id_ed25519.pub"
  [ -n "${SUDO_USER:-}" ] && chown "$SUDO_USER" "$dir/id_ed25519" "$dir/known_hosts" || true
  echo "three hosts: 127.0.0.11, 127.0.0.12 and 127.0.0.13, port 2222, user $user"
  echo "  key: $dir/id_ed25519   known_hosts: $dir/known_hosts"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
