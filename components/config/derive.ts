// Every setting the components need, derived once from the parsed config.
import { checkImagePinned, type ImageRef } from "../../policy-pack/rules/image";
import { DEFAULT_MAX_RATIO, DEFAULT_MIN_RATIO, heapCapMiB } from "../../policy-pack/rules/headroom";
import { cpuQuantity, memoryQuantity } from "../../policy-pack/rules/kube-values";
import type { StackConfig } from "./schema";
import { bytesOf, DEFAULT_LIMIT_RATIO, memoryProblem } from "./values";

/**
 * The stack config as every component reads it: the schema's defaults applied, and the
 * resources resolved: the memory request and limit given or derived from the observed
 * figures, every quantity in the exact canonical form the manifests carry (and the pack
 * parses back to the same bytes). Nothing in it is raw input any more.
 */
type ResolvedConfig = Omit<StackConfig, "resources"> & {
  resources: Omit<StackConfig["resources"], "memoryRequest" | "memoryLimit"> & { memoryRequest: string; memoryLimit: string };
};

/** Everything the components need, derived once from the parsed config. */
export interface GatewaySettings {
  config: ResolvedConfig;
  image: ImageRef;
  memory: { requestBytes: number; limitBytes: number; p95Bytes: number; bootPeakBytes: number; ratio: number; minRatio: number; maxRatio: number; heapCapMiB: number };
  /** The startupProbe; its grace is failureThreshold × periodSeconds. */
  startup: { periodSeconds: number; failureThreshold: number };
  /**
   * How long each smoke path may take, retries included, in `pulumi up` and in
   * `npm run smoke -- --stack` alike (the ticket carries it): the declared cold start,
   * so a gateway that is still loading its workspace gets the time it needs.
   */
  smokeBudgetSeconds: number;
  renderOnly: boolean;
}

/**
 * The gateway's trustedProxies as rendered into its config file: the stack's
 * gateway.trustedProxies, else, behind an Ingress whose controller is given by CIDR,
 * that CIDR; else none (the gateway then trusts no proxy).
 */
export function effectiveTrustedProxies(c: Pick<StackConfig, "gateway" | "ingress">): string[] | undefined {
  if (c.gateway.trustedProxies) return c.gateway.trustedProxies;
  const controller = c.ingress?.controller;
  return controller && "cidr" in controller ? [controller.cidr] : undefined;
}

/** The memory figures the Deployment carries, given or derived from the observed ones; undefined while any input is malformed. */
export function effectiveMemory(r: StackConfig["resources"]): { requestBytes: number; limitBytes: number; p95Bytes: number; bootPeakBytes: number; minRatio: number; maxRatio: number } | undefined {
  const given = [r.observed.p95WorkingSet, r.observed.bootPeak, r.memoryRequest, r.memoryLimit].filter((v): v is string => v !== undefined);
  if (given.some((v) => memoryProblem(v) !== undefined)) return undefined;
  const p95Bytes = bytesOf(r.observed.p95WorkingSet);
  const bootPeakBytes = bytesOf(r.observed.bootPeak);
  const base = Math.max(p95Bytes, bootPeakBytes);
  const minRatio = r.headroom?.minRatio ?? DEFAULT_MIN_RATIO;
  const maxRatio = r.headroom?.maxRatio ?? DEFAULT_MAX_RATIO;
  const MIB = 2 ** 20;
  // Defaults are derived from the observed figures, rounded up to whole MiB.
  const limitBytes = r.memoryLimit !== undefined ? bytesOf(r.memoryLimit) : Math.ceil((base * Math.min(Math.max(DEFAULT_LIMIT_RATIO, minRatio), maxRatio)) / MIB) * MIB;
  const requestBytes = r.memoryRequest !== undefined ? bytesOf(r.memoryRequest) : Math.ceil(p95Bytes / MIB) * MIB;
  return { requestBytes, limitBytes, p95Bytes, bootPeakBytes, minRatio, maxRatio };
}

/** A memory byte count in the exact form the manifests carry (and the pack parses back to the same bytes). */
const memoryText = (bytes: number) => (memoryQuantity(String(bytes)) as { canonical: string }).canonical;

export function derive(config: StackConfig): GatewaySettings {
  const image = (checkImagePinned(config.image.ref) as { ok: true; ref: ImageRef }).ref;
  const m = effectiveMemory(config.resources)!;
  const base = Math.max(m.p95Bytes, m.bootPeakBytes);
  const r = config.resources;
  // runbook §5: gateways with >30 s cold start get a startupProbe of at least 60 s.
  const periodSeconds = 5;
  const graceSeconds = Math.max(60, Math.ceil(config.gateway.coldStartSeconds * 1.5));
  const resolved: ResolvedConfig = {
    ...config,
    resources: {
      ...r,
      // Canonical, exact forms: what the schema checked is what is rendered.
      observed: { ...r.observed, p95WorkingSet: memoryText(m.p95Bytes), bootPeak: memoryText(m.bootPeakBytes) },
      memoryRequest: memoryText(m.requestBytes),
      memoryLimit: memoryText(m.limitBytes),
      cpuRequest: (cpuQuantity(r.cpuRequest) as { canonical: string }).canonical,
      ...(r.cpuLimit !== undefined ? { cpuLimit: (cpuQuantity(r.cpuLimit) as { canonical: string }).canonical } : {}),
    },
  };
  return {
    config: resolved,
    image,
    memory: { requestBytes: m.requestBytes, limitBytes: m.limitBytes, p95Bytes: m.p95Bytes, bootPeakBytes: m.bootPeakBytes, ratio: m.limitBytes / base, minRatio: m.minRatio, maxRatio: m.maxRatio, heapCapMiB: heapCapMiB(m.limitBytes) },
    startup: { periodSeconds, failureThreshold: Math.ceil(graceSeconds / periodSeconds) },
    smokeBudgetSeconds: config.gateway.coldStartSeconds,
    renderOnly: config.render !== undefined,
  };
}
