#!/usr/bin/env bash
# npm run dev:up — the real program on a real local cluster:
#   1. npm run cluster:up      the single-node cluster (built and cached on first use)
#   2. npm run image:build     the current and previous gateway images (deterministic
#                              digests), imported into the cluster's containerd
#   3. Pulumi.dev.yaml         written for this machine (scripts/cli/dev/configure.sh)
#   4. npm run deploy -- --stack dev   pulumi up with the policy pack (prod config: the
#                              strictest), on the bootstrapped engine and the file backend,
#                              recording the engine's events (changes, policy verdict) for
#                              the ticket; the smoke checks run both paths during the update
#   5. npm run ticket -- --stack dev   the change ticket, with the signed-off smoke evidence
# The cluster and the stack keep running: kubectl around, break things, then
# `npm run smoke -- --stack dev` / `npm run diagnose -- --stack dev`. `npm run dev:down`
# destroys the stack and stops the cluster. Extra arguments go to `pulumi up`.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
t0=$SECONDS
say() { printf 'dev:up [%3ds] %s\n' "$((SECONDS - t0))" "$*" >&2; }
cd "$repo"

say "toolchain (scripts/setup/bootstrap-pulumi.sh)"
bash scripts/setup/bootstrap-pulumi.sh 2>&1 | grep -v '^go: downloading ' >&2
say "cluster (npm run cluster:up)"
npm run -s cluster:up >&2
status="$(npm run -s cluster:status)"
kubeconfig="$(tail -1 <<<"$status" | sed -n 's/^KUBECONFIG=//p')"
[[ -n "$kubeconfig" && -f "$kubeconfig" ]] || { echo "dev:up: npm run -s cluster:status did not end with KUBECONFIG=<path>:" >&2; echo "$status" >&2; exit 1; }
export KUBECONFIG="$kubeconfig"
# The cluster's own kubectl (same version as the API server) first, when it reports one.
bin_dir="$(sed -n 's/^BIN_DIR=//p' <<<"$status" | tail -1)"
[[ -n "$bin_dir" && -x "$bin_dir/kubectl" ]] && export PATH="$bin_dir:$PATH"

say "images (npm run image:build)"
refs="$(mktemp)"
trap 'rm -f "$refs"' EXIT
bash tools/image/build.sh >"$refs"

# shellcheck source=/dev/null  # checked on its own
source scripts/setup/pulumi-env.sh --stack dev
mkdir -p .pulumi-state
say "stack config (scripts/cli/dev/configure.sh)"
bash scripts/cli/dev/configure.sh "$refs" "$kubeconfig"

# State left from an earlier cluster (cluster:down wipes the cluster, not the file backend):
# the objects are gone, so destroy the stale state first, or the smoke checks (which re-run
# only on a new digest or values hash) would keep the old cluster's evidence.
if ! kubectl --context openclaw-dev get namespace openclaw-dev >/dev/null 2>&1 &&
  [[ "$(pulumi stack export --stack dev | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log((JSON.parse(s).deployment?.resources??[]).length))')" -gt 0 ]]; then
  say "stack dev has state but the cluster has no namespace openclaw-dev (a new cluster): pulumi destroy of the stale state"
  pulumi destroy --yes --non-interactive --stack dev >&2
fi

say "pulumi up --stack dev (npm run deploy: policy pack with the prod config, smoke checks, engine record for the ticket)"
npm run -s deploy -- --stack dev --policy-pack-config "$repo/policy-pack/config/prod.json" -- "$@"

say "change ticket (npm run ticket -- --stack dev)"
npm run -s ticket -- --stack dev
say "done: stack dev is up in namespace openclaw-dev, smoke signed off"
cat >&2 <<EOT

The cluster and the stack keep running. In any shell:
  source scripts/setup/pulumi-env.sh --stack dev   # pulumi on PATH, the repo-local backend
  export KUBECONFIG=$kubeconfig
  kubectl --context openclaw-dev -n openclaw-dev get pods,svc,networkpolicy
  npm run smoke -- --stack dev        # both smoke paths again
  npm run diagnose -- --stack dev     # OOMKilled / NotReady diagnosis
  pulumi stack output --stack dev
  npm run dev:down                    # destroy the stack, stop the cluster
EOT
