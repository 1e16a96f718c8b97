// What every object of one gateway shares: the parsed settings, the namespace, the labels,
// the policy annotations, and the gateway's own config file (whose hash rolls the pods).
import { createHash } from "node:crypto";
import type { ObjectMeta } from "kubernetes-types/meta/v1";
import { ANNOTATIONS, GATEWAY, selectorLabels as gatewaySelector } from "../../policy-pack/rules/names";
import { effectiveTrustedProxies, type GatewaySettings } from "../config";

/** A Kubernetes object of this program: typed by kubernetes-types, always named. */
export type Named<T extends { metadata?: ObjectMeta }> = T & { apiVersion: string; kind: string; metadata: ObjectMeta & { name: string } };

export interface ManifestContext {
  s: GatewaySettings;
  c: GatewaySettings["config"];
  ns: string;
  selectorLabels: Record<string, string>;
  /** Every object's labels: the stack's extra labels, then ours. */
  labels: Record<string, string>;
  /** The annotations the pack reads (figures, sources, release), on the Deployment and its pods. */
  annotations: Record<string, string>;
  configJson: string;
  configChecksum: string;
  meta(name: string, extra?: Partial<ObjectMeta>): ObjectMeta & { name: string };
}

/** The gateway's own config file: gateway.mode=local, port, bind, auth, trusted proxies (behind an Ingress), a writable log path. */
function gatewayConfigFile(s: GatewaySettings): string {
  const g = s.config.gateway;
  const trustedProxies = effectiveTrustedProxies(s.config);
  const doc = {
    gateway: { mode: "local", port: g.port, bind: g.bind, auth: { mode: g.auth }, ...(trustedProxies ? { trustedProxies } : {}) },
    // /tmp is an emptyDir: the root filesystem is read-only.
    logging: { file: "/tmp/openclaw/openclaw.log" },
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

function policyAnnotations(c: GatewaySettings["config"]): Record<string, string> {
  const annotations: Record<string, string> = {
    [ANNOTATIONS.p95]: c.resources.observed.p95WorkingSet,
    [ANNOTATIONS.bootPeak]: c.resources.observed.bootPeak,
    [ANNOTATIONS.coldStart]: String(c.gateway.coldStartSeconds),
    [ANNOTATIONS.kubeletCidrs]: c.network.kubeletCidrs.join(","),
    [ANNOTATIONS.ingressSources]: JSON.stringify(c.network.ingressSources),
    [ANNOTATIONS.release]: c.image.release,
    [ANNOTATIONS.buildId]: c.image.buildId,
  };
  if (c.resources.headroom) {
    annotations[ANNOTATIONS.minRatio] = String(c.resources.headroom.minRatio);
    annotations[ANNOTATIONS.maxRatio] = String(c.resources.headroom.maxRatio);
    annotations[ANNOTATIONS.reason] = c.resources.headroom.reason;
  }
  return annotations;
}

export function manifestContext(s: GatewaySettings): ManifestContext {
  const c = s.config;
  const selectorLabels = gatewaySelector(c.environment);
  const labels: Record<string, string> = {
    ...c.labels,
    ...selectorLabels,
    "app.kubernetes.io/component": GATEWAY.component,
    "app.kubernetes.io/part-of": "openclaw",
    "app.kubernetes.io/version": c.image.release,
    "app.kubernetes.io/managed-by": "pulumi",
  };
  const configJson = gatewayConfigFile(s);
  return {
    s,
    c,
    ns: c.namespace,
    selectorLabels,
    labels,
    annotations: policyAnnotations(c),
    configJson,
    configChecksum: createHash("sha256").update(configJson).digest("hex"),
    meta: (name, extra = {}) => ({ name, namespace: c.namespace, labels, ...extra }),
  };
}
