// An SSH tunnel to the Mac's gateway (runbook matrix, "ad-hoc acceptance: local curl or
// SSH tunnels"), with the same pinned host key and dial limits as the install. Uses the
// OpenSSH client; the private key and known_hosts live in a 0700 temp dir for the
// tunnel's lifetime and are removed on close.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TunnelTarget {
  host: string;
  port: number;
  user: string;
  privateKey: string;
  hostKey: string;
  dialErrorLimit: number;
  perDialTimeout: number;
  /** The gateway's port on the Mac (it listens on 127.0.0.1 there). */
  remotePort: number;
}

export interface Tunnel {
  /** e.g. http://127.0.0.1:43121 */
  url: string;
  localPort: number;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once("error", rej);
    srv.listen(0, "127.0.0.1", () => {
      const a = srv.address();
      srv.close(() => res(typeof a === "object" && a ? a.port : 0));
    });
  });
}

const canConnect = (port: number) =>
  new Promise<boolean>((res) => {
    const s = connect({ host: "127.0.0.1", port }, () => {
      s.destroy();
      res(true);
    });
    s.once("error", () => res(false));
  });

function knownHostsLine(host: string, port: number, hostKey: string): string {
  return `${port === 22 ? host : `[${host}]:${port}`} ${hostKey}`;
}

export async function openTunnel(t: TunnelTarget): Promise<Tunnel> {
  const dir = mkdtempSync(join(tmpdir(), "openclaw-mac-tunnel-"));
  const key = join(dir, "id");
  const known = join(dir, "known_hosts");
  writeFileSync(key, t.privateKey.endsWith("\n") ? t.privateKey : `${t.privateKey}\n`, { mode: 0o600 });
  writeFileSync(known, `${knownHostsLine(t.host, t.port, t.hostKey)}\n`, { mode: 0o600 });
  const localPort = await freePort();
  let stderr = "";
  const child: ChildProcess = spawn(
    "ssh",
    [
      "-N",
      "-L", `127.0.0.1:${localPort}:127.0.0.1:${t.remotePort}`,
      "-i", key,
      "-o", "IdentitiesOnly=yes",
      "-o", "BatchMode=yes",
      "-o", "StrictHostKeyChecking=yes",
      "-o", `UserKnownHostsFile=${known}`,
      "-o", "GlobalKnownHostsFile=/dev/null",
      "-o", "ExitOnForwardFailure=yes",
      "-o", `ConnectTimeout=${t.perDialTimeout}`,
      "-o", `ConnectionAttempts=${t.dialErrorLimit}`,
      "-o", "LogLevel=ERROR",
      "-p", String(t.port),
      `${t.user}@${t.host}`,
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  child.stderr!.on("data", (d) => (stderr += d.toString()));
  const exited = new Promise<number | null>((res) => child.once("exit", (code) => res(code)));
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + (t.perDialTimeout * t.dialErrorLimit + 5) * 1000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    if (await canConnect(localPort)) return { url: `http://127.0.0.1:${localPort}`, localPort, close };
    await new Promise((r) => setTimeout(r, 100));
  }
  await close();
  throw new Error(
    `SSH tunnel to ${t.user}@${t.host}:${t.port} (gateway port ${t.remotePort}) did not come up: ${stderr.trim() || "timed out"}`,
  );
}
