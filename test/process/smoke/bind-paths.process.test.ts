// The real gateway inside a network namespace
// the test creates (standing in for a pod). The in-pod path is 127.0.0.1 inside
// the namespace (what kubectl port-forward reaches); the pod-IP path is the
// namespace's veth address (what a Service reaches). Both run the bundled Job
// script for real; the pod-IP path also runs the library in-process.
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { comparePaths } from "../../../components/smoke/agreement";
import { runChecks } from "../../../components/smoke/checks";
import { smokeFailureMessage, smokeRecord } from "../../../components/smoke/record";
import { type ClusterTarget } from "../../../components/smoke/target";
import { startGateway, type RunningGateway } from "../../support/gateway";
import { createNetns, type Netns } from "../../support/netns";
import { byName, runJobScript } from "../../support/smoke";

const READY_MS = 90_000;

describe("bind=lan in a pod-like namespace", () => {
  let ns: Netns;
  let gw: RunningGateway;
  beforeAll(async () => {
    ns = createNetns();
    gw = await startGateway({ bind: "lan", netns: ns, readOnlyConfig: true });
    await gw.waitReady(READY_MS);
  });
  afterAll(async () => {
    await gw?.stop();
    ns?.destroy();
  });

  it("starts with its config file and directory mounted read-only (like the ConfigMap at /etc/openclaw)", async () => {
    // The gateway reached ready in beforeAll; prove the mount it saw really was read-only.
    const { readFileSync } = await import("node:fs");
    const etc = gw.configPath.replace(/\/[^/]+$/, "");
    const mount = readFileSync(`/proc/${gw.pid}/mountinfo`, "utf8")
      .split("\n")
      .find((l) => l.split(" ")[4] === etc);
    expect(mount, `no mount of ${etc} in the gateway's mount namespace`).toBeDefined();
    expect(mount!.split(" ")[5].split(",")).toContain("ro");
    expect(gw.output()).toMatch(/listening/);
  });

  it("in-pod path (127.0.0.1 inside the namespace) and pod-IP path both pass and agree", async () => {
    const [inPod, podIp, library] = await Promise.all([
      runJobScript({ baseUrl: gw.inPodUrl, token: gw.token, budgetMs: 15_000, pathName: "portForward", netns: ns }),
      runJobScript({ baseUrl: gw.baseUrl!, token: gw.token, budgetMs: 15_000, pathName: "inCluster" }),
      runChecks({ baseUrl: gw.baseUrl!, token: gw.token, budgetMs: 15_000, pathName: "podIp" }),
    ]);
    for (const run of [inPod, podIp]) {
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(run.evidence.ok).toBe(true);
      expect(run.terminationMessage).toBe(run.stdout.trim());
      expect(run.stdout).not.toContain(gw.token);
    }
    expect(library.ok).toBe(true);
    const c = byName(inPod.evidence);
    expect(c.startup.status).toBe(200);
    expect(c.toolCall.status).toBe(200);
    // Loopback peers get the version from /startupz; off-loopback peers only {ok,status} (docs/facts.md §1).
    expect(inPod.evidence.gatewayVersion).toBe("2026.9.6");
    expect(podIp.evidence.gatewayVersion).toBeNull();
    expect(podIp.evidence.url).toBe(`http://${ns.podIp}:${gw.port}`);
    const a = comparePaths(inPod.evidence, podIp.evidence, { bind: "lan" });
    expect(a).toMatchObject({ signedOff: true, agree: true, verdict: "signed-off", diagnosis: [] });
  });

  it("a dropped source (what a NetworkPolicy does) times out via the pod IP while in-pod passes: diagnosis names the NetworkPolicy", async () => {
    // Drop TCP to the gateway port from the host end of the veth (the "other pod"),
    // inside the namespace; 127.0.0.1 in the namespace (port-forward) is untouched.
    const nft = (args: string[]) => {
      const r = spawnSync(ns.execPrefix[0], [...ns.execPrefix.slice(1), "nft", ...args], { encoding: "utf8" });
      if (r.status !== 0) throw new Error(`nft ${args.join(" ")}: ${r.stderr || r.error}`);
    };
    nft(["add", "table", "inet", "smoketest"]);
    try {
      nft(["add", "chain", "inet", "smoketest", "input", "{ type filter hook input priority 0 ; policy accept ; }"]);
      nft(["add", "rule", "inet", "smoketest", "input", "ip", "saddr", ns.hostIp, "tcp", "dport", String(gw.port), "drop"]);
      const [inPod, podIp] = await Promise.all([
        runJobScript({ baseUrl: gw.inPodUrl, token: gw.token, budgetMs: 10_000, pathName: "portForward", netns: ns }),
        runChecks({ baseUrl: gw.baseUrl!, token: gw.token, budgetMs: 2_500, pathName: "inCluster", attemptTimeoutMs: 1_000 }),
      ]);
      expect(inPod.evidence.ok).toBe(true);
      expect(podIp.ok).toBe(false);
      for (const c of podIp.checks) expect(c).toMatchObject({ ok: false, status: null, failure: "timeout" });
      const a = comparePaths(inPod.evidence, podIp, { bind: "lan" });
      expect(a.diagnosis.map((f) => f.cause)).toEqual(["network-policy-drops-source"]);
      expect(a.diagnosis[0].because).toMatch(/NetworkPolicy most likely drops this source/);
    } finally {
      nft(["delete", "table", "inet", "smoketest"]);
    }
  });

  it("a Service targetPort that is not the container port: refused via the pod IP, diagnosis names both ports", async () => {
    const wrong = gw.port + 1;
    const [inPod, podIp] = await Promise.all([
      runJobScript({ baseUrl: gw.inPodUrl, token: gw.token, budgetMs: 10_000, pathName: "portForward", netns: ns }),
      runChecks({ baseUrl: `http://${ns.podIp}:${wrong}`, token: gw.token, budgetMs: 1_500, pathName: "inCluster" }),
    ]);
    expect(inPod.evidence.ok).toBe(true);
    for (const c of podIp.checks) expect(c.failure).toBe("connection-refused");
    const a = comparePaths(inPod.evidence, podIp, { bind: "lan", containerPort: gw.port, targetPort: wrong });
    expect(a.diagnosis.map((f) => f.cause)).toEqual(["target-port-mismatch"]);
    expect(a.diagnosis[0].because).toBe(`Service targetPort ${wrong} ≠ containerPort ${gw.port}`);
  });
});

describe("bind=loopback in the same setup", () => {
  let ns: Netns;
  let gw: RunningGateway;
  beforeAll(async () => {
    ns = createNetns();
    gw = await startGateway({ bind: "loopback", netns: ns });
    await gw.waitReady(READY_MS);
  });
  afterAll(async () => {
    await gw?.stop();
    ns?.destroy();
  });

  it("in-pod passes, pod-IP is refused, and the diagnosis says the bind is loopback", async () => {
    const [inPod, podIp] = await Promise.all([
      runJobScript({ baseUrl: gw.inPodUrl, token: gw.token, budgetMs: 10_000, pathName: "portForward", netns: ns }),
      runJobScript({ baseUrl: `http://${ns.podIp}:${gw.port}`, token: gw.token, budgetMs: 2_000, pathName: "inCluster" }),
    ]);
    expect(inPod.code).toBe(0);
    expect(inPod.evidence.ok).toBe(true);
    expect(podIp.code).toBe(1);
    expect(podIp.evidence.ok).toBe(false);
    for (const c of podIp.evidence.checks) {
      expect(c.failure).toBe("connection-refused");
      expect(c.status).toBeNull();
      expect(c.reason).toMatch(/connection refused/);
    }
    // Without knowing the deployed bind, the evidence alone points at loopback first.
    const blind = comparePaths(inPod.evidence, podIp.evidence);
    expect(blind.verdict).toBe("disagree");
    expect(blind.signedOff).toBe(false);
    expect(blind.diagnosis[0].cause).toBe("bind-loopback");
    expect(blind.summary).toMatch(/portForward passes but inCluster fails; likely: bind-loopback/);
    // With the deployed bind known, it says so outright.
    const known = comparePaths(inPod.evidence, podIp.evidence, { bind: "loopback" });
    expect(known.diagnosis.map((f) => f.cause)).toEqual(["bind-loopback"]);
    expect(known.diagnosis[0].because).toMatch(/deployed with bind=loopback/);

    // The error that fails `pulumi up`: verdict, diagnosis, both paths' evidence; never the token,
    // even when something echoed it into a reason.
    const target: ClusterTarget = {
      namespace: "openclaw", serviceName: "openclaw-gateway", deploymentName: "openclaw-gateway", port: gw.port,
      image: `ghcr.io/openclaw/openclaw:2026.9.6@sha256:${"c".repeat(64)}`, tokenSecretName: "openclaw-gateway-token",
      tokenSecretKey: "OPENCLAW_GATEWAY_TOKEN", budgetMs: 10_000, runId: "t2",
    };
    const echoed = structuredClone(podIp.evidence);
    echoed.checks[3].reason = `upstream said: bad bearer ${gw.token}`;
    const record = smokeRecord(target, { portForward: inPod.evidence, inCluster: echoed, agreement: known }, "f".repeat(64), gw.token);
    const msg = smokeFailureMessage(record, gw.token);
    expect(msg).toMatch(/^smoke checks failed for .*: disagree/);
    expect(msg).toMatch(/1\. bind-loopback: the gateway is deployed with bind=loopback/);
    expect(msg).toMatch(/portForward http:\/\/127\.0\.0\.1:\d+: PASS/);
    expect(msg).toMatch(/inCluster http:\/\/10\.231\.\d+\.\d+:\d+: FAIL/);
    expect(msg).toMatch(/connection-refused: connection refused/);
    expect(msg).toContain("[redacted]");
    expect(msg).not.toContain(gw.token);
    expect(JSON.stringify(record)).not.toContain(gw.token);
  });
});
