// OOMKilled / NotReady diagnosis in the order of the runbook's FAQ: read the
// pods' last state, probe events and node pressure, name the likely cause and
// say whether to roll back, retune or fix the config. Pure: it reads the JSON
// that `kubectl get pods|events|nodes -o json` prints.
import type { Cause } from "./causes";
import { effectiveBind } from "./smoke/live";
import type { ChangeTicket } from "./ticket";
import { KNOWN_BROKEN_RELEASES, knownBrokenRelease } from "../policy-pack/rules/known-releases";
import { GATEWAY, selectorArg } from "../policy-pack/rules/names";

/** Why probes get 401/403: a release known to do it (the same table the stack config refuses), or the general cause. */
function probeAuthCause(release: string, bind: string): string {
  const known = knownBrokenRelease(release, { auth: "token", bind });
  if (known) return `openclaw ${known.release} is known to do this: ${known.reason}; use ${known.use}`;
  const others = KNOWN_BROKEN_RELEASES.map((k) => `${k.release}, ${k.ref}`).join("; ");
  return `the probe path demands auth from off-loopback peers (releases known to do this with token auth: ${others})`;
}

type Decision = "roll back" | "retune" | "fix config" | "wait" | "none";

interface Finding {
  /** The runbook cause, in the vocabulary the smoke checks use too (components/causes.ts). */
  cause: Cause;
  signal: string;
  pod?: string;
  evidence: string;
  likelyCause: string;
  nextStep: string;
  decision: Decision;
}

export interface Diagnosis {
  healthy: boolean;
  findings: Finding[];
  decision: Decision;
  summary: string;
}

interface ContainerStatus {
  name: string;
  ready?: boolean;
  restartCount?: number;
  imageID?: string;
  state?: { running?: { startedAt?: string }; waiting?: { reason?: string; message?: string }; terminated?: Terminated };
  lastState?: { terminated?: Terminated };
}
interface Terminated {
  reason?: string;
  exitCode?: number;
  startedAt?: string;
  finishedAt?: string;
}
export interface PodDoc {
  metadata: { name: string; namespace?: string };
  spec?: { nodeName?: string; containers?: { name: string; image?: string; command?: string[]; args?: string[] }[] };
  status?: { phase?: string; conditions?: { type: string; status: string }[]; containerStatuses?: ContainerStatus[]; podIP?: string };
}
export interface EventDoc {
  involvedObject?: { kind?: string; name?: string };
  reason?: string;
  message?: string;
  count?: number;
  type?: string;
}
export interface NodeDoc {
  metadata: { name: string };
  status?: { conditions?: { type: string; status: string }[]; addresses?: { type: string; address: string }[] };
}

// Rank of each decision: the most drastic one found wins.
const RANK: Record<Decision, number> = { none: 0, wait: 1, retune: 2, "fix config": 3, "roll back": 4 };

export function diagnose(input: { pods: PodDoc[]; events: EventDoc[]; nodes?: NodeDoc[]; ticket: ChangeTicket }): Diagnosis {
  const { pods, events, nodes = [], ticket } = input;
  const findings: Finding[] = [];
  const limit = ticket.resources.limits.memory;
  const p95 = ticket.resources.observed.p95WorkingSet;

  if (pods.length === 0) {
    findings.push({
      cause: "no-pods",
      signal: "no pods",
      evidence: `no pods match ${selectorArg(ticket.environment)} in namespace ${ticket.endpoints.namespace}`,
      likelyCause: "the Deployment was not applied, or its pods are not schedulable (requests larger than any node's free memory)",
      nextStep: `kubectl --namespace ${ticket.endpoints.namespace} describe deployment/${ticket.endpoints.deployment}`,
      decision: "fix config",
    });
  }

  for (const pod of pods) {
    const name = pod.metadata.name;
    const gw = pod.status?.containerStatuses?.find((c) => c.name === GATEWAY.containerName) ?? pod.status?.containerStatuses?.[0];
    const runningImage = pod.spec?.containers?.find((c) => c.name === GATEWAY.containerName)?.image;
    const newRelease = runningImage === ticket.image.ref;
    const last = gw?.lastState?.terminated ?? gw?.state?.terminated;

    // FAQ "First step on OOMKilled?": last state, exit 137, node pressure, then load.
    if (last && (last.reason === "OOMKilled" || last.exitCode === 137)) {
      const lived = last.startedAt && last.finishedAt ? (Date.parse(last.finishedAt) - Date.parse(last.startedAt)) / 1000 : undefined;
      const atBoot = lived !== undefined && lived <= ticket.network.startupGraceSeconds;
      findings.push({
        cause: "oom-killed",
        signal: "OOMKilled",
        pod: name,
        evidence: `last state ${last.reason ?? "terminated"} exit ${last.exitCode}${lived !== undefined ? ` after ${Math.round(lived)} s` : ""}, restarts ${gw?.restartCount ?? 0}, limit ${limit}`,
        likelyCause: atBoot
          ? `killed during start-up: the boot peak exceeds the limit ${limit}, or the V8 heap cap (--max-old-space-size=${ticket.resources.nodeHeapCapMiB}) is not in effect (V8 sizes its heap from host RAM; openclaw #45160)`
          : `a spike above the limit ${limit} under load (observed P95 ${p95}); correlate with concurrent tool calls and payload sizes before calling it a leak`,
        nextStep: atBoot
          ? "measure the boot peak (`npm run bench:memory`), set resources.observed.bootPeak and let the limit follow; check NODE_OPTIONS in the pod"
          : "compare container_memory_working_set_bytes with the limit over 24 h (changeTicket.observe.workingSetVsLimit); raise the limit within the headroom ratio, or lower concurrency, rather than doubling it",
        decision: atBoot && newRelease ? "roll back" : "retune",
      });
    }
    if (last && last.exitCode === 78) {
      findings.push({
        cause: "config-refused",
        signal: "exit 78",
        pod: name,
        evidence: `last state exit 78 (${last.reason ?? "Error"})`,
        likelyCause: "the gateway refused its config or could not migrate its state (exit 78): a non-loopback bind without auth, a missing config, or a state migration",
        nextStep: `kubectl --namespace ${ticket.endpoints.namespace} logs ${name} --previous; for a migration run \`openclaw doctor --fix\` once as a Job against the state volume`,
        decision: newRelease ? "roll back" : "fix config",
      });
    }

    // FAQ "port-forward works, Service does not": a gateway bound to loopback behind a Service
    // passes exec probes and port-forward, so the pod looks Ready while real traffic is refused.
    const gwSpec = pod.spec?.containers?.find((c) => c.name === GATEWAY.containerName) ?? pod.spec?.containers?.[0];
    const bind = effectiveBind([...(gwSpec?.command ?? []), ...(gwSpec?.args ?? [])]);
    if (bind === "loopback" && ticket.endpoints.service) {
      findings.push({
        cause: "bind-loopback",
        signal: "bind loopback behind a Service",
        pod: name,
        evidence: `the gateway runs with --bind loopback while Service ${ticket.endpoints.service} sends traffic to the pod IP${ticket.network.bind !== "loopback" ? ` (the stack says bind=${ticket.network.bind}: the live Deployment was changed outside Pulumi)` : ""}`,
        likelyCause: "the gateway listens on 127.0.0.1 only: kubectl port-forward (which dials localhost in the pod) and exec probes pass, every Service and in-cluster client gets connection refused",
        nextStep: `set gateway.bind=lan (or \`pulumi up --refresh\` to restore the stack's bind), then \`npm run smoke -- --stack ${ticket.stack}\``,
        decision: "fix config",
      });
    }

    const ready = pod.status?.conditions?.find((c) => c.type === "Ready")?.status === "True";
    if (ready) continue;
    const probeEvents = events.filter((e) => e.involvedObject?.name === name && e.reason === "Unhealthy");
    const messages = probeEvents.map((e) => e.message ?? "");
    const pick = (re: RegExp) => messages.find((m) => re.test(m));
    const running = gw?.state?.running !== undefined;
    const n = ticket.network;

    // FAQ "NotReady but logs say listening": probe URL port/path, startupProbe, NetworkPolicy, routes.
    const refused = pick(/connection refused/);
    const timeout = pick(/context deadline exceeded|Client\.Timeout|i\/o timeout|no route to host/);
    const status = pick(/statuscode: \d+/);
    const startup = pick(/^Startup probe failed/);
    if (refused) {
      findings.push({
        cause: "probe-refused",
        signal: "NotReady: connection refused",
        pod: name,
        evidence: refused,
        likelyCause: `nothing listens on the pod IP at the probe port: the gateway binds loopback (effective bind must be lan; configured ${n.bind}) or the probe port is not the gateway port ${n.port}`,
        nextStep: `kubectl --namespace ${ticket.endpoints.namespace} exec ${name} -- node -e "fetch('http://127.0.0.1:${n.port}/readyz').then(r=>r.text()).then(console.log)" — if this answers while the probe is refused, the bind is loopback`,
        decision: newRelease ? "roll back" : "fix config",
      });
    } else if (timeout) {
      const nodeIps = nodes.flatMap((nd) => nd.status?.addresses?.filter((a) => a.type === "InternalIP").map((a) => a.address) ?? []);
      findings.push({
        cause: "network-policy-drops-source",
        signal: "NotReady: probe timed out",
        pod: name,
        evidence: timeout,
        likelyCause: `the kubelet's probe packets are dropped: a NetworkPolicy admits only ${n.ingressSources.length} ingress source(s) and kubelet CIDRs ${n.kubeletCidrs.join(", ")}${nodeIps.length ? `; node InternalIPs are ${nodeIps.join(", ")}` : ""} (cilium#48444, #37317)`,
        nextStep: "check that network.kubeletCidrs covers every node's InternalIP (and the CNI's host/health addresses), then pulumi up; `npm run policy:check` on the live NetworkPolicy shows what it admits",
        decision: "fix config",
      });
    } else if (status) {
      const code = Number(/statuscode: (\d+)/.exec(status)![1]);
      const cause =
        code === 503
          ? "the gateway answers but reports not ready (/readyz failing[]): routes or dependencies not mounted yet"
          : code === 401 || code === 403
            ? probeAuthCause(ticket.image.release, n.bind)
            : `the probe path answers ${code}: check the path (/readyz, /healthz, /startupz)`;
      findings.push({
        cause: code === 503 ? "readiness-routes-not-mounted" : code === 401 || code === 403 ? "probe-auth" : "probe-status",
        signal: `NotReady: HTTP ${code}`,
        pod: name,
        evidence: status,
        likelyCause: cause,
        nextStep: code === 503 ? "wait one startup budget, then read /readyz's failing[] from inside the pod" : "roll back to the previous digest and pin a release whose probes answer 200 off loopback",
        decision: code === 503 ? "wait" : newRelease ? "roll back" : "fix config",
      });
    } else if (startup || (running && messages.length === 0)) {
      findings.push({
        cause: "cold-start",
        signal: "NotReady: still starting",
        pod: name,
        evidence: startup ?? `container running since ${gw?.state?.running?.startedAt ?? "?"}, no probe failures recorded yet`,
        likelyCause: `cold start (workspace and skills load) beyond the startup budget of ${n.startupGraceSeconds} s, or CPU throttling at start`,
        nextStep: "raise gateway.coldStartSeconds (the startupProbe follows), check CPU throttling (changeTicket.observe.cpuThrottling)",
        decision: startup ? "retune" : "wait",
      });
    }
    const waiting = gw?.state?.waiting;
    if (waiting?.reason === "ImagePullBackOff" || waiting?.reason === "ErrImagePull") {
      findings.push({
        cause: "image-pull",
        signal: waiting.reason,
        pod: name,
        evidence: waiting.message ?? waiting.reason,
        likelyCause: `the digest ${ticket.image.digest} is not pullable from this cluster`,
        nextStep: "verify the digest in the registry (crane digest / cosign verify) and the pull secret",
        decision: "roll back",
      });
    }
  }

  for (const node of nodes) {
    if (node.status?.conditions?.some((c) => c.type === "MemoryPressure" && c.status === "True")) {
      findings.push({
        cause: "node-memory-pressure",
        signal: "node MemoryPressure",
        evidence: `node ${node.metadata.name} reports MemoryPressure=True`,
        likelyCause: "the node is over-committed: pods without adequate requests were packed onto it (runbook §2)",
        nextStep: "check requests against the observed P95 on every workload of the node; kubectl describe node",
        decision: "retune",
      });
    }
  }

  const decision = findings.reduce<Decision>((d, f) => (RANK[f.decision] > RANK[d] ? f.decision : d), "none");
  const healthy = findings.length === 0;
  const summary = healthy
    ? `all ${pods.length} gateway pod(s) Ready, no OOMKilled, no probe failures`
    : `${findings.length} finding(s); decision: ${decision}${decision === "roll back" && ticket.rollback.target ? ` to ${ticket.rollback.target.image}` : ""}`;
  return { healthy, findings, decision, summary };
}

