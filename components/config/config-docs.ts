// The stack keys in words, one row per key, next to the schema it documents. `npm run
// docs:config` writes them twice: the README's Configuration table, and the `config:` block of
// Pulumi.yaml (descriptions, and the types and defaults taken from the schema itself).
// test/unit/config/config-docs.unit.test.ts fails when a key the schema accepts has no row, a row
// names a key the schema does not have, or either file is not what these rows make. Cells are
// Markdown; a pipe inside one is escaped.
import { stringify } from "yaml";
import type { z } from "zod";
import { configSchema } from "./schema";

export interface ConfigDoc {
  /** The dotted key, as `pulumi config set --path` takes it (without the project prefix). */
  key: string;
  /** Its type and default, in words. */
  type: string;
  meaning: string;
}

export const CONFIG_DOCS: ConfigDoc[] = [
  { key: "environment", type: "DNS label, default: the stack name", meaning: "label `app.kubernetes.io/instance` and the ticket" },
  { key: "image.ref", type: "`repo[:tag]@sha256:<64 hex>`, required", meaning: "the image, pinned by digest; floating tags, `:latest`, malformed digests are refused in every stack" },
  { key: "image.release", type: "`YYYY.M.D`, required", meaning: "the OpenClaw release the digest was built from; must match the tag when there is one" },
  { key: "image.buildId", type: "string, required", meaning: "upstream commit or CI run id" },
  { key: "replicas", type: "integer ≥ 1, default 1", meaning: "> 1 adds a PodDisruptionBudget (maxUnavailable 1) and preferred anti-affinity" },
  { key: "resources.observed.p95WorkingSet", type: "quantity, default `1013Mi`", meaning: "observed P95 working set (measure yours: `npm run bench:memory -- --json m.json`, then `npm run size -- --measured m.json`)" },
  { key: "resources.observed.bootPeak", type: "quantity, default `937Mi`", meaning: "observed boot peak" },
  { key: "resources.observed.source", type: "string, default: the 15-run measurement the two defaults above come from", meaning: "where the figures come from (goes into the ticket)" },
  { key: "resources.memoryRequest", type: "quantity, default: the P95", meaning: "must be ≥ P95" },
  { key: "resources.memoryLimit", type: "quantity, default: 1.30 × max(P95, boot peak)", meaning: "must be 1.25–1.40 × max(P95, boot peak)" },
  { key: "resources.headroom", type: "`{minRatio, maxRatio, reason}`, optional", meaning: "another ratio for this stack, with a written reason (≥ 20 chars, goes into the ticket)" },
  { key: "resources.cpuRequest", type: "quantity, default `500m`", meaning: "CPU request" },
  { key: "resources.cpuLimit", type: "quantity, optional", meaning: "no CPU limit by default: throttling a cold start pushes it past the startup budget" },
  { key: "gateway.port", type: "1024–65535, default 18789", meaning: "config port = containerPort = Service targetPort = probe ports" },
  { key: "gateway.bind", type: "`lan` \\| `loopback`, default `lan`", meaning: "`loopback` only with `service.enabled: false`" },
  { key: "gateway.auth", type: "`token`, default `token`", meaning: "the gateway refuses a non-loopback bind without auth" },
  { key: "gateway.coldStartSeconds", type: "integer, default 45", meaning: "startupProbe grace = max(60, 1.5 × this) s" },
  { key: "gateway.trustedProxies", type: "list of IPs/CIDRs, optional", meaning: "the reverse proxies whose `X-Forwarded-For` the gateway believes, written into its config file. Behind an Ingress the controller must be in it: 2026.9.6 answers 403 `proxy_attribution_required` to every forwarded request from any other source (probes and tool calls; `/healthz` still 200). Defaults to `ingress.controller.cidr` for a host-network controller; required for a controller given by namespace (its pods' addresses, e.g. the pod CIDR). `0.0.0.0/0` is refused" },
  { key: "gatewayToken", type: "secret string, 32–512 chars of `A–Z a–z 0–9 . _ ~ + / = -`, ≥ 8 distinct", meaning: "`pulumi config set --secret gatewayToken …`; refused if stored in plain text; the render placeholder is refused on a real stack" },
  { key: "network.ingressSources", type: "list of `{cidr, except?}` \\| `{namespaceSelector, podSelector?}` \\| `{podSelector}`, ≥ 1", meaning: "who may call the gateway port" },
  { key: "network.kubeletCidrs", type: "list of CIDRs, ≥ 1", meaning: "node CIDRs the kubelet's probes come from; admitted on the probe port" },
  { key: "network.egress.dns", type: "boolean, default true", meaning: "egress to kube-dns on 53/UDP+TCP" },
  { key: "network.egress.httpsCidrs", type: "list of CIDRs, default none", meaning: "egress on 443 (model providers)" },
  { key: "namespace", type: "DNS label, default `openclaw`", meaning: "the namespace of every object" },
  { key: "createNamespace", type: "boolean, default true", meaning: "creates it with `pod-security.kubernetes.io/enforce: restricted`" },
  { key: "labels", type: "map, default `{}`", meaning: "extra labels on every object; `app.kubernetes.io/*` is reserved" },
  { key: "stateVolume", type: "`{type: emptyDir, sizeLimit}` (default 1Gi) \\| `{type: pvc, size, storageClass?, accessMode}`", meaning: "a ReadWriteOnce PVC forces `Recreate` and `replicas: 1`" },
  { key: "service.enabled", type: "boolean, default true", meaning: "ClusterIP Service, targetPort by name" },
  { key: "rollback", type: "`{image, release}`, optional", meaning: "the previous pinned image: the ticket's rollback target; must differ from `image.ref` by digest and not be a release known to be broken for this auth mode" },
  { key: "render.directory", type: "path, optional", meaning: "render-only stack (local)" },
  { key: "cluster", type: "`{context?, kubeconfig?}`", meaning: "which cluster staging/prod apply to" },
  { key: "mac", type: "object, optional", meaning: "the bare-metal contrast node: the same release under launchd on a remote Mac over SSH ([below](#bare-metal-contrast-the-same-release-on-a-remote-mac-under-launchd))" },
  { key: "ingress", type: "optional, off by default", meaning: "an Ingress in front of the Service and a third smoke path through it ([below](#the-ingress-optional))" },
  { key: "ingress.className", type: "IngressClass name", meaning: "the controller that serves the Ingress (`spec.ingressClassName`)" },
  { key: "ingress.hosts", type: "≥ 1 exact host names (no wildcards)", meaning: "one rule per host, path `/` to Service port `gateway` by name" },
  { key: "ingress.tls", type: "`{secretName}` \\| `{issuer: {kind: ClusterIssuer\\|Issuer, name}, secretName?}`, required", meaning: "an existing `kubernetes.io/tls` Secret, or cert-manager's issuer annotation (Secret `openclaw-gateway-tls` by default); there is no plain-HTTP Ingress" },
  { key: "ingress.annotations", type: "map, default `{}`", meaning: "extra annotations for your controller; `openclaw.ai/*` and cert-manager's issuer keys are set by the program" },
  { key: "ingress.controller", type: "`{namespace, podLabels?, namespaceLabels?}` \\| `{cidr}`", meaning: "where the controller's traffic to the pods comes from; `network.ingressSources` must admit it (checked here and by the pack)" },
  { key: "ingress.smoke", type: "`{address, port: 443, caBundle}`", meaning: "the controller's IP address, its https port, and the absolute path of the PEM CA bundle the certificate must chain to" },
];

/** The README's table. */
export function configTable(docs: ConfigDoc[] = CONFIG_DOCS): string {
  return [
    "| key | type, default | meaning |",
    "|---|---|---|",
    ...docs.map((d) => `| \`${d.key}\` | ${d.type} | ${d.meaning} |`),
  ].join("\n");
}

// ---- Pulumi.yaml -------------------------------------------------------------------------

type Def = { type: string; innerType?: z.ZodType; out?: z.ZodType; shape?: Record<string, z.ZodType>; defaultValue?: unknown; format?: string; checks?: unknown[] };
const defOf = (s: z.ZodType) => (s as unknown as { _zod: { def: Def } })._zod.def;

/** The schema under optional/default/prefault/nullable/pipe, and the default met on the way. */
export function unwrapSchema(s: z.ZodType): { schema: z.ZodType; default?: unknown; optional: boolean } {
  let d: unknown;
  let optional = false;
  for (;;) {
    const def = defOf(s);
    if (def.type === "default" || def.type === "prefault") d ??= def.defaultValue;
    if (def.type === "optional") optional = true;
    if (def.innerType && ["optional", "default", "prefault", "nullable"].includes(def.type)) s = def.innerType;
    else if (def.type === "pipe" && def.out) s = def.out;
    else return { schema: s, default: d, optional };
  }
}

/** The object shape under a schema node, or undefined when it is not an object. */
export function shapeOfSchema(s: z.ZodType): Record<string, z.ZodType> | undefined {
  const def = defOf(unwrapSchema(s).schema);
  return def.type === "object" ? (def.shape as Record<string, z.ZodType>) : undefined;
}

/**
 * The top-level keys Pulumi.yaml declares. The engine treats a declared key without a default as
 * required in every stack (pulumi 3.274.1: "Stack 'local' is missing configuration values ..."),
 * so a key is declared only when every stack must set it (image, network) or when the schema's
 * default can be stated as a value. The others are listed in comments: a secret, a default that
 * depends on the stack, or "absent".
 */
export const DECLARED_IN_PULUMI_YAML = ["image", "replicas", "gateway", "network", "namespace", "stateVolume"];

const plain = (md: string) =>
  md.replace(/\[[^\]]+\]\(#([^)]*)\)/g, "see README #$1").replace(/\\\|/g, "|").replace(/`/g, "");

/** One top-level key in a sentence or a few: its own row, then one clause per row below it. */
function describeKey(key: string, docs: ConfigDoc[]): string {
  const own = docs.find((d) => d.key === key);
  const parts = own ? [`${plain(own.type)}: ${plain(own.meaning)}.`] : [];
  for (const d of docs.filter((r) => r.key.startsWith(`${key}.`))) {
    parts.push(`${d.key.slice(key.length + 1)} (${plain(d.type)}): ${plain(d.meaning)}.`);
  }
  return parts.join(" ");
}

function yamlType(s: z.ZodType): string | undefined {
  const def = defOf(unwrapSchema(s).schema);
  if (def.type === "string") return "string";
  if (def.type === "boolean") return "boolean";
  if (def.type === "number") {
    const formats = (def.checks ?? []).map((c) => defOf(c as z.ZodType).format);
    return formats.includes("safeint") ? "integer" : "number";
  }
  return undefined;
}

export const PULUMI_YAML_BEGIN = "# config:begin (generated by `npm run docs:config` from components/config/: the schema and CONFIG_DOCS; do not edit)";
export const PULUMI_YAML_END = "# config:end";

/** The `config:` block of Pulumi.yaml, markers included. */
export function pulumiYamlConfig(docs: ConfigDoc[] = CONFIG_DOCS): string {
  const shape = shapeOfSchema(configSchema as unknown as z.ZodType)!;
  const declared: Record<string, Record<string, unknown>> = {};
  const listed: string[] = [];
  for (const [key, node] of Object.entries(shape)) {
    const { default: d } = unwrapSchema(node);
    if (!DECLARED_IN_PULUMI_YAML.includes(key)) {
      listed.push(`#   ${key}: ${describeKey(key, docs)}`);
      continue;
    }
    const entry: Record<string, unknown> = {};
    const type = yamlType(node);
    if (type) entry.type = type;
    if (d !== undefined) entry.default = d;
    entry.description = describeKey(key, docs);
    declared[key] = entry;
  }
  return [
    PULUMI_YAML_BEGIN,
    "# Every key is validated by one zod schema (components/config/) before any resource is",
    "# registered. Declared keys carry the schema's own defaults, so the values hash is the same",
    "# whether a stack spells them out or not; a declared key without a default is required.",
    stringify({ config: declared }, { lineWidth: 0 }).trimEnd(),
    "# Optional keys, not declared: the engine would require a declared key without a default in",
    "# every stack, and these have none it could state (a secret, the stack name, or absent).",
    ...listed,
    PULUMI_YAML_END,
  ].join("\n");
}
