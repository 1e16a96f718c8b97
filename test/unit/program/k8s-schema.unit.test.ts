// Every object the program registers, validated against the upstream
// Kubernetes OpenAPI schema shipped by kubernetes-models (validate()).
import { beforeAll, describe, expect, it } from "vitest";
import { runProgram, type RegisteredResource } from "../../support/program";

type Model = { new (data: unknown): { validate(): void } };

/** "kubernetes:apps/v1:Deployment" → the kubernetes-models class for apps/v1 Deployment. */
async function modelFor(type: string): Promise<Model> {
  const m = /^kubernetes:([^:]+):(\w+)$/.exec(type);
  if (!m) throw new Error(`not a Kubernetes resource type: ${type}`);
  const [group, version] = m[1].split("/");
  const dir = group === "core" ? version : `${group}/${version}`;
  const mod = (await import(`kubernetes-models/${dir}`)) as Record<string, Model>;
  const model = mod[m[2]];
  if (!model) throw new Error(`kubernetes-models has no ${m[2]} in ${dir}`);
  return model;
}

async function validate(r: RegisteredResource): Promise<void> {
  const Model = await modelFor(r.type);
  new Model(r.inputs).validate();
}

const runs: Record<string, RegisteredResource[]> = {};
beforeAll(async () => {
  for (const stack of ["local", "staging", "prod"]) {
    runs[stack] = (await runProgram(stack)).resources.filter((r) => r.type.startsWith("kubernetes:"));
  }
});

describe.each(["local", "staging", "prod"])("stack %s against the Kubernetes schema", (stack) => {
  it("every registered object validates", async () => {
    expect(runs[stack].length).toBeGreaterThanOrEqual(7);
    for (const r of runs[stack]) await expect(validate(r), `${r.type} ${r.name}`).resolves.toBeUndefined();
  });
});

describe("the validator itself", () => {
  it("rejects a Deployment with a probe port of the wrong type and a Service without ports", async () => {
    const deploy = structuredClone(runs.staging.find((r) => r.type === "kubernetes:apps/v1:Deployment")!);
    deploy.inputs.spec.template.spec.containers[0].readinessProbe.periodSeconds = "ten";
    await expect(validate(deploy)).rejects.toThrow(/periodSeconds/);
    const svc = structuredClone(runs.staging.find((r) => r.type === "kubernetes:core/v1:Service")!);
    svc.inputs.spec.ports = [{ port: "http" }];
    await expect(validate(svc)).rejects.toThrow();
  });
});
