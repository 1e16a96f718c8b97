#!/usr/bin/env bash
# Stops the ingress controller that start.sh started (by its PID file, only if the
# process carries this cluster's state dir in its environment). cluster:down does the
# same through teardown.sh (the controller's cgroup is under the cluster's).
set -euo pipefail
# shellcheck source=../env.sh
source "$(dirname "${BASH_SOURCE[0]}")/../env.sh"
case "${1:-}" in
  "") ;;
  -h | --help) echo "usage: bash tools/cluster/ingress/stop.sh: stop the ingress controller start.sh started"; exit 0 ;;
  *) echo "unknown argument '$1'; it takes none (--help for usage)" >&2; exit 2 ;;
esac
D="$CLUSTER_STATE/ingress"
pid="$(cat "$D/traefik.pid" 2>/dev/null || true)"
if [[ "$pid" =~ ^[0-9]+$ && -r "/proc/$pid/environ" ]] && tr '\0' '\n' <"/proc/$pid/environ" | grep -qxF "OPENCLAW_CLUSTER_STATE=$CLUSTER_STATE"; then
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -KILL "$pid" 2>/dev/null || true
  cluster_log "ingress controller stopped (pid $pid)"
fi
rm -f "$D/traefik.pid"
# Its network namespace and veth (start.sh makes them again).
if ip netns list 2>/dev/null | grep -qw "^$CLUSTER_INGRESS_NETNS"; then
  ip netns delete "$CLUSTER_INGRESS_NETNS"
fi
ip link delete "$CLUSTER_INGRESS_VETH" 2>/dev/null || true
