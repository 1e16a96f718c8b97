#!/usr/bin/env bash
# Test prerequisites that npm cannot install: Debian packages for the real-process
# tests (network namespaces, a real OpenSSH server, shellcheck), and the pinned
# OpenClaw gateway fixture. Idempotent; `npm run setup:test`. Needs root (or sudo)
# only when a package is missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

# command → Debian package
declare -A need=(
  [ip]=iproute2
  [sshd]=openssh-server
  [ssh]=openssh-client
  [ssh-keygen]=openssh-client
  [shellcheck]=shellcheck
  # Smoke tests: kubectl drives both cluster paths (its argument parsing is
  # tested against the real binary); unshare mounts the gateway config read-only.
  [kubectl]=kubernetes-client
  [unshare]=util-linux
  # nft: the smoke test that drops a source inside the netns, as a NetworkPolicy would.
  [nft]=nftables
  # Mac track: the install script's macOS tools that Debian has too.
  [lsof]=lsof
  [shasum]=perl
  [curl]=curl
)
missing=()
for cmd in "${!need[@]}"; do
  path_cmd="$cmd"
  [ "$cmd" = sshd ] && path_cmd=/usr/sbin/sshd
  command -v "$path_cmd" >/dev/null 2>&1 || missing+=("${need[$cmd]}")
done
if [ "${#missing[@]}" -gt 0 ]; then
  mapfile -t pkgs < <(printf '%s\n' "${missing[@]}" | sort -u)
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup:test: installing ${pkgs[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
fi

# The gateway under test: pinned release, installed from its lockfile into a cache dir on Node 24.
bash scripts/setup/fetch-gateway.sh >/dev/null
echo "setup:test: ready" >&2
