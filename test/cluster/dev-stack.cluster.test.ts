// The real program on the real local cluster (npm run cluster:up: kube-apiserver
// with PodSecurity admission, kubelet, containerd, kube-proxy, CoreDNS, a
// NetworkPolicy enforcer), driven by the real Pulumi engine, in the order a
// user lives it: preview, up, evidence, no drift, a config roll, a rollback, the
// emergency path, faults, destroy. Each step builds on the state the previous
// one left; a failed step fails the ones after it (nothing is skipped).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rolloutTimeoutSeconds } from "../../components/gateway";
import { expectOk, type RunResult } from "../e2e/support/engine";
import { buildImages, DevStack, NAMESPACE, sampler } from "./support";

const DEPLOYMENT = "openclaw-gateway";
const SERVICE = "openclaw-gateway";
/** The Deployment's await budget as the program derives it, from the live spec (replicas, startupProbe). */
async function rolloutBudgetSeconds(): Promise<number> {
  const d = await dev.kubectlJson(["-n", NAMESPACE, "get", "deployment", DEPLOYMENT]);
  const p = d.spec.template.spec.containers[0].startupProbe;
  return rolloutTimeoutSeconds({ config: { replicas: d.spec.replicas }, startup: { periodSeconds: p.periodSeconds, failureThreshold: p.failureThreshold } } as never);
}

/** Policy lines the CLI prints, e.g. "[mandatory]  ports-aligned  (kubernetes:…)". */
const mandatory = (output: string) => output.split("\n").filter((l) => l.includes("[mandatory]"));

let dev: DevStack;
let images: ReturnType<typeof buildImages>;

interface Pod {
  metadata: { name: string; labels: Record<string, string>; deletionTimestamp?: string };
  spec: { containers: { name: string; image: string; args?: string[] }[] };
  status: { phase: string; podIP?: string; conditions?: { type: string; status: string }[]; containerStatuses?: { name: string; ready: boolean; imageID: string; restartCount: number; lastState?: any; state?: any }[] };
}
/**
 * Ready and not being deleted: `rollout status` and `pulumi up` return once the new pods are
 * available, while an old pod may still be draining (deleted, yet Ready until it exits).
 */
const isReady = (p: Pod) => !p.metadata.deletionTimestamp && readyCondition(p);
/** The kubelet's Ready condition alone: a draining pod keeps it (and its endpoint) until it exits. */
const readyCondition = (p: Pod) => p.status.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;

async function gatewayPods(): Promise<Pod[]> {
  const list = await dev.kubectlJson<{ items: Pod[] }>(["-n", NAMESPACE, "get", "pods", "-l", "app.kubernetes.io/name=openclaw-gateway"]);
  return list.items;
}

/** Ready endpoint addresses behind the Service right now (EndpointSlices, what kube-proxy routes to). */
async function readyEndpoints(): Promise<number> {
  const list = await dev.kubectlJson<{ items: { endpoints?: { conditions?: { ready?: boolean } }[] }[] }>(["-n", NAMESPACE, "get", "endpointslices", "-l", `kubernetes.io/service-name=${SERVICE}`]);
  return list.items.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready === true).length;
}

function smokeRecord(r: RunResult): any {
  return JSON.parse(r.stdout);
}

describe("the dev stack on the real cluster", () => {
  beforeAll(async () => {
    images = buildImages();
    dev = await DevStack.create(images.text);
    // A namespace left by an earlier, interrupted run would make `pulumi up` fail on create.
    const left = await dev.kubectl(["get", "namespace", NAMESPACE]);
    if (left.code === 0) {
      process.stderr.write(`cluster tests: deleting namespace ${NAMESPACE} left by an earlier run or by npm run dev:up\n`);
      expectOk(await dev.kubectl(["delete", "namespace", NAMESPACE, "--wait=true", "--timeout=180s"], 240_000), "kubectl delete namespace");
    }
  });
  afterAll(async () => {
    // Leave nothing behind even when a step failed: destroy (the last step normally did) and remove the copy.
    if (dev) {
      await dev.pulumi(["destroy", "--yes"], 600_000).catch(() => undefined);
      await dev.dispose();
    }
  });

  it("image:build: both releases are pinned by digest, and the stack config names them", async () => {
    expect(images.current.ref).toMatch(/^localhost\/openclaw\/openclaw:2026\.9\.6@sha256:[a-f0-9]{64}$/);
    expect(images.previous.ref).toMatch(/^localhost\/openclaw\/openclaw:2026\.9\.5@sha256:[a-f0-9]{64}$/);
    const cfg = JSON.parse(expectOk(await dev.pulumi(["config", "--json"]), "pulumi config").stdout);
    expect(JSON.parse(cfg["openclaw-gateway-infra:image"].value).ref).toBe(images.current.ref);
    expect(JSON.parse(cfg["openclaw-gateway-infra:rollback"].value).image).toBe(images.previous.ref);
    expect(cfg["openclaw-gateway-infra:gatewayToken"]).toMatchObject({ secret: true });
    expect(JSON.stringify(cfg)).not.toMatch(/"value":"[a-f0-9]{64}"/); // the token is never shown
  });

  it("pulumi preview --policy-pack (prod config) is clean", async () => {
    const r = expectOk(await dev.pulumi(["preview", ...dev.policyArgs()]), "pulumi preview");
    expect(mandatory(r.output)).toEqual([]);
    expect(r.output).toContain("smoke checks do not run in preview");
  });

  let up: RunResult;
  it("pulumi up: the pods become Ready through the kubelet's probes and the smoke checks sign off on both paths", async () => {
    up = expectOk(await dev.pulumi(["up", "--yes", ...dev.policyArgs()]), "pulumi up");
    expect(mandatory(up.output)).toEqual([]);
    const pods = await gatewayPods();
    expect(pods).toHaveLength(2);
    for (const p of pods) {
      expect(isReady(p)).toBe(true);
      expect(p.spec.containers[0].image).toBe(images.current.ref);
      // The kubelet ran the pinned digest (CRI resolved the digest reference from the imported image).
      expect(p.status.containerStatuses![0].imageID).toContain(images.current.ref.split("@")[1]);
    }
    // The kubelet's own probe path: readiness is an httpGet to the pod IP on the gateway port.
    const dep = await dev.kubectlJson(["-n", NAMESPACE, "get", "deployment", DEPLOYMENT]);
    expect(dep.spec.template.spec.containers[0].readinessProbe.httpGet).toMatchObject({ path: "/readyz", port: "gateway" });
    expect(dep.status.readyReplicas).toBe(2);
    const out = await dev.outputs();
    expect(out.smokeStatus).toBe("signed-off");
    expect(out.smokeEvidence.portForward).toMatchObject({ ok: true, pathName: "portForward", gatewayVersion: "2026.9.6" });
    expect(out.smokeEvidence.inCluster).toMatchObject({ ok: true, pathName: "inCluster", url: `http://${SERVICE}.${NAMESPACE}.svc.cluster.local:18789` });
    expect(out.smokeEvidence.inCluster.checks.map((c: { name: string; ok: boolean }) => [c.name, c.ok])).toEqual([
      ["startup", true],
      ["liveness", true],
      ["readiness", true],
      ["toolCall", true],
    ]);
    // The Job and its ConfigMap are gone.
    const jobs = await dev.kubectlJson(["-n", NAMESPACE, "get", "jobs,configmaps", "-l", "app.kubernetes.io/component=smoke"]);
    expect(jobs.items).toEqual([]);
  });

  it("the namespace enforces Pod Security 'restricted': it admits our pods and refuses a privileged one", async () => {
    const ns = await dev.kubectlJson(["get", "namespace", NAMESPACE]);
    expect(ns.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    const bad = JSON.stringify({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "psa-probe", namespace: NAMESPACE },
      spec: { containers: [{ name: "c", image: images.current.ref, securityContext: { privileged: true } }] },
    });
    const r = await dev.sh(["kubectl", "--context", "openclaw-dev", "create", "--dry-run=server", "-f", "-"], { input: bad });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/violates PodSecurity "restricted:latest".*privileged/);
  });

  it("npm run ticket -- --stack dev shows the signed-off evidence of both paths", async () => {
    const r = expectOk(await dev.npm("ticket", ["--stack", "dev", "--out-dir", dev.ws.root]), "npm run ticket");
    expect(r.stdout).toContain(images.current.ref.split("@")[1]);
    expect(r.stdout).toMatch(/signed-off/);
    expect(r.stdout).toMatch(/portForward/);
    expect(r.stdout).toMatch(/inCluster/);
    expect(r.stdout).toContain(images.previous.ref); // the rollback target
  });

  it("no drift: pulumi up --expect-no-changes and pulumi refresh --expect-no-changes", async () => {
    expectOk(await dev.pulumi(["up", "--yes", "--expect-no-changes", ...dev.policyArgs()]), "pulumi up --expect-no-changes");
    expectOk(await dev.pulumi(["refresh", "--yes", "--expect-no-changes"]), "pulumi refresh --expect-no-changes");
  });

  it("npm run smoke -- --stack dev and npm run diagnose -- --stack dev work against the deployed stack", async () => {
    const s = await dev.npm("smoke", ["--stack", "dev"]);
    expect(s.code, s.output).toBe(0);
    expect(smokeRecord(s)).toMatchObject({ verdict: "signed-off", signedOff: true });
    const d = await dev.npm("diagnose", ["--stack", "dev"]);
    expect(d.code, d.output).toBe(0);
    expect(d.stdout).toMatch(/all 2 gateway pod\(s\) Ready/);
  });

  it("a config change rolls the pods with no loss of capacity (observed: ready endpoints never below 2)", async () => {
    const before = (await gatewayPods()).map((p) => p.metadata.name).sort();
    await dev.config("gateway.coldStartSeconds", "50");
    // "ready" counts draining pods too: the surge pod turns Ready in the same instant an old one is
    // marked for deletion, so pods that are Ready and not deleting never exceed 2 in a sample.
    const watch = sampler(async () => ({ endpoints: await readyEndpoints(), ready: (await gatewayPods()).filter(readyCondition).length }));
    const r = await dev.pulumi(["up", "--yes", ...dev.policyArgs()]);
    const samples = await watch.stop();
    expectOk(r, "pulumi up (config change)");
    // Old pods may still be draining when `pulumi up` returns: only pods not being deleted count.
    const after = (await gatewayPods()).filter((p) => !p.metadata.deletionTimestamp).map((p) => p.metadata.name).sort();
    expect(after.filter((n) => before.includes(n))).toEqual([]); // every pod was replaced
    expect(samples.length).toBeGreaterThan(10);
    expect(Math.min(...samples.map((s) => s.endpoints))).toBeGreaterThanOrEqual(2);
    expect(Math.max(...samples.map((s) => s.ready))).toBeGreaterThanOrEqual(3); // the surge pod was Ready beside the two old ones
    process.stderr.write(`roll: ${samples.length} samples, ready endpoints min ${Math.min(...samples.map((s) => s.endpoints))} max ${Math.max(...samples.map((s) => s.endpoints))}\n`);
    const out = await dev.outputs();
    expect(out.smokeStatus).toBe("signed-off"); // the values hash changed: the checks ran again
  });

  it("rollback the documented Pulumi way (set the image back + up): 2026.9.5 runs, smoke re-runs, the ticket shows it", async () => {
    const out = await dev.outputs();
    // The ticket spells the commands; run exactly those (the build id placeholder filled in).
    const cmds: string[] = out.rollback.pulumi;
    expect(cmds.join("\n")).toContain(images.previous.ref);
    for (const cmd of cmds.filter((c) => c.startsWith("pulumi config set"))) {
      const m = /^pulumi config set --stack \S+ --path (\S+) '(.*)'$/.exec(cmd);
      expect(m, cmd).not.toBeNull();
      const value = m![2].startsWith("<build id") ? "local-rollback" : m![2];
      await dev.config(m![1], value);
    }
    const r = expectOk(await dev.pulumi(["up", "--yes", ...dev.policyArgs()]), "pulumi up (rollback)");
    expect(mandatory(r.output)).toEqual([]);
    const pods = await gatewayPods();
    expect(pods.filter(isReady).map((p) => p.spec.containers[0].image)).toEqual([images.previous.ref, images.previous.ref]);
    const after = await dev.outputs();
    expect(after.smokeStatus).toBe("signed-off");
    expect(after.smokeEvidence.portForward.gatewayVersion).toBe("2026.9.5");
    const t = expectOk(await dev.npm("ticket", ["--stack", "dev", "--out-dir", dev.ws.root]), "npm run ticket");
    expect(t.stdout).toContain(images.previous.ref);
    expect(t.stdout).toContain("2026.9.5");
    expect(t.stdout).toContain(images.current.ref); // the way back is now the rollback target
  });

  it("the emergency path: kubectl rollout undo, pulumi refresh, set image.ref to what runs, up; smoke re-runs", async () => {
    expectOk(await dev.kubectl(["-n", NAMESPACE, "rollout", "undo", `deployment/${DEPLOYMENT}`]), "kubectl rollout undo");
    expectOk(await dev.kubectl(["-n", NAMESPACE, "rollout", "status", `deployment/${DEPLOYMENT}`, "--timeout=300s"], 360_000), "kubectl rollout status");
    const running = (await gatewayPods()).filter(isReady).map((p) => p.spec.containers[0].image);
    expect(running).toEqual([images.current.ref, images.current.ref]);
    const s = await dev.npm("smoke", ["--stack", "dev"]);
    expect(s.code, s.output).toBe(0);
    expect(smokeRecord(s).portForward.gatewayVersion).toBe("2026.9.6");
    expectOk(await dev.pulumi(["refresh", "--yes"]), "pulumi refresh");
    // As the README says: until image.ref names what runs, `pulumi up` would re-apply 2026.9.5.
    const drift = expectOk(await dev.pulumi(["preview", "--diff"]), "pulumi preview after refresh");
    expect(drift.output).toContain(images.previous.ref);
    await dev.config("image.ref", images.current.ref);
    await dev.config("image.release", images.current.release);
    await dev.config("image.buildId", "local-emergency");
    await dev.config("rollback.image", images.previous.ref);
    await dev.config("rollback.release", images.previous.release);
    const r = expectOk(await dev.pulumi(["up", "--yes", ...dev.policyArgs()]), "pulumi up after the emergency path");
    expect(r.output).toMatch(/openclaw-gateway-smoke-run/);
    expect((await dev.outputs()).smokeStatus).toBe("signed-off");
    expectOk(await dev.pulumi(["up", "--yes", "--expect-no-changes", ...dev.policyArgs()]), "pulumi up --expect-no-changes");
  });

  describe("faults, injected by a test-only entry point (test/cluster/fixtures/fault.ts) the config validation would refuse", () => {
    beforeAll(() => dev.useFaultProgram(true));
    // The pods are Ready when these run, so the budget (a cold start's, 180 s on dev) would only be
    // waited out by the failing path; 20 s is what a user re-checking a running gateway passes.
    const FAULT_SMOKE = ["--stack", "dev", "--budget-seconds", "20"];
    const fault = async (kind: string, timeoutS = 900) => {
      await dev.config("fault:kind", kind);
      const started = Date.now();
      const r = await dev.pulumi(["up", "--yes"], timeoutS * 1000);
      return { up: r, seconds: (Date.now() - started) / 1000 };
    };

    it("(a) loopback bind behind the Service: pulumi up fails, port-forward passes, in-cluster is refused, both diagnoses name the bind", async () => {
      const { up } = await fault("loopback");
      expect(up.code).not.toBe(0);
      expect(up.output).toMatch(/portForward passes but inCluster fails; likely: bind-loopback/);
      expect(up.output).toMatch(/connection-refused/);
      const s = await dev.npm("smoke", FAULT_SMOKE);
      expect(s.code).toBe(1);
      const rec = smokeRecord(s);
      expect(rec).toMatchObject({ verdict: "disagree", portForward: { ok: true }, inCluster: { ok: false } });
      expect(rec.diagnosis[0].cause).toBe("bind-loopback");
      const d = await dev.npm("diagnose", ["--stack", "dev"]);
      expect(d.code).toBe(1);
      expect(d.stdout).toMatch(/\[fix config\] bind loopback behind a Service/);
    });

    it("(b) Service targetPort is not the gateway's port: pulumi up fails with target-port-mismatch", async () => {
      const { up } = await fault("target-port");
      expect(up.code).not.toBe(0);
      expect(up.output).toMatch(/target-port-mismatch: Service targetPort 18790 ≠ containerPort 18789/);
      const s = await dev.npm("smoke", FAULT_SMOKE);
      expect(s.code).toBe(1);
      expect(smokeRecord(s)).toMatchObject({ verdict: "disagree", portForward: { ok: true }, inCluster: { ok: false } });
      expect(smokeRecord(s).diagnosis.map((f: { cause: string }) => f.cause)).toContain("target-port-mismatch");
    });

    it("(d) a NetworkPolicy that does not admit the smoke client: in-cluster times out, network-policy-drops-source", async () => {
      const { up } = await fault("netpol-no-smoke-client");
      expect(up.code).not.toBe(0);
      expect(up.output).toMatch(/network-policy-drops-source/);
      expect(up.output).toMatch(/inCluster .*FAIL/);
      const s = await dev.npm("smoke", FAULT_SMOKE);
      expect(s.code).toBe(1);
      const rec = smokeRecord(s);
      expect(rec.inCluster.checks.every((c: { failure: string }) => c.failure === "timeout")).toBe(true);
      expect(rec.diagnosis.map((f: { cause: string }) => f.cause)).toContain("network-policy-drops-source");
    });

    it("(c) memory limit under the boot peak: a real OOMKilled (exit 137); pulumi up fails within the rollout budget; diagnose names it with its decision", async () => {
      const budget = await rolloutBudgetSeconds();
      const { up, seconds } = await fault("oom");
      expect(up.code).not.toBe(0);
      expect(seconds).toBeLessThan(budget + 120);
      expect(up.output).toMatch(/OOMKilled|exit code 137|CrashLoopBackOff/);
      const oom = (await gatewayPods()).find((p) => p.status.containerStatuses?.[0]?.lastState?.terminated?.exitCode === 137);
      expect(oom, "a pod whose last state is exit 137").toBeDefined();
      expect(oom!.status.containerStatuses![0].lastState.terminated.reason).toBe("OOMKilled");
      const d = await dev.npm("diagnose", ["--stack", "dev"]);
      expect(d.code).toBe(1);
      expect(d.stdout).toMatch(/\[(roll back|retune)\] OOMKilled/);
      expect(d.stdout).toMatch(/exit 137/);
      // The two old pods kept serving (maxUnavailable 0): the smoke checks still pass through the Service.
      expect((await gatewayPods()).filter(isReady)).toHaveLength(2);
    });

    it("(e) a gateway that exits at start (off loopback without a token, exit 78): pulumi up fails within the rollout budget naming the pod's state", async () => {
      const budget = await rolloutBudgetSeconds();
      const { up, seconds } = await fault("exit78");
      expect(up.code).not.toBe(0);
      expect(seconds).toBeLessThan(budget + 120);
      expect(up.output).toMatch(/CrashLoopBackOff|back-off|exit code 78|Error/);
      const crashed = (await gatewayPods()).find((p) => p.status.containerStatuses?.[0]?.lastState?.terminated?.exitCode === 78);
      expect(crashed, "a pod whose last state is exit 78").toBeDefined();
      const d = await dev.npm("diagnose", ["--stack", "dev"]);
      expect(d.code).toBe(1);
      expect(d.stdout).toMatch(/exit 78/);
      expect(d.stdout).toMatch(/non-loopback bind without auth/);
    });

    it("(f) probes dropped by a NetworkPolicy: CANNOT be shown with this enforcer (it exempts the node's root-owned sockets, so kubelet probes pass); shown instead: a non-root process on the node is dropped unless kubeletCidrs admits the node IP", async () => {
      // The pods stay Ready without the kubelet rule: the enforcer never drops the kubelet's probes.
      const { up } = await fault("netpol-no-kubelet");
      expectOk(up, "pulumi up without the kubelet rule (pods stay Ready: the enforcer exempts root-owned node sockets)");
      const pods = (await gatewayPods()).filter(isReady);
      expect(pods.length).toBe(2);
      const podIp = pods[0].status.podIP!;
      const probe = (uid: string) =>
        dev.sh(["setpriv", `--reuid=${uid}`, `--regid=${uid}`, "--clear-groups", process.execPath, "-e",
          `fetch("http://${podIp}:18789/readyz",{signal:AbortSignal.timeout(4000)}).then(r=>{console.log("status",r.status)},e=>{console.log("failed",e.name,e.cause?.code??"");process.exitCode=3})`]);
      const dropped = await probe("65534");
      expect(dropped.stdout).toMatch(/failed (TimeoutError|AbortError)/);
      const root = await probe("0");
      expect(root.stdout).toMatch(/status 200/);
      // With the stack's own policy (kubeletCidrs admits the node IP) the same non-root process gets through.
      expectOk(await dev.pulumi(["config", "rm", "fault:kind"]), "pulumi config rm fault:kind");
      expectOk(await dev.pulumi(["up", "--yes"]), "pulumi up (no fault)");
      const admitted = await probe("65534");
      expect(admitted.stdout).toMatch(/status 200/);
    });

    afterAll(() => dev.useFaultProgram(false));
  });

  it("back to the real program: pulumi up restores everything and the smoke checks sign off", async () => {
    await dev.pulumi(["config", "rm", "fault:kind"]);
    const r = expectOk(await dev.pulumi(["up", "--yes", "--refresh", ...dev.policyArgs()]), "pulumi up (restore)");
    expect(mandatory(r.output)).toEqual([]);
    expect((await gatewayPods()).filter(isReady)).toHaveLength(2);
    const s = await dev.npm("smoke", ["--stack", "dev"]);
    expect(s.code, s.output).toBe(0);
  });

  it("pulumi destroy leaves the namespace empty (and removes it)", async () => {
    expectOk(await dev.pulumi(["destroy", "--yes"], 600_000), "pulumi destroy");
    const left = await dev.kubectl(["-n", NAMESPACE, "get", "all,configmaps,secrets,networkpolicies,jobs,pdb", "-o", "name"]);
    expect(left.stdout.split("\n").filter((l) => l && !l.includes("kube-root-ca.crt"))).toEqual([]);
    const ns = await dev.kubectl(["get", "namespace", NAMESPACE, "-o", "jsonpath={.status.phase}"]);
    expect(ns.code === 0 ? ns.stdout : "gone").toMatch(/gone|Terminating/);
  });
});
