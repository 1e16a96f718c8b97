// Smoke checks of a running OpenClaw gateway (runbook step 5: "complete minimal
// health and one tool call"). Pure library: no Pulumi, no Kubernetes; it imports only
// the names module. It runs unchanged in four places: the dynamic provider, the
// in-cluster Job (bundled into smoke-job.cjs and run with the `node` of the gateway
// image itself), `npm run smoke`, and the tests against the real gateway. It relies
// on Node >=22 globals only (fetch, AbortSignal.timeout, performance).
import { HEALTH, TOOL_CALL } from "../../policy-pack/rules/names";
import { SCAN_CHARS, cleanText, redact } from "./redact";


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
  | "proxy-not-trusted" // 403 proxy_attribution_required: forwarded headers from a proxy outside gateway.trustedProxies
  | "not-found" // 404: the tool is denied or unknown
  | "not-ready" // /readyz answered 503 or ready:false
  | "unexpected-body" // JSON, but not the body a healthy gateway returns
  | "http-status" // any other status
  | "redirect" // 3xx: the URL is not the gateway's own (a proxy or a login page in front of it)
  | "tls" // certificate or protocol error: retrying cannot help
  | "body-too-large" // more than MAX_BODY_BYTES: not a probe response (stopped reading)
  | "body-timeout" // headers arrived but the body did not finish in time (a stalled or endless stream)
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
  /** On an https path: the certificate the server presented and whether it verified. */
  certificate?: CertificateEvidence | null;
}

/** What an https path's server presented, read during the TLS handshake (no request sent). */
export interface CertificateEvidence {
  /** The host name asked for (SNI) and checked against the certificate. */
  host: string;
  subject: string;
  issuer: string;
  subjectAltNames: string[];
  validFrom: string;
  validTo: string;
  serialNumber: string;
  fingerprint256: string;
  /** The chain verifies against the CA bundle the stack names. */
  chainVerified: boolean;
  chainError: string | null;
  /** The certificate names the host (subjectAltName, as TLS clients check it). */
  hostMatches: boolean;
  hostError: string | null;
  expired: boolean;
  notYetValid: boolean;
  protocol: string | null;
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
  /**
   * The request function; default the global fetch. The Ingress path passes one that
   * connects to the controller's address with the host as SNI and verifies TLS against
   * the stack's CA bundle (fetch itself takes neither an address nor a CA).
   */
  fetch?: FetchLike;
}

export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body?: string; signal: AbortSignal; redirect: "manual" }) => Promise<Response>;

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

// ---------------------------------------------------------------------------
// Limits on what a server can make us read or print. The gateway's probe and
// tool answers are a few hundred bytes; sessions_list stays far below 1 MiB.

/** Bytes of a response body read at most; more is "body-too-large" and the rest is never read. */
const MAX_BODY_BYTES = 1024 * 1024;
/** Characters of any server-controlled string kept in evidence (reason, version, failing gates). */
export const MAX_REASON_CHARS = 300;
const MAX_VERSION_CHARS = 64;
/** The kubelet keeps at most 4096 bytes of a termination message. */
export const TERMINATION_MESSAGE_BYTES = 4096;

/** HEALTH's body tests as functions: the same expressions the in-pod probes evaluate. */
const healthy = Object.fromEntries(
  Object.entries(HEALTH).map(([probe, h]) => [probe, new Function("b", `return ${h.healthy};`) as (b: Record<string, unknown>) => boolean]),
) as Record<keyof typeof HEALTH, (b: Record<string, unknown>) => boolean>;

const SPECS: CheckSpec[] = [
  {
    name: "startup",
    method: "GET",
    path: HEALTH.startup.path,
    judge: (status, body) => {
      if (status !== 200) return statusFailure(status, HEALTH.startup.path);
      if (healthy.startup(body)) {
        return { ...PASS, detail: typeof body.version === "string" ? { version: body.version } : undefined };
      }
      return fail("unexpected-body", `${HEALTH.startup.path} answered ${short(body)}; expected ${HEALTH.startup.expected}`);
    },
  },
  {
    name: "liveness",
    method: "GET",
    path: HEALTH.liveness.path,
    judge: (status, body) => {
      if (status !== 200) return statusFailure(status, HEALTH.liveness.path);
      if (healthy.liveness(body)) return { ...PASS };
      return fail("unexpected-body", `${HEALTH.liveness.path} answered ${short(body)}; expected ${HEALTH.liveness.expected}`);
    },
  },
  {
    name: "readiness",
    method: "GET",
    path: HEALTH.readiness.path,
    judge: (status, body) => {
      const failing = Array.isArray(body.failing) ? { failing: body.failing.slice(0, 5).map((f) => (typeof f === "string" ? f : JSON.stringify(f) ?? "")) } : undefined;
      if (status === 503 || (status === 200 && body.ready === false)) {
        return fail("not-ready", `${HEALTH.readiness.path} says not ready (HTTP ${status}${failing ? `, failing: ${JSON.stringify(failing.failing)}` : ""})`, false, failing);
      }
      if (status !== 200) return statusFailure(status, HEALTH.readiness.path);
      if (healthy.readiness(body)) return { ...PASS };
      return fail("unexpected-body", `${HEALTH.readiness.path} answered ${short(body)}; expected ${HEALTH.readiness.expected}`);
    },
  },
  {
    name: "toolCall",
    method: "POST",
    path: TOOL_CALL.path,
    judge: (status, body) => {
      if (status === 401 || status === 403) {
        return fail("auth", `tool call rejected: authentication failed (HTTP ${status}); the gateway token is wrong or missing`, true);
      }
      if (status === 404) {
        return fail("not-found", `tool call answered 404: tool ${TOOL_CALL.tool} is denied or unknown on this gateway`, true);
      }
      if (status !== 200) return statusFailure(status, TOOL_CALL.path);
      if (body.ok === true) return { ...PASS };
      return fail("unexpected-body", `${TOOL_CALL.path} answered ${short(body)}; expected ${TOOL_CALL.expected}`);
    },
  },
];

/** The tool call that needs no model key (sessions_list reads local state only). */
const TOOL_CALL_BODY = JSON.stringify({ tool: TOOL_CALL.tool, args: {} });

/** The gateway's 403 for forwarded headers from an untrusted proxy: {"error":{"type":"proxy_attribution_required",...}}. */
function proxyAttributionRequired(text: string): boolean {
  try {
    return (JSON.parse(text) as { error?: { type?: unknown } })?.error?.type === "proxy_attribution_required";
  } catch {
    return false;
  }
}

function statusFailure(status: number, path: string) {
  if (status === 401 || status === 403) {
    // With token auth and lan bind, 2026.8.1 answered 403 on probe paths off loopback (KNOWN_BROKEN_RELEASES).
    return fail("auth", `${path} answered HTTP ${status} without credentials: probe routes are forbidden for this client`, true);
  }
  return fail("http-status", `${path} answered HTTP ${status}`);
}

function short(body: unknown): string {
  const s = JSON.stringify(body) ?? String(body);
  return s.length > 160 ? `${s.slice(0, 157)}...` : s;
}

// ---------------------------------------------------------------------------
// Secret hygiene: one token rule (shared with the stack config), one URL rule,
// one redaction that runs before anything is cut short.

const TOKEN_MIN_LENGTH = 32;
const TOKEN_MAX_LENGTH = 512;
/** Characters a token may use: no quoting needed in a header, an env file, a shell or JSON. */
const TOKEN_CHARSET = "A–Z a–z 0–9 . _ ~ + / = -";
const TOKEN_PATTERN = /^[A-Za-z0-9._~+/=-]+$/;
/** Fewer distinct characters than this is not a random token (and would redact ordinary text). */
const TOKEN_MIN_DISTINCT = 8;

/**
 * Why a gateway token is unusable, or undefined when it is fine. Never quotes
 * the token. A token this rule accepts can always be redacted: it is long
 * enough that every 8-character fragment is distinctive, and JSON or a header
 * carry it unchanged.
 */
export function gatewayTokenProblem(token: unknown): string | undefined {
  if (typeof token !== "string") return "must be a string";
  const fix = "generate one with `openssl rand -hex 32`";
  if (token.length === 0) return `is empty; ${fix}`;
  if (/\s/.test(token)) return `contains whitespace (a space or a line break, often from copy-paste); ${fix}`;
  if (/[\u0000-\u001f\u007f-\u009f]/.test(token)) return `contains control characters (NUL, escape, ...); ${fix}`;
  if (/[^\u0000-\u007f]/.test(token)) return `contains non-ASCII characters; use only ${TOKEN_CHARSET}; ${fix}`;
  if (!TOKEN_PATTERN.test(token)) return `contains characters outside ${TOKEN_CHARSET} (others need quoting in headers, env files and shells); ${fix}`;
  if (token.length < TOKEN_MIN_LENGTH) return `is ${token.length} characters; it must be at least ${TOKEN_MIN_LENGTH} characters; ${fix}`;
  if (token.length > TOKEN_MAX_LENGTH) return `is ${token.length} characters; at most ${TOKEN_MAX_LENGTH}`;
  if (new Set(token).size < TOKEN_MIN_DISTINCT) return `uses fewer than ${TOKEN_MIN_DISTINCT} distinct characters: not a random token; ${fix}`;
  return undefined;
}

/** A URL for messages: user info replaced by "***", so a password never reaches output. */
export function maskUrl(raw: string): string {
  return cleanText(raw.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, "$1***@"), 200);
}

/**
 * Why a base URL cannot be used for the checks, or undefined. The checks append
 * their paths to it, so a query or fragment would swallow them (every check
 * would request the same URL); user info would send a password the evidence
 * must not carry: the token goes in a header, never in the URL.
 */
export function baseUrlProblem(raw: string): string | undefined {
  if (/[\s\u0000-\u001f\u007f]/.test(raw)) return "contains whitespace or control characters";
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return "is not a URL such as http://127.0.0.1:18789";
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") return `has scheme ${u.protocol.replace(/:$/, "")}; use http or https`;
  if (u.username || u.password || /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(raw)) {
    return "carries user info (user:password@); remove it: the gateway token goes in --token-env, never in the URL";
  }
  if (raw.includes("?") || raw.includes("#")) return "has a query or fragment; give the base URL only (the checks append /startupz, /healthz, /readyz, /tools/invoke)";
  return undefined;
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

/** Every request URL of a check: the base's path plus the check's path, nothing else. */
function checkUrl(base: string, path: string): string {
  const u = new URL(base);
  u.username = "";
  u.password = "";
  u.search = "";
  u.hash = "";
  u.pathname = `${u.pathname.replace(/\/+$/, "")}${path}`;
  return u.toString();
}

/** clean → redact → cap: the one way a server string enters evidence. */
function safeServerText(text: string, secrets: Array<string | undefined>, max: number): string {
  // Only the head can be shown; scanning it (not a whole 1 MiB body) keeps the Job within its 128Mi.
  // Cutting here cannot leak: any 8-character fragment left at the cut is still redacted.
  const cleaned = cleanText(text.slice(0, SCAN_CHARS), Number.MAX_SAFE_INTEGER);
  return cleanText(redact(cleaned, secrets), max);
}

function isHtml(contentType: string, text: string): boolean {
  return /text\/html/i.test(contentType) || /^\s*<(!doctype|html)/i.test(text);
}

const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_(GET|VERIFY)_|EPROTO$|HOSTNAME_MISMATCH)/;

function socketFailure(err: unknown, timeoutMs: number): Omit<Attempt, "latencyMs" | "status"> {
  const e = err as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string; errors?: Array<{ code?: string }> } };
  if (e?.name === "TimeoutError" || e?.name === "AbortError") {
    return fail("timeout", `no answer within ${timeoutMs} ms (packets dropped, e.g. by a NetworkPolicy, or the process hangs)`);
  }
  const code = e?.cause?.code ?? e?.cause?.errors?.[0]?.code ?? e?.code;
  if (typeof code === "string" && TLS_CODES.test(code)) {
    return fail("tls", `TLS failed (${code}): ${e?.cause?.message ?? e?.message ?? ""}; check the URL's scheme (http vs https) and the certificate; retrying cannot help`, true);
  }
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

/** Reads at most `max` bytes of a body, then stops (cancels the stream). */
async function readCapped(res: Response, max: number): Promise<{ text: string; bytes: number; tooLarge: boolean }> {
  if (!res.body) return { text: "", bytes: 0, tooLarge: false };
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (bytes > max) {
      chunks.push(value.subarray(0, value.byteLength - (bytes - max)));
      await reader.cancel().catch(() => {});
      return { text: new TextDecoder().decode(Buffer.concat(chunks)), bytes, tooLarge: true };
    }
    chunks.push(value);
  }
  return { text: new TextDecoder().decode(Buffer.concat(chunks)), bytes, tooLarge: false };
}

async function attempt(spec: CheckSpec, base: string, token: string, timeoutMs: number, now: () => number, fetchImpl: FetchLike): Promise<Attempt> {
  return sanitizeAttempt(await rawAttempt(spec, base, token, timeoutMs, now, fetchImpl), token);
}

/** Every string in an attempt passes through safeServerText before it can reach evidence or a terminal. */
function sanitizeAttempt(a: Attempt, token: string): Attempt {
  const secrets = [token];
  let detail: Record<string, unknown> | undefined;
  if (a.detail) {
    detail = {};
    if (a.detail.version !== undefined) detail.version = safeServerText(String(a.detail.version), secrets, MAX_VERSION_CHARS);
    if (Array.isArray(a.detail.failing)) detail.failing = a.detail.failing.slice(0, 5).map((f) => safeServerText(String(f), secrets, 48));
  }
  return { ...a, reason: a.reason === null ? null : safeServerText(a.reason, secrets, MAX_REASON_CHARS), ...(detail ? { detail } : {}) };
}

async function rawAttempt(spec: CheckSpec, base: string, token: string, timeoutMs: number, now: () => number, fetchImpl: FetchLike): Promise<Attempt> {
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
  try {
    res = await fetchImpl(checkUrl(base, spec.path), { method: spec.method, headers, body, signal: AbortSignal.timeout(timeoutMs), redirect: "manual" });
  } catch (err) {
    return { ...socketFailure(err, timeoutMs), status: null, latencyMs: null };
  }
  const status = res.status;
  let read: { text: string; bytes: number; tooLarge: boolean };
  try {
    read = await readCapped(res, MAX_BODY_BYTES);
  } catch (err) {
    const e = err as { name?: string };
    const latencyMs = Math.round((now() - t0) * 10) / 10;
    if (e?.name === "TimeoutError" || e?.name === "AbortError") {
      return {
        ...fail("body-timeout", `${spec.path} answered HTTP ${status} but its body did not finish within ${timeoutMs} ms (a stalled or endless stream; the network delivered the headers, so this is not a dropped packet)`),
        status,
        latencyMs,
      };
    }
    return { ...fail("network", `${spec.path} answered HTTP ${status}, then the body failed: ${(err as Error)?.message ?? String(err)}`), status, latencyMs };
  }
  const latencyMs = Math.round((now() - t0) * 10) / 10;
  const text = read.text;
  if (status === 403 && proxyAttributionRequired(text)) {
    return {
      ...fail("proxy-not-trusted", `${spec.path} answered HTTP 403 proxy_attribution_required: the gateway does not trust the forwarded headers of the proxy in front of it (its address is not in gateway.trustedProxies)`, true),
      status,
      latencyMs,
    };
  }
  if (status === 401 || status === 403) return { ...spec.judge(status, {}), status, latencyMs };
  if (status >= 300 && status < 400) {
    const location = res.headers.get("location");
    return {
      ...fail("redirect", `${spec.path} answered HTTP ${status} redirecting to ${location === null ? "(no Location)" : JSON.stringify(location.slice(0, 200))}: something other than the gateway answers this URL (a proxy or login page); point the check at the gateway itself`, true),
      status,
      latencyMs,
    };
  }
  if (read.tooLarge) {
    return {
      ...fail("body-too-large", `${spec.path} answered HTTP ${status} with a body over ${MAX_BODY_BYTES} bytes (stopped reading): not a gateway probe or tool answer`, true),
      status,
      latencyMs,
    };
  }
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
    // Redact the whole body first, then cut: a cut must never leave part of a secret.
    const snippet = safeServerText(text, [token], 80);
    const judged = status === 404 ? spec.judge(status, {}) : fail("not-json", `${spec.path} answered HTTP ${status} with a body that is not JSON: ${JSON.stringify(snippet)}`);
    return { ...judged, status, latencyMs };
  }
  const obj = json !== null && typeof json === "object" && !Array.isArray(json) ? (json as Record<string, unknown>) : { value: json };
  // The judges cut long bodies short; sanitizeAttempt then redacts what they kept (a cut
  // never leaves an 8-character fragment unredacted).
  const judged = spec.judge(status, obj);
  return { ...judged, status, latencyMs };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The shortest attempt (AbortSignal.timeout needs a positive whole number of ms). */
const MIN_ATTEMPT_MS = 50;

async function runOne(spec: CheckSpec, base: string, opts: RunChecksOptions, start: number, deadline: number, now: () => number): Promise<CheckResult> {
  const perAttempt = opts.attemptTimeoutMs ?? Math.min(3000, opts.budgetMs);
  let attempts = 0;
  let backoff = 100;
  let last: Attempt;
  let lastAnswered: Attempt | undefined;
  for (;;) {
    attempts += 1;
    const left = deadline - now();
    // AbortSignal.timeout() throws ERR_OUT_OF_RANGE on a fractional delay: whole ms only.
    last = await attempt(spec, base, opts.token, Math.floor(Math.max(MIN_ATTEMPT_MS, Math.min(perAttempt, left))), now, opts.fetch ?? ((url, init) => fetch(url, init)));
    if (last.status !== null) lastAnswered = last;
    if (last.ok || last.terminal) break;
    const remaining = deadline - now();
    if (remaining <= 0) break;
    // Backoff while the gateway is cold (5–10 s here): 100 ms doubling to 1 s; never past the budget.
    // The last sleep ends at the deadline; one short attempt follows it (its timeout, if any,
    // does not hide an earlier answer: see below).
    await sleep(Math.min(backoff, remaining));
    backoff = Math.min(backoff * 2, 1000);
  }
  // A gateway that answered (say 503 not ready) and then let the last attempt time out is
  // slow, not behind a NetworkPolicy: report what it answered.
  if (!last.ok && last.failure === "timeout" && lastAnswered) {
    last = { ...lastAnswered, reason: `${lastAnswered.reason ?? ""} (the last attempt got no answer within its time)` };
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

/** A path name for evidence: letters, digits, `.`, `_`, `-`; at most 40. */
function safePathName(name: string): string {
  const s = name.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 40);
  return s || "cli";
}

/**
 * Runs the four checks in parallel, each retrying with backoff until it passes,
 * fails for good (wrong token, denied tool, TLS, redirect, oversized body) or
 * the budget runs out. Each check requests exactly `evidence.url + check.path`.
 */
export async function runChecks(opts: RunChecksOptions): Promise<Evidence> {
  const problem = baseUrlProblem(opts.baseUrl);
  if (problem) throw new Error(`base URL ${maskUrl(opts.baseUrl)} ${problem}`);
  const now = opts.now ?? (() => performance.now());
  const base = publicUrl(opts.baseUrl);
  const startedAt = new Date();
  const start = now();
  const deadline = start + opts.budgetMs;
  const checks = await Promise.all(SPECS.map((s) => runOne(s, base, opts, start, deadline, now)));
  const finishedAt = new Date();
  const version = checks.find((c) => c.name === "startup")?.detail?.version;
  return {
    schema: EVIDENCE_SCHEMA,
    pathName: safePathName(opts.pathName),
    url: base,
    ok: checks.every((c) => c.ok),
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: Math.round(now() - start),
    budgetMs: opts.budgetMs,
    gatewayVersion: typeof version === "string" ? version : null,
    checks,
  };
}

/**
 * One line per check, for logs and error messages. Every field is shown through
 * cleanText: evidence may come back from a Job or a file, so nothing in it is
 * trusted to be free of control characters.
 */
export function formatEvidence(ev: Evidence): string {
  const t = (v: unknown, max = MAX_REASON_CHARS) => cleanText(String(v), max);
  const lines = [`${t(ev.pathName, 60)} ${t(ev.url, 200)}: ${ev.ok ? "PASS" : "FAIL"} in ${t(ev.durationMs, 20)} ms (budget ${t(ev.budgetMs, 20)} ms)${ev.gatewayVersion ? `, gateway ${t(ev.gatewayVersion, MAX_VERSION_CHARS)}` : ""}`];
  const cert = ev.certificate;
  if (cert) {
    lines.push(
      `  certificate for ${t(cert.host, 253)}: subject ${t(cert.subject, 200)}, issuer ${t(cert.issuer, 200)}, expires ${t(cert.validTo, 40)}; ` +
        `${cert.chainVerified ? "chain verified" : `chain NOT verified (${t(cert.chainError, 120)})`}, ${cert.hostMatches ? "host matches" : `host does NOT match (${t(cert.subjectAltNames.join(" "), 200)})`}${cert.expired ? ", EXPIRED" : ""}`,
    );
  }
  if (!ev.ok && ev.checks.every((c) => c.failure === "path-not-run")) {
    lines.push(`  not run: ${t(ev.checks[0]?.reason)}`);
    return lines.join("\n");
  }
  for (const c of ev.checks) {
    const what = c.ok ? `ok HTTP ${t(c.status, 5)} ${t(c.latencyMs, 12)} ms` : `FAIL ${t(c.failure, 30)}: ${t(c.reason)}`;
    lines.push(`  ${t(c.name, 12).padEnd(9)} ${t(c.method, 6)} ${t(c.path, 40).padEnd(13)} ${what} (${t(c.attempts, 6)} attempt${c.attempts === 1 ? "" : "s"})`);
  }
  return lines.join("\n");
}
