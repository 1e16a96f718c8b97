// `policy:check --explain`: for each workload, which containers were taken as the gateway
// and why (the argv the container runs and where it came from), what the gateway listens
// on with the source of each setting, and where each observed figure came from. It uses
// the policies' own functions and config, so it explains what the policies saw.

import type { PolicyConfigSchema } from "@pulumi/policy";
import { policies as allPolicies } from "../policy-pack/policies";
import type { OpenClawPolicy } from "../policy-pack/policies/framework";
import { withDefaults } from "../policy-pack/policies/framework";
import { ANNOTATIONS, fact, isError } from "../policy-pack/policies/facts";
import { RELEASE_FOOTPRINT } from "../policy-pack/rules/headroom";
import { parseMemory } from "../policy-pack/rules/quantity";
import { isValidCidr } from "../policy-pack/rules/networkpolicy";
import { fromPulumi, POD_KINDS, type KObject } from "../policy-pack/model/k8s";
import { Cluster, recognizedContainers, setPackRecognition, settingsOf, type Gateway } from "../policy-pack/model/gateway";
import { resolveConfig, type PackConfigFile } from "./config";
import type { HarnessResource } from "./engine";

interface ContainerExplanation {
  container: string;
  role: string;
  why: string;
  settings?: Record<string, string>;
  figures?: Record<string, string>;
}

export interface WorkloadExplanation {
  object: string;
  containers: ContainerExplanation[];
}

function cfgOf(policies: readonly OpenClawPolicy[], file: PackConfigFile, name: string): Record<string, unknown> {
  const p = policies.find((x) => x.name === name);
  if (!p) return {};
  const r = resolveConfig(policies, file)[name];
  return withDefaults<Record<string, unknown>>(p.configSchema as PolicyConfigSchema, r?.properties ?? {});
}

function show<T>(f: { value: T; source: string } | { error: string } | undefined, fmt: (v: T) => string, none: string): string {
  if (f === undefined) return none;
  if (isError(f)) return `malformed: ${f.error}`;
  return `${fmt(f.value)} (from ${f.source})`;
}

export function explain(resources: readonly HarnessResource[], file: PackConfigFile = {}, policies: readonly OpenClawPolicy[] = allPolicies): WorkloadExplanation[] {
  setPackRecognition(cfgOf(policies, file, "gateway-recognition") as never);
  const objects: KObject[] = [];
  for (const r of resources) {
    const o = fromPulumi(r.type, r.props, r.urn, r.name, () => r.provider?.props?.namespace as string | undefined);
    if (o) objects.push(o);
  }
  const cluster = new Cluster(objects);
  const headroom = cfgOf(policies, file, "memory-headroom");
  const startup = cfgOf(policies, file, "startup-budget");
  const netpol = cfgOf(policies, file, "probes-admitted-by-networkpolicy");
  const out: WorkloadExplanation[] = [];
  for (const o of objects) {
    if (!POD_KINDS.includes(o.kind)) continue;
    const rows: ContainerExplanation[] = [];
    for (const r of recognizedContainers(o, {}, cluster)) {
      const row: ContainerExplanation = { container: r.container.name, role: r.recognition.role, why: r.recognition.why };
      if (r.recognition.role === "gateway") {
        const gw: Gateway = { workload: o, pod: r.pod, container: r.container, ports: [], recognition: r.recognition };
        const s = settingsOf(gw, cluster);
        row.settings = {
          bind: `${s.bind.value} (from ${s.bind.source})`,
          port: `${s.port.value ?? "unknown"} (from ${s.port.source})`,
          auth: `${s.auth.mode} (from ${s.auth.source}); ${s.auth.hasSecret ? `secret from ${s.auth.secretSource}` : s.unresolvedEnvFrom.length ? `secret not found; envFrom ${s.unresolvedEnvFrom.join(", ")} not among the objects checked` : "no secret provided"}`,
          "config file": s.configError ? `${s.configSource}: ${s.configError}` : s.configSource,
        };
        const mem = (v: number) => `${Math.round(v / 1048576)}Mi`;
        const p95 = fact(gw, headroom, "p95WorkingSet", ANNOTATIONS.p95, parseMemory, (v) => (typeof v === "string" ? parseMemory(v) : undefined));
        const boot = fact(gw, headroom, "bootPeak", ANNOTATIONS.bootPeak, parseMemory, (v) => (typeof v === "string" ? parseMemory(v) : undefined));
        const builtin = `none declared; memory-headroom uses the built-in footprint of openclaw ${RELEASE_FOOTPRINT.release} as the floor`;
        const cidrs = (raw: string) => {
          const l = raw.split(",").map((x) => x.trim()).filter(Boolean);
          return l.length && l.every(isValidCidr) ? l : undefined;
        };
        row.figures = {
          "P95 working set": show(p95, mem, `${builtin} (${RELEASE_FOOTPRINT.p95WorkingSet})`),
          "boot peak": show(boot, mem, `${builtin} (${RELEASE_FOOTPRINT.bootPeak})`),
          "cold start": show(fact(gw, startup, "coldStartSeconds", ANNOTATIONS.coldStart, (v) => (/^[0-9]+s?$/.test(v.trim()) ? Number(v.trim().replace(/s$/, "")) : undefined), (v) => (typeof v === "number" ? v : undefined)), (v) => `${v}s`, "none declared; startup-budget does not apply"),
          "kubelet CIDRs": show(fact(gw, netpol, "kubeletCidrs", ANNOTATIONS.kubeletCidrs, cidrs, (v) => (Array.isArray(v) ? (v as string[]) : undefined)), (v) => v.join(", "), "none declared"),
          "ingress sources": show(fact(gw, netpol, "ingressSources", ANNOTATIONS.ingressSources, (v) => { try { return JSON.parse(v); } catch { return undefined; } }, (v) => v), (v) => JSON.stringify(v), "none declared"),
        };
      }
      rows.push(row);
    }
    out.push({ object: o.ref, containers: rows });
  }
  return out;
}

/** The explanation as text lines (without escaping: the caller escapes what it prints). */
export function explainLines(e: readonly WorkloadExplanation[]): string[] {
  const lines: string[] = [];
  for (const w of e) {
    lines.push(`EXPLAIN ${w.object}`);
    for (const c of w.containers) {
      const label = c.role === "gateway" ? "the gateway" : c.role === "openclaw-not-serving" ? "OpenClaw, not serving" : "not the gateway";
      lines.push(`  container "${c.container}": ${label}: ${c.why}`);
      for (const [k, v] of Object.entries(c.settings ?? {})) lines.push(`    ${k}: ${v}`);
      for (const [k, v] of Object.entries(c.figures ?? {})) lines.push(`    ${k}: ${v}`);
    }
  }
  return lines;
}
