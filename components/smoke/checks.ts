// Smoke checks of a running OpenClaw gateway (runbook step 5: "complete minimal
// health and one tool call"). Pure library: no Pulumi, no Kubernetes, no imports
// at all. It runs unchanged in four places: the dynamic provider, the in-cluster
// Job (transpiled into a self-contained script and run with the `node` of the
// gateway image itself), `npm run smoke`, and the tests against the real gateway.
// Keep it free of imports so that stays true; it relies on Node >=22 globals only
// (fetch, AbortSignal.timeout, performance).

/** The four checks, in the order the gateway comes up. */
export type CheckName = "startup" | "liveness" | "readiness" | "toolCall";

/** Why a check failed, as a machine-readable word; `reason` says it in prose. */
export type FailureKind =
  | "connection-refused" // nothing listens on that address:port (loopback bind seen from the pod IP)
  | "timeout" // no answer in time: packets dropped (NetworkPolicy) or the process hangs
  | "unreachable" // no route / host unreachable
  | "dns" // the name does not resolve (Service name or namespace wrong)
  | "network" // any other socket error
  | "catch-all-html" // 200 with the Control UI page: the path is not a probe route (yet)
  | "not-json" // a body that is neither JSON nor the catch-all page
  | "auth" // 401/403: token wrong or missing, or probes forbidden off loopback (#134735)
  | "not-found" // 404: the tool is denied or unknown
  | "not-ready" // /readyz answered 503 or ready:false
  | "unexpected-body" // JSON, but not the body a healthy gateway returns
  | "http-status" // any other status
  | "path-not-run"; // the path itself could not be set up (kubectl failed, the Job never finished)

export interface CheckResult {
  name: CheckName;
  method: "GET" | "POST";
  path: string;
  ok: boolean;
  /** HTTP status of the last attempt; null when no response arrived. */
  status: number | null;
  /** Latency of the last attempt in ms (request sent → body read). */
  latencyMs: number | null;
  attempts: number;
  /** ms from the start of the run until this check passed; null when it never did. */
  passedAfterMs: number | null;
  failure: FailureKind | null;
  /** Why the last attempt failed, in words an operator can act on; null when ok. */
  reason: string | null;
  /** A few fields of the answer worth keeping (version, failing readiness gates, ...). */
  detail?: Record<string, unknown>;
}

export interface Evidence {
  schema: "openclaw.smoke/v1";
  /** Which path reached the gateway: `portForward`, `inCluster`, `inPod`, `podIp`, `cli`, ... */
  pathName: string;
  /** Base URL the checks used, without credentials, query or fragment. */
  url: string;
  ok: boolean;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  budgetMs: number;
  /** From `/startupz`; only loopback peers get it (off loopback the body is `{ok,status}`). */
  gatewayVersion: string | null;
  checks: CheckResult[];
}

export interface RunChecksOptions {
  /** e.g. `http://127.0.0.1:18789` or `http://openclaw-gateway.ns.svc.cluster.local:18789`. */
  baseUrl: string;
  /** Gateway token for the tool call. Never written into the evidence. */
  token: string;
  /** Total time the checks may take, retries included (covers a cold start). */
  budgetMs: number;
  pathName: string;
  /** Per-attempt timeout; default min(3000, budget). */
  attemptTimeoutMs?: number;
  /** Injected clock for tests of the retry policy; defaults to performance.now(). */
  now?: () => number;
}

export const EVIDENCE_SCHEMA = "openclaw.smoke/v1" as const;

interface Attempt {
  ok: boolean;
  terminal: boolean; // retrying cannot help (wrong token, denied tool)
  status: number | null;
  latencyMs: number | null;
  failure: FailureKind | null;
  reason: string | null;
  detail?: Record<string, unknown>;
}

interface CheckSpec {
  name: CheckName;
  method: "GET" | "POST";
  path: string;
  judge: (status: number, json: Record<string, unknown>) => Omit<Attempt, "latencyMs" | "status">;
}

const PASS = { ok: true, terminal: false, failure: null, reason: null } as const;

function fail(failure: FailureKind, reason: string, terminal = false, detail?: Record<string, unknown>) {
  return { ok: false, terminal, failure, reason, detail };
}

const SPECS: CheckSpec[] = [
  {
    name: "startup",
    method: "GET",
    path: "/startupz",
    judge: (status, body) => {
      if (status !== 200) return statusFailure(status, "/startupz");
      if (body.ok === true && body.status === "started") {
        return { ...PASS, detail: typeof body.version === "string" ? { version: body.version } : undefined };
      }
      return fail("unexpected-body", `/startupz answered ${short(body)}; expected {"ok":true,"status":"started"}`);
    },
  },
  {
    name: "liveness",
    method: "GET",
    path: "/healthz",
    judge: (status, body) => {
      if (status !== 200) return statusFailure(status, "/healthz");
      if (body.ok === true) return { ...PASS };
      return fail("unexpected-body", `/healthz answered ${short(body)}; expected {"ok":true,...}`);
    },
  },
  {
    name: "readiness",
    method: "GET",
    path: "/readyz",
    judge: (status, body) => {
      const failing = Array.isArray(body.failing) ? { failing: body.failing.slice(0, 10) } : undefined;
      if (status === 503 || (status === 200 && body.ready === false)) {
        return fail("not-ready", `/readyz says not ready (HTTP ${status}${failing ? `, failing: ${JSON.stringify(failing.failing)}` : ""})`, false, failing);
      }
      if (status !== 200) return statusFailure(status, "/readyz");
      if (body.ready === true) return { ...PASS };
      return fail("unexpected-body", `/readyz answered ${short(body)}; expected {"ready":true,...}`);
    },
  },
  {
    name: "toolCall",
    method: "POST",
    path: "/tools/invoke",
    judge: (status, body) => {
      if (status === 401 || status === 403) {
        return fail("auth", `tool call rejected: authentication failed (HTTP ${status}); the gateway token is wrong or missing`, true);
      }
      if (status === 404) {
        return fail("not-found", "tool call answered 404: tool sessions_list is denied or unknown on this gateway", true);
      }
      if (status !== 200) return statusFailure(status, "/tools/invoke");
      if (body.ok === true) return { ...PASS };
      return fail("unexpected-body", `/tools/invoke answered ${short(body)}; expected {"ok":true,"result":...}`);
    },
  },
];

/** The tool call that needs no model key (FACTS.md §1). */
export const TOOL_CALL_BODY = JSON.stringify({ tool: "sessions_list", args: {} });

function statusFailure(status: number, path: string) {
  if (status === 401 || status === 403) {
    // #134735: with token auth and lan bind, 2026.8.1 answered 403 on probe paths off loopback.
    return fail("auth", `${path} answered HTTP ${status} without credentials: probe routes are forbidden for this client`, true);
  }
  return fail("http-status", `${path} answered HTTP ${status}`);
}

function short(body: unknown): string {
  const s = JSON.stringify(body) ?? String(body);
  return s.length > 160 ? `${s.slice(0, 157)}...` : s;
}

/** URL without user info, query or fragment: what may be written into evidence. */
export function publicUrl(raw: string): string {
  const u = new URL(raw);
  u.username = "";
  u.password = "";
  u.search = "";
  u.hash = "";
  return u.toString().replace(/\/$/, "");
}

/** Removes every occurrence of each secret from text (defence in depth for echoes). */
export function redact(text: string, secrets: Array<string | undefined>): string {
  let out = text;
  for (const s of secrets) {
    if (s && s.length >= 4) out = out.split(s).join("[redacted]");
  }
  return out;
}

function isHtml(contentType: string, text: string): boolean {
  return /text\/html/i.test(contentType) || /^\s*<(!doctype|html)/i.test(text);
}

function socketFailure(err: unknown, timeoutMs: number): Omit<Attempt, "latencyMs" | "status"> {
  const e = err as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string; errors?: Array<{ code?: string }> } };
  if (e?.name === "TimeoutError" || e?.name === "AbortError") {
    return fail("timeout", `no answer within ${timeoutMs} ms (packets dropped, e.g. by a NetworkPolicy, or the process hangs)`);
  }
  const code = e?.cause?.code ?? e?.cause?.errors?.[0]?.code ?? e?.code;
  switch (code) {
    case "ECONNREFUSED":
      return fail("connection-refused", "connection refused: nothing listens on that address and port");
    case "ECONNRESET":
      return fail("network", "connection reset by peer");
    case "ETIMEDOUT":
    case "UND_ERR_CONNECT_TIMEOUT":
    case "UND_ERR_HEADERS_TIMEOUT":
      return fail("timeout", `connect timed out (${code}): packets dropped, e.g. by a NetworkPolicy`);
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return fail("unreachable", `no route to the address (${code})`);
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return fail("dns", `the host name does not resolve (${code}): check the Service name and namespace`);
    default:
      if (/bad port/i.test(e?.cause?.message ?? "")) {
        return fail("network", "fetch refuses to connect to this port (it is on the WHATWG \"bad ports\" list); use another port", true);
      }
      return fail("network", `request failed: ${code ?? e?.cause?.message ?? e?.message ?? String(err)}`);
  }
}

async function attempt(spec: CheckSpec, base: string, token: string, timeoutMs: number, now: () => number): Promise<Attempt> {
  const t0 = now();
  // Accept what kubelet's httpGet probes send (*/*): the gateway answers unknown single-segment
  // GET paths with its Control UI page for */* or text/html, but 404 for application/json
  // (observed on 2026.9.6), so */* sees what the probes see.
  const headers: Record<string, string> = { accept: "*/*" };
  let body: string | undefined;
  if (spec.method === "POST") {
    headers["content-type"] = "application/json";
    headers.authorization = `Bearer ${token}`;
    body = TOOL_CALL_BODY;
  }
  let res: Response;
  let text: string;
  try {
    res = await fetch(base + spec.path, { method: spec.method, headers, body, signal: AbortSignal.timeout(timeoutMs), redirect: "manual" });
    text = await res.text();
  } catch (err) {
    return { ...socketFailure(err, timeoutMs), status: null, latencyMs: null };
  }
  const latencyMs = Math.round((now() - t0) * 10) / 10;
  const status = res.status;
  if (isHtml(res.headers.get("content-type") ?? "", text)) {
    return {
      ...fail("catch-all-html", `catch-all page, not a probe response (HTTP ${status} text/html on ${spec.path}): the route is not mounted, or this is not the gateway`),
      status,
      latencyMs,
    };
  }
  let json: unknown;
  try {
    json = text === "" ? {} : JSON.parse(text);
  } catch {
    const judged = status === 401 || status === 403 || status === 404 ? spec.judge(status, {}) : fail("not-json", `${spec.path} answered HTTP ${status} with a body that is not JSON: ${JSON.stringify(redact(text.slice(0, 80), [token]))}`);
    return { ...judged, status, latencyMs };
  }
  const obj = json !== null && typeof json === "object" && !Array.isArray(json) ? (json as Record<string, unknown>) : { value: json };
  const judged = spec.judge(status, obj);
  return { ...judged, reason: judged.reason === null ? null : redact(judged.reason, [token]), status, latencyMs };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function runOne(spec: CheckSpec, base: string, opts: RunChecksOptions, start: number, deadline: number, now: () => number): Promise<CheckResult> {
  const perAttempt = opts.attemptTimeoutMs ?? Math.min(3000, opts.budgetMs);
  let attempts = 0;
  let backoff = 100;
  let last: Attempt;
  for (;;) {
    attempts += 1;
    const left = deadline - now();
    // AbortSignal.timeout() throws ERR_OUT_OF_RANGE on a fractional delay: whole ms only.
    last = await attempt(spec, base, opts.token, Math.floor(Math.max(50, Math.min(perAttempt, left))), now);
    if (last.ok || last.terminal) break;
    const remaining = deadline - now();
    if (remaining <= 0) break;
    // Backoff while the gateway is cold (5–10 s here): 100 ms doubling to 1 s; never past the budget.
    // The last sleep ends at the deadline; one short attempt (50 ms) follows it.
    await sleep(Math.min(backoff, remaining));
    backoff = Math.min(backoff * 2, 1000);
  }
  return {
    name: spec.name,
    method: spec.method,
    path: spec.path,
    ok: last.ok,
    status: last.status,
    latencyMs: last.latencyMs,
    attempts,
    passedAfterMs: last.ok ? Math.round(now() - start) : null,
    failure: last.failure,
    reason: last.reason,
    ...(last.detail ? { detail: last.detail } : {}),
  };
}

/**
 * Runs the four checks in parallel, each retrying with backoff until it passes,
 * fails for good (wrong token, denied tool) or the budget runs out.
 */
export async function runChecks(opts: RunChecksOptions): Promise<Evidence> {
  const now = opts.now ?? (() => performance.now());
  const base = new URL(opts.baseUrl).toString().replace(/\/$/, "");
  const startedAt = new Date();
  const start = now();
  const deadline = start + opts.budgetMs;
  const checks = await Promise.all(SPECS.map((s) => runOne(s, base, opts, start, deadline, now)));
  const finishedAt = new Date();
  const version = checks.find((c) => c.name === "startup")?.detail?.version;
  return {
    schema: EVIDENCE_SCHEMA,
    pathName: opts.pathName,
    url: publicUrl(opts.baseUrl),
    ok: checks.every((c) => c.ok),
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: Math.round(now() - start),
    budgetMs: opts.budgetMs,
    gatewayVersion: typeof version === "string" ? version : null,
    checks,
  };
}

/** One line per check, for logs and error messages. */
export function formatEvidence(ev: Evidence): string {
  const lines = [`${ev.pathName} ${ev.url}: ${ev.ok ? "PASS" : "FAIL"} in ${ev.durationMs} ms (budget ${ev.budgetMs} ms)${ev.gatewayVersion ? `, gateway ${ev.gatewayVersion}` : ""}`];
  if (!ev.ok && ev.checks.every((c) => c.failure === "path-not-run")) {
    lines.push(`  not run: ${ev.checks[0]?.reason}`);
    return lines.join("\n");
  }
  for (const c of ev.checks) {
    const what = c.ok ? `ok HTTP ${c.status} ${c.latencyMs} ms` : `FAIL ${c.failure}: ${c.reason}`;
    lines.push(`  ${c.name.padEnd(9)} ${c.method} ${c.path.padEnd(13)} ${what} (${c.attempts} attempt${c.attempts === 1 ? "" : "s"})`);
  }
  return lines.join("\n");
}

// ---------------------------------------------------------------------------
// Agreement of the two paths (runbook step 5: "repeat an in-cluster probe and
// record whether both paths agree") and the diagnosis when they do not.

/** The runbook's causes, in the order the runbook lists them (§2, step 3, FAQ). */
export type Cause =
  | "bind-loopback"
  | "target-port-mismatch"
  | "network-policy-drops-source"
  | "readiness-routes-not-mounted"
  | "token-mismatch"
  | "service-dns"
  | "port-forward-broken"
  | "gateway-unhealthy"
  | "path-not-run";

export const CAUSE_ORDER: Cause[] = [
  "bind-loopback",
  "target-port-mismatch",
  "network-policy-drops-source",
  "readiness-routes-not-mounted",
  "token-mismatch",
  "service-dns",
  "port-forward-broken",
  "gateway-unhealthy",
  "path-not-run",
];

export interface DiagnosisContext {
  /** The bind the gateway was deployed with, when known. */
  bind?: string;
  containerPort?: number;
  /** The Service targetPort resolved to a number, when known. */
  targetPort?: number;
  /** Whether the NetworkPolicy admits the in-cluster client (pod label) on the gateway port. */
  networkPolicyAdmitsClient?: boolean;
}

export interface Finding {
  cause: Cause;
  /** Why the evidence points here. */
  because: string;
}

export interface Agreement {
  /** Both paths passed: the change may be signed off. */
  signedOff: boolean;
  /** Both paths reached the same verdict per check. */
  agree: boolean;
  verdict: "signed-off" | "disagree" | "both-fail";
  /** Likely causes, runbook order. Empty when signed off. */
  diagnosis: Finding[];
  summary: string;
}

function failures(ev: Evidence): Set<FailureKind> {
  return new Set(ev.checks.filter((c) => !c.ok && c.failure).map((c) => c.failure as FailureKind));
}

/**
 * Compares the path that reaches the pod from inside its network namespace
 * (port-forward) with the path real traffic takes (Service → pod IP).
 */
export function comparePaths(inPod: Evidence, viaService: Evidence, ctx: DiagnosisContext = {}): Agreement {
  const agree = inPod.checks.every((c) => viaService.checks.find((d) => d.name === c.name)?.ok === c.ok);
  const signedOff = inPod.ok && viaService.ok;
  const found: Finding[] = [];
  const add = (cause: Cause, because: string) => {
    if (!found.some((f) => f.cause === cause)) found.push({ cause, because });
  };
  const svc = failures(viaService);
  const pod = failures(inPod);
  const notRun = [inPod, viaService].filter((e) => !e.ok && e.checks.every((c) => c.failure === "path-not-run"));
  if (notRun.length > 0) {
    // Nothing can be said about the gateway from a path that never reached it.
    add("path-not-run", notRun.map((e) => `${e.pathName} could not run: ${e.checks[0]?.reason ?? "unknown"}`).join("; "));
    return {
      signedOff: false,
      agree: false,
      verdict: notRun.length === 2 ? "both-fail" : "disagree",
      diagnosis: found,
      summary: `${notRun.map((e) => e.pathName).join(" and ")} could not run; likely: path-not-run`,
    };
  }

  if (inPod.ok && !viaService.ok) {
    if (ctx.bind === "loopback") {
      add("bind-loopback", `the gateway is deployed with bind=loopback: it answers on 127.0.0.1 inside the pod (port-forward passed) but not on the pod IP that ${viaService.pathName} reaches; set bind=lan`);
    } else if (svc.has("connection-refused") && (ctx.bind === undefined || ctx.bind === "loopback")) {
      add("bind-loopback", `port-forward (127.0.0.1 inside the pod) passed but ${viaService.pathName} got "connection refused": nothing listens on the pod IP; the gateway is most likely bound to loopback (set bind=lan)`);
    }
    if (ctx.targetPort !== undefined && ctx.containerPort !== undefined && ctx.targetPort !== ctx.containerPort) {
      add("target-port-mismatch", `Service targetPort ${ctx.targetPort} ≠ containerPort ${ctx.containerPort}`);
    } else if (svc.has("connection-refused") && ctx.targetPort === undefined && ctx.bind !== "loopback") {
      add("target-port-mismatch", "connection refused is also what a Service targetPort that differs from the container port produces; compare targetPort with containerPort");
    }
    if (ctx.networkPolicyAdmitsClient === false) {
      add("network-policy-drops-source", `the NetworkPolicy does not admit the ${viaService.pathName} client on the gateway port`);
    } else if (svc.has("timeout") || svc.has("unreachable")) {
      add("network-policy-drops-source", `${viaService.pathName} got no answer (packets dropped) while port-forward passed: a NetworkPolicy most likely drops this source; admit it on the gateway port`);
    }
    if (svc.has("not-ready") || svc.has("catch-all-html")) {
      add("readiness-routes-not-mounted", `${viaService.pathName} saw ${[...svc].join(", ")}: the pod is not Ready from the Service's side yet, or the probe routes are not mounted (catch-all page); wait for the startupProbe or raise the cold-start budget`);
    }
    if (svc.has("auth") && !pod.has("auth")) {
      add("token-mismatch", `only ${viaService.pathName} was refused with 401/403: its token differs from the gateway's, or probes are forbidden off loopback (issue #134735)`);
    }
    if (svc.has("dns")) add("service-dns", `${viaService.pathName} could not resolve the Service name: check the Service name and namespace`);
  } else if (!inPod.ok && viaService.ok) {
    add("port-forward-broken", `${viaService.pathName} passed but port-forward failed (${[...pod].join(", ")}): the gateway serves real traffic; check kubectl access (RBAC pods/portforward), the local port, and the token the port-forward path used`);
    if (pod.has("auth")) add("token-mismatch", "only the port-forward path was refused with 401/403: the token it used differs from the gateway's");
  } else if (!inPod.ok && !viaService.ok) {
    const all = new Set([...pod, ...svc]);
    if (all.has("auth")) add("token-mismatch", "both paths were refused with 401/403: the token is wrong or missing");
    add("gateway-unhealthy", `both paths failed (${[...all].join(", ")}): the gateway itself is down, crash-looping or not ready within the budget; read kubectl describe pod (Last State, exit 137 = OOMKilled) and the logs`);
  }

  found.sort((a, b) => CAUSE_ORDER.indexOf(a.cause) - CAUSE_ORDER.indexOf(b.cause));
  // "disagree": one path passes and the other fails, the case the runbook's diagnosis is about.
  const verdict = signedOff ? "signed-off" : inPod.ok !== viaService.ok ? "disagree" : "both-fail";
  const summary = signedOff
    ? `both paths pass: ${inPod.pathName} and ${viaService.pathName} agree; signed off`
    : verdict === "disagree"
      ? `${inPod.pathName} ${inPod.ok ? "passes" : "fails"} but ${viaService.pathName} ${viaService.ok ? "passes" : "fails"}; likely: ${found.map((f) => f.cause).join(", ") || "unknown"}`
      : `both paths fail; likely: ${found.map((f) => f.cause).join(", ")}`;
  return { signedOff, agree, verdict, diagnosis: found, summary };
}

/** The whole diagnosis as text, for the error that fails `pulumi up`. */
export function formatAgreement(a: Agreement): string {
  const lines = [a.summary];
  a.diagnosis.forEach((f, i) => lines.push(`  ${i + 1}. ${f.cause}: ${f.because}`));
  return lines.join("\n");
}

// ---------------------------------------------------------------------------
// Entry point of the in-cluster Job (and of any process that runs this file as
// a script): reads its inputs from the environment, prints the evidence JSON to
// stdout and to the termination message, exits 1 on failure.

export interface JobEnv {
  SMOKE_BASE_URL?: string;
  SMOKE_PATH_NAME?: string;
  SMOKE_BUDGET_MS?: string;
  SMOKE_TERMINATION_LOG?: string;
  OPENCLAW_GATEWAY_TOKEN?: string;
}

export async function jobMain(env: JobEnv, write: (path: string, text: string) => void, print: (text: string) => void): Promise<number> {
  const baseUrl = env.SMOKE_BASE_URL;
  if (!baseUrl) {
    print(JSON.stringify({ schema: EVIDENCE_SCHEMA, ok: false, error: "SMOKE_BASE_URL is not set" }));
    return 2;
  }
  const ev = await runChecks({
    baseUrl,
    token: env.OPENCLAW_GATEWAY_TOKEN ?? "",
    budgetMs: Number(env.SMOKE_BUDGET_MS ?? "60000"),
    pathName: env.SMOKE_PATH_NAME ?? "inCluster",
  });
  const json = redact(JSON.stringify(ev), [env.OPENCLAW_GATEWAY_TOKEN]);
  // The kubelet keeps at most 4096 bytes of a termination message; the evidence fits (~1.5 KB).
  try {
    write(env.SMOKE_TERMINATION_LOG ?? "/dev/termination-log", json);
  } catch {
    // Not in a pod (tests, laptops): stdout carries the same JSON.
  }
  print(json);
  return ev.ok ? 0 : 1;
}
