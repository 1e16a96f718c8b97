// The stack schema against what an attacker or a careless operator writes: one
// row per bad value, each refused with the key, what is wrong and what would be
// right, and never a fragment of a secret in the message. Then the valid values
// Pulumi hands over as text, accepted; and the property that the schema and the
// policy pack cannot disagree on derived memory figures.
import { describe, expect, it } from "vitest";
import { ConfigError, LOCAL_PLACEHOLDER_TOKEN, parseStackConfig } from "../../../components/config";
import { buildManifests } from "../../../components/manifests";
import { rawProjectConfig } from "../../../components/stack";
import { checkHeadroom } from "../../../policy-pack/rules/headroom";
import { parseMemory } from "../../../policy-pack/rules/quantity";
import { leakedFragment } from "../../support/leak";
import { runProgram, runProgramExpectingError, stackConfig, TEST_TOKEN } from "../../support/program";

const IMG = "ghcr.io/openclaw/openclaw";
const DIGEST = `sha256:${"ab343cef7d678a44cf3107039410531c9aaf1a39a98271975bf181fef1efdf0f"}`;
const PRIVATE_KEY = "-----BEGIN OPENSSH PRIVATE " + "KEY-----\nnot-a-real-key-but-secret-material-zz\n-----END OPENSSH PRIVATE " + "KEY-----";
const mac = (ssh: Record<string, unknown> = {}) => ({
  ssh: { host: "mac-mini.example.internal", user: "openclaw", privateKey: PRIVATE_KEY, hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeHostKeyForConfigTestsOnly0000000000000", ...ssh },
  release: "2026.9.6",
});

type Raw = Record<string, any>;
interface Case {
  name: string;
  mutate: (c: Raw) => void;
  /** The key the message must name (without the project prefix). */
  key: string;
  says: RegExp;
}

/** Drops the stack's explicit request and limit: both are derived from the observed figures. */
const derived = (c: Raw) => {
  delete c.resources.memoryRequest;
  delete c.resources.memoryLimit;
};
const reason = "load tests on this cluster showed smaller spikes than the default";
const tok = TEST_TOKEN;

const cases: Case[] = [
  // Headroom: derived request/limit are checked exactly as given ones.
  { name: "inverted headroom, derived limit", mutate: (c) => (derived(c), (c.resources.headroom = { minRatio: 1.5, maxRatio: 1.3, reason })), key: "resources.headroom.minRatio", says: /above maxRatio 1.3; minRatio ≤ maxRatio/ },
  { name: "sub-1 maxRatio, derived limit", mutate: (c) => (derived(c), (c.resources.headroom = { minRatio: 1, maxRatio: 0.8, reason })), key: "resources.headroom.maxRatio", says: /at least 1/ },
  { name: "sub-1 minRatio, derived limit", mutate: (c) => (derived(c), (c.resources.headroom = { minRatio: 0.5, maxRatio: 1.2, reason })), key: "resources.headroom.minRatio", says: /at least 1/ },
  { name: "maxRatio above 4", mutate: (c) => (c.resources.headroom = { minRatio: 1.2, maxRatio: 5, reason }), key: "resources.headroom.maxRatio", says: /at most 4/ },
  { name: "ratio given as text", mutate: (c) => (c.resources.headroom = { minRatio: "1.2", maxRatio: 1.5, reason }), key: "resources.headroom.minRatio", says: /must be a number/ },
  { name: "request above the derived limit", mutate: (c) => (delete c.resources.memoryLimit, (c.resources.memoryRequest = "2Gi")), key: "resources.memoryRequest", says: /exceeds limits.memory 1317Mi/ },
  { name: "derived limit beyond int64", mutate: (c) => (derived(c), (c.resources.observed = { p95WorkingSet: "7Ei", bootPeak: "1Gi" })), key: "resources.memoryLimit", says: /derived from resources.observed: is more than Kubernetes can count/ },
  { name: "whitespace-only headroom reason", mutate: (c) => (c.resources.headroom = { minRatio: 1.2, maxRatio: 1.5, reason: " ".repeat(30) }), key: "resources.headroom.reason", says: /at least 20 non-blank characters/ },
  { name: "headroom reason with a forged line", mutate: (c) => (c.resources.headroom = { minRatio: 1.2, maxRatio: 1.5, reason: `${reason}\napproved-by: cto` }), key: "resources.headroom.reason", says: /control characters/ },
  { name: "whitespace-only observed source", mutate: (c) => (c.resources.observed = { source: "   " }), key: "resources.observed.source", says: /non-blank/ },
  // CIDRs.
  { name: "kubeletCidrs 0.0.0.0/0", mutate: (c) => (c.network.kubeletCidrs = ["0.0.0.0/0"]), key: "network.kubeletCidrs.0", says: /every IPv4 address.*voids/ },
  { name: "kubeletCidrs ::/0", mutate: (c) => (c.network.kubeletCidrs = ["::/0"]), key: "network.kubeletCidrs.0", says: /every IPv6 address.*voids/ },
  { name: "ingress source 0.0.0.0/0", mutate: (c) => (c.network.ingressSources = [{ cidr: "0.0.0.0/0" }]), key: "network.ingressSources.0.cidr", says: /voids/ },
  { name: "CIDR with a trailing space", mutate: (c) => (c.network.kubeletCidrs = ["10.20.0.0/16 "]), key: "network.kubeletCidrs.0", says: /contains whitespace/ },
  { name: "CIDR with a leading space", mutate: (c) => (c.network.ingressSources = [{ cidr: " 10.1.0.0/16" }]), key: "network.ingressSources.0.cidr", says: /contains whitespace/ },
  { name: "CIDR with a newline", mutate: (c) => (c.network.kubeletCidrs = ["10.20.0.0/16\n10.0.0.0/8"]), key: "network.kubeletCidrs.0", says: /contains whitespace/ },
  { name: "CIDR without prefix", mutate: (c) => (c.network.kubeletCidrs = ["10.20.0.1"]), key: "network.kubeletCidrs.0", says: /no prefix length/ },
  { name: "CIDR with host bits", mutate: (c) => (c.network.kubeletCidrs = ["10.20.0.1/16"]), key: "network.kubeletCidrs.0", says: /host bits set; the network is 10\.20\.0\.0\/16/ },
  { name: "IPv4 with a leading zero", mutate: (c) => (c.network.kubeletCidrs = ["010.0.0.0/8"]), key: "network.kubeletCidrs.0", says: /not an IPv4 or IPv6 CIDR/ },
  { name: "prefix with a leading zero", mutate: (c) => (c.network.kubeletCidrs = ["10.0.0.0/016"]), key: "network.kubeletCidrs.0", says: /prefix length "016"/ },
  { name: "negative prefix", mutate: (c) => (c.network.kubeletCidrs = ["10.0.0.0/-1"]), key: "network.kubeletCidrs.0", says: /prefix length "-1"/ },
  { name: "IPv6 prefix 129", mutate: (c) => (c.network.kubeletCidrs = ["fd00::/129"]), key: "network.kubeletCidrs.0", says: /0–128/ },
  { name: "IPv6 zone", mutate: (c) => (c.network.kubeletCidrs = ["fe80::%eth0/64"]), key: "network.kubeletCidrs.0", says: /zone/ },
  { name: "octet 256", mutate: (c) => (c.network.kubeletCidrs = ["10.0.0.256/32"]), key: "network.kubeletCidrs.0", says: /not an IPv4 or IPv6 CIDR/ },
  { name: "three octets", mutate: (c) => (c.network.kubeletCidrs = ["10.0.0/24"]), key: "network.kubeletCidrs.0", says: /not an IPv4 or IPv6 CIDR/ },
  { name: "double slash", mutate: (c) => (c.network.kubeletCidrs = ["10.0.0.0/8/8"]), key: "network.kubeletCidrs.0", says: /prefix length "8\/8"/ },
  { name: "triple colon", mutate: (c) => (c.network.kubeletCidrs = [":::/0"]), key: "network.kubeletCidrs.0", says: /not an IPv4 or IPv6 CIDR/ },
  { name: "except outside its CIDR", mutate: (c) => (c.network.ingressSources = [{ cidr: "10.1.0.0/16", except: ["10.2.0.0/24"] }]), key: "network.ingressSources.0.except.0", says: /not inside 10\.1\.0\.0\/16; an exception must be a strict subset/ },
  { name: "except of another family", mutate: (c) => (c.network.ingressSources = [{ cidr: "10.1.0.0/16", except: ["fd00::/64"] }]), key: "network.ingressSources.0.except.0", says: /is IPv6 but cidr 10\.1\.0\.0\/16 is IPv4/ },
  { name: "except equal to its CIDR", mutate: (c) => (c.network.ingressSources = [{ cidr: "10.1.0.0/16", except: ["10.1.0.0/16"] }]), key: "network.ingressSources.0.except.0", says: /strict subset/ },
  { name: "except with whitespace", mutate: (c) => (c.network.ingressSources = [{ cidr: "10.1.0.0/16", except: ["10.1.1.0/24 "] }]), key: "network.ingressSources.0.except.0", says: /contains whitespace/ },
  { name: "https egress not a CIDR", mutate: (c) => (c.network.egress.httpsCidrs = ["api.openai.com"]), key: "network.egress.httpsCidrs.0", says: /has no prefix length; write a CIDR/ },
  // Names and labels.
  { name: "label key name of 64", mutate: (c) => (c.labels = { ["k".repeat(64)]: "x" }), key: `labels.${"k".repeat(64)}`, says: /64-character name; at most 63/ },
  { name: "label key prefix of 254", mutate: (c) => (c.labels = { [`${"a.".repeat(127)}b/team`]: "x" }), key: "labels", says: /prefix that is 255 characters; a DNS subdomain has at most 253/ },
  { name: "label key prefix label of 64", mutate: (c) => (c.labels = { [`${"p".repeat(64)}.example.com/team`]: "x" }), key: "labels", says: /64-character label; each label has at most 63/ },
  { name: "label key uppercase prefix", mutate: (c) => (c.labels = { "Example.com/team": "x" }), key: "labels.Example.com/team", says: /prefix that must be a DNS subdomain/ },
  { name: "label key with empty name", mutate: (c) => (c.labels = { "example.com/": "x" }), key: "labels.example.com/", says: /empty name/ },
  { name: "label value of 64", mutate: (c) => (c.labels = { team: "v".repeat(64) }), key: "labels.team", says: /64 characters; a label value has at most 63/ },
  { name: "label value starting with -", mutate: (c) => (c.labels = { team: "-platform" }), key: "labels.team", says: /starting and ending alphanumeric/ },
  { name: "label value with a space", mutate: (c) => (c.labels = { team: "plat form" }), key: "labels.team", says: /must be a label value/ },
  { name: "label value with a newline", mutate: (c) => (c.labels = { team: "platform\nevil: x" }), key: "labels.team", says: /must be a label value/ },
  { name: "namespaceSelector key with a space", mutate: (c) => (c.network.ingressSources = [{ namespaceSelector: { "bad key": "x" } }]), key: "network.ingressSources.0", says: /must be \{cidr/ },
  { name: "podSelector value of 64", mutate: (c) => (c.network.ingressSources = [{ podSelector: { app: "a".repeat(64) } }]), key: "network.ingressSources.0.podSelector.app", says: /64 characters; a label value has at most 63/ },
  { name: "namespace of 64", mutate: (c) => (c.namespace = "n".repeat(64)), key: "namespace", says: /64 characters; a DNS label has at most 63/ },
  { name: "namespace starting with -", mutate: (c) => (c.namespace = "-openclaw"), key: "namespace", says: /DNS label/ },
  { name: "namespace uppercase", mutate: (c) => (c.namespace = "OpenClaw"), key: "namespace", says: /lowercase/ },
  { name: "environment of 64", mutate: (c) => (c.environment = "e".repeat(64)), key: "environment", says: /at most 63/ },
  { name: "environment with underscore", mutate: (c) => (c.environment = "prod_eu"), key: "environment", says: /DNS label/ },
  { name: "storage class with a space", mutate: (c) => ((c.replicas = 1), (c.stateVolume = { type: "pvc", size: "5Gi", storageClass: "fast ssd" })), key: "stateVolume", says: /DNS subdomain|must be \{type/ },
  // Quantities, by Kubernetes' own grammar and int64 range.
  { name: "1000000000Ei limit", mutate: (c) => (c.resources.memoryLimit = "1000000000Ei"), key: "resources.memoryLimit", says: /more than Kubernetes can count/ },
  { name: "1000000000Ei observed P95", mutate: (c) => (c.resources.observed = { p95WorkingSet: "1000000000Ei" }), key: "resources.observed.p95WorkingSet", says: /more than Kubernetes can count/ },
  { name: "two decimal points", mutate: (c) => (c.resources.memoryRequest = "1.5.5Gi"), key: "resources.memoryRequest", says: /memory quantity/ },
  { name: "GB is not a suffix", mutate: (c) => (c.resources.memoryLimit = "1GB"), key: "resources.memoryLimit", says: /"GB" or "mb" are not quantities/ },
  { name: "lowercase gi", mutate: (c) => (c.resources.memoryLimit = "1gi"), key: "resources.memoryLimit", says: /memory quantity/ },
  { name: "memory with a space", mutate: (c) => (c.resources.memoryLimit = " 1Gi"), key: "resources.memoryLimit", says: /without spaces/ },
  { name: "negative memory", mutate: (c) => (c.resources.memoryLimit = "-1Gi"), key: "resources.memoryLimit", says: /more than 0/ },
  { name: "zero memory", mutate: (c) => (c.resources.memoryRequest = "0"), key: "resources.memoryRequest", says: /more than 0/ },
  { name: "half a byte", mutate: (c) => (c.resources.memoryLimit = "0.5"), key: "resources.memoryLimit", says: /whole number of bytes/ },
  { name: "exponent beyond reason", mutate: (c) => (c.stateVolume = { type: "emptyDir", sizeLimit: "1e999" }), key: "stateVolume", says: /memory quantity|must be \{type/ },
  { name: "CPU finer than 1m", mutate: (c) => (c.resources.cpuRequest = "0.0001"), key: "resources.cpuRequest", says: /finer than 1m/ },
  { name: "CPU with K", mutate: (c) => (c.resources.cpuRequest = "1K"), key: "resources.cpuRequest", says: /CPU quantity/ },
  { name: "negative CPU", mutate: (c) => (c.resources.cpuRequest = "-1"), key: "resources.cpuRequest", says: /more than 0/ },
  { name: "CPU beyond int64", mutate: (c) => (c.resources.cpuLimit = "1e40"), key: "resources.cpuLimit", says: /more than Kubernetes can count/ },
  { name: "state size not a quantity", mutate: (c) => (c.stateVolume = { type: "emptyDir", sizeLimit: "lots" }), key: "stateVolume", says: /memory quantity|must be \{type/ },
  // Releases, build ids, rollback.
  { name: "release month 13", mutate: (c) => (c.image.release = "2026.13.99"), key: "image.release", says: /has month 13; it must be 1–12/ },
  { name: "release 30 February", mutate: (c) => (c.image.release = "2026.2.30"), key: "image.release", says: /has day 30; 2026-2 has days 1–28/ },
  { name: "release month 0", mutate: (c) => (c.image.release = "2026.0.1"), key: "image.release", says: /month 0/ },
  { name: "release with leading zeros", mutate: (c) => (c.image.release = "2026.09.06"), key: "image.release", says: /leading zero/ },
  { name: "release year 1999", mutate: (c) => (c.image.release = "1999.1.1"), key: "image.release", says: /year 1999/ },
  { name: "rollback release day 32", mutate: (c) => (c.rollback.release = "2026.1.32"), key: "rollback.release", says: /day 32/ },
  { name: "shipping the known-broken 2026.8.1", mutate: (c) => (c.image = { ...c.image, ref: `${IMG}:2026.8.1@${DIGEST}`, release: "2026.8.1" }), key: "image.release", says: /known to be broken with auth=token, bind=lan: .*403/ },
  { name: "rollback to the known-broken 2026.8.1", mutate: (c) => (c.rollback = { image: `${IMG}:2026.8.1@sha256:${"cd".repeat(32)}`, release: "2026.8.1" }), key: "rollback.release", says: /roll back to 2026\.9\.5 or later instead/ },
  { name: "rollback tag differs from its release", mutate: (c) => (c.rollback = { image: `${IMG}:2026.9.4@sha256:${"cd".repeat(32)}`, release: "2026.9.5" }), key: "rollback.release", says: /tag "2026\.9\.4" differs from rollback\.release "2026\.9\.5"/ },
  { name: "whitespace-only build id", mutate: (c) => (c.image.buildId = "   "), key: "image.buildId", says: /non-blank/ },
  { name: "build id with surrounding spaces", mutate: (c) => (c.image.buildId = " eb377ac"), key: "image.buildId", says: /leading or trailing whitespace/ },
  { name: "build id with a newline", mutate: (c) => (c.image.buildId = "eb377ac\nforged: yes"), key: "image.buildId", says: /control characters/ },
  { name: "build id of 200", mutate: (c) => (c.image.buildId = "b".repeat(200)), key: "image.buildId", says: /at most 128/ },
  { name: "rollback = current under another tag", mutate: (c) => (c.rollback = { image: `${IMG}:2026.9.5@${DIGEST}`, release: "2026.9.5" }), key: "rollback.image", says: /has the digest of the image being deployed/ },
  { name: "rollback = current without a tag", mutate: (c) => (c.rollback = { image: `${IMG}@${DIGEST}`, release: "2026.9.5" }), key: "rollback.image", says: /has the digest of the image being deployed/ },
  { name: "rollback = current, registry upper-cased", mutate: (c) => (c.rollback = { image: `GHCR.IO/openclaw/openclaw@${DIGEST}`, release: "2026.9.5" }), key: "rollback.image", says: /has the digest of the image being deployed/ },
  // Tokens: one rule with the smoke CLI.
  { name: "token with a newline", mutate: (c) => (c.gatewayToken = `${tok.slice(0, 20)}\n${tok.slice(20)}`), key: "gatewayToken", says: /whitespace/ },
  { name: "token with NUL", mutate: (c) => (c.gatewayToken = `${tok.slice(0, 20)}\u0000${tok.slice(20)}`), key: "gatewayToken", says: /control characters/ },
  { name: "token with a space", mutate: (c) => (c.gatewayToken = `${tok.slice(0, 20)} ${tok.slice(20)}`), key: "gatewayToken", says: /whitespace/ },
  { name: "token with non-ASCII", mutate: (c) => (c.gatewayToken = `${tok.slice(0, 20)}ü${tok.slice(20)}`), key: "gatewayToken", says: /non-ASCII/ },
  { name: "token with a quote", mutate: (c) => (c.gatewayToken = `${tok.slice(0, 20)}"${tok.slice(20)}`), key: "gatewayToken", says: /characters outside/ },
  { name: "token of one repeated character", mutate: (c) => (c.gatewayToken = "a".repeat(48)), key: "gatewayToken", says: /fewer than 8 distinct/ },
  { name: "token of 600", mutate: (c) => (c.gatewayToken = tok.repeat(15).slice(0, 600)), key: "gatewayToken", says: /at most 512/ },
  { name: "token of 31", mutate: (c) => (c.gatewayToken = tok.slice(0, 31)), key: "gatewayToken", says: /at least 32/ },
  { name: "the public placeholder on a real stack", mutate: (c) => (c.gatewayToken = LOCAL_PLACEHOLDER_TOKEN), key: "gatewayToken", says: /public placeholder of the render-only stack/ },
  // The Mac's host goes into known_hosts and onto ssh's command line.
  { name: "Mac host with a newline", mutate: (c) => (c.mac = mac({ host: "mac.example.internal\n@cert-authority * ssh-ed25519 AAAA" })), key: "mac.ssh.host", says: /whitespace or control characters/ },
  { name: "Mac host with user@", mutate: (c) => (c.mac = mac({ host: "admin@mac.example.internal" })), key: "mac.ssh.host", says: /host name .* or an IP address/ },
  { name: "Mac host as an ssh option", mutate: (c) => (c.mac = mac({ host: "-oProxyCommand=touch-pwned" })), key: "mac.ssh.host", says: /host name/ },
  { name: "Mac host with a space", mutate: (c) => (c.mac = mac({ host: "mac mini" })), key: "mac.ssh.host", says: /whitespace/ },
  { name: "Mac host 999.1.1.1", mutate: (c) => (c.mac = mac({ host: "999.1.1.1" })), key: "mac.ssh.host", says: /not a valid IPv4 address/ },
  // Anything else that lands in a file, an annotation or a command line.
  { name: "render directory with a newline", mutate: (c) => ((c.render = { directory: "rendered/x\ny" }), delete c.cluster), key: "render.directory", says: /control characters/ },
  { name: "cluster context with a newline", mutate: (c) => (c.cluster = { context: "prod\n--kubeconfig=/etc/x" }), key: "cluster.context", says: /control characters/ },
  { name: "replicas as words", mutate: (c) => (c.replicas = "three"), key: "replicas", says: /must be a number/ },
  { name: "createNamespace as yes", mutate: (c) => (c.createNamespace = "yes"), key: "createNamespace", says: /must be a boolean/ },
  { name: "port as text inside an object", mutate: (c) => (c.gateway.port = "18789"), key: "gateway.port", says: /must be a number/ },
  { name: "build id that YAML read as a number", mutate: (c) => (c.image.buildId = 1234567), key: "image.buildId", says: /quote it in the stack file, e.g. "1234567"/ },
];

function problemsOf(mutate: (c: Raw) => void): { message: string; secrets: string[] } {
  const raw = structuredClone({ ...stackConfig("staging"), gatewayToken: TEST_TOKEN }) as Raw;
  mutate(raw);
  // The placeholder is public by design; every other token value is a secret.
  const secrets = [String(raw.gatewayToken), PRIVATE_KEY.split("\n")[1]].filter((x) => x !== LOCAL_PLACEHOLDER_TOKEN);
  try {
    parseStackConfig(raw, new Set(["gatewayToken", "mac"]));
  } catch (e) {
    if (e instanceof ConfigError) return { message: e.message, secrets };
    throw e;
  }
  return { message: "", secrets };
}

describe("the stack schema refuses what the API server or the runbook would", () => {
  it(`covers at least 72 distinct bad configs (${cases.length})`, () => {
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
    expect(cases.length).toBeGreaterThanOrEqual(72);
  });

  for (const c of cases) {
    it(c.name, () => {
      const { message, secrets } = problemsOf(c.mutate);
      expect(message, "accepted, but should have been refused").not.toBe("");
      const lines = message.split("\n").filter((l) => l.startsWith("  - "));
      const line = lines.find((l) => l.includes(`openclaw-gateway-infra:${c.key}`) && c.says.test(l));
      expect(line, `no problem for ${c.key} matching ${c.says} in:\n${message}`).toBeDefined();
      for (const s of secrets) if (s.length >= 8) expect(leakedFragment(message, s), message).toBeUndefined();
      // One line per problem: nothing from the value forges another line.
      for (const l of message.split("\n").slice(1)) expect(l.startsWith("  - ")).toBe(true);
    });
  }

  it("a refused config registers no resource (through the program, for a sample)", async () => {
    for (const c of cases.filter((x) => /0\.0\.0\.0\/0|month 13|placeholder|newline/.test(x.name)).slice(0, 4)) {
      const error = await runProgramExpectingError("staging", c.mutate, { extraSecrets: ["mac"] });
      expect(error.resources.filter((r) => r.type.startsWith("kubernetes:"))).toEqual([]);
      expect(error.message).toContain(`openclaw-gateway-infra:${c.key}`);
    }
  });
});

describe("valid values that Pulumi hands over as text are accepted", () => {
  it("namespace \"2024\", environment \"1e3\", replicas \"2\", createNamespace \"false\" as the engine passes them", () => {
    const text: Record<string, string> = {};
    for (const [k, v] of Object.entries(stackConfig("staging"))) text[`openclaw-gateway-infra:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
    Object.assign(text, {
      "openclaw-gateway-infra:namespace": "2024",
      "openclaw-gateway-infra:environment": "1e3",
      "openclaw-gateway-infra:replicas": "2",
      "openclaw-gateway-infra:createNamespace": "false",
      "openclaw-gateway-infra:gatewayToken": TEST_TOKEN,
    });
    const s = parseStackConfig(rawProjectConfig(text), new Set(["gatewayToken"]));
    expect(s.config.namespace).toBe("2024");
    expect(s.config.environment).toBe("1e3");
    expect(s.config.replicas).toBe(2);
    expect(s.config.createNamespace).toBe(false);
  });

  it("the same through the program under the engine's mocks", async () => {
    const run = await runProgram("staging", (c) => {
      c.namespace = "2024";
      c.environment = "1e3";
    });
    const ns = run.byType("kubernetes:core/v1:Namespace")[0];
    expect(ns.inputs.metadata.name).toBe("2024");
  });

  it("Kubernetes' own quantity forms, IPv6, exceptions and real dates", () => {
    const raw = structuredClone({ ...stackConfig("staging"), gatewayToken: TEST_TOKEN }) as Raw;
    raw.resources = { observed: { p95WorkingSet: "1062207488", bootPeak: "0.5Gi" }, cpuRequest: "1.5", cpuLimit: "2000m" };
    raw.network.kubeletCidrs = ["10.20.0.0/16", "fd00:10:20::/64"];
    raw.network.ingressSources = [{ cidr: "10.1.0.0/16", except: ["10.1.9.0/24"] }, { namespaceSelector: { "kubernetes.io/metadata.name": "ingress-nginx" } }];
    raw.image = { ...raw.image, ref: `${IMG}:2026.2.28@${DIGEST}`, release: "2026.2.28" };
    raw.rollback = { image: `${IMG}:2026.2.27@sha256:${"cd".repeat(32)}`, release: "2026.2.27" };
    raw.labels = { "example.com/team": "platform", tier: "" };
    const s = parseStackConfig(raw, new Set(["gatewayToken"]));
    expect(s.config.resources.observed.p95WorkingSet).toBe("1013Mi");
    expect(s.config.resources.observed.bootPeak).toBe("512Mi");
    expect(s.config.resources.cpuRequest).toBe("1500m");
    expect(s.config.resources.cpuLimit).toBe("2");
  });

  it("the committed stack files pass, and their rollback targets are not known-broken", () => {
    for (const stack of ["staging", "prod"]) {
      const s = parseStackConfig({ ...stackConfig(stack), gatewayToken: TEST_TOKEN }, new Set(["gatewayToken"]));
      expect(s.config.rollback?.release).toBe("2026.9.5");
    }
    expect(parseStackConfig(stackConfig("local")).renderOnly).toBe(true);
  });
});

describe("config and preview never disagree on memory", () => {
  // Every combination: given or derived request/limit, default or custom ratios.
  const ratios: Array<[number, number] | undefined> = [undefined, [1, 1.1], [1.1, 1.6], [1.45, 1.5], [2, 3]];
  const requests = [undefined, "1013Mi", "1100Mi", "1400Mi"];
  const limits = [undefined, "1300Mi", "1392Mi", "1600Mi", "3Gi"];
  it("the schema accepts exactly what the pack's headroom rule accepts on the rendered Deployment", () => {
    let accepted = 0;
    let refused = 0;
    for (const h of ratios) {
      for (const memoryRequest of requests) {
        for (const memoryLimit of limits) {
          const raw = structuredClone({ ...stackConfig("staging"), gatewayToken: TEST_TOKEN }) as Raw;
          raw.resources = { cpuRequest: "500m", ...(memoryRequest ? { memoryRequest } : {}), ...(memoryLimit ? { memoryLimit } : {}), ...(h ? { headroom: { minRatio: h[0], maxRatio: h[1], reason } } : {}) };
          let settings;
          try {
            settings = parseStackConfig(raw, new Set(["gatewayToken"]));
          } catch (e) {
            if (!(e instanceof ConfigError)) throw e;
          }
          if (!settings) {
            refused++;
            continue;
          }
          accepted++;
          // What the pack reads back from the rendered Deployment.
          const d = buildManifests(settings).deployment as any;
          const c = d.spec.template.spec.containers[0];
          const ann = d.spec.template.metadata.annotations;
          const v = checkHeadroom({
            p95Bytes: parseMemory(ann["openclaw.ai/observed-p95-working-set"] ?? settings.config.resources.observed.p95WorkingSet)!,
            bootPeakBytes: parseMemory(ann["openclaw.ai/observed-boot-peak"] ?? settings.config.resources.observed.bootPeak),
            requestBytes: parseMemory(c.resources.requests.memory),
            limitBytes: parseMemory(c.resources.limits.memory),
            minRatio: h?.[0],
            maxRatio: h?.[1],
          });
          expect(v.problems, JSON.stringify(raw.resources)).toEqual([]);
          expect(parseMemory(c.resources.limits.memory)).toBe(settings.memory.limitBytes);
        }
      }
    }
    expect(accepted).toBeGreaterThan(5);
    expect(refused).toBeGreaterThan(5);
  });
});
