// A real OpenSSH server standing in for the remote Mac's sshd: Debian's openssh-server
// on 127.0.0.1:<free port>, a throwaway unprivileged user made with useradd, keys
// generated at start. Like macOS' sshd it offers ECDSA, ed25519 and RSA host keys and
// the SFTP subsystem (CopyToRemote copies over SFTP); the ed25519 key is the pinned one.
// Cleanup stops sshd by the PID in its PidFile, kills the processes the user left by
// their ids, removes the user and the temp dir, also after a failed test.
import { execFileSync, spawnSync, type SpawnSyncReturns } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { freeLoopbackPort } from "./gateway";
import { join } from "node:path";

export interface SshHost {
  host: "127.0.0.1";
  port: number;
  user: string;
  uid: number;
  home: string;
  /** Client private key (OpenSSH format) and its path. */
  privateKey: string;
  privateKeyPath: string;
  /** The server's public host key line, `ssh-ed25519 AAAA…`: what mac.ssh.hostKey pins. */
  hostKey: string;
  /** All host keys the server offers, as public key lines. */
  hostKeys: { ed25519: string; ecdsa: string; rsa: string };
  knownHostsPath: string;
  dir: string;
  sshdLog: string;
  /** Runs a command over SSH with the pinned host key; stdin optional. */
  ssh(command: string, opts?: SshOptions): SpawnSyncReturns<string>;
  /** Uploads a file with sftp (the transport @pulumi/command's CopyToRemote uses). */
  upload(localPath: string, remotePath: string, opts?: SshOptions): SpawnSyncReturns<string>;
  /** Run by cleanup after the user's processes are gone and before the user is removed (e.g. unmounts). */
  beforeRemove: (() => void)[];
  stopSshd(): void;
  startSshd(): Promise<void>;
  cleanup(): Promise<void>;
}

export interface SshOptions {
  input?: string;
  /** Default: the host's pinned known_hosts. */
  knownHostsPath?: string;
  port?: number;
  timeoutMs?: number;
  /** Mirrors mac.ssh.dialErrorLimit / perDialTimeout. */
  connectionAttempts?: number;
  connectTimeoutSeconds?: number;
}

export function sshdAvailable(): { ok: boolean; why?: string } {
  if (process.getuid?.() !== 0) return { ok: false, why: "needs root (useradd, sshd)" };
  for (const bin of ["/usr/sbin/sshd", "/usr/bin/ssh", "/usr/bin/sftp", "/usr/bin/ssh-keygen"]) {
    if (!existsSync(bin)) return { ok: false, why: `${bin} missing: apt-get install openssh-server openssh-client (.ci/run does)` };
  }
  return { ok: true };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

export function clientArgs(h: { port: number; privateKeyPath: string; knownHostsPath: string }, o: SshOptions = {}): string[] {
  return [
    "-i", h.privateKeyPath,
    "-o", "IdentitiesOnly=yes",
    "-o", "BatchMode=yes",
    "-o", "StrictHostKeyChecking=yes",
    "-o", `UserKnownHostsFile=${o.knownHostsPath ?? h.knownHostsPath}`,
    "-o", "GlobalKnownHostsFile=/dev/null",
    "-o", `ConnectTimeout=${o.connectTimeoutSeconds ?? 10}`,
    "-o", `ConnectionAttempts=${o.connectionAttempts ?? 1}`,
    "-o", "LogLevel=ERROR",
  ];
}

export async function startSshHost(): Promise<SshHost> {
  const dir = mkdtempSync("/tmp/oc-mac-sshd-");
  chmodSync(dir, 0o755);
  const user = `ocmac${randomBytes(3).toString("hex")}`;
  const home = `/home/${user}`;
  const port = await freeLoopbackPort();
  run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "oc-mac-test-host", "-f", join(dir, "host_ed25519")]);
  run("ssh-keygen", ["-q", "-t", "ecdsa", "-b", "256", "-N", "", "-C", "oc-mac-test-host", "-f", join(dir, "host_ecdsa")]);
  run("ssh-keygen", ["-q", "-t", "rsa", "-b", "3072", "-N", "", "-C", "oc-mac-test-host", "-f", join(dir, "host_rsa")]);
  run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "oc-mac-test-client", "-f", join(dir, "client_ed25519")]);
  run("useradd", ["-m", "-d", home, "-s", "/bin/sh", user]);
  // useradd leaves the password locked ("!"), which sshd without PAM refuses; "*" allows key login only.
  run("usermod", ["-p", "*", user]);
  const uid = Number(run("id", ["-u", user]).trim());
  mkdirSync(join(home, ".ssh"), { mode: 0o700 });
  writeFileSync(join(home, ".ssh", "authorized_keys"), readFileSync(join(dir, "client_ed25519.pub")), { mode: 0o600 });
  run("chown", ["-R", `${user}:${user}`, join(home, ".ssh")]);

  const pub = (f: string) => readFileSync(join(dir, f), "utf8").trim().split(/\s+/).slice(0, 2).join(" ");
  const hostKeys = { ed25519: pub("host_ed25519.pub"), ecdsa: pub("host_ecdsa.pub"), rsa: pub("host_rsa.pub") };
  const hostKey = hostKeys.ed25519;
  const knownHostsPath = join(dir, "known_hosts");
  writeFileSync(knownHostsPath, `[127.0.0.1]:${port} ${hostKey}\n`);
  const config = join(dir, "sshd_config");
  writeFileSync(
    config,
    [
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      // macOS' order: sshd offers every key; the client negotiates one per connection.
      `HostKey ${join(dir, "host_ecdsa")}`,
      `HostKey ${join(dir, "host_ed25519")}`,
      `HostKey ${join(dir, "host_rsa")}`,
      `PidFile ${join(dir, "sshd.pid")}`,
      "UsePAM no",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "PubkeyAuthentication yes",
      "PermitRootLogin no",
      `AllowUsers ${user}`,
      "AuthorizedKeysFile .ssh/authorized_keys",
      "StrictModes no",
      "Subsystem sftp internal-sftp",
      "LogLevel VERBOSE",
      "",
    ].join("\n"),
  );
  mkdirSync("/run/sshd", { recursive: true });
  const privateKeyPath = join(dir, "client_ed25519");
  const sshdLog = join(dir, "sshd.log");
  const pidFile = join(dir, "sshd.pid");

  const h: SshHost = {
    host: "127.0.0.1",
    port,
    user,
    uid,
    home,
    privateKey: readFileSync(privateKeyPath, "utf8"),
    privateKeyPath,
    hostKey,
    hostKeys,
    knownHostsPath,
    dir,
    sshdLog,
    beforeRemove: [],
    ssh(command, o = {}) {
      return spawnSync("ssh", [...clientArgs(h, o), "-p", String(o.port ?? port), `${user}@127.0.0.1`, command], {
        encoding: "utf8",
        input: o.input ?? "",
        timeout: o.timeoutMs ?? 600_000,
        maxBuffer: 64 * 1024 * 1024,
      });
    },
    upload(localPath, remotePath, o = {}) {
      return spawnSync("sftp", [...clientArgs(h, o), "-P", String(o.port ?? port), "-b", "-", `${user}@127.0.0.1`], {
        encoding: "utf8",
        input: `put ${JSON.stringify(localPath)} ${JSON.stringify(remotePath)}\n`,
        timeout: o.timeoutMs ?? 60_000,
      });
    },
    stopSshd() {
      if (!existsSync(pidFile)) return;
      const pid = Number(readFileSync(pidFile, "utf8").trim());
      try {
        process.kill(pid, "SIGTERM");
      } catch {
        /* already gone */
      }
      rmSync(pidFile, { force: true });
    },
    async startSshd() {
      execFileSync("/usr/sbin/sshd", ["-f", config, "-E", sshdLog]);
      for (let i = 0; i < 100; i++) {
        if (existsSync(pidFile) && h.ssh("true", { timeoutMs: 5000 }).status === 0) return;
        await sleep(100);
      }
      throw new Error(`sshd on 127.0.0.1:${port} did not accept a login; log:\n${existsSync(sshdLog) ? readFileSync(sshdLog, "utf8") : "(none)"}`);
    },
    async cleanup() {
      h.stopSshd();
      // Kill what the user left running (gateways started by the launchctl double), by id.
      for (let round = 0; round < 50; round++) {
        const pids = spawnSync("ps", ["-u", String(uid), "-o", "pid="], { encoding: "utf8" })
          .stdout.split("\n").map((s) => Number(s.trim())).filter((n) => n > 0);
        if (pids.length === 0) break;
        for (const pid of pids) {
          try {
            process.kill(pid, round < 20 ? "SIGTERM" : "SIGKILL");
          } catch {
            /* gone */
          }
        }
        await sleep(200);
      }
      for (const f of h.beforeRemove) {
        try {
          f();
        } catch {
          /* keep cleaning up */
        }
      }
      spawnSync("userdel", ["-r", "-f", user], { encoding: "utf8" });
      rmSync(home, { recursive: true, force: true });
      rmSync(`/tmp/openclaw-state-locks-${uid}`, { recursive: true, force: true });
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await h.startSshd();
  } catch (e) {
    await h.cleanup();
    throw e;
  }
  return h;
}
