// The stack configuration's schema: every key, its type, default and the checks
// across keys. Every rule the policy pack also enforces comes from policy-pack/rules,
// so config validation and `pulumi preview` can never disagree.
import { z } from "zod";
import { checkImagePinned } from "../../policy-pack/rules/image";
import { checkHeadroom } from "../../policy-pack/rules/headroom";
import { knownBrokenRelease } from "../../policy-pack/rules/known-releases";
import { cidrProblem, dnsLabelProblem, dnsSubdomainProblem, exceptProblem, hostProblem, labelKeyProblem, labelValueProblem, releaseDateProblem } from "../../policy-pack/rules/kube-values";
import { cidrVoidsIsolation, parseCidr } from "../../policy-pack/rules/networkpolicy";
import { IMAGE } from "../../policy-pack/rules/names";
import { controllerAdmissionProblem, INGRESS_RESERVED_ANNOTATION_PREFIXES, trustedProxiesKubeletProblem, trustedProxiesProblem, type ControllerSource } from "../../policy-pack/rules/ingress";
import { caBundleProblem } from "../ingress-ca";
import { checkTagMatchesRelease, RELEASE_PATTERN } from "../../policy-pack/rules/release";
import { macConfigSchema, macReleaseIssues } from "../mac/config";
import { gatewayTokenProblem } from "../smoke/checks";
import { effectiveMemory, effectiveTrustedProxies } from "./derive";
import { cpuProblem, MEASURED_BOOT_PEAK, MEASURED_P95_WORKING_SET, MEASURED_SOURCE, memoryProblem, millicoresOf } from "./values";

export { DEFAULT_LIMIT_RATIO, MEASURED_BOOT_PEAK, MEASURED_P95_WORKING_SET, MEASURED_SOURCE } from "./values";

export const PROJECT = "openclaw-gateway-infra";

/** The token the local (render-only) stack uses. Rendered Secrets are plain text, so it must be fake. */
export const LOCAL_PLACEHOLDER_TOKEN = "local-render-placeholder-NOT-A-SECRET";

const RESERVED_LABEL_PREFIX = "app.kubernetes.io/";

/** A refine from a `...Problem` rule: the rule's words become the message. */
const rule = (problem: (v: string) => string | undefined) => (v: string, ctx: z.RefinementCtx) => {
  const p = problem(v);
  if (p) ctx.addIssue({ code: "custom", message: p });
};

const memory = () => z.string().superRefine(rule(memoryProblem));
const cpu = () => z.string().superRefine(rule(cpuProblem));

/** Free text that lands in annotations, labels or the ticket: no control characters, not blank. */
const text = (min: number, max: number, what: string) =>
  z.string().superRefine((v, ctx) => {
    if (v.trim().length < min) ctx.addIssue({ code: "custom", message: `must ${what} (at least ${min} non-blank characters)` });
    else if (v !== v.trim()) ctx.addIssue({ code: "custom", message: "has leading or trailing whitespace" });
    else if (v.length > max) ctx.addIssue({ code: "custom", message: `is ${v.length} characters; at most ${max}` });
  });

const cidr = z.string().superRefine(rule(cidrProblem));
/** A source CIDR for the NetworkPolicy: also never "everything" (that voids the isolation). */
const sourceCidr = z.string().superRefine(rule((v) => cidrProblem(v) ?? cidrVoidsIsolation(v)));

const labelMap = z.record(z.string().superRefine(rule(labelKeyProblem)), z.string().superRefine(rule(labelValueProblem)));

/** The stack's config arrives as text: a top-level "3" or "false" is a number or boolean here, anything else stays as given. */
const fromText = <T extends z.ZodType>(kind: "number" | "boolean", schema: T) =>
  z.preprocess((v) => {
    if (typeof v !== "string") return v;
    if (kind === "number" && /^-?[0-9]+(\.[0-9]+)?$/.test(v)) return Number(v);
    if (kind === "boolean" && (v === "true" || v === "false")) return v === "true";
    return v;
  }, schema);

const releaseSchema = (example: string) =>
  z.string().superRefine((v, ctx) => {
    if (!RELEASE_PATTERN.test(v)) ctx.addIssue({ code: "custom", message: `must be the OpenClaw release the image was built from, such as "${example}"` });
    else {
      const p = releaseDateProblem(v);
      if (p) ctx.addIssue({ code: "custom", message: `${p} (releases are dated YYYY.M.D, e.g. "${example}")` });
    }
  });

const imageSchema = z.strictObject({
  ref: z.string().superRefine((v, ctx) => {
    const check = checkImagePinned(v);
    if (!check.ok) ctx.addIssue({ code: "custom", message: check.reason });
  }),
  release: releaseSchema("2026.9.6"),
  buildId: text(1, 128, 'name the build, such as the upstream commit "eb377ac" or a CI run id'),
});

const resourcesSchema = z
  .strictObject({
    observed: z
      .strictObject({
        p95WorkingSet: memory().default(MEASURED_P95_WORKING_SET),
        bootPeak: memory().default(MEASURED_BOOT_PEAK),
        source: text(1, 300, "say where the figures come from").default(MEASURED_SOURCE),
      })
      .prefault({}),
    memoryRequest: memory().optional(),
    memoryLimit: memory().optional(),
    cpuRequest: cpu().default("500m"),
    cpuLimit: cpu().optional(),
    headroom: z
      .strictObject({
        minRatio: z.number().min(1, { message: "must be at least 1 (a limit below the working set is an OOM by design)" }).max(4, { message: "must be at most 4" }),
        maxRatio: z.number().min(1, { message: "must be at least 1 (a limit below the working set is an OOM by design)" }).max(4, { message: "must be at most 4" }),
        reason: text(20, 500, "explain in a sentence why this stack departs from the runbook's 1.25–1.40"),
      })
      .optional(),
  })
  .prefault({});

const gatewaySchema = z
  .strictObject({
    port: z.number().int().min(1024, { message: "must be 1024–65535: the image runs as uid 1000 and cannot bind privileged ports" }).max(65535).default(IMAGE.defaultPort),
    bind: z.enum(["lan", "loopback"], { message: 'must be "lan" (a Service reaches the pod IP) or "loopback" (only without a Service)' }).default("lan"),
    auth: z.literal("token", { message: 'must be "token": off loopback the gateway refuses to start without auth' }).default("token"),
    coldStartSeconds: z.number().int().min(1).max(600).default(45),
    /**
     * The gateway's own `gateway.trustedProxies`: addresses (IP or CIDR) of the reverse proxies whose
     * X-Forwarded-For it believes. Behind an Ingress the controller must be in it; with a controller
     * given by CIDR it defaults to that CIDR (effectiveTrustedProxies).
     */
    trustedProxies: z
      .array(
        z.string().superRefine(
          rule((v) => (parseCidr(v) === undefined ? "must be an IP address or a CIDR, such as 10.231.0.1 or 10.244.0.0/16" : cidrVoidsIsolation(v)?.replace(/: admitting it voids.*$/, ": trusting every address lets any client forge its X-Forwarded-For; list the ingress controller's addresses"))),
        ),
      )
      .min(1, { message: "must list at least one address, or be left out" })
      .optional(),
  })
  .prefault({});

const ingressSource = z.union(
  [
    z.strictObject({ cidr: sourceCidr, except: z.array(cidr).optional() }),
    z.strictObject({ namespaceSelector: labelMap, podSelector: labelMap.optional() }),
    z.strictObject({ podSelector: labelMap }),
  ],
  { message: 'must be {cidr: "10.1.0.0/16"}, {namespaceSelector: {...}, podSelector?: {...}} or {podSelector: {...}}' },
);

const networkSchema = z.strictObject({
  ingressSources: z.array(ingressSource).min(1, { message: "must list at least one source of real traffic (an ingress controller namespace or a CIDR)" }),
  kubeletCidrs: z.array(sourceCidr).min(1, { message: "must list the node CIDRs the kubelet's probes come from; without them a NetworkPolicy drops probes (runbook §2, §6)" }),
  egress: z
    .strictObject({
      dns: z.boolean().default(true),
      httpsCidrs: z.array(cidr).default([]),
    })
    .prefault({}),
});

/**
 * The Ingress in front of the gateway Service. A networking.k8s.io/v1 Ingress, not a
 * Gateway API HTTPRoute: every controller platform teams run (ingress-nginx, Traefik,
 * HAProxy, the cloud load balancers) serves Ingress, cert-manager issues its
 * certificate from one annotation, and it needs no CRDs; an HTTPRoute needs the
 * Gateway API CRDs and a Gateway whose listener (and certificate) another team owns.
 */
const hostName = z.string().superRefine(
  rule((v) => {
    if (v.startsWith("*.")) return "is a wildcard; name each host the gateway answers on (the certificate check needs the exact name)";
    const p = dnsSubdomainProblem(v);
    return p ? `${p} (a host name such as gateway.example.com)` : undefined;
  }),
);
const secretName = z.string().superRefine(rule((v) => dnsSubdomainProblem(v)));
const ingressTlsSchema = z.union(
  [
    z.strictObject({ secretName }),
    z.strictObject({
      issuer: z.strictObject({ kind: z.enum(["ClusterIssuer", "Issuer"]).default("ClusterIssuer"), name: secretName }),
      secretName: secretName.optional(),
    }),
  ],
  {
    message:
      'is required, there is no plain-HTTP Ingress (the gateway token travels in the Authorization header): {secretName: "<an existing kubernetes.io/tls Secret>"} or {issuer: {kind: "ClusterIssuer" | "Issuer", name}, secretName?} (cert-manager)',
  },
);
const controllerSourceSchema = z.union(
  [
    z.strictObject({ cidr: sourceCidr }),
    z.strictObject({ namespace: z.string().superRefine(rule(dnsLabelProblem)), namespaceLabels: labelMap.optional(), podLabels: labelMap.optional() }),
  ],
  { message: `must say where the controller's traffic comes from: {namespace: "ingress-nginx", podLabels?: {...}, namespaceLabels?: {...}} (the labels it carries), or {cidr: "10.0.0.5/32"} for a controller on the host network` },
);
const ingressSchema = z.strictObject({
  className: z.string().superRefine(rule(dnsSubdomainProblem)),
  hosts: z.array(hostName).min(1, { message: "must list at least one host name" }),
  /** TLS is required: the gateway token travels in the Authorization header. */
  tls: ingressTlsSchema,
  annotations: z.record(z.string().superRefine(rule(labelKeyProblem)), z.string().superRefine(rule((v) => (v.length > 4096 ? `is ${v.length} characters; at most 4096` : undefined)))).default({}),
  controller: controllerSourceSchema,
  /** The third smoke path: https://<host> through the controller, TLS verified against caBundle. */
  smoke: z.strictObject({
    address: z.string().superRefine(rule((v) => (isIpAddress(v) ? undefined : "must be the IP address the controller listens on (the smoke path connects there and sends the host name as SNI and Host; no DNS is asked)"))),
    port: z.number().int().min(1).max(65535).default(443),
    caBundle: z.string().superRefine(rule(caBundleProblem)),
  }),
});

const stateVolumeSchema = z.discriminatedUnion(
  "type",
  [
    z.strictObject({ type: z.literal("emptyDir"), sizeLimit: memory().default("1Gi") }),
    z.strictObject({
      type: z.literal("pvc"),
      size: memory(),
      storageClass: z.string().superRefine(rule((v) => dnsSubdomainProblem(v))).optional(),
      accessMode: z.enum(["ReadWriteOnce", "ReadWriteMany"]).default("ReadWriteOnce"),
    }),
  ],
  { message: 'must be {type: "emptyDir", sizeLimit?} or {type: "pvc", size, storageClass?, accessMode?}' },
);

const rollbackSchema = z.strictObject({
  image: z.string().superRefine((v, ctx) => {
    const check = checkImagePinned(v);
    if (!check.ok) ctx.addIssue({ code: "custom", message: check.reason });
  }),
  release: releaseSchema("2026.9.5"),
});

export const configSchema = z
  .strictObject({
    environment: z.string().superRefine(rule((v) => (dnsLabelProblem(v) ? `${dnsLabelProblem(v)} (e.g. staging or prod)` : undefined))),
    image: imageSchema,
    replicas: fromText("number", z.number().int().min(1).max(50)).default(1),
    resources: resourcesSchema,
    gateway: gatewaySchema,
    gatewayToken: z.string().superRefine(rule(gatewayTokenProblem)).optional(),
    network: networkSchema,
    namespace: z.string().superRefine(rule((v) => (dnsLabelProblem(v) ? `${dnsLabelProblem(v)} (e.g. openclaw)` : undefined))).default("openclaw"),
    createNamespace: fromText("boolean", z.boolean()).default(true),
    labels: labelMap.default({}),
    stateVolume: stateVolumeSchema.prefault({ type: "emptyDir" }),
    service: z.strictObject({ enabled: z.boolean().default(true) }).prefault({}),
    ingress: ingressSchema.optional(),
    rollback: rollbackSchema.optional(),
    render: z.strictObject({ directory: text(1, 200, "name a directory") }).optional(),
    cluster: z.strictObject({ context: text(1, 253, "name a kubeconfig context").optional(), kubeconfig: z.string().min(1).optional() }).optional(),
    /** The bare-metal contrast node (components/mac): same release under launchd over SSH. */
    mac: macConfigSchema.optional(),
  })
  .superRefine((c, ctx) => {
    const add = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });
    const tagProblem = checkTagMatchesRelease(c.image.ref, c.image.release);
    if (tagProblem) add(["image", "release"], `does not match image.ref: ${tagProblem}`);

    // The request and limit the Deployment will carry, given or derived: checked exactly as the
    // pack checks the rendered ones, so config and preview never disagree.
    const h = c.resources.headroom;
    if (h && h.minRatio > h.maxRatio) add(["resources", "headroom", "minRatio"], `${h.minRatio} is above maxRatio ${h.maxRatio}; minRatio ≤ maxRatio`);
    const mem = effectiveMemory(c.resources);
    if (mem && !(h && h.minRatio > h.maxRatio)) {
      const verdict = checkHeadroom({ p95Bytes: mem.p95Bytes, bootPeakBytes: mem.bootPeakBytes, requestBytes: mem.requestBytes, limitBytes: mem.limitBytes, minRatio: mem.minRatio, maxRatio: mem.maxRatio });
      for (const key of ["memoryRequest", "memoryLimit"] as const) {
        const bytes = key === "memoryRequest" ? mem.requestBytes : mem.limitBytes;
        const p = memoryProblem(String(bytes));
        if (p && c.resources[key] === undefined) add(["resources", key], `derived from resources.observed: ${p}; the observed figures are not plausible`);
      }
      for (const problem of verdict.problems) {
        const exceeds = problem.includes("exceeds limits.memory");
        const isRequest = problem.startsWith("requests.memory") && (!exceeds || c.resources.memoryLimit === undefined);
        const key = isRequest ? "memoryRequest" : "memoryLimit";
        const derived = c.resources[key] === undefined ? ` (derived: resources.${key} is not set; set it)` : "";
        const hint = h || isRequest ? "" : " (or set resources.headroom {minRatio, maxRatio, reason} for this stack)";
        add(["resources", key], `${problem}${derived}${hint}`);
      }
    }
    if (c.resources.cpuLimit !== undefined && !cpuProblem(c.resources.cpuLimit) && !cpuProblem(c.resources.cpuRequest) && millicoresOf(c.resources.cpuLimit) < millicoresOf(c.resources.cpuRequest)) {
      add(["resources", "cpuLimit"], `${c.resources.cpuLimit} is below resources.cpuRequest ${c.resources.cpuRequest}`);
    }

    const shape = { auth: c.gateway.auth, bind: c.gateway.bind };
    const broken = knownBrokenRelease(c.image.release, shape);
    if (broken) add(["image", "release"], `${broken.release} is known to be broken with auth=${shape.auth}, bind=${shape.bind}: ${broken.reason}; ship ${broken.use}`);

    for (const [i, source] of c.network.ingressSources.entries()) {
      if (!("cidr" in source)) continue;
      for (const [j, ex] of (source.except ?? []).entries()) {
        const p = exceptProblem(source.cidr, ex);
        if (p && !cidrProblem(ex)) add(["network", "ingressSources", i, "except", j], p);
      }
    }

    if (c.gateway.bind === "loopback" && c.service.enabled) {
      add(["gateway", "bind"], '"loopback" with a Service: Service traffic arrives on the pod IP and is refused; use "lan", or set service.enabled false (same-pod sidecars only)');
    }

    if (c.ingress) {
      const ing = c.ingress;
      if (!c.service.enabled) add(["ingress"], "needs the gateway Service (service.enabled true): the Ingress routes to it by port name");
      const seen = new Set<string>();
      for (const [i, h] of ing.hosts.entries()) {
        if (seen.has(h)) add(["ingress", "hosts", i], `"${h}" is listed twice`);
        seen.add(h);
      }
      for (const key of Object.keys(ing.annotations)) {
        const reserved = INGRESS_RESERVED_ANNOTATION_PREFIXES.find((p) => key.startsWith(p));
        if (reserved) add(["ingress", "annotations", key], `is set by the program (${reserved}*: the controller source, and the certificate issuer from ingress.tls.issuer); remove it`);
      }
      // The runbook's "traffic blackout": a controller the NetworkPolicy does not admit.
      const admission = controllerAdmissionProblem(c.network.ingressSources, ing.controller as ControllerSource, c.namespace);
      if (admission) add(["network", "ingressSources"], `${admission}; add the ingress controller's source (ingress.controller) to network.ingressSources`);
      // The gateway itself refuses forwarded requests from proxies it does not trust (403).
      const trust = trustedProxiesProblem(effectiveTrustedProxies(c), ing.controller as ControllerSource);
      if (trust) add(["gateway", "trustedProxies"], trust);
    }

    const trusted = effectiveTrustedProxies(c);
    const kubeletClash = trusted && trustedProxiesKubeletProblem(trusted, c.network.kubeletCidrs);
    if (kubeletClash) add(["gateway", "trustedProxies"], `${c.gateway.trustedProxies ? "" : "(from ingress.controller.cidr) "}${kubeletClash} (network.kubeletCidrs)`);

    if (c.stateVolume.type === "pvc" && c.stateVolume.accessMode === "ReadWriteOnce" && c.replicas > 1) {
      add(["replicas"], `${c.replicas} pods cannot share one ReadWriteOnce state volume; use replicas 1, stateVolume.accessMode "ReadWriteMany", or stateVolume.type "emptyDir"`);
    }

    for (const key of Object.keys(c.labels)) {
      if (key.startsWith(RESERVED_LABEL_PREFIX)) {
        add(["labels", key], `is reserved: the component sets ${RESERVED_LABEL_PREFIX}* labels itself and derives the selector from them`);
      }
    }

    if (c.rollback) {
      // Compared by digest: the same content under another spelling (tag, registry case) is the same image.
      const current = checkImagePinned(c.image.ref);
      const previous = checkImagePinned(c.rollback.image);
      if (current.ok && previous.ok && current.ref.digest === previous.ref.digest) {
        add(["rollback", "image"], `has the digest of the image being deployed (${current.ref.digest}); name the previous pinned image so the ticket has a rollback target`);
      }
      const rollbackTag = checkTagMatchesRelease(c.rollback.image, c.rollback.release);
      if (rollbackTag) add(["rollback", "release"], `does not match rollback.image: ${rollbackTag.replace(/image\.release/g, "rollback.release")}`);
      const brokenTarget = knownBrokenRelease(c.rollback.release, shape);
      if (brokenTarget) {
        add(["rollback", "release"], `${brokenTarget.release} is known to be broken with auth=${shape.auth}, bind=${shape.bind}: ${brokenTarget.reason}; roll back to ${brokenTarget.use} instead`);
      }
    }

    if (c.mac) {
      // A host name or address only: the host goes into known_hosts and onto ssh's command line.
      const host = hostProblem(c.mac.ssh.host);
      if (host) add(["mac", "ssh", "host"], `${host}; set the Mac's DNS name or IP address, e.g. "mac-mini.example.internal"`);
      for (const issue of macReleaseIssues(c.mac, c.image)) add(issue.path, issue.message);
    }

    if (c.render) {
      if (c.cluster) add(["render"], "and cluster are both set; a stack either renders manifests (local) or applies them to a cluster");
      if (c.gatewayToken !== undefined && c.gatewayToken !== LOCAL_PLACEHOLDER_TOKEN) {
        add(["gatewayToken"], "is set on a render-only stack; rendered Secrets are written in plain text, so a rendering stack uses the built-in placeholder token. Remove gatewayToken from this stack");
      }
    } else if (c.gatewayToken === undefined) {
      add(["gatewayToken"], "is missing; set it with `pulumi config set --secret gatewayToken \"$(openssl rand -hex 32)\"`");
    } else if (c.gatewayToken === LOCAL_PLACEHOLDER_TOKEN) {
      add(["gatewayToken"], "is the public placeholder of the render-only stack; this stack applies to a cluster: set a real one with `pulumi config set --secret gatewayToken \"$(openssl rand -hex 32)\"`");
    }
  });

export type StackConfig = z.output<typeof configSchema>;

function isIpAddress(v: string): boolean {
  // An address is a CIDR without a prefix: /32 or /128 makes it one.
  return !v.includes("/") && (cidrProblem(`${v}/32`) === undefined || cidrProblem(`${v}/128`) === undefined);
}
