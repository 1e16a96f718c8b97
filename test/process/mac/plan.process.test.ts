// The rendered plist (parsed by a real plist parser, Python's plistlib), the bundle and
// the hashes that decide between no-op, kickstart -k and bootout + bootstrap; shellcheck
// on every shell script the Mac runs, including the generated bundle.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { macConfigSchema, type MacConfigInput } from "../../../components/mac/config";
import { renderPlist } from "../../../components/mac/launchd";
import { macLayout } from "../../../components/mac/layout";
import { installStdin, planMacInstall } from "../../../components/mac/plan";
import { loadReleaseRecord, sha256 } from "../../../components/mac/release";

const REPO = resolve(__dirname, "../../..");
const DIGEST = "sha256:" + "ab12".repeat(16);
const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHh0ZXN0aG9zdGtleXRlc3Rob3N0a2V5dGVzdGhvc3Q";
const TOKEN = "tok-0123456789abcdef0123456789abcdef";
const dir = mkdtempSync(join(tmpdir(), "oc-mac-render-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cfg = (over: Partial<MacConfigInput> = {}) =>
  macConfigSchema.parse({
    ssh: { host: "mac-mini.example.internal", user: "openclaw", privateKey: "k", hostKey: HOST_KEY },
    release: "2026.9.6",
    ...over,
  });
const release = loadReleaseRecord("2026.9.6");
// The pack itself is tested in pack.test.ts; here only its sha256 reaches the manifest.
const FAKE_PACK = { sha256: "f".repeat(64) };

function parsePlist(text: string): Record<string, any> {
  const f = join(dir, `p-${sha256(text).slice(0, 8)}.plist`);
  writeFileSync(f, text);
  return JSON.parse(execFileSync("/usr/bin/python3", ["-c", "import plistlib,json,sys; print(json.dumps(plistlib.load(open(sys.argv[1],'rb'))))", f], { encoding: "utf8" }));
}

function shellcheck(file: string) {
  return spawnSync("shellcheck", ["-s", "sh", "-S", "style", file], { encoding: "utf8" });
}

describe("release record", () => {
  it("reads the recorded lockfile and the openclaw tarball's integrity", () => {
    expect(release.integrity).toMatch(/^sha512-[A-Za-z0-9+/]+=*$/);
    expect(release.packages).toBeGreaterThan(300);
    expect(release.lockSha256).toBe(sha256(release.lockfile));
  });
  it("names the command to record a missing release", () => {
    expect(() => loadReleaseRecord("2026.1.1")).toThrow(/mac\.release "2026\.1\.1" has no recorded lockfile .* `npm run mac:lock -- 2026\.1\.1`/);
  });
});

describe("launchd plist", () => {
  it("native/loopback: the keys launchd needs, explicit PATH and bind, version fields, logs under ~/Library/Logs, no secret", () => {
    const plan = planMacInstall(cfg(), release, FAKE_PACK);
    const p = parsePlist(plan.plist);
    expect(p).toMatchObject({
      Label: "ai.openclaw.gateway",
      RunAtLoad: true,
      KeepAlive: true,
      ThrottleInterval: 10,
      ExitTimeOut: 20,
      ProcessType: "Interactive",
      Umask: 63,
      StandardInPath: "/dev/null",
      StandardOutPath: "/Users/openclaw/Library/Logs/openclaw/gateway.log",
      StandardErrorPath: "/Users/openclaw/Library/Logs/openclaw/gateway.log",
      WorkingDirectory: "/Users/openclaw/Library/Application Support/openclaw-gateway/state",
    });
    const root = "/Users/openclaw/Library/Application Support/openclaw-gateway";
    expect(p.ProgramArguments).toEqual([
      "/bin/sh", `${root}/current/env-wrapper.sh`, `${root}/env/ai.openclaw.gateway.env`,
      "/opt/homebrew/opt/node@24/bin/node", "--max-old-space-size=2048", `${root}/current/app/node_modules/openclaw/openclaw.mjs`,
      "gateway", "run", "--port", "18789", "--bind", "loopback",
    ]);
    expect(p.EnvironmentVariables).toEqual({
      PATH: "/opt/homebrew/opt/node@24/bin:/usr/bin:/bin:/usr/sbin:/sbin",
      HOME: "/Users/openclaw",
      OPENCLAW_CONFIG_PATH: `${root}/current/openclaw.json`,
      OPENCLAW_STATE_DIR: `${root}/state`,
      OPENCLAW_MAC_RELEASE: "2026.9.6",
      OPENCLAW_MAC_RELEASE_INTEGRITY: release.integrity,
    });
    expect(JSON.stringify(p)).not.toMatch(/TOKEN=|token"?:/i);
    expect(plan.layout.plistPath).toBe("/Users/openclaw/Library/LaunchAgents/ai.openclaw.gateway.plist");
  });

  it("lan bind is passed through; a profile label gets its own log", () => {
    const p = parsePlist(planMacInstall(cfg({ label: "ai.openclaw.work", gateway: { bind: "lan" } as never }), release, FAKE_PACK).plist);
    expect(p.ProgramArguments.slice(-2)).toEqual(["--bind", "lan"]);
    expect(p.StandardOutPath).toBe("/Users/openclaw/Library/Logs/openclaw/work.log");
  });

  it("container mode: the cluster's image by digest, published on 127.0.0.1 for a loopback Mac, token passed by name only", () => {
    const image = `ghcr.io/openclaw/openclaw:2026.9.6@${DIGEST}`;
    const plan = planMacInstall(cfg({ mode: "container", container: { cli: "/opt/homebrew/bin/docker", image } }));
    const p = parsePlist(plan.plist);
    const args: string[] = p.ProgramArguments;
    expect(args).toContain(image);
    expect(args).toEqual(expect.arrayContaining(["-p", "127.0.0.1:18789:18789", "-e", "OPENCLAW_GATEWAY_TOKEN", "--pull", "never"]));
    expect(args.slice(-6)).toEqual(["gateway", "run", "--port", "18789", "--bind", "lan"]);
    expect(p.EnvironmentVariables.OPENCLAW_MAC_IMAGE_DIGEST).toBe(DIGEST);
    expect(JSON.parse(plan.gatewayConfig).gateway.bind).toBe("lan");
    expect(plan.files["package-lock.json"]).toBeUndefined();
  });

  it("escapes XML in values", () => {
    const text = renderPlist(cfg({ home: "/Users/a&b" }), macLayout(cfg({ home: "/Users/a&b" })));
    expect(parsePlist(text).EnvironmentVariables.HOME).toBe("/Users/a&b");
  });
});

describe("hashes decide what a re-run does", () => {
  const base = planMacInstall(cfg(), release, FAKE_PACK);
  it("are stable across renders (an unchanged pulumi up sees identical triggers)", () => {
    const again = planMacInstall(cfg(), loadReleaseRecord("2026.9.6"), FAKE_PACK);
    expect(again.bundle).toBe(base.bundle);
    expect([again.releaseSha256, again.plistServiceSha256, again.configSha256, again.genId]).toEqual([base.releaseSha256, base.plistServiceSha256, base.configSha256, base.genId]);
  });
  it("a release change leaves the service definition alone (kickstart -k), but changes the generation", () => {
    const older = planMacInstall(cfg({ release: "2026.9.5" }), loadReleaseRecord("2026.9.5", join(REPO, "test/fixtures/mac/releases/2026.9.5")), FAKE_PACK);
    expect(older.plistServiceSha256).toBe(base.plistServiceSha256);
    expect(older.plist).not.toBe(base.plist); // the version fields differ
    expect(older.releaseSha256).not.toBe(base.releaseSha256);
    expect(older.genId).not.toBe(base.genId);
  });
  it("a heap, node or port change is a plist change (bootout + bootstrap)", () => {
    for (const over of [{ gateway: { heapMiB: 3072 } }, { native: { node: "/usr/local/bin/node" } }, { gateway: { port: 18790 } }]) {
      expect(planMacInstall(cfg(over as never), release, FAKE_PACK).plistServiceSha256, JSON.stringify(over)).not.toBe(base.plistServiceSha256);
    }
  });
  it("a gateway setting is a config change only", () => {
    const p = planMacInstall(cfg({ gateway: { settings: { agents: { defaults: {} } } } as never }), release, FAKE_PACK);
    expect(p.plistServiceSha256).toBe(base.plistServiceSha256);
    expect(p.configSha256).not.toBe(base.configSha256);
  });
});

describe("bundle and commands", () => {
  const plan = planMacInstall(cfg(), release, FAKE_PACK);
  it("carries every file with its checksum and no secret; openclaw.json (settings may hold secrets) goes on stdin instead", () => {
    expect(Object.keys(plan.files).sort()).toEqual(["SHA256SUMS", "env-wrapper.sh", "install.sh", "manifest.env", "owner-marker", "pregate.args", "pregate.env", "service.plist", "uninstall.sh"]);
    const secretSettings = planMacInstall(cfg({ gateway: { settings: { channels: { demo: { apiKey: "sk-settings-secret-0123456789" } } } } as never }), release, FAKE_PACK);
    expect(secretSettings.bundle).not.toContain("sk-settings-secret-0123456789");
    expect(secretSettings.installCommand).not.toContain("sk-settings-secret-0123456789");
    expect(Buffer.from(installStdin(TOKEN, secretSettings.gatewayConfig).split("\n")[1], "base64").toString()).toContain("sk-settings-secret-0123456789");
    expect(plan.files["manifest.env"]).toContain(`PACK_SHA256='${FAKE_PACK.sha256}'`);
    for (const [name, text] of Object.entries(plan.files)) {
      if (name !== "SHA256SUMS") expect(plan.files.SHA256SUMS).toContain(`${sha256(text)}  ${name}`);
    }
    expect(plan.bundle).not.toContain(TOKEN);
    expect(plan.installCommand).toContain(plan.bundleSha256);
    expect(plan.installCommand).not.toMatch(/token/i);
    expect(plan.bundleRemotePath).toBe(`/Users/openclaw/Library/Application Support/openclaw-gateway/bundles/${sha256(plan.files.SHA256SUMS).slice(0, 16)}.sh`);
  });

  it("the install command refuses a bundle whose checksum differs, before running it", () => {
    const f = join(dir, "bundle.sh");
    writeFileSync(f, "echo SHOULD-NOT-RUN\n");
    const cmd = plan.installCommand.replace(/'[^']*bundles\/[0-9a-f]+\.sh'/, `'${f}'`);
    const r = spawnSync("sh", ["-c", cmd], { encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stdout).not.toContain("SHOULD-NOT-RUN");
    expect(r.stderr).toMatch(/has sha256 [0-9a-f]{64}, expected [0-9a-f]{64}; run pulumi up again/);
  });

  it("every shell script passes shellcheck: components/mac/remote/*.sh and the generated bundle and commands", () => {
    const files = readdirSync(join(REPO, "components/mac/remote")).filter((f) => f.endsWith(".sh")).map((f) => join(REPO, "components/mac/remote", f));
    const bundle = join(dir, "generated-bundle.sh");
    writeFileSync(bundle, plan.bundle);
    const commands = join(dir, "commands.sh");
    writeFileSync(commands, `#!/bin/sh\n${plan.prepareCommand}\n${plan.installCommand}\n${plan.uninstallCommand}\n`);
    expect(files.length).toBe(3);
    for (const f of [...files, bundle, commands]) {
      const r = shellcheck(f);
      expect(r.error, "shellcheck missing: apt-get install shellcheck (.ci/run does)").toBeUndefined();
      expect(`${f}: ${r.stdout}`).toBe(`${f}: `);
      expect(r.status).toBe(0);
    }
  });
});
