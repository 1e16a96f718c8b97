#!/usr/bin/env bash
# `npm run cluster:down`: stops the local cluster and removes everything it
# created (see teardown.sh for the exact list). Safe to run when nothing runs.
set -euo pipefail
# shellcheck source=env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
[[ "$(id -u)" -eq 0 ]] || cluster_die "cluster:down needs root (it removes the bridge, nft tables, mounts and cgroups)"
mkdir -p "$CLUSTER_BUILD_ROOT"
exec 7>"$CLUSTER_BUILD_ROOT/.run-lock"
if ! flock -n 7; then
  cluster_log "another cluster:up or cluster:down is running; waiting for it"
  flock 7
fi
exec bash "$CLUSTER_TOOLS/teardown.sh"
