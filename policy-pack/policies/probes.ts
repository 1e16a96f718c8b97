// Probes: readiness tests the path real traffic takes, and startup gets enough time
// (runbook §4.4, §5).

import { bindReachability } from "../rules/gateway";
import { checkOtherProbe, checkReadiness, checkStartupBudget, HEALTH_PATHS, probesIdentical, probeTarget } from "../rules/probe";
import { POD_KINDS, probe } from "../model/k8s";
import { customBindHost, gatewaysOf, GATEWAY_MATCH_SCHEMA, type GatewayMatchConfig } from "../model/gateway";
import { resourcePolicy, stackPolicy } from "./framework";
import { ANNOTATIONS, fact, isError, WORKLOADS_SCHEMA } from "./facts";
import { forEachGateway, servicesToGateway } from "./network";

interface ReadinessConfig extends GatewayMatchConfig {
  healthPaths: string[];
  requireLiveness: boolean;
}

export const readinessMatchesTraffic = stackPolicy<ReadinessConfig>(
  {
    name: "readiness-matches-traffic",
    description: "The gateway's readinessProbe is an httpGet on the traffic port to a real health path (not exec, not TCP, not an unknown path); a livenessProbe exists and differs from it. A loopback-bound gateway with no Service (same-pod sidecars) has no kubelet-dialled probes.",
    why: "Runbook §4.4: readiness uses the same protocol/host/path tuple as real traffic. An exec probe passes on loopback while the Service cannot reach the pod (upstream's manifests do exactly this); unknown paths such as /livez answer 200 with the Control UI HTML, so such a probe never fails. Identical readiness and liveness restart a busy pod (kube-score pod-probes-identical).",
    concern: "probes",
    enforcementLevel: "mandatory",
    configSchema: {
      properties: {
        ...GATEWAY_MATCH_SCHEMA,
        healthPaths: { type: "array", items: { type: "string" }, default: HEALTH_PATHS, description: "Paths that answer a JSON health body." },
        requireLiveness: { type: "boolean", default: true, description: "Require a livenessProbe (Polaris livenessProbeMissing, Checkov CKV_K8S_8)." },
      },
    },
  },
  (ctx) =>
    forEachGateway(ctx, (gw, s, report) => {
      const readiness = probe(gw.container, "readinessProbe");
      const liveness = probe(gw.container, "livenessProbe");
      const reach = bindReachability(s.bind.value, customBindHost(s)).reach;
      const loopback = reach === "loopback-only";
      if (loopback && servicesToGateway(ctx.cluster, gw, s.port.value).length === 0) {
        // Same-pod sidecar model: real traffic is loopback, so an exec probe on 127.0.0.1 is the
        // matching probe; the kubelet's httpGet/tcpSocket dial the pod IP (or the node's own
        // loopback when host is set) and are refused (bind-reachable-from-service covers the Service case).
        for (const which of ["readinessProbe", "livenessProbe", "startupProbe"] as const) {
          const t = probeTarget(probe(gw.container, which), gw.ports);
          if (t.kind === "httpGet" || t.kind === "tcpSocket" || t.kind === "grpc") {
            report(
              `${which} is ${t.kind} but the gateway binds "${s.bind.value}" (from ${s.bind.source}): the kubelet dials the pod IP, which a loopback-bound gateway refuses, ` +
                `so the pod never becomes Ready${which === "readinessProbe" ? "" : " and is restarted"}; bind lan, or keep loopback with exec probes against 127.0.0.1`,
            );
          }
        }
        if (!readiness) report("has no readinessProbe; add an exec probe that reads /readyz on 127.0.0.1 (loopback, same-pod model)");
        return;
      }
      for (const p of checkReadiness(readiness, gw.ports, s.port.value, ctx.cfg.healthPaths, reach === "pod-ip")) report(p);
      if (!liveness) {
        if (ctx.cfg.requireLiveness) report("has no livenessProbe; add an httpGet on /healthz at the gateway port so a hung process is restarted");
      } else if (probesIdentical(readiness, liveness)) {
        report("readinessProbe and livenessProbe are identical: a busy gateway is restarted instead of taken out of rotation; use /readyz for readiness and /healthz for liveness");
      }
      for (const p of checkOtherProbe("livenessProbe", liveness, gw.ports, ctx.cfg.healthPaths)) report(p);
      for (const p of checkOtherProbe("startupProbe", probe(gw.container, "startupProbe"), gw.ports, ctx.cfg.healthPaths)) report(p);
    }),
);

interface StartupConfig extends GatewayMatchConfig {
  thresholdSeconds: number;
  minGraceSeconds: number;
  coldStartSeconds?: number;
  workloads?: Record<string, Record<string, unknown>>;
}

const seconds = (v: string) => (/^[0-9]+(\.[0-9]+)?s?$/.test(v.trim()) ? Number(v.trim().replace(/s$/, "")) : undefined);

export const startupBudget = resourcePolicy<StartupConfig>(
  {
    name: "startup-budget",
    description: "When the gateway's declared cold start exceeds thresholdSeconds, a startupProbe (or liveness initialDelaySeconds) gives at least max(minGraceSeconds, cold start) before the kubelet restarts it.",
    why: "Runbook §4.4/§5: gateways with >30 s cold start need a startupProbe or ≥40–60 s grace, aligned with workspace/skills load, or liveness kills them mid-boot. Measured here: /readyz after 5.8–11 s with no channels; skills and channels add more. kube-score only recommends a startupProbe.",
    concern: "probes",
    enforcementLevel: "mandatory",
    configSchema: {
      properties: {
        ...GATEWAY_MATCH_SCHEMA,
        thresholdSeconds: { type: "number", minimum: 0, default: 30, description: "Cold starts above this need a startup budget." },
        minGraceSeconds: { type: "number", minimum: 0, default: 40, description: "Least grace once over the threshold (runbook: 40–60 s)." },
        coldStartSeconds: { type: "number", minimum: 0, description: "Declared cold start for workloads without the openclaw.ai/cold-start-seconds annotation." },
        workloads: WORKLOADS_SCHEMA({ coldStartSeconds: { type: "number" } }),
      },
    },
  },
  POD_KINDS,
  (o, cfg) => {
    const out: string[] = [];
    for (const gw of gatewaysOf(o, cfg)) {
      const where = `container "${gw.container.name}"`;
      const cold = fact(gw, cfg, "coldStartSeconds", ANNOTATIONS.coldStart, seconds, (v) => (typeof v === "number" && v >= 0 ? v : undefined));
      if (isError(cold)) {
        out.push(`${where}: ${cold.error}; write whole seconds such as 45`);
        continue;
      }
      if (!cold) continue; // nothing declared: nothing to hold the probes to
      const p = checkStartupBudget({
        coldStartSeconds: cold.value,
        thresholdSeconds: cfg.thresholdSeconds,
        minGraceSeconds: cfg.minGraceSeconds,
        startup: probe(gw.container, "startupProbe"),
        liveness: probe(gw.container, "livenessProbe"),
      });
      if (p) out.push(`${where}: ${p} (cold start from ${cold.source})`);
    }
    return out;
  },
);
