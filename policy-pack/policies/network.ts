// Network: where the gateway listens against how traffic reaches it (runbook §3, §4.3),
// one port across config, container, Service and probes, auth off loopback, and
// NetworkPolicies that still admit the kubelet's probes (runbook §2, §6).

import { bindReachability, checkAuthOffLoopback } from "../rules/gateway";
import {
  cidrVoidsIsolation, describeSource, ingressAdmitted, isValidCidr, policyTypes, sourceFromSpec, type NetworkPolicy, type SourceSpec,
} from "../rules/networkpolicy";
import { probeTarget, resolvePort, type ContainerPort } from "../rules/probe";
import { formatSelector } from "../rules/selector";
import { at } from "../rules/fields";
import { containerPorts, containers, plain, probe, type KObject } from "../model/k8s";
import { customBindHost, gatewaysOf, GATEWAY_MATCH_SCHEMA, settingsOf, type Gateway, type GatewayMatchConfig, type GatewaySettings } from "../model/gateway";
import { stackPolicy, type StackContext } from "./framework";
import { ANNOTATIONS, fact, isError, WORKLOADS_SCHEMA } from "./facts";

/** Runs `f` for every gateway container in the stack, each workload guarded against unknowns. */
export function forEachGateway<C extends GatewayMatchConfig>(
  ctx: StackContext<C>,
  f: (gw: Gateway, s: GatewaySettings, report: (msg: string) => void) => void,
): void {
  for (const o of ctx.cluster.objects) {
    ctx.guard(o, () => {
      for (const gw of gatewaysOf(o, ctx.cfg, ctx.cluster)) {
        const s = settingsOf(gw, ctx.cluster, ctx.cfg);
        f(gw, s, (msg) => ctx.report(o, `container "${gw.container.name}": ${msg}`));
      }
    });
  }
}

function serviceNames(svcs: KObject[]): string {
  return svcs.map((s) => `Service/${s.namespace}/${s.name}`).join(", ");
}

export interface ServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
}

// A Service's ports, read through the proxy once per object: every gateway its selector
// matches reads them (a directory of many gateways in one namespace matches each against all).
// A throw (an unknown value) is not kept, so it is thrown again wherever the ports are read.
const portsOf = new WeakMap<KObject, ServicePort[]>();

export function servicePorts(svc: KObject): ServicePort[] {
  let ports = portsOf.get(svc);
  if (!ports) {
    const given = at(svc.raw, "spec", "ports");
    ports = Array.isArray(given) ? plain<ServicePort[]>(given) : [];
    portsOf.set(svc, ports);
  }
  return ports;
}

/** Ports of every main container of the pod (a Service port may target a sidecar). */
function podPortsOf(gw: Gateway): ContainerPort[] {
  return containers(gw.pod.spec, ["container"]).flatMap(containerPorts);
}

/**
 * Whether a Service selecting the gateway pods sends traffic to the gateway: some port
 * targets the gateway's port (or a port that resolves to nothing, or the port is unknown).
 * A Service whose ports all target a sidecar's ports is that sidecar's business.
 */
function targetsGateway(svc: KObject, podPortsOfGateway: () => ContainerPort[], gatewayPort: number | undefined): boolean {
  if (gatewayPort === undefined) return true;
  const podPorts = podPortsOfGateway();
  const list = servicePorts(svc);
  if (list.length === 0) return true;
  return list.some((sp) => {
    const r = resolvePort(sp.targetPort ?? sp.port, podPorts);
    return r.port === undefined || r.port === gatewayPort || !podPorts.some((p) => p.containerPort === r.port);
  });
}

/** Services selecting the gateway pods that send traffic to the gateway's port. */
export function servicesToGateway(cluster: StackContext<unknown>["cluster"], gw: Gateway, gatewayPort: number | undefined): KObject[] {
  // The pod's ports are read (through the proxy) once for all the Services, and only when one needs them.
  let podPorts: ContainerPort[] | undefined;
  const ports = () => (podPorts ??= podPortsOf(gw));
  return cluster.servicesSelecting(gw.workload.namespace, gw.pod.labels).filter((svc) => targetsGateway(svc, ports, gatewayPort));
}

interface BindConfig extends GatewayMatchConfig {
  allowAuto: boolean;
}

export const bindReachableFromService = stackPolicy<BindConfig>(
  {
    name: "bind-reachable-from-service",
    description: "When a Service selects the gateway pods, the gateway's effective bind (--bind > gateway.bind > default auto) listens on the pod IP: lan, not loopback, not auto.",
    why: "Runbook §3/§4.3: Service and kubelet traffic arrive on the pod IP; a loopback-bound gateway answers port-forward (which dials localhost in the pod) and nothing else. Upstream's Kubernetes manifests bind loopback by default. auto depends on container detection.",
    concern: "network",
    enforcementLevel: "mandatory",
    configSchema: {
      properties: {
        ...GATEWAY_MATCH_SCHEMA,
        allowAuto: { type: "boolean", default: false, description: "Accept bind auto (0.0.0.0 only when the gateway detects a container)." },
      },
    },
  },
  (ctx) =>
    forEachGateway(ctx, (gw, s, report) => {
      const svcs = servicesToGateway(ctx.cluster, gw, s.port.value);
      if (svcs.length === 0) return;
      if (s.bind.source !== "--bind" && s.configError) report(`${s.configError}; the bind cannot be read from it`);
      const custom = customBindHost(s);
      const r = bindReachability(s.bind.value, custom);
      if (r.reach === "pod-ip") return;
      if (r.reach === "uncertain" && s.bind.value === "auto" && ctx.cfg.allowAuto) return;
      report(
        `bind "${s.bind.value}" (from ${s.bind.source}): ${r.why}, but ${serviceNames(svcs)} sends traffic to the pod IP; ` +
          `pass --bind lan (and gateway.bind "lan") explicitly`,
      );
    }),
);

export const portsAligned = stackPolicy<GatewayMatchConfig>(
  {
    name: "ports-aligned",
    description: "The gateway's port is the same in its config, --port/OPENCLAW_GATEWAY_PORT, the containerPort, every selecting Service's targetPort (number or name) and every probe.",
    why: "Runbook §4.3: verify containerPort, targetPort and probe ports match. One TCP port carries RPC, probes, /tools/invoke and the UI; a mismatch shows up as NotReady or an empty Service, not as an error. kube-linter checks probe ports and named targetPorts exist; none compares them with the application's port.",
    concern: "network",
    enforcementLevel: "mandatory",
    configSchema: { properties: { ...GATEWAY_MATCH_SCHEMA } },
  },
  (ctx) =>
    forEachGateway(ctx, (gw, s, report) => {
      const port = s.port.value;
      if (port === undefined) {
        report(`the gateway port cannot be determined (from ${s.port.source}); set --port explicitly`);
        return;
      }
      const via = `${port} (from ${s.port.source})`;
      const cfgPort = s.config?.gateway?.port;
      if (cfgPort !== undefined && cfgPort !== port) report(`gateway.port ${String(cfgPort)} in ${s.configSource} differs from the port the gateway uses, ${via}; make them equal`);
      const envPort = s.env.OPENCLAW_GATEWAY_PORT;
      if (envPort && "value" in envPort && envPort.value.trim() !== String(port)) {
        report(`OPENCLAW_GATEWAY_PORT=${envPort.value} differs from the port the gateway uses, ${via}`);
      }
      if (!gw.ports.some((p) => p.containerPort === port)) {
        const have = gw.ports.map((p) => `${p.name ? `${p.name}:` : ""}${p.containerPort}`).join(", ") || "none";
        report(`the gateway listens on ${via} but no containerPort is ${port} (ports: ${have}); declare { name: "gateway", containerPort: ${port} }`);
      }
      for (const which of ["readinessProbe", "livenessProbe", "startupProbe"] as const) {
        const t = probeTarget(probe(gw.container, which), gw.ports);
        if (t.kind === "none" || t.kind === "exec") continue;
        if (t.portError) report(`${which} ${t.kind} ${t.portError}`);
        else if (t.port !== port) report(`${which} ${t.kind} port ${String(t.portSpec)} (${t.port}) is not the gateway port ${via}`);
      }
      // A Service port may target another container of the pod (a sidecar): resolve against all of them.
      const podPorts = podPortsOf(gw);
      for (const svc of ctx.cluster.servicesSelecting(gw.workload.namespace, gw.pod.labels)) {
        for (const sp of servicePorts(svc)) {
          const target = sp.targetPort ?? sp.port;
          const r = resolvePort(target, podPorts);
          const label = `Service/${svc.namespace}/${svc.name} port ${sp.name ? `"${sp.name}" ` : ""}${sp.port} targetPort ${String(target)}`;
          if (r.error) report(`${label}: ${r.error}`);
          else if (!podPorts.some((p) => p.containerPort === r.port)) report(`${label} is not a container port of the pod; use targetPort "gateway" (${port})`);
        }
      }
    }),
);

export const authRequiredOffLoopback = stackPolicy<GatewayMatchConfig>(
  {
    name: "auth-required-off-loopback",
    description: "A gateway bound off loopback has token, password or trusted-proxy auth with its secret provided.",
    why: "Off loopback without a token or password the gateway refuses to start (exit 78, \"Refusing to bind gateway to lan without auth\", docs/facts.md §1): a CrashLoopBackOff that no generic linter predicts. The token belongs in a Secret (secretKeyRef).",
    concern: "network",
    enforcementLevel: "mandatory",
    configSchema: { properties: { ...GATEWAY_MATCH_SCHEMA } },
  },
  (ctx) =>
    forEachGateway(ctx, (_gw, s, report) => {
      // A token that can only come from an envFrom source not among the objects checked
      // cannot be shown missing: references-resolvable says "cannot verify" instead.
      if (!s.auth.hasSecret && s.unresolvedEnvFrom.length > 0) return;
      const problem = checkAuthOffLoopback(s.bind.value, customBindHost(s), s.auth);
      if (problem) report(problem);
    }),
);

interface NetpolConfig extends GatewayMatchConfig {
  kubeletCidrs?: string[];
  ingressSources?: SourceSpec[];
  requireNetworkPolicy: boolean;
  requireKubeletCidrs: boolean;
  workloads?: Record<string, Record<string, unknown>>;
}

const SOURCE_SCHEMA = {
  type: "object",
  description: "{cidr} or {namespaceSelector, podSelector} (label selectors).",
  properties: {
    cidr: { type: "string" },
    namespace: { type: "string" },
    namespaceSelector: { type: "object" },
    podSelector: { type: "object" },
  },
  additionalProperties: false,
} as const;

export function parseCidrList(raw: string): string[] | undefined {
  const list = raw.split(",").map((s) => s.trim()).filter(Boolean);
  return list.length > 0 && list.every(isValidCidr) ? list : undefined;
}

function parseSources(raw: string): SourceSpec[] | undefined {
  try {
    return validSources(JSON.parse(raw));
  } catch {
    return undefined;
  }
}

function validSources(v: unknown): SourceSpec[] | undefined {
  if (!Array.isArray(v)) return undefined;
  for (const s of v) {
    if (!s || typeof s !== "object") return undefined;
    if ("cidr" in s && !isValidCidr(String((s as { cidr: unknown }).cidr))) return undefined;
  }
  return v as SourceSpec[];
}

export const probesAdmittedByNetworkPolicy = stackPolicy<NetpolConfig>(
  {
    name: "probes-admitted-by-networkpolicy",
    description: "NetworkPolicies selecting the gateway pods for Ingress admit the node/kubelet CIDRs on every probe port and the declared ingress sources on the traffic port (podSelector, namespaceSelector, ipBlock with except, named ports; policies are additive).",
    why: "Runbook §2/§6: bind=lan is right but a NetworkPolicy that only allows the Ingress CIDR drops kubelet probes: NotReady while traffic blacks out (cilium#48444, #37317, #18183; flux2#1450). Sources come from openclaw.ai/kubelet-cidrs and openclaw.ai/ingress-sources, or policy config.",
    concern: "network",
    enforcementLevel: "mandatory",
    configSchema: {
      properties: {
        ...GATEWAY_MATCH_SCHEMA,
        kubeletCidrs: { type: "array", items: { type: "string" }, description: "Node CIDRs kubelet probes come from, for workloads without the openclaw.ai/kubelet-cidrs annotation." },
        ingressSources: { type: "array", items: SOURCE_SCHEMA, description: "Sources that must reach the traffic port, for workloads without openclaw.ai/ingress-sources." },
        requireNetworkPolicy: { type: "boolean", default: true, description: "Fail gateway pods no NetworkPolicy isolates (kube-score pod-networkpolicy, Polaris missingNetworkPolicy, Checkov CKV2_K8S_6)." },
        requireKubeletCidrs: { type: "boolean", default: true, description: "Fail isolated gateway pods with no declared node CIDRs: without them the probes cannot be shown to get through." },
        workloads: WORKLOADS_SCHEMA({ kubeletCidrs: { type: "array", items: { type: "string" } }, ingressSources: { type: "array", items: SOURCE_SCHEMA } }),
      },
    },
  },
  (ctx) =>
    forEachGateway(ctx, (gw, s, report) => {
      const ns = gw.workload.namespace;
      const isolating = ctx.cluster
        .policiesSelecting(ns, gw.pod.labels)
        .map((p): NetworkPolicy => ({ name: p.name, namespace: p.namespace, spec: p.plainField("spec") ?? {} }))
        .filter((p) => policyTypes(p).includes("Ingress"));
      const loopbackOnly = bindReachability(s.bind.value, customBindHost(s)).reach === "loopback-only";
      // Every main container's probes: a sidecar whose probes are dropped makes the whole pod NotReady.
      const probePorts = new Map<number, string[]>();
      for (const c of containers(gw.pod.spec, ["container"])) {
        const ports = containerPorts(c);
        for (const which of ["startupProbe", "readinessProbe", "livenessProbe"] as const) {
          const t = probeTarget(probe(c, which), ports);
          if ((t.kind === "httpGet" || t.kind === "tcpSocket" || t.kind === "grpc") && t.port !== undefined && !t.host) {
            probePorts.set(t.port, [...(probePorts.get(t.port) ?? []), c.name === gw.container.name ? which : `${which} of container "${c.name}"`]);
          }
        }
      }
      if (isolating.length === 0) {
        if (!ctx.cfg.requireNetworkPolicy) return;
        if (!loopbackOnly) {
          report(`no NetworkPolicy in namespace ${ns} selects pods [${formatSelector(gw.pod.labels)}] for Ingress, so anything in the cluster reaches the gateway; add one admitting the ingress sources on the gateway port and the node CIDRs on the probe port`);
        } else {
          const other = [...new Set(podPortsOf(gw).map((p) => p.containerPort).filter((p) => p !== s.port.value))];
          if (other.length > 0) {
            report(`no NetworkPolicy in namespace ${ns} selects pods [${formatSelector(gw.pod.labels)}] for Ingress; the gateway binds loopback (from ${s.bind.source}) and is out of reach, but the pod's other ports (${other.join(", ")}) are open to anything in the cluster`);
          }
        }
        return;
      }
      const names = isolating.map((p) => `NetworkPolicy/${p.namespace}/${p.name}`).join(", ");

      const kubelet = fact(gw, ctx.cfg, "kubeletCidrs", ANNOTATIONS.kubeletCidrs, parseCidrList, (v) =>
        Array.isArray(v) && v.length > 0 && v.every((c) => typeof c === "string" && isValidCidr(c)) ? (v as string[]) : undefined);
      if (isError(kubelet)) report(`${kubelet.error}; write comma-separated CIDRs such as 10.0.0.0/16`);
      else if (kubelet && kubelet.value.some((c) => cidrVoidsIsolation(c))) {
        for (const c of kubelet.value) {
          const why = cidrVoidsIsolation(c);
          if (why) report(`node CIDR ${why} (${kubelet.source})`);
        }
      } else if (!kubelet) {
        if (probePorts.size > 0 && ctx.cfg.requireKubeletCidrs) {
          report(`${names} isolate the gateway pods but no node CIDRs are declared (annotation ${ANNOTATIONS.kubeletCidrs} or policy config kubeletCidrs), so kubelet probes cannot be shown to get through`);
        }
      } else {
        for (const cidr of kubelet.value) {
          for (const [port, whiches] of probePorts) {
            const v = ingressAdmitted(isolating, { cidr }, port, ns, gw.pod.labels, podPortsOf(gw));
            if (v.admitted) continue;
            const named = podPortsOf(gw).find((p) => p.containerPort === port)?.name;
            const part = v.partial.length ? ` (${v.partial.join(", ")} admit only part of it: check ipBlock.except)` : "";
            report(
              `kubelet probes (${whiches.join(", ")}) from node CIDR ${cidr} (${kubelet.source}) to port ${port} are dropped by ${names}${part}; ` +
                `add an ingress rule from ipBlock ${cidr} on port ${named ? `"${named}"` : port}, or the pods go NotReady while the process is alive`,
            );
          }
        }
      }

      // An ipBlock of every address on the gateway's port voids the isolation the policies exist for.
      if (s.port.value !== undefined) {
        const gwPort = s.port.value;
        const podPorts = podPortsOf(gw);
        const onPort = (ports: { port?: number | string; endPort?: number }[] | undefined) =>
          !ports || ports.length === 0 || ports.some((p) => {
            if (p.port === undefined) return true;
            const r = resolvePort(p.port, podPorts);
            return r.port !== undefined && gwPort >= r.port && gwPort <= (p.endPort ?? r.port);
          });
        for (const np of isolating) {
          for (const rule of np.spec.ingress ?? []) {
            if (!onPort(rule.ports)) continue;
            for (const peer of rule.from ?? []) {
              const why = peer.ipBlock && (peer.ipBlock.except ?? []).length === 0 ? cidrVoidsIsolation(peer.ipBlock.cidr) : undefined;
              if (why) report(`NetworkPolicy/${np.namespace}/${np.name} admits ipBlock ${peer.ipBlock!.cidr} on the gateway port ${gwPort}: ${why.replace(/; list the node CIDRs.*$/, "")}; admit the ingress sources and the node CIDRs instead`);
            }
          }
        }
      }

      // Ingress sources: what the traffic port must admit.
      const port = s.port.value;
      const sources = fact(gw, ctx.cfg, "ingressSources", ANNOTATIONS.ingressSources, parseSources, validSources);
      if (isError(sources)) report(`${sources.error}; write a JSON array of {"cidr": ...} or {"namespaceSelector": ..., "podSelector": ...}`);
      else if (sources && port !== undefined) {
        for (const src of sources.value) {
          const v = ingressAdmitted(isolating, sourceFromSpec(src), port, ns, gw.pod.labels, gw.ports);
          if (v.admitted) continue;
          report(`ingress source ${describeSource(src)} (${sources.source}) cannot reach the gateway port ${port}: ${names} admit it on no rule; add it to an ingress rule on port "gateway"`);
        }
      }
    }),
);
