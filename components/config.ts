// The stack configuration: one zod schema, parsed once in index.ts. Every rule
// that the policy pack also enforces comes from policy-pack/rules, so config
// validation and `pulumi preview` can never disagree.
import { z } from "zod";
import { checkImagePinned, type ImageRef } from "../policy-pack/rules/image";
import { checkHeadroom, DEFAULT_MAX_RATIO, DEFAULT_MIN_RATIO, heapCapMiB } from "../policy-pack/rules/headroom";
import { isValidCidr } from "../policy-pack/rules/networkpolicy";
import { formatMiB, parseCpu, parseMemory } from "../policy-pack/rules/quantity";
import { checkTagMatchesRelease, RELEASE_PATTERN } from "../policy-pack/rules/release";
import { macConfigSchema, macReleaseIssues } from "./mac/config";

export const PROJECT = "openclaw-gateway-infra";

/**
 * Measured on the real gateway with `npm run bench:memory -- --seconds 30`: PSS of
 * the process tree (main process + workers) while 4 concurrent sessions_list
 * tool calls ran; idle it sits at 0.91–0.97 GB (FACTS.md §1).
 */
export const MEASURED_P95_WORKING_SET = "1013Mi";
/** Boot peak (spawn → /readyz 200) from the same run. */
export const MEASURED_BOOT_PEAK = "874Mi";
export const MEASURED_SOURCE = "npm run bench:memory: openclaw 2026.9.6, PSS of the process tree, 4 concurrent sessions_list calls, 2 cores";
/** The ratio applied when the stack does not choose one: the middle of runbook §5's 1.25–1.40. */
export const DEFAULT_LIMIT_RATIO = 1.3;
/** The token the local (render-only) stack uses. Rendered Secrets are plain text, so it must be fake. */
export const LOCAL_PLACEHOLDER_TOKEN = "local-render-placeholder-NOT-A-SECRET";

const LABEL_KEY = /^(?:[a-z0-9]([-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(?:[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

const RESERVED_LABEL_PREFIX = "app.kubernetes.io/";

const memory = (what: string) =>
  z.string().refine((v) => parseMemory(v) !== undefined && parseMemory(v)! > 0, {
    message: `${what} must be a Kubernetes memory quantity such as "925Mi" or "1Gi"`,
  });
const cpu = (what: string) =>
  z.string().refine((v) => parseCpu(v) !== undefined && parseCpu(v)! > 0, {
    message: `${what} must be a Kubernetes CPU quantity such as "500m" or "1"`,
  });

export const cidr = z.string().refine(isCidr, { message: 'must be an IPv4 or IPv6 CIDR such as "10.0.0.0/16"' });

const labelMap = z.record(
  z.string().regex(LABEL_KEY, { message: "must be a Kubernetes label key such as team or example.com/team" }),
  z.string().regex(LABEL_VALUE, { message: "must be a Kubernetes label value: 63 characters of [A-Za-z0-9-_.], alphanumeric at both ends" }),
);

const imageSchema = z.strictObject({
  ref: z.string().superRefine((v, ctx) => {
    const check = checkImagePinned(v);
    if (!check.ok) ctx.addIssue({ code: "custom", message: check.reason });
  }),
  release: z.string().regex(RELEASE_PATTERN, { message: 'must be the OpenClaw release the image was built from, such as "2026.9.6"' }),
  buildId: z.string().min(1, { message: 'must name the build, such as the upstream commit "eb377ac" or a CI run id' }),
});

const resourcesSchema = z
  .strictObject({
    observed: z
      .strictObject({
        p95WorkingSet: memory("resources.observed.p95WorkingSet").default(MEASURED_P95_WORKING_SET),
        bootPeak: memory("resources.observed.bootPeak").default(MEASURED_BOOT_PEAK),
        source: z.string().min(1).default(MEASURED_SOURCE),
      })
      .default({ p95WorkingSet: MEASURED_P95_WORKING_SET, bootPeak: MEASURED_BOOT_PEAK, source: MEASURED_SOURCE }),
    memoryRequest: memory("resources.memoryRequest").optional(),
    memoryLimit: memory("resources.memoryLimit").optional(),
    cpuRequest: cpu("resources.cpuRequest").default("500m"),
    cpuLimit: cpu("resources.cpuLimit").optional(),
    headroom: z
      .strictObject({
        minRatio: z.number().min(1, { message: "must be at least 1 (a limit below the working set is an OOM by design)" }),
        maxRatio: z.number().max(4, { message: "must be at most 4" }),
        reason: z.string().min(20, { message: "must explain in a sentence why this stack departs from the runbook's 1.25–1.40" }),
      })
      .optional(),
  })
  .default({ observed: { p95WorkingSet: MEASURED_P95_WORKING_SET, bootPeak: MEASURED_BOOT_PEAK, source: MEASURED_SOURCE }, cpuRequest: "500m" });

const gatewaySchema = z
  .strictObject({
    port: z.number().int().min(1024, { message: "must be 1024–65535: the image runs as uid 1000 and cannot bind privileged ports" }).max(65535).default(18789),
    bind: z.enum(["lan", "loopback"], { message: 'must be "lan" (a Service reaches the pod IP) or "loopback" (only without a Service)' }).default("lan"),
    auth: z.literal("token", { message: 'must be "token": off loopback the gateway refuses to start without auth' }).default("token"),
    coldStartSeconds: z.number().int().min(1).max(600).default(45),
  })
  .default({ port: 18789, bind: "lan", auth: "token", coldStartSeconds: 45 });

const ingressSource = z.union(
  [
    z.strictObject({ cidr, except: z.array(cidr).optional() }),
    z.strictObject({ namespaceSelector: labelMap, podSelector: labelMap.optional() }),
    z.strictObject({ podSelector: labelMap }),
  ],
  { message: 'must be {cidr: "10.1.0.0/16"}, {namespaceSelector: {...}, podSelector?: {...}} or {podSelector: {...}}' },
);

const networkSchema = z.strictObject({
  ingressSources: z.array(ingressSource).min(1, { message: "must list at least one source of real traffic (an ingress controller namespace or a CIDR)" }),
  kubeletCidrs: z.array(cidr).min(1, { message: "must list the node CIDRs the kubelet's probes come from; without them a NetworkPolicy drops probes (runbook §2, §6)" }),
  egress: z
    .strictObject({
      dns: z.boolean().default(true),
      httpsCidrs: z.array(cidr).default([]),
    })
    .default({ dns: true, httpsCidrs: [] }),
});

const stateVolumeSchema = z.discriminatedUnion(
  "type",
  [
    z.strictObject({ type: z.literal("emptyDir"), sizeLimit: memory("stateVolume.sizeLimit").default("1Gi") }),
    z.strictObject({
      type: z.literal("pvc"),
      size: memory("stateVolume.size"),
      storageClass: z.string().min(1).optional(),
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
  release: z.string().regex(RELEASE_PATTERN, { message: 'must be the release of the previous image, such as "2026.8.1"' }),
});

export const configSchema = z
  .strictObject({
    environment: z.string().regex(DNS_LABEL, { message: "must be a DNS label such as staging or prod" }),
    image: imageSchema,
    replicas: z.number().int().min(1).max(50).default(1),
    resources: resourcesSchema,
    gateway: gatewaySchema,
    gatewayToken: z.string().min(32, { message: "must be at least 32 characters; generate one with `openssl rand -hex 32`" }).optional(),
    network: networkSchema,
    namespace: z.string().regex(DNS_LABEL, { message: "must be a DNS label such as openclaw" }).default("openclaw"),
    createNamespace: z.boolean().default(true),
    labels: labelMap.default({}),
    stateVolume: stateVolumeSchema.default({ type: "emptyDir", sizeLimit: "1Gi" }),
    service: z.strictObject({ enabled: z.boolean().default(true) }).default({ enabled: true }),
    rollback: rollbackSchema.optional(),
    render: z.strictObject({ directory: z.string().min(1) }).optional(),
    cluster: z.strictObject({ context: z.string().min(1).optional(), kubeconfig: z.string().min(1).optional() }).optional(),
    /** The bare-metal contrast node (components/mac): same release under launchd over SSH. */
    mac: macConfigSchema.optional(),
  })
  .superRefine((c, ctx) => {
    const add = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });
    const tagProblem = checkTagMatchesRelease(c.image.ref, c.image.release);
    if (tagProblem) add(["image", "release"], `does not match image.ref: ${tagProblem}`);

    const p95 = parseMemory(c.resources.observed.p95WorkingSet)!;
    const boot = parseMemory(c.resources.observed.bootPeak)!;
    const request = c.resources.memoryRequest === undefined ? undefined : parseMemory(c.resources.memoryRequest);
    const limit = c.resources.memoryLimit === undefined ? undefined : parseMemory(c.resources.memoryLimit);
    if (p95 !== undefined && boot !== undefined && request !== undefined && limit !== undefined) {
      const h = c.resources.headroom;
      if (h && h.minRatio > h.maxRatio) add(["resources", "headroom", "minRatio"], `${h.minRatio} is above maxRatio ${h.maxRatio}`);
      const verdict = checkHeadroom({ p95Bytes: p95, bootPeakBytes: boot, requestBytes: request, limitBytes: limit, minRatio: h?.minRatio, maxRatio: h?.maxRatio });
      for (const problem of verdict.problems) {
        const isRequest = problem.startsWith("requests.memory");
        const hint = h || isRequest ? "" : " (or set resources.headroom {minRatio, maxRatio, reason} for this stack)";
        add(["resources", isRequest ? "memoryRequest" : "memoryLimit"], `${problem}${hint}`);
      }
    }
    if (c.resources.cpuLimit !== undefined && parseCpu(c.resources.cpuLimit)! < parseCpu(c.resources.cpuRequest)!) {
      add(["resources", "cpuLimit"], `${c.resources.cpuLimit} is below resources.cpuRequest ${c.resources.cpuRequest}`);
    }

    if (c.gateway.bind === "loopback" && c.service.enabled) {
      add(["gateway", "bind"], '"loopback" with a Service: Service traffic arrives on the pod IP and is refused; use "lan", or set service.enabled false (same-pod sidecars only)');
    }

    if (c.stateVolume.type === "pvc" && c.stateVolume.accessMode === "ReadWriteOnce" && c.replicas > 1) {
      add(["replicas"], `${c.replicas} pods cannot share one ReadWriteOnce state volume; use replicas 1, stateVolume.accessMode "ReadWriteMany", or stateVolume.type "emptyDir"`);
    }

    for (const key of Object.keys(c.labels)) {
      if (key.startsWith(RESERVED_LABEL_PREFIX)) {
        add(["labels", key], `is reserved: the component sets ${RESERVED_LABEL_PREFIX}* labels itself and derives the selector from them`);
      }
    }

    if (c.rollback && c.rollback.image === c.image.ref) {
      add(["rollback", "image"], "is the image being deployed; name the previous pinned image so the ticket has a rollback target");
    }

    if (c.mac) {
      for (const issue of macReleaseIssues(c.mac, c.image)) add(issue.path, issue.message);
    }

    if (c.render) {
      if (c.cluster) add(["render"], "and cluster are both set; a stack either renders manifests (local) or applies them to a cluster");
      if (c.gatewayToken !== undefined && c.gatewayToken !== LOCAL_PLACEHOLDER_TOKEN) {
        add(["gatewayToken"], "is set on a render-only stack; rendered Secrets are written in plain text, so a rendering stack uses the built-in placeholder token. Remove gatewayToken from this stack");
      }
    } else if (c.gatewayToken === undefined) {
      add(["gatewayToken"], "is missing; set it with `pulumi config set --secret gatewayToken \"$(openssl rand -hex 32)\"`");
    }
  });

export type StackConfig = z.output<typeof configSchema>;

/** Everything the components need, derived once from the parsed config. */
export interface GatewaySettings {
  config: StackConfig;
  image: ImageRef;
  memory: { requestBytes: number; limitBytes: number; p95Bytes: number; bootPeakBytes: number; ratio: number; minRatio: number; maxRatio: number; heapCapMiB: number };
  /** The startupProbe; its grace is failureThreshold × periodSeconds. */
  startup: { periodSeconds: number; failureThreshold: number };
  renderOnly: boolean;
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Config paths that hold secrets: their values never appear in error messages, hashes or outputs. */
// mac.gateway.settings is free-form gateway config (channel and provider credentials go there).
export const SECRET_PATHS = ["gatewayToken", "mac.ssh.privateKey", "mac.gateway.token", "mac.gateway.settings"] as const;

export function isSecretPath(path: readonly (string | number)[]): boolean {
  const dotted = path.map(String).join(".");
  return SECRET_PATHS.some((p) => dotted === p || dotted.startsWith(`${p}.`) || p.startsWith(`${dotted}.`));
}

/** A copy of the config without any secret value (for hashes and outputs). */
export function withoutSecrets<T>(config: T): T {
  const strip = (v: unknown, path: string[]): unknown => {
    if ((SECRET_PATHS as readonly string[]).includes(path.join("."))) return undefined;
    if (Array.isArray(v)) return v.map((x, i) => strip(x, [...path, String(i)]));
    if (v !== null && typeof v === "object") {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, strip(x, [...path, k])]).filter(([, x]) => x !== undefined));
    }
    return v;
  };
  return strip(config, []) as T;
}

/**
 * Parses raw stack config (keys without the project prefix) and derives every
 * setting. Throws one ConfigError that lists every problem at once.
 * `secretKeys` are the keys Pulumi holds as secrets; a token stored in plain
 * text is rejected.
 */
export function parseStackConfig(raw: Record<string, unknown>, secretKeys: ReadonlySet<string> = new Set()): GatewaySettings {
  const problems: string[] = [];
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) problems.push(describeIssue(issue, raw));
  }
  if (raw.gatewayToken !== undefined && !secretKeys.has("gatewayToken")) {
    problems.push(`${PROJECT}:gatewayToken is stored in plain text; store it as a secret: \`pulumi config set --secret gatewayToken <token>\``);
  }
  const mac = raw.mac as { ssh?: { privateKey?: unknown }; gateway?: { token?: unknown } } | undefined;
  if ((mac?.ssh?.privateKey !== undefined || mac?.gateway?.token !== undefined) && !secretKeys.has("mac")) {
    problems.push(`${PROJECT}:mac holds a private key or token in plain text; store them as secrets: \`pulumi config set --secret --path mac.ssh.privateKey < key\``);
  }
  if (!result.success || problems.length > 0) throw new ConfigError(problems);
  return derive(result.data);
}

function derive(config: StackConfig): GatewaySettings {
  const image = (checkImagePinned(config.image.ref) as { ok: true; ref: ImageRef }).ref;
  const p95Bytes = parseMemory(config.resources.observed.p95WorkingSet)!;
  const bootPeakBytes = parseMemory(config.resources.observed.bootPeak)!;
  const base = Math.max(p95Bytes, bootPeakBytes);
  const minRatio = config.resources.headroom?.minRatio ?? DEFAULT_MIN_RATIO;
  const maxRatio = config.resources.headroom?.maxRatio ?? DEFAULT_MAX_RATIO;
  const MIB = 2 ** 20;
  // Defaults are derived from the observed figures, rounded up to whole MiB.
  const limitBytes = config.resources.memoryLimit !== undefined
    ? parseMemory(config.resources.memoryLimit)!
    : Math.ceil((base * Math.min(Math.max(DEFAULT_LIMIT_RATIO, minRatio), maxRatio)) / MIB) * MIB;
  const requestBytes = config.resources.memoryRequest !== undefined ? parseMemory(config.resources.memoryRequest)! : Math.ceil(p95Bytes / MIB) * MIB;
  // runbook §5: gateways with >30 s cold start get a startupProbe of at least 60 s.
  const periodSeconds = 5;
  const graceSeconds = Math.max(60, Math.ceil(config.gateway.coldStartSeconds * 1.5));
  return {
    config: {
      ...config,
      resources: { ...config.resources, memoryRequest: formatMiB(requestBytes), memoryLimit: formatMiB(limitBytes) },
    },
    image,
    memory: { requestBytes, limitBytes, p95Bytes, bootPeakBytes, ratio: limitBytes / base, minRatio, maxRatio, heapCapMiB: heapCapMiB(limitBytes) },
    startup: { periodSeconds, failureThreshold: Math.ceil(graceSeconds / periodSeconds) },
    renderOnly: config.render !== undefined,
  };
}

function describeIssue(issue: z.core.$ZodIssue, raw: Record<string, unknown>): string {
  const path = issue.path.map(String);
  const key = `${PROJECT}:${path.join(".")}`;
  let message = issue.message;
  if (issue.code === "unrecognized_keys") {
    const known = knownKeys(path);
    const where = path.length ? `${key}: unknown` : `${PROJECT}: unknown config`;
    return `${where} key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}${known.length ? `; known keys here: ${known.join(", ")}` : ""}`;
  }
  if (issue.code === "invalid_type" && valueAt(raw, path) === undefined) return `${key} is required`;
  if (issue.code === "invalid_type") message = `must be ${issue.expected === "int" ? "an integer" : `a ${issue.expected}`}`;
  // A bad record key: zod nests the key's own issue.
  if (issue.code === "invalid_key" && issue.issues[0]) message = `the key ${issue.issues[0].message}`;
  const given = isSecretPath(path) ? "(secret, not shown)" : show(valueAt(raw, path));
  return `${key} = ${given}: ${message}`;
}

function valueAt(raw: unknown, path: string[]): unknown {
  let v = raw;
  for (const p of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[p];
  }
  return v;
}

function show(v: unknown): string {
  if (v === undefined) return "(not set)";
  const s = JSON.stringify(v);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

function knownKeys(path: string[]): string[] {
  let schema: z.ZodType = configSchema;
  for (const p of path) {
    schema = unwrap(schema);
    if (schema instanceof z.ZodObject) schema = (schema.shape as Record<string, z.ZodType>)[p];
    else return [];
    if (!schema) return [];
  }
  schema = unwrap(schema);
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s: z.ZodType = schema;
  for (;;) {
    if (s instanceof z.ZodDefault || s instanceof z.ZodOptional) s = s.unwrap() as z.ZodType;
    else if (s instanceof z.ZodPipe) s = s.in as z.ZodType;
    else return s;
  }
}

/** A CIDR with an explicit prefix, as NetworkPolicy ipBlock requires (a bare address is refused by the API). */
export function isCidr(v: string): boolean {
  return v.includes("/") && isValidCidr(v);
}
