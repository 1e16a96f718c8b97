// The smoke dynamic provider survives Pulumi's closure serialization, both
// under vitest (its transform has broken top-level imports before: docs/facts.md §2)
// and in a plain CommonJS process like the Pulumi language host, and the
// deserialized provider works in a fresh process: triggers, input validation,
// and a failing run that fails with evidence + diagnosis and without the token.
import { spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { smokeBundle } from "../../components/smoke/bundle";
import { smokeProvider } from "../../components/smoke/provider";
import { node24 } from "../support/gateway";

const repo = resolve(__dirname, "../..");
const fixtures = join(__dirname, "fixtures");
const KUBE_TOKEN = "kube-bearer-9d8c7b6a5f4e3d2c1b0a";

let dir: string;
let closedPort: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "openclaw-smoke-provider-"));
  // A loopback port with nothing listening: the "API server" kubectl will be refused by.
  closedPort = await new Promise<number>((res) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function scenario(): string {
  const kubeconfig = [
    "apiVersion: v1",
    "kind: Config",
    `clusters: [{name: c, cluster: {server: "https://127.0.0.1:${closedPort}", insecure-skip-tls-verify: true}}]`,
    `users: [{name: u, user: {token: "${KUBE_TOKEN}"}}]`,
    "contexts: [{name: x, context: {cluster: c, user: u}}]",
    "current-context: x",
  ].join("\n");
  const inputs = {
    namespace: "openclaw",
    serviceName: "openclaw-gateway",
    deploymentName: "openclaw-gateway",
    port: 18789,
    image: `ghcr.io/openclaw/openclaw:2026.9.6@sha256:${"a".repeat(64)}`,
    valuesHash: "0".repeat(64),
    tokenSecretName: "openclaw-gateway-token",
    tokenSecretKey: "OPENCLAW_GATEWAY_TOKEN",
    budgetMs: 5000,
    kubeconfig,
    bind: "lan",
  };
  const file = join(dir, `scenario-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify({ inputs }));
  return file;
}

function loadAndDrive(serialized: string) {
  const textFile = join(dir, `provider-${Math.random().toString(36).slice(2)}.js`);
  writeFileSync(textFile, serialized);
  const r = spawnSync(node24(), [join(fixtures, "load-provider.cjs"), textFile, scenario()], { cwd: repo, encoding: "utf8", timeout: 120_000 });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

function expectWorkingProvider(out: any) {
  expect(out.methods).toEqual(["check", "create", "delete", "diff", "update"]);
  expect(out.checkGood.failures).toEqual([]);
  expect(out.checkBad.failures.map((f: { property: string }) => f.property).sort()).toEqual(["budgetMs", "image", "port"]);
  expect(out.checkBad.failures.find((f: { property: string }) => f.property === "image").reason).toMatch(/pinned by digest/);
  // Re-run only when the image digest or the values hash changes.
  expect(out.diffSame.changes).toBe(false);
  expect(out.diffImage.changes).toBe(true);
  expect(out.diffValues.changes).toBe(true);
  // kubectl is refused by the (absent) API server: the run fails, naming both paths and why.
  expect(out.create.ok).toBe(false);
  const msg: string = out.create.message;
  expect(msg).toMatch(/^smoke checks failed for ghcr\.io\/openclaw\/openclaw:2026\.9\.6@sha256:a{64}/);
  // No token input: the provider reads it from the gateway's Secret, which the refused API cannot give.
  expect(msg).toMatch(/path-not-run: portForward could not run: could not read the token from Secret openclaw\/openclaw-gateway-token: .*refused/);
  expect(msg).toMatch(/; inCluster could not run: kubectl create of the smoke Job failed/);
  expect(msg).toMatch(/refused/);
  expect(msg).toMatch(/evidence:\nportForward .*FAIL/);
  expect(msg).toMatch(/^portForward and inCluster could not run; likely: path-not-run$/m);
  expect(msg).not.toContain(KUBE_TOKEN);
  expect(out.createMs).toBeLessThan(30_000);
}

describe("closure serialization of the smoke provider", () => {
  it("serializes under vitest, and the text works in a fresh CommonJS process", async () => {
    const provider = smokeProvider(smokeBundle());
    const sf = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
    expect(sf.containsSecrets).toBe(false);
    expect(sf.text).toContain("exports.handler");
    // Captured as plain data: the bundle text, no imported module objects.
    expect(sf.text).toContain("openclaw-gateway-infra smoke checks");
    expectWorkingProvider(loadAndDrive(sf.text));
  });

  it("serializes in a plain CommonJS process (like the Pulumi language host), and the text works too", () => {
    const r = spawnSync(node24(), ["-r", "ts-node/register/transpile-only", join(fixtures, "serialize-provider.cjs")], {
      cwd: repo,
      encoding: "utf8",
      timeout: 120_000,
      env: { ...process.env, TS_NODE_PROJECT: join(repo, "tsconfig.json") },
    });
    expect(r.status, r.stderr).toBe(0);
    const sf = JSON.parse(r.stdout) as { text: string; containsSecrets: boolean };
    expect(sf.text).toContain("exports.handler");
    expectWorkingProvider(loadAndDrive(sf.text));
  });
});
