// The smoke CLI and the Job script against the REAL gateway (inside a network
// namespace this test owns, bind=lan, reached on its pod IP): with the right
// token everything passes and no fragment of the token is printed; with a wrong
// token the tool call fails at once (auth is terminal), not after the budget, and
// neither token appears anywhere.
import { spawn } from "node:child_process";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Evidence } from "../../../components/smoke/checks";
import { node24, startGateway, type RunningGateway } from "../../support/gateway";
import { leakedFragment } from "../../support/leak";
import { createNetns, type Netns } from "../../support/netns";
import { byName, runJobScript } from "../../support/smoke";

const ROOT = resolve(__dirname, "../../..");
const WRONG = "0badc0ffee5eed4a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a";

function runCli(args: string[], token: string): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = performance.now();
  return new Promise((r) => {
    const child = spawn(node24(), [join(ROOT, "node_modules/ts-node/dist/bin.js"), "--transpile-only", join(ROOT, "scripts/cli/smoke.ts"), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "/usr/bin", HOME: process.env.HOME ?? "/root", OPENCLAW_GATEWAY_TOKEN: token },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      r({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}

describe("smoke CLI against the real gateway", () => {
  let ns: Netns;
  let gw: RunningGateway;
  beforeAll(async () => {
    ns = createNetns("adv");
    // 64 hex characters, as `openssl rand -hex 32` prints: what the token rule asks for.
    gw = await startGateway({ bind: "lan", netns: ns, token: "5e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f" });
    await gw.waitReady(180_000);
  }, 240_000);
  afterAll(async () => {
    await gw?.stop();
    ns?.destroy();
  });

  it("the right token: all four checks pass, the token is nowhere in the output", async () => {
    const cli = await runCli(["--url", gw.baseUrl!, "--budget-seconds", "60"], gw.token);
    expect(cli.code, cli.stderr).toBe(0);
    const ev = JSON.parse(cli.stdout) as Evidence;
    expect(ev.checks.every((c) => c.ok)).toBe(true);
    expect(leakedFragment(cli.stdout + cli.stderr, gw.token)).toBeUndefined();
  }, 120_000);

  it("a wrong token: the tool call fails at once as auth, and neither token is printed", async () => {
    const cli = await runCli(["--url", gw.baseUrl!, "--budget-seconds", "60"], WRONG);
    expect(cli.code).toBe(1);
    const tool = byName(JSON.parse(cli.stdout) as Evidence).toolCall;
    expect(tool.failure).toBe("auth");
    expect(tool.attempts).toBe(1);
    expect(cli.ms).toBeLessThan(45_000);
    for (const t of [WRONG, gw.token]) expect(leakedFragment(cli.stdout + cli.stderr, t)).toBeUndefined();
  }, 120_000);

  it("the Job script: passes, and its termination message carries no token", async () => {
    const run = await runJobScript({ baseUrl: gw.baseUrl!, token: gw.token, budgetMs: 60_000, pathName: "inCluster" });
    expect(run.code, run.stdout).toBe(0);
    expect(leakedFragment(run.stdout + run.stderr + run.terminationMessage, gw.token)).toBeUndefined();
  }, 120_000);
});
