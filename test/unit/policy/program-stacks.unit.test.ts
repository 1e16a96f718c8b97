// The program's own stacks, run under Pulumi mocks (test/support/program.ts) with every
// registered resource collected, validated by the pack as the engine would in preview.
import * as path from "path";
import { describe, expect, it } from "vitest";
import { runProgram, type ProgramRun } from "../../support/program";
import { policies } from "../../../policy-pack/policies";
import { analyze, type HarnessResource } from "../../../policy-harness/engine";
import { loadConfigFile, type PackConfigFile } from "../../../policy-harness/config";

const packConfig = (name: string) => loadConfigFile(path.join(__dirname, `../../../policy-pack/config/${name}.json`));

function resources(run: ProgramRun, stack: string): HarnessResource[] {
  return run.resources.map((r) => ({ type: r.type, props: r.inputs, urn: `urn:pulumi:${stack}::openclaw-gateway-infra::${r.type}::${r.name}`, name: r.name }));
}

async function verdicts(stack: string, cfg: PackConfigFile, mutate?: (raw: Record<string, any>) => void) {
  const run = await runProgram(stack, mutate);
  const res = resources(run, stack);
  // Not vacuous: the gateway's objects are there for the policies to judge.
  for (const kind of ["Deployment", "ConfigMap", "NetworkPolicy"]) expect(res.some((r) => r.type.endsWith(`:${kind}`)), kind).toBe(true);
  const r = analyze(policies, res, cfg);
  return { run, diagnostics: r.diagnostics, policies: [...new Set(r.diagnostics.map((d) => d.policyName))].sort() };
}

describe("our stacks produce zero violations", () => {
  for (const [stack, cfg] of [["staging", "staging"], ["prod", "prod"], ["local", "staging"], ["local", "prod"], ["staging", "prod"]] as const) {
    it(`${stack} under the ${cfg} pack config`, async () => {
      const v = await verdicts(stack, packConfig(cfg));
      expect(v.diagnostics.map((d) => `${d.enforcementLevel} ${d.policyName} ${d.detail}`)).toEqual([]);
    });
  }
});

describe("deliberately broken configs the program accepts produce exactly the expected violations", () => {
  it("prod without a CPU limit under a pack config that requires one: resources-declared only", async () => {
    const v = await verdicts("prod", { ...packConfig("prod"), "resources-declared": { requireCpuLimit: true } });
    expect(v.policies).toEqual(["resources-declared"]);
    expect(v.diagnostics[0].detail).toBe('Deployment/openclaw/openclaw-gateway: container "gateway": resources.limits.cpu is not set; set a CPU limit');
  });

  it("a stack ratio with a written reason passes, unless the platform refuses annotated ratios", async () => {
    const wider = (raw: Record<string, any>) => {
      raw.resources = { ...raw.resources, memoryLimit: "2Gi", headroom: { minRatio: 1.25, maxRatio: 2.1, reason: "browser tool renders large PDFs (INC-4411)" } };
    };
    expect((await verdicts("staging", packConfig("staging"), wider)).policies).toEqual([]);
    const strict = { ...packConfig("prod"), "memory-headroom": { requireObservedFigures: true, honorAnnotatedRatios: false } };
    const v = await verdicts("staging", strict, wider);
    expect(v.policies).toEqual(["memory-headroom"]);
    expect(v.diagnostics[0].detail).toMatch(/limits\.memory 2048Mi is \d+% above the observed P95 working set of 1013Mi; at most 1\.4× \(1419Mi\)/);
  });

  it("a cold start the probes must cover: a 90 s declaration passes only if the startupProbe grows with it", async () => {
    const v = await verdicts("prod", packConfig("prod"), (raw) => (raw.gateway = { ...raw.gateway, coldStartSeconds: 90 }));
    const dep = v.run.resources.find((r) => r.type.endsWith(":Deployment"))!.inputs;
    const sp = dep.spec.template.spec.containers[0].startupProbe;
    const grace = (sp.initialDelaySeconds ?? 0) + sp.failureThreshold * sp.periodSeconds;
    expect(v.policies).toEqual(grace >= 90 ? [] : ["startup-budget"]);
  });

  it("loopback with the Service disabled: the kubelet's httpGet probes cannot reach a loopback-bound gateway", async () => {
    const v = await verdicts("staging", packConfig("staging"), (raw) => {
      raw.gateway = { ...raw.gateway, bind: "loopback" };
      raw.service = { enabled: false };
    });
    const dep = v.run.resources.find((r) => r.type.endsWith(":Deployment"))!.inputs;
    const kinds = ["readinessProbe", "livenessProbe", "startupProbe"].map((p) => Object.keys(dep.spec.template.spec.containers[0][p] ?? {}).find((k) => ["httpGet", "exec", "tcpSocket"].includes(k)));
    if (kinds.includes("httpGet")) {
      expect(v.policies).toEqual(["readiness-matches-traffic"]);
      expect(v.diagnostics.map((d) => d.detail).join("\n")).toContain("the kubelet dials the pod IP, which a loopback-bound gateway refuses");
    } else {
      expect(v.policies).toEqual([]);
    }
  });
});
