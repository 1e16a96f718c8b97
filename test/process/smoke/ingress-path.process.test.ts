// The Ingress smoke path against TLS servers on 127.0.0.1 that stand in for an
// ingress controller (the real one, Traefik on the real cluster, is in
// test/cluster/ingress.cluster.test.ts): certificates made for the test with
// openssl, the host resolved by the request itself (a .invalid name: any DNS
// lookup would fail), TLS verified against the test CA only, and the diagnosis
// for each edge fault: certificate for another host, an expired certificate, the controller's default
// certificate, plain HTTP where https was expected, no route (404), the pods
// unreachable behind the controller (504). No fragment of the token in evidence.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttp, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttps } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compareThreePaths, diagnoseIngress } from "../../../components/smoke/agreement";
import { formatEvidence, type Evidence } from "../../../components/smoke/checks";
import { ingressFetch, inspectCertificate, runIngressPath, type IngressTarget } from "../../../components/smoke/ingress";
import { liveIngressContextFrom } from "../../../components/smoke/live";
import { smokeFailureMessage, smokeRecord } from "../../../components/smoke/record";
import type { ChangeTicket } from "../../../components/ticket";
import { ingressTargetFromTicket, parseArgs } from "../../../scripts/cli/smoke";

/** The ticket's `ingress` part is all the third path reads; the rest of a ticket does not matter here. */
const fromTicket = (t: { ingress?: unknown }, a: Parameters<typeof ingressTargetFromTicket>[1]) => ingressTargetFromTicket(t as unknown as ChangeTicket, a);
import { startGateway, stopAllGateways, type RunningGateway } from "../../support/gateway";
import { leakedFragment } from "../../support/leak";
import { stagingTarget } from "../../support/smoke";

const HOST = "gateway.openclaw-test.invalid";
const OTHER = "other.openclaw-test.invalid";
const TOKEN = "7c1e9a0b3d5f47e2a6c8b0d2f4e6a8c0b2d4f6e8a0c2e4f6a8b0c2d4e6f8a0b1";
let dir: string;
const servers: Server[] = [];
/** What each server saw: SNI and Host of every request. */
const seen: Array<{ port: number | undefined; sni: string | undefined; host: string | undefined; path: string }> = [];

function openssl(args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
}

function cert(name: string, host: string, signer: "ca" | "self"): void {
  openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", `${name}.key`]);
  writeFileSync(join(dir, `${name}.ext`), `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:${host}\n`);
  if (signer === "self") {
    openssl(["req", "-x509", "-new", "-key", `${name}.key`, "-sha256", "-days", "2", "-subj", `/CN=${host}`, "-addext", `subjectAltName=DNS:${host}`, "-out", `${name}.crt`]);
    return;
  }
  openssl(["req", "-new", "-key", `${name}.key`, "-subj", `/CN=${host}`, "-out", `${name}.csr`]);
  openssl(["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-sha256", "-extfile", `${name}.ext`, "-out", `${name}.crt`]);
}

/** A certificate for `host` from the test CA whose validity ended in 2020 (`openssl ca` takes explicit dates; `x509 -req` does not on OpenSSL 3.0). */
function expiredCert(name: string, host: string): void {
  openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", `${name}.key`]);
  openssl(["req", "-new", "-key", `${name}.key`, "-subj", `/CN=${host}`, "-out", `${name}.csr`]);
  writeFileSync(join(dir, "index.txt"), "");
  writeFileSync(
    join(dir, "ca.cnf"),
    [
      "[ca]", "default_ca = test_ca", "[test_ca]", `dir = ${dir}`, "database = $dir/index.txt", "new_certs_dir = $dir", "serial = $dir/ca.srl",
      "default_md = sha256", "policy = any", "unique_subject = no", "copy_extensions = none", "[any]", "commonName = supplied",
      "[server]", "basicConstraints = critical,CA:FALSE", "keyUsage = critical,digitalSignature", "extendedKeyUsage = serverAuth", `subjectAltName = DNS:${host}`,
    ].join("\n"),
  );
  openssl(["ca", "-batch", "-config", "ca.cnf", "-extensions", "server", "-cert", "ca.crt", "-keyfile", "ca.key", "-startdate", "20200101000000Z", "-enddate", "20200102000000Z", "-notext", "-in", `${name}.csr`, "-out", `${name}.crt`]);
}

/** Answers like the gateway (or with `status` for every request), echoing the Authorization header into the tool call's answer. */
function gatewayLike(status?: number) {
  return (req: IncomingMessage, res: ServerResponse) => {
    seen.push({ port: req.socket.localPort, sni: (req.socket as { servername?: string }).servername, host: req.headers.host, path: req.url ?? "" });
    req.resume();
    req.on("end", () => {
      if (status) {
        res.writeHead(status, { "content-type": "text/plain" }).end(status === 404 ? "404 page not found" : "Gateway Timeout");
        return;
      }
      const body: Record<string, unknown> =
        req.url === "/startupz" ? { ok: true, status: "started" } : req.url === "/healthz" ? { ok: true, status: "live" } : req.url === "/readyz" ? { ready: true } : { ok: true, result: { echo: req.headers.authorization } };
      if (req.url === "/tools/invoke" && req.headers.authorization !== `Bearer ${TOKEN}`) {
        res.writeHead(401).end();
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
    });
  };
}

async function listen(s: Server): Promise<number> {
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  return (s.address() as AddressInfo).port;
}

const tls = (name: string) => ({ key: readFileSync(join(dir, `${name}.key`)), cert: readFileSync(join(dir, `${name}.crt`)) });
const target = (port: number): IngressTarget => ({ host: HOST, address: "127.0.0.1", port, caPem: readFileSync(join(dir, "ca.crt"), "utf8"), ingressName: "openclaw-gateway" });
const ports: Record<string, number> = {};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "openclaw-ingress-path-"));
  openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ca.key"]);
  openssl(["req", "-x509", "-new", "-key", "ca.key", "-sha256", "-days", "2", "-subj", "/CN=openclaw smoke test CA", "-out", "ca.crt"]);
  cert("good", HOST, "ca");
  cert("other", OTHER, "ca");
  cert("default", "controller default certificate", "self");
  cert("selfhost", HOST, "self");
  expiredCert("expired", HOST);
  ports.good = await listen(createHttps(tls("good"), gatewayLike()));
  ports.other = await listen(createHttps(tls("other"), gatewayLike()));
  ports.default = await listen(createHttps(tls("default"), gatewayLike()));
  ports.selfhost = await listen(createHttps(tls("selfhost"), gatewayLike()));
  ports.expired = await listen(createHttps(tls("expired"), gatewayLike()));
  ports.plain = await listen(createHttp(gatewayLike()));
  ports.noroute = await listen(createHttps(tls("good"), gatewayLike(404)));
  ports.blackout = await listen(createHttps(tls("good"), gatewayLike(504)));
});

afterAll(async () => {
  for (const s of servers) await new Promise((r) => s.close(r));
  rmSync(dir, { recursive: true, force: true });
});

const pass = (pathName: string): Evidence => ({
  schema: "openclaw.smoke/v1",
  pathName,
  url: "http://x",
  ok: true,
  startedAt: "",
  finishedAt: "",
  durationMs: 1,
  budgetMs: 1000,
  gatewayVersion: null,
  checks: (["startup", "liveness", "readiness", "toolCall"] as const).map((name) => ({ name, method: "GET" as const, path: "/", ok: true, status: 200, latencyMs: 1, attempts: 1, passedAfterMs: 1, failure: null, reason: null })),
});

describe("the Ingress path", () => {
  it("passes through https://<host> with the host resolved to the controller's address (no DNS), SNI and Host the Ingress host, TLS verified against the CA", async () => {
    seen.length = 0;
    const ev = await runIngressPath(target(ports.good), TOKEN, 5000);
    expect(ev.ok, formatEvidence(ev)).toBe(true);
    expect(ev.pathName).toBe("ingress");
    expect(ev.url).toBe(`https://${HOST}:${ports.good} (resolved to 127.0.0.1:${ports.good}, TLS verified against the stack's CA bundle)`);
    expect(ev.certificate).toMatchObject({ host: HOST, subject: `CN=${HOST}`, issuer: "CN=openclaw smoke test CA", subjectAltNames: [`DNS:${HOST}`], chainVerified: true, hostMatches: true, expired: false, notYetValid: false });
    expect(Date.parse(ev.certificate!.validTo) - Date.now()).toBeGreaterThan(86_400_000);
    const here = seen.filter((x) => x.port === ports.good);
    expect(here.length).toBeGreaterThanOrEqual(4);
    for (const x of here) expect(x).toMatchObject({ sni: HOST, host: `${HOST}:${ports.good}` });
    // The server echoed the bearer token into its answer: nothing of it is kept.
    expect(leakedFragment(JSON.stringify(ev), TOKEN)).toBeUndefined();
    const three = compareThreePaths(pass("portForward"), pass("inCluster"), ev);
    expect(three).toMatchObject({ signedOff: true, verdict: "signed-off", diagnosis: [] });
    expect(three.summary).toBe("all three paths pass: portForward, inCluster, ingress agree; signed off");
  });

  it("never asks DNS and never connects to another host than the Ingress's", async () => {
    const f = ingressFetch(target(ports.good));
    await expect(f(`https://${OTHER}:${ports.good}/readyz`, { method: "GET", headers: {}, signal: AbortSignal.timeout(2000), redirect: "manual" })).rejects.toThrow(/requests only https:\/\/gateway\.openclaw-test\.invalid/);
  });

  it("a certificate for another host: TLS fails at once and the diagnosis names the host, subject and issuer", async () => {
    const ev = await runIngressPath(target(ports.other), TOKEN, 5000);
    expect(ev.ok).toBe(false);
    expect(ev.checks.every((c) => c.failure === "tls" && c.attempts === 1)).toBe(true);
    expect(ev.checks[0].reason).toMatch(/^TLS failed \(ERR_TLS_CERT_ALTNAME_INVALID\)/);
    expect(ev.certificate).toMatchObject({ subject: `CN=${OTHER}`, chainVerified: true, hostMatches: false });
    const a = compareThreePaths(pass("portForward"), pass("inCluster"), ev);
    expect(a.verdict).toBe("disagree");
    expect(a.summary).toBe("portForward, inCluster pass but ingress fails; likely: certificate-host");
    expect(a.diagnosis[0].because).toContain(`a certificate for another host than ${HOST} (subject CN=${OTHER}, issuer CN=openclaw smoke test CA, names DNS:${OTHER}`);
  });

  it("the controller's default certificate (none of its certificates names the host): certificate-host, saying so", async () => {
    const ev = await runIngressPath(target(ports.default), TOKEN, 5000);
    expect(ev.checks[0]).toMatchObject({ failure: "tls" });
    const [f] = diagnoseIngress(ev, pass("inCluster"));
    expect(f.cause).toBe("certificate-host");
    expect(f.because).toContain(`neither names ${HOST} nor chains to the stack's CA bundle`);
  });

  it("a certificate for the host that the CA bundle does not verify: tls-not-terminated (never accepted)", async () => {
    const ev = await runIngressPath(target(ports.selfhost), TOKEN, 5000);
    expect(ev.ok).toBe(false);
    expect(ev.checks[0].reason).toMatch(/^TLS failed \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE)\)/);
    expect(diagnoseIngress(ev, pass("inCluster")).map((f) => f.cause)).toEqual(["tls-not-terminated"]);
  });

  it("an expired certificate for the host from the stack's CA: TLS refused, certificate-expired naming its validity (and not certificate-host)", async () => {
    const ev = await runIngressPath(target(ports.expired), TOKEN, 5000);
    expect(ev.ok).toBe(false);
    expect(ev.checks.every((c) => c.failure === "tls" && c.attempts === 1)).toBe(true);
    expect(ev.checks[0].reason).toMatch(/^TLS failed \(CERT_HAS_EXPIRED\)/);
    expect(ev.certificate).toMatchObject({ subject: `CN=${HOST}`, hostMatches: true, expired: true });
    expect(ev.certificate!.validTo).toMatch(/^2020-01-02T00:00:00/);
    const a = compareThreePaths(pass("portForward"), pass("inCluster"), ev);
    expect(a.verdict).toBe("disagree");
    expect(a.summary).toBe("portForward, inCluster pass but ingress fails; likely: certificate-expired");
    expect(a.diagnosis.map((f) => f.cause)).toEqual(["certificate-expired"]);
    expect(a.diagnosis[0].because).toMatch(/the certificate is expired \(.*2020-01-02.*\); renew it/);
    expect(formatEvidence(ev)).toContain("EXPIRED");
  });

  it("plain HTTP where the controller's https should be: tls-not-terminated, no certificate", async () => {
    const ev = await runIngressPath(target(ports.plain), TOKEN, 5000);
    expect(ev.ok).toBe(false);
    expect(ev.certificate).toBeNull();
    expect(ev.checks[0].failure).toBe("tls");
    const [f] = diagnoseIngress(ev, pass("inCluster"));
    expect(f.cause).toBe("tls-not-terminated");
    expect(f.because).toMatch(/no TLS handshake with the controller/);
  });

  it("404 from the controller (no route): ingress-backend-port, and the live backend port named when it is wrong", async () => {
    const ev = await runIngressPath(target(ports.noroute), TOKEN, 1500);
    expect(ev.ok).toBe(false);
    expect(diagnoseIngress(ev, pass("inCluster")).map((f) => f.cause)).toEqual(["ingress-backend-port"]);
    const live = liveIngressContextFrom(
      { spec: { rules: [{ host: HOST, http: { paths: [{ pathType: "Prefix", path: "/", backend: { service: { name: "openclaw-gateway", port: { number: 18790 } } } }] } }] } },
      { metadata: { name: "openclaw-gateway" }, spec: { ports: [{ name: "gateway", port: 18789, targetPort: "gateway" }] } },
    );
    expect(live).toEqual({ servicePorts: [{ name: "gateway", port: 18789 }], gatewayServicePort: "gateway", ingressBackendPort: 18790 });
    const [f] = diagnoseIngress(ev, pass("inCluster"), live);
    expect(f.because).toBe(`the Ingress's backend names Service port 18790, which the Service does not have (ports: "gateway" 18789); name the port "gateway"`);
  });

  it("504 from the controller while the in-cluster path passes: controller-not-admitted; the record and the failure text carry all three paths without the token", async () => {
    const ev = await runIngressPath(target(ports.blackout), TOKEN, 1500);
    const a = compareThreePaths(pass("portForward"), pass("inCluster"), ev);
    expect(a.summary).toBe("portForward, inCluster pass but ingress fails; likely: controller-not-admitted");
    expect(a.diagnosis[0].because).toMatch(/^the controller terminated TLS but could not reach the pods \(HTTP 504\) while the in-cluster client reached the same pods through the Service: the NetworkPolicy most likely does not admit/);
    const t = { ...stagingTarget(), ingress: target(ports.blackout) };
    const record = smokeRecord(t, { portForward: pass("portForward"), inCluster: pass("inCluster"), ingress: ev, agreement: a }, "v".repeat(64), TOKEN);
    expect(record.ingress?.certificate?.subject).toBe(`CN=${HOST}`);
    expect(record.reproduce.ingress).toBe(`curl --cacert <the stack's ingress.smoke.caBundle> --resolve ${HOST}:${ports.blackout}:127.0.0.1 https://${HOST}:${ports.blackout}/readyz`);
    const text = smokeFailureMessage(record, TOKEN);
    expect(text).toMatch(/^ {2}certificate for gateway\.openclaw-test\.invalid: subject CN=gateway\.openclaw-test\.invalid, issuer CN=openclaw smoke test CA, expires \S+; chain verified, host matches$/m);
    expect(text).toMatch(/^ingress https:\/\/gateway\.openclaw-test\.invalid:\d+ .*: FAIL in/m);
    expect(leakedFragment(text, TOKEN)).toBeUndefined();
    expect(leakedFragment(JSON.stringify(record), TOKEN)).toBeUndefined();
  });

  it("the certificate inspection sends no request and reports nothing when nothing answers", async () => {
    seen.length = 0;
    const c = await inspectCertificate(target(ports.good), 2000);
    expect(c?.subject).toBe(`CN=${HOST}`);
    await new Promise((r) => setTimeout(r, 100));
    // Only this server counts: an aborted attempt of an earlier test may still reach its own server late.
    expect(seen.filter((x) => x.port === ports.good)).toEqual([]);
    const closed = await listen(createHttp());
    await new Promise((r) => servers.pop()!.close(r));
    expect(await inspectCertificate(target(closed), 1000)).toBeNull();
  });
});

describe("npm run smoke -- --stack: the third path's target from the stack's `ingress` output", () => {
  const outputs = () => ({ ingress: { name: "openclaw-gateway", smoke: { host: HOST, address: "127.0.0.1", port: 11443, caBundle: join(dir, "ca.crt") } } });

  it("reads the CA bundle the stack names; --ca-bundle overrides it; --no-ingress and a stack without an Ingress give none", () => {
    const t = fromTicket(outputs(), { noIngress: false });
    expect(t).toEqual({ host: HOST, address: "127.0.0.1", port: 11443, caPem: readFileSync(join(dir, "ca.crt"), "utf8"), ingressName: "openclaw-gateway" });
    const moved = { ingress: { ...outputs().ingress, smoke: { ...outputs().ingress.smoke, caBundle: "/nonexistent/ca.crt" } } };
    expect(fromTicket(moved, { noIngress: false, caBundle: join(dir, "ca.crt") })?.caPem).toContain("BEGIN CERTIFICATE");
    expect(fromTicket(outputs(), { noIngress: true })).toBeUndefined();
    expect(fromTicket({ ingress: null }, { noIngress: false })).toBeUndefined();
    expect(fromTicket({}, { noIngress: false })).toBeUndefined();
  });

  it("a bundle that is not on this machine, or holds a private key, is a usage error naming where it came from and both ways out", () => {
    const moved = { ingress: { ...outputs().ingress, smoke: { ...outputs().ingress.smoke, caBundle: "/nonexistent/ca.crt" } } };
    expect(() => fromTicket(moved, { noIngress: false })).toThrow(
      /^the stack's ingress.smoke.caBundle \/nonexistent\/ca.crt does not exist on this machine: pass --ca-bundle <PEM file .*>, or --no-ingress to check two paths only$/,
    );
    expect(() => fromTicket(outputs(), { noIngress: false, caBundle: join(dir, "good.ext") })).toThrow(/^--ca-bundle \S+good.ext holds no PEM certificate/);
    const withKey = join(dir, "bundle-with-key.pem");
    writeFileSync(withKey, readFileSync(join(dir, "ca.crt"), "utf8") + readFileSync(join(dir, "ca.key"), "utf8"));
    expect(() => fromTicket(outputs(), { noIngress: false, caBundle: withKey })).toThrow(/contains a private key/);
    expect(() => fromTicket({ ingress: { name: "openclaw-gateway", smoke: { host: HOST } } }, { noIngress: false })).toThrow(/lacks name or smoke.host\/address\/port\/caBundle/);
  });

  it("--ca-bundle and --no-ingress go with --stack, and not together", () => {
    expect(parseArgs(["--stack", "dev", "--ca-bundle", "/x/ca.crt"])).toMatchObject({ stack: "dev", caBundle: "/x/ca.crt", noIngress: false });
    expect(parseArgs(["--stack", "dev", "--no-ingress"])).toMatchObject({ noIngress: true });
    expect(() => parseArgs(["--stack", "dev", "--no-ingress", "--ca-bundle", "/x"])).toThrow("give --ca-bundle or --no-ingress, not both");
    expect(() => parseArgs(["--url", "http://127.0.0.1:1", "--ca-bundle", "/x"])).toThrow("--ca-bundle goes with --stack");
  });
});

/**
 * The real gateway behind a forwarding TLS proxy on 127.0.0.1 (a few lines standing in for the
 * ingress controller: it terminates TLS with the test certificate and forwards with
 * X-Forwarded-For/-Proto/-Host, as Traefik and ingress-nginx do). The client address it forwards
 * is 192.0.2.10 (TEST-NET-1, a header value only: nothing is sent there), because the gateway
 * rejects a forwarded loopback client. Found on the real cluster: 2026.9.6 answers 403
 * proxy_attribution_required unless the proxy's address is in gateway.trustedProxies.
 */
describe("the real gateway behind a forwarding proxy: gateway.trustedProxies", () => {
  afterAll(async () => {
    await stopAllGateways();
  });

  /** A TLS proxy to the gateway that adds the headers an ingress controller adds. */
  async function forwardingProxy(gw: RunningGateway): Promise<number> {
    const upstream = new URL(gw.baseUrl!);
    return listen(
      createHttps(tls("good"), (req, res) => {
        const headers = { ...req.headers, "x-forwarded-for": "192.0.2.10", "x-forwarded-proto": "https", "x-forwarded-host": req.headers.host ?? "" };
        const up = httpRequest({ host: upstream.hostname, port: Number(upstream.port), method: req.method, path: req.url, headers }, (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        });
        up.on("error", () => res.writeHead(502).end("bad gateway"));
        req.pipe(up);
      }),
    );
  }

  it("without trustedProxies every check but liveness gets 403 proxy_attribution_required: proxy-not-trusted, naming gateway.trustedProxies", async () => {
    const gw = await startGateway({ bind: "loopback", token: TOKEN });
    await gw.waitReady(120_000);
    const ev = await runIngressPath(target(await forwardingProxy(gw)), TOKEN, 5000);
    expect(ev.ok).toBe(false);
    const by = Object.fromEntries(ev.checks.map((c) => [c.name, c]));
    expect(by.liveness).toMatchObject({ ok: true, status: 200 });
    for (const name of ["startup", "readiness", "toolCall"]) {
      expect(by[name], name).toMatchObject({ ok: false, status: 403, failure: "proxy-not-trusted", attempts: 1 });
      expect(by[name].reason).toMatch(/answered HTTP 403 proxy_attribution_required: .*gateway\.trustedProxies/);
    }
    const a = compareThreePaths(pass("portForward"), pass("inCluster"), ev);
    expect(a.summary).toBe("portForward, inCluster pass but ingress fails; likely: proxy-not-trusted");
    expect(a.diagnosis[0].because).toMatch(/not in the gateway's trustedProxies; set gateway.trustedProxies/);
    expect(JSON.stringify(ev)).not.toContain(TOKEN);
  }, 180_000);

  it("with the proxy's address in trustedProxies (as a CIDR) all four checks pass through it", async () => {
    const gw = await startGateway({ bind: "loopback", token: TOKEN, trustedProxies: ["127.0.0.0/8"] });
    await gw.waitReady(120_000);
    const ev = await runIngressPath(target(await forwardingProxy(gw)), TOKEN, 30_000);
    expect(ev.checks.map((c) => `${c.name}:${c.ok}`)).toEqual(["startup:true", "liveness:true", "readiness:true", "toolCall:true"]);
    expect(ev.ok).toBe(true);
  }, 180_000);
});
