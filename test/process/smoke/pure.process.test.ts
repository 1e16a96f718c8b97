// The pure parts of the smoke checks, without a gateway: the diagnosis for each runbook
// cause, the Job / ConfigMap / port-forward the cluster paths use (validated
// against the upstream Kubernetes schema and against the program's own
// NetworkPolicy), and the secret hygiene of evidence.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { parseStackConfig } from "../../../components/config";
import { buildManifests } from "../../../components/manifests";
import { smokeBundle } from "../../../components/smoke/bundle";
import { CAUSE_ORDER, comparePaths } from "../../../components/smoke/agreement";
import { EVIDENCE_SCHEMA, publicUrl, type CheckName, type Evidence, type FailureKind } from "../../../components/smoke/checks";
import { jobMain } from "../../../components/smoke/job";
import { redact } from "../../../components/smoke/redact";
import { failedPathEvidence } from "../../../components/smoke/kube";
import { jobName, scriptConfigMap, smokeJob } from "../../../components/smoke/job-manifest";
import { kubectlError, parseForwardingLine, portForwardArgs } from "../../../components/smoke/kubectl";
import { serviceUrl } from "../../../components/smoke/target";
import { SMOKE } from "../../../policy-pack/rules/names";
import { stackConfig, TEST_TOKEN } from "../../support/program";
import { freeLoopbackPort, node24 } from "../../support/gateway";
import { stagingTarget } from "../../support/smoke";

const NAMES: CheckName[] = ["startup", "liveness", "readiness", "toolCall"];

/** Evidence where the named checks failed with the given kind (all others passed). */
function ev(pathName: string, failed: Partial<Record<CheckName, FailureKind>> = {}): Evidence {
  const checks = NAMES.map((name) => {
    const failure = failed[name] ?? null;
    return {
      name,
      method: name === "toolCall" ? ("POST" as const) : ("GET" as const),
      path: `/${name}`,
      ok: failure === null,
      status: failure === null ? 200 : null,
      latencyMs: 3,
      attempts: 1,
      passedAfterMs: failure === null ? 3 : null,
      failure,
      reason: failure,
    };
  });
  return { schema: EVIDENCE_SCHEMA, pathName, url: "http://x", ok: checks.every((c) => c.ok), startedAt: "", finishedAt: "", durationMs: 1, budgetMs: 1000, gatewayVersion: null, checks };
}
const all = (k: FailureKind) => Object.fromEntries(NAMES.map((n) => [n, k])) as Record<CheckName, FailureKind>;
const causes = (a: ReturnType<typeof comparePaths>) => a.diagnosis.map((f) => f.cause);

describe("agreement and diagnosis (runbook order: bind, targetPort, NetworkPolicy, readiness routes)", () => {
  it("signs off only when both paths pass", () => {
    expect(comparePaths(ev("portForward"), ev("inCluster"))).toMatchObject({ signedOff: true, agree: true, verdict: "signed-off", diagnosis: [] });
  });

  it("timeouts via the Service while port-forward passes point at a NetworkPolicy dropping the source", () => {
    const a = comparePaths(ev("portForward"), ev("inCluster", all("timeout")));
    expect(a.verdict).toBe("disagree");
    expect(causes(a)).toEqual(["network-policy-drops-source"]);
  });

  it("a known targetPort ≠ containerPort is named with both numbers", () => {
    const a = comparePaths(ev("portForward"), ev("inCluster", all("connection-refused")), { bind: "lan", containerPort: 18789, targetPort: 8080 });
    expect(causes(a)).toEqual(["target-port-mismatch"]);
    expect(a.diagnosis[0].because).toMatch(/targetPort 8080 ≠ containerPort 18789/);
  });

  it("refused via the Service with nothing known lists loopback bind first, then targetPort, in runbook order", () => {
    const a = comparePaths(ev("portForward"), ev("inCluster", all("connection-refused")));
    expect(causes(a)).toEqual(["bind-loopback", "target-port-mismatch"]);
  });

  it("not ready or the catch-all page via the Service means readiness routes not mounted yet", () => {
    expect(causes(comparePaths(ev("portForward"), ev("inCluster", { readiness: "not-ready" })))).toEqual(["readiness-routes-not-mounted"]);
    expect(causes(comparePaths(ev("portForward"), ev("inCluster", all("catch-all-html"))))).toEqual(["readiness-routes-not-mounted"]);
  });

  it("a 401 on one path only is a token mismatch; DNS failure names the Service", () => {
    expect(causes(comparePaths(ev("portForward"), ev("inCluster", { toolCall: "auth" })))).toEqual(["token-mismatch"]);
    expect(causes(comparePaths(ev("portForward"), ev("inCluster", all("dns"))))).toEqual(["service-dns"]);
  });

  it("port-forward failing while the Service path passes blames the port-forward, not the gateway", () => {
    const a = comparePaths(ev("portForward", all("connection-refused")), ev("inCluster"));
    expect(a.verdict).toBe("disagree");
    expect(causes(a)).toEqual(["port-forward-broken"]);
  });

  it("both failing is the gateway itself (and auth if both were refused)", () => {
    const down = comparePaths(ev("portForward", all("connection-refused")), ev("inCluster", all("timeout")));
    expect(causes(down)).toEqual(["gateway-unhealthy"]);
    // Different checks failing on each side is still "both fail", not a disagreement.
    const mixed = comparePaths(ev("portForward", { toolCall: "http-status" }), ev("inCluster", all("timeout")));
    expect(mixed).toMatchObject({ verdict: "both-fail", agree: false, signedOff: false });
    expect(mixed.summary).toMatch(/^both paths fail; likely: gateway-unhealthy/);
    const a = comparePaths(ev("portForward", { toolCall: "auth" }), ev("inCluster", { toolCall: "auth" }));
    expect(a.verdict).toBe("both-fail");
    expect(causes(a)).toEqual(["token-mismatch", "gateway-unhealthy"]);
  });

  it("a path that could not run says so instead of judging the gateway", () => {
    const notRun = failedPathEvidence("inCluster", "http://svc", 1000, "kubectl create of the smoke Job failed: forbidden", new Date());
    const a = comparePaths(ev("portForward"), notRun);
    expect(a.signedOff).toBe(false);
    expect(causes(a)).toEqual(["path-not-run"]);
    expect(a.diagnosis[0].because).toMatch(/inCluster could not run: kubectl create of the smoke Job failed: forbidden/);
  });

  it("findings are always sorted in runbook order", () => {
    const a = comparePaths(ev("portForward"), ev("inCluster", { startup: "timeout", liveness: "connection-refused", readiness: "not-ready", toolCall: "auth" }));
    const idx = causes(a).map((c) => CAUSE_ORDER.indexOf(c));
    expect(idx).toEqual([...idx].sort((x, y) => x - y));
    expect(causes(a)[0]).toBe("bind-loopback");
  });
});

describe("secret hygiene", () => {
  it("URLs in evidence lose credentials, query and fragment", () => {
    expect(publicUrl("http://user:pa55@gw.ns.svc:18789/?token=abc#x")).toBe("http://gw.ns.svc:18789");
  });
  it("redact removes every occurrence and ignores empty or tiny secrets", () => {
    expect(redact("a SECRET b SECRET", ["SECRET", "", undefined, "a"])).toBe("a [redacted] b [redacted]");
  });
  it("the Job entry point refuses to run without a URL (exit 2) and never prints the token", async () => {
    const printed: string[] = [];
    const code = await jobMain({ OPENCLAW_GATEWAY_TOKEN: TEST_TOKEN }, () => {}, (t) => printed.push(t));
    expect(code).toBe(2);
    expect(printed.join("")).toMatch(/SMOKE_BASE_URL is not set/);
    expect(printed.join("")).not.toContain(TEST_TOKEN);
  });
});

const target = stagingTarget();

describe("the in-cluster Job and its ConfigMap", () => {
  const job = smokeJob(target) as any;
  const cm = scriptConfigMap(target, smokeBundle()) as any;
  const pod = job.spec.template.spec;
  const c = pod.containers[0];

  it("validate against the upstream Kubernetes schema (kubernetes-models)", async () => {
    const { Job } = await import("kubernetes-models/batch/v1/Job");
    const { ConfigMap } = await import("kubernetes-models/v1/ConfigMap");
    expect(() => new Job(job).validate()).not.toThrow();
    expect(() => new ConfigMap(cm).validate()).not.toThrow();
    // The schema check can fail: a broken field is refused.
    expect(() => new Job({ ...job, spec: { ...job.spec, backoffLimit: "none" } }).validate()).toThrow();
  });

  it("runs the bundled script with the node of the pinned gateway image, once, with a deadline and a TTL", () => {
    expect(c.image).toBe(target.image);
    expect(c.image).toMatch(/@sha256:[a-f0-9]{64}$/);
    expect(c.command).toEqual(["node", "/smoke/smoke.cjs"]);
    expect(cm.data["smoke.cjs"]).toBe(smokeBundle());
    expect(Buffer.byteLength(cm.data["smoke.cjs"])).toBeLessThan(1024 * 1024); // ConfigMap size limit
    expect(pod.volumes.find((v: any) => v.name === "smoke").configMap.name).toBe(cm.metadata.name);
    expect(job.spec.backoffLimit).toBe(0);
    expect(job.spec.activeDeadlineSeconds).toBe(45 + 60);
    expect(job.spec.ttlSecondsAfterFinished).toBeGreaterThan(0);
    expect(pod.restartPolicy).toBe("Never");
  });

  it("targets the Service DNS name and reads the token from the gateway's Secret, never from the manifest", () => {
    const env = Object.fromEntries(c.env.map((e: any) => [e.name, e]));
    expect(env.SMOKE_BASE_URL.value).toBe("http://openclaw-gateway.openclaw-staging.svc.cluster.local:18789");
    expect(env.SMOKE_BASE_URL.value).toBe(serviceUrl(target));
    expect(env.OPENCLAW_GATEWAY_TOKEN).toEqual({ name: "OPENCLAW_GATEWAY_TOKEN", valueFrom: { secretKeyRef: { name: "openclaw-gateway-token", key: "OPENCLAW_GATEWAY_TOKEN" } } });
    expect(c.terminationMessagePath).toBe("/dev/termination-log");
    expect(c.terminationMessagePolicy).toBe("FallbackToLogsOnError");
  });

  it("meets the Pod Security Standards restricted profile", () => {
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } });
    expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ["ALL"] } });
    expect(c.resources.limits.memory).toBeDefined();
    expect(c.volumeMounts.find((m: any) => m.mountPath === "/smoke").readOnly).toBe(true);
  });

  it("carries the label the program's NetworkPolicy admits on the gateway port", () => {
    const settings = parseStackConfig({ ...stackConfig("staging"), gatewayToken: TEST_TOKEN }, new Set(["gatewayToken"]));
    const np = buildManifests(settings).networkPolicy as any;
    const podLabels: Record<string, string> = job.spec.template.metadata.labels;
    expect(podLabels[SMOKE.clientLabel.key]).toBe(SMOKE.clientLabel.value);
    const admits = (np.spec.ingress as any[]).some(
      (rule) =>
        (rule.ports ?? []).some((p: any) => p.port === settings.config.gateway.port || p.port === "gateway") &&
        (rule.from ?? []).some((f: any) => !f.namespaceSelector && f.podSelector && Object.entries(f.podSelector.matchLabels ?? {}).every(([k, v]) => podLabels[k] === v)),
    );
    expect(admits, JSON.stringify(np.spec.ingress)).toBe(true);
  });

  it("job names are DNS-1123 labels of at most 63 characters", () => {
    for (const runId of ["0123456789abcdef-lx3k9", "X".repeat(80), "a_b.c/d"]) {
      const n = jobName({ runId });
      expect(n.length).toBeLessThanOrEqual(63);
      expect(n).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    }
  });
});

describe("the port-forward path", () => {
  it("forwards a free local port on 127.0.0.1 only, to the Deployment's gateway port", () => {
    const args = portForwardArgs({ ...target, context: "staging" }, "/tmp/kc");
    expect(args).toEqual([
      "--kubeconfig", "/tmp/kc", "--context", "staging", "--namespace", "openclaw-staging",
      "port-forward", "deployment/openclaw-gateway", ":18789", "--address", "127.0.0.1", "--pod-running-timeout=45s",
    ]);
  });

  it("reads the local port from kubectl's output", () => {
    expect(parseForwardingLine("Forwarding from 127.0.0.1:41234 -> 18789\n")).toBe(41234);
    expect(parseForwardingLine("Forwarding from [::1]:41234 -> 18789")).toBeNull();
  });

  it("the real kubectl accepts the arguments (it fails only on the unreachable API server)", async () => {
    const closed = await freeLoopbackPort();
    const kc = `${require("node:os").tmpdir()}/smoke-kc-${process.pid}`;
    require("node:fs").writeFileSync(kc, `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:${closed}"}}]\nusers: [{name: u, user: {token: dummy}}]\ncontexts: [{name: staging, context: {cluster: c, user: u}}]\ncurrent-context: staging\n`);
    try {
      const r = spawnSync("kubectl", portForwardArgs({ ...target, context: "staging", budgetMs: 5000 }, kc), { encoding: "utf8", timeout: 30_000 });
      expect(r.status).not.toBe(0);
      expect(r.stderr).not.toMatch(/unknown (flag|shorthand)|invalid argument|usage:/i);
      expect(kubectlError(r.stderr)).toMatch(/connection refused|was refused/);
    } finally {
      require("node:fs").rmSync(kc, { force: true });
    }
  });

  it("kubectl errors are shortened: klog prefixes gone, repeats once", () => {
    const line = 'E1126 04:09:29.221258     519 memcache.go:265] "Unhandled Error" err="refused"';
    expect(kubectlError(`${line}\n${line}\nThe connection to the server was refused\n`)).toBe('"Unhandled Error" err="refused" | The connection to the server was refused');
  });
});

describe("the bundle", () => {
  it("is a self-contained script that Node 24 runs with no node_modules", () => {
    const text = smokeBundle();
    const requires = [...text.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
    for (const r of requires) expect(r.startsWith("node:") || r.startsWith("./"), r).toBe(true);
    // Run it with no URL from an empty directory: it must load and refuse with exit 2.
    const r = spawnSync(node24(), ["-e", text], { cwd: "/", encoding: "utf8", env: { PATH: "/usr/bin" } });
    // `-e` is not require.main: load it as a file instead.
    expect(r.status).toBe(0);
    const dir = require("node:fs").mkdtempSync(`${require("node:os").tmpdir()}/smoke-bundle-`);
    try {
      require("node:fs").writeFileSync(`${dir}/smoke.cjs`, text);
      const run = spawnSync(node24(), [`${dir}/smoke.cjs`], { cwd: dir, encoding: "utf8", env: { PATH: "/usr/bin" } });
      expect(run.status).toBe(2);
      expect(run.stdout).toMatch(/SMOKE_BASE_URL is not set/);
    } finally {
      require("node:fs").rmSync(dir, { recursive: true, force: true });
    }
  });
});
