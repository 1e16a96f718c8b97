#!/usr/bin/env bash
# `npm run cluster:selftest`: proves on the running local cluster what the rest
# of the project relies on, with real pods (image: tools/cluster/probe):
#   - PodSecurity admission: a privileged pod is refused in a "restricted" namespace;
#   - cluster DNS: <svc>.<ns>.svc.cluster.local and kubernetes.default resolve in a pod;
#   - Services: a pod reaches the API server through the kubernetes ClusterIP and
#     another pod through its Service's DNS name;
#   - NetworkPolicy: a deny-all ingress policy makes that connection fail;
#   - the guard: a pod cannot reach an outside address (the packet is counted and
#     dropped by the guard table), and outside names do not resolve.
# Prints one line per check; exits 1 at the first failing check.
set -euo pipefail
# shellcheck source=env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
bash "$CLUSTER_TOOLS/status.sh" --healthy || cluster_die "the cluster is not running or not healthy; run: npm run cluster:up"
kubectl_bin="$(bash "$CLUSTER_TOOLS/build.sh" --dir kubernetes)/bin/kubectl"
IMAGES="$(bash "$CLUSTER_TOOLS/build.sh" --dir images)/images"
NS="openclaw-cluster-selftest"
k() { "$kubectl_bin" --kubeconfig "$CLUSTER_KUBECONFIG" "$@"; }
probe_image="localhost/openclaw-cluster/probe@$(cat "$IMAGES/probe.digest")"
# An address reserved for documentation (RFC 5737): nothing real lives there,
# and the guard must drop the packet before it could leave anyway.
OUTSIDE="203.0.113.10:443"
started=$SECONDS
pass=0
ok() {
  pass=$((pass + 1))
  printf '[selftest] ok   %s\n' "$*"
}
fail() {
  printf '[selftest] FAIL %s\n' "$*" >&2
  exit 1
}
cleanup() { k delete namespace "$NS" --ignore-not-found --wait=false >/dev/null 2>&1 || true; }
trap cleanup EXIT

k delete namespace "$NS" --ignore-not-found --wait=true >/dev/null
k apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Namespace
metadata:
  name: $NS
  labels:
    pod-security.kubernetes.io/enforce: restricted
EOF

# 1. PodSecurity admission refuses a privileged pod (server-side dry run: admission runs, nothing is stored).
if out="$(k -n "$NS" run privileged --image "$probe_image" --image-pull-policy Never --restart Never \
  --overrides '{"spec":{"containers":[{"name":"privileged","image":"'"$probe_image"'","securityContext":{"privileged":true}}]}}' \
  --dry-run=server 2>&1)"; then
  fail "PodSecurity admitted a privileged pod into a restricted namespace: $out"
fi
grep -q 'violates PodSecurity "restricted' <<<"$out" || fail "privileged pod refused, but not by PodSecurity: $out"
ok "PodSecurity admission refuses a privileged pod in a restricted namespace"

pod() { # pod NAME LABEL ARGS...: a restricted-compliant probe pod
  local name="$1" label="$2"
  shift 2
  local args
  args="$(printf '"%s",' "$@")"
  k apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: $name
  namespace: $NS
  labels: { app: $label }
spec:
  terminationGracePeriodSeconds: 1
  securityContext:
    runAsNonRoot: true
    runAsUser: 65532
    seccompProfile: { type: RuntimeDefault }
  containers:
    - name: probe
      image: $probe_image
      imagePullPolicy: Never
      args: [${args%,}]
      securityContext:
        allowPrivilegeEscalation: false
        readOnlyRootFilesystem: true
        capabilities: { drop: [ALL] }
EOF
}
pod server server serve 8080
pod client client serve 8081
k -n "$NS" apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Service
metadata:
  name: server
  namespace: $NS
spec:
  selector: { app: server }
  ports: [{ port: 80, targetPort: 8080 }]
EOF
k -n "$NS" wait --for=condition=Ready pod/server pod/client --timeout=90s >/dev/null ||
  fail "probe pods not Ready in 90 s: $(k -n "$NS" get pods -o wide 2>&1)"
ok "restricted-compliant pods admitted and Ready"
probe() { k -n "$NS" exec client -- /probe "$@" 2>&1; }

# 2. Cluster DNS.
out="$(probe lookup "kubernetes.default.svc.$CLUSTER_DOMAIN")" || fail "kubernetes.default.svc.$CLUSTER_DOMAIN does not resolve in a pod: $out"
grep -q "$CLUSTER_API_SERVICE_IP" <<<"$out" || fail "kubernetes.default.svc.$CLUSTER_DOMAIN resolved to $out, not $CLUSTER_API_SERVICE_IP"
ok "DNS: kubernetes.default.svc.$CLUSTER_DOMAIN -> $out"
svc_ip="$(k -n "$NS" get svc server -o jsonpath='{.spec.clusterIP}')"
out="$(probe lookup "server.$NS.svc.$CLUSTER_DOMAIN")" || fail "server.$NS.svc.$CLUSTER_DOMAIN does not resolve: $out"
grep -q "$svc_ip" <<<"$out" || fail "server.$NS.svc.$CLUSTER_DOMAIN resolved to $out, not $svc_ip"
ok "DNS: server.$NS.svc.$CLUSTER_DOMAIN -> $out"

# 3. Services: the API server through its ClusterIP, a pod through its Service name.
out="$(probe connect "kubernetes.default.svc.$CLUSTER_DOMAIN:443" 5)" || fail "a pod cannot reach the API server's ClusterIP: $out"
ok "ClusterIP: a pod reaches the API server ($out)"
out="$(probe connect "server.$NS.svc.$CLUSTER_DOMAIN:80" 5)" || fail "a pod cannot reach another pod through its Service: $out"
ok "Service: a pod reaches another pod by DNS name ($out)"

# 4. NetworkPolicy enforcement: deny all ingress to the server.
k -n "$NS" apply -f - >/dev/null <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: server-deny-all
  namespace: $NS
spec:
  podSelector: { matchLabels: { app: server } }
  policyTypes: [Ingress]
EOF
denied=0
for _ in $(seq 1 20); do # the enforcer syncs within a second or two
  if ! probe connect "server.$NS.svc.$CLUSTER_DOMAIN:80" 2 >/dev/null; then
    denied=1
    break
  fi
  sleep 0.5
done
((denied)) || fail "a deny-all NetworkPolicy did not stop the connection (enforcer log: $CLUSTER_STATE/logs/enforcer.log)"
ok "NetworkPolicy: deny-all ingress stops the connection"
k -n "$NS" delete networkpolicy server-deny-all >/dev/null

# 5. The guard: nothing leaves the machine.
counter() { nft list counter inet "$CLUSTER_GUARD_TABLE" pod_egress_dropped | sed -n 's/.*packets \([0-9]*\).*/\1/p'; }
before="$(counter)"
if out="$(probe connect "$OUTSIDE" 3)"; then
  fail "a pod reached $OUTSIDE outside the machine: $out"
fi
after="$(counter)"
((after > before)) || fail "connecting to $OUTSIDE failed, but not at the guard (pod_egress_dropped stayed at $before): $out"
ok "guard: a pod cannot reach $OUTSIDE (dropped by the guard: $((after - before)) packet(s); $out)"
if out="$(probe lookup registry.npmjs.org)"; then
  fail "an outside name resolved in a pod: $out"
fi
ok "DNS: outside names do not resolve in pods ($(tr '\n' ' ' <<<"$out"))"

printf '[selftest] %d checks passed in %d s\n' "$pass" "$((SECONDS - started))"
