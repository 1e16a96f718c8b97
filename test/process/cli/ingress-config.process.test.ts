// Stack config `ingress`: the Ingress the program renders (validated against the
// upstream Kubernetes schema), the smoke resource's third path, and every bad
// value refused before any resource is registered, naming the key and the right value.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, parseStackConfig } from "../../../components/config";
import { allObjects, buildManifests } from "../../../components/manifests";
import { buildChangeTicket, type ProgramInfo } from "../../../components/ticket";
import { renderTicket } from "../../../components/ticket-markdown";
import { runProgram, stackConfig, TEST_TOKEN } from "../../support/program";

let dir: string;
let ca: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "openclaw-ingress-config-"));
  execFileSync("openssl", ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ca.key"], { cwd: dir });
  execFileSync("openssl", ["req", "-x509", "-new", "-key", "ca.key", "-days", "2", "-subj", "/CN=test CA", "-out", "ca.crt"], { cwd: dir, stdio: "ignore" });
  ca = join(dir, "ca.crt");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Staging's config plus an Ingress served by ingress-nginx (which staging's NetworkPolicy admits). */
function withIngress(edit: (ing: Record<string, any>, raw: Record<string, any>) => void = () => {}): Record<string, any> {
  const raw = { ...stackConfig("staging"), gatewayToken: TEST_TOKEN } as Record<string, any>;
  raw.ingress = {
    className: "nginx",
    hosts: ["gateway.staging.example.com"],
    tls: { secretName: "openclaw-gateway-tls" },
    controller: { namespace: "ingress-nginx", podLabels: { "app.kubernetes.io/name": "ingress-nginx" } },
    smoke: { address: "10.20.0.10", caBundle: ca },
  };
  // The controller's pods connect from the pod network: the gateway must trust them as proxies.
  raw.gateway = { ...(raw.gateway as object), trustedProxies: ["10.42.0.0/16"] };
  edit(raw.ingress, raw);
  return raw;
}

const parse = (raw: Record<string, any>) => parseStackConfig(raw, new Set(["gatewayToken"]));
function problems(raw: Record<string, any>): string[] {
  try {
    parse(raw);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe("stack config ingress", () => {
  it("is off by default: no stack file sets it and no Ingress is rendered", () => {
    for (const stack of ["local", "staging", "prod"]) {
      const raw: Record<string, unknown> = { ...stackConfig(stack), ...(stack === "local" ? {} : { gatewayToken: TEST_TOKEN }) };
      expect(raw.ingress, stack).toBeUndefined();
      expect(allObjects(buildManifests(parse(raw))).filter((o) => o.kind === "Ingress"), stack).toEqual([]);
    }
  });

  it("renders an Ingress to the Service's named port, with TLS for every host, the controller source annotation, and a valid schema", async () => {
    const m = buildManifests(parse(withIngress((i) => (i.annotations = { "nginx.ingress.kubernetes.io/proxy-read-timeout": "3600" }))));
    expect(m.ingress).toEqual({
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: expect.objectContaining({
        name: "openclaw-gateway",
        namespace: "openclaw-staging",
        annotations: {
          "nginx.ingress.kubernetes.io/proxy-read-timeout": "3600",
          "openclaw.ai/ingress-controller-source": '{"namespace":"ingress-nginx","podLabels":{"app.kubernetes.io/name":"ingress-nginx"}}',
        },
      }),
      spec: {
        ingressClassName: "nginx",
        tls: [{ hosts: ["gateway.staging.example.com"], secretName: "openclaw-gateway-tls" }],
        rules: [{ host: "gateway.staging.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "openclaw-gateway", port: { name: "gateway" } } } }] } }],
      },
    });
    const { Ingress } = (await import("kubernetes-models/networking.k8s.io/v1")) as unknown as { Ingress: new (d: unknown) => { validate(): void } };
    expect(() => new Ingress(m.ingress).validate()).not.toThrow();
  });

  it("a cert-manager issuer becomes its annotation, with a default Secret name", () => {
    const m = buildManifests(parse(withIngress((i) => (i.tls = { issuer: { name: "letsencrypt" } }))));
    expect(m.ingress!.metadata.annotations!["cert-manager.io/cluster-issuer"]).toBe("letsencrypt");
    expect((m.ingress as any).spec.tls).toEqual([{ hosts: ["gateway.staging.example.com"], secretName: "openclaw-gateway-tls" }]);
    const ns = buildManifests(parse(withIngress((i) => (i.tls = { issuer: { kind: "Issuer", name: "team-ca" }, secretName: "gw-cert" }))));
    expect(ns.ingress!.metadata.annotations!["cert-manager.io/issuer"]).toBe("team-ca");
    expect((ns.ingress as any).spec.tls[0].secretName).toBe("gw-cert");
  });

  const bad: Array<[string, (i: Record<string, any>, raw: Record<string, any>) => void, RegExp]> = [
    ["no TLS (plain HTTP)", (i) => delete i.tls, /ingress\.tls = \(not set\): is required, there is no plain-HTTP Ingress/],
    ["TLS neither a Secret nor an issuer", (i) => (i.tls = { certificate: "x" }), /ingress\.tls = .*\{secretName: .*\} or \{issuer: /],
    ["a wildcard host", (i) => (i.hosts = ["*.example.com"]), /ingress\.hosts\.0 = "\*\.example\.com": is a wildcard/],
    ["no host", (i) => (i.hosts = []), /ingress\.hosts = \[\]: must list at least one host name/],
    ["a host twice", (i) => (i.hosts = ["a.example.com", "a.example.com"]), /ingress\.hosts\.1 = .*is listed twice/],
    ["an upper-case host", (i) => (i.hosts = ["Gateway.example.com"]), /ingress\.hosts\.0 = .*DNS subdomain/],
    ["a reserved annotation", (i) => (i.annotations = { "openclaw.ai/ingress-controller-source": "{}" }), /ingress\.annotations\.openclaw\.ai\/ingress-controller-source = .*is set by the program/],
    ["the issuer annotation by hand", (i) => (i.annotations = { "cert-manager.io/cluster-issuer": "x" }), /ingress\.annotations\.cert-manager\.io\/cluster-issuer = .*is set by the program/],
    [
      "a controller the NetworkPolicy does not admit",
      (i) => (i.controller = { namespace: "traefik", podLabels: { "app.kubernetes.io/name": "traefik" } }),
      /network\.ingressSources = .*do not admit the ingress controller's source namespace traefik pods \[app\.kubernetes\.io\/name=traefik\]: traffic through the Ingress would black out; add the ingress controller's source \(ingress\.controller\) to network\.ingressSources/,
    ],
    ["a host-network controller outside every source", (i) => (i.controller = { cidr: "10.30.0.5/32" }), /network\.ingressSources = .*do not admit the ingress controller's source CIDR 10\.30\.0\.5\/32/],
    ["a controller source of everything", (i) => (i.controller = { cidr: "0.0.0.0/0" }), /ingress\.controller/],
    ["no smoke address", (i) => (i.smoke = { caBundle: ca }), /ingress\.smoke\.address is required/],
    ["a host name as the smoke address", (i) => (i.smoke = { address: "ingress.example.com", caBundle: ca }), /ingress\.smoke\.address = "ingress\.example\.com": must be the IP address the controller listens on/],
    ["a relative CA bundle path", (i) => (i.smoke = { address: "10.20.0.10", caBundle: "ca.crt" }), /ingress\.smoke\.caBundle = "ca\.crt": must be an absolute path/],
    ["a missing CA bundle", (i) => (i.smoke = { address: "10.20.0.10", caBundle: "/nonexistent/ca.crt" }), /ingress\.smoke\.caBundle = .*does not exist/],
    ["the Service off", (_i, raw) => (raw.service = { enabled: false }), /ingress = .*: needs the gateway Service \(service\.enabled true\)/],
    [
      "a namespace controller without gateway.trustedProxies",
      (_i, raw) => delete raw.gateway.trustedProxies,
      /gateway\.trustedProxies = \(not set\): must list the addresses the ingress controller's pods \(namespace ingress-nginx\) connect from, such as the cluster's pod CIDR; the gateway answers 403 proxy_attribution_required/,
    ],
    [
      "trustedProxies that leave out a host-network controller",
      (i, raw) => {
        i.controller = { cidr: "10.30.0.5/32" };
        raw.network = { ...raw.network, ingressSources: [...raw.network.ingressSources, { cidr: "10.30.0.0/24" }] };
        raw.gateway.trustedProxies = ["10.42.0.0/16"];
      },
      /gateway\.trustedProxies = \["10\.42\.0\.0\/16"\]: \["10\.42\.0\.0\/16"\] does not include the ingress controller's source 10\.30\.0\.5\/32/,
    ],
    [
      "a host-network controller on the node address the kubelet probes from",
      (i, raw) => {
        i.controller = { cidr: "10.20.0.7/32" };
        delete raw.gateway.trustedProxies;
      },
      /gateway\.trustedProxies = \(not set\): \(from ingress\.controller\.cidr\) trusts 10\.20\.0\.7\/32 as a proxy, which includes the kubelet's probe source 10\.20\.0\.0\/16: the gateway answers 403 .* so the pods never become Ready; give the ingress controller an address of its own .*\(network\.kubeletCidrs\)/,
    ],
    ["trusted proxies that include the kubelet's CIDR", (_i, raw) => (raw.gateway.trustedProxies = ["10.0.0.0/8"]), /gateway\.trustedProxies = \["10\.0\.0\.0\/8"\]: trusts 10\.0\.0\.0\/8 as a proxy, which includes the kubelet's probe source 10\.20\.0\.0\/16/],
    ["a trusted proxy that is not an address", (_i, raw) => (raw.gateway.trustedProxies = ["ingress.example.com"]), /gateway\.trustedProxies\.0 = "ingress\.example\.com": must be an IP address or a CIDR/],
    ["every address as a trusted proxy", (_i, raw) => (raw.gateway.trustedProxies = ["0.0.0.0/0"]), /gateway\.trustedProxies\.0 = "0\.0\.0\.0\/0": .*trusting every address lets any client forge its X-Forwarded-For/],
    ["an unknown key", (i) => (i.insecure = true), /ingress: unknown key "insecure"; known keys here: className, hosts, tls, annotations, controller, smoke/],
  ];
  for (const [what, edit, message] of bad) {
    it(`refuses ${what}, naming the key`, () => {
      const p = problems(withIngress(edit));
      expect(p.join("\n")).toMatch(message);
      expect(p.join("\n")).not.toContain(TEST_TOKEN);
    });
  }

  it("refuses a CA bundle that holds a private key or no certificate", () => {
    const key = join(dir, "with-key.pem");
    writeFileSync(key, execFileSync("cat", [join(dir, "ca.crt"), join(dir, "ca.key")]));
    expect(problems(withIngress((i) => (i.smoke.caBundle = key))).join("\n")).toMatch(/ingress\.smoke\.caBundle = .*contains a private key/);
    const empty = join(dir, "empty.pem");
    writeFileSync(empty, "not a certificate\n");
    expect(problems(withIngress((i) => (i.smoke.caBundle = empty))).join("\n")).toMatch(/holds no PEM certificate/);
  });

  it("the program registers the Ingress after the Service and gives the smoke check a third path with the CA's text", async () => {
    const run = await runProgram("staging", (raw) => {
      const w = withIngress();
      Object.assign(raw, { ingress: w.ingress, gateway: w.gateway });
    });
    const ingress = run.resources.find((r) => r.type === "kubernetes:networking.k8s.io/v1:Ingress");
    expect(ingress?.inputs.spec.rules[0].http.paths[0].backend.service.port).toEqual({ name: "gateway" });
    const smoke = run.resources.find((r) => r.type === "pulumi-nodejs:dynamic/openclaw:SmokeRun");
    expect(smoke?.inputs.ingress).toMatchObject({ host: "gateway.staging.example.com", address: "10.20.0.10", port: 443, ingressName: "openclaw-gateway" });
    expect(smoke?.inputs.ingress.caPem).toMatch(/^-----BEGIN CERTIFICATE-----/);
    const cm = run.resources.find((r) => r.type === "kubernetes:core/v1:ConfigMap");
    expect(JSON.parse(cm?.inputs.data["openclaw.json"]).gateway.trustedProxies).toEqual(["10.42.0.0/16"]);
  });

  it("the gateway's config file trusts the controller as a proxy: the stack's gateway.trustedProxies, or a host-network controller's CIDR by default; no Ingress, no entry", () => {
    const file = (raw: Record<string, any>) => JSON.parse(buildManifests(parse(raw)).derived.configJson);
    expect(file(withIngress()).gateway.trustedProxies).toEqual(["10.42.0.0/16"]);
    const hostNetwork = withIngress((i, raw) => {
      i.controller = { cidr: "10.30.0.5/32" };
      raw.network = { ...raw.network, ingressSources: [...raw.network.ingressSources, { cidr: "10.30.0.0/24" }] };
      delete raw.gateway.trustedProxies;
    });
    expect(file(hostNetwork).gateway.trustedProxies).toEqual(["10.30.0.5/32"]);
    expect(file({ ...stackConfig("staging"), gatewayToken: TEST_TOKEN }).gateway.trustedProxies).toBeUndefined();
  });

  it("the change ticket records the Ingress (route, TLS source, admitted controller, smoke target) in its network table; none without one", () => {
    const program: ProgramInfo = { name: "openclaw-gateway-infra", version: "0.1.0", commit: "c0ffee", dirty: false };
    const ticketFor = (raw: Record<string, any>) => {
      const settings = parse(raw);
      const t = buildChangeTicket("staging", settings, buildManifests(settings), program);
      return { t, md: renderTicket({ changeTicket: t as never }, new Date("2026-11-27T10:00:00Z")).markdown };
    };
    const { t, md } = ticketFor(withIngress((i) => (i.tls = { issuer: { name: "letsencrypt" } })));
    expect(t.ingress).toEqual({
      name: "openclaw-gateway",
      className: "nginx",
      hosts: ["gateway.staging.example.com"],
      url: "https://gateway.staging.example.com",
      backend: "Service openclaw-gateway port gateway",
      tls: { secretName: "openclaw-gateway-tls", issuer: "ClusterIssuer/letsencrypt" },
      controller: { namespace: "ingress-nginx", podLabels: { "app.kubernetes.io/name": "ingress-nginx" } },
      smoke: { host: "gateway.staging.example.com", address: "10.20.0.10", port: 443, caBundle: ca },
    });
    expect(md).toContain("| Ingress | openclaw-gateway (class nginx): https://gateway.staging.example.com → Service openclaw-gateway port gateway |");
    expect(md).toContain("| Ingress TLS | Secret openclaw-gateway-tls, issued by cert-manager ClusterIssuer/letsencrypt |");
    expect(md).toContain('| Ingress controller admitted | `{"namespace":"ingress-nginx","podLabels":{"app.kubernetes.io/name":"ingress-nginx"}}` (in network.ingressSources) |');
    expect(md).toContain(`| Ingress smoke target | https://gateway.staging.example.com resolved to 10.20.0.10:443, TLS verified against ${ca} |`);
    const own = ticketFor(withIngress((i) => (i.smoke.port = 8443)));
    expect(own.t.ingress).toMatchObject({ url: "https://gateway.staging.example.com:8443", tls: { secretName: "openclaw-gateway-tls", issuer: null } });
    expect(own.md).toContain("| Ingress TLS | Secret openclaw-gateway-tls, provided (not issued by the program) |");
    const none = ticketFor({ ...stackConfig("staging"), gatewayToken: TEST_TOKEN });
    expect(none.t.ingress).toBeNull();
    expect(none.md).toContain("| Ingress | none (no ingress in the stack config) |");
  });
});
