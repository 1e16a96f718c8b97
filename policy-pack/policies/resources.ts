// Resources: declared requests and limits, a memory limit sized from observed usage,
// and a V8 heap cap under it (runbook §4.2, §5; openclaw #45160, #35773).

import { checkHeadroom, checkHeapCap, DEFAULT_MAX_RATIO, DEFAULT_MIN_RATIO, heapCapMiB, MAX_HEAP_FRACTION, parseHeapCap, RELEASE_FOOTPRINT } from "../rules/headroom";
import { parseCpu, parseMemory } from "../rules/quantity";
import { containers, podTemplate, POD_KINDS, resources } from "../model/k8s";
import { gatewaysOf, GATEWAY_MATCH_SCHEMA, settingsOf, type GatewayMatchConfig } from "../model/gateway";
import { resourcePolicy, stackPolicy } from "./framework";
import { ANNOTATIONS, fact, isError, WORKLOADS_SCHEMA } from "./facts";

interface ResourcesConfig {
  requireCpuLimit: boolean;
}

export const resourcesDeclared = resourcePolicy<ResourcesConfig>(
  {
    name: "resources-declared",
    description: "Every container and init container declares CPU and memory requests and a memory limit, as valid quantities.",
    why: "Runbook §2/§4.2: without requests the pod schedules \"successfully\" until the node packs and a delayed OOM follows; without a memory limit nothing bounds a leak. A CPU limit is optional (throttling); kube-score/Polaris/Checkov require it, set requireCpuLimit to match them.",
    concern: "resources",
    enforcementLevel: "mandatory",
    configSchema: {
      properties: {
        requireCpuLimit: { type: "boolean", default: false, description: "Also require limits.cpu (kube-score container-resources, Polaris cpuLimitsMissing, Checkov CKV_K8S_11)." },
      },
    },
  },
  POD_KINDS,
  (o, cfg) => {
    const pod = podTemplate(o);
    if (!pod) return [];
    const out: string[] = [];
    for (const c of containers(pod.spec, ["container", "initContainer"])) {
      const r = resources(c);
      const where = `${c.kind} "${c.name}"`;
      const need: [string, unknown, (q: unknown) => number | undefined, string][] = [
        ["requests.cpu", r.requests.cpu, parseCpu, "a CPU request (e.g. 250m) so the scheduler avoids saturated nodes"],
        ["requests.memory", r.requests.memory, parseMemory, "a memory request near the observed P95 working set"],
        ["limits.memory", r.limits.memory, parseMemory, "a memory limit 1.25–1.40× the observed P95/boot peak"],
      ];
      if (cfg.requireCpuLimit) need.push(["limits.cpu", r.limits.cpu, parseCpu, "a CPU limit"]);
      for (const [field, v, parse, hint] of need) {
        if (v === undefined || v === null || v === "") out.push(`${where}: resources.${field} is not set; set ${hint}`);
        else if (parse(v) === undefined) out.push(`${where}: resources.${field} "${String(v)}" is not a valid Kubernetes quantity`);
      }
    }
    return out;
  },
);

interface HeadroomConfig extends GatewayMatchConfig {
  minRatio: number;
  maxRatio: number;
  p95WorkingSet?: string;
  bootPeak?: string;
  honorAnnotatedRatios: boolean;
  requireObservedFigures: boolean;
  workloads?: Record<string, Record<string, unknown>>;
}

const quantity = (v: unknown) => (typeof v === "string" ? parseMemory(v) : undefined);
const ratio = (v: string) => (/^[0-9]+(\.[0-9]+)?$/.test(v.trim()) ? Number(v) : undefined);

export const memoryHeadroom = resourcePolicy<HeadroomConfig>(
  {
    name: "memory-headroom",
    description: "The gateway's memory limit is minRatio–maxRatio × max(observed P95 working set, boot peak) and its request at least the P95.",
    why: "Runbook §4.2/§5: keep limits ~25–40% above explainable P95 resident; tiny limits kill the gateway at tool-call peaks with exit 137, blind doubling hides leaks. The boot peak can exceed steady state by far (openclaw #45160). Figures come from openclaw.ai/p95-working-set and openclaw.ai/boot-peak, or policy config; without them the limit is checked against the request and the message says so.",
    concern: "resources",
    enforcementLevel: "mandatory",
    configSchema: {
      properties: {
        ...GATEWAY_MATCH_SCHEMA,
        minRatio: { type: "number", minimum: 1, default: DEFAULT_MIN_RATIO, description: "Lowest allowed limit / max(P95, boot peak)." },
        maxRatio: { type: "number", minimum: 1, default: DEFAULT_MAX_RATIO, description: "Highest allowed limit / max(P95, boot peak)." },
        p95WorkingSet: { type: "string", description: "Observed P95 working set (e.g. 950Mi) for workloads without the openclaw.ai/p95-working-set annotation." },
        bootPeak: { type: "string", description: "Observed boot peak (e.g. 1000Mi) for workloads without the openclaw.ai/boot-peak annotation." },
        honorAnnotatedRatios: {
          type: "boolean", default: true,
          description: "Accept openclaw.ai/headroom-min-ratio / -max-ratio from the workload when openclaw.ai/headroom-reason explains them.",
        },
        requireObservedFigures: {
          type: "boolean", default: false,
          description: "Fail workloads with no observed P95 instead of falling back to limit/request.",
        },
        workloads: WORKLOADS_SCHEMA({
          p95WorkingSet: { type: "string" }, bootPeak: { type: "string" }, minRatio: { type: "number" }, maxRatio: { type: "number" },
        }),
      },
    },
  },
  POD_KINDS,
  (o, cfg) => {
    const out: string[] = [];
    for (const gw of gatewaysOf(o, cfg)) {
      const where = `container "${gw.container.name}"`;
      const r = resources(gw.container);
      const requestBytes = parseMemory(r.requests.memory);
      const limitBytes = parseMemory(r.limits.memory);
      // A quantity that is present but malformed is resources-declared's to report.
      if ((r.requests.memory !== undefined && requestBytes === undefined) || (r.limits.memory !== undefined && limitBytes === undefined)) continue;
      const p95 = fact(gw, cfg, "p95WorkingSet", ANNOTATIONS.p95, parseMemory, quantity);
      const boot = fact(gw, cfg, "bootPeak", ANNOTATIONS.bootPeak, parseMemory, quantity);
      for (const f of [p95, boot]) if (isError(f)) out.push(`${where}: ${f.error}; write a quantity such as 950Mi`);
      if (isError(p95) || isError(boot)) continue;

      let minRatio = cfg.minRatio;
      let maxRatio = cfg.maxRatio;
      const wl = cfg.workloads?.[gw.workload.key];
      const aMin = gw.pod.annotations[ANNOTATIONS.minRatio] ?? gw.workload.annotations[ANNOTATIONS.minRatio];
      const aMax = gw.pod.annotations[ANNOTATIONS.maxRatio] ?? gw.workload.annotations[ANNOTATIONS.maxRatio];
      const reason = gw.pod.annotations[ANNOTATIONS.reason] ?? gw.workload.annotations[ANNOTATIONS.reason];
      if (typeof wl?.minRatio === "number") minRatio = wl.minRatio;
      else if (aMin !== undefined && cfg.honorAnnotatedRatios) {
        if (!reason?.trim()) out.push(`${where}: annotation ${ANNOTATIONS.minRatio}=${aMin} has no ${ANNOTATIONS.reason}; another ratio needs a written reason`);
        else if (ratio(aMin) === undefined) out.push(`${where}: annotation ${ANNOTATIONS.minRatio}="${aMin}" is not a number`);
        else minRatio = ratio(aMin)!;
      }
      if (typeof wl?.maxRatio === "number") maxRatio = wl.maxRatio;
      else if (aMax !== undefined && cfg.honorAnnotatedRatios) {
        if (!reason?.trim()) out.push(`${where}: annotation ${ANNOTATIONS.maxRatio}=${aMax} has no ${ANNOTATIONS.reason}; another ratio needs a written reason`);
        else if (ratio(aMax) === undefined) out.push(`${where}: annotation ${ANNOTATIONS.maxRatio}="${aMax}" is not a number`);
        else maxRatio = ratio(aMax)!;
      }

      if (!p95) {
        if (cfg.requireObservedFigures) {
          out.push(`${where}: no observed P95 working set is declared; annotate ${ANNOTATIONS.p95} (and ${ANNOTATIONS.bootPeak}) or set memory-headroom.p95WorkingSet in the policy config`);
          continue;
        }
        // No observed figures: the release line's footprint is the floor (never advise below it),
        // each field judged on its own, and no upper bound (the floor is not this workload's usage).
        const builtin = `the built-in (openclaw ${RELEASE_FOOTPRINT.release}, no observed figures declared)`;
        const v = checkHeadroom({
          p95Bytes: parseMemory(RELEASE_FOOTPRINT.p95WorkingSet)!, bootPeakBytes: boot?.value ?? parseMemory(RELEASE_FOOTPRINT.bootPeak),
          requestBytes, limitBytes, minRatio, maxRatio, figures: builtin, floorOnly: true,
        });
        for (const p of v.problems) {
          if (/is not set;/.test(p)) continue; // resources-declared reports missing fields
          out.push(`${where}: ${p}; declare observed figures (${ANNOTATIONS.p95}, ${ANNOTATIONS.bootPeak} or memory-headroom.p95WorkingSet) to size it from your own usage`);
        }
        continue;
      }
      const v = checkHeadroom({ p95Bytes: p95.value, bootPeakBytes: boot?.value, requestBytes, limitBytes, minRatio, maxRatio });
      for (const p of v.problems) out.push(`${where}: ${p} (figures from ${p95.source}${boot ? `, ${boot.source}` : ""})`);
    }
    return out;
  },
);

interface HeapConfig extends GatewayMatchConfig {
  maxHeapFraction: number;
}

export const heapCapWithinLimit = stackPolicy<HeapConfig>(
  {
    name: "heap-cap-within-limit",
    description: "The gateway sets a Node --max-old-space-size (NODE_OPTIONS or node argv) that leaves room under its memory limit.",
    why: "V8 sizes its heap from host RAM and ignores the cgroup limit; without a cap the gateway is OOM-killed (exit 137) at boot (openclaw #45160, #35773). Upstream uses ~75% of the limit; workers and buffers need the rest.",
    concern: "resources",
    enforcementLevel: "mandatory",
    configSchema: {
      properties: {
        ...GATEWAY_MATCH_SCHEMA,
        maxHeapFraction: { type: "number", minimum: 0.1, maximum: 1, default: MAX_HEAP_FRACTION, description: "Largest heap cap as a share of limits.memory." },
      },
    },
  },
  ({ cluster, cfg, report, guard }) => {
    for (const o of cluster.objects) {
      guard(o, () => {
        for (const gw of gatewaysOf(o, cfg, cluster)) {
          const s = settingsOf(gw, cluster, cfg);
          const limit = resources(gw.container).limits.memory;
          const limitBytes = parseMemory(limit);
          if (limit !== undefined && limitBytes === undefined) continue; // resources-declared reports it
          const opts = s.env.NODE_OPTIONS;
          // node's own options come before the entry script in the serving command.
          const argv = gw.recognition.argv ?? [];
          const fromArgv = argv[0] && /(^|\/)node$/.test(argv[0]) ? parseHeapCap(argv.slice(0, Math.max(1, gw.recognition.parsed?.entryIndex ?? 1)).join(" ")) : undefined;
          if (opts && "ref" in opts && fromArgv === undefined) {
            report(o, `container "${gw.container.name}": NODE_OPTIONS comes from ${opts.ref}, so its heap cap cannot be checked; set it as a literal --max-old-space-size=${limitBytes ? heapCapMiB(limitBytes) : "<75% of the limit in MiB>"}`);
            continue;
          }
          const heap = fromArgv ?? (opts && "value" in opts ? parseHeapCap(opts.value) : undefined);
          const problem = checkHeapCap(heap, limitBytes, cfg.maxHeapFraction);
          if (problem) report(o, `container "${gw.container.name}": ${problem}`);
        }
      });
    }
  },
);

