// Every policy against the good gateway and each YAML case that breaks it in one way,
// through the in-process engine mirror.
import * as path from "path";
import type { Deployment, DeploymentSpec } from "kubernetes-types/apps/v1";
import type { PodSpec } from "kubernetes-types/core/v1";
import { describe, expect, it } from "vitest";
import { policies } from "../../../policy-pack/policies";
import { analyze, mandatory } from "../../../policy-harness/engine";
import { applyCase, caseObjects, FIXTURES, GOOD, goodDocs, loadCases } from "../../../policy-harness/cases";
import { loadConfigFile } from "../../../policy-harness/config";
import { listYamlFiles, loadManifests, parseManifestText } from "../../../policy-harness/manifests";

const NAMES = [
  "gateway-recognition", "gateway-runs-in-foreground",
  "image-pinned-by-digest", "resources-declared", "memory-headroom", "heap-cap-within-limit", "bind-reachable-from-service",
  "ports-aligned", "readiness-matches-traffic", "startup-budget", "probes-admitted-by-networkpolicy", "auth-required-off-loopback",
  "token-from-secret", "references-resolvable", "restricted-security-context",
];
/** Policies whose default level is advisory: recognition reports nothing, references-resolvable says "cannot verify". */
const ADVISORY = ["gateway-recognition", "references-resolvable", "ingress-terminates-tls"];
const staging = loadConfigFile(path.join(__dirname, "../../../policy-pack/config/staging.json"));
const prod = loadConfigFile(path.join(__dirname, "../../../policy-pack/config/prod.json"));
const good = () => loadManifests([GOOD]).map((o) => o.resource);
const cases = loadCases();

describe("the pack", () => {
  it("has the named policies in order (recognition first), each documented, configurable and with a default level", () => {
    // Other tracks may append policies of their own (the Mac track's mac-runs-cluster-release).
    expect(policies.map((p) => p.name).slice(0, NAMES.length)).toEqual(NAMES);
    expect(new Set(policies.map((p) => p.name)).size).toBe(policies.length);
    for (const p of policies.filter((x) => NAMES.includes(x.name))) {
      expect(p.description.length, p.name).toBeGreaterThan(40);
      expect(p.why.length, p.name).toBeGreaterThan(40);
      expect(p.enforcementLevel, p.name).toBe(ADVISORY.includes(p.name) ? "advisory" : "mandatory");
      expect(p.configSchema, p.name).toBeDefined();
    }
  });

  it("every policy has at least one case that breaks it", () => {
    const covered = new Set(cases.flatMap((c) => c.expect));
    expect(NAMES.filter((n) => !covered.has(n) && n !== "gateway-recognition")).toEqual([]);
  });

  it("prod is the strictest config: everything mandatory and every threshold at least staging's", () => {
    expect(prod.all).toBe("mandatory");
    const level = (cfg: Record<string, any>, name: string) => (typeof cfg[name] === "string" ? cfg[name] : cfg[name]?.enforcementLevel) ?? cfg.all;
    for (const n of NAMES) expect(level(prod, n), n).toBe("mandatory");
    expect((prod["startup-budget"] as any).minGraceSeconds).toBeGreaterThan((staging["startup-budget"] as any).minGraceSeconds);
    expect((prod["memory-headroom"] as any).requireObservedFigures).toBe(true);
    expect((prod["restricted-security-context"] as any).scope).toBe("all");
  });
});

describe("the good gateway", () => {
  for (const [name, cfg] of [["defaults", {}], ["staging", staging], ["prod", prod]] as const) {
    it(`passes every policy under ${name} config`, () => {
      const r = analyze(policies, good(), cfg);
      expect(r.diagnostics.map((d) => `${d.policyName}: ${d.detail}`)).toEqual([]);
    });
  }
});

describe("cases (test/fixtures/policy/cases/*.yaml): exactly the expected policies report", () => {
  for (const c of cases) {
    it(`${c.name}: ${c.description}`, () => {
      const objs = caseObjects(c);
      const r = analyze(policies, objs.map((o) => o.resource), c.config ?? {});
      expect([...new Set(r.diagnostics.map((d) => d.policyName))].sort()).toEqual([...c.expect].sort());
      for (const d of r.diagnostics) {
        expect(d.message).toBe(`${d.description}\n${d.detail}`);
        expect(d.detail).toMatch(/^(Deployment|StatefulSet|Pod|DaemonSet|Ingress)\/[a-z0-9-]+\/[a-z0-9-]+: /);
        expect(d.enforcementLevel, d.policyName).toBe(ADVISORY.includes(d.policyName) && !c.config ? "advisory" : "mandatory");
      }
      if (c.expectMessage) expect(r.diagnostics.map((d) => d.detail).join("\n")).toContain(c.expectMessage);
    });
  }
});

describe("messages name the object and the right value", () => {
  const run = (name: string) => {
    const c = cases.find((x) => x.name === name)!;
    return analyze(policies, caseObjects(c).map((o) => o.resource)).diagnostics.map((d) => d.detail);
  };
  it("headroom", () => {
    expect(run("headroom-limit-too-tight")).toEqual([
      'Deployment/openclaw-staging/openclaw-gateway: container "gateway": limits.memory 1100Mi is only 9% above the observed P95 working set of 1013Mi; ' +
        "at least 1.25× (1267Mi) is required for tool-call spikes (figures from annotation openclaw.ai/p95-working-set, annotation openclaw.ai/boot-peak)",
    ]);
  });
  it("kubelet probes", () => {
    expect(run("netpol-ingress-namespace-only")).toEqual([
      'Deployment/openclaw-staging/openclaw-gateway: container "gateway": kubelet probes (startupProbe, readinessProbe, livenessProbe) from node CIDR 10.20.0.0/16 ' +
        "(annotation openclaw.ai/kubelet-cidrs) to port 18789 are dropped by NetworkPolicy/openclaw-staging/openclaw-gateway; " +
        'add an ingress rule from ipBlock 10.20.0.0/16 on port "gateway", or the pods go NotReady while the process is alive',
    ]);
  });
  it("bind", () => {
    expect(run("bind-loopback-behind-service")[0]).toContain('bind "loopback" (from --bind)');
    expect(run("bind-loopback-behind-service")[0]).toContain("Service/openclaw-staging/openclaw-gateway");
  });
});

describe("upstream manifests", () => {
  it("the upstream Kustomize pattern: tag without digest, loopback behind a Service, exec probes, no NetworkPolicy", () => {
    const objs = loadManifests(listYamlFiles([path.join(FIXTURES, "manifests/upstream-kustomize-loopback-exec-probes.yaml")]));
    const r = analyze(policies, objs.map((o) => o.resource), staging);
    const by = (n: string) => mandatory(r).filter((d) => d.policyName === n).map((d) => d.detail);
    expect(by("image-pinned-by-digest")).toHaveLength(2);
    expect(by("bind-reachable-from-service")[0]).toContain('bind "loopback" (from gateway.bind in the config file)');
    expect(by("bind-reachable-from-service")[0]).toContain("Service/openclaw/openclaw");
    expect(by("readiness-matches-traffic")[0]).toContain("exec probe");
    // The gateway binds loopback and the pod has no other port: nothing in the cluster reaches it, so no NetworkPolicy finding.
    expect(by("probes-admitted-by-networkpolicy")).toEqual([]);
    expect(by("heap-cap-within-limit")[0]).toContain("--max-old-space-size=1536");
    expect(by("memory-headroom")[0]).toContain("requests.memory 512Mi is below the built-in (openclaw 2026.9, no observed figures declared) P95 working set of 1013Mi");
    expect(by("ports-aligned")).toEqual([]);
    expect(by("auth-required-off-loopback")).toEqual([]);
    // restricted-security-context is advisory in staging
    expect(r.diagnostics.filter((d) => d.policyName === "restricted-security-context").every((d) => d.enforcementLevel === "advisory")).toBe(true);
  });
});

describe("config", () => {
  it("rejects unknown policies, keys, levels and wrong types with the key and the expected value", () => {
    expect(() => analyze(policies, good(), { "memory-headroom": { minRatio: "1.25" } })).toThrow(/memory-headroom.minRatio: expected number, got string "1.25"/);
    expect(() => analyze(policies, good(), { "memory-headrom": "advisory" })).toThrow(/memory-headrom: no such policy/);
    expect(() => analyze(policies, good(), { all: "strict" })).toThrow(/all: "strict" is not an enforcement level/);
    expect(() => analyze(policies, good(), { "startup-budget": { minGrace: 60 } })).toThrow(/startup-budget.minGrace: unknown setting/);
    expect(() => analyze(policies, good(), { "restricted-security-context": { scope: "pods" } })).toThrow(/scope: "pods" is not one of "gateway", "all"/);
  });

  it("levels: per-policy entry > all > default; disabled policies do not run; remediate reports as mandatory", () => {
    const c = cases.find((x) => x.name === "image-tag-without-digest")!;
    const res = caseObjects(c).map((o) => o.resource);
    expect(analyze(policies, res, { all: "advisory" }).diagnostics[0].enforcementLevel).toBe("advisory");
    expect(analyze(policies, res, { all: "advisory", "image-pinned-by-digest": "remediate" }).diagnostics[0].enforcementLevel).toBe("mandatory");
    expect(analyze(policies, res, { "image-pinned-by-digest": "disabled" }).diagnostics).toEqual([]);
    expect(analyze(policies, res, { "image-pinned-by-digest": { exemptImages: ["^ghcr\\.io/openclaw/"] } }).diagnostics).toEqual([]);
  });

  it("per-workload overrides win over annotations, top-level config only supplies what is missing", () => {
    const docs = goodDocs();
    const res = loadManifests([GOOD]).map((o) => o.resource);
    // The annotation says 1013Mi; a per-workload override of 1200Mi makes the 1344Mi limit too tight.
    const r1 = analyze(policies, res, { "memory-headroom": { workloads: { "openclaw-staging/openclaw-gateway": { p95WorkingSet: "1200Mi" } } } });
    expect(r1.diagnostics.map((d) => d.detail).join()).toContain('policy config workloads["openclaw-staging/openclaw-gateway"].p95WorkingSet');
    // A top-level figure does not override the annotation.
    expect(analyze(policies, res, { "memory-headroom": { p95WorkingSet: "1200Mi" } }).diagnostics).toEqual([]);
    expect(docs.length).toBeGreaterThan(5);
  });
});

describe("the cases are real manifests", () => {
  it("apply to the good fixture without touching other cases", () => {
    const before = JSON.stringify(goodDocs());
    for (const c of cases) applyCase(c);
    expect(JSON.stringify(goodDocs())).toBe(before);
  });
});

describe("other pod-bearing kinds", () => {
  // The good gateway's Deployment as a StatefulSet and as a bare Pod, through the manifest loader.
  function as(kind: "StatefulSet" | "Pod", bind: string): string {
    const docs = goodDocs().map((doc) => {
      if (doc.kind !== "Deployment") return doc;
      const d = doc as unknown as Deployment & { spec: DeploymentSpec & { template: { spec: PodSpec } } };
      d.spec.template.spec.containers[0].args![3] = bind;
      if (kind === "Pod") return { apiVersion: "v1", kind, metadata: { ...d.metadata, labels: d.spec.template.metadata?.labels, annotations: d.spec.template.metadata?.annotations }, spec: d.spec.template.spec };
      return { ...d, kind, spec: { ...d.spec, serviceName: "openclaw-gateway", strategy: undefined } };
    });
    return docs.map((d) => JSON.stringify(d)).join("\n---\n");
  }
  for (const kind of ["StatefulSet", "Pod"] as const) {
    it(`${kind}: passes as the good gateway, and its loopback bind is caught`, () => {
      const ok = parseManifestText(as(kind, "lan"), `${kind}.yaml`).map((o) => o.resource);
      expect(analyze(policies, ok).diagnostics.map((d) => d.detail)).toEqual([]);
      const bad = parseManifestText(as(kind, "loopback"), `${kind}.yaml`).map((o) => o.resource);
      const d = analyze(policies, bad).diagnostics;
      expect(d.map((x) => x.policyName)).toEqual(["bind-reachable-from-service"]);
      expect(d[0].detail.startsWith(`${kind}/openclaw-staging/openclaw-gateway: `)).toBe(true);
    });
  }
});

describe("the Ingress policies", () => {
  const INGRESS = ["ingress-reaches-gateway", "ingress-terminates-tls"];
  const level = (cfg: Record<string, any>, name: string) => (typeof cfg[name] === "string" ? cfg[name] : cfg[name]?.enforcementLevel) ?? cfg.all;

  it("are in the pack, each with a case that breaks it; plain HTTP is refused in prod and only warned about in staging", () => {
    for (const n of INGRESS) expect(policies.map((p) => p.name), n).toContain(n);
    const covered = new Set(cases.flatMap((c) => c.expect));
    expect(INGRESS.filter((n) => !covered.has(n))).toEqual([]);
    expect(level(prod, "ingress-terminates-tls")).toBe("mandatory");
    expect(level(prod, "ingress-reaches-gateway")).toBe("mandatory");
    expect(level(staging, "ingress-terminates-tls")).toBe("advisory");
  });

  it("say nothing about a stack without an Ingress", () => {
    const noIngress = good().filter((o: any) => o.type !== "kubernetes:networking.k8s.io/v1:Ingress");
    expect(noIngress.length).toBe(good().length - 1);
    const r = analyze(policies, noIngress, prod);
    expect(r.diagnostics.filter((d) => INGRESS.includes(d.policyName))).toEqual([]);
  });

  it("plain HTTP fails `pulumi preview` under the prod config", () => {
    const c = cases.find((x) => x.name === "ingress-plain-http")!;
    const r = analyze(policies, caseObjects(c).map((o) => o.resource), prod);
    expect(mandatory(r).map((d) => d.policyName)).toEqual(["ingress-terminates-tls"]);
  });
});
