// The runbook's causes of a gateway that does not serve, as one vocabulary: the smoke
// checks name them when their paths disagree (components/smoke/checks.ts) and
// `npm run diagnose` names them from the pods, events and nodes (components/diagnose.ts).
// Each is a machine word in the evidence and in JSON output; where both tools can see
// the same fault they use the same word (a loopback bind, a NetworkPolicy dropping a
// source, routes not mounted yet). The order is the runbook's (§2, step 3, FAQ): when
// several apply, the first is named first. No imports: bundled into the smoke Job's script.
export const CAUSES = [
  // Seen from the traffic paths (smoke checks) and, where marked, from the pods (diagnose).
  "bind-loopback", // both: the gateway listens on 127.0.0.1 only, behind a Service
  "target-port-mismatch", // the Service's targetPort is not the gateway's port
  "network-policy-drops-source", // both: a NetworkPolicy drops the client (or the kubelet's probes)
  "readiness-routes-not-mounted", // both: /readyz not ready (503, ready:false) or the catch-all page
  "token-mismatch", // one path refused with 401/403: its token is not the gateway's
  "probe-auth", // diagnose: probes answer 401/403 off loopback (a release that forbids them)
  "service-dns", // the Service name does not resolve
  "port-forward-broken", // the Service path passes, kubectl port-forward does not
  "gateway-unhealthy", // both paths fail the same way: the gateway itself
  // The Ingress path (controller → TLS → Service → pod).
  "ingress-backend-port",
  "certificate-host",
  "certificate-expired",
  "controller-not-admitted",
  "proxy-not-trusted",
  "tls-not-terminated",
  // Seen only from the pods (diagnose).
  "no-pods", // nothing matches the selector: not applied, or not schedulable
  "oom-killed", // exit 137 / OOMKilled: boot peak or a spike above the limit
  "config-refused", // exit 78: the gateway refused its config or could not migrate its state
  "probe-refused", // the kubelet's probe got connection refused: loopback bind or wrong probe port
  "probe-status", // the probe path answers another status: wrong path
  "cold-start", // still starting past the startup budget, or CPU throttling at start
  "image-pull", // the digest cannot be pulled from this cluster
  "node-memory-pressure", // the node is over-committed
  // A path the checks could not run at all (no token, kubectl failed).
  "path-not-run",
] as const;

export type Cause = (typeof CAUSES)[number];
