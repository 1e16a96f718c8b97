// Probes against what the gateway actually serves (runbook §4.3–4.4, §5).
// Every unknown path answers 200 with the Control UI HTML (docs/facts.md §1), so a probe on
// `/livez` or `/` can never fail; an exec probe runs inside the pod and proves
// nothing about the pod IP that Service traffic and kubelet httpGet probes use.

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: string;
}

export interface Probe {
  httpGet?: { path?: string; port?: number | string; host?: string; scheme?: string };
  tcpSocket?: { port?: number | string; host?: string };
  grpc?: { port?: number };
  exec?: { command?: string[] };
  initialDelaySeconds?: number;
  periodSeconds?: number;
  failureThreshold?: number;
  timeoutSeconds?: number;
  successThreshold?: number;
}

/** Paths the gateway answers with a JSON health body (docs/facts.md §1). */
export const HEALTH_PATHS = ["/healthz", "/health", "/readyz", "/ready", "/startupz", "/startup"];

type ProbeKind = "httpGet" | "tcpSocket" | "grpc" | "exec" | "none";

export interface ProbeTarget {
  kind: ProbeKind;
  /** The numeric port the kubelet dials, when it can be resolved. */
  port?: number;
  /** The port as written (number or name). */
  portSpec?: number | string;
  /** Why the port could not be resolved. */
  portError?: string;
  path?: string;
  host?: string;
  scheme?: string;
}

function probeKind(p: Probe | undefined): ProbeKind {
  if (!p) return "none";
  if (p.httpGet) return "httpGet";
  if (p.tcpSocket) return "tcpSocket";
  if (p.grpc) return "grpc";
  if (p.exec) return "exec";
  return "none";
}

/** Resolves a port written as a number or a container port name. */
export function resolvePort(spec: number | string | undefined, ports: readonly ContainerPort[]): { port?: number; error?: string } {
  if (spec === undefined || spec === "") return { error: "no port given" };
  if (typeof spec === "number") return { port: spec };
  if (/^[0-9]+$/.test(spec)) return { port: Number(spec) };
  const named = ports.find((p) => p.name === spec);
  if (!named) {
    const names = ports.filter((p) => p.name).map((p) => `"${p.name}"`);
    return { error: `port name "${spec}" matches no container port (${names.length ? `names: ${names.join(", ")}` : "the container names no ports"})` };
  }
  return { port: named.containerPort };
}

export function probeTarget(p: Probe | undefined, ports: readonly ContainerPort[]): ProbeTarget {
  const kind = probeKind(p);
  if (!p || kind === "none" || kind === "exec") return { kind };
  const spec = kind === "httpGet" ? p.httpGet!.port : kind === "tcpSocket" ? p.tcpSocket!.port : p.grpc!.port;
  const r = resolvePort(spec, ports);
  const t: ProbeTarget = { kind, portSpec: spec, port: r.port, portError: r.error };
  if (kind === "httpGet") {
    t.path = p.httpGet!.path ?? "/";
    t.host = p.httpGet!.host;
    t.scheme = p.httpGet!.scheme ?? "HTTP";
  } else if (kind === "tcpSocket") {
    t.host = p.tcpSocket!.host;
  }
  return t;
}

/** The path without query string or trailing slash, for comparison with HEALTH_PATHS. */
function normalizePath(path: string): string {
  const q = path.indexOf("?");
  let p = q >= 0 ? path.slice(0, q) : path;
  if (p.length > 1 && p.endsWith("/")) p = p.slice(0, -1);
  return p;
}

function isHealthPath(path: string | undefined, allowed: readonly string[] = HEALTH_PATHS): boolean {
  return path !== undefined && allowed.includes(normalizePath(path));
}

/**
 * Why a readiness probe does not test the path real traffic takes, or undefined.
 * Real traffic: HTTP on the pod IP at the gateway's traffic port.
 */
export function checkReadiness(
  readiness: Probe | undefined,
  ports: readonly ContainerPort[],
  trafficPort: number | undefined,
  healthPaths: readonly string[] = HEALTH_PATHS,
  /** Whether the gateway listens on the pod IP (lan): then an exec probe cannot pass while traffic fails on the bind. */
  podIpReachable = false,
): string[] {
  const t = probeTarget(readiness, ports);
  const want = `httpGet on the traffic port${trafficPort ? ` (${trafficPort})` : ""} to ${healthPaths.filter((p) => p.endsWith("z")).join(", ")}`;
  switch (t.kind) {
    case "none":
      return [`has no readinessProbe; add an ${want}`];
    case "exec":
      return [podIpReachable
        ? `readinessProbe is an exec probe: it runs inside the pod and dials loopback, not the pod IP that Service traffic takes, so it does not test the traffic path (a NetworkPolicy or bind change that cuts traffic off would not show); use an ${want}`
        : `readinessProbe is an exec probe: it runs inside the pod (on loopback) and passes while Service traffic on the pod IP fails; use an ${want}`];
    case "tcpSocket":
      return [`readinessProbe is a tcpSocket probe: an open port says nothing about readiness; use an ${want}`];
    case "grpc":
      return [`readinessProbe is a grpc probe; the gateway serves HTTP health: use an ${want}`];
  }
  const problems: string[] = [];
  if (t.portError) problems.push(`readinessProbe httpGet ${t.portError}`);
  else if (trafficPort !== undefined && t.port !== trafficPort) {
    problems.push(`readinessProbe httpGet port ${String(t.portSpec)} (${t.port}) is not the traffic port ${trafficPort}`);
  }
  if (!isHealthPath(t.path, healthPaths)) {
    problems.push(
      `readinessProbe path "${t.path}" is not a health path: unknown paths answer 200 with the Control UI HTML, so this probe can never fail; use /readyz (or ${healthPaths.filter((p) => p !== "/readyz").join(", ")})`,
    );
  }
  if (t.host) problems.push(`readinessProbe httpGet sets host "${t.host}"; remove it so the kubelet dials the pod IP like Service traffic`);
  if ((t.scheme ?? "HTTP").toUpperCase() !== "HTTP") problems.push(`readinessProbe scheme ${t.scheme}; the gateway serves plain HTTP on its port`);
  return problems;
}

/** Why another probe (liveness, startup) would never fail or dials the wrong place. */
export function checkOtherProbe(
  which: "livenessProbe" | "startupProbe",
  probe: Probe | undefined,
  ports: readonly ContainerPort[],
  healthPaths: readonly string[] = HEALTH_PATHS,
): string[] {
  const t = probeTarget(probe, ports);
  if (t.kind !== "httpGet") return [];
  const problems: string[] = [];
  if (t.portError) problems.push(`${which} httpGet ${t.portError}`);
  if (!isHealthPath(t.path, healthPaths)) {
    const suggest = which === "livenessProbe" ? "/healthz" : "/startupz";
    problems.push(`${which} path "${t.path}" is not a health path: unknown paths answer 200 with the Control UI HTML, so it never fails; use ${suggest}`);
  }
  return problems;
}

/** Identical readiness and liveness probes restart a pod that is only busy (kube-score pod-probes-identical). */
export function probesIdentical(a: Probe | undefined, b: Probe | undefined): boolean {
  if (!a || !b) return false;
  return JSON.stringify(probeAction(a)) === JSON.stringify(probeAction(b));
}

function probeAction(p: Probe): unknown {
  if (p.httpGet) return { h: [normalizePath(p.httpGet.path ?? "/"), String(p.httpGet.port), p.httpGet.host ?? "", (p.httpGet.scheme ?? "HTTP").toUpperCase()] };
  if (p.tcpSocket) return { t: [String(p.tcpSocket.port), p.tcpSocket.host ?? ""] };
  if (p.grpc) return { g: p.grpc.port };
  if (p.exec) return { e: p.exec.command ?? [] };
  return {};
}

const DEFAULTS = { initialDelaySeconds: 0, periodSeconds: 10, failureThreshold: 3 };

/**
 * Seconds the kubelet waits before it restarts a container that has not answered:
 * with a startupProbe, initialDelay + failureThreshold × period of the startupProbe
 * (liveness is held off until it succeeds); without one, the same of the livenessProbe;
 * with neither, nothing restarts a slow starter (Infinity).
 */
export function startupGraceSeconds(startup: Probe | undefined, liveness: Probe | undefined): { seconds: number; from: string } {
  const p = startup ?? liveness;
  if (!p) return { seconds: Infinity, from: "no startupProbe and no livenessProbe" };
  const d = p.initialDelaySeconds ?? DEFAULTS.initialDelaySeconds;
  const per = p.periodSeconds ?? DEFAULTS.periodSeconds;
  const f = p.failureThreshold ?? DEFAULTS.failureThreshold;
  const which = startup ? "startupProbe" : "livenessProbe";
  return { seconds: d + f * per, from: `${which} initialDelaySeconds ${d} + failureThreshold ${f} × periodSeconds ${per}` };
}

export interface StartupBudgetInput {
  coldStartSeconds: number;
  /** Cold starts above this need a startupProbe or grace (runbook §5: 30 s). */
  thresholdSeconds: number;
  /** Minimum grace once over the threshold (runbook §5: 40–60 s). */
  minGraceSeconds: number;
  startup?: Probe;
  liveness?: Probe;
}

/** Why the probes would restart the gateway before its declared cold start completes. */
export function checkStartupBudget(i: StartupBudgetInput): string | undefined {
  if (i.coldStartSeconds <= i.thresholdSeconds) return undefined;
  const need = Math.max(i.minGraceSeconds, i.coldStartSeconds);
  const g = startupGraceSeconds(i.startup, i.liveness);
  if (g.seconds >= need) return undefined;
  const fix = i.startup
    ? `raise the startupProbe failureThreshold to ${Math.ceil((need - (i.startup.initialDelaySeconds ?? 0)) / (i.startup.periodSeconds ?? DEFAULTS.periodSeconds))}`
    : `add a startupProbe on /startupz with failureThreshold × periodSeconds ≥ ${need} (e.g. periodSeconds 5, failureThreshold ${Math.ceil(need / 5)})`;
  return `declared cold start is ${i.coldStartSeconds}s (over ${i.thresholdSeconds}s) but the kubelet restarts the container after ${g.seconds}s (${g.from}); at least ${need}s is needed: ${fix}`;
}
