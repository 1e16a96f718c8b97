// Bad config fails before any resource is registered, names the key and the
// value that would be right, and lists every problem at once.
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { LOCAL_PLACEHOLDER_TOKEN, parseStackConfig } from "../../../components/config";
import { runProgramExpectingError, stackConfig, TEST_TOKEN } from "../../support/program";

const D = "sha256:" + "ab".repeat(32);
const IMG = "ghcr.io/openclaw/openclaw";

const PRIVATE_KEY = "-----BEGIN OPENSSH PRIVATE " + "KEY-----\nnot-a-real-key-but-secret-material\n-----END OPENSSH PRIVATE " + "KEY-----";
const mac = (over: Record<string, any> = {}) => ({
  ssh: { host: "mac-mini.example.internal", user: "openclaw", privateKey: PRIVATE_KEY, hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeHostKeyForConfigTestsOnly0000000000000", ...over.ssh },
  release: "2026.9.6",
  ...over,
});

type Case = {
  name: string;
  stack?: string;
  mutate: (c: Record<string, any>) => void;
  key: string;
  says: RegExp;
  token?: string | null;
  tokenSecret?: boolean;
  macSecret?: boolean;
};

const cases: Case[] = [
  { name: "tag without digest", mutate: (c) => (c.image.ref = `${IMG}:2026.9.6`), key: "image.ref", says: /without a digest; pin it as repo@sha256/ },
  { name: ":latest", mutate: (c) => (c.image.ref = `${IMG}:latest`), key: "image.ref", says: /floating tag "latest"/ },
  { name: "no tag, no digest", mutate: (c) => (c.image.ref = IMG), key: "image.ref", says: /no tag and no digest/ },
  { name: "short digest", mutate: (c) => (c.image.ref = `${IMG}@sha256:abc123`), key: "image.ref", says: /malformed digest "sha256:abc123"/ },
  { name: "uppercase digest", mutate: (c) => (c.image.ref = `${IMG}@sha256:${"AB".repeat(32)}`), key: "image.ref", says: /malformed digest/ },
  { name: "sha512 digest", mutate: (c) => (c.image.ref = `${IMG}@sha512:${"ab".repeat(64)}`), key: "image.ref", says: /sha256: followed by 64 lowercase hex/ },
  { name: "image.ref missing", mutate: (c) => delete c.image.ref, key: "image.ref", says: /is required/ },
  { name: "release not a release", mutate: (c) => (c.image.release = "v2026.9.6"), key: "image.release", says: /such as "2026.9.6"/ },
  { name: "release differs from tag", mutate: (c) => (c.image.release = "2026.8.1"), key: "image.release", says: /tag "2026.9.6" differs from image.release "2026.8.1"/ },
  { name: "empty build id", mutate: (c) => (c.image.buildId = ""), key: "image.buildId", says: /must name the build/ },
  { name: "unknown image key", mutate: (c) => (c.image.digest = D), key: "image", says: /unknown key "digest"; known keys here: ref, release, buildId/ },
  { name: "zero replicas", mutate: (c) => (c.replicas = 0), key: "replicas", says: />=1/ },
  { name: "fractional replicas", mutate: (c) => (c.replicas = 2.5), key: "replicas", says: /must be an integer/ },
  { name: "limit below headroom", mutate: (c) => (c.resources.memoryLimit = "1Gi"), key: "resources.memoryLimit", says: /only 1% above the observed P95 working set of 1013Mi; at least 1.25× \(1267Mi\)/ },
  { name: "limit above headroom", mutate: (c) => (c.resources.memoryLimit = "2Gi"), key: "resources.memoryLimit", says: /at most 1.4× \(1419Mi\)/ },
  { name: "request below P95", mutate: (c) => (c.resources.memoryRequest = "512Mi"), key: "resources.memoryRequest", says: /below the observed P95 working set of 1013Mi; set it to at least 1013Mi/ },
  { name: "memory in GB", mutate: (c) => (c.resources.memoryLimit = "1GB"), key: "resources.memoryLimit", says: /memory quantity such as "925Mi"/ },
  { name: "cpu not a quantity", mutate: (c) => (c.resources.cpuRequest = "fast"), key: "resources.cpuRequest", says: /CPU quantity such as "500m"/ },
  { name: "cpu limit below request", mutate: (c) => (c.resources.cpuLimit = "100m"), key: "resources.cpuLimit", says: /below resources.cpuRequest 500m/ },
  { name: "headroom without reason", mutate: (c) => (c.resources.headroom = { minRatio: 1.1, maxRatio: 1.5 }), key: "resources.headroom.reason", says: /is required/ },
  { name: "headroom min above max", mutate: (c) => (c.resources.headroom = { minRatio: 1.5, maxRatio: 1.3, reason: "load test showed smaller spikes than default" }), key: "resources.headroom.minRatio", says: /above maxRatio 1.3/ },
  { name: "headroom ratio below 1", mutate: (c) => (c.resources.headroom = { minRatio: 0.9, maxRatio: 1.3, reason: "load test showed smaller spikes than default" }), key: "resources.headroom.minRatio", says: /at least 1/ },
  { name: "privileged port", mutate: (c) => (c.gateway.port = 80), key: "gateway.port", says: /1024–65535/ },
  { name: "bind auto", mutate: (c) => (c.gateway.bind = "auto"), key: "gateway.bind", says: /"lan" \(a Service reaches the pod IP\)/ },
  { name: "loopback behind a Service", mutate: (c) => (c.gateway.bind = "loopback"), key: "gateway.bind", says: /Service traffic arrives on the pod IP and is refused; use "lan"/ },
  { name: "auth none", mutate: (c) => (c.gateway.auth = "none"), key: "gateway.auth", says: /must be "token"/ },
  { name: "zero cold start", mutate: (c) => (c.gateway.coldStartSeconds = 0), key: "gateway.coldStartSeconds", says: />=1/ },
  { name: "token missing", mutate: () => {}, token: null, key: "gatewayToken", says: /pulumi config set --secret gatewayToken/ },
  { name: "token in plain text", mutate: () => {}, tokenSecret: false, key: "gatewayToken", says: /stored in plain text; store it as a secret/ },
  { name: "token too short", mutate: () => {}, token: "short-secret-value", key: "gatewayToken", says: /at least 32 characters/ },
  { name: "no kubelet CIDRs", mutate: (c) => (c.network.kubeletCidrs = []), key: "network.kubeletCidrs", says: /without them a NetworkPolicy drops probes/ },
  { name: "bad kubelet CIDR", mutate: (c) => (c.network.kubeletCidrs = ["10.0.0.0/33"]), key: "network.kubeletCidrs.0", says: /prefix length "33"; it must be 0–32/ },
  { name: "no ingress sources", mutate: (c) => (c.network.ingressSources = []), key: "network.ingressSources", says: /at least one source of real traffic/ },
  { name: "unknown ingress source shape", mutate: (c) => (c.network.ingressSources = [{ ip: "1.2.3.4" }]), key: "network.ingressSources.0", says: /must be \{cidr/ },
  { name: "network missing", mutate: (c) => delete c.network, key: "network", says: /is required/ },
  { name: "namespace not a DNS label", mutate: (c) => (c.namespace = "Openclaw_Prod"), key: "namespace", says: /DNS label/ },
  { name: "reserved label", mutate: (c) => (c.labels = { "app.kubernetes.io/name": "other" }), key: "labels.app.kubernetes.io/name", says: /is reserved/ },
  { name: "bad label key", mutate: (c) => (c.labels = { "bad key!": "x" }), key: "labels.bad key!", says: /label key/ },
  { name: "RWO volume with 2 replicas", mutate: (c) => (c.stateVolume = { type: "pvc", size: "5Gi" }), key: "replicas", says: /cannot share one ReadWriteOnce state volume/ },
  { name: "hostPath state", mutate: (c) => (c.stateVolume = { type: "hostPath", path: "/data" }), key: "stateVolume", says: /type: "emptyDir"/ },
  { name: "floating rollback image", mutate: (c) => (c.rollback.image = `${IMG}:2026.8.1`), key: "rollback.image", says: /without a digest/ },
  { name: "rollback equals current", mutate: (c) => (c.rollback.image = c.image.ref), key: "rollback.image", says: /has the digest of the image being deployed/ },
  { name: "unknown top-level key", mutate: (c) => (c.imageTag = "2026.9.6"), key: "", says: /unknown config key "imageTag"/ },
  { name: "environment not a DNS label", mutate: (c) => (c.environment = "Prod!"), key: "environment", says: /DNS label/ },
  { name: "Mac on another release", mutate: (c) => (c.mac = mac({ release: "2026.8.1" })), macSecret: true, key: "mac.release", says: /2026\.8\.1.*2026\.9\.6|2026\.9\.6.*2026\.8\.1/ },
  { name: "Mac over SSH as root", mutate: (c) => (c.mac = mac({ ssh: { user: "root" } })), macSecret: true, key: "mac.ssh.user", says: /must not be "root"/ },
  { name: "Mac host key not pinned", mutate: (c) => (c.mac = mac({ ssh: { hostKey: "" } })), macSecret: true, key: "mac.ssh.hostKey", says: /one public host key line/ },
  { name: "Mac private key in plain text", mutate: (c) => (c.mac = mac()), key: "mac", says: /private key or token in plain text/ },
  { name: "render with a real token", stack: "local", mutate: () => {}, token: TEST_TOKEN, key: "gatewayToken", says: /rendered Secrets are written in plain text/ },
  { name: "render and cluster together", stack: "local", mutate: (c) => (c.cluster = { context: "prod" }), key: "render", says: /either renders manifests/ },
];

describe("bad stack config is refused before any resource is registered", () => {
  it("covers at least 30 distinct bad configs", () => {
    expect(new Set(cases.map((c) => c.name)).size).toBeGreaterThanOrEqual(30);
  });

  for (const c of cases) {
    it(c.name, async () => {
      const error = await runProgramExpectingError(c.stack ?? "staging", c.mutate, { token: c.token, tokenSecret: c.tokenSecret, extraSecrets: c.macSecret ? ["mac"] : [] });
      expect(error.cause).toBeInstanceOf(pulumi.RunError);
      expect(error.message).toContain(c.key ? `openclaw-gateway-infra:${c.key}` : "openclaw-gateway-infra: unknown");
      expect(error.message).toMatch(c.says);
      expect(error.resources.filter((r) => r.type.startsWith("kubernetes:"))).toEqual([]);
      // The token is never echoed, whatever is wrong with it.
      expect(error.message).not.toContain(TEST_TOKEN);
      expect(error.message).not.toContain("short-secret-value");
      expect(error.message).not.toContain("secret-material");
    });
  }
});

describe("problems are listed at once", () => {
  it("reports every problem of a config with many", () => {
    const raw = { ...stackConfig("staging"), gatewayToken: TEST_TOKEN } as Record<string, any>;
    raw.image = { ...raw.image, ref: `${IMG}:latest` };
    raw.replicas = 0;
    raw.gateway = { ...raw.gateway, bind: "loopback" };
    raw.resources = { ...raw.resources, memoryLimit: "1Gi" };
    raw.network = { ...raw.network, kubeletCidrs: [] };
    let message = "";
    try {
      parseStackConfig(raw, new Set(["gatewayToken"]));
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/invalid stack configuration \(5 problems\)/);
    for (const key of ["image.ref", "replicas", "gateway.bind", "resources.memoryLimit", "network.kubeletCidrs"]) {
      expect(message).toContain(`openclaw-gateway-infra:${key}`);
    }
  });

  it("accepts the placeholder token on a render-only stack and nothing else", () => {
    const raw = stackConfig("local");
    expect(parseStackConfig(raw).renderOnly).toBe(true);
    expect(parseStackConfig({ ...raw, gatewayToken: LOCAL_PLACEHOLDER_TOKEN }, new Set(["gatewayToken"])).renderOnly).toBe(true);
  });
});
