#!/usr/bin/env bash
# Builds (once, cached outside the repo) the local cluster's ingress controller:
# Traefik, from the Go module proxy at the version pinned in ./go.mod.
#
#   bash tools/cluster/ingress/build.sh [--force]   # builds if needed
#   bash tools/cluster/ingress/build.sh --dir       # where it is (or will be) built
#
# Same conventions as tools/cluster/build.sh, as a part of its own so that the
# cluster's parts and their keys stay as they are: <cache root>/cluster/ingress-<key>/
# with a .complete marker and a build.json; the key hashes go.mod, go.sum, this
# recipe and the Go version; one build at a time (a lock); staged in a temp dir
# and moved into place. Go runs under nice with -p=1 (OPENCLAW_CLUSTER_GO_P
# overrides), as the cores are shared with other builds.
set -euo pipefail
# shellcheck source=../env.sh
source "$(dirname "${BASH_SOURCE[0]}")/../env.sh"
INGRESS_TOOLS="$CLUSTER_TOOLS/ingress"
INGRESS_VERSION="$(awk '$1 == "require" && $2 == "github.com/traefik/traefik/v3" { print $3 }' "$INGRESS_TOOLS/go.mod")"
[[ "$INGRESS_VERSION" =~ ^v3\.[0-9]+\.[0-9]+$ ]] || cluster_die "no Traefik version found in tools/cluster/ingress/go.mod (got '$INGRESS_VERSION')"

export GOFLAGS="-p=${OPENCLAW_CLUSTER_GO_P:-1} -buildvcs=false -trimpath -mod=readonly"
export GOTOOLCHAIN=local
export CGO_ENABLED=0

build_ingress() {
  # Upstream's own go.mod/go.sum decide every dependency; the copy is needed
  # because the module cache is read-only and the build writes nothing there.
  local src="$WORK/traefik" moddir
  build_step download-traefik bash -c "cd '$INGRESS_TOOLS' && go mod download && cd \"\$(go list -m -f '{{.Dir}}' github.com/traefik/traefik/v3)\" && go mod download"
  moddir="$(cd "$INGRESS_TOOLS" && go list -m -f '{{.Dir}}' github.com/traefik/traefik/v3)"
  cp -r "$moddir" "$src"
  chmod -R u+w "$src"
  build_step traefik bash -c "cd '$src' && nice -n 10 go build -ldflags '-s -w -X github.com/traefik/traefik/v3/pkg/version.Version=$INGRESS_VERSION' -o '$STAGE/bin/traefik' ./cmd/traefik"
  "$STAGE/bin/traefik" version | grep -q "Version:[[:space:]]*$INGRESS_VERSION" || cluster_die "traefik does not report $INGRESS_VERSION"
}

ingress_key() {
  {
    (cd "$INGRESS_TOOLS" && sha256sum go.mod go.sum)
    echo "$INGRESS_VERSION"
    declare -f build_ingress
    go env GOVERSION
  } | sha256sum | cut -c1-12
}
INGRESS_DIR="$CLUSTER_BUILD_ROOT/ingress-$(ingress_key)"

if [[ "${1:-}" == "--dir" ]]; then
  echo "$INGRESS_DIR"
  exit 0
fi
FORCE=0
case "${1:-}" in
  "") ;;
  --force) FORCE=1 ;;
  *) cluster_die "ingress/build.sh: unknown argument '$1' (expected --force or --dir)" ;;
esac
[[ -f "$INGRESS_DIR/.complete" && "$FORCE" -eq 0 ]] && exit 0

mkdir -p "$CLUSTER_BUILD_ROOT/logs"
BUILD_LOG="$CLUSTER_BUILD_ROOT/logs/build-ingress-$(date -u +%Y%m%dT%H%M%SZ)-$$.log"
# Progress lines and step timings shared by every cluster part.
# shellcheck source=../build-step.sh
source "$CLUSTER_TOOLS/build-step.sh"

exec 8>"$CLUSTER_BUILD_ROOT/.lock-ingress"
if ! flock -n 8; then
  cluster_log "another build of the ingress controller holds $CLUSTER_BUILD_ROOT/.lock-ingress; waiting for it"
  flock 8
fi
[[ -f "$INGRESS_DIR/.complete" && "$FORCE" -eq 0 ]] && exit 0
cluster_log "building Traefik $INGRESS_VERSION (Go output goes to $BUILD_LOG)"
WORK="$(mktemp -d "$CLUSTER_BUILD_ROOT/.build-ingress.XXXXXX")"
# shellcheck disable=SC2064 # this build's work dir, fixed now
trap "rm -rf '$WORK'" EXIT
STAGE="$WORK/stage"
mkdir -p "$STAGE/bin"
STEP_TIMES=()
start=$SECONDS
build_ingress
cat >"$STAGE/build.json" <<JSON
{
  "part": "ingress",
  "key": "$(ingress_key)",
  "go": "$(go env GOVERSION)",
  "builtFrom": "github.com/traefik/traefik/v3@$INGRESS_VERSION (cmd/traefik, upstream go.mod/go.sum) via tools/cluster/ingress/go.mod",
  "builtAt": "$(date -u +%FT%TZ)",
  "loadAverageAtEnd": "$(cut -d' ' -f1-3 /proc/loadavg)",
  "buildSeconds": {$(IFS=,; echo "${STEP_TIMES[*]}"), "total": $((SECONDS - start))}
}
JSON
rm -rf "$INGRESS_DIR"
mv "$STAGE" "$INGRESS_DIR"
touch "$INGRESS_DIR/.complete"
cluster_log "ingress controller ready in $INGRESS_DIR ($((SECONDS - start)) s)"
