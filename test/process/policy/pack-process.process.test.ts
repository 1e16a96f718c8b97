// The pack started as a real process, as the engine starts it, must give the same
// verdicts as the in-process harness: for the good gateway, every case, the upstream
// manifests and values unknown in preview.
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { policies, PACK_NAME } from "../../../policy-pack/policies";
import { analyze, type Diagnostic } from "../../../policy-harness/engine";
import { caseObjects, FIXTURES, GOOD, loadCases } from "../../../policy-harness/cases";
import { loadConfigFile, resolveConfig } from "../../../policy-harness/config";
import { loadManifests } from "../../../policy-harness/manifests";
import { PackProcess } from "../../support/pack-process";

const pkg = require("../../../policy-pack/package.json") as { version: string };
let pack: PackProcess | undefined;

beforeAll(async () => {
  pack = await PackProcess.start();
}, 240_000);

afterAll(async () => {
  await pack?.stop();
});

const key = (d: Omit<Diagnostic, "detail">) => `${d.enforcementLevel}|${d.policyName}|${d.urn ?? ""}|${d.message}`;

async function sameVerdicts(resources: Parameters<typeof analyze>[1], configFile: Record<string, unknown>) {
  const resolved = resolveConfig(policies, configFile);
  await pack!.configure(resolved);
  const real = await pack!.analyzeAll(resources);
  const harness = analyze(policies, resources, configFile, { name: PACK_NAME, version: pkg.version }).diagnostics;
  expect(real.map(key).sort()).toEqual(harness.map(key).sort());
  return real;
}

describe("the policy pack as a real process over gRPC", () => {
  it("serves the 11 policies with their levels and config schemas", async () => {
    const info = await pack!.info();
    expect(info.name).toBe(PACK_NAME);
    expect(info.version).toBe(pkg.version);
    expect(info.policies.map((p) => p.name)).toEqual(policies.map((p) => p.name));
    for (const p of info.policies) expect(p.enforcementLevel).toBe(policies.find((x) => x.name === p.name)!.enforcementLevel);
    expect(info.policies.find((p) => p.name === "memory-headroom")!.configSchemaKeys).toEqual(
      expect.arrayContaining(["minRatio", "maxRatio", "p95WorkingSet", "bootPeak", "workloads"]),
    );
  });

  it("the good gateway: no violation under prod config, as in process", async () => {
    const real = await sameVerdicts(loadManifests([GOOD]).map((o) => o.resource), loadConfigFile(path.join(__dirname, "../../../policy-pack/config/prod.json")));
    expect(real).toEqual([]);
  });

  it("every case gives the same diagnostics as the harness", async () => {
    let total = 0;
    for (const c of loadCases()) {
      const real = await sameVerdicts(caseObjects(c).map((o) => o.resource), c.config ?? {});
      expect([...new Set(real.map((d) => d.policyName))].sort(), c.name).toEqual([...c.expect].sort());
      total += real.length;
    }
    expect(total).toBeGreaterThan(40);
  }, 120_000);

  it("the upstream manifest under staging config (with an advisory policy)", async () => {
    const res = loadManifests([path.join(FIXTURES, "manifests/upstream-kustomize-loopback-exec-probes.yaml")]).map((o) => o.resource);
    const real = await sameVerdicts(res, loadConfigFile(path.join(__dirname, "../../../policy-pack/config/staging.json")));
    expect(real.some((d) => d.enforcementLevel === "advisory" && d.policyName === "restricted-security-context")).toBe(true);
    expect(real.filter((d) => d.enforcementLevel === "mandatory").length).toBeGreaterThan(5);
  });

  it("unknown values in preview: the engine's own advisory, same as the harness", async () => {
    const res = loadManifests([GOOD]).map((o) => o.resource);
    const dep = res.find((r) => r.type.endsWith(":Deployment"))!.props as any;
    dep.spec.template.spec.containers[0].image = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    const real = await sameVerdicts(res, {});
    // The image also decides whether the container is the gateway, so every gateway policy
    // (and the pinning policy) is skipped: advisories only, each naming the unknown path.
    expect(real.length).toBeGreaterThan(1);
    for (const d of real) {
      expect(d.enforcementLevel).toBe("advisory");
      expect(d.message).toMatch(/^can't run policy '[a-z-]+' from policy pack 'openclaw-gateway@v0\.1\.0' during preview: /);
      expect(d.message).toContain("string value at .spec.template.spec.containers.0.image can't be known during preview");
    }
  });
});
