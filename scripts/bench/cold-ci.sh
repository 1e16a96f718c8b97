#!/usr/bin/env bash
# npm run bench:cold-ci [-- --keep] [-- --ref REF]
#
# The whole of CI on a machine whose caches outside the repository are empty: a
# fresh `git clone` of this repository at REF (default HEAD) into a throw-away
# directory, then `bash .ci/run` in it with an empty project cache root and empty
# Go module, Go build, pip and XDG caches, so the toolchain, every cluster part, the
# images and the ingress controller are built from nothing while the suites run.
# The npm cache and the Debian packages stay as they are (`npm ci` from a warm npm
# cache takes about a minute; apt has nothing to do on a machine that ran it once):
# say so when quoting the figure.
#
# Prints the total wall time and the CPU time of the processes CI waited for (not the
# cluster's daemons), the load average
# at start and end, and CI's own per-phase lines for the background build. CI's
# output goes to <root>/ci.log. Needs what CI needs (root, OPENCLAW_PLUGIN_SOURCES or
# the vendor directory .ci/run looks for) and ~25 GB free; stops the cluster it
# started, and removes the throw-away root unless --keep.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
keep=0
ref=HEAD
while [[ $# -gt 0 ]]; do
  case "$1" in
    --keep) keep=1; shift ;;
    --ref) [[ $# -ge 2 ]] || { echo "bench:cold-ci: --ref needs a commit" >&2; exit 2; }; ref="$2"; shift 2 ;;
    -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "bench:cold-ci: unknown argument $1 (expected --keep, --ref REF or --help)" >&2; exit 2 ;;
  esac
done
commit="$(git -C "$repo" rev-parse --verify "$ref^{commit}")"

root="$(mktemp -d "${TMPDIR:-/tmp}/openclaw-cold-ci.XXXXXX")"
cleanup() { ((keep)) || { chmod -R u+w "$root" 2>/dev/null || true; rm -rf "$root"; }; }
trap cleanup EXIT
export OPENCLAW_INFRA_CACHE="$root/cache/openclaw-gateway-infra"
export XDG_CACHE_HOME="$root/cache"
export GOCACHE="$root/cache/go-build"
export GOMODCACHE="$root/go-mod"
export PIP_CACHE_DIR="$root/cache/pip"
mkdir -p "$OPENCLAW_INFRA_CACHE" "$GOCACHE" "$GOMODCACHE" "$PIP_CACHE_DIR"

git clone -q "$repo" "$root/clone"
git -C "$root/clone" checkout -q "$commit"
echo "cold CI of ${commit:0:12} in $root (log: $root/ci.log); load at start $(cut -d' ' -f1-3 /proc/loadavg); cores $(nproc)"
t0=$SECONDS
rc=0
# CI does not run under npm: drop what `npm run` exported to this script (npm_config_loglevel
# from `npm run -s` silences the npm warnings a test counts, for one).
mapfile -t npm_vars < <(env | grep -oE '^npm_[A-Za-z0-9_]+' || true)
(cd "$root/clone" && env "${npm_vars[@]/#/-u}" /usr/bin/time -f '%U %S' -o "$root/cpu" bash .ci/run) >"$root/ci.log" 2>&1 || rc=$?
wall=$((SECONDS - t0))
echo "== CI with empty caches: exit $rc"
printf '  wall %d s (%d min %d s), cpu %s s\n' "$wall" "$((wall / 60))" "$((wall % 60))" "$(awk '{ printf "%d", $1 + $2 }' "$root/cpu" 2>/dev/null || echo '?')"
echo "  load at end $(cut -d' ' -f1-3 /proc/loadavg)"
grep -E '^ci: |Tests +[0-9]|Test Files' "$root/ci.log" | sed 's/^/  /' || true
for f in "$OPENCLAW_INFRA_CACHE"/cluster/*/build.json "$OPENCLAW_INFRA_CACHE"/toolchain/*/toolchain.json; do
  [[ -f "$f" ]] && node -e 'const b = require(process.argv[1]); console.log("  " + (b.part ?? "toolchain") + ": " + JSON.stringify(b.buildSeconds ?? b.stepSeconds ?? b.steps ?? {}))' "$f"
done
if ((rc != 0)); then
  keep=1
  tail -n 40 "$root/ci.log" >&2
  echo "bench:cold-ci: CI failed; kept $root" >&2
  exit 1
fi
