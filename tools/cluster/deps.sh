#!/usr/bin/env bash
# Debian packages the local cluster runs on (containerd, runc, CNI plugins, and
# the netfilter tools), installed with apt-get when missing, as
# scripts/setup/setup-test.sh does for the test prerequisites. Idempotent.
set -euo pipefail
# shellcheck source=env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
declare -A need=(
  [/usr/bin/containerd]=containerd
  [/usr/bin/ctr]=containerd
  [/usr/sbin/runc]=runc
  [/usr/lib/cni/bridge]=containernetworking-plugins
  [/usr/lib/cni/host-local]=containernetworking-plugins
  [/usr/sbin/nft]=nftables
  [/usr/sbin/iptables]=iptables
  [/usr/sbin/conntrack]=conntrack
  [/usr/bin/unshare]=util-linux
  [/usr/bin/openssl]=openssl
  [/usr/bin/curl]=curl
  [/usr/bin/gcc]=gcc
  [/usr/bin/bc]=bc
)
missing=()
for path in "${!need[@]}"; do
  [[ -x "$path" ]] || missing+=("${need[$path]}")
done
if ((${#missing[@]})); then
  mapfile -t pkgs < <(printf '%s\n' "${missing[@]}" | sort -u)
  cluster_log "installing Debian packages: ${pkgs[*]}"
  apt-get update -qq
  # policy-rc.d or not: containerd's own service is never started by us; the
  # cluster runs its own containerd with its own root and socket.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
fi
# gcc -static needs libc.a (libc6-dev).
[[ -f /usr/lib/x86_64-linux-gnu/libc.a ]] || {
  cluster_log "installing libc6-dev (static pause binary)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libc6-dev >/dev/null
}
