// mac config: every bad input fails with the key and the value that would be right,
// through the stack's one root schema (components/config/schema.ts), as `pulumi up` parses it.
import { describe, expect, it } from "vitest";
import { ConfigError, parseStackConfig } from "../../../components/config";
import { macConfigSchema } from "../../../components/mac/config";
import { stackConfig, TEST_TOKEN } from "../../support/program";

const DIGEST = "sha256:" + "ab12".repeat(16);
const IMAGE = { ref: `ghcr.io/openclaw/openclaw:2026.9.6@${DIGEST}`, release: "2026.9.6", buildId: "eb377ac" };
const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHh0ZXN0aG9zdGtleXRlc3Rob3N0a2V5dGVzdGhvc3Q";
const good = () => ({
  ssh: { host: "mac-mini.example.internal", user: "openclaw", privateKey: "-----BEGIN OPENSSH PRIVATE " + "KEY-----\nx\n-----END OPENSSH PRIVATE " + "KEY-----\n", hostKey: HOST_KEY },
  release: "2026.9.6",
});

const SECRETS = new Set(["gatewayToken", "mac"]);
/** The staging stack with this image and Mac, as Pulumi would hand it over. */
const stack = (image: object, mac?: object) => ({ ...stackConfig("staging"), gatewayToken: TEST_TOKEN, image, ...(mac ? { mac } : {}) });

function problems(image: object, mac: object): string {
  try {
    parseStackConfig(stack(image, mac), SECRETS);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error("expected the config to be refused");
}

describe("mac config", () => {
  it("accepts a minimal config and fills the safe defaults", () => {
    const mac = macConfigSchema.parse(good());
    expect(mac).toMatchObject({
      mode: "native",
      label: "ai.openclaw.gateway",
      domain: "user",
      ssh: { port: 22, dialErrorLimit: 3, perDialTimeout: 10 },
      gateway: { port: 18789, bind: "loopback", auth: "token" },
      native: { node: "/opt/homebrew/opt/node@24/bin/node" },
    });
    expect(parseStackConfig(stack(IMAGE, good()), SECRETS).config.mac?.release).toBe("2026.9.6");
    expect(parseStackConfig(stack(IMAGE), SECRETS).config.mac).toBeUndefined();
  });

  const cases: [string, (m: any) => void, RegExp][] = [
    ["the root user", (m) => (m.ssh.user = "root"), /mac\.ssh\.user = "root": mac\.ssh\.user must not be "root"; use the unprivileged account/],
    ["no host key", (m) => delete m.ssh.hostKey, /mac\.ssh\.hostKey/],
    ["a host key that is a fingerprint", (m) => (m.ssh.hostKey = "SHA256:abcdef"), /mac\.ssh\.hostKey must be one public host key line/],
    ["an empty private key", (m) => (m.ssh.privateKey = ""), /mac\.ssh\.privateKey is empty; set it with `pulumi config set --secret/],
    ["unlimited dial errors", (m) => (m.ssh.dialErrorLimit = -1), /mac\.ssh\.dialErrorLimit/],
    ["a release that is not a version", (m) => (m.release = "latest"), /mac\.release must be an OpenClaw release version such as "2026\.9\.6"/],
    ["another release than the cluster's", (m) => (m.release = "2026.9.5"), /mac\.release = "2026\.9\.5": mac\.release "2026\.9\.5" differs from the cluster's image\.release "2026\.9\.6"; set mac\.release to "2026\.9\.6"/],
    ["lan without auth", (m) => (m.gateway = { bind: "lan", auth: "none" }), /mac\.gateway\.auth = "none": .*off loopback auth is required: set mac\.gateway\.auth to "token"/],
    ["container mode without the image", (m) => (m.mode = "container"), /mac\.container \(?.*\)?: mac\.mode is "container" but mac\.container is not set/],
    ["container image with another digest", (m) => ((m.mode = "container"), (m.container = { image: `ghcr.io/openclaw/openclaw:2026.9.6@sha256:${"cd34".repeat(16)}` })), /mac\.container\.image digest sha256:cd34.* differs from the cluster's image\.ref digest sha256:ab12.*; set mac\.container\.image to "ghcr\.io\/openclaw\/openclaw:2026\.9\.6@sha256:ab12/],
    ["container image by tag only", (m) => ((m.mode = "container"), (m.container = { image: "ghcr.io/openclaw/openclaw:2026.9.6" })), /mac\.container\.image = "ghcr\.io\/openclaw\/openclaw:2026\.9\.6": mac\.container\.image: image "ghcr\.io\/openclaw\/openclaw:2026\.9\.6" uses tag "2026\.9\.6" without a digest/],
    ["container settings in native mode", (m) => (m.container = { image: IMAGE.ref }), /mac\.mode = \(not set\): mac\.container is set but mac\.mode is "native"/],
    ["a relative node path", (m) => (m.native = { node: "node" }), /mac\.native\.node must be an absolute path/],
    ["a node path with a quote", (m) => (m.native = { node: "/opt/it's/node" }), /mac\.native\.node must be an absolute path without quotes/],
    ["an install dir escaping home", (m) => (m.installDir = "../etc"), /mac\.installDir must not contain "\." or "\.\." segments/],
    ["the home itself as install dir", (m) => (m.installDir = "."), /mac\.installDir must not contain "\." or "\.\." segments/],
    ["an absolute install dir", (m) => (m.installDir = "/Users/openclaw/gw"), /mac\.installDir must be a relative path below the home directory/],
    ["~/Library as install dir (destroy would remove it)", (m) => (m.installDir = "Library"), /mac\.installDir = "Library": mac\.installDir "Library" is the macOS directory ~\/Library; pulumi destroy removes the install dir/],
    ["~/Documents in another case", (m) => (m.installDir = "documents"), /is the macOS directory ~\/Documents/],
    ["~/Library/LaunchAgents", (m) => (m.installDir = "Library/LaunchAgents"), /is the macOS directory ~\/Library\/LaunchAgents/],
    ["a trailing slash", (m) => (m.installDir = "Library/"), /mac\.installDir must be a relative path/],
    ["a secret in settings next to a bad key: the value is never echoed", (m) => (m.gateway = { settings: { gateway: {}, channels: { x: { apiKey: "sk-never-echo-0123456789" } } } }), /mac\.gateway\.settings = \(secret, not shown\): mac\.gateway\.settings must not contain "gateway"/],
    ["a label that is not reverse DNS", (m) => (m.label = "gateway"), /mac\.label must be a reverse-DNS launchd label such as "ai\.openclaw\.gateway"/],
    ["the gui domain spelled wrong", (m) => (m.domain = "system"), /mac\.domain/],
    ["a privileged gateway port", (m) => (m.gateway = { port: 80 }), /mac\.gateway\.port/],
    ["a token with spaces", (m) => (m.gateway = { token: "a token with spaces in it" }), /mac\.gateway\.token must be 16–512 characters/],
    ["gateway keys in settings", (m) => (m.gateway = { settings: { gateway: { bind: "lan" } } }), /mac\.gateway\.settings must not contain "gateway"/],
    ["an unknown key", (m) => (m.sshHost = "x"), /openclaw-gateway-infra:mac: unknown key "sshHost"/],
  ];
  for (const [name, mutate, expected] of cases) {
    it(`refuses ${name}`, () => {
      const m = good();
      mutate(m);
      expect(problems(IMAGE, m)).toMatch(expected);
    });
  }

  it("refuses a cluster image whose tag names another release than image.release", () => {
    expect(problems({ ...IMAGE, ref: `ghcr.io/openclaw/openclaw:2026.9.5@${DIGEST}` }, good())).toMatch(
      /image\.release = "2026\.9\.6": does not match image\.ref: tag "2026\.9\.5" differs from image\.release "2026\.9\.6"/,
    );
  });

  it("lists every problem at once and never echoes the private key", () => {
    const m: any = good();
    m.ssh.user = "root";
    m.release = "2026.9.5";
    m.ssh.privateKey = "SECRET-KEY-MATERIAL";
    m.ssh.hostKey = "nope";
    const msg = problems(IMAGE, m);
    expect(msg).toMatch(/invalid stack configuration \(3 problems\)/);
    expect(msg).toContain("- openclaw-gateway-infra:mac.ssh.user =");
    expect(msg).toContain("- openclaw-gateway-infra:mac.ssh.hostKey =");
    expect(msg).toContain('- openclaw-gateway-infra:mac.release = "2026.9.5": mac.release "2026.9.5" differs');
    expect(msg).not.toContain("SECRET-KEY-MATERIAL");
  });
});
