// The Ingress in front of the gateway: which backend it routes to, whether it
// terminates TLS for every host, and whether the NetworkPolicy admits the
// controller that forwards the traffic. Pure functions over plain objects; the
// stack config (components/config/) and the pack (policies/ingress.ts) share them.

import { at, items } from "./fields";
import { cidrVoidsIsolation, ipBlockAdmits, networkPolicyAdmits, sourceFromSpec, type NetworkPolicy, type NetworkPolicyPeer, type SourceSpec } from "./networkpolicy";

/** Annotation on the Ingress: where its controller's traffic comes from (JSON of a ControllerSource). */
export const CONTROLLER_SOURCE_ANNOTATION = "openclaw.ai/ingress-controller-source";

/** Annotations the program sets itself: the stack's extra annotations may not. */
export const INGRESS_RESERVED_ANNOTATION_PREFIXES = ["openclaw.ai/", "cert-manager.io/cluster-issuer", "cert-manager.io/issuer"] as const;

/**
 * Where an ingress controller's traffic to the pods comes from: its pods' namespace
 * and labels (a controller running as pods), or an address range (a controller on the
 * host network, whose traffic leaves from the node's address).
 */
export type ControllerSource = { cidr: string } | { namespace: string; namespaceLabels?: Record<string, string>; podLabels?: Record<string, string> };

/** A configured NetworkPolicy ingress source, as the stack config writes it. */
export type IngressSourceConfig =
  | { cidr: string; except?: string[] }
  | { namespaceSelector: Record<string, string>; podSelector?: Record<string, string> }
  | { podSelector: Record<string, string> };

export function controllerSourceSpec(c: ControllerSource): SourceSpec {
  if ("cidr" in c) return { cidr: c.cidr };
  return {
    namespace: c.namespace,
    namespaceSelector: { matchLabels: { ...(c.namespaceLabels ?? {}), "kubernetes.io/metadata.name": c.namespace } },
    podSelector: { matchLabels: c.podLabels ?? {} },
  };
}

export function describeController(c: ControllerSource): string {
  if ("cidr" in c) return `CIDR ${c.cidr}`;
  const pods = Object.entries(c.podLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(",");
  return `namespace ${c.namespace} pods [${pods || "any"}]`;
}

function toPeer(src: IngressSourceConfig): NetworkPolicyPeer {
  if ("cidr" in src) return { ipBlock: { cidr: src.cidr, ...(src.except ? { except: src.except } : {}) } };
  if ("namespaceSelector" in src) {
    return { namespaceSelector: { matchLabels: src.namespaceSelector }, ...(src.podSelector ? { podSelector: { matchLabels: src.podSelector } } : {}) };
  }
  return { podSelector: { matchLabels: src.podSelector } };
}

/**
 * Why the configured ingress sources do not admit the controller, or undefined.
 * Evaluated as the NetworkPolicy the program renders evaluates it (one rule whose
 * peers are the sources), so config validation and the pack agree.
 */
export function controllerAdmissionProblem(sources: readonly IngressSourceConfig[], controller: ControllerSource, namespace: string): string | undefined {
  const np: NetworkPolicy = { name: "gateway", namespace, spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: sources.map(toPeer) }] } };
  const v = networkPolicyAdmits(np, sourceFromSpec(controllerSourceSpec(controller)), 1, {}, []);
  if (v.admits === "all") return undefined;
  const how = v.admits === "part" ? "admit only part of" : "do not admit";
  return `${how} the ingress controller's source ${describeController(controller)}${v.admits === "part" ? " (check except)" : ""}: traffic through the Ingress would black out`;
}

export function parseControllerSource(raw: string | undefined): ControllerSource | undefined {
  if (!raw) return undefined;
  try {
    const v = JSON.parse(raw) as unknown;
    if (!v || typeof v !== "object") return undefined;
    if ("cidr" in v && typeof (v as { cidr: unknown }).cidr === "string") return v as ControllerSource;
    if ("namespace" in v && typeof (v as { namespace: unknown }).namespace === "string") return v as ControllerSource;
  } catch {
    // not JSON: reported by the caller
  }
  return undefined;
}

export interface IngressBackend {
  host: string | undefined;
  path: string | undefined;
  serviceName: string;
  /** The Service port the rule names: by name or by number. */
  port: { name?: string; number?: number };
}

/** Every service backend of an Ingress (rules' paths and the default backend). */
export function ingressBackends(spec: unknown): IngressBackend[] {
  const out: IngressBackend[] = [];
  const push = (host: string | undefined, path: string | undefined, b: unknown) => {
    const svc = at(b, "service");
    const name = at(svc, "name");
    if (!svc || typeof name !== "string") return;
    const portName = at(svc, "port", "name");
    const portNumber = at(svc, "port", "number");
    out.push({ host, path, serviceName: name, port: { name: typeof portName === "string" ? portName : undefined, number: typeof portNumber === "number" ? portNumber : undefined } });
  };
  const defaultBackend = at(spec, "defaultBackend");
  if (defaultBackend) push(undefined, undefined, defaultBackend);
  for (const r of items(at(spec, "rules"))) {
    const host = at(r, "host");
    for (const p of items(at(r, "http", "paths"))) {
      const path = at(p, "path");
      push(typeof host === "string" ? host : undefined, typeof path === "string" ? path : undefined, at(p, "backend"));
    }
  }
  return out;
}

/** Hosts of an Ingress's rules that no `spec.tls` entry covers ("*" for a rule without a host). */
export function hostsWithoutTls(spec: unknown): string[] {
  const tls = items(at(spec, "tls"));
  const covered = (host: string) =>
    tls.some((t) => items(at(t, "hosts")).some((h) => h === host || (typeof h === "string" && h.startsWith("*.") && host.split(".").slice(1).join(".") === h.slice(2))));
  const hosts = new Set<string>();
  for (const r of items(at(spec, "rules"))) {
    const host = at(r, "host");
    hosts.add(typeof host === "string" ? host : "*");
  }
  if (at(spec, "defaultBackend")) hosts.add("*");
  return [...hosts].filter((h) => (h === "*" ? tls.length === 0 : !covered(h)));
}

/** The Service port a backend names, resolved against the Service's ports; undefined when it names none of them. */
export function backendServicePort(b: IngressBackend, servicePorts: ReadonlyArray<{ name?: string; port: number; targetPort?: number | string }>): { port: number; targetPort?: number | string } | undefined {
  const sp = b.port.name !== undefined ? servicePorts.find((p) => p.name === b.port.name) : servicePorts.find((p) => p.port === b.port.number);
  return sp ? { port: sp.port, targetPort: sp.targetPort ?? sp.port } : undefined;
}

/**
 * Why the gateway's `gateway.trustedProxies` (its own config file) would refuse the
 * controller's forwarded requests, or undefined. Measured on 2026.9.6: a request that
 * carries X-Forwarded-For (or any X-Forwarded-*, Forwarded, X-Real-Ip) from a source
 * outside trustedProxies gets 403 `proxy_attribution_required` on /readyz, /startupz and
 * /tools/invoke (only /healthz answers), so every request through an Ingress fails
 * while port-forward and the in-cluster Service pass. A controller given by CIDR must be
 * inside an entry; one given by namespace needs an entry at all (its pod addresses are
 * not known before it runs: the cluster's pod CIDR, or the pods' subnet).
 */
export function trustedProxiesProblem(trusted: readonly string[] | undefined, controller: ControllerSource): string | undefined {
  const why = "the gateway answers 403 proxy_attribution_required to forwarded requests from any other source, so nothing passes through the Ingress";
  if (!trusted || trusted.length === 0) {
    return "cidr" in controller
      ? `must include the ingress controller's source ${controller.cidr}; ${why}`
      : `must list the addresses the ingress controller's pods (namespace ${controller.namespace}) connect from, such as the cluster's pod CIDR; ${why}`;
  }
  if ("cidr" in controller && !trusted.some((t) => ipBlockAdmits({ cidr: t }, controller.cidr) === "all")) {
    return `${JSON.stringify(trusted)} does not include the ingress controller's source ${controller.cidr}; ${why}`;
  }
  return undefined;
}

/**
 * Why trusting these proxies breaks the kubelet's probes, or undefined: the gateway answers 403
 * (proxy_attribution_required) to a request from a trusted proxy's address that carries no
 * X-Forwarded-For, and the kubelet's probes carry none. Observed on the local cluster with a
 * controller on the node address: the startup probe got 403 until the kubelet restarted the pod.
 */
export function trustedProxiesKubeletProblem(trusted: readonly string[], kubeletCidrs: readonly string[]): string | undefined {
  for (const t of trusted) {
    // A /0 "node CIDR" is every address: probes-admitted-by-networkpolicy refuses it; nothing to compare.
    for (const k of kubeletCidrs.filter((c) => !cidrVoidsIsolation(c))) {
      if (ipBlockAdmits({ cidr: t }, k) !== "none") {
        return `trusts ${t} as a proxy, which includes the kubelet's probe source ${k}: the gateway answers 403 to requests from a trusted proxy address that carry no X-Forwarded-For, and the kubelet's probes carry none, so the pods never become Ready; give the ingress controller an address of its own (its pods, or a host address the kubelet does not probe from)`;
      }
    }
  }
  return undefined;
}
