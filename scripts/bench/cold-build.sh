#!/usr/bin/env bash
# npm run bench:cold-build [-- --keep]
#
# What the builds cost on a machine whose caches outside the repository are empty:
# tools/prebuild.sh (the Pulumi toolchain, every cluster part, both gateway images and
# the ingress controller) into a throw-away cache root, with empty Go module, Go
# build and pip caches. The npm cache stays warm (CI's `npm ci` fills it in seconds
# either way; say so when quoting the figure). The running cluster and the real
# caches are not touched: this builds only, it starts nothing. For the whole of CI
# with empty caches, see npm run bench:cold-ci.
#
# Prints per phase the wall time and the CPU time (user + system of every process
# the phase ran), with the load average at the start and the end. The machine is
# shared: wall time taken under load is an upper bound, while CPU time hardly
# depends on the load, so CPU seconds / cores is the floor of the wall time on
# an idle machine of this size. The throw-away caches (~20 GB) are removed at the
# end unless --keep.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
keep=0
case "${1:-}" in
  --keep) keep=1 ;;
  -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
  "") ;;
  *) echo "bench:cold-build: unknown argument $1 (expected --keep or --help)" >&2; exit 2 ;;
esac
[[ -n "${OPENCLAW_PLUGIN_SOURCES:-}" ]] || {
  echo "bench:cold-build: set OPENCLAW_PLUGIN_SOURCES to the directory with the upstream plugin archives (README: Air-gapped toolchain)" >&2
  exit 2
}

root="$(mktemp -d "${TMPDIR:-/tmp}/openclaw-cold-build.XXXXXX")"
cleanup() { ((keep)) || { chmod -R u+w "$root" 2>/dev/null || true; rm -rf "$root"; }; }
trap cleanup EXIT
export OPENCLAW_INFRA_CACHE="$root/infra-cache"
export GOCACHE="$root/go-build"
export GOMODCACHE="$root/go-mod"
export PIP_CACHE_DIR="$root/pip"
mkdir -p "$OPENCLAW_INFRA_CACHE" "$GOCACHE" "$GOMODCACHE" "$PIP_CACHE_DIR"

log="$root/build.log"
echo "cold build into $root (log: $log); load at start $(cut -d' ' -f1-3 /proc/loadavg)"
t0=$SECONDS
if ! bash "$repo/tools/prebuild.sh" --status-dir "$root/status" >"$root/times" 2>"$log"; then
  tail -n 30 "$log" >&2
  echo "bench:cold-build: failed (log: $log)" >&2
  keep=1
  exit 1
fi
echo "== cold build (empty Go, pip and project caches; npm cache warm)"
awk -v cores="$(nproc)" -v wall="$((SECONDS - t0))" '
  { printf "  %-10s wall %6d s   cpu %6d s\n", $1, $3, $5; cpu += $5 }
  END { printf "  %-10s wall %6d s   cpu %6d s   (idle floor on %d cores: %d s)\n", "total", wall, cpu, cores, cpu / cores }' "$root/times"
echo "  load at end $(cut -d' ' -f1-3 /proc/loadavg); cores $(nproc)"
for f in "$OPENCLAW_INFRA_CACHE"/cluster/*/build.json; do
  node -e 'const b=require(process.argv[1]);console.log(`  ${b.part}: ${JSON.stringify(b.buildSeconds)}`)' "$f" 2>/dev/null || true
done
