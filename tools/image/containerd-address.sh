#!/usr/bin/env bash
# Prints the socket of the dev cluster's containerd when the cluster runs
# (npm run cluster:status prints CONTAINERD_ADDRESS=<socket>); prints nothing
# and exits 1 otherwise. OPENCLAW_CONTAINERD_ADDRESS overrides it.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
address="${OPENCLAW_CONTAINERD_ADDRESS:-}"
if [[ -z "$address" ]]; then
  address="$(cd "$repo" && npm run -s cluster:status 2>/dev/null | sed -n 's/^CONTAINERD_ADDRESS=//p' | tail -1 || true)"
fi
# The path tools/cluster uses (cluster-run/containerd/containerd.sock), for a status without the line.
[[ -n "$address" ]] || address="${OPENCLAW_INFRA_CACHE:-$HOME/.cache/openclaw-gateway-infra}/cluster-run/containerd/containerd.sock"
[[ -S "$address" ]] || exit 1
echo "$address"
