// The fake Mac: a real sshd with a throwaway user (test/support/sshd.ts), Node 24 and
// npm as the Mac's toolchain, the launchctl TEST DOUBLE first on PATH. The Mac has no
// route to any package registry: an nftables table of this run rejects every packet of
// the user's processes that leaves through anything but loopback (removed at cleanup).
// The release reaches it the way MacGatewayNode ships it: packed on this machine (the
// controller) with the user's own npm (components/mac/pack.ts), copied over SFTP.
// `applyPlan` does over real SSH what MacGatewayNode's resources do: the prepare
// command, the SFTP uploads (CopyToRemote), the install command with the secrets on stdin.
import { execFileSync, spawnSync, type SpawnSyncReturns } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { macConfigSchema, type MacConfig, type MacConfigInput } from "../../components/mac/config";
import { parseInstallResult } from "../../components/mac/node";
import { packRelease, type PackedRelease } from "../../components/mac/pack";
import { installStdin, planMacInstall, type MacInstallPlan } from "../../components/mac/plan";
import { loadReleaseRecord } from "../../components/mac/release";
import { startSshHost, type SshHost } from "./sshd";

export const REPO = resolve(__dirname, "../..");

export interface FakeMac {
  ssh: SshHost;
  node: string;
  doublesDir: string;
  /** The double's state dir on the fake Mac (calls.log, jobs). */
  doubleState: string;
  /** The nftables table that keeps the Mac off the network. */
  firewallTable: string;
  /** sha256 of the last pack uploaded: like CopyToRemote (one resource, its source in the state), an unchanged pack is not copied again. */
  lastPack?: string;
  cleanup(): Promise<void>;
}

function node24Binary(): string {
  if (Number(process.versions.node.split(".")[0]) === 24) return process.execPath;
  return join(REPO, "node_modules", "node", "bin", "node");
}

/** Rejects every packet of `uid` that leaves through anything but loopback. */
function isolate(table: string, uid: number): void {
  const rules = `table inet ${table} {\n chain out {\n  type filter hook output priority 0; policy accept;\n  meta skuid ${uid} oifname != "lo" counter reject\n }\n}\n`;
  execFileSync("nft", ["-f", "-"], { input: rules });
}

function unisolate(table: string): void {
  spawnSync("nft", ["delete", "table", "inet", table]);
}

export async function startFakeMac(): Promise<FakeMac> {
  const ssh = await startSshHost();
  const firewallTable = `oc_mac_${ssh.user}`;
  try {
    isolate(firewallTable, ssh.uid);
    const tool = join(ssh.dir, "mac-toolchain", "bin");
    mkdirSync(tool, { recursive: true });
    // A copy, so the throwaway user needs no access to the checkout. npm beside it
    // reads no npmrc of this machine: the Mac installs offline and needs none.
    copyFileSync(node24Binary(), join(tool, "node"));
    chmodSync(join(tool, "node"), 0o755);
    const npmCli = execFileSync("readlink", ["-f", execFileSync("sh", ["-c", "command -v npm"], { encoding: "utf8" }).trim()], { encoding: "utf8" }).trim();
    symlinkSync(npmCli, join(tool, "npm"));
    const doublesDir = join(ssh.dir, "doubles");
    mkdirSync(doublesDir);
    copyFileSync(join(REPO, "test", "doubles", "launchctl"), join(doublesDir, "launchctl"));
    chmodSync(join(doublesDir, "launchctl"), 0o755);
    return {
      ssh,
      node: join(tool, "node"),
      doublesDir,
      doubleState: join(ssh.home, ".launchctl-double"),
      firewallTable,
      async cleanup() {
        // Boot the job out through the double first (SIGTERM, as launchd would); sshd.cleanup kills leftovers by id.
        ssh.ssh(`PATH=${doublesDir}:$PATH launchctl bootout user/${ssh.uid}/ai.openclaw.gateway`, { timeoutMs: 30_000 });
        unisolate(firewallTable);
        await ssh.cleanup();
      },
    };
  } catch (e) {
    unisolate(firewallTable);
    await ssh.cleanup();
    throw e;
  }
}

/** The Mac config for the fake Mac, with overrides. */
export function macConfigFor(mac: FakeMac, over: Partial<MacConfigInput> & { gateway?: Partial<NonNullable<MacConfigInput["gateway"]>> } = {}): MacConfig {
  const { gateway, ...rest } = over;
  return macConfigSchema.parse({
    ssh: { host: "127.0.0.1", port: mac.ssh.port, user: mac.ssh.user, privateKey: mac.ssh.privateKey, hostKey: mac.ssh.hostKey },
    release: "2026.9.6",
    home: mac.ssh.home,
    native: { node: mac.node },
    ...rest,
    // A cold start takes 6-11 s on a quiet host and over a minute at load average 20+ (measured here).
    gateway: { port: 18789, healthTimeoutSeconds: 300, ...gateway },
  });
}

export const FIXTURE_RELEASES = join(REPO, "test", "fixtures", "mac", "releases");

export interface TestPlan extends MacInstallPlan {
  /** Native mode: the release tar packed on this machine (the controller). */
  pack?: PackedRelease;
}

/** The plan MacGatewayNode would make, with the release packed for real (cached per lockfile). */
export function planFor(cfg: MacConfig): TestPlan {
  if (cfg.mode !== "native") return planMacInstall(cfg);
  const lockDir = cfg.native.lockfileDir ?? (existsSync(join(FIXTURE_RELEASES, cfg.release)) ? join(FIXTURE_RELEASES, cfg.release) : undefined);
  const release = loadReleaseRecord(cfg.release, lockDir);
  const pack = packRelease(release, `${cfg.release}-${release.lockSha256.slice(0, 12)}`);
  return { ...planMacInstall(cfg, release, pack), pack };
}

export interface ApplyResult {
  prepare: SpawnSyncReturns<string>;
  upload?: SpawnSyncReturns<string>;
  install?: SpawnSyncReturns<string>;
  /** Parsed OPENCLAW_MAC_RESULT line. */
  result?: Record<string, string>;
}

/** PATH prefix for the test host only: puts the launchctl double where the Mac has /bin/launchctl. */
export function withDouble(mac: FakeMac, command: string): string {
  return `PATH=${mac.doublesDir}:$PATH; export PATH; ${command}`;
}

/** The prepare command and both SFTP uploads (what runs before the install command). */
export function uploadPlan(mac: FakeMac, plan: TestPlan, o: { knownHostsPath?: string; port?: number } = {}): Omit<ApplyResult, "install" | "result"> {
  const prepare = mac.ssh.ssh(withDouble(mac, plan.prepareCommand), { ...o, timeoutMs: 30_000 });
  if (prepare.status !== 0) return { prepare };
  if (plan.pack && mac.lastPack !== plan.pack.sha256) {
    const upload = mac.ssh.upload(plan.pack.file, plan.packRemotePath, { ...o, timeoutMs: 300_000 });
    if (upload.status !== 0) return { prepare, upload };
    mac.lastPack = plan.pack.sha256;
  }
  const local = join(mac.ssh.dir, `bundle-${plan.bundleSha256.slice(0, 12)}.sh`);
  writeFileSync(local, plan.bundle);
  const upload = mac.ssh.upload(local, plan.bundleRemotePath, o);
  return { prepare, upload };
}

/** What MacGatewayNode's install command gets on stdin. */
export const stdinFor = (plan: MacInstallPlan, token: string) => installStdin(token, plan.gatewayConfig);

export function applyPlan(mac: FakeMac, plan: TestPlan, token: string, o: { knownHostsPath?: string; port?: number } = {}): ApplyResult {
  const up = uploadPlan(mac, plan, o);
  if (up.prepare.status !== 0 || up.upload?.status !== 0) return up;
  const install = mac.ssh.ssh(withDouble(mac, plan.installCommand), { ...o, input: stdinFor(plan, token) });
  return { ...up, install, result: parseResult(install.stdout) };
}

export function parseResult(stdout: string | null): Record<string, string> | undefined {
  const r = parseInstallResult(stdout ?? "");
  return Object.keys(r).length > 0 ? r : undefined;
}

/** Calls the launchctl double recorded, as lines "verb args". */
export function doubleCalls(mac: FakeMac): string[] {
  const f = join(mac.doubleState, "calls.log");
  return existsSync(f) ? readFileSync(f, "utf8").trim().split("\n").filter(Boolean) : [];
}
