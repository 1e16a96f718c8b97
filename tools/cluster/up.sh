#!/usr/bin/env bash
# `npm run cluster:up`: a real single-node Kubernetes cluster on this machine.
# Builds its parts on first use (tools/cluster/build.sh, cached), cleans what a
# killed earlier run left behind (teardown.sh), then starts etcd, the API server
# (with PodSecurity admission), controller-manager, scheduler, containerd, the
# kubelet, kube-proxy, the NetworkPolicy enforcer and the cluster DNS, and waits
# for the node and the DNS to be Ready. Idempotent: a healthy running cluster is
# left as it is. Needs root (network, mounts, cgroups).
#
#   npm run cluster:up            # KUBECONFIG path printed at the end
#   npm run -s cluster:status     # state; last line KUBECONFIG=<path>
#   npm run cluster:down
#
# Safety on a shared machine: see tools/cluster/README.md ("Sharing the machine").
set -euo pipefail
# shellcheck source=env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
S="$CLUSTER_STATE"
started=$SECONDS
phase() { cluster_log "$(printf '%5.1fs' "$((SECONDS - started))") $*"; }

[[ "$(id -u)" -eq 0 ]] || cluster_die "cluster:up needs root (bridge, nft tables, mounts, cgroups); run it as root"

# --- prerequisites ----------------------------------------------------------
bash "$CLUSTER_TOOLS/deps.sh"
bash "$CLUSTER_TOOLS/build.sh"
K8S="$(bash "$CLUSTER_TOOLS/build.sh" --dir kubernetes)/bin"
ETCD="$(bash "$CLUSTER_TOOLS/build.sh" --dir etcd)/bin/etcd"
KNP="$(bash "$CLUSTER_TOOLS/build.sh" --dir enforcer)/bin/kube-network-policies"
IMAGES="$(bash "$CLUSTER_TOOLS/build.sh" --dir images)/images"
KUBECTL=("$K8S/kubectl" --kubeconfig "$CLUSTER_KUBECONFIG")

# One cluster:up or cluster:down at a time.
mkdir -p "$CLUSTER_BUILD_ROOT"
exec 7>"$CLUSTER_BUILD_ROOT/.run-lock"
if ! flock -n 7; then
  cluster_log "another cluster:up or cluster:down is running; waiting for it"
  flock 7
fi

# --- already running? -------------------------------------------------------
if [[ -f "$S/up.complete" ]] && bash "$CLUSTER_TOOLS/status.sh" --healthy >/dev/null 2>&1; then
  cluster_log "cluster already running and healthy (state $S)"
  echo "KUBECONFIG=$CLUSTER_KUBECONFIG"
  exit 0
fi

# --- clean leftovers of an earlier run of ours --------------------------------
if [[ -d "$S" ]]; then
  phase "cleaning up an earlier run (state dir $S exists)"
  bash "$CLUSTER_TOOLS/teardown.sh"
fi
# Refuse to share names with something that is not ours.
ip link show "$CLUSTER_BRIDGE" >/dev/null 2>&1 && cluster_die "a bridge named $CLUSTER_BRIDGE exists but is not recorded as ours; remove it or change CLUSTER_BRIDGE in tools/cluster/env.sh"
for t in "inet $CLUSTER_GUARD_TABLE" "ip kube-proxy" "ip6 kube-proxy" "inet kube-network-policies"; do
  # shellcheck disable=SC2086
  nft list table $t >/dev/null 2>&1 && cluster_die "nft table '$t' exists and is not ours (another cluster on this machine?); not starting"
done
for port in $CLUSTER_APISERVER_PORT $CLUSTER_ETCD_CLIENT_PORT $CLUSTER_ETCD_PEER_PORT $CLUSTER_KUBELET_PORT \
  $CLUSTER_KUBELET_HEALTHZ_PORT $CLUSTER_CM_PORT $CLUSTER_SCHEDULER_PORT $CLUSTER_PROXY_METRICS_PORT \
  $CLUSTER_PROXY_HEALTHZ_PORT $CLUSTER_KNP_METRICS_PORT; do
  ss -Hltn "sport = :$port" | grep -q . && cluster_die "port $port is in use by another process; see tools/cluster/env.sh for the ports the cluster needs"
done

mkdir -p "$S"/{pids,logs,kubeconfigs,etcd,containerd,cni/net.d,cni/ipam,kubelet-root,pod-logs,config}
: >"$S/created"
record() { echo "$*" >>"$S/created"; }
# Every process we start carries this in its environment: teardown only
# signals processes that do (a recycled PID is never ours).
export OPENCLAW_CLUSTER_STATE="$S"

# start NAME CMD...: a daemon in its own session, output in logs/NAME.log; it
# does not inherit the run lock (fd 7).
start() {
  local name="$1"
  shift
  setsid "$@" >"$S/logs/$name.log" 2>&1 </dev/null 7>&- &
  echo "$!" >"$S/pids/$name.pid"
}
alive() { kill -0 "$(cat "$S/pids/$1.pid")" 2>/dev/null; }
# wait_for WHAT SECONDS COMPONENT CMD...: poll CMD; fail with the component's log tail.
wait_for() {
  local what="$1" limit="$2" comp="$3" deadline
  shift 3
  deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    if [[ -n "$comp" ]] && ! alive "$comp"; then
      tail -n 30 "$S/logs/$comp.log" >&2
      cluster_die "$comp exited while waiting for $what (log: $S/logs/$comp.log)"
    fi
    if ((SECONDS >= deadline)); then
      [[ -n "$comp" ]] && tail -n 30 "$S/logs/$comp.log" >&2
      cluster_die "timed out after ${limit}s waiting for $what${comp:+ (log: $S/logs/$comp.log)}"
    fi
    sleep 0.3
  done
  phase "$what"
}

# --- certificates and kubeconfigs ---------------------------------------------
bash "$CLUSTER_TOOLS/pki.sh" "$S/pki"
P="$S/pki"
API="https://$CLUSTER_NODE_IP:$CLUSTER_APISERVER_PORT"
kubeconfig() { # kubeconfig FILE CERT_NAME [embed]
  local file="$1" n="$2" ca cert key
  if [[ "${3:-}" == embed ]]; then
    ca="certificate-authority-data: $(base64 -w0 "$P/ca.crt")"
    cert="client-certificate-data: $(base64 -w0 "$P/$n.crt")"
    key="client-key-data: $(base64 -w0 "$P/$n.key")"
  else
    ca="certificate-authority: $P/ca.crt"
    cert="client-certificate: $P/$n.crt"
    key="client-key: $P/$n.key"
  fi
  cat >"$file" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: $CLUSTER_CONTEXT
    cluster:
      server: $API
      $ca
users:
  - name: $CLUSTER_CONTEXT-$n
    user:
      $cert
      $key
contexts:
  - name: $CLUSTER_CONTEXT
    context:
      cluster: $CLUSTER_CONTEXT
      user: $CLUSTER_CONTEXT-$n
current-context: $CLUSTER_CONTEXT
EOF
  chmod 600 "$file"
}
for n in controller-manager scheduler kubelet kube-proxy; do kubeconfig "$S/kubeconfigs/$n.kubeconfig" "$n"; done
kubeconfig "$CLUSTER_KUBECONFIG" admin embed
phase "certificates and kubeconfigs written"

# --- network: our bridge, the service route, the guard table ---------------------
record bridge "$CLUSTER_BRIDGE"
ip link add "$CLUSTER_BRIDGE" type bridge
# No IPv6 on the bridge; forwarding for this bridge only (net.ipv4.ip_forward stays as it is).
echo 1 >"/proc/sys/net/ipv6/conf/$CLUSTER_BRIDGE/disable_ipv6"
echo 1 >"/proc/sys/net/ipv4/conf/$CLUSTER_BRIDGE/forwarding"
ip addr add "$CLUSTER_NODE_IP/${CLUSTER_POD_CIDR#*/}" dev "$CLUSTER_BRIDGE"
ip link set "$CLUSTER_BRIDGE" up
# An untranslated ClusterIP is routed onto the bridge, never to the default route.
ip route add "$CLUSTER_SERVICE_CIDR" dev "$CLUSTER_BRIDGE" src "$CLUSTER_NODE_IP"
record nft "inet $CLUSTER_GUARD_TABLE"
sed -e "s|@TABLE@|$CLUSTER_GUARD_TABLE|g" -e "s|@BRIDGE@|$CLUSTER_BRIDGE|g" \
  -e "s|@POD_CIDR@|$CLUSTER_POD_CIDR|g" -e "s|@SERVICE_CIDR@|$CLUSTER_SERVICE_CIDR|g" \
  "$CLUSTER_TOOLS/guard.nft" >"$S/config/guard.nft"
nft -f "$S/config/guard.nft"
phase "bridge $CLUSTER_BRIDGE ($CLUSTER_NODE_IP), service route and guard table in place"

# --- cgroups: one parent of our own in every hierarchy ---------------------------
record cgroup "$CLUSTER_CGROUP_ROOT"
for h in /sys/fs/cgroup/*/; do
  [[ -f "$h/cgroup.procs" ]] || continue
  mkdir -p "$h${CLUSTER_CGROUP_ROOT#/}"
done
# CPU weight of the whole node. With cgroup v1, every process outside a cgroup counts
# as one scheduling entity of weight 1024, and so does our parent group: with eight
# busy processes elsewhere on the machine the node's pods got 1/9 of the CPU, and
# gateways (69 s cold starts) were killed by their startup probes. 4096 is the weight
# of four busy processes: the pods keep a fair share on a shared machine without
# starving anyone (only our own group is changed).
if [[ -f /sys/fs/cgroup/cpu${CLUSTER_CGROUP_ROOT}/cpu.shares ]]; then
  echo 4096 >"/sys/fs/cgroup/cpu${CLUSTER_CGROUP_ROOT}/cpu.shares"
elif [[ -f /sys/fs/cgroup/${CLUSTER_CGROUP_ROOT#/}/cpu.weight ]]; then
  echo 400 >"/sys/fs/cgroup/${CLUSTER_CGROUP_ROOT#/}/cpu.weight"
fi
cs=/sys/fs/cgroup/cpuset
if [[ -d "$cs${CLUSTER_CGROUP_ROOT}" ]]; then
  cat "$cs/cpuset.cpus" >"$cs${CLUSTER_CGROUP_ROOT}/cpuset.cpus"
  cat "$cs/cpuset.mems" >"$cs${CLUSTER_CGROUP_ROOT}/cpuset.mems"
fi

# --- etcd -------------------------------------------------------------------------
start etcd nice -n 5 "$ETCD" --name openclaw-dev --data-dir "$S/etcd" \
  --listen-client-urls "https://127.0.0.1:$CLUSTER_ETCD_CLIENT_PORT" \
  --advertise-client-urls "https://127.0.0.1:$CLUSTER_ETCD_CLIENT_PORT" \
  --listen-peer-urls "http://127.0.0.1:$CLUSTER_ETCD_PEER_PORT" \
  --initial-advertise-peer-urls "http://127.0.0.1:$CLUSTER_ETCD_PEER_PORT" \
  --initial-cluster "openclaw-dev=http://127.0.0.1:$CLUSTER_ETCD_PEER_PORT" \
  --cert-file "$P/etcd.crt" --key-file "$P/etcd.key" --client-cert-auth --trusted-ca-file "$P/ca.crt" \
  --unsafe-no-fsync --quota-backend-bytes 1073741824 --log-level warn
etcd_healthy() {
  curl -fsS --cacert "$P/ca.crt" --cert "$P/apiserver-etcd-client.crt" --key "$P/apiserver-etcd-client.key" \
    "https://127.0.0.1:$CLUSTER_ETCD_CLIENT_PORT/health" | grep -q '"health":"true"'
}

# --- containerd (its own root, state and socket) ----------------------------------
SOCK="$S/containerd/containerd.sock"
[[ -d /run/containerd ]] || record dir /run/containerd
[[ -d /run/containerd/s ]] || record dir /run/containerd/s
sed -e "s|@STATE@|$S|g" -e "s|@PAUSE@|localhost/openclaw-cluster/pause:$CLUSTER_K8S_VERSION|g" \
  "$CLUSTER_TOOLS/containerd.toml" >"$S/config/containerd.toml"
sed -e "s|@BRIDGE@|$CLUSTER_BRIDGE|g" -e "s|@POD_CIDR@|$CLUSTER_POD_CIDR|g" -e "s|@NODE_IP@|$CLUSTER_NODE_IP|g" \
  -e "s|@POD_RANGE_END@|$CLUSTER_POD_RANGE_END|g" -e "s|@IPAM_DIR@|$S/cni/ipam|g" -e "s|@NAME@|$CLUSTER_NODE_NAME|g" \
  "$CLUSTER_TOOLS/cni.conflist" >"$S/cni/net.d/10-openclaw-dev.conflist"
[[ -d /var/lib/cni ]] || record dir /var/lib/cni
[[ -d /var/lib/cni/results ]] || record dir /var/lib/cni/results
record cni-cache /var/lib/cni/results
start containerd containerd --config "$S/config/containerd.toml"

# --- kube-apiserver -----------------------------------------------------------------
wait_for "etcd healthy" 60 etcd etcd_healthy
start kube-apiserver "$K8S/kube-apiserver" \
  --bind-address "$CLUSTER_NODE_IP" --secure-port "$CLUSTER_APISERVER_PORT" --advertise-address "$CLUSTER_NODE_IP" \
  --etcd-servers "https://127.0.0.1:$CLUSTER_ETCD_CLIENT_PORT" --etcd-cafile "$P/ca.crt" \
  --etcd-certfile "$P/apiserver-etcd-client.crt" --etcd-keyfile "$P/apiserver-etcd-client.key" \
  --tls-cert-file "$P/apiserver.crt" --tls-private-key-file "$P/apiserver.key" --client-ca-file "$P/ca.crt" \
  --kubelet-client-certificate "$P/apiserver-kubelet-client.crt" --kubelet-client-key "$P/apiserver-kubelet-client.key" \
  --kubelet-certificate-authority "$P/ca.crt" --kubelet-preferred-address-types InternalIP \
  --service-cluster-ip-range "$CLUSTER_SERVICE_CIDR" --service-node-port-range 30000-32767 \
  --service-account-issuer "https://kubernetes.default.svc.$CLUSTER_DOMAIN" \
  --service-account-key-file "$P/sa.pub" --service-account-signing-key-file "$P/sa.key" \
  --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction,PodSecurity \
  --allow-privileged=true --profiling=false --anonymous-auth=true --v 1
admin_get() { curl -fsS --cacert "$P/ca.crt" --cert "$P/admin.crt" --key "$P/admin.key" "$API$1"; }
wait_for "containerd serving" 60 containerd ctr -a "$SOCK" version
for img in pause coredns probe; do
  ctr -a "$SOCK" -n k8s.io images import "$IMAGES/$img.tar" >>"$S/logs/images.log" 2>&1 ||
    cluster_die "importing $IMAGES/$img.tar into containerd failed (log: $S/logs/images.log)"
done
phase "images imported (pause, coredns, probe)"
wait_for "kube-apiserver ready" 120 kube-apiserver admin_get /readyz

# --- controllers, scheduler -----------------------------------------------------------
start kube-controller-manager "$K8S/kube-controller-manager" \
  --kubeconfig "$S/kubeconfigs/controller-manager.kubeconfig" \
  --authentication-kubeconfig "$S/kubeconfigs/controller-manager.kubeconfig" \
  --authorization-kubeconfig "$S/kubeconfigs/controller-manager.kubeconfig" \
  --bind-address 127.0.0.1 --secure-port "$CLUSTER_CM_PORT" --leader-elect=false \
  --service-account-private-key-file "$P/sa.key" --root-ca-file "$P/ca.crt" \
  --use-service-account-credentials=true --service-cluster-ip-range "$CLUSTER_SERVICE_CIDR" \
  --controllers '*,-bootstrapsigner,-tokencleaner,-csrsigning,-csrapproving,-csrcleaner' --profiling=false --v 1
start kube-scheduler "$K8S/kube-scheduler" \
  --kubeconfig "$S/kubeconfigs/scheduler.kubeconfig" \
  --authentication-kubeconfig "$S/kubeconfigs/scheduler.kubeconfig" \
  --authorization-kubeconfig "$S/kubeconfigs/scheduler.kubeconfig" \
  --bind-address 127.0.0.1 --secure-port "$CLUSTER_SCHEDULER_PORT" --leader-elect=false --profiling=false --v 1

# --- kubelet in its own mount namespace ---------------------------------------------------
# Its root dir is a shared mount, so volume mounts it makes from its namespace
# propagate to the host's, where containerd needs them.
record mount "$S/kubelet-root"
mount --bind "$S/kubelet-root" "$S/kubelet-root"
mount --make-rshared "$S/kubelet-root"
[[ -d /var/log/containers ]] || record dir /var/log/containers
record symlinks-into-state /var/log/containers
printf 'nameserver %s\nsearch %s\n' "$CLUSTER_DNS_IP" "$CLUSTER_DOMAIN" >"$S/config/resolv.conf"
sed -e "s|@STATE@|$S|g" -e "s|@NODE_IP@|$CLUSTER_NODE_IP|g" -e "s|@KUBELET_PORT@|$CLUSTER_KUBELET_PORT|g" \
  -e "s|@HEALTHZ_PORT@|$CLUSTER_KUBELET_HEALTHZ_PORT|g" -e "s|@DNS_IP@|$CLUSTER_DNS_IP|g" \
  -e "s|@DOMAIN@|$CLUSTER_DOMAIN|g" -e "s|@CGROUP_ROOT@|$CLUSTER_CGROUP_ROOT|g" -e "s|@SOCK@|$SOCK|g" \
  "$CLUSTER_TOOLS/kubelet.yaml" >"$S/config/kubelet.yaml"
start kubelet unshare -m --propagation unchanged -- bash "$CLUSTER_TOOLS/node-ns.sh" "$S" "$K8S/kubelet" \
  --config "$S/config/kubelet.yaml" --kubeconfig "$S/kubeconfigs/kubelet.kubeconfig" \
  --root-dir "$S/kubelet-root" --hostname-override "$CLUSTER_NODE_NAME" --node-ip "$CLUSTER_NODE_IP" --v 1

# --- kube-proxy, enforcer, cluster DNS ---------------------------------------------------------
record nft "ip kube-proxy"
record nft "ip6 kube-proxy"
sed -e "s|@STATE@|$S|g" -e "s|@NODE_IP@|$CLUSTER_NODE_IP|g" -e "s|@POD_CIDR@|$CLUSTER_POD_CIDR|g" \
  -e "s|@METRICS_PORT@|$CLUSTER_PROXY_METRICS_PORT|g" -e "s|@HEALTHZ_PORT@|$CLUSTER_PROXY_HEALTHZ_PORT|g" \
  -e "s|@NODE_NAME@|$CLUSTER_NODE_NAME|g" \
  "$CLUSTER_TOOLS/kube-proxy.yaml" >"$S/config/kube-proxy.yaml"
start kube-proxy unshare -m --propagation unchanged -- bash "$CLUSTER_TOOLS/node-ns.sh" "$S" "$K8S/kube-proxy" --config "$S/config/kube-proxy.yaml" --v 1

sed -e "s|@DOMAIN@|$CLUSTER_DOMAIN|g" -e "s|@DNS_IP@|$CLUSTER_DNS_IP|g" \
  -e "s|@COREDNS_IMAGE@|localhost/openclaw-cluster/coredns@$(cat "$IMAGES/coredns.digest")|g" \
  "$CLUSTER_TOOLS/manifests/cluster.yaml" >"$S/config/cluster.yaml"
"${KUBECTL[@]}" apply -f "$S/config/cluster.yaml" >>"$S/logs/apply.log" 2>&1 ||
  { tail -n 20 "$S/logs/apply.log" >&2; cluster_die "applying the cluster's own objects failed (log: $S/logs/apply.log)"; }

record nft "inet kube-network-policies"
OPENCLAW_KNP_SERVER="$API" OPENCLAW_KNP_CA="$P/ca.crt" OPENCLAW_KNP_CERT="$P/enforcer.crt" OPENCLAW_KNP_KEY="$P/enforcer.key" \
  start enforcer "$KNP" --hostname-override "$CLUSTER_NODE_NAME" --nfqueue-id "$CLUSTER_NFQUEUE" \
  --metrics-bind-address "127.0.0.1:$CLUSTER_KNP_METRICS_PORT" --disable-nri --netfilter-bug-1766-fix=false --v 1

node_ready() {
  "${KUBECTL[@]}" get node "$CLUSTER_NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' | grep -qx True
}
wait_for "node $CLUSTER_NODE_NAME Ready" 120 kubelet node_ready
echo "$((SECONDS - started))" >"$S/node-ready-seconds"
dns_ready() {
  "${KUBECTL[@]}" -n kube-system get pods -l k8s-app=kube-dns \
    -o jsonpath='{.items[*].status.conditions[?(@.type=="Ready")].status}' | grep -qx True
}
wait_for "cluster DNS Ready" 120 "" dns_ready
for comp in etcd containerd kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy enforcer; do
  alive "$comp" || { tail -n 30 "$S/logs/$comp.log" >&2; cluster_die "$comp is not running (log: $S/logs/$comp.log)"; }
done
echo "$((SECONDS - started))" >"$S/up-seconds"
touch "$S/up.complete"
phase "cluster up (context $CLUSTER_CONTEXT)"
echo "KUBECONFIG=$CLUSTER_KUBECONFIG"
