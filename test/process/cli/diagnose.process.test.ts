// OOMKilled / NotReady diagnosis. No kubelet runs here, so the pod, event and
// node documents are test doubles in the shape `kubectl get … -o json` prints;
// the ticket comes from a real program run (mocks).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { diagnose, type EventDoc, type NodeDoc, type PodDoc } from "../../../components/diagnose";
import type { ChangeTicket } from "../../../components/ticket";
import { ROOT, runProgram } from "../../support/program";

let ticket: ChangeTicket;
let outputs: Record<string, unknown>;
beforeAll(async () => {
  outputs = (await runProgram("prod")).outputs;
  ticket = outputs.changeTicket as ChangeTicket;
});

function pod(name: string, opts: { ready?: boolean; image?: string; last?: object; state?: object; restarts?: number } = {}): PodDoc {
  return {
    metadata: { name, namespace: "openclaw" },
    spec: { nodeName: "node-a", containers: [{ name: "gateway", image: opts.image ?? ticket.image.ref }] },
    status: {
      phase: "Running",
      conditions: [{ type: "Ready", status: opts.ready === false ? "False" : "True" }],
      containerStatuses: [
        { name: "gateway", ready: opts.ready !== false, restartCount: opts.restarts ?? 0, state: opts.state ?? { running: { startedAt: "2026-11-26T10:00:00Z" } }, lastState: opts.last ? { terminated: opts.last } : {} },
      ],
    },
  };
}
const unhealthy = (podName: string, message: string): EventDoc => ({ involvedObject: { kind: "Pod", name: podName }, reason: "Unhealthy", type: "Warning", message, count: 12 });
const node = (name: string, pressure: boolean): NodeDoc => ({
  metadata: { name },
  status: { conditions: [{ type: "MemoryPressure", status: pressure ? "True" : "False" }], addresses: [{ type: "InternalIP", address: "10.30.4.17" }] },
});

describe("diagnose", () => {
  it("healthy pods give no findings and no decision", () => {
    const d = diagnose({ pods: [pod("gw-1"), pod("gw-2")], events: [], nodes: [node("node-a", false)], ticket });
    expect(d).toMatchObject({ healthy: true, decision: "none", findings: [] });
  });

  it("OOMKilled under load: retune, naming the limit and the observed P95", () => {
    const d = diagnose({ pods: [pod("gw-1", { restarts: 3, last: { reason: "OOMKilled", exitCode: 137, startedAt: "2026-11-26T08:00:00Z", finishedAt: "2026-11-26T09:30:00Z" } })], events: [], ticket });
    expect(d.decision).toBe("retune");
    expect(d.findings[0].signal).toBe("OOMKilled");
    expect(d.findings[0].evidence).toContain("exit 137 after 5400 s, restarts 3, limit 1392Mi");
    expect(d.findings[0].likelyCause).toMatch(/observed P95 1013Mi.*concurrent tool calls/);
  });

  it("OOMKilled during start-up on the new release: roll back, blaming boot peak or heap cap", () => {
    const d = diagnose({ pods: [pod("gw-1", { last: { reason: "OOMKilled", exitCode: 137, startedAt: "2026-11-26T08:00:00Z", finishedAt: "2026-11-26T08:00:20Z" } })], events: [], ticket });
    expect(d.decision).toBe("roll back");
    expect(d.findings[0].likelyCause).toMatch(/during start-up.*--max-old-space-size=1044/);
    expect(d.summary).toContain(ticket.rollback.target!.image);
  });

  it("NotReady with connection refused: the bind is loopback or the port is wrong", () => {
    const d = diagnose({ pods: [pod("gw-1", { ready: false })], events: [unhealthy("gw-1", 'Readiness probe failed: Get "http://10.1.2.3:18789/readyz": dial tcp 10.1.2.3:18789: connect: connection refused')], ticket });
    expect(d.findings[0].signal).toBe("NotReady: connection refused");
    expect(d.findings[0].cause).toBe("probe-refused");
    expect(d.findings[0].likelyCause).toMatch(/binds loopback.*gateway port 18789/);
    expect(d.findings[0].nextStep).toContain("127.0.0.1:18789/readyz");
  });

  it("NotReady with probe timeouts: the NetworkPolicy drops the kubelet, naming node IPs and configured CIDRs", () => {
    const d = diagnose({
      pods: [pod("gw-1", { ready: false, image: ticket.rollback.target!.image })],
      events: [unhealthy("gw-1", 'Readiness probe failed: Get "http://10.1.2.3:18789/readyz": context deadline exceeded (Client.Timeout exceeded while awaiting headers)')],
      nodes: [node("node-a", false)],
      ticket,
    });
    expect(d.decision).toBe("fix config");
    // The smoke checks' word for a NetworkPolicy dropping a source: one vocabulary.
    expect(d.findings[0].cause).toBe("network-policy-drops-source");
    expect(d.findings[0].likelyCause).toMatch(/kubelet CIDRs 10\.30\.0\.0\/16; node InternalIPs are 10\.30\.4\.17/);
  });

  it("NotReady with 403: the version-specific probe auth of 2026.8.1 (#134735), roll back on the new release", () => {
    const d = diagnose({ pods: [pod("gw-1", { ready: false })], events: [unhealthy("gw-1", "Readiness probe failed: HTTP probe failed with statuscode: 403")], ticket });
    expect(d.findings[0].signal).toBe("NotReady: HTTP 403");
    expect(d.findings[0].likelyCause).toContain("#134735");
    expect(d.findings[0].cause).toBe("probe-auth");
    expect(d.decision).toBe("roll back");
  });

  it("NotReady with 503: routes not mounted yet, wait", () => {
    const d = diagnose({ pods: [pod("gw-1", { ready: false })], events: [unhealthy("gw-1", "Readiness probe failed: HTTP probe failed with statuscode: 503")], ticket });
    expect(d.decision).toBe("wait");
    expect(d.findings[0].cause).toBe("readiness-routes-not-mounted");
    expect(d.findings[0].likelyCause).toMatch(/failing\[\]/);
  });

  it("startup probe failures: retune the cold-start budget", () => {
    const d = diagnose({ pods: [pod("gw-1", { ready: false })], events: [unhealthy("gw-1", "Startup probe failed: Get \"http://10.1.2.3:18789/startupz\": dial tcp: i/o timeout")], ticket });
    // A timeout on the startup probe is still a dropped packet first: the NetworkPolicy is checked before the budget.
    expect(d.findings[0].signal).toBe("NotReady: probe timed out");
    const slow = diagnose({ pods: [pod("gw-1", { ready: false })], events: [unhealthy("gw-1", "Startup probe failed: HTTP probe failed with statuscode: 503")], ticket });
    expect(slow.findings[0].signal).toBe("NotReady: HTTP 503");
  });

  it("exit 78 names config or migration and openclaw doctor --fix", () => {
    const d = diagnose({ pods: [pod("gw-1", { ready: false, state: { waiting: { reason: "CrashLoopBackOff" } }, last: { reason: "Error", exitCode: 78 } })], events: [], ticket });
    expect(d.findings.map((f) => f.signal)).toContain("exit 78");
    expect(d.findings.find((f) => f.signal === "exit 78")!.nextStep).toContain("openclaw doctor --fix");
  });

  it("image pull failures and node memory pressure", () => {
    const d = diagnose({ pods: [pod("gw-1", { ready: false, state: { waiting: { reason: "ImagePullBackOff", message: "not found" } } })], events: [], nodes: [node("node-a", true)], ticket });
    expect(d.findings.map((f) => f.signal)).toEqual(["ImagePullBackOff", "node MemoryPressure"]);
    expect(d.decision).toBe("roll back");
  });

  it("no pods at all", () => {
    const d = diagnose({ pods: [], events: [], ticket });
    expect(d.findings[0].signal).toBe("no pods");
    expect(d.healthy).toBe(false);
  });
});

describe("npm run diagnose", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "diagnose-"));
    fs.writeFileSync(path.join(dir, "outputs.json"), JSON.stringify(outputs));
    fs.writeFileSync(path.join(dir, "pods.json"), JSON.stringify({ items: [pod("gw-1", { ready: false })] }));
    fs.writeFileSync(path.join(dir, "events.json"), JSON.stringify({ items: [unhealthy("gw-1", "Readiness probe failed: dial tcp 10.1.2.3:18789: connect: connection refused")] }));
    fs.writeFileSync(path.join(dir, "healthy.json"), JSON.stringify({ items: [pod("gw-1")] }));
    fs.writeFileSync(path.join(dir, "broken.json"), "{");
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [path.join(ROOT, "scripts/cli/run.js"), "diagnose", ...args], { cwd: dir, encoding: "utf8" });

  it("prints the findings and exits 1 when something is wrong, 0 when healthy", () => {
    const bad = cli("--outputs", "outputs.json", "--pods", "pods.json", "--events", "events.json");
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/\[roll back\] NotReady: connection refused \(gw-1\)/);
    expect(bad.stdout).toContain("kubectl --namespace openclaw rollout undo deployment/openclaw-gateway");
    const good = cli("--outputs", "outputs.json", "--pods", "healthy.json", "--events", "events.json", "--json");
    expect(good.status).toBe(0);
    expect(JSON.parse(good.stdout).healthy).toBe(true);
  });

  it("a malformed file is a clear error, not a stack trace", () => {
    const r = cli("--outputs", "outputs.json", "--pods", "broken.json", "--events", "events.json");
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("diagnose: --pods broken.json: not JSON (save it with `kubectl get … -o json` or `pulumi stack output --json`)\n");
  });
});
