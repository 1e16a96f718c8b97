#!/usr/bin/env bash
# Builds (once, cached outside the repo) everything the local cluster runs that
# Debian does not ship: Kubernetes server binaries and kubectl, etcd, CoreDNS,
# the NetworkPolicy enforcer, and the pause and CoreDNS images.
#
#   bash tools/cluster/build.sh [--force] [PART...]   # PART: kubernetes etcd coredns enforcer images
#
# Each part lands in <cache root>/cluster/<part>-<key>/ with a .complete marker and
# a build.json (what it was built from, how long each step took). The key hashes
# the part's input files in tools/cluster/, the part's recipe (the shell function
# below), its pins and the Go version, so any change builds a new directory next
# to the old one. One build at a time (a lock); each part is staged in a temp dir
# and moved into place atomically. Go uses the default GOMODCACHE/GOCACHE, shared
# with the Pulumi toolchain build; -p=2 and nice, as the cores are shared.
set -euo pipefail
# shellcheck source=env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

ALL_PARTS=(kubernetes etcd coredns enforcer images)
[[ "$CLUSTER_K8S_VERSION" =~ ^v1\.[0-9]+\.[0-9]+$ ]] ||
  cluster_die "no Kubernetes version found in tools/cluster/kubernetes/go.mod (got '$CLUSTER_K8S_VERSION')"

# OPENCLAW_CLUSTER_GO_P lowers Go's parallelism further (e.g. 1 when another build runs).
export GOFLAGS="-p=${OPENCLAW_CLUSTER_GO_P:-2} -buildvcs=false -trimpath -mod=readonly"
export GOTOOLCHAIN=local
export CGO_ENABLED=0

# --- keys -------------------------------------------------------------------

part_inputs() { # files under tools/cluster/ that feed a part
  case "$1" in
    kubernetes) echo kubernetes/go.mod kubernetes/go.sum ;;
    etcd) echo etcd/go.mod etcd/go.sum etcd/main.go ;;
    coredns) echo coredns/go.mod coredns/go.sum coredns/main.go ;;
    enforcer) echo enforcer/go.mod enforcer/go.sum enforcer/patch-nfqueue.sh enforcer/nfqueue_xt.go.txt enforcer/kubeconfig.go.txt ;;
    images) echo oci-image.sh probe/go.mod probe/main.go ;;
  esac
}

part_pins() { # pins from env.sh that a part is built from
  case "$1" in
    kubernetes) echo "$CLUSTER_K8S_VERSION" ;;
    etcd) echo "$CLUSTER_ETCD_VERSION" ;;
    coredns) echo "$CLUSTER_COREDNS_VERSION" ;;
    enforcer) echo "$CLUSTER_KNP_VERSION" ;;
    images) echo "$CLUSTER_K8S_VERSION $CLUSTER_COREDNS_VERSION" ;;
  esac
}

part_deps() { # parts whose output a part consumes
  case "$1" in
    images) echo coredns ;;
  esac
}

part_key() {
  local part="$1" dep
  {
    local inputs
    read -r -a inputs <<<"$(part_inputs "$part")"
    (cd "$CLUSTER_TOOLS" && sha256sum "${inputs[@]}")
    part_pins "$part"
    declare -f "build_$part" go_build
    go env GOVERSION
    for dep in $(part_deps "$part"); do part_key "$dep"; done
  } | sha256sum | cut -c1-12
}

part_dir() { echo "$CLUSTER_BUILD_ROOT/$1-$(part_key "$1")"; }

# --- progress ---------------------------------------------------------------

# Progress lines and step timings shared by every cluster part.
# shellcheck source=build-step.sh
source "$CLUSTER_TOOLS/build-step.sh"

# go_build MODULE_DIR OUT PACKAGE [LDFLAGS]
go_build() {
  (cd "$1" && nice -n 10 go build -ldflags "-s -w ${4:-}" -o "$2" "$3")
}

# --- parts ------------------------------------------------------------------

# shellcheck disable=SC2034 # "info" stays: the recipe text is part of the cache key
build_kubernetes() {
  local mod="$CLUSTER_TOOLS/kubernetes" v="$CLUSTER_K8S_VERSION" info built minor ld="" pkg
  # Stamp the version: unstamped binaries report v0.0.0-master+$Format:%H$, which
  # kubectl cannot parse. The build date is the release's date from the proxy.
  built="$(cd "$mod" && go list -m -f '{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}' k8s.io/kubernetes)"
  minor="${v#v1.}"
  minor="${minor%%.*}"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $pkg.gitVersion=$v -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    ld+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$built -X $pkg.gitCommit=proxy.golang.org/k8s.io/kubernetes@$v"
  done
  build_step download-kubernetes bash -c "cd '$mod' && go mod download"
  for bin in kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl; do
    build_step "$bin" go_build "$mod" "$STAGE/bin/$bin" "k8s.io/kubernetes/cmd/$bin" "$ld"
  done
  "$STAGE/bin/kubectl" version --client -o yaml | grep -q "gitVersion: $v" || cluster_die "kubectl does not report $v"
  BUILT_FROM="\"k8s.io/kubernetes@$v via tools/cluster/kubernetes/go.mod (31 staging modules replaced by their v0 twins)\""
}

build_etcd() {
  build_step download-etcd bash -c "cd '$CLUSTER_TOOLS/etcd' && go mod download"
  build_step etcd go_build "$CLUSTER_TOOLS/etcd" "$STAGE/bin/etcd" . \
    "-X go.etcd.io/etcd/api/v3/version.GitSHA=proxy.golang.org"
  "$STAGE/bin/etcd" --version | grep -q "etcd Version: ${CLUSTER_ETCD_VERSION#v}" || cluster_die "etcd does not report $CLUSTER_ETCD_VERSION"
  BUILT_FROM="\"go.etcd.io/etcd/server/v3@$CLUSTER_ETCD_VERSION (etcdmain.Main) via tools/cluster/etcd\""
}

build_coredns() {
  build_step download-coredns bash -c "cd '$CLUSTER_TOOLS/coredns' && go mod download"
  build_step coredns go_build "$CLUSTER_TOOLS/coredns" "$STAGE/bin/coredns" . \
    "-X github.com/coredns/coredns/coremain.GitCommit=proxy.golang.org"
  "$STAGE/bin/coredns" -plugins | grep -Eq '^[[:space:]]*(dns\.)?kubernetes$' || cluster_die "coredns lacks the kubernetes plugin"
  BUILT_FROM="\"github.com/coredns/coredns@$CLUSTER_COREDNS_VERSION with the plugins listed in tools/cluster/coredns/main.go\""
}

build_enforcer() {
  # kube-network-policies from the proxy, copied into the work dir and changed
  # there by patch-nfqueue.sh (see its header); nothing upstream is committed.
  local src="$WORK/enforcer" moddir
  build_step download-enforcer bash -c "cd '$CLUSTER_TOOLS/enforcer' && go mod download"
  moddir="$(cd "$CLUSTER_TOOLS/enforcer" && go list -m -f '{{.Dir}}' sigs.k8s.io/kube-network-policies)"
  cp -r "$moddir" "$src"
  chmod -R u+w "$src"
  bash "$CLUSTER_TOOLS/enforcer/patch-nfqueue.sh" "$src" "$CLUSTER_TOOLS/enforcer"
  build_step enforcer go_build "$src" "$STAGE/bin/kube-network-policies" ./cmd
  BUILT_FROM="\"sigs.k8s.io/kube-network-policies@$CLUSTER_KNP_VERSION, changed at build time by tools/cluster/enforcer/patch-nfqueue.sh\""
}

build_images() {
  local coredns pause_src
  coredns="$(part_dir coredns)"
  (cd "$CLUSTER_TOOLS/kubernetes" && go mod download k8s.io/kubernetes)
  pause_src="$(cd "$CLUSTER_TOOLS/kubernetes" && go list -m -f '{{.Dir}}' k8s.io/kubernetes)/build/pause/linux/pause.c"
  mkdir -p "$WORK/pause-root" "$WORK/coredns-root" "$WORK/probe-root" "$STAGE/images"
  build_step pause-binary bash -c "gcc -Os -static -o '$WORK/pause-root/pause' '$pause_src' && strip '$WORK/pause-root/pause'"
  cp "$coredns/bin/coredns" "$WORK/coredns-root/coredns"
  build_step probe go_build "$CLUSTER_TOOLS/probe" "$WORK/probe-root/probe" .
  build_step images bash -c "
    bash '$CLUSTER_TOOLS/oci-image.sh' '$WORK/pause-root' '$STAGE/images/pause.tar' localhost/openclaw-cluster/pause:$CLUSTER_K8S_VERSION /pause 65535 >'$STAGE/images/pause.digest' &&
    bash '$CLUSTER_TOOLS/oci-image.sh' '$WORK/coredns-root' '$STAGE/images/coredns.tar' localhost/openclaw-cluster/coredns:$CLUSTER_COREDNS_VERSION /coredns 65532 >'$STAGE/images/coredns.digest' &&
    bash '$CLUSTER_TOOLS/oci-image.sh' '$WORK/probe-root' '$STAGE/images/probe.tar' localhost/openclaw-cluster/probe:v1 /probe 65532 >'$STAGE/images/probe.digest'"
  BUILT_FROM="\"pause: k8s.io/kubernetes@$CLUSTER_K8S_VERSION build/pause/linux/pause.c (gcc -static); coredns: the coredns part; probe: tools/cluster/probe; layouts by tools/cluster/oci-image.sh\""
}

# --- driver -----------------------------------------------------------------

build_part() {
  local part="$1" dir
  dir="$(part_dir "$part")"
  if [[ -f "$dir/.complete" && "$FORCE" -eq 0 ]]; then
    return 0
  fi
  local dep
  for dep in $(part_deps "$part"); do build_part "$dep"; done
  # One build of a part at a time (cluster:up and a benchmark may race); other
  # parts may build meanwhile.
  exec 8>"$CLUSTER_BUILD_ROOT/.lock-$part"
  if ! flock -n 8; then
    cluster_log "another build of $part holds $CLUSTER_BUILD_ROOT/.lock-$part; waiting for it"
    flock 8
  fi
  if [[ -f "$dir/.complete" && "$FORCE" -eq 0 ]]; then
    exec 8>&-
    return 0
  fi
  WORK="$(mktemp -d "$CLUSTER_BUILD_ROOT/.build-$part.XXXXXX")"
  # shellcheck disable=SC2064 # this part's work dir, fixed now
  trap "rm -rf '$WORK'" EXIT
  STAGE="$WORK/stage"
  mkdir -p "$STAGE/bin"
  STEP_TIMES=()
  BUILT_FROM='""'
  local start=$SECONDS
  "build_$part"
  cat >"$STAGE/build.json" <<JSON
{
  "part": "$part",
  "key": "$(part_key "$part")",
  "go": "$(go env GOVERSION)",
  "builtFrom": $BUILT_FROM,
  "builtAt": "$(date -u +%FT%TZ)",
  "loadAverageAtEnd": "$(cut -d' ' -f1-3 /proc/loadavg)",
  "buildSeconds": {$(IFS=,; echo "${STEP_TIMES[*]}"), "total": $((SECONDS - start))}
}
JSON
  rm -rf "$dir"
  mv "$STAGE" "$dir"
  touch "$dir/.complete"
  exec 8>&-
  rm -rf "$WORK"
  cluster_log "part $part ready in $dir ($((SECONDS - start)) s)"
}

if [[ "${1:-}" == "--dir" ]]; then # --dir PART: where that part is (or will be) built
  part_dir "${2:?--dir needs a part: ${ALL_PARTS[*]}}"
  exit 0
fi

FORCE=0
parts=()
for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    kubernetes | etcd | coredns | enforcer | images) parts+=("$arg") ;;
    *) cluster_die "build.sh: unknown argument '$arg' (expected --force or a part: ${ALL_PARTS[*]})" ;;
  esac
done
((${#parts[@]})) || parts=("${ALL_PARTS[@]}")

mkdir -p "$CLUSTER_BUILD_ROOT/logs"
BUILD_LOG="$CLUSTER_BUILD_ROOT/logs/build-$(date -u +%Y%m%dT%H%M%SZ)-$$.log"
todo=0
for part in "${parts[@]}"; do [[ -f "$(part_dir "$part")/.complete" && "$FORCE" -eq 0 ]] || todo=1; done
if ((todo)); then
  cluster_log "building ${parts[*]} (Go output, including 'go: downloading' lines, goes to $BUILD_LOG)"
  total=$SECONDS
  for part in "${parts[@]}"; do build_part "$part"; done
  cluster_log "build done in $((SECONDS - total)) s"
fi
