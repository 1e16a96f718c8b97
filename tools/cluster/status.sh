#!/usr/bin/env bash
# `npm run -s cluster:status`: the local cluster's state. Ends with
# BIN_DIR=<dir of kubectl>, CONTAINERD_ADDRESS=<socket> (when containerd runs)
# and, always the last line, KUBECONFIG=<path> (whether or not the cluster runs):
#   export "$(npm run -s cluster:status | tail -1)"
#   bash status.sh --healthy   # no output; exit 0 only when every component runs,
#                              # the API server is ready and the node is Ready
set -uo pipefail
# shellcheck source=env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
S="$CLUSTER_STATE"
COMPONENTS=(etcd kube-apiserver containerd kube-controller-manager kube-scheduler kubelet kube-proxy enforcer)
kubectl_bin="$(bash "$CLUSTER_TOOLS/build.sh" --dir kubernetes 2>/dev/null)/bin/kubectl"
k() { "$kubectl_bin" --kubeconfig "$CLUSTER_KUBECONFIG" --request-timeout 5s "$@"; }
pid_of() { cat "$S/pids/$1.pid" 2>/dev/null; }
alive() { local p; p="$(pid_of "$1")" && [[ -n "$p" ]] && kill -0 "$p" 2>/dev/null; }

healthy() {
  [[ -f "$S/up.complete" && -x "$kubectl_bin" ]] || return 1
  local c
  for c in "${COMPONENTS[@]}"; do alive "$c" || return 1; done
  k get --raw /readyz >/dev/null 2>&1 || return 1
  k get node "$CLUSTER_NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null | grep -qx True
}

if [[ "${1:-}" == "--healthy" ]]; then
  healthy
  exit $?
fi

if [[ ! -d "$S" ]]; then
  echo "cluster: not running (no state at $S); start it with: npm run cluster:up"
elif healthy; then
  echo "cluster: running, healthy (context $CLUSTER_CONTEXT, API https://$CLUSTER_NODE_IP:$CLUSTER_APISERVER_PORT)"
else
  echo "cluster: NOT healthy (state at $S; npm run cluster:up repairs it by starting over)"
fi
if [[ -d "$S/pids" ]]; then
  echo "components (pid, resident memory):"
  for c in "${COMPONENTS[@]}"; do
    p="$(pid_of "$c")"
    if alive "$c"; then
      rss="$(awk '/^VmRSS/ { printf "%d MiB", $2 / 1024 }' "/proc/$p/status" 2>/dev/null)"
      printf '  %-24s %-8s %s\n' "$c" "$p" "$rss"
    else
      printf '  %-24s %-8s %s\n' "$c" "${p:--}" "not running (log: $S/logs/$c.log)"
    fi
  done
fi
if healthy; then
  echo "node:"
  k get nodes -o wide 2>&1 | sed 's/^/  /'
  echo "kube-system pods:"
  k -n kube-system get pods -o wide 2>&1 | sed 's/^/  /'
  echo "cluster DNS: kube-dns.kube-system.svc.$CLUSTER_DOMAIN -> $CLUSTER_DNS_IP"
fi
if nft list table inet "$CLUSTER_GUARD_TABLE" >/dev/null 2>&1; then
  echo "guard table inet $CLUSTER_GUARD_TABLE (packets dropped):"
  for c in pod_egress_dropped leak_dropped inbound_dropped; do
    printf '  %-20s %s\n' "$c" "$(nft list counter inet "$CLUSTER_GUARD_TABLE" "$c" 2>/dev/null | sed -n 's/.*packets \([0-9]*\).*/\1/p')"
  done
fi
[[ -f "$S/node-ready-seconds" ]] && echo "last cluster:up: node Ready after $(cat "$S/node-ready-seconds") s, DNS Ready after $(cat "$S/up-seconds" 2>/dev/null || echo '?') s"
echo "logs: $S/logs"
# Machine-readable lines for scripts (tools/image, scripts/cli/dev): the cluster's
# kubectl (same version as the API server), its containerd socket, its kubeconfig.
echo "BIN_DIR=$(dirname "$kubectl_bin")"
[[ -S "$S/containerd/containerd.sock" ]] && echo "CONTAINERD_ADDRESS=$S/containerd/containerd.sock"
echo "KUBECONFIG=$CLUSTER_KUBECONFIG"
