// The fake Mac: a real sshd with a throwaway user (test/support/sshd.ts), Node 24 and
// npm as the Mac's toolchain, the launchctl TEST DOUBLE first on PATH, and a persistent
// npm cache standing in for pre-provisioned tarballs (the install still runs `npm ci`
// from the recorded lockfile and npm still verifies every integrity hash).
// `applyPlan` does over real SSH what MacGatewayNode's resources do: the prepare
// command, the sftp upload of the bundle (CopyToRemote), the install command with the
// token on stdin.
import { execFileSync, type SpawnSyncReturns } from "node:child_process";
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { macConfigSchema, type MacConfig, type MacConfigInput } from "../../components/mac/config";
import { parseInstallResult } from "../../components/mac/node";
import { loadReleaseRecord, planMacInstall, type MacInstallPlan } from "../../components/mac/render";
import { startSshHost, type SshHost } from "../support/sshd";

export const REPO = resolve(__dirname, "../..");
export const NPM_CACHE = process.env.OPENCLAW_MAC_NPM_CACHE ?? "/var/cache/openclaw-gateway-infra/mac-npm-cache";

export interface FakeMac {
  ssh: SshHost;
  node: string;
  doublesDir: string;
  /** The double's state dir on the fake Mac (calls.log, jobs). */
  doubleState: string;
  /** npm cache on the fake Mac (mac.native.npmCache). */
  npmCache: string;
  cleanup(): Promise<void>;
}

function node24Binary(): string {
  if (Number(process.versions.node.split(".")[0]) === 24) return process.execPath;
  return join(REPO, "node_modules", "node", "bin", "node");
}

export async function startFakeMac(): Promise<FakeMac> {
  const ssh = await startSshHost();
  try {
    const tool = join(ssh.dir, "mac-toolchain", "bin");
    mkdirSync(tool, { recursive: true });
    // A copy, so the throwaway user needs no access to the checkout.
    copyFileSync(node24Binary(), join(tool, "node"));
    chmodSync(join(tool, "node"), 0o755);
    const npmCli = execFileSync("readlink", ["-f", execFileSync("sh", ["-c", "command -v npm"], { encoding: "utf8" }).trim()], { encoding: "utf8" }).trim();
    symlinkSync(npmCli, join(tool, "npm"));
    const doublesDir = join(ssh.dir, "doubles");
    mkdirSync(doublesDir);
    copyFileSync(join(REPO, "test", "doubles", "launchctl"), join(doublesDir, "launchctl"));
    chmodSync(join(doublesDir, "launchctl"), 0o755);
    // The Mac's own npm cache for this run: a copy of the persistent one (tarballs are
    // content-addressed), so concurrent runs and other users never share writable state.
    mkdirSync(NPM_CACHE, { recursive: true });
    const runCache = join(ssh.dir, "npm-cache");
    cpSync(NPM_CACHE, runCache, { recursive: true });
    execFileSync("chown", ["-R", `${ssh.user}:${ssh.user}`, runCache]);
    return {
      ssh,
      node: join(tool, "node"),
      doublesDir,
      doubleState: join(ssh.home, ".launchctl-double"),
      async cleanup() {
        // Boot the job out through the double first (SIGTERM, as launchd would); sshd.cleanup kills leftovers by id.
        ssh.ssh(`PATH=${doublesDir}:$PATH launchctl bootout user/${ssh.uid}/ai.openclaw.gateway`, { timeoutMs: 30_000 });
        // Keep what this run downloaded for the next one (no-clobber; cache entries are immutable).
        cpSync(runCache, NPM_CACHE, { recursive: true, force: false, errorOnExist: false });
        await ssh.cleanup();
      },
      npmCache: runCache,
    };
  } catch (e) {
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
    native: { node: mac.node, npmCache: mac.npmCache },
    ...rest,
    gateway: { port: 18789, healthTimeoutSeconds: 90, ...gateway },
  });
}

export const FIXTURE_RELEASES = join(REPO, "test", "mac", "fixtures", "releases");

export function planFor(cfg: MacConfig): MacInstallPlan {
  const lockDir = cfg.native.lockfileDir ?? (existsSync(join(FIXTURE_RELEASES, cfg.release)) ? join(FIXTURE_RELEASES, cfg.release) : undefined);
  return planMacInstall(cfg, cfg.mode === "native" ? loadReleaseRecord(cfg.release, lockDir) : undefined);
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

export function applyPlan(mac: FakeMac, plan: MacInstallPlan, token: string, o: { knownHostsPath?: string; port?: number } = {}): ApplyResult {
  const prepare = mac.ssh.ssh(withDouble(mac, plan.prepareCommand), { ...o, timeoutMs: 30_000 });
  if (prepare.status !== 0) return { prepare };
  const local = join(mac.ssh.dir, `bundle-${plan.bundleSha256.slice(0, 12)}.sh`);
  writeFileSync(local, plan.bundle);
  const upload = mac.ssh.upload(local, plan.bundleRemotePath, o);
  if (upload.status !== 0) return { prepare, upload };
  const install = mac.ssh.ssh(withDouble(mac, plan.installCommand), { ...o, input: `${token}\n` });
  return { prepare, upload, install, result: parseResult(install.stdout) };
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
