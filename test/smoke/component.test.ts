// The smoke component inside the real program (index.ts) under Pulumi mocks:
// registered for stacks that apply to a cluster, fed from the gateway's own
// objects and the ticket's values hash, never holding the token; and in a
// preview it does not run and says so. (Mocks never call a dynamic provider's
// create; the provider itself is proven in provider.test.ts and the checks
// against the real gateway in bind-paths/lifecycle.)
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it, vi } from "vitest";
import { GatewaySmokeCheck } from "../../components/smoke";
import { freeLoopbackPort } from "../support/gateway";
import { ROOT, runProgram, TEST_TOKEN } from "../support/program";

const SMOKE_RUN = "pulumi-nodejs:dynamic/openclaw:SmokeRun";

describe("GatewaySmokeCheck in the program", () => {
  it("staging: one smoke run, wired to the gateway's Service, Deployment, Secret, image and values hash, without the token", async () => {
    const run = await runProgram("staging");
    const smoke = run.one(SMOKE_RUN);
    const service = run.one("kubernetes:core/v1:Service");
    const secret = run.one("kubernetes:core/v1:Secret");
    const deployment = run.one("kubernetes:apps/v1:Deployment");
    const ticket = run.outputs.changeTicket as { valuesHash: string; image: { ref: string }; network: { port: number; bind: string } };
    expect(smoke.inputs).toMatchObject({
      namespace: "openclaw-staging",
      serviceName: service.inputs.metadata.name,
      deploymentName: deployment.inputs.metadata.name,
      port: ticket.network.port,
      image: ticket.image.ref,
      valuesHash: ticket.valuesHash,
      tokenSecretName: secret.inputs.metadata.name,
      tokenSecretKey: "OPENCLAW_GATEWAY_TOKEN",
      bind: "lan",
      budgetMs: 45_000,
    });
    expect(smoke.inputs.image).toMatch(/@sha256:[a-f0-9]{64}$/);
    // The provider is closure-serialized even under mocks: it carries the bundled checks.
    expect(typeof smoke.inputs.__provider).toBe("string");
    expect(smoke.inputs.__provider).toContain("openclaw-gateway-infra smoke checks");
    expect(JSON.stringify(smoke.inputs)).not.toContain(TEST_TOKEN);
    expect(run.outputs).toHaveProperty("smokeEvidence");
    expect(run.outputs).toHaveProperty("smokeStatus");
  });

  it("npm run smoke -- --stack reads the stack's outputs and re-runs both paths through kubectl (here: no API server)", async () => {
    const run = await runProgram("staging");
    const dir = mkdtempSync(join(tmpdir(), "openclaw-smoke-cli-"));
    try {
      const outputsFile = join(dir, "outputs.json");
      writeFileSync(outputsFile, JSON.stringify(run.outputs));
      const closed = await freeLoopbackPort();
      const kubeconfig = join(dir, "kubeconfig");
      writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:${closed}"}}]\nusers: [{name: u, user: {token: dummy}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n`);
      const r = spawnSync("npm", ["run", "-s", "smoke", "--", "--stack", "staging", "--outputs", outputsFile, "--budget-seconds", "5"], {
        cwd: ROOT, encoding: "utf8", timeout: 120_000, env: { ...process.env, KUBECONFIG: kubeconfig, OPENCLAW_GATEWAY_TOKEN: "" },
      });
      expect(r.status, r.stderr).toBe(1);
      const record = JSON.parse(r.stdout);
      expect(record).toMatchObject({ schema: "openclaw.smoke.run/v1", signedOff: false, verdict: "both-fail", image: (run.outputs.image as { ref: string }).ref });
      expect(record.inCluster.url).toBe("http://openclaw-gateway.openclaw-staging.svc.cluster.local:18789");
      expect(record.diagnosis[0].because).toMatch(/portForward could not run: could not read the token from Secret openclaw-staging\/openclaw-gateway-token/);
      // the stack's own kubeconfig context (cluster.context) is part of the command to repeat
      expect(record.reproduce.portForward).toMatch(/^kubectl --context staging -n openclaw-staging port-forward deployment\/openclaw-gateway 18789:18789/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the local (rendering) stack has no cluster and registers no smoke run", async () => {
    const run = await runProgram("local");
    expect(run.byType(SMOKE_RUN)).toHaveLength(0);
    expect(run.outputs.smokeEvidence).toBeNull();
  });
});

describe("GatewaySmokeCheck in a preview", () => {
  it("does not run and says so", async () => {
    const registered: string[] = [];
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => {
          registered.push(args.type);
          // A preview of a first deployment: the dynamic resource's outputs are not known.
          return { id: `${args.name}-id`, state: args.type === SMOKE_RUN ? {} : args.inputs };
        },
        call: (args) => args.inputs,
      },
      "openclaw-gateway-infra",
      "staging",
      true,
    );
    const info = vi.spyOn(pulumi.log, "info").mockImplementation(async () => {});
    try {
      expect(pulumi.runtime.isDryRun()).toBe(true);
      const check = new GatewaySmokeCheck("smoke", {
        namespace: "openclaw",
        serviceName: "openclaw-gateway",
        port: 18789,
        deploymentName: "openclaw-gateway",
        image: `ghcr.io/openclaw/openclaw:2026.9.6@sha256:${"d".repeat(64)}`,
        valuesHash: "e".repeat(64),
        tokenSecretName: "openclaw-gateway-token",
        budgetSeconds: 45,
      });
      // Nothing ran: the verdict and the evidence are unknown until `pulumi up`.
      expect(await (check.status as unknown as { isKnown: Promise<boolean> }).isKnown).toBe(false);
      expect(await (check.evidence as unknown as { isKnown: Promise<boolean> }).isKnown).toBe(false);
      expect(info).toHaveBeenCalledWith(expect.stringMatching(/^smoke checks do not run in preview/), check);
      expect(registered).toContain(SMOKE_RUN);
    } finally {
      info.mockRestore();
    }
  });
});
