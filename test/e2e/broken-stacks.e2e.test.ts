// The same `pulumi preview --policy-pack policy-pack` on
// deliberately broken stacks fails, and the output names each expected policy.
// The stacks belong to test/e2e/fixtures/broken (see its Pulumi.yaml): the
// program's objects for the local stack with exactly one upstream mistake.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Workspace } from "./support/engine";

const FIXTURE = "test/e2e/fixtures/broken";

/** Policy names the CLI printed at a level, from lines like "[mandatory]  ports-aligned  (...)". */
function named(output: string, level: "mandatory" | "advisory"): Set<string> {
  const out = new Set<string>();
  for (const m of output.matchAll(new RegExp(`\\[${level}\\]\\s+([a-z0-9-]+)`, "g"))) out.add(m[1]);
  return out;
}

const CASES: { name: string; expected: string[] }[] = [
  { name: "floating-tag", expected: ["image-pinned-by-digest"] },
  { name: "loopback-behind-service", expected: ["bind-reachable-from-service"] },
  { name: "limit-below-headroom", expected: ["memory-headroom"] },
  { name: "netpol-without-node-cidrs", expected: ["probes-admitted-by-networkpolicy"] },
  { name: "port-mismatch", expected: ["ports-aligned"] },
];

describe("broken stacks fail preview under the real engine, naming the policy", () => {
  let ws: Workspace;
  let dir: string;

  async function stack(name: string): Promise<void> {
    ws.write(
      join(FIXTURE, `Pulumi.${name}.yaml`),
      `config:\n  openclaw-e2e-broken:case: ${name}\n  openclaw-e2e-broken:renderDirectory: ${join(ws.root, "rendered", name)}\n`,
    );
    await ws.initStack(name, dir);
  }

  beforeAll(async () => {
    ws = await Workspace.create("e2e-broken", { fixtures: ["broken"] });
    dir = join(ws.dir, FIXTURE);
  });
  afterAll(async () => {
    await ws?.dispose();
  });

  it("control: the unbroken objects pass (so each failure below is its one break)", async () => {
    await stack("none");
    const r = await ws.pulumi(["preview", "--stack", "none", ...ws.policyArgs("local")], { cwd: dir });
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/kubernetes:apps\/v1:Deployment/);
    expect([...named(r.output, "mandatory")]).toEqual([]);
  });

  for (const c of CASES) {
    it(`${c.name}: preview fails naming ${c.expected.join(", ")}`, async () => {
      await stack(c.name);
      const r = await ws.pulumi(["preview", "--stack", c.name, ...ws.policyArgs("local")], { cwd: dir });
      expect(r.code, r.output).not.toBe(0);
      const mandatory = named(r.output, "mandatory");
      for (const p of c.expected) expect([...mandatory], r.output).toContain(p);
    });
  }
});
