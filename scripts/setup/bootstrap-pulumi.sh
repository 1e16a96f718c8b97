#!/usr/bin/env bash
# Builds the Pulumi engine this project runs on from the Go module proxy, at
# pinned versions, into a cache directory outside the repository, and verifies
# it. Air-gapped networks that mirror only package registries (Go proxy, npm,
# PyPI) can run the project this way: no download from get.pulumi.com.
#
#   npm run bootstrap:pulumi            # build if the cache is missing, then verify
#   npm run bootstrap:pulumi -- --force # rebuild even when the cache is there
#   npm run bootstrap:pulumi -- --check # verify the cache only; exit 1 when missing
#   npm run bootstrap:pulumi -- --verify # also rerun every tool's version check (see below)
#
# A cached toolchain is checked in well under a second: the pins are part of its
# key, and .verified records each file's size, mtime, ctime and inode as they were when
# every tool last answered its version check. Only when a file changed since
# (or with --verify) are the tools run again (`pulumi version`, `plugin ls`,
# `checkov --version`, ...: about 5 s, most of it Python starting Checkov).
#
# What ends up in $OPENCLAW_TOOLCHAIN (see scripts/setup/pulumi-env.sh for the path):
#   bin/pulumi                         CLI, github.com/pulumi/pulumi/pkg/v3 (tools/pulumi-toolchain/cli)
#   bin/pulumi-language-nodejs         upstream Node.js language host (pulumi/pulumi @ $OPENCLAW_LANGHOST_REVISION,
#                                      sdk 3.260.0), built from its source archive against pkg/sdk v3.260.0
#   bin/pulumi-resource-pulumi-nodejs  dynamic-provider host: runs @pulumi/pulumi/cmd/dynamic-provider
#   pulumi-home/plugins/resource-kubernetes-v4.34.2   provider built from pulumi-kubernetes/provider/v4
#                                      (a 2026-01-15 pseudo-version, registered as 4.34.2; see the README)
#   pulumi-home/plugins/resource-command-v1.2.1       upstream pulumi-command v1.2.1, built from its source archive
#   bin/kube-score, bin/kubeconform    manifest checkers (go install, pinned)
#   bin/checkov, checkov-venv/         Checkov from PyPI (requirements.txt, every dependency pinned):
#                                      the stand-in for Polaris, which the Go module proxy refuses
#   kubernetes-json-schema/            Kubernetes JSON schemas for kubeconform (PyPI kubernetes-validate)
#   toolchain.json                     what was built from what, and how long each step took
#
# Upstream sources the Go module proxy refuses (the language host and the command
# provider) are read from the directory OPENCLAW_PLUGIN_SOURCES names, never from the
# repository: $OPENCLAW_LANGHOST_ARCHIVE and $OPENCLAW_COMMAND_ARCHIVE, `git archive`
# outputs of the public repositories, checked against the sha256 pins in
# scripts/setup/pulumi-env.sh before anything is extracted (tools/pulumi-toolchain/README.md).
#
# Needs: go >= 1.26.6 (GOTOOLCHAIN=local is respected), node (any; JSON only), pip.
# The machine has 2 shared cores: Go builds run one at a time with -p=2.
# Each step prints what it builds, its elapsed time every 30 s and its last
# measured duration; its output (go's "downloading" lines, compiler, pip) goes to
# a log under <cache root>/toolchain/.logs/ whose path is printed (scripts/setup/progress.sh).
# The toolchain key hashes the recipe between the ">>> recipe" and "<<< recipe"
# lines below, not this whole file: changing how progress or checks are shown
# does not rebuild 800 MB.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=/dev/null  # checked on its own
source "$here/pulumi-env.sh"
repo="$OPENCLAW_REPO"
tools="$repo/tools/pulumi-toolchain"

# shellcheck source=/dev/null  # checked on its own
source "$here/progress.sh"

mode="build"
force=0
full_verify=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    --check) mode="check" ;;
    --verify) full_verify=1 ;;
    -h | --help)
      sed -n '2,/^set -euo pipefail/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "bootstrap-pulumi: unknown argument '$arg' (valid: --force, --check, --verify, --help)" >&2
      exit 2
      ;;
  esac
done

log() { printf '[bootstrap-pulumi] %s\n' "$*" >&2; }
die() {
  printf '[bootstrap-pulumi] error: %s\n' "$*" >&2
  exit 1
}

# verify DIR: the checks `pulumi version` and `pulumi plugin ls` and the
# checkers' own version flags; prints a one-line summary.
verify() {
  local dir="$1" v plugins lh
  local bin="$dir/bin"
  for f in pulumi pulumi-language-nodejs pulumi-resource-pulumi-nodejs kube-score kubeconform checkov; do
    [[ -x "$bin/$f" ]] || die "$bin/$f is missing or not executable"
  done
  # `|| true`: a tool that fails must reach the check below and its message, not end the script silently.
  v="$(PULUMI_HOME="$dir/pulumi-home" "$bin/pulumi" version 2>/dev/null || true)"
  [[ "$v" == "v$OPENCLAW_PULUMI_VERSION" ]] ||
    die "pulumi version printed '$v', expected v$OPENCLAW_PULUMI_VERSION"
  plugins="$(PULUMI_HOME="$dir/pulumi-home" "$bin/pulumi" plugin ls 2>&1 || true)"
  grep -Eq "^kubernetes[[:space:]]+resource[[:space:]]+${OPENCLAW_K8S_PROVIDER_VERSION}[[:space:]]" <<<"$plugins" ||
    die "pulumi plugin ls does not list resource kubernetes $OPENCLAW_K8S_PROVIDER_VERSION:
$plugins"
  grep -Eq "^command[[:space:]]+resource[[:space:]]+${OPENCLAW_COMMAND_PROVIDER_VERSION}[[:space:]]" <<<"$plugins" ||
    die "pulumi plugin ls does not list resource command $OPENCLAW_COMMAND_PROVIDER_VERSION:
$plugins"
  "$bin/kube-score" version >/dev/null 2>&1 || die "kube-score does not run"
  "$bin/kubeconform" -v >/dev/null 2>&1 || die "kubeconform does not run"
  [[ "$("$bin/checkov" --version 2>/dev/null)" == "$OPENCLAW_CHECKOV_VERSION" ]] ||
    die "checkov --version is not $OPENCLAW_CHECKOV_VERSION"
  [[ -f "$dir/kubernetes-json-schema/v$OPENCLAW_K8S_SCHEMA_VERSION-local-strict/deployment-apps-v1.json" ]] ||
    die "Kubernetes JSON schemas missing under $dir/kubernetes-json-schema"
  lh="$("$bin/pulumi-language-nodejs" -version 2>&1 | head -1 || true)"
  [[ "$lh" == "v$OPENCLAW_LANGHOST_SDK_VERSION" ]] ||
    die "pulumi-language-nodejs -version printed '$lh', expected v$OPENCLAW_LANGHOST_SDK_VERSION"
  log "pulumi version: $v"
  log "pulumi plugin ls (the versions the engine resolves plugins by; what each is built from below):"
  printf '%s\n' "$plugins" | sed 's/^/    /' >&2
  # Honest origins: plugin ls shows registered versions only.
  node -e '
    const t = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const lines = [
      ["language nodejs", t.languageHost.builtFrom + ", pkg/sdk " + t.languageHost.pkgAndSdk],
      ["resource command " + t.commandProvider.registeredAs, t.commandProvider.builtFrom],
      ["resource kubernetes " + t.kubernetesProvider.registeredAs, t.kubernetesProvider.builtFrom],
    ];
    for (const [what, from] of lines) console.error("    " + what + " <- " + from);
  ' "$dir/toolchain.json" || die "$dir/toolchain.json is unreadable"
  local checkers
  checkers="kube-score $("$bin/kube-score" version 2>&1 | head -1), kubeconform $("$bin/kubeconform" -v 2>&1 | head -1), checkov $("$bin/checkov" --version 2>&1 | head -1)"
  log "$checkers"
  {
    echo "summary pulumi $v; plugins kubernetes $OPENCLAW_K8S_PROVIDER_VERSION, command $OPENCLAW_COMMAND_PROVIDER_VERSION; language host $lh; $checkers"
    echo "verified $(date -u +%FT%TZ)"
    fingerprint "$dir"
  } >"$dir/.verified.$$"
  mv "$dir/.verified.$$" "$dir/.verified"
}

# fingerprint DIR: what a full verify saw, cheaply re-checkable: size, mtime, ctime
# (nanoseconds: a same-size rewrite within a second still shows) and inode of every binary and plugin, the Checkov version from its dist-info
# (read as text, without starting Python) and the key the pins are hashed into.
fingerprint() {
  local dir="$1" f
  echo "key $OPENCLAW_TOOLCHAIN_KEY"
  for f in "$dir"/bin/* "$dir"/pulumi-home/plugins/*/pulumi-resource-* \
    "$dir/kubernetes-json-schema/v$OPENCLAW_K8S_SCHEMA_VERSION-local-strict/deployment-apps-v1.json"; do
    [[ -e "$f" ]] || { echo "missing $f"; continue; }
    stat -c 'file %n %s %.9Y %.9Z %i %a' "$f"
  done
  f="$(compgen -G "$dir/checkov-venv/lib/python3*/site-packages/checkov-$OPENCLAW_CHECKOV_VERSION.dist-info/METADATA" | head -1 || true)"
  if [[ -n "$f" ]]; then echo "checkov $(grep -m1 '^Version: ' "$f")"; else echo "checkov missing"; fi
}

# quick_verify DIR: succeeds when nothing changed since the last full verify.
quick_verify() {
  local dir="$1"
  [[ -f "$dir/.verified" ]] || return 1
  [[ "$(sed '1,2d' "$dir/.verified")" == "$(fingerprint "$dir")" ]] || return 1
  log "$(sed -n '1s/^summary //p' "$dir/.verified")"
  log "$(sed -n '2p' "$dir/.verified") by each tool's own version output, unchanged since (size, mtime, ctime, inode); --verify reruns those checks"
}

cached() {
  if [[ "$full_verify" -eq 0 ]] && quick_verify "$OPENCLAW_TOOLCHAIN"; then return 0; fi
  verify "$OPENCLAW_TOOLCHAIN"
}

if [[ -f "$OPENCLAW_TOOLCHAIN/.complete" && "$force" -eq 0 ]]; then
  log "toolchain cached at $OPENCLAW_TOOLCHAIN"
  cached
  exit 0
fi
if [[ "$mode" == "check" ]]; then
  die "no toolchain at $OPENCLAW_TOOLCHAIN; run: npm run bootstrap:pulumi"
fi

command -v go >/dev/null || die "go is not on PATH; install Go >= 1.26.6 (the CLI's go.mod asks for it)"
go_version="$(go env GOVERSION)"
need_go="go1.26.6"
if [[ "$(printf '%s\n%s\n' "$need_go" "$go_version" | sort -V | head -1)" != "$need_go" ]]; then
  die "go is $go_version; the Pulumi CLI $OPENCLAW_PULUMI_VERSION needs >= $need_go"
fi
command -v node >/dev/null || die "node is not on PATH (needed to stamp the provider schema)"

# The upstream archives: named by OPENCLAW_PLUGIN_SOURCES, checked against the pins
# before anything else happens (a wrong or altered archive never reaches the compiler).
sources="${OPENCLAW_PLUGIN_SOURCES:-}"
[[ -n "$sources" ]] || die "OPENCLAW_PLUGIN_SOURCES is not set. Point it at the directory holding
    $OPENCLAW_LANGHOST_ARCHIVE  (github.com/pulumi/pulumi @ $OPENCLAW_LANGHOST_REVISION, paths sdk/nodejs/cmd/pulumi-language-nodejs, LICENSE)
    $OPENCLAW_COMMAND_ARCHIVE  (github.com/pulumi/pulumi-command @ $OPENCLAW_COMMAND_REVISION = v1.2.1, paths provider, LICENSE)
  (the Go module proxy refuses both modules; see tools/pulumi-toolchain/README.md for how to make them with git archive)"
check_archive() { # <file name> <sha256 pin>
  local f="$sources/$1" got
  [[ -f "$f" ]] || die "OPENCLAW_PLUGIN_SOURCES=$sources has no $1"
  got="$(sha256sum "$f" | cut -d' ' -f1)"
  [[ "$got" == "$2" ]] || die "$f has sha256 $got, expected $2 (pinned in scripts/setup/pulumi-env.sh); refusing to build it"
}
check_archive "$OPENCLAW_LANGHOST_ARCHIVE" "$OPENCLAW_LANGHOST_ARCHIVE_SHA256"
check_archive "$OPENCLAW_COMMAND_ARCHIVE" "$OPENCLAW_COMMAND_ARCHIVE_SHA256"
command -v pip >/dev/null || command -v pip3 >/dev/null || die "pip is not on PATH (needed for the Kubernetes JSON schemas)"
pip_cmd="$(command -v pip || command -v pip3)"

toolchains="$OPENCLAW_INFRA_CACHE/toolchain"
mkdir -p "$toolchains"
# One bootstrap at a time per cache (local:up and test:e2e may race).
exec 9>"$toolchains/.lock"
if ! flock -n 9; then
  log "another bootstrap holds $toolchains/.lock; waiting for it"
  flock 9
fi
if [[ -f "$OPENCLAW_TOOLCHAIN/.complete" && "$force" -eq 0 ]]; then
  log "toolchain built meanwhile at $OPENCLAW_TOOLCHAIN"
  cached
  exit 0
fi

work="$(mktemp -d "$toolchains/.build.XXXXXX")"
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
stage="$work/stage"
mkdir -p "$stage/bin" "$stage/pulumi-home"

# Each step's output (go's "downloading" lines, compiler, pip) goes to its own
# log; the terminal gets what is built, the elapsed time and the last run's duration.
logs="$toolchains/.logs"
mkdir -p "$logs"
# shellcheck disable=SC2034 # read by scripts/setup/progress.sh
PROGRESS_SAY=log
PROGRESS_TIMINGS="$logs/last-timings"
# No durations recorded yet: take them from the newest toolchain.json in the cache.
if [[ ! -f "$PROGRESS_TIMINGS" ]]; then
  newest="$(find "$toolchains" -mindepth 2 -maxdepth 2 -name toolchain.json -printf '%T@ %p\n' | sort -rn | head -1 | cut -d' ' -f2-)"
  [[ -z "$newest" ]] || node -e '
    const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).buildSeconds || {};
    for (const [k, v] of Object.entries(s)) if (k !== "total") console.log(k + " " + v);
  ' "$newest" >"$PROGRESS_TIMINGS" 2>/dev/null || rm -f "$PROGRESS_TIMINGS"
fi
timings=()
step() { # NAME "what it builds" FUNCTION
  local name="$1"
  : >"$logs/$name.log"
  progress_step "$name" "$logs/$name.log" "$2" "$3" || die "step $name failed; full log: $logs/$name.log"
  timings+=("\"$name\": $PROGRESS_LAST_SECONDS")
}

# >>> recipe: from here to "<<< recipe" is hashed into the toolchain key (scripts/setup/pulumi-env.sh)
export GOFLAGS="-p=2 -buildvcs=false -trimpath -mod=readonly"

build_cli() {
  (cd "$tools/cli" && go build \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$OPENCLAW_PULUMI_VERSION" \
    -o "$stage/bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
}

# Upstream's language host, unmodified. Its go.mod replaces pkg/v3 and sdk/v3 with
# monorepo paths the archive does not hold; in the build dir only, those two
# replaces are dropped and both modules required at the SDK version of the host's
# own revision (a newer SDK does not compile: the monitor proxy misses methods).
# The remaining requirements are upstream's; go resolves and checks them against
# the checksum database (GOFLAGS -mod=mod for this one build).
build_langhost() {
  local src="$work/langhost" dir
  mkdir -p "$src"
  tar -xzf "$sources/$OPENCLAW_LANGHOST_ARCHIVE" -C "$src" --strip-components=1
  dir="$src/sdk/nodejs/cmd/pulumi-language-nodejs"
  (cd "$dir" && go mod edit \
    -dropreplace=github.com/pulumi/pulumi/pkg/v3 -dropreplace=github.com/pulumi/pulumi/sdk/v3 \
    -require="github.com/pulumi/pulumi/pkg/v3@v$OPENCLAW_LANGHOST_SDK_VERSION" \
    -require="github.com/pulumi/pulumi/sdk/v3@v$OPENCLAW_LANGHOST_SDK_VERSION" &&
    GOFLAGS="-p=2 -buildvcs=false -trimpath -mod=mod" go build \
      -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$OPENCLAW_LANGHOST_SDK_VERSION" \
      -o "$stage/bin/pulumi-language-nodejs" .)
  # What was resolved, for toolchain.json (the go.sum go wrote in the build dir).
  sha256sum "$dir/go.sum" | cut -d' ' -f1 >"$work/langhost-gosum.sha256"
  # The dynamic-provider host, as upstream ships it: a script that runs the
  # @pulumi/pulumi installed in the program's directory (the engine starts
  # providers with the program directory as working directory).
  cat >"$stage/bin/pulumi-resource-pulumi-nodejs" <<'EOF'
#!/bin/sh
# Pulumi dynamic-provider host: serves pulumi.dynamic.Resource providers with
# the @pulumi/pulumi of the program being run.
exec node "$(node -p "require.resolve('@pulumi/pulumi/cmd/dynamic-provider')")" "$@"
EOF
  chmod 0755 "$stage/bin/pulumi-resource-pulumi-nodejs"
}

# Upstream's command provider v1.2.1 builds as it is, from its own go.mod/go.sum.
build_command() {
  local src="$work/command"
  mkdir -p "$src"
  tar -xzf "$sources/$OPENCLAW_COMMAND_ARCHIVE" -C "$src" --strip-components=1
  (cd "$src/provider" && go build \
    -ldflags "-s -w -X github.com/pulumi/pulumi-command/provider/pkg/version.Version=$OPENCLAW_COMMAND_PROVIDER_VERSION" \
    -o "$work/pulumi-resource-command" ./cmd/pulumi-resource-command)
  PULUMI_HOME="$stage/pulumi-home" "$stage/bin/pulumi" plugin install resource command \
    "$OPENCLAW_COMMAND_PROVIDER_VERSION" --file "$work/pulumi-resource-command" >&2
}

build_kubernetes() {
  local src="$work/kubernetes" moddir
  mkdir -p "$src"
  cp "$tools/kubernetes/go.mod" "$tools/kubernetes/go.sum" "$tools/kubernetes/main.go" "$src/"
  # go list -m prints no Dir for a module not yet in the module cache: download first.
  (cd "$src" && go mod download)
  moddir="$(cd "$src" && go list -m -f '{{.Dir}}' github.com/pulumi/pulumi-kubernetes/provider/v4)"
  [[ -n "$moddir" && -f "$moddir/cmd/pulumi-resource-kubernetes/schema.json" ]] ||
    die "schema.json not found in the pulumi-kubernetes provider module ($moddir)"
  # Upstream's generate.go: stamp the version into the schema, minify both files.
  (cd "$src" && node -e '
    const fs = require("fs");
    const [dir, version] = process.argv.slice(1);
    const schema = JSON.parse(fs.readFileSync(dir + "/schema.json", "utf8"));
    schema.version = version;
    fs.writeFileSync("schema-embed.json", JSON.stringify(schema));
    const mapping = JSON.parse(fs.readFileSync(dir + "/terraform-mapping.json", "utf8"));
    fs.writeFileSync("terraform-mapping-embed.json", JSON.stringify(mapping));
  ' "$moddir/cmd/pulumi-resource-kubernetes" "$OPENCLAW_K8S_PROVIDER_VERSION")
  (cd "$src" && go build \
    -ldflags "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$OPENCLAW_K8S_PROVIDER_VERSION" \
    -o "$work/pulumi-resource-kubernetes" .)
  PULUMI_HOME="$stage/pulumi-home" "$stage/bin/pulumi" plugin install resource kubernetes \
    "$OPENCLAW_K8S_PROVIDER_VERSION" --file "$work/pulumi-resource-kubernetes" >&2
}

build_checkers() {
  # go install honours the tool's own go.mod and checks it against the checksum database.
  GOFLAGS="-p=2 -buildvcs=false -trimpath" GOBIN="$stage/bin" \
    go install -ldflags "-s -w -X main.version=$OPENCLAW_KUBE_SCORE_VERSION" \
    "github.com/zegl/kube-score/cmd/kube-score@$OPENCLAW_KUBE_SCORE_VERSION"
  GOFLAGS="-p=2 -buildvcs=false -trimpath" GOBIN="$stage/bin" \
    go install -ldflags "-s -w -X main.version=$OPENCLAW_KUBECONFORM_VERSION" \
    "github.com/yannh/kubeconform/cmd/kubeconform@$OPENCLAW_KUBECONFORM_VERSION"
}

build_checkov() {
  command -v python3 >/dev/null || die "python3 is not on PATH (Checkov, the stand-in for Polaris, comes from PyPI)"
  python3 -m venv "$stage/checkov-venv"
  # --no-deps: requirements.txt pins Checkov and every dependency; nothing is resolved here.
  "$stage/checkov-venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps \
    -r "$tools/checkov/requirements.txt" >&2
  "$stage/checkov-venv/bin/python" -m pip check --disable-pip-version-check >&2
  # Called through the venv's python (a venv's console scripts break when the
  # staged toolchain is moved into place). --skip-download and BC_SKIP_MAPPING
  # keep Checkov from calling Prisma Cloud: it never leaves this machine.
  cat >"$stage/bin/checkov" <<'WRAPPER'
#!/bin/sh
# Checkov (PyPI, pinned in tools/pulumi-toolchain/checkov/requirements.txt), the
# stand-in for Polaris. No network: --skip-download, BC_SKIP_MAPPING=TRUE.
here="$(cd "$(dirname "$0")" && pwd)"
BC_SKIP_MAPPING=TRUE exec "$here/../checkov-venv/bin/python" -m checkov.main --skip-download "$@"
WRAPPER
  chmod 0755 "$stage/bin/checkov"
}

fetch_schemas() {
  local dl="$work/pip" wheel sub="v$OPENCLAW_K8S_SCHEMA_VERSION"
  "$pip_cmd" download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
    -d "$dl" "$OPENCLAW_K8S_SCHEMA_PACKAGE" >&2
  wheel="$(find "$dl" -name '*.whl' | head -1)"
  [[ -n "$wheel" ]] || die "pip downloaded no wheel for $OPENCLAW_K8S_SCHEMA_PACKAGE"
  (cd "$work" && unzip -q "$wheel" "kubernetes_validate/kubernetes-json-schema/$sub-local/*" \
    "kubernetes_validate/kubernetes-json-schema/$sub-local-strict/*")
  # kubernetes-validate resolves "$ref": "/api/_definitions.json#..." against each
  # schema's "$id" (https://kubernetes.io/api/...); kubeconform loads files, so
  # drop the $id and make the refs relative to the file. Without this every
  # object fails with kubeconform's "could not find schema for <Kind>".
  # shellcheck disable=SC2016 # JavaScript, not shell
  node -e '
    const fs = require("fs"), path = require("path");
    for (const dir of process.argv.slice(1)) {
      for (const f of fs.readdirSync(dir)) {
        if (!f.endsWith(".json")) continue;
        const p = path.join(dir, f);
        const schema = JSON.parse(fs.readFileSync(p, "utf8"));
        delete schema.$id;
        fs.writeFileSync(p, JSON.stringify(schema).split("\"/api/_definitions.json#").join("\"_definitions.json#"));
      }
    }
  ' "$work/kubernetes_validate/kubernetes-json-schema/$sub-local" "$work/kubernetes_validate/kubernetes-json-schema/$sub-local-strict"
  mv "$work/kubernetes_validate/kubernetes-json-schema" "$stage/kubernetes-json-schema"
  # Prove the schemas work: a minimal valid ConfigMap passes, an unknown field fails.
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\ndata:\n  a: b\n' >"$work/ok.yaml"
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\ndatta:\n  a: b\n' >"$work/bad.yaml"
  local loc="$stage/kubernetes-json-schema/$sub-local-strict/{{ .ResourceKind }}{{ .KindSuffix }}.json"
  "$stage/bin/kubeconform" -strict -schema-location "$loc" "$work/ok.yaml" >&2 ||
    die "kubeconform rejects a valid ConfigMap with the fetched schemas"
  if "$stage/bin/kubeconform" -strict -schema-location "$loc" "$work/bad.yaml" >/dev/null 2>&1; then
    die "kubeconform accepts an unknown field with the fetched schemas"
  fi
}

total_start=$SECONDS
expected="$(awk '{ s += $2 } END { if (s > 0) print s }' "$PROGRESS_TIMINGS" 2>/dev/null || true)"
log "building toolchain $OPENCLAW_TOOLCHAIN_KEY (go $go_version, GOFLAGS=$GOFLAGS): 7 steps${expected:+, last run $expected s in all}"
step cli "the Pulumi CLI v$OPENCLAW_PULUMI_VERSION (go build github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)" build_cli
step langhost "the Node.js language host ${OPENCLAW_LANGHOST_REVISION:0:10} (sdk $OPENCLAW_LANGHOST_SDK_VERSION) from $OPENCLAW_LANGHOST_ARCHIVE" build_langhost
step command "the command provider v$OPENCLAW_COMMAND_PROVIDER_VERSION from $OPENCLAW_COMMAND_ARCHIVE" build_command
step kubernetes "the kubernetes provider (registered as $OPENCLAW_K8S_PROVIDER_VERSION; the longest step)" build_kubernetes
step checkers "kube-score $OPENCLAW_KUBE_SCORE_VERSION and kubeconform $OPENCLAW_KUBECONFORM_VERSION (go install)" build_checkers
step checkov "Checkov $OPENCLAW_CHECKOV_VERSION into a venv (pip, every dependency pinned)" build_checkov
step schemas "Kubernetes $OPENCLAW_K8S_SCHEMA_VERSION JSON schemas for kubeconform ($OPENCLAW_K8S_SCHEMA_PACKAGE)" fetch_schemas

k8s_origin="$(cd "$tools/kubernetes" && go list -m -f '{{.Version}}' github.com/pulumi/pulumi-kubernetes/provider/v4 2>>"$logs/kubernetes.log")"
cat >"$stage/toolchain.json" <<EOF
{
  "key": "$OPENCLAW_TOOLCHAIN_KEY",
  "go": "$go_version",
  "pulumi": "v$OPENCLAW_PULUMI_VERSION",
  "languageHost": {"builtFrom": "github.com/pulumi/pulumi@$OPENCLAW_LANGHOST_REVISION sdk/nodejs/cmd/pulumi-language-nodejs ($OPENCLAW_LANGHOST_ARCHIVE, sha256 $OPENCLAW_LANGHOST_ARCHIVE_SHA256)", "pkgAndSdk": "v$OPENCLAW_LANGHOST_SDK_VERSION", "goSumSha256": "$(cat "$work/langhost-gosum.sha256")"},
  "commandProvider": {"registeredAs": "$OPENCLAW_COMMAND_PROVIDER_VERSION", "builtFrom": "github.com/pulumi/pulumi-command@$OPENCLAW_COMMAND_REVISION (v$OPENCLAW_COMMAND_PROVIDER_VERSION) provider/ ($OPENCLAW_COMMAND_ARCHIVE, sha256 $OPENCLAW_COMMAND_ARCHIVE_SHA256)"},
  "kubernetesProvider": {"registeredAs": "$OPENCLAW_K8S_PROVIDER_VERSION", "builtFrom": "github.com/pulumi/pulumi-kubernetes/provider/v4@$k8s_origin"},
  "kubeScore": "$OPENCLAW_KUBE_SCORE_VERSION",
  "kubeconform": "$OPENCLAW_KUBECONFORM_VERSION",
  "checkov": "$OPENCLAW_CHECKOV_VERSION (PyPI, tools/pulumi-toolchain/checkov/requirements.txt)",
  "kubernetesSchemas": {"package": "$OPENCLAW_K8S_SCHEMA_PACKAGE", "version": "$OPENCLAW_K8S_SCHEMA_VERSION"},
  "buildSeconds": {$(IFS=,; echo "${timings[*]}"), "total": $((SECONDS - total_start))}
}
EOF
# <<< recipe

verify "$stage"
rm -rf "$OPENCLAW_TOOLCHAIN"
mv "$stage" "$OPENCLAW_TOOLCHAIN"
touch "$OPENCLAW_TOOLCHAIN/.complete"
log "toolchain ready at $OPENCLAW_TOOLCHAIN in $((SECONDS - total_start)) s"
log "use it: source scripts/setup/pulumi-env.sh"
