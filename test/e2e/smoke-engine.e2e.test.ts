// The smoke checks under the real Pulumi engine (the bootstrapped toolchain): a program with only
// the GatewaySmokeCheck, its provider serialized by the real Node.js language host
// and run by the real dynamic-provider host. No cluster exists here, so kubectl is
// refused by a loopback port with nothing behind it: preview must not run the
// checks and must say so; `pulumi up` must fail with the evidence and diagnosis in
// the error, with no credential in the output or the state; after a passed run only
// a new digest or values hash plans a re-run.
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Workspace } from "./support/engine";

const DIR = "smoke-e2e";
const KUBE_TOKEN = "kube-bearer-e2e-7c1d9a3f5b2e4d6a";

describe("smoke checks under the real engine", () => {
  let ws: Workspace;
  let dir: string;

  beforeAll(async () => {
    ws = await Workspace.create("e2e-smoke");
    dir = join(ws.dir, DIR);
    const closed = await new Promise<number>((res) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => res(p));
      });
    });
    ws.write(
      join(DIR, "Pulumi.yaml"),
      "name: openclaw-smoke-e2e\nmain: index.ts\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n",
    );
    ws.write(
      join(DIR, "index.ts"),
      [
        'import * as pulumi from "@pulumi/pulumi";',
        'import { GatewaySmokeCheck } from "../components/smoke";',
        "const cfg = new pulumi.Config();",
        'const check = new GatewaySmokeCheck("smoke", {',
        '  namespace: "openclaw", serviceName: "openclaw-gateway", deploymentName: "openclaw-gateway", port: 18789,',
        '  image: cfg.require("image"), valuesHash: cfg.require("valuesHash"),',
        '  tokenSecretName: "openclaw-gateway-token", kubeconfig: cfg.requireSecret("kubeconfig"), budgetSeconds: 5, bind: "lan",',
        "});",
        "export const smokeStatus = check.status;",
        "export const smokeEvidence = check.evidence;",
        "",
      ].join("\n"),
    );
    await ws.initStack("e2e", dir);
    const kubeconfig = `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:${closed}"}}]\nusers: [{name: u, user: {token: ${KUBE_TOKEN}}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n`;
    for (const [args, input] of [
      [["config", "set", "image", `ghcr.io/openclaw/openclaw:2026.9.6@sha256:${"a".repeat(64)}`]],
      [["config", "set", "valuesHash", "b".repeat(64)]],
      [["config", "set", "--secret", "kubeconfig"], kubeconfig], // value on stdin, never on argv
    ] as Array<[string[], string?]>) {
      const r = await ws.pulumi([...args, "--stack", "e2e"], { cwd: dir, input });
      expect(r.code, r.output).toBe(0);
    }
  });
  afterAll(async () => {
    await ws?.dispose();
  });

  it("preview does not run the checks and says so", async () => {
    const r = await ws.pulumi(["preview", "--stack", "e2e", "--diff"], { cwd: dir, timeoutMs: 300_000 });
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/smoke checks do not run in preview/);
    expect(r.output).toMatch(/pulumi-nodejs:dynamic\/openclaw:SmokeRun/);
    expect(r.output).not.toMatch(/smoke checks failed/);
    expect(r.output).not.toContain(KUBE_TOKEN);
  });

  it("up fails with evidence and diagnosis in the error, and no credential in output or state", async () => {
    const r = await ws.pulumi(["up", "--yes", "--stack", "e2e"], { cwd: dir, timeoutMs: 300_000 });
    expect(r.code, r.output).not.toBe(0);
    expect(r.output).toMatch(/smoke checks failed for ghcr\.io\/openclaw\/openclaw:2026\.9\.6@sha256:a{64}/);
    expect(r.output).toMatch(/path-not-run: portForward could not run: could not read the token from Secret openclaw\/openclaw-gateway-token/);
    expect(r.output).toMatch(/inCluster could not run: kubectl create of the smoke Job failed/);
    expect(r.output).toMatch(/refused/);
    expect(r.output).not.toContain(KUBE_TOKEN);
    const state = await ws.pulumi(["stack", "export", "--stack", "e2e"], { cwd: dir });
    expect(state.code, state.output).toBe(0);
    expect(state.stdout).not.toContain(KUBE_TOKEN);
    // A failed run leaves no smoke state behind: the next `pulumi up` runs it again.
    expect(state.stdout).not.toMatch(/"type": "pulumi-nodejs:dynamic\/openclaw:SmokeRun"/);
  });

  it("after a signed-off run, only a new image digest or values hash re-runs the checks", async () => {
    // No cluster can make a run pass here, so the state of a passed run is written
    // in: the SmokeRun's outputs as the provider returns them (the triggers + verdict).
    const exported = await ws.pulumi(["stack", "export", "--stack", "e2e"], { cwd: dir });
    expect(exported.code, exported.output).toBe(0);
    const doc = JSON.parse(exported.stdout);
    const resources: Array<Record<string, any>> = doc.deployment.resources;
    const check = resources.find((r) => r.type === "openclaw:smoke:Check")!;
    const provider = resources.find((r) => r.type === "pulumi:providers:pulumi-nodejs")!;
    const image = `ghcr.io/openclaw/openclaw:2026.9.6@sha256:${"a".repeat(64)}`;
    resources.push({
      urn: `${check.urn.replace(/::smoke$/, "")}$pulumi-nodejs:dynamic/openclaw:SmokeRun::smoke-run`,
      custom: true,
      id: "smoke-2026-11-26T00:00:00.000Z",
      type: "pulumi-nodejs:dynamic/openclaw:SmokeRun",
      inputs: { image, valuesHash: "b".repeat(64) },
      outputs: { image, valuesHash: "b".repeat(64), verdict: "signed-off", signedOff: true, record: { schema: "openclaw.smoke.run/v1", verdict: "signed-off" } },
      parent: check.urn,
      provider: `${provider.urn}::${provider.id}`,
    });
    ws.write(join(DIR, "state.json"), JSON.stringify(doc));
    const imported = await ws.pulumi(["stack", "import", "--stack", "e2e", "--file", join(dir, "state.json")], { cwd: dir });
    expect(imported.code, imported.output).toBe(0);

    // Same digest and values hash: nothing to run (the provider's diff says no change).
    const same = await ws.pulumi(["preview", "--stack", "e2e", "--expect-no-changes"], { cwd: dir, timeoutMs: 300_000 });
    expect(same.code, same.output).toBe(0);
    expect(same.output).not.toMatch(/SmokeRun smoke-run (update|create|replace)/);

    // A new values hash: the preview plans an update of the run (and still does not run it).
    const set = await ws.pulumi(["config", "set", "valuesHash", "c".repeat(64), "--stack", "e2e"], { cwd: dir });
    expect(set.code, set.output).toBe(0);
    const changed = await ws.pulumi(["preview", "--stack", "e2e"], { cwd: dir, timeoutMs: 300_000 });
    expect(changed.code, changed.output).toBe(0);
    expect(changed.output).toMatch(/~ +pulumi-nodejs:dynamic\/openclaw:SmokeRun smoke-run update/);
    expect(changed.output).toMatch(/smoke checks do not run in preview/);
    expect(changed.output).not.toMatch(/smoke checks failed/);
  });
});
