// The change ticket: the evidence runbook §4.1 and §5 ask for, as one
// structured record (a stack output) and as Markdown for the ticket itself.
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { withoutSecrets, type GatewaySettings } from "./config";
import { GATEWAY } from "../policy-pack/rules/names";
import type { GatewayManifests } from "./manifests";

const { appName: APP_NAME, portName: PORT_NAME } = GATEWAY;
import { formatMiB } from "../policy-pack/rules/quantity";

/** A plugin the engine ran: the version it is registered (and resolved) as, and what it was built from. */
interface PluginOrigin {
  plugin: string;
  registeredAs: string;
  builtFrom: string;
}

export interface ProgramInfo {
  name: string;
  version: string;
  commit: string;
  /** True when the working tree had uncommitted changes at deploy time. */
  dirty: boolean;
  /**
   * Engine plugins as built by scripts/setup/bootstrap-pulumi.sh (its toolchain.json). `pulumi
   * plugin ls` shows registered versions only; the kubernetes provider, for one, is a
   * 2026-01-15 pseudo-version registered as 4.34.2. Empty under another Pulumi CLI.
   */
  plugins?: PluginOrigin[];
}

/** What the bootstrapped toolchain the engine runs on was built from; [] without one. */
function pluginOrigins(toolchainDir: string | undefined): PluginOrigin[] {
  if (!toolchainDir) return [];
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    type Built = { registeredAs: string; builtFrom: string };
    const t = JSON.parse(require("node:fs").readFileSync(`${toolchainDir}/toolchain.json`, "utf8")) as {
      languageHost: { pkgAndSdk: string; builtFrom: string };
      commandProvider: Built;
      kubernetesProvider: Built;
    };
    return [
      { plugin: "language nodejs", registeredAs: `on PATH (-version ${t.languageHost.pkgAndSdk})`, builtFrom: t.languageHost.builtFrom },
      { plugin: "resource command", registeredAs: t.commandProvider.registeredAs, builtFrom: t.commandProvider.builtFrom },
      { plugin: "resource kubernetes", registeredAs: t.kubernetesProvider.registeredAs, builtFrom: t.kubernetesProvider.builtFrom },
    ];
  } catch {
    return [];
  }
}

export interface ChangeTicket {
  environment: string;
  stack: string;
  image: { ref: string; repo: string; tag: string | null; digest: string; release: string; buildId: string };
  program: ProgramInfo;
  valuesHash: string;
  resources: {
    observed: { p95WorkingSet: string; bootPeak: string; source: string };
    requests: { memory: string; cpu: string };
    limits: { memory: string; cpu: string | null };
    headroomRatio: number;
    headroomPolicy: { minRatio: number; maxRatio: number; reason: string | null };
    nodeHeapCapMiB: number;
  };
  replicas: number;
  rolloutStrategy: string;
  network: {
    bind: string;
    port: number;
    containerPort: { name: string; number: number };
    serviceTargetPort: string | null;
    probes: { startup: string; readiness: string; liveness: string };
    startupGraceSeconds: number;
    /** Each smoke path's time budget (GatewaySettings.smokeBudgetSeconds). */
    smokeBudgetSeconds: number;
    ingressSources: unknown[];
    kubeletCidrs: string[];
    egress: { dns: boolean; httpsCidrs: string[] };
  };
  endpoints: { namespace: string; deployment: string; service: string | null; serviceUrl: string | null };
  /**
   * The Ingress in front of the Service (config `ingress`), null without one: what routes
   * real users to the gateway, where its certificate comes from, which controller source the
   * NetworkPolicy admits, and the third smoke path's target (`npm run smoke -- --stack` reads it).
   */
  ingress: {
    name: string;
    className: string;
    hosts: string[];
    url: string;
    backend: string;
    tls: { secretName: string; issuer: string | null };
    controller: unknown;
    smoke: { host: string; address: string; port: number; caBundle: string };
  } | null;
  rollback: {
    target: { image: string; release: string } | null;
    pulumi: string[];
    emergency: string[];
    afterRollback: string[];
  };
  /** Smoke evidence (index.ts adds it once the checks have run). */
  smoke?: { status: string; evidence: unknown };
  /** The Mac contrast table (index.ts adds it when the stack has a Mac). */
  macContrast?: unknown;
  /** Runbook §4.6: one dashboard for restarts, OOMKilled, readiness=false, memory against the limit, 5xx. */
  observe: { window: string; queries: Record<string, string> };
  renderedOnly: boolean;
  /**
   * Where the stack applies, so `npm run smoke|diagnose -- --stack <name>` reach the same
   * cluster without flags: the context, and the kubeconfig when it is a path (kubeconfig
   * text may hold credentials and is never an output). null for a render-only stack.
   */
  cluster: { context: string | null; kubeconfig: string | null } | null;
}

/**
 * What the tools (ticket, smoke, diagnose) read from `pulumi stack output --json`: the
 * change ticket, the one contract. The stack's other outputs repeat parts of it for
 * people reading `pulumi stack output`; no tool reads them.
 */
export interface StackOutputs {
  changeTicket?: ChangeTicket;
  [output: string]: unknown;
}

/** sha256 over the canonical effective config (defaults applied, secrets removed). */
export function valuesHash(s: GatewaySettings): string {
  return createHash("sha256").update(canonicalJson(withoutSecrets(s.config))).digest("hex");
}

/** JSON with object keys sorted at every level, so equal values hash equally. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(",")}}`;
  }
  return JSON.stringify(v);
}

export function programInfo(dir: string): ProgramInfo {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pkg = require(`${dir}/package.json`) as { name: string; version: string };
  const git = (...args: string[]) => execFileSync("git", ["-C", dir, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  let commit = "unknown";
  let dirty = false;
  try {
    commit = git("rev-parse", "HEAD");
    dirty = git("status", "--porcelain", "--untracked-files=no").length > 0;
  } catch {
    // Not a git checkout (e.g. a packed release): the version still identifies it.
  }
  return { name: pkg.name, version: pkg.version, commit, dirty, plugins: pluginOrigins(process.env.OPENCLAW_TOOLCHAIN) };
}

export function buildChangeTicket(stack: string, s: GatewaySettings, m: GatewayManifests, program: ProgramInfo): ChangeTicket {
  const c = s.config;
  const ns = c.namespace;
  const service = m.service?.metadata.name ?? null;
  const rollbackTarget = c.rollback ? { image: c.rollback.image, release: c.rollback.release } : null;
  const setImage = rollbackTarget
    ? [
        `pulumi config set --stack ${stack} --path image.ref '${rollbackTarget.image}'`,
        `pulumi config set --stack ${stack} --path image.release '${rollbackTarget.release}'`,
        `pulumi config set --stack ${stack} --path image.buildId '<build id of ${rollbackTarget.release}>'`,
        // The config refuses a rollback target equal to the image: the way back becomes the release rolled away from.
        `pulumi config set --stack ${stack} --path rollback.image '${c.image.ref}'`,
        `pulumi config set --stack ${stack} --path rollback.release '${c.image.release}'`,
        `pulumi up --stack ${stack}`,
      ]
    : [`# no rollback target recorded: set rollback.image in Pulumi.${stack}.yaml before the next change`];
  const strategy = m.deployment.spec.strategy ?? {};
  return {
    environment: c.environment,
    stack,
    image: { ref: c.image.ref, repo: s.image.repo, tag: s.image.tag ?? null, digest: s.image.digest, release: c.image.release, buildId: c.image.buildId },
    program,
    valuesHash: valuesHash(s),
    resources: {
      observed: c.resources.observed,
      requests: { memory: formatMiB(s.memory.requestBytes), cpu: c.resources.cpuRequest },
      limits: { memory: formatMiB(s.memory.limitBytes), cpu: c.resources.cpuLimit ?? null },
      headroomRatio: Math.round(s.memory.ratio * 1000) / 1000,
      headroomPolicy: { minRatio: s.memory.minRatio, maxRatio: s.memory.maxRatio, reason: c.resources.headroom?.reason ?? null },
      nodeHeapCapMiB: s.memory.heapCapMiB,
    },
    replicas: c.replicas,
    rolloutStrategy: strategy.rollingUpdate
      ? `RollingUpdate maxUnavailable=${strategy.rollingUpdate.maxUnavailable} maxSurge=${strategy.rollingUpdate.maxSurge}`
      : (strategy.type ?? "RollingUpdate"),
    network: {
      bind: c.gateway.bind,
      port: c.gateway.port,
      containerPort: { name: PORT_NAME, number: c.gateway.port },
      serviceTargetPort: service ? PORT_NAME : null,
      probes: m.derived.probes,
      startupGraceSeconds: s.startup.failureThreshold * s.startup.periodSeconds,
      smokeBudgetSeconds: s.smokeBudgetSeconds,
      ingressSources: c.network.ingressSources,
      kubeletCidrs: c.network.kubeletCidrs,
      egress: c.network.egress,
    },
    endpoints: {
      namespace: ns,
      deployment: APP_NAME,
      service,
      serviceUrl: m.derived.serviceHost ? `http://${m.derived.serviceHost}:${c.gateway.port}` : null,
    },
    ingress: ingressRecord(s, m),
    rollback: {
      target: rollbackTarget,
      pulumi: setImage,
      emergency: [
        `kubectl --namespace ${ns} rollout undo deployment/${APP_NAME}`,
        `kubectl --namespace ${ns} rollout status deployment/${APP_NAME} --timeout=10m`,
        `pulumi refresh --stack ${stack} --yes`,
      ],
      afterRollback: [
        `npm run smoke -- --stack ${stack}`,
        `# then set image.ref to the rolled-back digest in Pulumi.${stack}.yaml, or the next pulumi up re-applies ${c.image.ref}`,
      ],
    },
    observe: observeQueries(ns, s.memory.limitBytes),
    renderedOnly: s.renderOnly,
    cluster: s.renderOnly
      ? null
      : { context: c.cluster?.context ?? null, kubeconfig: c.cluster?.kubeconfig && !c.cluster.kubeconfig.includes("\n") ? c.cluster.kubeconfig : null },
  };
}

function ingressRecord(s: GatewaySettings, m: GatewayManifests): ChangeTicket["ingress"] {
  const ing = s.config.ingress;
  const d = m.derived.ingress;
  if (!ing || !d || !m.service) return null;
  const port = ing.smoke.port;
  return {
    name: d.name,
    className: ing.className,
    hosts: d.hosts,
    url: `https://${d.hosts[0]}${port === 443 ? "" : `:${port}`}`,
    backend: `Service ${m.service.metadata.name} port ${PORT_NAME}`,
    tls: { secretName: d.tlsSecretName, issuer: "issuer" in ing.tls ? `${ing.tls.issuer.kind}/${ing.tls.issuer.name}` : null },
    controller: ing.controller,
    smoke: { host: d.hosts[0], address: ing.smoke.address, port, caBundle: ing.smoke.caBundle },
  };
}

/**
 * PromQL over kube-state-metrics and cAdvisor names (kube_pod_*, container_*),
 * scoped to this gateway's pods, for the dashboard the runbook asks for (§4.6).
 */
function observeQueries(namespace: string, limitBytes: number): ChangeTicket["observe"] {
  const pod = `namespace="${namespace}", pod=~"${APP_NAME}-.*"`;
  return {
    window: "compare the 24 h before and after the change window (runbook §4.6)",
    queries: {
      restarts: `sum(increase(kube_pod_container_status_restarts_total{${pod}}[1h]))`,
      oomKilled: `sum(kube_pod_container_status_last_terminated_reason{${pod}, reason="OOMKilled"})`,
      notReadySeconds: `sum(sum_over_time((1 - kube_pod_status_ready{${pod}, condition="true"})[1h:30s])) * 30`,
      workingSetVsLimit: `max(container_memory_working_set_bytes{${pod}, container="${GATEWAY.containerName}"}) / ${limitBytes}`,
      cpuThrottling: `sum(rate(container_cpu_cfs_throttled_periods_total{${pod}, container="${GATEWAY.containerName}"}[5m])) / sum(rate(container_cpu_cfs_periods_total{${pod}, container="${GATEWAY.containerName}"}[5m]))`,
      http5xx: `sum(rate(nginx_ingress_controller_requests{exported_service="${APP_NAME}", exported_namespace="${namespace}", status=~"5.."}[5m]))`,
    },
  };
}
