#!/usr/bin/env bash
# The one definition of the environment the real Pulumi engine runs in here.
#
#   source scripts/setup/pulumi-env.sh [--stack NAME]        # exports PATH and PULUMI_* into this shell
#   bash scripts/setup/pulumi-env.sh [--stack NAME] CMD ...  # runs CMD in that environment
#
# Backend and secrets passphrase: ONLY for the repo-local stacks (`local`, render
# only; `dev`, a throwaway cluster on this machine), named by --stack or
# $OPENCLAW_STACK (exec mode also reads `--stack NAME`/`-s NAME` in CMD). They get
# the file backend below and a public passphrase, unless PULUMI_BACKEND_URL is
# already set to something else. Any other stack (staging, prod, ...) and no stack
# at all: the backend and the passphrase are left to you (`pulumi login <backend>`,
# your secrets provider); values an earlier `--stack local` left in this shell
# are removed, so they cannot carry prod into the repo-local backend.
#
# Paths:
#   cache root   ${OPENCLAW_INFRA_CACHE:-$HOME/.cache/openclaw-gateway-infra}
#   toolchain    <cache root>/toolchain/<version key>  (built by scripts/setup/bootstrap-pulumi.sh)
#   state        file://<repo>/.pulumi-state            (gitignored; the local file backend)
#
# The version key names the pinned versions and hashes every input of the build
# (tools/pulumi-toolchain/**, the bootstrap script's recipe, the upstream archives'
# sha256 pins, the Go version), so a change
# of any pin builds a new toolchain next to the old one instead of reusing it.

_oc_env_main() {
  # $1: the stack this environment is for (may be empty).
  local here repo
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  repo="$(cd "$here/../.." && pwd)"

  # Pinned versions. The CLI and the kubernetes provider come from the go.mod
  # files under tools/pulumi-toolchain/; these are the versions the engine sees.
  export OPENCLAW_PULUMI_VERSION="3.274.1"
  # What @pulumi/kubernetes 4.34.2 and @pulumi/command 1.2.1 ask the engine for.
  export OPENCLAW_K8S_PROVIDER_VERSION="4.34.2"
  export OPENCLAW_COMMAND_PROVIDER_VERSION="1.2.1"
  # Upstream plugin sources the Go module proxy refuses: `git archive` outputs of the
  # public repositories, taken from the directory $OPENCLAW_PLUGIN_SOURCES names and
  # checked against these sha256 pins before they are built (tools/pulumi-toolchain/README.md).
  export OPENCLAW_LANGHOST_ARCHIVE="pulumi-language-nodejs-1b5949891b.tar.gz"
  export OPENCLAW_LANGHOST_ARCHIVE_SHA256="ce1670709a62fc551408da232a82d03c84d630cd99bec2f7ae0ba440392b008f"
  export OPENCLAW_LANGHOST_REVISION="1b5949891b3cefcb9974752b24a5ecef0acc86c8"
  # The SDK version of that revision (its sdk/.version): the host compiles only against it.
  export OPENCLAW_LANGHOST_SDK_VERSION="3.260.0"
  export OPENCLAW_COMMAND_ARCHIVE="pulumi-command-v1.2.1-provider.tar.gz"
  export OPENCLAW_COMMAND_ARCHIVE_SHA256="fb75e890a529036cbf095567c56b21f71bf4225312f4d31a1e2683d8e64d5731"
  export OPENCLAW_COMMAND_REVISION="7f3eb6f3b77cd0fa3895ba437a695dd393f7dd25"
  export OPENCLAW_KUBE_SCORE_VERSION="v1.20.0"
  export OPENCLAW_KUBECONFORM_VERSION="v0.7.0"
  # Polaris is refused by the Go module proxy; Checkov (PyPI) stands in for it,
  # every dependency pinned in tools/pulumi-toolchain/checkov/requirements.txt.
  export OPENCLAW_CHECKOV_VERSION="3.3.30"
  # Kubernetes JSON schemas for kubeconform, from PyPI's kubernetes-validate
  # (it ships the yannh/kubernetes-json-schema layout); the API version matches
  # the k8s.io/api v0.33 the kubernetes provider is built with.
  export OPENCLAW_K8S_SCHEMA_PACKAGE="kubernetes-validate==1.37.0"
  export OPENCLAW_K8S_SCHEMA_VERSION="1.33.0"

  export OPENCLAW_REPO="$repo"
  export OPENCLAW_INFRA_CACHE="${OPENCLAW_INFRA_CACHE:-$HOME/.cache/openclaw-gateway-infra}"

  local key_inputs hash
  key_inputs="$(
    cd "$repo" &&
      find tools/pulumi-toolchain -type f \( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' -o -name '*.sh' -o -name '*.txt' \) \
        ! -name '*-embed.json' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
    # Only the build recipe of the bootstrap script: its progress and checks can change without a rebuild.
    sed -n '/^# >>> recipe/,/^# <<< recipe/p' "$here/bootstrap-pulumi.sh" | sha256sum | cut -d' ' -f1
    # The pins above, not what this file derives from the key: a shell that sourced it
    # already has OPENCLAW_K8S_SCHEMA_DIR, and a nested run (npm run deploy inside dev:up)
    # computed another key and found no plugins.
    env | grep -E '^OPENCLAW_(PULUMI|K8S|COMMAND|LANGHOST|KUBE|CHECKOV)' | grep -v '^OPENCLAW_K8S_SCHEMA_DIR=' | LC_ALL=C sort
    go version 2>/dev/null || echo "no-go"
  )"
  hash="$(printf '%s' "$key_inputs" | sha256sum | cut -c1-12)"
  export OPENCLAW_TOOLCHAIN_KEY="pulumi-${OPENCLAW_PULUMI_VERSION}_k8s-${OPENCLAW_K8S_PROVIDER_VERSION}_${hash}"
  export OPENCLAW_TOOLCHAIN="$OPENCLAW_INFRA_CACHE/toolchain/$OPENCLAW_TOOLCHAIN_KEY"
  export OPENCLAW_K8S_SCHEMA_DIR="$OPENCLAW_TOOLCHAIN/kubernetes-json-schema"

  # Engine binaries first, then the project's Node 24 (node@24.21.0
  # devDependency): the language host runs whatever `node` is on PATH, and
  # Debian's /usr/bin/node is 20, which @pulumi/pulumi (engines >=22) rejects.
  case ":$PATH:" in
    *":$OPENCLAW_TOOLCHAIN/bin:"*) ;;
    *) PATH="$OPENCLAW_TOOLCHAIN/bin:$repo/node_modules/.bin:$PATH" ;;
  esac
  export PATH

  # Plugins installed with `pulumi plugin install --file` live here, per toolchain.
  export PULUMI_HOME="$OPENCLAW_TOOLCHAIN/pulumi-home"
  _oc_env_backend "$repo" "$1"
  export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
  export PULUMI_SKIP_UPDATE_CHECK=true
  export PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK=true
  # No Pulumi Cloud here: never try to reach it for templates, policies or telemetry.
  export PULUMI_DISABLE_REGISTRY_RESOLVE=true
  export PULUMI_DIY_BACKEND_NO_LEGACY_WARNING=true
}

# The stacks whose state lives in the repo-local file backend. Their secrets are
# public by design: `local` renders Secrets in plain text with a placeholder token,
# `dev` is a cluster on this machine with a generated token.
_OC_LOCAL_STACKS="local dev"
_OC_LOCAL_PASSPHRASE="openclaw-local-stack-not-a-secret"

_oc_env_backend() {
  local repo="$1" stack="$2" ours
  ours="file://$repo/.pulumi-state"
  if [[ -n "$stack" ]] && [[ " $_OC_LOCAL_STACKS " == *" $stack "* ]]; then
    if [[ -n "${PULUMI_BACKEND_URL:-}" && "$PULUMI_BACKEND_URL" != "$ours" ]]; then
      echo "pulumi-env: stack '$stack': keeping your PULUMI_BACKEND_URL ($PULUMI_BACKEND_URL)" >&2
      return 0
    fi
    export PULUMI_BACKEND_URL="$ours"
    export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-$_OC_LOCAL_PASSPHRASE}"
    # The file backend needs no Pulumi Cloud token; never hand one to a local run.
    unset PULUMI_ACCESS_TOKEN
    return 0
  fi
  # Not a repo-local stack: its backend and secrets provider are the user's.
  if [[ "${PULUMI_BACKEND_URL:-}" == "$ours" ]]; then
    unset PULUMI_BACKEND_URL
    echo "pulumi-env: unset PULUMI_BACKEND_URL=$ours (the repo-local backend is for the local/dev stacks only)" >&2
  fi
  if [[ "${PULUMI_CONFIG_PASSPHRASE:-}" == "$_OC_LOCAL_PASSPHRASE" ]]; then
    unset PULUMI_CONFIG_PASSPHRASE
    echo "pulumi-env: unset the local stacks' public PULUMI_CONFIG_PASSPHRASE" >&2
  fi
  if [[ -n "$stack" ]]; then
    echo "pulumi-env: stack '$stack' is not repo-local: backend and secrets provider untouched; use 'pulumi login <your backend>' and the stack's own secrets provider" >&2
  else
    echo "pulumi-env: toolchain only, backend untouched (for the repo-local stacks: --stack local or --stack dev)" >&2
  fi
}

# The stack: --stack NAME (or --stack=NAME) first, else $OPENCLAW_STACK; executed with
# a command and neither given, the command's own --stack/-s.
_oc_env_stack="${OPENCLAW_STACK:-}"
if [[ "${1:-}" == "--stack" ]]; then
  _oc_env_stack="${2:-}"
  shift 2 || shift
elif [[ "${1:-}" == --stack=* ]]; then
  _oc_env_stack="${1#--stack=}"
  shift
elif [[ "${BASH_SOURCE[0]}" == "$0" ]] && [[ -z "$_oc_env_stack" ]]; then
  _oc_env_prev=""
  for _oc_env_arg in "$@"; do
    case "$_oc_env_prev" in --stack | -s) _oc_env_stack="$_oc_env_arg" ;; esac
    case "$_oc_env_arg" in --stack=*) _oc_env_stack="${_oc_env_arg#--stack=}" ;; esac
    _oc_env_prev="$_oc_env_arg"
  done
  unset _oc_env_prev _oc_env_arg
fi

_oc_env_main "$_oc_env_stack"
unset -f _oc_env_main _oc_env_backend
unset _oc_env_stack _OC_LOCAL_STACKS _OC_LOCAL_PASSPHRASE

# Executed (not sourced) with a command: run it in this environment.
if [[ "${BASH_SOURCE[0]}" == "$0" ]] && [[ $# -gt 0 ]]; then
  exec "$@"
fi
