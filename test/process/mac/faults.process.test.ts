// Faults of the Mac install, for real: the install dir it does not own, a disk that
// fills up (a 1300 MB tmpfs as the install root's parent), a failure after the switch of
// `current`, and SIGKILL of the whole install at each of its steps. Everything is real
// (sshd, the offline install, Node 24, the OpenClaw gateway, curl) except launchd:
// launchctl is the TEST DOUBLE. After every fault the previous release keeps serving or
// is back, the re-run converges, and no secret fragment appears in any output.
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTunnel, type Tunnel } from "../../../components/mac/tunnel";
import { runChecks } from "../../../components/smoke/checks";
import { clientArgs, sshdAvailable } from "../../support/sshd";
import { freeLoopbackPort } from "../../support/gateway";
import { applyPlan, doubleCalls, macConfigFor, planFor, startFakeMac, stdinFor, uploadPlan, withDouble, type FakeMac, type TestPlan } from "../../support/mac";

const STEPS = ["cleanup", "stage", "generation", "env", "decide", "pregate", "switch", "launchd", "gate", "commit"] as const;

describe("Mac install faults over a real sshd (launchctl is a TEST DOUBLE)", () => {
  let mac: FakeMac;
  let tunnel: Tunnel | undefined;
  let port: number;
  let mounted = "";
  const token = randomBytes(24).toString("hex");
  const INSTALL_DIR = "small/openclaw-gateway";
  const root = () => `${mac.ssh.home}/${INSTALL_DIR}`;
  const cfg = (over: Parameters<typeof macConfigFor>[1] = {}) =>
    macConfigFor(mac, { installDir: INSTALL_DIR, ...over, gateway: { port, healthTimeoutSeconds: 300, ...over.gateway } });
  const restarts = (calls: string[]) => calls.filter((c) => /^(bootstrap|bootout|kickstart)/.test(c));
  const check = async () => {
    tunnel ??= await openTunnel({ host: "127.0.0.1", port: mac.ssh.port, user: mac.ssh.user, privateKey: mac.ssh.privateKey, hostKey: mac.ssh.hostKey, dialErrorLimit: 2, perDialTimeout: 5, remotePort: port });
    return runChecks({ baseUrl: tunnel.url, token, budgetMs: 60_000, pathName: "macSshTunnel" });
  };
  /** No fragment of 8+ characters of the token in any text. */
  const noSecret = (text: string) => {
    for (let i = 0; i + 8 <= token.length; i++) expect(text.includes(token.slice(i, i + 8)), `token fragment at ${i}`).toBe(false);
  };
  const leftovers = () => {
    const r = root();
    const names = [
      ...readdirSync(r).filter((n) => n.startsWith("current.new.")),
      ...readdirSync(join(r, "releases")).filter((n) => n.startsWith(".staging-")),
      ...readdirSync(join(r, "generations")).filter((n) => n.endsWith(".tmp")),
      ...readdirSync(join(r, "pregate")),
      ...readdirSync(join(mac.ssh.home, "Library/LaunchAgents")).filter((n) => n.includes(".new.")),
    ];
    if (existsSync(join(r, ".install.lock"))) names.push(".install.lock");
    return names;
  };

  beforeAll(async () => {
    const ok = sshdAvailable();
    if (!ok.ok) throw new Error(`the Mac-track tests need a real sshd: ${ok.why}`);
    mac = await startFakeMac();
    port = await freeLoopbackPort();
    // The install root's parent: a small filesystem of its own, so a disk-full is real.
    mounted = join(mac.ssh.home, "small");
    execFileSync("mkdir", ["-p", mounted]);
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=1300m,mode=0700,uid=${mac.ssh.uid},gid=${mac.ssh.uid}`, "oc-mac-small", mounted]);
    mac.ssh.beforeRemove.push(() => execFileSync("umount", ["-l", mounted]));
    // The controller packs each release once per lockfile (minutes on a cold cache): here, not inside a test's budget.
    planFor(cfg({ release: "2026.9.5" }));
    planFor(cfg());
  }, 900_000);

  afterAll(async () => {
    await tunnel?.close();
    await mac?.cleanup();
  }, 180_000);

  it("refuses an install dir it did not create (not empty, no owner marker) before anything is uploaded", () => {
    expect(mac.ssh.ssh("mkdir -p ~/Projects && echo precious > ~/Projects/thesis.txt").status).toBe(0);
    const r = applyPlan(mac, planFor(cfg({ installDir: "Projects" })), token);
    expect(r.prepare.status).toBe(1);
    expect(r.prepare.stderr).toContain(`refusing to install into ${mac.ssh.home}/Projects: it exists, is not empty and was not created by this install`);
    expect(r.upload).toBeUndefined();
    expect(readdirSync(join(mac.ssh.home, "Projects"))).toEqual(["thesis.txt"]);
  });

  it("installs 2026.9.6 into a root on a 1300 MB filesystem (the first install fits)", async () => {
    const plan = planFor(cfg());
    const r = applyPlan(mac, plan, token);
    expect(r.install?.status, r.install?.stderr).toBe(0);
    expect(r.result).toMatchObject({ action: "bootstrap", release: "2026.9.6" });
    expect(readFileSync(join(root(), ".openclaw-gateway-install"), "utf8")).toContain("generations");
    noSecret(`${r.install?.stdout}${r.install?.stderr}`);
    expect((await check()).gatewayVersion).toBe("2026.9.6");
  }, 900_000);

  it("a real disk-full while staging 2026.9.5 changes nothing: the previous release keeps serving", async () => {
    const good = readlinkSync(join(root(), "current"));
    const before = doubleCalls(mac).length;
    const plan = planFor(cfg({ release: "2026.9.5" }));
    const r = applyPlan(mac, plan, token);
    expect(r.install?.status, r.install?.stderr).toBe(1);
    expect(r.install?.stderr).toMatch(/ENOSPC|no space left on device/i);
    expect(r.install?.stderr).toMatch(/failed \(\d+ MiB free on the install dir's filesystem\); nothing was switched/);
    // the partial staging dir is gone at once: its space is back
    expect(readdirSync(join(root(), "releases")).filter((n) => n.startsWith("."))).toEqual([]);
    expect(restarts(doubleCalls(mac).slice(before))).toEqual([]);
    expect(readlinkSync(join(root(), "current"))).toBe(good);
    noSecret(`${r.install?.stdout}${r.install?.stderr}`);
    const ev = await check();
    expect(ev.ok).toBe(true);
    expect(ev.gatewayVersion).toBe("2026.9.6");
  }, 900_000);

  it("a failure after the switch (the plist cannot be written) restores the previous generation (EXIT trap)", async () => {
    const good = readlinkSync(join(root(), "current"));
    // A new generation of the same release (health budget is part of the config hash).
    const plan = planFor(cfg({ gateway: { healthTimeoutSeconds: 305 } }));
    const agents = join(mac.ssh.home, "Library/LaunchAgents");
    expect(mac.ssh.ssh(`chmod 0500 '${agents}'`).status).toBe(0);
    try {
      const r = applyPlan(mac, plan, token);
      expect(r.install?.status, r.install?.stderr).not.toBe(0);
      expect(r.install?.stderr).toContain(`switched current to ${plan.genId}`);
      expect(r.install?.stderr).toContain(`restoring ${good} after a failure past the switch`);
      expect(r.install?.stderr).toContain(`current is back at ${good}`);
      expect(readlinkSync(join(root(), "current"))).toBe(good);
      noSecret(`${r.install?.stdout}${r.install?.stderr}`);
    } finally {
      mac.ssh.ssh(`chmod 0700 '${agents}'`);
    }
    const ev = await check();
    expect(ev.ok, JSON.stringify(ev.checks)).toBe(true);
    // and with the directory writable again the same plan converges
    const again = applyPlan(mac, plan, token);
    expect(again.install?.status, again.install?.stderr).toBe(0);
    expect(readlinkSync(join(root(), "current"))).toBe(`generations/${plan.genId}`);
    expect(leftovers()).toEqual([]);
  }, 900_000);

  for (const [i, step] of STEPS.entries()) {
    it(`SIGKILL of the whole install at step "${step}": a generation that passed the gate serves, the re-run converges and cleans up`, async () => {
      const plan: TestPlan = planFor(cfg({ gateway: { healthTimeoutSeconds: 310 + i } }));
      const prev = readlinkSync(join(root(), "current"));
      const up = uploadPlan(mac, plan);
      expect(up.upload?.status, up.upload?.stderr).toBe(0);
      const child = spawn("ssh", [...clientArgs(mac.ssh), "-p", String(mac.ssh.port), `${mac.ssh.user}@127.0.0.1`, withDouble(mac, plan.installCommand)], { stdio: ["pipe", "pipe", "pipe"] });
      child.stdin.end(stdinFor(plan, token));
      let stderr = "";
      const exited = new Promise<void>((r) => child.once("exit", () => r()));
      const reached = await new Promise<boolean>((resolve) => {
        child.stderr.on("data", (d) => {
          stderr += d;
          if (stderr.includes(`openclaw-mac: step ${step}\n`)) resolve(true);
        });
        void exited.then(() => resolve(false));
      });
      expect(reached, `the install never reached step ${step}:\n${stderr}`).toBe(true);
      // Power loss / OOM kill: the whole remote session, no trap runs.
      const pid = Number(readFileSync(join(root(), ".install.lock", "pid"), "utf8").trim());
      const pgid = Number(execFileSync("ps", ["-o", "pgid=", "-p", String(pid)], { encoding: "utf8" }).trim());
      process.kill(-pgid, "SIGKILL");
      await exited;
      noSecret(stderr);
      const current = readlinkSync(join(root(), "current"));
      // `current` only ever names the previous generation or one that passed the gate on the spare port.
      if (STEPS.indexOf(step) <= STEPS.indexOf("pregate")) {
        expect(current).toBe(prev);
        const ev = await check();
        expect(ev.ok, `previous release must keep serving after a kill at ${step}`).toBe(true);
      } else {
        expect([prev, `generations/${plan.genId}`]).toContain(current);
      }
      const r = applyPlan(mac, plan, token);
      expect(r.install?.status, r.install?.stderr).toBe(0);
      expect(readlinkSync(join(root(), "current"))).toBe(`generations/${plan.genId}`);
      expect(readFileSync(join(root(), "state", "last-good"), "utf8").trim()).toBe(`generations/${plan.genId}`);
      expect(leftovers()).toEqual([]);
      noSecret(`${r.install?.stdout}${r.install?.stderr}`);
      const ev = await check();
      expect(ev.ok, JSON.stringify(ev.checks)).toBe(true);
    }, 900_000);
  }

  it("destroy removes only what the marker lists; the mount point's other files stay", () => {
    const plan = planFor(cfg());
    expect(mac.ssh.ssh(`echo keep > '${mac.ssh.home}/small/other.txt'`).status).toBe(0);
    const r = mac.ssh.ssh(withDouble(mac, plan.uninstallCommand));
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(root())).toBe(false);
    expect(readdirSync(join(mac.ssh.home, "small"))).toEqual(["other.txt"]);
  }, 120_000);
});
