// Ingress: the path real users take (controller → TLS → Service → pod). An Ingress
// that routes to the gateway Service must reach the gateway's port, its controller
// must be admitted by the NetworkPolicy, and it must terminate TLS (the gateway
// token travels in the Authorization header).

import {
  backendServicePort, CONTROLLER_SOURCE_ANNOTATION, controllerSourceSpec, describeController, hostsWithoutTls, ingressBackends,
  parseControllerSource, trustedProxiesKubeletProblem, trustedProxiesProblem, type ControllerSource,
} from "../rules/ingress";
import { ingressAdmitted, isValidCidr, policyTypes, sourceFromSpec, type NetworkPolicy, type UnionVerdict } from "../rules/networkpolicy";
import { resolvePort } from "../rules/probe";
import { containerPorts, containers, type KObject } from "../model/k8s";
import { GATEWAY_MATCH_SCHEMA, type GatewayMatchConfig } from "../model/gateway";
import { stackPolicy, type StackContext } from "./framework";
import { ANNOTATIONS, fact, isError } from "./facts";
import { forEachGateway, parseCidrList, servicePorts, servicesToGateway } from "./network";

interface Route {
  ingress: KObject;
  service: KObject;
  gatewayPort: number | undefined;
  /** Every container port of the gateway pod (a named targetPort resolves against them). */
  podPorts: { name?: string; containerPort: number; protocol?: string }[];
  namespace: string;
  podLabels: Record<string, string>;
  policies: NetworkPolicy[];
  /**
   * gateway.trustedProxies from the gateway's config file, read only when a check needs it (in
   * preview an unknown ConfigMap then defers this policy alone); "unknown" when the file is not
   * among the objects or unreadable.
   */
  trustedProxies: () => string[] | undefined | "unknown";
  configSource: () => string;
  /** The node CIDRs the kubelet probes from (annotation openclaw.ai/kubelet-cidrs), when declared. */
  kubeletCidrs: string[] | undefined;
}

/**
 * Every Ingress backend that names a Service sending traffic to a gateway: one Route per
 * (Ingress, Service). Indexed by Service first, so a manifest set with many gateways,
 * Services and Ingresses (a directory of them given to policy:check) stays linear.
 */
function routesToGateway<C extends GatewayMatchConfig>(ctx: StackContext<C>): Route[] {
  const ingresses = ctx.cluster.objects.filter((o) => o.kind === "Ingress");
  if (ingresses.length === 0) return [];
  // Service → the first gateway it sends traffic to (what the Ingress reaches through it).
  const targets = new Map<KObject, Omit<Route, "ingress" | "service">>();
  forEachGateway(ctx, (gw, s) => {
    for (const svc of servicesToGateway(ctx.cluster, gw, s.port.value)) {
      if (targets.has(svc)) continue;
      const ns = gw.workload.namespace;
      const kubelet = fact(gw, {}, "kubeletCidrs", ANNOTATIONS.kubeletCidrs, parseCidrList);
      targets.set(svc, {
        trustedProxies: () => {
          if (!s.config) return "unknown";
          const tp = s.config.gateway?.trustedProxies;
          return Array.isArray(tp) && tp.every((x) => typeof x === "string") ? (tp as string[]) : tp === undefined ? undefined : "unknown";
        },
        configSource: () => s.configSource,
        kubeletCidrs: kubelet && !isError(kubelet) ? kubelet.value : undefined,
        gatewayPort: s.port.value,
        podPorts: containers(gw.pod.spec, ["container"]).flatMap(containerPorts),
        namespace: ns,
        podLabels: gw.pod.labels,
        policies: ctx.cluster
          .policiesSelecting(ns, gw.pod.labels)
          .map((p): NetworkPolicy => ({ name: p.name, namespace: p.namespace, spec: p.plainField("spec") ?? {} }))
          .filter((p) => policyTypes(p).includes("Ingress")),
      });
    }
  });
  const byName = new Map<string, KObject[]>();
  for (const svc of targets.keys()) {
    const key = `${svc.namespace}/${svc.name}`;
    const same = byName.get(key);
    if (same) same.push(svc);
    else byName.set(key, [svc]);
  }
  const routes: Route[] = [];
  for (const ing of ingresses) {
    ctx.guard(ing, () => {
      const names = new Set(ingressBackends(ing.plainField("spec") ?? {}).map((b) => b.serviceName));
      for (const name of names) {
        for (const svc of byName.get(`${ing.namespace}/${name}`) ?? []) routes.push({ ingress: ing, service: svc, ...targets.get(svc)! });
      }
    });
  }
  return routes;
}

interface ReachConfig extends GatewayMatchConfig {
  controllerSource?: ControllerSource;
}

export const ingressReachesGateway = stackPolicy<ReachConfig>(
  {
    name: "ingress-reaches-gateway",
    description: "An Ingress that routes to a Service of the gateway names a Service port whose targetPort is the gateway's port, the NetworkPolicies selecting the gateway pods admit its controller's traffic on that port, and the gateway's config trusts the controller as a proxy (gateway.trustedProxies).",
    why: "Runbook §2/§6: an Ingress whose controller the NetworkPolicy does not admit is a traffic blackout while port-forward and in-cluster checks pass; a backend port that names no Service port (or another container's port) answers 404/502 at the edge only. Neither shows in the pods' readiness. The gateway (2026.9.6, measured) answers 403 proxy_attribution_required to forwarded requests from a proxy outside gateway.trustedProxies: every request through the Ingress fails while the pods are Ready. The controller's source comes from the Ingress annotation openclaw.ai/ingress-controller-source or policy config.",
    concern: "network",
    enforcementLevel: "mandatory",
    configSchema: {
      properties: {
        ...GATEWAY_MATCH_SCHEMA,
        controllerSource: {
          type: "object",
          description: 'Where the ingress controller\'s traffic comes from, for Ingresses without the annotation: {"namespace": "ingress-nginx", "podLabels": {...}} or {"cidr": "10.0.0.5/32"}.',
        },
      },
    },
  },
  (ctx) => {
    // Routes are (Ingress, Service) pairs; whether the NetworkPolicies admit a controller
    // depends only on the Service's gateway and the controller, so it is evaluated once per
    // pair of those, not once per route against every policy (cubic over a directory of gateways).
    const admitted = new Map<KObject, Map<string | undefined, UnionVerdict>>();
    const reported = new Map<KObject, Set<string>>();
    for (const r of routesToGateway(ctx)) {
      const { ingress: ing, service: svc } = r;
      const spec = ing.plainField<unknown>("spec");
      const ports = servicePorts(svc);
      for (const b of ingressBackends(spec).filter((x) => x.serviceName === svc.name)) {
        const where = `backend ${b.host ?? "(default)"}${b.path ?? ""} → Service/${svc.namespace}/${svc.name} port ${b.port.name !== undefined ? `"${b.port.name}"` : String(b.port.number)}`;
        const sp = backendServicePort(b, ports);
        if (!sp) {
          const have = ports.map((p) => `${p.name ? `"${p.name}" ` : ""}${p.port}`).join(", ") || "none";
          ctx.report(ing, `${where}: the Service has no such port (ports: ${have}); name the port "gateway"`);
          continue;
        }
        const target = resolvePort(sp.targetPort, r.podPorts);
        // Only when another port of the Service does reach the gateway: a Service with no
        // such port at all is ports-aligned's finding, not the Ingress's.
        const gatewayServicePort = ports.find((p) => resolvePort(p.targetPort ?? p.port, r.podPorts).port === r.gatewayPort);
        if (r.gatewayPort !== undefined && target.port !== r.gatewayPort && gatewayServicePort) {
          ctx.report(ing, `${where}: Service port ${sp.port} targets ${String(sp.targetPort)} (${target.error ?? target.port}), not the gateway port ${r.gatewayPort}; route to Service port ${gatewayServicePort.name ? `"${gatewayServicePort.name}"` : gatewayServicePort.port}`);
        }
      }
      const raw = ing.annotations[CONTROLLER_SOURCE_ANNOTATION];
      const fromAnnotation = parseControllerSource(raw);
      if (raw !== undefined && !fromAnnotation) {
        ctx.report(ing, `annotation ${CONTROLLER_SOURCE_ANNOTATION}="${raw}" is malformed; write {"namespace": "<controller namespace>", "podLabels": {...}} or {"cidr": "<node CIDR>"}`);
        continue;
      }
      const controller = fromAnnotation ?? ctx.cfg.controllerSource;
      if (!controller) continue;
      const source = `${fromAnnotation ? `annotation ${CONTROLLER_SOURCE_ANNOTATION}` : "policy config controllerSource"}`;
      if (r.policies.length > 0 && r.gatewayPort !== undefined) admission(r, r.gatewayPort, controller, source);
      // Last, as it reads the gateway's config file: forwarded requests from a proxy the gateway does
      // not trust get 403, and a trusted address's requests without X-Forwarded-For (the kubelet's
      // probes, when it shares the address) get 403 too.
      ctx.guard(ing, () => {
        const trusted = r.trustedProxies();
        if (trusted === "unknown") return;
        // Once per Ingress and message: many Services of the same name (a directory of copies) are one finding.
        const said = reported.get(ing) ?? reported.set(ing, new Set()).get(ing)!;
        const once = (msg: string) => {
          if (said.has(msg)) return;
          said.add(msg);
          ctx.report(ing, msg);
        };
        const trust = trustedProxiesProblem(trusted, controller);
        if (trust) once(`its controller (${describeController(controller)}, from ${source}): gateway.trustedProxies in ${r.configSource()} ${trust}`);
        const clash = trusted && r.kubeletCidrs && trustedProxiesKubeletProblem(trusted.filter((t) => isValidCidr(t)), r.kubeletCidrs);
        if (clash) once(`gateway.trustedProxies in ${r.configSource()} ${clash} (node CIDRs from annotation ${ANNOTATIONS.kubeletCidrs})`);
      });
    }

    function admission(r: Route, gatewayPort: number, controller: ControllerSource, source: string): void {
      const { ingress: ing, service: svc } = r;
      const raw = ing.annotations[CONTROLLER_SOURCE_ANNOTATION];
      const fromAnnotation = parseControllerSource(raw);
      const bySource = admitted.get(svc) ?? admitted.set(svc, new Map()).get(svc)!;
      const key = fromAnnotation ? raw : undefined;
      let v = bySource.get(key);
      if (!v) {
        v = ingressAdmitted(r.policies, sourceFromSpec(controllerSourceSpec(controller)), gatewayPort, r.namespace, r.podLabels, r.podPorts);
        bySource.set(key, v);
      }
      if (!v.admitted) {
        const names = r.policies.map((p) => `NetworkPolicy/${p.namespace}/${p.name}`).join(", ");
        ctx.report(ing, `its controller (${describeController(controller)}, from ${source}) cannot reach the gateway port ${gatewayPort}: ${names} admit it on no rule${v.partial.length ? ` (${v.partial.join(", ")} admit only part of it)` : ""}; add it to the ingress sources`);
      }
    }
  },
);

export const ingressTerminatesTls = stackPolicy<GatewayMatchConfig>(
  {
    name: "ingress-terminates-tls",
    description: "Every host of an Ingress that routes to the gateway is covered by a spec.tls entry (a Secret or a cert-manager issuer): no plain-HTTP route to the gateway.",
    why: "The tool-call API carries the gateway token in the Authorization header and the Control UI in the page: over plain HTTP anyone on the path reads it. Runbook §5: sign-off SLOs include the Ingress/TLS path. Advisory by default; prod makes it mandatory.",
    concern: "network",
    enforcementLevel: "advisory",
    configSchema: { properties: { ...GATEWAY_MATCH_SCHEMA } },
  },
  (ctx) => {
    const seen = new Set<KObject>();
    for (const r of routesToGateway(ctx)) {
      if (seen.has(r.ingress)) continue;
      seen.add(r.ingress);
      const plainHosts = hostsWithoutTls(r.ingress.plainField("spec") ?? {});
      if (plainHosts.length === 0) continue;
      ctx.report(r.ingress, `routes ${plainHosts.map((h) => (h === "*" ? "every host" : h)).join(", ")} to Service/${r.service.namespace}/${r.service.name} over plain HTTP; add spec.tls with these hosts and a certificate Secret (or a cert-manager issuer annotation)`);
    }
  },
);
