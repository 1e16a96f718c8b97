// The third smoke path: the route real users take, through the ingress controller.
// `https://<host>` with the host resolved to the controller's address by the
// request itself (no DNS is asked, inside or outside the cluster), the host sent as
// SNI and Host, and TLS verified against the CA bundle the stack names; never
// `rejectUnauthorized: false` for a request. Before the checks, one TLS handshake
// reads the certificate the controller presents (subject, issuer, names, expiry)
// for the evidence; it sends no request, so nothing crosses an unverified channel.
//
// Node built-ins only: bundled with checks.ts and kube.ts (bundle.ts).
import { request as httpsRequest } from "node:https";
import { checkServerIdentity, connect as tlsConnect, type PeerCertificate } from "node:tls";
import { isIP } from "node:net";
import { Readable } from "node:stream";
import { runChecks, type CertificateEvidence, type Evidence, type FetchLike } from "./checks";

export interface IngressTarget {
  /** The host name the Ingress routes (its first rule's host). */
  host: string;
  /** The address the controller listens on for https. */
  address: string;
  port: number;
  /** PEM CA certificate(s) the Ingress certificate must chain to. */
  caPem: string;
  /** The Ingress object's name (for the live backend port in the diagnosis). */
  ingressName: string;
}

export function ingressUrl(t: Pick<IngressTarget, "host" | "port">): string {
  return `https://${t.host}${t.port === 443 ? "" : `:${t.port}`}`;
}

/** Why an Ingress target cannot be used, or undefined. */
export function ingressTargetProblem(t: Partial<IngressTarget>): string | undefined {
  if (typeof t.host !== "string" || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(t.host)) return `ingress.host must be a host name; got ${JSON.stringify(t.host)}`;
  if (typeof t.address !== "string" || isIP(t.address) === 0) return `ingress.address must be an IP address (the controller's); got ${JSON.stringify(t.address)}`;
  if (!Number.isInteger(t.port) || (t.port as number) < 1 || (t.port as number) > 65535) return `ingress.port must be 1-65535; got ${JSON.stringify(t.port)}`;
  if (typeof t.caPem !== "string" || !t.caPem.includes("-----BEGIN CERTIFICATE-----")) return "ingress.caPem must hold PEM CA certificate(s)";
  if (typeof t.ingressName !== "string" || t.ingressName === "") return "ingress.ingressName must name the Ingress";
  return undefined;
}

/** A lookup that answers only the Ingress host, with the controller's address. */
function pinnedLookup(t: IngressTarget) {
  const family = isIP(t.address);
  return (hostname: string, options: { all?: boolean } | number | undefined, cb: (...a: unknown[]) => void) => {
    if (hostname !== t.host) {
      const e = Object.assign(new Error(`only ${t.host} is resolved (to ${t.address}); asked for ${hostname}`), { code: "ENOTFOUND" });
      cb(e);
      return;
    }
    if (typeof options === "object" && options?.all) cb(null, [{ address: t.address, family }]);
    else cb(null, t.address, family);
  };
}

/**
 * fetch's shape over node:https: connects to the controller's address, SNI and Host
 * = the Ingress host, certificate verified against the CA bundle (and only it).
 */
export function ingressFetch(t: IngressTarget): FetchLike {
  return (url, init) =>
    new Promise<Response>((resolve, reject) => {
      const u = new URL(url);
      if (u.hostname !== t.host) {
        reject(new Error(`the Ingress path requests only https://${t.host}; got ${u.hostname}`));
        return;
      }
      const req = httpsRequest(
        {
          host: t.host,
          port: Number(u.port || 443),
          path: `${u.pathname}${u.search}`,
          method: init.method,
          headers: { ...init.headers, host: u.host, ...(init.body !== undefined ? { "content-length": String(Buffer.byteLength(init.body)) } : {}) },
          servername: t.host,
          ca: t.caPem,
          rejectUnauthorized: true,
          lookup: pinnedLookup(t) as never,
          agent: false,
          signal: init.signal,
        },
        (res) => {
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) {
            if (Array.isArray(v)) v.forEach((x) => headers.append(k, x));
            else if (v !== undefined) headers.set(k, v);
          }
          const status = res.statusCode ?? 0;
          const noBody = status === 204 || status === 205 || status === 304 || init.method === "HEAD";
          try {
            resolve(new Response(noBody ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), { status, headers }));
          } catch (e) {
            res.destroy();
            reject(e);
          }
        },
      );
      req.on("error", reject);
      req.end(init.body);
    });
}

function dn(x: Record<string, unknown> | undefined): string {
  if (!x) return "";
  return Object.entries(x)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join("+") : String(v)}`)
    .join(", ");
}

/**
 * The certificate the controller presents for the host: one handshake, no request.
 * Verification is recorded, not enforced, so a wrong certificate is still described
 * (subject, names, expiry) in the evidence; the checks themselves enforce it.
 */
export function inspectCertificate(t: IngressTarget, timeoutMs: number): Promise<CertificateEvidence | null> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (v: CertificateEvidence | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(v);
    };
    // The host is checked below on its own, so `authorized` says whether the chain verifies.
    const socket = tlsConnect({ host: t.address, port: t.port, servername: t.host, ca: t.caPem, rejectUnauthorized: false, checkServerIdentity: () => undefined });
    const timer = setTimeout(() => finish(null), timeoutMs);
    socket.on("error", () => finish(null));
    socket.on("secureConnect", () => {
      const cert = socket.getPeerCertificate() as PeerCertificate;
      if (!cert || !cert.raw) return finish(null);
      const hostErr = checkServerIdentity(t.host, cert);
      const now = Date.now();
      const from = Date.parse(cert.valid_from);
      const to = Date.parse(cert.valid_to);
      const authErr = socket.authorizationError ? String((socket.authorizationError as Error).message ?? socket.authorizationError) : null;
      finish({
        host: t.host,
        subject: dn(cert.subject as unknown as Record<string, unknown>),
        issuer: dn(cert.issuer as unknown as Record<string, unknown>),
        subjectAltNames: (cert.subjectaltname ?? "").split(/,\s*/).filter(Boolean),
        validFrom: Number.isFinite(from) ? new Date(from).toISOString() : cert.valid_from,
        validTo: Number.isFinite(to) ? new Date(to).toISOString() : cert.valid_to,
        serialNumber: cert.serialNumber,
        fingerprint256: cert.fingerprint256,
        chainVerified: socket.authorized,
        chainError: socket.authorized ? null : authErr,
        hostMatches: hostErr === undefined,
        hostError: hostErr ? hostErr.message : null,
        expired: Number.isFinite(to) && to < now,
        notYetValid: Number.isFinite(from) && from > now,
        protocol: socket.getProtocol() ?? null,
      });
    });
  });
}

/** The Ingress path: the certificate, then the four checks through https://<host>. */
export async function runIngressPath(t: IngressTarget, token: string, budgetMs: number): Promise<Evidence> {
  const certificate = await inspectCertificate(t, Math.min(5000, budgetMs));
  const ev = await runChecks({ baseUrl: ingressUrl(t), token, budgetMs, pathName: "ingress", fetch: ingressFetch(t) });
  return { ...ev, url: `${ev.url} (resolved to ${t.address}:${t.port}, TLS verified against the stack's CA bundle)`, certificate };
}
