#!/usr/bin/env bash
# npm run local:up — the embedded default: `pulumi up` of the `local` stack on
# the real engine, no cluster and no Pulumi Cloud account.
#
#   1. builds or reuses the pinned toolchain (scripts/bootstrap-pulumi.sh);
#   2. selects (or creates) the `local` stack in the file backend
#      (file://<repo>/.pulumi-state, passphrase secrets; scripts/pulumi-env.sh);
#   3. runs `pulumi up --yes` with the CrossGuard pack in policy-pack/ when it
#      exists (config policy-pack/config/local.json when present);
#   4. the kubernetes provider renders the manifests to the directory in
#      Pulumi.local.yaml (render.directory, rendered/local) instead of applying.
#
# Extra arguments go to `pulumi up`, e.g. `npm run local:up -- --diff`.
# OPENCLAW_STACK picks another render-only stack (default: local).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bash "$here/bootstrap-pulumi.sh"
# shellcheck source=/dev/null  # checked on its own
source "$here/pulumi-env.sh"
cd "$OPENCLAW_REPO"

stack="${OPENCLAW_STACK:-local}"
[[ -f "Pulumi.$stack.yaml" ]] || {
  echo "local-up: Pulumi.$stack.yaml not found in $OPENCLAW_REPO (OPENCLAW_STACK=$stack); expected the render-only 'local' stack" >&2
  exit 1
}
[[ -d node_modules/@pulumi/pulumi ]] || {
  echo "local-up: node_modules is missing; run 'npm ci' first" >&2
  exit 1
}

mkdir -p .pulumi-state
if ! pulumi stack select "$stack" >/dev/null 2>&1; then
  echo "local-up: creating stack '$stack' in $PULUMI_BACKEND_URL" >&2
  pulumi stack init "$stack" >&2
fi

policy_args=()
if [[ -f policy-pack/PulumiPolicy.yaml ]]; then
  policy_args+=(--policy-pack "$OPENCLAW_REPO/policy-pack")
  if [[ -f "policy-pack/config/$stack.json" ]]; then
    policy_args+=(--policy-pack-config "$OPENCLAW_REPO/policy-pack/config/$stack.json")
  fi
else
  echo "local-up: policy-pack/PulumiPolicy.yaml not found; running without the policy pack" >&2
fi

pulumi up --yes --non-interactive --stack "$stack" "${policy_args[@]}" "$@"

render_dir="$(pulumi config get --stack "$stack" --path render.directory 2>/dev/null || true)"
if [[ -n "$render_dir" ]]; then
  echo "local-up: manifests rendered to $OPENCLAW_REPO/$render_dir" >&2
fi
