// Cold start, wrong token, gateway down and a catch-all page, against one real
// gateway started once for the file, bind=lan inside a network namespace the test
// creates (the gateway looks up a model catalog at start: in the namespace that
// lookup cannot leave the machine). The checks reach it on the namespace's address:
// they wait through its cold start, see a wrong token as auth, fail within the
// budget once it is down, and refuse a server that answers the catch-all page everywhere.
import { spawnSync } from "node:child_process";
import { createServer, type Server } from "node:http";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatEvidence, runChecks } from "../../../components/smoke/checks";
import { freeLoopbackPort, startGateway, type RunningGateway } from "../../support/gateway";
import { createNetns, type Netns } from "../../support/netns";
import { byName } from "../../support/smoke";

const ROOT = resolve(__dirname, "../../..");

describe("one real gateway through its life", () => {
  let gw: RunningGateway;
  let gwStarted: Promise<RunningGateway>;
  let ns: Netns;
  beforeAll(() => {
    ns = createNetns();
    // Not awaited for readiness: test 4 runs the checks while it is still cold.
    gwStarted = startGateway({ bind: "lan", netns: ns }).then((g) => (gw = g));
  });
  afterAll(async () => {
    await (gw ?? (await gwStarted.catch(() => undefined)))?.stop();
    ns?.destroy();
  });

  it("while the gateway is still starting, the checks wait within the budget and pass", async () => {
    const g = await gwStarted;
    const ev = await runChecks({ baseUrl: g.baseUrl!, token: g.token, budgetMs: 90_000, pathName: "coldStart" });
    expect(ev.ok, formatEvidence(ev)).toBe(true);
    const c = byName(ev);
    // The first attempts met a gateway that was not listening yet: they were retried, not slept through.
    expect(c.startup.attempts).toBeGreaterThan(1);
    expect(c.readiness.attempts).toBeGreaterThan(1);
    expect(ev.durationMs).toBeLessThan(ev.budgetMs);
    // Readiness can only pass at or after startup (the gateway mounts /readyz first, then becomes ready).
    expect(c.readiness.passedAfterMs!).toBeGreaterThan(1000);
    // Off loopback /startupz answers only {ok,status} (docs/facts.md §1): no version on this path.
    expect(ev.gatewayVersion).toBeNull();
  });

  it("a wrong token fails the tool call with 401 and says it is auth", async () => {
    // Shaped like a real token (the token rule refuses anything else before a request is made).
    const wrong = "0badc0de1bad2bad3bad4bad5bad6bad7bad8bad9badabadbbadcbaddbadebad";
    const t0 = performance.now();
    const ev = await runChecks({ baseUrl: gw.baseUrl!, token: wrong, budgetMs: 20_000, pathName: "wrongToken" });
    const c = byName(ev);
    expect(ev.ok).toBe(false);
    expect(c.toolCall).toMatchObject({ ok: false, status: 401, failure: "auth", attempts: 1 });
    expect(c.toolCall.reason).toMatch(/authentication failed \(HTTP 401\).*token is wrong or missing/);
    // Health checks need no token and still pass; a wrong token is not worth retrying.
    expect(c.startup.ok && c.liveness.ok && c.readiness.ok).toBe(true);
    expect(performance.now() - t0).toBeLessThan(5_000);
    const text = JSON.stringify(ev) + formatEvidence(ev);
    expect(text).not.toContain(wrong);
    expect(text).not.toContain(gw.token);
  });

  it("npm run smoke -- --url: prints the evidence, exits 0 on pass and 1 on a wrong token, never echoes the token", async () => {
    const cli = (args: string[], env: Record<string, string>) =>
      spawnSync("npm", ["run", "-s", "smoke", "--", ...args], { cwd: ROOT, encoding: "utf8", timeout: 120_000, env: { ...process.env, ...env } });
    const ok = cli(["--url", gw.baseUrl!, "--token-env", "SMOKE_TEST_TOKEN", "--budget-seconds", "20"], { SMOKE_TEST_TOKEN: gw.token });
    expect(ok.status, ok.stderr).toBe(0);
    const ev = JSON.parse(ok.stdout);
    expect(ev).toMatchObject({ schema: "openclaw.smoke/v1", pathName: "cli", ok: true, url: gw.baseUrl });
    expect(ok.stderr).toMatch(/^cli http:\/\/10\.231\.\d+\.\d+:\d+: PASS/m);
    const bad = cli(["--url", gw.baseUrl!, "--budget-seconds", "10"], { OPENCLAW_GATEWAY_TOKEN: "f00dfeed1f2e3d4c5b6a79881726354453627180a9b8c7d6e5f4a3b2c1d0e9f8" });
    expect(bad.status).toBe(1);
    expect(JSON.parse(bad.stdout).checks.find((c: { name: string }) => c.name === "toolCall")).toMatchObject({ status: 401, failure: "auth" });
    expect(ok.stdout + ok.stderr + bad.stdout + bad.stderr).not.toContain(gw.token);
    expect(bad.stdout + bad.stderr).not.toContain("f00dfeed1f2e3d4c");
    const usage = cli(["--url", "ftp://x"], {});
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/has scheme ftp; use http or https/);
  });

  it("with the gateway down, the checks fail within the budget with connection refused in the evidence", async () => {
    const port = gw.port;
    await gw.stop();
    const budgetMs = 3_000;
    const t0 = performance.now();
    const ev = await runChecks({ baseUrl: `http://${ns.podIp}:${port}`, token: gw.token, budgetMs, pathName: "down" });
    const took = performance.now() - t0;
    expect(ev.ok).toBe(false);
    expect(took).toBeGreaterThanOrEqual(budgetMs - 50);
    expect(took).toBeLessThan(budgetMs + 300);
    for (const c of ev.checks) {
      expect(c).toMatchObject({ ok: false, status: null, failure: "connection-refused" });
      expect(c.reason).toMatch(/connection refused/);
      expect(c.attempts).toBeGreaterThan(2);
    }
  });
});

describe("test 5: a server that answers 200 HTML on every path", () => {
  let srv: Server;
  let url: string;
  beforeAll(async () => {
    // The shape of the gateway's Control UI catch-all (observed on 2026.9.6 for `/`, `/livez`, `/status`).
    const page = `<!doctype html>\n<html data-openclaw-control-ui-base-path="" lang="en"><head><meta charset="UTF-8"><title>OpenClaw</title></head><body><div id="app"></div></body></html>`;
    srv = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(page);
    });
    const port = await freeLoopbackPort();
    await new Promise<void>((r) => srv.listen(port, "127.0.0.1", r));
    url = `http://127.0.0.1:${port}`;
  });
  afterAll(() => new Promise<void>((r) => srv.close(() => r())));

  it("fails every check as a catch-all page, not a probe response", async () => {
    const ev = await runChecks({ baseUrl: url, token: "7e57c0de9a8b7c6d5e4f30211203f4e5d6c7b8a9", budgetMs: 1_500, pathName: "catchAll" });
    expect(ev.ok).toBe(false);
    expect(ev.checks).toHaveLength(4);
    for (const c of ev.checks) {
      expect(c).toMatchObject({ ok: false, status: 200, failure: "catch-all-html" });
      expect(c.reason).toMatch(/catch-all page, not a probe response/);
    }
    expect(ev.gatewayVersion).toBeNull();
  });
});
