// A deployment that installs only the runtime dependencies: `npm ci --omit=dev` in a
// copy of the project and in its policy pack, then the real engine. The program runs
// as TypeScript (Pulumi's ts-node, a runtime dependency); the smoke checks and the Mac
// sign-off ship committed scripts (npm run build:bundles) and need no compiler or
// bundler at `pulumi up` time. Proven here on the local stack (preview with the pack,
// up, no drift) and on a program whose GatewaySmokeCheck really runs its dynamic
// provider (against a closed port: no cluster here, so it must fail with its evidence).
import { existsSync, readdirSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PACK_NAME } from "../../policy-pack/policies";
import { expectOk, Workspace } from "./support/engine";

const STACK = "local";
const SMOKE_DIR = "smoke-production";

describe("installed with npm ci --omit=dev, under the real engine", () => {
  let ws: Workspace;

  beforeAll(async () => {
    ws = await Workspace.create("e2e-production", { production: true });
    await ws.initStack(STACK);
  }, 900_000);
  afterAll(async () => {
    await ws?.dispose();
  });

  it("has no devDependency installed (the premise of the other cases)", () => {
    const pkg = JSON.parse(ws.read("package.json")) as { devDependencies: Record<string, string>; dependencies: Record<string, string> };
    const dev = Object.keys(pkg.devDependencies).filter((d) => !(d in pkg.dependencies));
    expect(dev).toEqual(expect.arrayContaining(["esbuild", "vitest", "knip"]));
    for (const d of ["esbuild", "vitest", "knip"]) expect(existsSync(join(ws.dir, "node_modules", d)), d).toBe(false);
    expect(existsSync(join(ws.dir, "node_modules/@pulumi/pulumi"))).toBe(true);
  });

  it("`pulumi preview` with the policy pack, `pulumi up` and `pulumi up --expect-no-changes` pass on the local stack", async () => {
    const preview = expectOk(await ws.pulumi(["preview", "--stack", STACK, ...ws.policyArgs(STACK)]), "pulumi preview");
    expect(preview.output).toMatch(/kubernetes:apps\/v1:Deployment/);
    expect(preview.output).toMatch(new RegExp(`Policies:\\s*\\n\\s*✅ ${PACK_NAME}@v`));
    expectOk(await ws.pulumi(["up", "--yes", "--stack", STACK, ...ws.policyArgs(STACK)]), "pulumi up");
    expect(readdirSync(join(ws.dir, "rendered", STACK), { recursive: true }).some((f) => String(f).endsWith(".yaml"))).toBe(true);
    expectOk(await ws.pulumi(["up", "--yes", "--expect-no-changes", "--stack", STACK]), "pulumi up --expect-no-changes");
  }, 900_000);

  it("the smoke check's dynamic provider loads its committed script and runs both paths (which fail: no cluster)", async () => {
    const closed = await new Promise<number>((res) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => res(p));
      });
    });
    const dir = join(ws.dir, SMOKE_DIR);
    ws.write(join(SMOKE_DIR, "Pulumi.yaml"), "name: openclaw-smoke-production\nmain: index.ts\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n");
    ws.write(
      join(SMOKE_DIR, "index.ts"),
      [
        'import * as pulumi from "@pulumi/pulumi";',
        'import { GatewaySmokeCheck } from "../components/smoke";',
        "const cfg = new pulumi.Config();",
        'const check = new GatewaySmokeCheck("smoke", {',
        '  namespace: "openclaw", serviceName: "openclaw-gateway", deploymentName: "openclaw-gateway", port: 18789,',
        '  image: cfg.require("image"), valuesHash: "c".repeat(64), kubeconfig: cfg.requireSecret("kubeconfig"), budgetSeconds: 5, bind: "lan",',
        "});",
        "export const smokeStatus = check.status;",
        "",
      ].join("\n"),
    );
    await ws.initStack("e2e", dir);
    const kubeconfig = `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:${closed}"}}]\nusers: [{name: u, user: {token: none}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n`;
    expectOk(await ws.pulumi(["config", "set", "image", `ghcr.io/openclaw/openclaw:2026.9.6@sha256:${"a".repeat(64)}`, "--stack", "e2e"], { cwd: dir }), "config set image");
    expectOk(await ws.pulumi(["config", "set", "--secret", "kubeconfig", "--stack", "e2e"], { cwd: dir, input: kubeconfig }), "config set kubeconfig");
    const r = await ws.pulumi(["up", "--yes", "--stack", "e2e"], { cwd: dir, timeoutMs: 300_000 });
    expect(r.code, r.output).not.toBe(0);
    // The provider ran the bundled checks: both paths' evidence is in the error, not a load failure.
    expect(r.output).toMatch(/smoke checks failed for ghcr\.io\/openclaw\/openclaw:2026\.9\.6@sha256:a{64}/);
    expect(r.output).toMatch(/inCluster could not run: kubectl create of the smoke Job failed/);
    expect(r.output).not.toMatch(/Cannot find module/);
  }, 900_000);
});
