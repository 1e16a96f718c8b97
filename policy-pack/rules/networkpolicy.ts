// Does a set of NetworkPolicies admit a given source to a pod's port?
// Kubernetes semantics (networking.k8s.io/v1): a pod is isolated for ingress when at
// least one policy in its namespace selects it with Ingress in its policyTypes; then
// traffic is admitted when ANY selecting policy has a rule admitting both the peer and
// the port (policies are additive). An absent or empty `from` admits every source, an
// absent or empty `ports` every port; a named port resolves against the destination
// pod's container ports; an ipBlock admits its CIDR minus `except`.
// Kubelet probes come from the node (runbook §2, §6; cilium#48444, #37317, flux2#1450).

import { asSelector, representativeLabels, selectorMatches, type LabelSelector, type Labels } from "./selector";
import type { ContainerPort } from "./probe";
import ipaddr = require("ipaddr.js");

export interface NetworkPolicyPeer {
  ipBlock?: { cidr: string; except?: string[] };
  namespaceSelector?: LabelSelector;
  podSelector?: LabelSelector;
}

interface NetworkPolicyPort {
  protocol?: string;
  port?: number | string;
  endPort?: number;
}

interface NetworkPolicyRule {
  from?: NetworkPolicyPeer[];
  ports?: NetworkPolicyPort[];
}

export interface NetworkPolicy {
  name: string;
  namespace: string;
  spec: {
    podSelector?: LabelSelector;
    policyTypes?: string[];
    ingress?: NetworkPolicyRule[];
    egress?: unknown[];
  };
}

/** Where traffic comes from: an address range, or pods described by labels. */
export type Source =
  | { cidr: string }
  | { namespace?: string; namespaceLabels?: Labels; podLabels?: Labels };

/** A source as the program and policy config describe it: a CIDR or a pair of selectors. */
export type SourceSpec = { cidr: string } | { namespaceSelector?: LabelSelector; podSelector?: LabelSelector; namespace?: string };

export function sourceFromSpec(s: SourceSpec): Source {
  if ("cidr" in s) return { cidr: s.cidr };
  return {
    namespace: s.namespace,
    namespaceLabels: s.namespaceSelector ? representativeLabels(asSelector(s.namespaceSelector)) : undefined,
    podLabels: representativeLabels(asSelector(s.podSelector)),
  };
}

export function describeSource(s: SourceSpec | Source): string {
  if ("cidr" in s) return `CIDR ${s.cidr}`;
  const parts: string[] = [];
  const any = s as Record<string, unknown>;
  const fmt = (l: unknown) => {
    const sel = asSelector(l);
    const e = Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
    for (const x of sel.matchExpressions ?? []) e.push(`${x.key} ${x.operator} (${(x.values ?? []).join(",")})`);
    return e.length ? e.join(",") : "any";
  };
  if (any.namespace) parts.push(`namespace ${any.namespace}`);
  if (any.namespaceSelector || any.namespaceLabels) parts.push(`namespaces [${fmt(any.namespaceSelector ?? any.namespaceLabels)}]`);
  parts.push(`pods [${fmt(any.podSelector ?? any.podLabels)}]`);
  return parts.join(" ");
}

// ---- CIDRs -------------------------------------------------------------------------

interface Range { v6: boolean; start: bigint; end: bigint; prefix: number }

function toBigInt(bytes: number[]): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}

const parsedCidrs = new Map<string, Range | undefined>();

/**
 * Parses a CIDR the way the Kubernetes API validates ipBlock.cidr (Go's net.ParseCIDR):
 * IPv4 in four-part decimal without leading zeros, IPv6 in any RFC 4291 form (`::`,
 * embedded IPv4 such as `::ffff:10.0.0.0/104`), no zone; a bare address is a /32 or /128.
 * The address math is ipaddr.js's.
 */
export function parseCidr(cidr: string): Range | undefined {
  if (typeof cidr !== "string") return undefined;
  if (parsedCidrs.has(cidr)) return parsedCidrs.get(cidr);
  const r = parseCidrUncached(cidr.trim());
  if (parsedCidrs.size < 10_000) parsedCidrs.set(cidr, r);
  return r;
}

function parseCidrUncached(cidr: string): Range | undefined {
  if (cidr.includes("%")) return undefined;
  const slash = cidr.indexOf("/");
  const addr = slash < 0 ? cidr : cidr.slice(0, slash);
  const prefixStr = slash < 0 ? undefined : cidr.slice(slash + 1);
  if (prefixStr !== undefined && !/^(0|[1-9][0-9]{0,2})$/.test(prefixStr)) return undefined;
  const v6 = addr.includes(":");
  if (v6 ? !ipaddr.IPv6.isValid(addr) : !ipaddr.IPv4.isValidFourPartDecimal(addr)) return undefined;
  const bits = v6 ? 128 : 32;
  const prefix = prefixStr === undefined ? bits : Number(prefixStr);
  if (prefix > bits) return undefined;
  const ip = toBigInt((v6 ? ipaddr.IPv6.parse(addr) : ipaddr.IPv4.parse(addr)).toByteArray());
  const host = (1n << BigInt(bits - prefix)) - 1n;
  const start = ip & ~host & ((1n << BigInt(bits)) - 1n);
  return { v6, start, end: start | host, prefix };
}

export function isValidCidr(cidr: string): boolean {
  return parseCidr(cidr) !== undefined;
}

/**
 * Why a CIDR given as a probe source (kubelet/node CIDRs) or an ingress source voids
 * isolation, or undefined: a /0 (`0.0.0.0/0`, `::/0`, or any address with prefix 0)
 * admits every address of its family, so a policy admitting it on the gateway port
 * admits the whole cluster and beyond. The stack config and the pack share this rule.
 */
export function cidrVoidsIsolation(cidr: string): string | undefined {
  const r = parseCidr(cidr);
  if (!r || r.prefix !== 0) return undefined;
  return `${cidr} is every ${r.v6 ? "IPv6" : "IPv4"} address (prefix /0): admitting it voids the NetworkPolicy's isolation; list the node CIDRs the kubelet's probes come from (e.g. 10.0.0.0/16)`;
}

export type CidrVerdict = "all" | "part" | "none";

/** How much of `source` an ipBlock admits. */
export function ipBlockAdmits(block: { cidr: string; except?: string[] }, source: string): CidrVerdict {
  const b = parseCidr(block.cidr);
  const s = parseCidr(source);
  if (!b || !s || b.v6 !== s.v6) return "none";
  if (s.end < b.start || s.start > b.end) return "none";
  let verdict: CidrVerdict = s.start >= b.start && s.end <= b.end ? "all" : "part";
  for (const ex of block.except ?? []) {
    const e = parseCidr(ex);
    if (!e || e.v6 !== s.v6) continue;
    if (e.start <= s.start && e.end >= s.end) return "none";
    if (!(e.end < s.start || e.start > s.end)) verdict = "part";
  }
  return verdict;
}

// ---- policies ----------------------------------------------------------------------

export function policyTypes(np: NetworkPolicy): string[] {
  if (np.spec.policyTypes && np.spec.policyTypes.length) return np.spec.policyTypes;
  return np.spec.egress && np.spec.egress.length ? ["Ingress", "Egress"] : ["Ingress"];
}

/** Whether the policy isolates the pod for ingress. */
function selectsForIngress(np: NetworkPolicy, podNamespace: string, podLabels: Labels): boolean {
  return np.namespace === podNamespace && selectorMatches(np.spec.podSelector ?? {}, podLabels) && policyTypes(np).includes("Ingress");
}

function peerAdmits(peer: NetworkPolicyPeer, policyNamespace: string, src: Source): CidrVerdict {
  if (peer.ipBlock) return "cidr" in src ? ipBlockAdmits(peer.ipBlock, src.cidr) : "none";
  if ("cidr" in src) return "none";
  const srcNsLabels: Labels = { ...(src.namespaceLabels ?? {}) };
  const srcNs = src.namespace ?? srcNsLabels["kubernetes.io/metadata.name"];
  if (srcNs !== undefined) srcNsLabels["kubernetes.io/metadata.name"] = srcNs;
  if (peer.namespaceSelector) {
    if (!selectorMatches(peer.namespaceSelector, srcNsLabels)) return "none";
  } else if (srcNs !== policyNamespace) {
    // A podSelector alone means pods in the policy's own namespace.
    return "none";
  }
  if (peer.podSelector && !selectorMatches(peer.podSelector, src.podLabels ?? {})) return "none";
  return "all";
}

function portAdmits(p: NetworkPolicyPort, port: number, protocol: string, containerPorts: readonly ContainerPort[]): boolean {
  if ((p.protocol ?? "TCP").toUpperCase() !== protocol) return false;
  if (p.port === undefined) return true;
  if (typeof p.port === "string" && !/^[0-9]+$/.test(p.port)) {
    // A named port admits the destination container port of that name.
    return containerPorts.some((c) => c.name === p.port && c.containerPort === port && (c.protocol ?? "TCP").toUpperCase() === protocol);
  }
  const lo = Number(p.port);
  const hi = p.endPort ?? lo;
  return port >= lo && port <= hi;
}

export interface AdmitVerdict {
  /** The policy selects the pod for ingress. */
  selects: boolean;
  /** "all": the whole source is admitted on the port; "part": only part of a CIDR; "none". */
  admits: CidrVerdict;
}

/** Whether one NetworkPolicy admits `source` to `port` of a pod with `podLabels`. */
export function networkPolicyAdmits(
  np: NetworkPolicy,
  source: Source,
  port: number,
  podLabels: Labels,
  containerPorts: readonly ContainerPort[],
  opts: { podNamespace?: string; protocol?: string } = {},
): AdmitVerdict {
  const podNamespace = opts.podNamespace ?? np.namespace;
  const protocol = (opts.protocol ?? "TCP").toUpperCase();
  if (!selectsForIngress(np, podNamespace, podLabels)) return { selects: false, admits: "none" };
  let best: CidrVerdict = "none";
  for (const rule of np.spec.ingress ?? []) {
    const ports = rule.ports ?? [];
    if (ports.length > 0 && !ports.some((p) => portAdmits(p, port, protocol, containerPorts))) continue;
    const from = rule.from ?? [];
    if (from.length === 0) return { selects: true, admits: "all" };
    for (const peer of from) {
      const v = peerAdmits(peer, np.namespace, source);
      if (v === "all") return { selects: true, admits: "all" };
      if (v === "part") best = "part";
    }
  }
  return { selects: true, admits: best };
}

export interface UnionVerdict {
  /** No policy selects the pod for ingress: everything is admitted. */
  isolated: boolean;
  admitted: boolean;
  /** Names of the policies that select the pod. */
  selecting: string[];
  /** Names of the policies that admit the whole source. */
  admittedBy: string[];
  partial: string[];
}

/** The union over every policy in the pod's namespace. */
export function ingressAdmitted(
  policies: readonly NetworkPolicy[],
  source: Source,
  port: number,
  podNamespace: string,
  podLabels: Labels,
  containerPorts: readonly ContainerPort[],
): UnionVerdict {
  const selecting: string[] = [];
  const admittedBy: string[] = [];
  const partial: string[] = [];
  for (const np of policies) {
    const v = networkPolicyAdmits(np, source, port, podLabels, containerPorts, { podNamespace });
    if (!v.selects) continue;
    selecting.push(np.name);
    if (v.admits === "all") admittedBy.push(np.name);
    else if (v.admits === "part") partial.push(np.name);
  }
  const isolated = selecting.length > 0;
  return { isolated, admitted: !isolated || admittedBy.length > 0, selecting, admittedBy, partial };
}
