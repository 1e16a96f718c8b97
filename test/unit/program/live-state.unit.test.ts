// The diagnosis reads what runs, not what the stack config says: the live
// Deployment's --bind and ports and the Service's targetPort (smoke), and the
// pods' own argv (diagnose). Documents in the shape `kubectl get -o json` prints;
// the same functions run against the real cluster in test/cluster.
import { describe, expect, it } from "vitest";
import { diagnose, type PodDoc } from "../../../components/diagnose";
import { comparePaths } from "../../../components/smoke/agreement";
import { type Evidence } from "../../../components/smoke/checks";
import { effectiveBind, liveContextFrom } from "../../../components/smoke/live";
import type { ChangeTicket } from "../../../components/ticket";
import type { Deployment } from "kubernetes-types/apps/v1";

const deployment = (args: string[], ports = [{ name: "gateway", containerPort: 18789, protocol: "TCP" }]): Deployment => ({
  spec: { selector: {}, template: { spec: { containers: [{ name: "gateway", command: ["node", "/app/dist/index.js"], args, ports }] } } },
});
const service = (targetPort: number | string) => ({ spec: { ports: [{ name: "gateway", port: 18789, targetPort }] } });

describe("effectiveBind", () => {
  it("reads --bind X and --bind=X; the last one wins; absent is undefined", () => {
    expect(effectiveBind(["gateway", "run", "--bind", "lan", "--port", "18789"])).toBe("lan");
    expect(effectiveBind(["gateway", "run", "--bind", "lan", "--bind=loopback"])).toBe("loopback");
    expect(effectiveBind(["gateway", "run"])).toBeUndefined();
  });
});

describe("liveContextFrom", () => {
  it("a healthy deployment: bind lan, named targetPort resolved to the container port", () => {
    expect(liveContextFrom(deployment(["gateway", "run", "--bind", "lan", "--port", "18789"]), service("gateway"))).toEqual({ bind: "lan", containerPort: 18789, targetPort: 18789 });
  });
  it("a patched Service targetPort shows as a number that differs", () => {
    expect(liveContextFrom(deployment(["gateway", "run", "--bind", "lan"]), service(18790))).toMatchObject({ containerPort: 18789, targetPort: 18790 });
  });
  it("a named targetPort no container carries reaches nothing: port 0", () => {
    expect(liveContextFrom(deployment(["--bind", "lan"]), service("gatway")).targetPort).toBe(0);
  });
  it("a loopback patch is seen even though the stack says lan", () => {
    expect(liveContextFrom(deployment(["gateway", "run", "--bind", "loopback"]), service("gateway")).bind).toBe("loopback");
  });
  it("no deployment document: nothing known", () => {
    expect(liveContextFrom(undefined, undefined)).toEqual({});
  });
});

describe("diagnose: loopback bind behind a Service", () => {
  const ticket = {
    stack: "dev",
    environment: "dev",
    image: { ref: "localhost/openclaw/openclaw:2026.9.6@sha256:" + "a".repeat(64), digest: "sha256:" + "a".repeat(64) },
    resources: { limits: { memory: "1317Mi" }, observed: { p95WorkingSet: "1013Mi" }, nodeHeapCapMiB: 987 },
    network: { bind: "lan", port: 18789, startupGraceSeconds: 70, ingressSources: [], kubeletCidrs: ["10.231.0.1/32"] },
    endpoints: { namespace: "openclaw-dev", deployment: "openclaw-gateway", service: "openclaw-gateway", serviceUrl: null },
    rollback: { target: null, emergency: [] },
  } as unknown as ChangeTicket;
  const pod = (args: string[]): PodDoc => ({
    metadata: { name: "gw-1" },
    spec: { containers: [{ name: "gateway", image: ticket.image.ref, command: ["node", "/app/dist/index.js"], args }] },
    status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }], containerStatuses: [{ name: "gateway", ready: true, state: { running: {} } }] },
  });
  const evidence = (pathName: string, ok: boolean): Evidence => ({
    schema: "openclaw.smoke/v1", pathName, url: "http://x", ok, startedAt: "", finishedAt: "", durationMs: 1, budgetMs: 1000, gatewayVersion: null,
    checks: (["startup", "liveness", "readiness", "toolCall"] as const).map((name) => ({
      name, method: "GET" as const, path: "/", ok, status: ok ? 200 : null, latencyMs: 1, attempts: 1, passedAfterMs: ok ? 1 : null,
      failure: ok ? null : ("connection-refused" as const), reason: ok ? null : "connect ECONNREFUSED",
    })),
  });
  const pass = (pathName: string) => evidence(pathName, true);
  const refused = (pathName: string) => evidence(pathName, false);
  it("a Ready pod bound to loopback is a finding that names the bind and the drift from the stack", () => {
    const d = diagnose({ pods: [pod(["gateway", "run", "--bind", "loopback", "--port", "18789"])], events: [], ticket });
    expect(d.healthy).toBe(false);
    expect(d.decision).toBe("fix config");
    expect(d.findings[0].signal).toBe("bind loopback behind a Service");
    // The word the smoke checks use for the same fault when port-forward passes and the Service path is refused.
    expect(d.findings[0].cause).toBe("bind-loopback");
    expect(comparePaths(pass("portForward"), refused("inCluster"), { bind: "loopback" }).diagnosis.map((f) => f.cause)).toContain(d.findings[0].cause);
    expect(d.findings[0].evidence).toMatch(/--bind loopback.*stack says bind=lan/);
  });
  it("the program's own pods (bind lan) are healthy", () => {
    const args = ["gateway", "run", "--bind", "lan", "--port", "18789"];
    expect(diagnose({ pods: [pod(args)], events: [], ticket }).healthy).toBe(true);
  });
});
