// Agreement of the paths (runbook step 5: "repeat an in-cluster probe and record
// whether both paths agree") and the diagnosis, in the runbook's causes, when they do not.
// Node built-ins only: bundled into the smoke Job's script (job.ts).
import { CAUSES, type Cause } from "../causes";
import type { Evidence, FailureKind } from "./checks";

/** The runbook's causes (components/causes.ts), in the runbook's order: the first that applies is named first. */
export const CAUSE_ORDER: readonly Cause[] = CAUSES;

export interface DiagnosisContext {
  /** The bind the gateway was deployed with, when known. */
  bind?: string;
  containerPort?: number;
  /** The Service targetPort resolved to a number, when known. */
  targetPort?: number;
  /** Whether the NetworkPolicy admits the in-cluster client (pod label) on the gateway port. */
  networkPolicyAdmitsClient?: boolean;
  /** The live Ingress: the Service port its backend names, and the Service's ports. */
  ingressBackendPort?: string | number;
  servicePorts?: Array<{ name?: string; port: number }>;
  /** The port name (or number) the gateway's Service port has. */
  gatewayServicePort?: string | number;
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
  /** "all-fail": every path of three failed (with two paths that is "both-fail"). */
  verdict: "signed-off" | "disagree" | "both-fail" | "all-fail";
  /** Likely causes, runbook order. Empty when signed off. */
  diagnosis: Finding[];
  summary: string;
}

/** Whether any check on this path got an HTTP answer: then packets are not being dropped for it. */
function answered(ev: Evidence): boolean {
  return ev.checks.some((c) => c.status !== null);
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
    } else if ((svc.has("timeout") || svc.has("unreachable")) && !answered(viaService)) {
      add("network-policy-drops-source", `${viaService.pathName} got no answer (packets dropped) while port-forward passed: a NetworkPolicy most likely drops this source; admit it on the gateway port`);
    }
    if (svc.has("not-ready") || svc.has("catch-all-html")) {
      add("readiness-routes-not-mounted", `${viaService.pathName} saw ${[...svc].join(", ")}: the pod is not Ready from the Service's side yet, or the probe routes are not mounted (catch-all page); wait for the startupProbe or raise the cold-start budget`);
    }
    if (svc.has("auth") && !pod.has("auth")) {
      add("token-mismatch", `only ${viaService.pathName} was refused with 401/403: its token differs from the gateway's, or this release forbids probes off loopback (openclaw #134735, 2026.8.1)`);
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

/** Whether the live Ingress's backend names a port the gateway's Service does not route to the gateway. */
function backendPortProblem(ctx: DiagnosisContext): string | undefined {
  const b = ctx.ingressBackendPort;
  if (b === undefined || !ctx.servicePorts) return undefined;
  const named = ctx.servicePorts.find((p) => (typeof b === "number" ? p.port === b : p.name === b));
  const have = ctx.servicePorts.map((p) => `${p.name ? `"${p.name}" ` : ""}${p.port}`).join(", ");
  if (!named) return `the Ingress's backend names Service port ${JSON.stringify(b)}, which the Service does not have (ports: ${have}); name the port "gateway"`;
  const gw = ctx.gatewayServicePort;
  if (gw !== undefined && named.name !== gw && named.port !== gw) return `the Ingress's backend names Service port ${JSON.stringify(b)}, not the gateway's port ${JSON.stringify(gw)}`;
  return undefined;
}

/**
 * The Ingress path's own causes: what the edge did when the pods behind it are
 * reachable (or not) from inside the cluster. `inCluster` tells whether the
 * Service → pod part works without the controller in between.
 */
export function diagnoseIngress(ingress: Evidence, inCluster: Evidence | undefined, ctx: DiagnosisContext = {}): Finding[] {
  const found: Finding[] = [];
  const add = (cause: Cause, because: string) => {
    if (!found.some((f) => f.cause === cause)) found.push({ cause, because });
  };
  const backend = backendPortProblem(ctx);
  if (backend) add("ingress-backend-port", backend);
  if (ingress.ok) return found;
  if (ingress.checks.every((c) => c.failure === "path-not-run")) {
    add("path-not-run", `${ingress.pathName} could not run: ${ingress.checks[0]?.reason ?? "unknown"}`);
    return found;
  }
  const f = failures(ingress);
  const cert = ingress.certificate ?? null;
  const certText = cert ? `subject ${cert.subject}, issuer ${cert.issuer}, names ${cert.subjectAltNames.join(" ") || "(none)"}, valid ${cert.validFrom} to ${cert.validTo}` : "";
  if (cert && !cert.hostMatches) {
    add(
      "certificate-host",
      cert.chainVerified
        ? `the controller presented a certificate for another host than ${cert.host} (${certText}); the Ingress's TLS Secret must hold a certificate whose subjectAltName lists ${cert.host}`
        : // Controllers fall back to their own default certificate when none of theirs names the host.
          `the controller presented a certificate that neither names ${cert.host} nor chains to the stack's CA bundle (${certText}): its default certificate, so it holds no certificate for ${cert.host}; the Ingress's TLS Secret holds one for another host, or is missing or unreadable (same namespace, type kubernetes.io/tls)`,
    );
  }
  if (cert && (cert.expired || cert.notYetValid)) add("certificate-expired", `the certificate is ${cert.expired ? "expired" : "not yet valid"} (${certText}); renew it (cert-manager: check the Certificate's status)`);
  if (cert && cert.hostMatches && !cert.expired && !cert.notYetValid && !cert.chainVerified) {
    add("tls-not-terminated", `the controller presented a certificate the stack's CA bundle does not verify (${cert.chainError ?? "unverified"}; ${certText}): most likely its default certificate, i.e. it does not terminate TLS for this host with the Ingress's Secret (Secret missing or in another namespace, another ingress class)`);
  }
  if (!cert && (f.has("tls") || f.has("network"))) {
    add("tls-not-terminated", `no TLS handshake with the controller for ${ingress.url} (${[...f].join(", ")}): nothing terminates TLS there; check the controller's https address and port`);
  } else if (!cert && (f.has("connection-refused") || f.has("timeout") || f.has("unreachable"))) {
    add("tls-not-terminated", `nothing answered on the controller's address for ${ingress.url} (${[...f].join(", ")}): the controller does not listen there`);
  }
  const tlsOk = cert !== null && cert.chainVerified && cert.hostMatches && !cert.expired;
  const statuses = new Set(ingress.checks.map((c) => c.status).filter((s): s is number => s !== null));
  if (tlsOk && (statuses.has(404) || f.has("not-found")) && !backend) {
    add("ingress-backend-port", `the controller terminated TLS but answered 404: it has no route to the gateway for this host (the Ingress's backend port names no Service port, the Service has no ready endpoints, the Ingress's class is not this controller's, or its host differs)`);
  }
  const edgeGaveUp = [502, 503, 504].some((s) => statuses.has(s)) || (tlsOk && (f.has("timeout") || f.has("body-timeout")) && !answeredOk(ingress));
  if (tlsOk && edgeGaveUp && !backend) {
    const inside = inCluster?.ok ? "while the in-cluster client reached the same pods through the Service" : "";
    add(
      "controller-not-admitted",
      `the controller terminated TLS but could not reach the pods (${[...statuses].map((s) => `HTTP ${s}`).join(", ") || "no answer"}) ${inside}: the NetworkPolicy most likely does not admit the controller's source on the gateway port; add it to network.ingressSources`.replace(/ +:/, ":"),
    );
  }
  if (f.has("proxy-not-trusted")) {
    add(
      "proxy-not-trusted",
      `the gateway refused the controller's forwarded requests with 403 proxy_attribution_required${inCluster?.ok ? " while the in-cluster client passed" : ""}: the controller's source address is not in the gateway's trustedProxies; set gateway.trustedProxies to the addresses it connects from`,
    );
  }
  if (f.has("auth")) add("token-mismatch", "the Ingress path was refused with 401/403: the controller or an auth annotation in front of the gateway rejects the request, or the token differs");
  if (found.length === 0) add("gateway-unhealthy", `the Ingress path failed (${[...f].join(", ")})`);
  return found;
}

function answeredOk(ev: Evidence): boolean {
  return ev.checks.some((c) => c.ok);
}

/**
 * Three paths: port-forward (127.0.0.1 inside the pod), in-cluster (Service DNS →
 * pod IP) and the Ingress (controller → TLS → Service → pod). Signed off only when
 * all three pass; the diagnosis names the first two paths' causes (comparePaths)
 * and the Ingress's own.
 */
export function compareThreePaths(inPod: Evidence, viaService: Evidence, viaIngress: Evidence, ctx: DiagnosisContext = {}): Agreement {
  const two = comparePaths(inPod, viaService, ctx);
  const paths = [inPod, viaService, viaIngress];
  const signedOff = paths.every((p) => p.ok);
  const agree = two.agree && inPod.checks.every((c) => viaIngress.checks.find((d) => d.name === c.name)?.ok === c.ok);
  const found = [...two.diagnosis];
  if (!viaIngress.ok || diagnoseIngress(viaIngress, viaService, ctx).length > 0) {
    for (const f of diagnoseIngress(viaIngress, viaService, ctx)) if (!found.some((x) => x.cause === f.cause)) found.push(f);
  }
  // Both pod paths failing already explain an Ingress failure (gateway-unhealthy); keep that first.
  found.sort((a, b) => CAUSE_ORDER.indexOf(a.cause) - CAUSE_ORDER.indexOf(b.cause));
  const passing = paths.filter((p) => p.ok);
  const verdict = signedOff ? "signed-off" : passing.length === 0 ? "all-fail" : "disagree";
  const list = (ps: Evidence[]) => ps.map((p) => p.pathName).join(", ");
  const summary = signedOff
    ? `all three paths pass: ${list(paths)} agree; signed off`
    : verdict === "all-fail"
      ? `all three paths fail; likely: ${found.map((f) => f.cause).join(", ") || "unknown"}`
      : `${list(passing)} pass${passing.length === 1 ? "es" : ""} but ${list(paths.filter((p) => !p.ok))} fail${paths.length - passing.length === 1 ? "s" : ""}; likely: ${found.map((f) => f.cause).join(", ") || "unknown"}`;
  return { signedOff, agree, verdict, diagnosis: signedOff ? [] : found, summary };
}

/** The whole diagnosis as text, for the error that fails `pulumi up`. */
export function formatAgreement(a: Agreement): string {
  const lines = [a.summary];
  a.diagnosis.forEach((f, i) => lines.push(`  ${i + 1}. ${f.cause}: ${f.because}`));
  return lines.join("\n");
}
