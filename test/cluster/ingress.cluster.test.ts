// The third path on the real cluster: a real ingress controller (Traefik, built from
// the Go module proxy by tools/cluster/ingress/, running on the node as uid 65534),
// a CA and certificates made for this test, the real program with `ingress` set,
// driven by the real Pulumi engine. The sign-off runs through port-forward, the
// in-cluster Service and https://<host> through the controller with TLS verified
// against the test's CA; then three faults a user meets at the edge only: a wrong
// backend port, a certificate for another host, and a NetworkPolicy that does not
// admit the controller. Its own namespace (openclaw-ingress) and its own copy of the
// project and state, so the dev-stack suite's namespace is never touched.
//
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { expectOk, REPO, type RunResult } from "../e2e/support/engine";
import { buildImages, DevStack, tempDir } from "./support";

const NS = "openclaw-ingress";
const HOST = "gateway.openclaw-ingress.test";
const OTHER_HOST = "other.openclaw-ingress.test";
const TLS_SECRET = "openclaw-gateway-tls";
/**
 * Where the controller's traffic to pods comes from: its own network namespace's address
 * (INGRESS_ADDRESS), not the node's, which the kubelet's probes come from.
 */
let CONTROLLER_CIDR: string;

let dev: DevStack;
let pki: string;
let controller: { address: string; port: number; className: string };
let token: string;

function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

/** A CA and two server certificates (the Ingress host, another host), ECDSA P-256, made for this run. */
function makePki(dir: string): void {
  openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ca.key"], dir);
  openssl(["req", "-x509", "-new", "-key", "ca.key", "-sha256", "-days", "2", "-subj", "/CN=openclaw ingress test CA", "-out", "ca.crt"], dir);
  for (const [name, host] of [["server", HOST], ["other", OTHER_HOST]] as const) {
    openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", `${name}.key`], dir);
    openssl(["req", "-new", "-key", `${name}.key`, "-subj", `/CN=${host}`, "-out", `${name}.csr`], dir);
    writeFileSync(join(dir, `${name}.ext`), `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:${host}\n`);
    openssl(["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-sha256", "-extfile", `${name}.ext`, "-out", `${name}.crt`], dir);
  }
}

/** Creates or replaces the Ingress's TLS Secret with one of the test's certificates. */
async function useCertificate(name: "server" | "other"): Promise<void> {
  const yaml = expectOk(
    await dev.kubectl(["-n", NS, "create", "secret", "tls", TLS_SECRET, "--cert", join(pki, `${name}.crt`), "--key", join(pki, `${name}.key`), "--dry-run=client", "-o", "yaml"]),
    "kubectl create secret tls --dry-run",
  ).stdout;
  expectOk(await dev.sh(["kubectl", "--context", "openclaw-dev", "apply", "-f", "-"], { input: yaml }), "kubectl apply TLS Secret");
}

/** Points Pulumi.yaml's main at the test-only Ingress fault entry point (or back at index.ts). */
function useFaultProgram(on: boolean): void {
  if (on) dev.ws.write("ingress-fault.ts", readFileSync(join(REPO, "test/cluster/fixtures/ingress-fault.ts"), "utf8").replaceAll("../../../", "./"));
  dev.ws.write("Pulumi.yaml", dev.ws.read("Pulumi.yaml").replace(/^main: .*$/m, `main: ${on ? "ingress-fault.ts" : "index.ts"}`));
}

async function fault(kind: string): Promise<RunResult> {
  useFaultProgram(true);
  await dev.config("fault:kind", kind);
  return dev.pulumi(["up", "--yes", "--skip-preview"], 900_000);
}

/** The evidence lines of one path in a failed `pulumi up` ("<path> <url>: PASS|FAIL ..."). */
function pathLine(output: string, path: string): string {
  return output.split("\n").find((l) => new RegExp(`^\\s*${path} \\S+.*: (PASS|FAIL) in`).test(l)) ?? `(no ${path} line)`;
}

describe("the Ingress path on the real cluster", () => {
  beforeAll(async () => {
    const images = buildImages();
    // The controller: built on first use (tools/cluster/ingress/build.sh), started idempotently.
    const started = execFileSync("bash", [join(REPO, "tools/cluster/ingress/start.sh")], { cwd: REPO, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], timeout: 7_200_000 });
    const addr = /^INGRESS_ADDRESS=([0-9.]+):(\d+)$/m.exec(started);
    const cls = /^INGRESS_CLASS=(\S+)$/m.exec(started);
    if (!addr || !cls) throw new Error(`tools/cluster/ingress/start.sh printed no INGRESS_ADDRESS/INGRESS_CLASS:\n${started}`);
    controller = { address: addr[1], port: Number(addr[2]), className: cls[1] };
    CONTROLLER_CIDR = `${controller.address}/32`;

    dev = await DevStack.create(images.text);
    pki = tempDir("ingress-pki");
    makePki(pki);

    // The namespace and the certificate Secret exist before the stack, as a platform team
    // provisions them ("TLS from an existing Secret"); the stack does not create the namespace.
    if ((await dev.kubectl(["get", "namespace", NS])).code === 0) {
      process.stderr.write(`ingress cluster tests: deleting namespace ${NS} left by an earlier run\n`);
      expectOk(await dev.kubectl(["delete", "namespace", NS, "--wait=true", "--timeout=180s"], 240_000), "kubectl delete namespace");
    }
    expectOk(await dev.kubectl(["create", "namespace", NS]), "kubectl create namespace");
    expectOk(await dev.kubectl(["label", "namespace", NS, "pod-security.kubernetes.io/enforce=restricted", "pod-security.kubernetes.io/enforce-version=latest"]), "kubectl label namespace");
    await useCertificate("server");

    // This suite's stack: the dev stack's file, in its own namespace, one replica, with `ingress`.
    const file = "Pulumi.dev.yaml";
    const doc = parse(dev.ws.read(file));
    const c = doc.config;
    const k = (key: string) => `openclaw-gateway-infra:${key}`;
    c[k("environment")] = "ingress";
    c[k("namespace")] = NS;
    c[k("createNamespace")] = false;
    c[k("replicas")] = 1;
    c[k("network")] = { ...c[k("network")], ingressSources: [{ cidr: CONTROLLER_CIDR }] };
    c[k("ingress")] = {
      className: controller.className,
      hosts: [HOST],
      tls: { secretName: TLS_SECRET },
      controller: { cidr: CONTROLLER_CIDR },
      smoke: { address: controller.address, port: controller.port, caBundle: join(pki, "ca.crt") },
    };
    dev.ws.write(file, stringify(doc));
    token = expectOk(await dev.pulumi(["config", "get", "gatewayToken"]), "pulumi config get gatewayToken").stdout.trim();
    expect(token.length).toBeGreaterThanOrEqual(32);
  });

  afterAll(async () => {
    if (dev) {
      useFaultProgram(false);
      await dev.pulumi(["destroy", "--yes"], 600_000).catch(() => undefined);
      await dev.kubectl(["delete", "namespace", NS, "--wait=false"]).catch(() => undefined);
      await dev.dispose();
    }
    if (pki) rmSync(pki, { recursive: true, force: true });
  });

  it("the controller runs as uid 65534 in its own network namespace on the cluster bridge, listening only on its address there", () => {
    const pidFile = execFileSync("bash", ["-c", `source ${REPO}/tools/cluster/env.sh && cat "$CLUSTER_STATE/ingress/traefik.pid"`], { encoding: "utf8" }).trim();
    const status = readFileSync(`/proc/${pidFile}/status`, "utf8");
    expect(status).toMatch(/^Uid:\s+65534\s+65534\s+65534\s+65534$/m);
    expect(status).toMatch(/^CapEff:\s+0+$/m);
    const listening = execFileSync("ip", ["netns", "exec", "openclaw-ingress", "ss", "-Hltnp"], { encoding: "utf8" }).split("\n").filter((l) => l.includes(`pid=${pidFile},`));
    expect(listening.length).toBeGreaterThan(0);
    for (const l of listening) expect(l.split(/\s+/)[3]).toBe(`${controller.address}:${controller.port}`);
  });

  it("pulumi preview with the policy pack (prod config) passes the stack's Ingress", async () => {
    const r = expectOk(await dev.pulumi(["preview", ...dev.policyArgs()]), "pulumi preview");
    expect(r.output.split("\n").filter((l) => l.includes("[mandatory]"))).toEqual([]);
  });

  it("pulumi up signs off through three paths: port-forward, in-cluster Service and the Ingress with TLS verified", async () => {
    const r = expectOk(await dev.pulumi(["up", "--yes", "--skip-preview", ...dev.policyArgs()], 900_000), "pulumi up");
    expect(r.output).not.toContain(token);
    const out = await dev.outputs();
    expect(out.smokeStatus).toBe("signed-off");
    const rec = out.smokeEvidence;
    expect(rec.summary).toMatch(/^all three paths pass: portForward, inCluster, ingress agree; signed off$/);
    for (const p of ["portForward", "inCluster", "ingress"]) expect(rec[p].checks.map((c: any) => `${c.name}:${c.ok}`), p).toEqual(["startup:true", "liveness:true", "readiness:true", "toolCall:true"]);
    expect(rec.ingress.url).toBe(`https://${HOST}:${controller.port} (resolved to ${controller.address}:${controller.port}, TLS verified against the stack's CA bundle)`);
    expect(rec.ingress.certificate).toMatchObject({ host: HOST, subject: `CN=${HOST}`, issuer: "CN=openclaw ingress test CA", subjectAltNames: [`DNS:${HOST}`], chainVerified: true, hostMatches: true, expired: false });
    expect(Date.parse(rec.ingress.certificate.validTo)).toBeGreaterThan(Date.now());
    expect(JSON.stringify(out)).not.toContain(token);
    // The Ingress the program made: class, TLS Secret, backend by port name; the controller published its address.
    const ing = await dev.kubectlJson(["-n", NS, "get", "ingress", "openclaw-gateway"]);
    expect(ing.spec.ingressClassName).toBe(controller.className);
    expect(ing.spec.tls).toEqual([{ hosts: [HOST], secretName: TLS_SECRET }]);
    expect(ing.spec.rules[0].http.paths[0].backend.service).toEqual({ name: "openclaw-gateway", port: { name: "gateway" } });
    expect(ing.status.loadBalancer.ingress).toEqual([{ ip: controller.address }]);
  });

  it("the ticket shows the Ingress path's evidence with the certificate's subject, issuer and expiry", async () => {
    const r = expectOk(await dev.npm("ticket", ["--stack", "dev"]), "npm run ticket");
    expect(r.stdout).toContain("### Smoke evidence: the Ingress path with TLS");
    expect(r.stdout).toContain(`| certificate subject | CN=${HOST} |`);
    expect(r.stdout).toContain("| certificate issuer | CN=openclaw ingress test CA |");
    expect(r.stdout).toMatch(/\| certificate valid \| \d{4}-\d\d-\d\dT[\d:.]+Z to \d{4}-\d\d-\d\dT[\d:.]+Z \|/);
    expect(r.stdout).toMatch(/\| verified \| chain against the stack's CA bundle: yes; host gateway\.openclaw-ingress\.test: matches \|/);
    expect(r.stdout).toContain(`| Ingress | openclaw-gateway (class ${controller.className}): https://${HOST} → Service openclaw-gateway port gateway |`);
    expect(r.stdout).toContain(`| Ingress TLS | Secret ${TLS_SECRET}, provided (not issued by the program) |`);
    expect(r.output).not.toContain(token);
  });

  it("npm run smoke -- --stack dev re-runs all three paths (the CA bundle from the stack's output); --no-ingress two", async () => {
    const r = await dev.npm("smoke", ["--stack", "dev"]);
    expect(r.code, r.output).toBe(0);
    const rec = JSON.parse(r.stdout);
    expect(rec).toMatchObject({ verdict: "signed-off", signedOff: true, ingress: { ok: true, certificate: { hostMatches: true, chainVerified: true } } });
    expect(r.stderr).toMatch(/ingress https:\/\/gateway\.openclaw-ingress\.test:\d+.*: PASS in/);
    expect(r.output).not.toContain(token);
    const two = await dev.npm("smoke", ["--stack", "dev", "--no-ingress"]);
    expect(two.code, two.output).toBe(0);
    expect(JSON.parse(two.stdout).ingress).toBeUndefined();
  });

  it("fault: the Ingress names a backend port the Service does not have: the pack refuses it, and up fails on the Ingress path alone", async () => {
    useFaultProgram(true);
    await dev.config("fault:kind", "ingress-backend-port");
    const preview = await dev.pulumi(["preview", ...dev.policyArgs()]);
    expect(preview.code).not.toBe(0);
    expect(preview.output).toMatch(/ingress-reaches-gateway/);
    expect(preview.output).toMatch(/the Service has no such port/);

    const r = await fault("ingress-backend-port");
    expect(r.code, r.output).not.toBe(0);
    expect(pathLine(r.output, "portForward")).toMatch(/: PASS in/);
    expect(pathLine(r.output, "inCluster")).toMatch(/: PASS in/);
    expect(pathLine(r.output, "ingress")).toMatch(/: FAIL in/);
    expect(r.output).toMatch(/portForward, inCluster pass but ingress fails; likely: ingress-backend-port/);
    expect(r.output).toMatch(/the Ingress's backend names Service port 18790, which the Service does not have \(ports: "gateway" 18789\)/);
    expect(r.output).not.toContain(token);
  });

  it("fault: a certificate for another host: up fails naming the certificate's host, subject and issuer", async () => {
    // Back to the right backend first (a plain re-run), then the other host's certificate.
    expectOk(await fault("rerun-backend-restored"), "pulumi up after the backend fault");
    await useCertificate("other");
    const r = await fault("rerun-other-host");
    expect(r.code, r.output).not.toBe(0);
    expect(pathLine(r.output, "portForward")).toMatch(/: PASS in/);
    expect(pathLine(r.output, "inCluster")).toMatch(/: PASS in/);
    expect(pathLine(r.output, "ingress")).toMatch(/: FAIL in/);
    expect(r.output).toMatch(/likely: certificate-host/);
    // Either the other host's certificate, or (what Traefik and ingress-nginx do when none of
    // theirs names the host) the controller's default one: both name the host they do not cover.
    expect(r.output).toMatch(
      new RegExp(`the controller presented a certificate (for another host than ${HOST.replace(/\./g, "\\.")} \\(subject CN=${OTHER_HOST.replace(/\./g, "\\.")}|that neither names ${HOST.replace(/\./g, "\\.")} nor chains to the stack's CA bundle)`),
    );
    expect(r.output).toMatch(/FAIL tls: TLS failed \(/);
    expect(r.output).not.toContain(token);
  });

  it("fault: a NetworkPolicy that does not admit the controller: the Ingress path fails while port-forward and in-cluster pass", async () => {
    await useCertificate("server");
    expectOk(await fault("rerun-certificate-restored"), "pulumi up after the certificate fault");
    const r = await fault("netpol-no-controller");
    expect(r.code, r.output).not.toBe(0);
    const np = await dev.kubectlJson(["-n", NS, "get", "networkpolicy", "openclaw-gateway"]);
    expect(JSON.stringify(np.spec.ingress)).not.toContain(CONTROLLER_CIDR);
    expect(pathLine(r.output, "portForward")).toMatch(/: PASS in/);
    expect(pathLine(r.output, "inCluster")).toMatch(/: PASS in/);
    expect(pathLine(r.output, "ingress")).toMatch(/: FAIL in/);
    expect(r.output).toMatch(/likely: controller-not-admitted/);
    expect(r.output).toMatch(/the controller terminated TLS but could not reach the pods \(HTTP 50[24]/);
    expect(r.output).not.toContain(token);
  });

  it("restore: the real program again signs off through all three paths", async () => {
    const r = await fault("rerun-restored");
    expectOk(r, "pulumi up (restored)");
    const out = await dev.outputs();
    expect(out.smokeStatus).toBe("signed-off");
    expect(out.smokeEvidence.ingress.ok).toBe(true);
    useFaultProgram(false);
    expectOk(await dev.pulumi(["config", "rm", "fault:kind"]), "pulumi config rm fault:kind");
  });
});
