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
// Node built-ins only: this file is bundled into the in-cluster Job script and
// the dynamic provider (bundle.ts). It may import ./checks, ./ingress, the names
// module and node: modules.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { comparePaths, compareThreePaths, formatAgreement, formatEvidence, redact, redactDeep, runChecks, EVIDENCE_SCHEMA, type Agreement, type DiagnosisContext, type Evidence } from "./checks";
import type { Deployment } from "kubernetes-types/apps/v1";
import type { Container, ContainerPort, Pod, Service, ServicePort } from "kubernetes-types/core/v1";
import type { Ingress, IngressServiceBackend } from "kubernetes-types/networking/v1";
import { GATEWAY, HEALTH, IMAGE, SMOKE, TOOL_CALL } from "../../policy-pack/rules/names";
import { ingressUrl, runIngressPath, type IngressTarget } from "./ingress";

export interface ClusterTarget {
  namespace: string;
  serviceName: string;
  deploymentName: string;
  /** The gateway port (containerPort = Service port = targetPort by name). */
  port: number;
  /** Pinned gateway image, `repo[:tag]@sha256:<hex>`; the Job runs its `node`. */
  image: string;
  /** The gateway's Secret holding the token (names.ts GATEWAY): the Job reads the token from it, never from its manifest. */
  tokenSecretName: string;
  tokenSecretKey: string;
  budgetMs: number;
  /** Kubeconfig text; written to a 0600 temp file for kubectl. Default: kubectl's own ($KUBECONFIG, ~/.kube/config). */
  kubeconfig?: string;
  context?: string;
  kubectl?: string;
  /** Suffix that makes the Job name unique per run (e.g. digest+values hash prefix). */
  runId: string;
  /** With an Ingress: the third path, https://<host> through the controller. */
  ingress?: IngressTarget;
}

export interface SmokeRun {
  portForward: Evidence;
  inCluster: Evidence;
  /** Present when the target has an Ingress. */
  ingress?: Evidence;
  agreement: Agreement;
}

export function serviceUrl(t: Pick<ClusterTarget, "serviceName" | "namespace" | "port">): string {
  return `http://${t.serviceName}.${t.namespace}.svc.cluster.local:${t.port}`;
}

function kubectlBase(t: ClusterTarget, kubeconfigPath: string | undefined): string[] {
  const a: string[] = [];
  if (kubeconfigPath) a.push("--kubeconfig", kubeconfigPath);
  if (t.context) a.push("--context", t.context);
  a.push("--namespace", t.namespace);
  return a;
}

/**
 * `kubectl port-forward deployment/<name> :<port>`: a free local port on
 * 127.0.0.1 only (never 0.0.0.0), so parallel runs and an operator's own
 * forward on 18789 do not collide.
 */
export function portForwardArgs(t: ClusterTarget, kubeconfigPath?: string): string[] {
  const podTimeout = `${Math.max(5, Math.ceil(t.budgetMs / 1000))}s`;
  return [...kubectlBase(t, kubeconfigPath), "port-forward", `deployment/${t.deploymentName}`, `:${t.port}`, "--address", "127.0.0.1", `--pod-running-timeout=${podTimeout}`];
}

/** Parses kubectl's "Forwarding from 127.0.0.1:41234 -> 18789" line. */
export function parseForwardingLine(line: string): number | null {
  const m = /Forwarding from 127\.0\.0\.1:(\d+) -> \d+/.exec(line);
  return m ? Number(m[1]) : null;
}

export function jobName(t: Pick<ClusterTarget, "runId">): string {
  const id = t.runId.toLowerCase().replace(/[^a-z0-9-]/g, "").slice(0, 40);
  return `openclaw-smoke-${id}`.slice(0, 63).replace(/-+$/, "");
}

function smokeLabels(): Record<string, string> {
  return {
    "app.kubernetes.io/name": SMOKE.appName,
    "app.kubernetes.io/component": SMOKE.component,
    "app.kubernetes.io/managed-by": "openclaw-gateway-infra",
    [SMOKE.clientLabel.key]: SMOKE.clientLabel.value,
  };
}

/** ConfigMap carrying the bundled check script (bundle.ts). */
export function scriptConfigMap(t: ClusterTarget, script: string): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: jobName(t), namespace: t.namespace, labels: smokeLabels() },
    data: { "smoke.cjs": script },
  };
}

/**
 * The in-cluster path: a Job running the same checks with the `node` of the
 * pinned gateway image, under the Pod Security Standards "restricted" profile.
 * The evidence comes back as the termination message (and stdout).
 */
export function smokeJob(t: ClusterTarget): Record<string, unknown> {
  const name = jobName(t);
  const labels = smokeLabels();
  const deadline = Math.ceil(t.budgetMs / 1000) + 60;
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, namespace: t.namespace, labels },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: deadline,
      ttlSecondsAfterFinished: 600, // safety net if the provider dies before deleting it
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: "Never",
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: { runAsNonRoot: true, runAsUser: IMAGE.uid, runAsGroup: IMAGE.gid, seccompProfile: { type: "RuntimeDefault" } },
          containers: [
            {
              name: "smoke",
              image: t.image,
              command: ["node", "/smoke/smoke.cjs"],
              env: [
                { name: "SMOKE_BASE_URL", value: serviceUrl(t) },
                { name: "SMOKE_PATH_NAME", value: "inCluster" },
                { name: "SMOKE_BUDGET_MS", value: String(t.budgetMs) },
                { name: IMAGE.tokenEnv, valueFrom: { secretKeyRef: { name: t.tokenSecretName, key: t.tokenSecretKey } } },
              ],
              terminationMessagePath: "/dev/termination-log",
              terminationMessagePolicy: "FallbackToLogsOnError",
              resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "128Mi" } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ["ALL"] },
              },
              volumeMounts: [
                { name: "smoke", mountPath: "/smoke", readOnly: true },
                { name: "tmp", mountPath: "/tmp" },
              ],
            },
          ],
          volumes: [
            { name: "smoke", configMap: { name, defaultMode: 0o444 } },
            { name: "tmp", emptyDir: { sizeLimit: "16Mi" } },
          ],
        },
      },
    },
  };
}

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

interface Exec {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** kubectl's stderr, shortened: klog prefixes removed, repeated lines once, at most 400 chars. */
export function kubectlError(stderr: string): string {
  const lines = stderr
    .split("\n")
    .map((l) => l.replace(/^[EWI]\d{4} [\d:.]+\s+\d+ [\w.-]+:\d+\] /, "").trim())
    .filter(Boolean);
  const unique = [...new Set(lines)];
  const text = unique.slice(-2).join(" | ");
  return text.length > 400 ? `${text.slice(0, 397)}...` : text || "no output";
}

function run(bin: string, args: string[], input: string | undefined, timeoutMs: number): Promise<Exec> {
  return new Promise((resolve) => {
    const child = spawn(bin, args, { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      resolve({ code: 127, stdout, stderr: stderr + String(e.message) });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input ?? "");
  });
}

function withKubeconfig<T>(t: ClusterTarget, fn: (path: string | undefined) => Promise<T>): Promise<T> {
  if (!t.kubeconfig) return fn(undefined);
  // The stack's cluster.kubeconfig may be a path (the kubernetes provider accepts both).
  if (!t.kubeconfig.includes("\n") && existsSync(t.kubeconfig)) return fn(t.kubeconfig);
  const dir = mkdtempSync(join(tmpdir(), "openclaw-smoke-kc-"));
  const path = join(dir, "kubeconfig");
  writeFileSync(path, t.kubeconfig, { mode: 0o600 });
  return fn(path).finally(() => rmSync(dir, { recursive: true, force: true }));
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

/** Both paths in parallel, then whether they agree (and why not). */
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

/** The gateway's --bind from its argv (the last one wins, as its CLI parses it); undefined when absent. */
export function effectiveBind(argv: string[]): string | undefined {
  let bind: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--bind" && argv[i + 1] !== undefined) bind = argv[i + 1];
    else if (argv[i].startsWith("--bind=")) bind = argv[i].slice("--bind=".length);
  }
  return bind;
}

/**
 * What is deployed right now, read from the live Deployment and Service: the
 * gateway's effective --bind, its container port, and the Service's targetPort
 * resolved to a number. The diagnosis must name what runs, not what the stack
 * config says: after a `kubectl patch` or `rollout undo` the two differ.
 */
export function liveContextFrom(deployment: Deployment | undefined, service: Service | undefined): DiagnosisContext {
  const ctx: DiagnosisContext = {};
  const containers: Container[] = deployment?.spec?.template?.spec?.containers ?? [];
  const gw = containers.find((c) => c?.name === GATEWAY.containerName) ?? containers[0];
  if (!gw) return ctx;
  ctx.bind = effectiveBind([...(gw.command ?? []), ...(gw.args ?? [])].map(String));
  const ports: ContainerPort[] = gw.ports ?? [];
  const gwPort = ports.find((p) => p?.name === GATEWAY.portName) ?? ports[0];
  if (typeof gwPort?.containerPort === "number") ctx.containerPort = gwPort.containerPort;
  const target = service?.spec?.ports?.[0]?.targetPort;
  if (typeof target === "number") ctx.targetPort = target;
  else if (typeof target === "string") {
    const named = ports.find((p) => p?.name === target);
    // A name no container port carries reaches nothing: report it as port 0.
    ctx.targetPort = typeof named?.containerPort === "number" ? named.containerPort : /^\d+$/.test(target) ? Number(target) : 0;
  }
  return ctx;
}

/** The live Ingress's backend port and the Service's ports, for the Ingress path's diagnosis. */
export function liveIngressContextFrom(ingress: Ingress | undefined, service: Service | undefined): DiagnosisContext {
  const ctx: DiagnosisContext = {};
  const ports: ServicePort[] = service?.spec?.ports ?? [];
  ctx.servicePorts = ports.filter((p) => typeof p?.port === "number").map((p) => ({ ...(typeof p.name === "string" ? { name: p.name } : {}), port: p.port }));
  const gw = ports.find((p) => p?.name === GATEWAY.portName) ?? ports[0];
  if (gw) ctx.gatewayServicePort = typeof gw.name === "string" ? gw.name : gw.port;
  const backends: IngressServiceBackend[] = (ingress?.spec?.rules ?? []).flatMap((r) => r?.http?.paths ?? []).flatMap((p) => (p?.backend?.service ? [p.backend.service] : []));
  const mine = backends.find((b) => b?.name === service?.metadata?.name) ?? backends[0];
  const port = mine?.port;
  if (typeof port?.name === "string") ctx.ingressBackendPort = port.name;
  else if (typeof port?.number === "number") ctx.ingressBackendPort = port.number;
  return ctx;
}

async function liveContext(t: ClusterTarget, kc: string | undefined): Promise<DiagnosisContext> {
  const get = async (what: string) => {
    const r = await run(t.kubectl ?? "kubectl", [...kubectlBase(t, kc), "get", what, "-o", "json"], undefined, 30_000);
    if (r.code !== 0) return undefined;
    try {
      return JSON.parse(r.stdout);
    } catch {
      return undefined;
    }
  };
  const [deployment, service, ingress] = await Promise.all([
    get(`deployment/${t.deploymentName}`),
    get(`service/${t.serviceName}`),
    t.ingress ? get(`ingress/${t.ingress.ingressName}`) : Promise.resolve(undefined),
  ]);
  return {
    ...(deployment ? liveContextFrom(deployment, service) : {}),
    ...(ingress && service ? liveIngressContextFrom(ingress, service) : {}),
  };
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

/** What the change ticket carries: both paths' evidence, the verdict, and how to repeat it by hand. */
export interface SmokeRecord {
  schema: "openclaw.smoke.run/v1";
  ranAt: string;
  image: string;
  valuesHash: string;
  verdict: Agreement["verdict"];
  signedOff: boolean;
  agree: boolean;
  summary: string;
  diagnosis: Agreement["diagnosis"];
  portForward: Evidence;
  inCluster: Evidence;
  /** The third path, through the Ingress (with its certificate); absent without an Ingress. */
  ingress?: Evidence;
  /** Commands an operator runs to repeat the paths (runbook step 5; FAQ after a rollback). */
  reproduce: { portForward: string; inCluster: string; ingress?: string };
}

export function smokeRecord(t: ClusterTarget, run: SmokeRun, valuesHash: string, token: string): SmokeRecord {
  const ctx = t.context ? ` --context ${t.context}` : "";
  const record: SmokeRecord = {
    schema: "openclaw.smoke.run/v1",
    ranAt: new Date().toISOString(),
    image: t.image,
    valuesHash,
    verdict: run.agreement.verdict,
    signedOff: run.agreement.signedOff,
    agree: run.agreement.agree,
    summary: run.agreement.summary,
    diagnosis: run.agreement.diagnosis,
    portForward: run.portForward,
    inCluster: run.inCluster,
    ...(run.ingress ? { ingress: run.ingress } : {}),
    reproduce: {
      portForward: `kubectl${ctx} -n ${t.namespace} port-forward deployment/${t.deploymentName} ${t.port}:${t.port}  # then: npm run smoke -- --url http://127.0.0.1:${t.port} --token-env ${IMAGE.tokenEnv}`,
      inCluster: `npm run smoke -- --stack <stack>  # runs the in-cluster Job against ${serviceUrl(t)}`,
      ...(t.ingress
        ? { ingress: `curl --cacert <the stack's ingress.smoke.caBundle> --resolve ${t.ingress.host}:${t.ingress.port}:${t.ingress.address} ${ingressUrl(t.ingress)}/readyz` }
        : {}),
    },
  };
  // Defence in depth: nothing the gateway or kubectl echoed may carry the token into state.
  // String by string, so the record stays valid JSON whatever the redaction replaces.
  return redactDeep(record, [token]);
}

/** The error that fails `pulumi up`: the verdict, the diagnosis, then each path's evidence. Never the token. */
export function smokeFailureMessage(record: SmokeRecord, token: string): string {
  const agreement: Agreement = { signedOff: record.signedOff, agree: record.agree, verdict: record.verdict, diagnosis: record.diagnosis, summary: record.summary };
  const text = [
    `smoke checks failed for ${record.image} (values ${record.valuesHash.slice(0, 12)}): ${record.verdict}`,
    formatAgreement(agreement),
    "evidence:",
    formatEvidence(record.portForward),
    formatEvidence(record.inCluster),
    ...(record.ingress ? [formatEvidence(record.ingress)] : []),
    `repeat by hand: ${record.reproduce.portForward}`,
  ].join("\n");
  return redact(text, [token]);
}
