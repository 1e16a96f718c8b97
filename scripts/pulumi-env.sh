#!/usr/bin/env bash
# The one definition of the environment the real Pulumi engine runs in here.
#
#   source scripts/pulumi-env.sh        # exports PATH and PULUMI_* into this shell
#   bash scripts/pulumi-env.sh CMD ...  # runs CMD in that environment
#
# Paths:
#   cache root   ${OPENCLAW_INFRA_CACHE:-$HOME/.cache/openclaw-gateway-infra}
#   toolchain    <cache root>/toolchain/<version key>  (built by scripts/bootstrap-pulumi.sh)
#   state        file://<repo>/.pulumi-state            (gitignored; the local file backend)
#
# The version key names the pinned versions and hashes every input of the build
# (tools/pulumi-toolchain/**, the bootstrap script, the Go version), so a change
# of any pin builds a new toolchain next to the old one instead of reusing it.

_oc_env_main() {
  local here repo
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  repo="$(cd "$here/.." && pwd)"

  # Pinned versions. The CLI and the kubernetes provider come from the go.mod
  # files under tools/pulumi-toolchain/; these are the versions the engine sees.
  export OPENCLAW_PULUMI_VERSION="3.274.1"
  # What @pulumi/kubernetes 4.34.2 and @pulumi/command 1.2.1 ask the engine for.
  export OPENCLAW_K8S_PROVIDER_VERSION="4.34.2"
  export OPENCLAW_COMMAND_PROVIDER_VERSION="1.2.1"
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
    sha256sum "$here/bootstrap-pulumi.sh" | cut -d' ' -f1
    env | grep -E '^OPENCLAW_(PULUMI|K8S|COMMAND|KUBE|CHECKOV)' | LC_ALL=C sort
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
  export PULUMI_BACKEND_URL="file://$repo/.pulumi-state"
  # Passphrase of the `local` stack only: its one secret is an obviously fake
  # placeholder token (rendered Secrets are plain text anyway, FACTS.md §2).
  # Staging and prod use their own secrets provider; override here for others.
  export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-openclaw-local-stack-not-a-secret}"
  export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
  export PULUMI_SKIP_UPDATE_CHECK=true
  export PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK=true
  # No Pulumi Cloud here: never try to reach it for templates, policies or telemetry.
  export PULUMI_DISABLE_REGISTRY_RESOLVE=true
  export PULUMI_DIY_BACKEND_NO_LEGACY_WARNING=true
  unset PULUMI_ACCESS_TOKEN
}

_oc_env_main
unset -f _oc_env_main

# Executed (not sourced) with a command: run it in this environment.
if [[ "${BASH_SOURCE[0]}" == "$0" ]] && [[ $# -gt 0 ]]; then
  exec "$@"
fi
