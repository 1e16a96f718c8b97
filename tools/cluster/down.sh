#!/usr/bin/env bash
# `npm run cluster:down`: stops the local cluster and removes everything it
# created (see teardown.sh for the exact list). Safe to run when nothing runs.
set -euo pipefail
# shellcheck source=tools/cluster/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
[[ "$(id -u)" -eq 0 ]] || cluster_die "cluster:down needs root (it removes the bridge, nft tables, mounts and cgroups)"
exec bash "$CLUSTER_TOOLS/teardown.sh"
