// The Mac track end to end over a real OpenSSH server: the install script runs for real
// as a throwaway unprivileged user on a "Mac" with no route to any registry, installs
// the real OpenClaw releases offline (npm ci --offline) from the tarballs this machine
// packed from the recorded lockfiles with its own npm, on Node 24, and its health gates
// talk to the real gateway: first on a spare port, then the one the launchctl TEST
// DOUBLE starts from the rendered plist. The smoke checks reach that gateway through a
// real SSH tunnel with the pinned host key (the sshd offers ECDSA, ed25519 and RSA keys).
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contrastTable } from "../../../components/mac/contrast";
import { openTunnel, type Tunnel } from "../../../components/mac/tunnel";
import { runChecks } from "../../../components/smoke/checks";
import { clientArgs, sshdAvailable } from "../../support/sshd";
import { applyPlan, doubleCalls, macConfigFor, parseResult, planFor, REPO, startFakeMac, stdinFor, withDouble, type FakeMac } from "../../support/mac";
import { freeLoopbackPort, node24 } from "../../support/gateway";
import { kubernetesEvidenceFixture } from "../../fixtures/mac/evidence";

const REQUIRED_PLIST_KEYS = ["Label", "ProgramArguments", "EnvironmentVariables", "RunAtLoad", "KeepAlive", "ThrottleInterval", "ExitTimeOut", "StandardOutPath", "StandardErrorPath", "Umask", "WorkingDirectory"];

function parsePlistFile(path: string): Record<string, unknown> {
  const out = execFileSync("/usr/bin/python3", ["-c", "import plistlib,json,sys; print(json.dumps(plistlib.load(open(sys.argv[1],'rb'))))", path], { encoding: "utf8" });
  return JSON.parse(out);
}

describe("MacGatewayNode install over a real sshd (launchctl is a TEST DOUBLE)", () => {
  let mac: FakeMac;
  let tunnel: Tunnel | undefined;
  let port: number;
  let servingPid = "";
  const token = randomBytes(20).toString("hex");

  beforeAll(async () => {
    const ok = sshdAvailable();
    if (!ok.ok) throw new Error(`the Mac-track tests need a real sshd: ${ok.why}`);
    mac = await startFakeMac();
    port = await freeLoopbackPort();
    // The controller packs each release once per lockfile (minutes on a cold cache): here, not inside a test's budget.
    planFor(cfg({ release: "2026.9.5" }));
    planFor(cfg({ release: "2026.9.6" }));
  }, 900_000);

  afterAll(async () => {
    await tunnel?.close();
    await mac?.cleanup();
  }, 120_000);

  const cfg = (over: Parameters<typeof macConfigFor>[1] = {}) => macConfigFor(mac, { ...over, gateway: { port, ...over.gateway } });
  const root = () => `${mac.ssh.home}/Library/Application Support/openclaw-gateway`;
  const callsSince = (n: number) => doubleCalls(mac).slice(n);
  const restarts = (calls: string[]) => calls.filter((c) => /^(bootstrap|bootout|kickstart)/.test(c));
  const check = async () => {
    tunnel ??= await openTunnel({ host: "127.0.0.1", port: mac.ssh.port, user: mac.ssh.user, privateKey: mac.ssh.privateKey, hostKey: mac.ssh.hostKey, dialErrorLimit: 2, perDialTimeout: 5, remotePort: port });
    return runChecks({ baseUrl: tunnel.url, token, budgetMs: 20_000, pathName: "macSshTunnel" });
  };

  it("refuses a host key that is not the pinned one before any command runs", () => {
    const wrong = join(mac.ssh.dir, "wrong_known_hosts");
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(mac.ssh.dir, "impostor")]);
    const impostor = readFileSync(join(mac.ssh.dir, "impostor.pub"), "utf8").split(" ").slice(0, 2).join(" ");
    writeFileSync(wrong, `[127.0.0.1]:${mac.ssh.port} ${impostor}\n`);
    const r = mac.ssh.ssh("touch ~/ran-with-wrong-host-key", { knownHostsPath: wrong, timeoutMs: 20_000 });
    expect(r.status).toBe(255);
    expect(r.stderr).toMatch(/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/);
    expect(existsSync(join(mac.ssh.home, "ran-with-wrong-host-key"))).toBe(false);
    const applied = applyPlan(mac, planFor(cfg()), token, { knownHostsPath: wrong });
    expect(applied.prepare.status).toBe(255);
    expect(applied.upload).toBeUndefined();
    expect(existsSync(root())).toBe(false);
  });

  it("the Mac has no route to a package registry (what the offline install relies on)", () => {
    const curl = mac.ssh.ssh("curl -sS --max-time 10 -o /dev/null https://registry.npmjs.org/openclaw", { timeoutMs: 30_000 });
    expect(curl.status, curl.stderr).not.toBe(0);
    const npm = mac.ssh.ssh(`${mac.node.replace(/node$/, "npm")} view openclaw@2026.9.6 version --fetch-retries=0 --fetch-timeout=5000`, { timeoutMs: 60_000 });
    expect(npm.status).not.toBe(0);
    expect(`${npm.stdout}${npm.stderr}`).not.toContain("2026.9.6\n");
  });

  it("the pinned ed25519 key is accepted while the server also offers ECDSA and RSA keys; the ECDSA key pinned instead is refused", () => {
    expect(mac.ssh.hostKeys.ecdsa).toMatch(/^ecdsa-sha2-nistp256 /);
    expect(mac.ssh.hostKeys.rsa).toMatch(/^ssh-rsa /);
    expect(mac.ssh.ssh("echo ok", { timeoutMs: 20_000 }).stdout).toBe("ok\n");
  });

  it("refuses when another process holds the gateway port (single instance), changing nothing", async () => {
    // Another process (not this one: spawnSync below blocks this event loop) that never answers HTTP.
    const squatter = spawn(process.execPath, ["-e", `require("net").createServer(() => {}).listen(${port}, "127.0.0.1", () => console.log("listening"))`], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((r) => squatter.stdout!.once("data", () => r()));
    try {
      const r = applyPlan(mac, planFor(cfg({ release: "2026.9.5" })), token);
      expect(r.install?.status).toBe(1);
      expect(r.install?.stderr).toContain(`port ${port} is already in use by another process`);
      expect(existsSync(join(root(), "current"))).toBe(false);
      expect(restarts(doubleCalls(mac))).toEqual([]);
    } finally {
      squatter.kill("SIGKILL");
      await new Promise((r) => squatter.once("exit", r));
    }
  });

  it("mac.domain gui over SSH without a GUI login fails with a clear error and leaves no job, link or plist (the release is staged offline, checked and pre-gated)", () => {
    const plan = planFor(cfg({ release: "2026.9.5", domain: "gui" }));
    const r = applyPlan(mac, plan, token);
    expect(r.install?.stderr).toContain("installing openclaw@2026.9.5");
    expect(r.install?.stderr).toContain("offline from the shipped tarballs");
    expect(r.install?.stderr).toContain("pre-launchd health gate");
    // the shipped pack is removed once its release is staged
    expect(readdirSync(join(root(), "packs"))).toEqual([]);
    expect(r.install?.status, r.install?.stderr).toBe(1);
    expect(r.install?.stderr).toContain(`launchctl bootstrap gui/${mac.ssh.uid} failed`);
    expect(r.install?.stderr).toContain('set mac.domain to "user"');
    expect(existsSync(join(root(), "current"))).toBe(false);
    expect(existsSync(plan.layout.plistPath)).toBe(false);
    expect(readdirSync(join(root(), "releases"))).toEqual([plan.releaseId]);
  }, 900_000);

  it("fresh install of 2026.9.5: npm ci from the lockfile, plist bootstrapped, health gate on the real gateway", async () => {
    const plan = planFor(cfg({ release: "2026.9.5" }));
    const r = applyPlan(mac, plan, token);
    // npm ci ran in the previous test; its checksums are verified before reuse.
    expect(r.install?.stderr).toContain(`release 2026.9.5 already staged in ${root()}/releases/${plan.releaseId} (checksums verified)`);
    expect(r.install?.status, r.install?.stderr).toBe(0);
    expect(r.result).toMatchObject({ action: "bootstrap", release: "2026.9.5", gen: plan.genId });
    expect(doubleCalls(mac)).toContain(`bootstrap user/${mac.ssh.uid} ${plan.layout.plistPath}`);

    // The installed plist is the rendered one, parses, and carries the version fields but no secret.
    expect(readFileSync(plan.layout.plistPath, "utf8")).toBe(plan.plist);
    const plist = parsePlistFile(plan.layout.plistPath);
    for (const k of REQUIRED_PLIST_KEYS) expect(plist, k).toHaveProperty(k);
    expect((plist.EnvironmentVariables as Record<string, string>).OPENCLAW_MAC_RELEASE).toBe("2026.9.5");
    expect(plist.ProgramArguments).toEqual(expect.arrayContaining(["--bind", "loopback"]));
    expect(plan.plist).not.toContain(token);
    expect(`${r.install?.stdout}${r.install?.stderr}`).not.toContain(token);
    // The token lives in a 0600 env file only.
    const env = statSync(plan.layout.envFile);
    expect(env.mode & 0o777).toBe(0o600);
    expect(readFileSync(plan.layout.envFile, "utf8")).toBe(`OPENCLAW_GATEWAY_TOKEN=${token}\n`);
    expect(readlinkSync(join(root(), "current"))).toBe(`generations/${plan.genId}`);
    // openclaw.json came on stdin (it may hold secrets): 0600 in the generation, never in the bundle.
    const conf = join(root(), "generations", plan.genId, "openclaw.json");
    expect(readFileSync(conf, "utf8")).toBe(plan.gatewayConfig);
    expect(statSync(conf).mode & 0o777).toBe(0o600);
    expect(plan.bundle).not.toContain('"auth"');

    servingPid = r.result!.pid;
    const ev = await check();
    expect(ev.ok, JSON.stringify(ev.checks)).toBe(true);
    expect(ev.gatewayVersion).toBe("2026.9.5");
  }, 900_000);

  it("a re-run with nothing changed restarts nothing", () => {
    const before = doubleCalls(mac).length;
    const r = applyPlan(mac, planFor(cfg({ release: "2026.9.5" })), token);
    expect(r.install?.status, r.install?.stderr).toBe(0);
    expect(r.result).toMatchObject({ action: "none", pid: servingPid });
    expect(restarts(callsSince(before))).toEqual([]);
    // A domain change on an installed Mac is refused before anything changes.
    const gui = applyPlan(mac, planFor(cfg({ release: "2026.9.5", domain: "gui" })), token);
    expect(gui.install?.status).toBe(1);
    expect(gui.install?.stderr).toContain('mac.domain changed from "user" to "gui" while the job is installed');
    expect(restarts(callsSince(before))).toEqual([]);
  }, 120_000);

  it("refuses while another OpenClaw gateway job is loaded (single instance)", () => {
    const other = join(mac.ssh.home, "other.plist");
    writeFileSync(
      other,
      `<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0"><dict><key>Label</key><string>ai.openclaw.other</string>` +
        `<key>ProgramArguments</key><array><string>/bin/sleep</string><string>300</string></array><key>RunAtLoad</key><true/></dict></plist>\n`,
    );
    expect(mac.ssh.ssh(withDouble(mac, `launchctl bootstrap user/${mac.ssh.uid} ${other}`)).status).toBe(0);
    try {
      const r = applyPlan(mac, planFor(cfg({ release: "2026.9.5" })), token);
      expect(r.install?.status).toBe(1);
      expect(r.install?.stderr).toContain("another OpenClaw gateway job is loaded in launchd: ai.openclaw.other");
    } finally {
      expect(mac.ssh.ssh(withDouble(mac, `launchctl bootout user/${mac.ssh.uid}/ai.openclaw.other`)).status).toBe(0);
    }
  });

  it("refuses while another install holds the lock, and restarts nothing", () => {
    // A live process of the user owns the lock (what a concurrent `pulumi up` looks like).
    const holder = mac.ssh.ssh(`mkdir '${root()}/.install.lock' && (sleep 60 </dev/null >/dev/null 2>&1 & echo $! > '${root()}/.install.lock/pid')`);
    expect(holder.status, holder.stderr).toBe(0);
    const pid = readFileSync(join(root(), ".install.lock", "pid"), "utf8").trim();
    const before = doubleCalls(mac).length;
    try {
      const r = applyPlan(mac, planFor(cfg({ release: "2026.9.5" })), token);
      expect(r.install?.status).toBe(1);
      expect(r.install?.stderr).toContain(`another install (pid ${pid}) holds ${root()}/.install.lock; wait for it to finish`);
      expect(restarts(callsSince(before))).toEqual([]);
    } finally {
      process.kill(Number(pid), "SIGKILL");
    }
    // The holder is gone: the next run takes the lock over and finds nothing to do.
    const again = applyPlan(mac, planFor(cfg({ release: "2026.9.5" })), token);
    expect(again.install?.status, again.install?.stderr).toBe(0);
    expect(again.install?.stderr).toContain(`taking over the install lock left by pid ${pid}`);
    expect(again.result).toMatchObject({ action: "none", pid: servingPid });
  }, 120_000);

  it("an upgrade to 2026.9.6 killed midway leaves 2026.9.5 serving, and the re-run converges with kickstart -k", async () => {
    const plan = planFor(cfg({ release: "2026.9.6" }));
    const prep = applyPlan(mac, { ...plan, installCommand: "true" }, token); // upload only
    expect(prep.install?.status).toBe(0);
    const child = spawn("ssh", [...clientArgs(mac.ssh), "-p", String(mac.ssh.port), `${mac.ssh.user}@127.0.0.1`, withDouble(mac, plan.installCommand)], { stdio: ["pipe", "pipe", "pipe"] });
    child.stdin.end(stdinFor(plan, token));
    const exited = new Promise((r) => child.once("exit", r));
    const staging = join(root(), "releases", `.staging-${plan.releaseId}`, "node_modules");
    const deadline = Date.now() + 300_000;
    while (!existsSync(staging) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(existsSync(staging), "npm ci never started").toBe(true);
    await new Promise((r) => setTimeout(r, 1500));
    // Kill the whole remote session hard (power loss / OOM kill): no trap runs.
    const pid = Number(readFileSync(join(root(), ".install.lock", "pid"), "utf8").trim());
    const pgid = Number(execFileSync("ps", ["-o", "pgid=", "-p", String(pid)], { encoding: "utf8" }).trim());
    process.kill(-pgid, "SIGKILL");
    await exited;
    expect(existsSync(join(root(), ".install.lock"))).toBe(true);
    expect(readlinkSync(join(root(), "current"))).toMatch(/^generations\/2026\.9\.5-/);
    const during = await check();
    expect(during.ok).toBe(true);
    expect(during.gatewayVersion).toBe("2026.9.5");

    const before = doubleCalls(mac).length;
    const r = applyPlan(mac, plan, token);
    expect(r.install?.status, r.install?.stderr).toBe(0);
    expect(r.install?.stderr).toContain("taking over the install lock");
    expect(r.result).toMatchObject({ action: "kickstart", release: "2026.9.6", gen: plan.genId });
    expect(restarts(callsSince(before))).toEqual([`kickstart -k user/${mac.ssh.uid}/ai.openclaw.gateway`]);
    expect(readdirSync(join(root(), "releases")).filter((d) => d.startsWith("."))).toEqual([]);
    const after = await check();
    expect(after.ok).toBe(true);
    expect(after.gatewayVersion).toBe("2026.9.6");

    // Contrast sign-off (runbook step 7): the Mac's real evidence beside the cluster's.
    const contrast = contrastTable(
      { track: "kubernetes", release: "2026.9.6", artifact: "sha256:" + "a".repeat(64), bind: "lan", configHash: "k8s-values-hash", evidence: kubernetesEvidenceFixture },
      { track: "mac", release: "2026.9.6", artifact: plan.versions.integrity!, bind: "loopback", configHash: plan.configSha256, evidence: after },
    );
    expect(contrast.signedOff, contrast.markdown).toBe(true);
    expect(contrast.markdown).toContain("| /startupz version | 2026.9.6 | 2026.9.6 | same |");
    expect(contrast.deltas.some((d) => d.startsWith("bind: lan vs loopback (expected"))).toBe(true);
  }, 900_000);

  it("the serialized sign-off provider checks the Mac through an SSH tunnel and signs off the contrast (plain CommonJS, like the dynamic-provider host)", () => {
    const fixtures = join(REPO, "test", "fixtures", "mac");
    const ser = spawnSync(node24(), ["-r", "ts-node/register/transpile-only", join(fixtures, "serialize-signoff.cjs")], {
      cwd: REPO, encoding: "utf8", timeout: 180_000, env: { ...process.env, TS_NODE_PROJECT: join(REPO, "tsconfig.json") },
    });
    expect(ser.status, ser.stderr).toBe(0);
    const sf = JSON.parse(ser.stdout) as { text: string; containsSecrets: boolean };
    expect(sf.containsSecrets).toBe(false);
    expect(sf.text).toContain("Generated by `npm run build:bundles` from components/mac/signoff-lib.ts");
    const textFile = join(mac.ssh.dir, "signoff-provider.js");
    writeFileSync(textFile, sf.text);
    const plan = planFor(cfg({ release: "2026.9.6" }));
    const inputs = (hostKey: string) => ({
      host: "127.0.0.1", port: mac.ssh.port, user: mac.ssh.user, privateKey: mac.ssh.privateKey, hostKey, dialErrorLimit: 2, perDialTimeout: 5,
      remotePort: port, token, budgetMs: 20_000,
      mac: { release: "2026.9.6", artifact: plan.versions.integrity, bind: "loopback", configHash: plan.configSha256, generation: plan.genId },
      kubernetes: { release: "2026.9.6", artifact: "sha256:" + "a".repeat(64), bind: "lan", configHash: "k8s-values-hash", evidence: kubernetesEvidenceFixture },
    });
    const drive = (i: object) => {
      const f = join(mac.ssh.dir, "signoff-inputs.json");
      writeFileSync(f, JSON.stringify(i), { mode: 0o600 });
      const r = spawnSync(node24(), [join(fixtures, "drive-signoff.cjs"), textFile, f], { cwd: REPO, encoding: "utf8", timeout: 120_000 });
      expect(r.status, r.stderr).toBe(0);
      return { text: r.stdout, out: JSON.parse(r.stdout) };
    };
    const good = drive(inputs(mac.ssh.hostKey));
    expect(good.out.diffSame.changes).toBe(false);
    expect(good.out.diffGeneration.changes).toBe(true);
    expect(good.out.create.ok, good.out.create.message).toBe(true);
    const outs = good.out.create.res.outs;
    expect(outs.signedOff).toBe(true);
    expect(outs.evidence.gatewayVersion).toBe("2026.9.6");
    expect(outs.contrast.markdown).toContain("| /startupz version | 2026.9.6 | 2026.9.6 | same |");
    expect(good.text).not.toContain(token);
    expect(good.text).not.toContain(mac.ssh.privateKey.split("\n")[1]);

    // A changed host key refuses before any check runs, and the error carries no secret.
    const impostor = readFileSync(join(mac.ssh.dir, "impostor.pub"), "utf8").split(" ").slice(0, 2).join(" ");
    const bad = drive(inputs(impostor));
    expect(bad.out.create.ok).toBe(false);
    expect(bad.out.create.message).toMatch(/SSH tunnel to .* did not come up: .*Host key verification failed/s);
    expect(bad.text).not.toContain(token);
  }, 300_000);

  it("a release that fails the health gate on the spare port never reaches launchd: nothing restarts, the previous release keeps serving", async () => {
    const good = readlinkSync(join(root(), "current"));
    // A config the real gateway refuses at start (exit 78 "Invalid config"), with a plist change (heap cap).
    const plan = planFor(cfg({ release: "2026.9.6", gateway: { heapMiB: 1536, settings: { agents: { defaults: { notARealKey: true } } } } }));
    const before = doubleCalls(mac).length;
    const r = applyPlan(mac, plan, token);
    expect(r.install?.status, r.install?.stderr).toBe(1);
    // the pre-gate gives up when its gateway exits, not at the end of the budget
    expect(r.install?.stderr).toContain("last: gateway not running");
    expect(r.install?.stderr).toContain("did not pass the health gate on a spare port");
    expect(r.install?.stderr).toContain("launchd and current were not touched");
    // the gateway's own complaint, from the pre-gate run's output
    expect(r.install?.stderr).toContain("notARealKey");
    expect(restarts(callsSince(before))).toEqual([]);
    expect(readlinkSync(join(root(), "current"))).toBe(good);
    expect(readdirSync(join(root(), "pregate"))).toEqual([]);
    const ev = await check();
    expect(ev.ok).toBe(true);
    expect(ev.gatewayVersion).toBe("2026.9.6");
    expect(parsePlistFile(plan.layout.plistPath).ProgramArguments).toContain("--max-old-space-size=2048");
  }, 600_000);

  it("SSH down gives a clear error and changes nothing", async () => {
    const snapshot = () => ({ current: readlinkSync(join(root(), "current")), entries: readdirSync(root()).sort(), plist: readFileSync(join(mac.ssh.home, "Library/LaunchAgents/ai.openclaw.gateway.plist"), "utf8") });
    const before = snapshot();
    const calls = doubleCalls(mac).length;
    mac.ssh.stopSshd();
    try {
      await new Promise((r) => setTimeout(r, 300));
      const r = applyPlan(mac, planFor(cfg({ release: "2026.9.6", gateway: { heapMiB: 3072 } })), token);
      expect(r.prepare.status).toBe(255);
      expect(r.prepare.stderr).toMatch(/Connection refused/);
      expect(r.upload).toBeUndefined();
      expect(snapshot()).toEqual(before);
      expect(doubleCalls(mac).length).toBe(calls);
    } finally {
      await mac.ssh.startSshd();
    }
    await tunnel?.close();
    tunnel = undefined;
    expect((await check()).ok).toBe(true);
  }, 120_000);

  it("destroy unloads the job and removes what the install created, keeping the logs and files it did not create", async () => {
    const plan = planFor(cfg({ release: "2026.9.6" }));
    const foreign = join(root(), "notes-of-the-user.txt");
    expect(mac.ssh.ssh(`echo mine > '${foreign}'`).status).toBe(0);
    const r = mac.ssh.ssh(withDouble(mac, plan.uninstallCommand));
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(parseResult(r.stdout)).toMatchObject({ action: "uninstalled", label: "ai.openclaw.gateway" });
    const p = mac.ssh.ssh(withDouble(mac, `launchctl print user/${mac.ssh.uid}/ai.openclaw.gateway`));
    expect(p.status).toBe(113);
    expect(readdirSync(root())).toEqual(["notes-of-the-user.txt"]);
    expect(mac.ssh.ssh(`rm '${foreign}'`).status).toBe(0);
    expect(existsSync(plan.layout.plistPath)).toBe(false);
    expect(existsSync(plan.layout.logFile)).toBe(true);
    const down = spawnSync("curl", ["-s", "--max-time", "2", `http://127.0.0.1:${port}/healthz`]);
    expect(down.status).not.toBe(0);
    // A second destroy finds nothing and succeeds.
    expect(mac.ssh.ssh(withDouble(mac, plan.uninstallCommand)).stdout).toContain("nothing installed");
  }, 600_000);
});
