#!/usr/bin/env bash
# Builds, and starts nothing, every cached part the engine and cluster suites need,
# in the order they are needed:
#   toolchain  the Pulumi engine, plugins and checkers   (scripts/setup/bootstrap-pulumi.sh)
#   cluster    Kubernetes, etcd, CoreDNS, the enforcer and the cluster's images (tools/cluster/build.sh)
#   images     both gateway releases' OCI images, not imported (tools/image/build.sh --no-import)
#   ingress    the Traefik controller, needed last, by the Ingress suite (tools/cluster/ingress/build.sh)
# Each phase is a quick check when its cache is there. Go uses one shared module and
# build cache for all of them.
#
#   bash tools/prebuild.sh [--status-dir DIR]
#
# With --status-dir, each phase that succeeds leaves DIR/<phase>.ok holding
# "<phase> <wall s> <cpu s>" (CPU = user + system of every process the phase ran),
# so a caller that started this in the background can go on as soon as the phase it
# needs is ready (.ci/run does; see tools/ci-wait.sh). Phase output goes to stderr.
# Prints one "<phase> wall <s> cpu <s>" line per phase on stdout at the end.
#
# Env: OPENCLAW_PLUGIN_SOURCES (required by the toolchain phase when it has to build),
# OPENCLAW_INFRA_CACHE, GOCACHE, GOMODCACHE, PIP_CACHE_DIR as everywhere else.
# CI runs this under `nice -n 19`, so that the test suites running meanwhile keep
# the CPU whenever they want it.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

status=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --status-dir)
      [[ $# -ge 2 ]] || { echo "prebuild: --status-dir needs a directory" >&2; exit 2; }
      status="$2"
      shift 2
      ;;
    -h | --help) sed -n '2,/^set -euo pipefail/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "prebuild: unknown argument $1 (expected --status-dir DIR or --help)" >&2; exit 2 ;;
  esac
done
if [[ -z "$status" ]]; then
  status="$(mktemp -d "${TMPDIR:-/tmp}/openclaw-prebuild.XXXXXX")"
  trap 'rm -rf "$status"' EXIT
fi
mkdir -p "$status"

phase() { # phase NAME CMD...
  local name="$1" t0=$SECONDS times
  shift
  times="$status/$name.time"
  printf '[prebuild] %s: %s\n' "$name" "$*" >&2
  if ! /usr/bin/time -f '%U %S' -o "$times" "$@" >&2; then
    printf '[prebuild] %s failed after %d s\n' "$name" "$((SECONDS - t0))" >&2
    exit 1
  fi
  awk -v n="$name" -v w="$((SECONDS - t0))" '{ printf "%s %d %d\n", n, w, $1 + $2 }' "$times" >"$status/$name.ok.tmp"
  mv "$status/$name.ok.tmp" "$status/$name.ok"
  printf '[prebuild] %s ready: wall %d s\n' "$name" "$((SECONDS - t0))" >&2
}

phase toolchain bash "$repo/scripts/setup/bootstrap-pulumi.sh"
phase cluster bash "$repo/tools/cluster/build.sh"
phase images bash "$repo/tools/image/build.sh" --no-import
# Traefik is the largest single build; the cores are this script's alone when
# nothing else runs, and CI runs it under nice.
phase ingress env OPENCLAW_CLUSTER_GO_P="${OPENCLAW_CLUSTER_GO_P:-2}" bash "$repo/tools/cluster/ingress/build.sh"

for name in toolchain cluster images ingress; do
  read -r n w c <"$status/$name.ok"
  printf '%s wall %s cpu %s\n' "$n" "$w" "$c"
done
