#!/usr/bin/env bash
# The one definition of the local cluster's pins, paths, addresses and ports.
# Sourced by every script under tools/cluster/ (never run on its own).
#
# Paths (outside the repository, next to the Pulumi toolchain):
#   build cache  <cache root>/cluster/<part>-<key>/   one directory per built part, keyed by
#                                                     every input of that part (see build.sh)
#   state        <cache root>/cluster-run/            the running cluster: pids, certs, configs,
#                                                     containerd and kubelet roots, logs
#   kubeconfig   <cache root>/cluster-run/kubeconfig  context openclaw-dev
# <cache root> is ${OPENCLAW_INFRA_CACHE:-$HOME/.cache/openclaw-gateway-infra}.

# shellcheck disable=SC2034 # variables for the scripts that source this file
CLUSTER_TOOLS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CLUSTER_REPO="$(cd "$CLUSTER_TOOLS/../.." && pwd)"
CLUSTER_CACHE_ROOT="${OPENCLAW_INFRA_CACHE:-$HOME/.cache/openclaw-gateway-infra}"
CLUSTER_BUILD_ROOT="$CLUSTER_CACHE_ROOT/cluster"
CLUSTER_STATE="${OPENCLAW_CLUSTER_STATE:-$CLUSTER_CACHE_ROOT/cluster-run}"
CLUSTER_KUBECONFIG="$CLUSTER_STATE/kubeconfig"
CLUSTER_CONTEXT="openclaw-dev"

# Pins. Kubernetes' own pin lives in tools/cluster/kubernetes/go.mod (pin-kubernetes.sh).
CLUSTER_K8S_VERSION="$(awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v1\./ { print $2; exit }' "$CLUSTER_TOOLS/kubernetes/go.mod")"
CLUSTER_ETCD_VERSION="v3.6.16"
CLUSTER_COREDNS_VERSION="v1.14.1"
CLUSTER_KNP_VERSION="v0.8.0"
# Debian bookworm packages (apt-get; versions as observed, checked at start-up).
CLUSTER_DEB_PACKAGES=(containerd runc containernetworking-plugins nftables iptables conntrack)

# Addresses: a bridge of our own; nothing listens on any other interface.
CLUSTER_BRIDGE="ocl-br0"
CLUSTER_NODE_IP="10.231.0.1"
CLUSTER_POD_CIDR="10.231.0.0/24"
# Pods get .2–.239 (cni.conflist rangeEnd); above that, node-side components with an address of
# their own on the bridge: the ingress controller's network namespace (tools/cluster/ingress).
CLUSTER_POD_RANGE_END="10.231.0.239"
CLUSTER_INGRESS_IP="10.231.0.250"
CLUSTER_INGRESS_NETNS="openclaw-ingress"
CLUSTER_INGRESS_VETH="ocl-ing0"
CLUSTER_SERVICE_CIDR="10.231.16.0/24"
CLUSTER_API_SERVICE_IP="10.231.16.1"
CLUSTER_DNS_IP="10.231.16.10"
CLUSTER_DOMAIN="cluster.local"
CLUSTER_NODE_NAME="openclaw-dev"
# Non-default ports (the usual 6443/2379/10250/... stay free for anyone else).
CLUSTER_APISERVER_PORT=16443          # on the node IP (pods reach it through the kubernetes Service)
CLUSTER_ETCD_CLIENT_PORT=12379        # 127.0.0.1
CLUSTER_ETCD_PEER_PORT=12380          # 127.0.0.1
CLUSTER_KUBELET_PORT=11250            # on the node IP (logs/exec/port-forward)
CLUSTER_KUBELET_HEALTHZ_PORT=11248    # 127.0.0.1
CLUSTER_CM_PORT=11257                 # controller-manager, 127.0.0.1
CLUSTER_SCHEDULER_PORT=11259          # 127.0.0.1
CLUSTER_PROXY_METRICS_PORT=11249      # kube-proxy, 127.0.0.1
CLUSTER_PROXY_HEALTHZ_PORT=11256      # kube-proxy, 127.0.0.1
CLUSTER_KNP_METRICS_PORT=11264        # enforcer, 127.0.0.1
CLUSTER_NFQUEUE=117                   # enforcer's netfilter queue number
# nft tables and cgroup parent we own (teardown deletes exactly these).
CLUSTER_GUARD_TABLE="openclaw_cluster_guard"
CLUSTER_CGROUP_ROOT="/openclaw-cluster"

cluster_log() { printf '[cluster] %s\n' "$*" >&2; }
cluster_die() {
  printf '[cluster] error: %s\n' "$*" >&2
  exit 1
}
