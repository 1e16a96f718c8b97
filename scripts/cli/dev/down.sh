#!/usr/bin/env bash
# npm run dev:down — `pulumi destroy --stack dev` (when the stack exists and the
# cluster runs), then `npm run cluster:down`. Pulumi.dev.yaml and the stack's
# state stay, so the next dev:up reuses the gateway token.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
cd "$repo"
say() { printf 'dev:down %s\n' "$*" >&2; }

status="$(npm run -s cluster:status 2>/dev/null || true)"
kubeconfig="$(tail -1 <<<"$status" | sed -n 's/^KUBECONFIG=//p')"
# shellcheck source=/dev/null
source scripts/setup/pulumi-env.sh --stack dev
if [[ -n "$kubeconfig" && -f "$kubeconfig" ]] && kubectl --kubeconfig "$kubeconfig" --request-timeout=5s get --raw /readyz >/dev/null 2>&1; then
  export KUBECONFIG="$kubeconfig"
  if pulumi stack select dev >/dev/null 2>&1; then
    say "pulumi destroy --stack dev"
    pulumi destroy --yes --non-interactive --stack dev >&2
  else
    say "no dev stack in $PULUMI_BACKEND_URL; nothing to destroy"
  fi
else
  say "the cluster is not running: nothing to destroy now (the objects go with the cluster; the next dev:up clears the stale stack state)"
fi
say "npm run cluster:down"
npm run -s cluster:down >&2
