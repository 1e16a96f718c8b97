#!/usr/bin/env bash
# Starts the local cluster's ingress controller (Traefik, built by ./build.sh) as a
# host process, like the cluster's other node components. Idempotent: a running
# controller is left alone. Needs the cluster (npm run cluster:up).
#
#   bash tools/cluster/ingress/start.sh      # prints INGRESS_ADDRESS=<ip:port> and INGRESS_CLASS=<name>
#
# - Listens only on the cluster bridge, https on $INGRESS_ADDR:$INGRESS_PORT; no plain-HTTP
#   entry point, no dashboard, no metrics, no version check or usage report (nothing
#   leaves the machine).
# - Runs as uid/gid 65534 with no capabilities: the NetworkPolicy enforcer lets every
#   root-owned socket of the node through (tools/cluster/README.md), so a root controller
#   would pass any NetworkPolicy. As 65534 its connections to pods, which leave from the
#   node address 10.231.0.1, are subject to policies like a pod's: a stack must admit
#   {cidr: 10.231.0.1/32} as an ingress source for the controller to reach the gateway.
# - Watches the API server as user openclaw:ingress-controller (controller.yaml).
# - Lives in a cgroup under the cluster's own (teardown.sh kills and removes it), with
#   OPENCLAW_CLUSTER_STATE in its environment like every process the cluster starts.
set -euo pipefail
# shellcheck source=../env.sh
source "$(dirname "${BASH_SOURCE[0]}")/../env.sh"
case "${1:-}" in
  "") ;;
  -h | --help) echo "usage: npm run cluster:ingress   (bash tools/cluster/ingress/start.sh): build once, start the ingress controller, print INGRESS_ADDRESS and INGRESS_CLASS"; exit 0 ;;
  *) echo "unknown argument '$1'; it takes none (--help for usage)" >&2; exit 2 ;;
esac
S="$CLUSTER_STATE"
# Its own network namespace on the cluster bridge, with an address of its own: its
# connections to the pods must not come from the node address, which the kubelet's probes
# come from. The gateway trusts the controller's address as a proxy (gateway.trustedProxies)
# and then answers 403 to every request from it that carries no X-Forwarded-For: sharing
# the node address, the kubelet's probes would all fail.
INGRESS_ADDR="$CLUSTER_INGRESS_IP"
NETNS="$CLUSTER_INGRESS_NETNS"
in_netns() { ip netns exec "$NETNS" "$@"; }
INGRESS_PORT=11443
INGRESS_CLASS=openclaw-traefik
INGRESS_UID=65534
D="$S/ingress"

[[ "$(id -u)" -eq 0 ]] || cluster_die "the ingress controller is started as root (then drops to uid $INGRESS_UID); run it as root"
if ! [[ -f "$S/up.complete" ]] || ! bash "$CLUSTER_TOOLS/status.sh" --healthy >/dev/null 2>&1; then
  cluster_die "the cluster is not running; start it with npm run cluster:up"
fi
bash "$CLUSTER_TOOLS/ingress/build.sh"
TRAEFIK="$(bash "$CLUSTER_TOOLS/ingress/build.sh" --dir)/bin/traefik"
KUBECTL=("$(bash "$CLUSTER_TOOLS/build.sh" --dir kubernetes)/bin/kubectl" --kubeconfig "$CLUSTER_KUBECONFIG")

owned() {
  local pid
  pid="$(cat "$D/traefik.pid" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ && -r "/proc/$pid/environ" ]] && tr '\0' '\n' <"/proc/$pid/environ" | grep -qxF "OPENCLAW_CLUSTER_STATE=$S"
}
listening() { ip netns list 2>/dev/null | grep -qw "^$NETNS" && in_netns ss -Hltn "sport = :$INGRESS_PORT" | grep -q "$INGRESS_ADDR:$INGRESS_PORT"; }

if owned && listening; then
  cluster_log "ingress controller already running (https://$INGRESS_ADDR:$INGRESS_PORT, class $INGRESS_CLASS)"
  echo "INGRESS_ADDRESS=$INGRESS_ADDR:$INGRESS_PORT"
  echo "INGRESS_CLASS=$INGRESS_CLASS"
  exit 0
fi
owned && bash "$CLUSTER_TOOLS/ingress/stop.sh"
listening && cluster_die "port $INGRESS_ADDR:$INGRESS_PORT is in use by another process; the ingress controller needs it"

# The namespace: one veth into the cluster bridge, the controller's address on-link in the
# pod subnet and no route beyond it (no default route: nothing leaves the cluster's subnet;
# the API server is on the node address, in the same subnet).
if ! ip netns list 2>/dev/null | grep -qw "^$NETNS"; then
  ip netns add "$NETNS"
  ip link delete "$CLUSTER_INGRESS_VETH" 2>/dev/null || true
  ip link add "$CLUSTER_INGRESS_VETH" type veth peer name eth0 netns "$NETNS"
  ip link set "$CLUSTER_INGRESS_VETH" master "$CLUSTER_BRIDGE" up
  in_netns ip link set lo up
  in_netns ip addr add "$INGRESS_ADDR/${CLUSTER_POD_CIDR#*/}" dev eth0
  in_netns ip link set eth0 up
  cluster_log "ingress controller network namespace $NETNS: $INGRESS_ADDR on $CLUSTER_BRIDGE"
fi

mkdir -p "$D"
chmod 700 "$D"
# A client certificate for openclaw:ingress-controller from the cluster's CA (a new CA on every cluster:up).
(
  cd "$D"
  umask 077
  openssl ecparam -name prime256v1 -genkey -noout -out client.key
  openssl req -new -key client.key -subj "/CN=openclaw:ingress-controller" -out client.csr 2>/dev/null
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n' >client.ext
  openssl x509 -req -in client.csr -CA "$S/pki/ca.crt" -CAkey "$S/pki/ca.key" -CAcreateserial -CAserial "$D/ca.srl" -days 30 -sha256 -extfile client.ext -out client.crt 2>/dev/null
  rm -f client.csr client.ext ca.srl
  cat >kubeconfig <<KC
apiVersion: v1
kind: Config
clusters:
  - name: $CLUSTER_CONTEXT
    cluster:
      server: https://$CLUSTER_NODE_IP:$CLUSTER_APISERVER_PORT
      certificate-authority-data: $(base64 -w0 "$S/pki/ca.crt")
users:
  - name: ingress-controller
    user:
      client-certificate-data: $(base64 -w0 client.crt)
      client-key-data: $(base64 -w0 client.key)
contexts:
  - name: $CLUSTER_CONTEXT
    context: {cluster: $CLUSTER_CONTEXT, user: ingress-controller}
current-context: $CLUSTER_CONTEXT
KC
  # Re-opened through /proc/self/fd/4 by the controller, which checks the file's own
  # mode: readable by uid 65534 only (the directory stays root's, 0700).
  chown "$INGRESS_UID:$INGRESS_UID" kubeconfig
  chmod 400 kubeconfig
)
sed "s|@CLASS@|$INGRESS_CLASS|g" "$CLUSTER_TOOLS/ingress/controller.yaml" | "${KUBECTL[@]}" apply -f - >>"$S/logs/apply.log" 2>&1 ||
  { tail -n 20 "$S/logs/apply.log" >&2; cluster_die "applying the ingress controller's RBAC and IngressClass failed (log: $S/logs/apply.log)"; }

# Its own cgroup under the cluster's in every hierarchy: teardown kills what is in
# there and removes the directories.
CG="${CLUSTER_CGROUP_ROOT#/}/ingress-controller"
for h in /sys/fs/cgroup/*/; do
  [[ -d "$h${CLUSTER_CGROUP_ROOT#/}" && -f "$h/cgroup.procs" ]] || continue
  mkdir -p "$h$CG"
  if [[ -f "$h$CG/cpuset.cpus" ]]; then
    cat "$h${CLUSTER_CGROUP_ROOT#/}/cpuset.cpus" >"$h$CG/cpuset.cpus"
    cat "$h${CLUSTER_CGROUP_ROOT#/}/cpuset.mems" >"$h$CG/cpuset.mems"
  fi
done

# No pooled connections to the pods (maxIdleConnsPerHost=-1): a NetworkPolicy that stops
# admitting the controller applies to new connections only, and a kept-alive one from the
# previous request let the Ingress path pass the fault test that must see it fail.
# The binary and the kubeconfig sit under root's home, whose directories uid 65534
# cannot search: both are handed over as open file descriptors (the binary is
# executed through /proc/self/fd/3, the kubeconfig read from /proc/self/fd/4).
export OPENCLAW_CLUSTER_STATE="$S"
(
  for h in /sys/fs/cgroup/*/; do [[ -f "$h$CG/cgroup.procs" ]] && echo "$BASHPID" >"$h$CG/cgroup.procs"; done
  exec 3<"$TRAEFIK" 4<"$D/kubeconfig"
  # Traefik looks for a static config file in /etc/traefik, $HOME/.config and the working
  # directory and stops on any error but "not found": a home it has none, and /.
  cd /
  HOME=/nonexistent KUBECONFIG=/proc/self/fd/4 exec ip netns exec "$NETNS" setsid setpriv --reuid "$INGRESS_UID" --regid "$INGRESS_UID" --clear-groups \
    --inh-caps=-all --bounding-set=-all --no-new-privs \
    /proc/self/fd/3 \
    --global.checkNewVersion=false --global.sendAnonymousUsage=false \
    --entryPoints.websecure.address="$INGRESS_ADDR:$INGRESS_PORT" --entryPoints.websecure.http.tls=true \
    --providers.kubernetesingress=true --providers.kubernetesingress.ingressClass="$INGRESS_CLASS" \
    --providers.kubernetesingress.ingressEndpoint.ip="$INGRESS_ADDR" \
    --serversTransport.forwardingTimeouts.dialTimeout=2s \
    --serversTransport.maxIdleConnsPerHost=-1 \
    --log.level=INFO --accesslog=true
) >"$S/logs/ingress-controller.log" 2>&1 </dev/null 7>&- &
pid="$!"
echo "$pid" >"$D/traefik.pid"

# Alive, not owned(): until the subshell has exec'd into the controller, its
# /proc/<pid>/environ is still the environment this script started with, without
# OPENCLAW_CLUSTER_STATE, and owned() would call a starting controller dead.
deadline=$((SECONDS + 60))
until listening; do
  if ! kill -0 "$pid" 2>/dev/null; then
    tail -n 30 "$S/logs/ingress-controller.log" >&2
    cluster_die "the ingress controller exited (log: $S/logs/ingress-controller.log)"
  fi
  ((SECONDS < deadline)) || { tail -n 30 "$S/logs/ingress-controller.log" >&2; cluster_die "the ingress controller did not listen on $INGRESS_ADDR:$INGRESS_PORT within 60 s"; }
  sleep 0.3
done
owned || { bash "$CLUSTER_TOOLS/ingress/stop.sh"; cluster_die "the process listening on $INGRESS_ADDR:$INGRESS_PORT is not the controller this script started"; }
# Nothing but the bridge address: the process must not listen anywhere else.
others="$(in_netns ss -Hltnp | grep "pid=$pid," | awk '{print $4}' | grep -v -e "^$INGRESS_ADDR:" -e '^127\.0\.0\.1:' || true)"
if [[ -n "$others" ]]; then
  bash "$CLUSTER_TOOLS/ingress/stop.sh"
  cluster_die "the ingress controller listened on $others besides $INGRESS_ADDR:$INGRESS_PORT; stopped it"
fi
cluster_log "ingress controller running as uid $INGRESS_UID: https://$INGRESS_ADDR:$INGRESS_PORT, class $INGRESS_CLASS (log: $S/logs/ingress-controller.log)"
echo "INGRESS_ADDRESS=$INGRESS_ADDR:$INGRESS_PORT"
echo "INGRESS_CLASS=$INGRESS_CLASS"
