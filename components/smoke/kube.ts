// The two paths into a cluster (runbook step 5), driven through kubectl.
//
// Why kubectl and not a client library: port-forward must reach 127.0.0.1
// inside the pod's network namespace exactly as the operator's own
// `kubectl port-forward deploy/openclaw-gateway 18789:18789` does, with the same
// kubeconfig, auth plugins (exec/OIDC/cloud) and RBAC (pods/portforward); the
// evidence is then reproducible by hand with the printed command. A client
// library would add a dependency with its own SPDY/WebSocket and auth-plugin
// code to pin, and would not run inside the dynamic provider without being
// closure-serialized. @pulumi/kubernetes has no port-forward at all.
//
// Node built-ins only: bundled into the smoke Job's script (job.ts), which the in-cluster
// Job and the dynamic provider run. The Job's objects are in job-manifest.ts, kubectl in
// kubectl.ts, the live objects in live.ts, the ticket's record in record.ts.
import { spawn } from "node:child_process";
import { comparePaths, compareThreePaths, type DiagnosisContext } from "./agreement";
import { redact } from "./redact";
import { runChecks, EVIDENCE_SCHEMA, type Evidence } from "./checks";
import type { Pod } from "kubernetes-types/core/v1";
import { HEALTH, TOOL_CALL } from "../../policy-pack/rules/names";
import { ingressUrl, runIngressPath } from "./ingress";
import { ClusterTarget, serviceUrl } from "./target";
import { kubectlBase, portForwardArgs, parseForwardingLine, kubectlError, run, withKubeconfig } from "./kubectl";
import { jobName, scriptConfigMap, smokeJob } from "./job-manifest";
import { liveContext } from "./live";
import { SmokeRun } from "./record";

/** Evidence for a path that never got to run its checks (kubectl failed, Job never finished). */
export function failedPathEvidence(pathName: string, url: string, budgetMs: number, reason: string, startedAt: Date): Evidence {
  const now = new Date();
  return {
    schema: EVIDENCE_SCHEMA,
    pathName,
    url,
    ok: false,
    startedAt: startedAt.toISOString(),
    finishedAt: now.toISOString(),
    durationMs: now.getTime() - startedAt.getTime(),
    budgetMs,
    gatewayVersion: null,
    checks: (["startup", "liveness", "readiness", "toolCall"] as const).map((name) => ({
      name,
      method: name === "toolCall" ? ("POST" as const) : ("GET" as const),
      path: { startup: HEALTH.startup.path, liveness: HEALTH.liveness.path, readiness: HEALTH.readiness.path, toolCall: TOOL_CALL.path }[name],
      ok: false,
      status: null,
      latencyMs: null,
      attempts: 0,
      passedAfterMs: null,
      failure: "path-not-run" as const,
      reason,
    })),
  };
}

/** Port-forward path: kubectl port-forward to the Deployment, then the checks through 127.0.0.1. */
function portForwardWith(t: ClusterTarget, token: string, kc: string | undefined): Promise<Evidence> {
  const startedAt = new Date();
  const url = `kubectl port-forward deployment/${t.deploymentName} -> 127.0.0.1`;
  return new Promise((resolve) => {
    const child = spawn(t.kubectl ?? "kubectl", portForwardArgs(t, kc), { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let settled = false;
    const finish = (ev: Evidence) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill("SIGTERM");
      resolve(ev);
    };
    const timer = setTimeout(
      () => finish(failedPathEvidence("portForward", url, t.budgetMs, `kubectl port-forward did not start forwarding within ${t.budgetMs} ms: ${redact(kubectlError(err), [token])}`, startedAt)),
      t.budgetMs,
    );
    child.on("error", (e) => finish(failedPathEvidence("portForward", url, t.budgetMs, `kubectl could not be run: ${e.message}`, startedAt)));
    child.stderr.on("data", (d) => (err += d));
    child.on("exit", (code) => {
      if (!settled) finish(failedPathEvidence("portForward", url, t.budgetMs, `kubectl port-forward exited ${code}: ${redact(kubectlError(err), [token])}`, startedAt));
    });
    child.stdout.on("data", (d) => {
      out += d;
      const local = parseForwardingLine(out);
      if (local === null || settled) return;
      const left = Math.max(1000, t.budgetMs - (Date.now() - startedAt.getTime()));
      runChecks({ baseUrl: `http://127.0.0.1:${local}`, token, budgetMs: left, pathName: "portForward" }).then(
        (ev) => finish({ ...ev, url: `${ev.url} (kubectl port-forward deployment/${t.deploymentName} :${t.port})` }),
        (e) => finish(failedPathEvidence("portForward", url, t.budgetMs, `checks crashed: ${String(e)}`, startedAt)),
      );
    });
  });
}

function parseTerminationMessage(podList: string): { done: boolean; message?: string; why: string } {
  let items: Pod[] = [];
  try {
    items = JSON.parse(podList).items ?? [];
  } catch {
    return { done: false, why: "no pod list yet" };
  }
  const pod = items[0];
  if (!pod) return { done: false, why: "the Job has not created its pod yet" };
  const cs = pod.status?.containerStatuses?.[0];
  const term = cs?.state?.terminated;
  if (term) return { done: true, message: term.message, why: `container terminated: exit ${term.exitCode} (${term.reason ?? ""})` };
  const waiting = cs?.state?.waiting;
  const cond = (pod.status?.conditions ?? []).find((c) => c.status === "False" && c.message);
  return { done: false, why: `pod ${pod.status?.phase ?? "?"}${waiting ? `, waiting: ${waiting.reason} ${waiting.message ?? ""}` : ""}${cond ? `, ${cond.type}: ${cond.message}` : ""}` };
}

/** In-cluster path: create ConfigMap + Job, wait for its pod to terminate, read the evidence, delete both. */
async function inClusterWith(t: ClusterTarget, script: string, kc: string | undefined): Promise<Evidence> {
  const kubectl = t.kubectl ?? "kubectl";
  const base = kubectlBase(t, kc);
  const name = jobName(t);
  const startedAt = new Date();
  const url = serviceUrl(t);
  const fail = (reason: string) => failedPathEvidence("inCluster", url, t.budgetMs, reason, startedAt);
  const manifests = { apiVersion: "v1", kind: "List", items: [scriptConfigMap(t, script), smokeJob(t)] };
  const created = await run(kubectl, [...base, "create", "-f", "-", "-o", "name"], JSON.stringify(manifests), 60_000);
  try {
    if (created.code !== 0) return fail(`kubectl create of the smoke Job failed: ${kubectlError(created.stderr)}`);
    // The Job has activeDeadlineSeconds = budget + 60 s; wait a little longer for the pod to report.
    const deadline = Date.now() + t.budgetMs + 90_000;
    let why = "not started";
    while (Date.now() < deadline) {
      const pods = await run(kubectl, [...base, "get", "pods", "-l", `job-name=${name}`, "-o", "json"], undefined, 30_000);
      const st = parseTerminationMessage(pods.stdout);
      why = st.why;
      if (st.done) {
        let msg = st.message ?? "";
        if (!msg.trim().startsWith("{")) {
          const logs = await run(kubectl, [...base, "logs", `job/${name}`], undefined, 30_000);
          msg = logs.stdout.trim().split("\n").pop() ?? "";
        }
        try {
          const ev = JSON.parse(msg) as Evidence;
          if (ev.schema !== EVIDENCE_SCHEMA || !Array.isArray(ev.checks)) return fail(`the Job's output is not smoke evidence: ${msg.slice(0, 200)}`);
          return ev;
        } catch {
          return fail(`the Job finished (${why}) without evidence JSON: ${msg.slice(0, 300)}`);
        }
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
    return fail(`the smoke Job did not finish in time: ${why}`);
  } finally {
    await run(kubectl, [...base, "delete", "job", name, "--ignore-not-found", "--wait=false", "--cascade=background"], undefined, 30_000);
    await run(kubectl, [...base, "delete", "configmap", name, "--ignore-not-found", "--wait=false"], undefined, 30_000);
  }
}

/**
 * The gateway token, read from the gateway's own Secret: the token then lives
 * only in that Secret (never in the smoke resource's inputs or state), and the
 * checks use exactly the token the pods get.
 */
async function readTokenFromSecret(t: ClusterTarget, kc: string | undefined): Promise<{ token?: string; error?: string }> {
  const r = await run(t.kubectl ?? "kubectl", [...kubectlBase(t, kc), "get", "secret", t.tokenSecretName, "-o", `jsonpath={.data.${t.tokenSecretKey}}`], undefined, 30_000);
  if (r.code !== 0) return { error: `could not read the token from Secret ${t.namespace}/${t.tokenSecretName}: ${kubectlError(r.stderr)}` };
  const token = Buffer.from(r.stdout.trim(), "base64").toString("utf8");
  if (!token) return { error: `Secret ${t.namespace}/${t.tokenSecretName} has no key ${t.tokenSecretKey}` };
  return { token };
}

/**
 * Both paths in parallel, then whether they agree (and why not). Without a
 * token the port-forward path reads it from the gateway's Secret. The diagnosis
 * context (bind, ports) is read from the live objects; `ctx` fills what they lack.
 */
export async function runBothPaths(t: ClusterTarget, token: string | undefined, script: string, ctx: DiagnosisContext = {}): Promise<SmokeRun & { token?: string }> {
  return withKubeconfig(t, async (kc) => {
    const startedAt = new Date();
    let tok = token;
    let tokenError: string | undefined;
    if (!tok) ({ token: tok, error: tokenError } = await readTokenFromSecret(t, kc));
    const noToken = (path: string, url: string) => Promise.resolve(failedPathEvidence(path, url, t.budgetMs, tokenError ?? "no token", startedAt));
    const [portForward, inCluster, ingress, live] = await Promise.all([
      tok ? portForwardWith(t, tok, kc) : noToken("portForward", `kubectl port-forward deployment/${t.deploymentName}`),
      inClusterWith(t, script, kc),
      t.ingress ? (tok ? runIngressPath(t.ingress, tok, t.budgetMs).catch((e) => failedPathEvidence("ingress", ingressUrl(t.ingress!), t.budgetMs, `checks crashed: ${redact(String(e), [tok])}`, startedAt)) : noToken("ingress", ingressUrl(t.ingress))) : Promise.resolve(undefined),
      liveContext(t, kc),
    ]);
    const merged: DiagnosisContext = { ...ctx, ...Object.fromEntries(Object.entries(live).filter(([, v]) => v !== undefined)) };
    const agreement = ingress ? compareThreePaths(portForward, inCluster, ingress, merged) : comparePaths(portForward, inCluster, merged);
    return { portForward, inCluster, ...(ingress ? { ingress } : {}), agreement, token: tok };
  });
}

