#!/usr/bin/env bash
# npm run local:up — the embedded default: `pulumi up` of the `local` stack on
# the real engine, no cluster and no Pulumi Cloud account.
#
#   1. builds or reuses the pinned toolchain (scripts/setup/bootstrap-pulumi.sh);
#   2. selects (or creates) the `local` stack in the file backend
#      (file://<repo>/.pulumi-state, passphrase secrets; scripts/setup/pulumi-env.sh);
#   3. runs `pulumi up --yes` with the CrossGuard pack in policy-pack/ when it
#      exists (config policy-pack/config/local.json when present);
#   4. the kubernetes provider renders the manifests to the directory in
#      Pulumi.local.yaml (render.directory, rendered/local) instead of applying.
#
# Extra arguments go to `pulumi up`, e.g. `npm run local:up -- --diff`.
# OPENCLAW_STACK picks another render-only stack (default: local).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bash "$here/../setup/bootstrap-pulumi.sh"
stack="${OPENCLAW_STACK:-local}"
# shellcheck source=/dev/null  # checked on its own
source "$here/../setup/pulumi-env.sh" --stack "$stack"
cd "$OPENCLAW_REPO"

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

# A run killed mid-update (Ctrl-C twice, a CI timeout) leaves its lock behind in the
# file backend. Clear it only when it belongs to a process of this host that is gone.
lock_dir="$OPENCLAW_REPO/.pulumi-state/.pulumi/locks/organization/$(node -p 'require("yaml").parse(require("fs").readFileSync("Pulumi.yaml","utf8")).name')/$stack"
if [[ -d "$lock_dir" ]]; then
  for lock in "$lock_dir"/*.json; do
    [[ -e "$lock" ]] || continue
    read -r pid host < <(node -p 'const l = require(process.argv[1]); l.pid + " " + l.hostname' "$lock")
    if [[ "$host" == "$(hostname)" ]] && ! kill -0 "$pid" 2>/dev/null; then
      echo "local-up: removing the stale lock of pid $pid (no longer running): pulumi cancel" >&2
      pulumi cancel --yes --stack "$stack" >&2
    fi
  done
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
