// Starts and stops the real OpenClaw gateway for tests (no fake server stands in
// for it). The pinned release is provisioned by scripts/setup/fetch-gateway.sh into a
// cache dir; it runs on the Node 24 that `node@24` (devDependency) provides.
//
//   const gw = await startGateway({ bind: "lan", netns });   // ~5–10 s cold
//   await gw.waitReady(60_000);
//   ... gw.baseUrl, gw.token ...
//   await gw.stop();                                          // SIGTERM the group, SIGKILL after 10 s
//
// Always passes --bind and --port explicitly (the machines look like containers,
// so the default would be 0.0.0.0: docs/facts.md §1). A lan-bound gateway runs only
// inside a test-owned network namespace; on the host it binds loopback.
// Prefer a namespace even for loopback: at start the gateway looks up
// catalog.openclaw.ai (observed: "remote model catalog refresh failed",
// ENOTFOUND); inside a namespace that lookup has no route off the machine.
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Netns } from "./netns";

export const GATEWAY_VERSION = "2026.9.6";
const repoRoot = resolve(__dirname, "../..");

export interface GatewayOptions {
  bind: "loopback" | "lan";
  /** Run inside this namespace (required for bind=lan). */
  netns?: Netns;
  /** Default: a free loopback port on the host, 18789 inside a namespace. */
  port?: number;
  /** Default: 32 random hex chars. Passed as OPENCLAW_GATEWAY_TOKEN, never on argv. */
  token?: string;
  /**
   * Mount the config file's directory read-only (a private mount namespace with
   * a read-only bind mount), like the ConfigMap at /etc/openclaw in the pod.
   * Root ignores file modes, so chmod alone proves nothing here.
   */
  readOnlyConfig?: boolean;
  /** Extra environment for the gateway process. */
  env?: Record<string, string>;
  /** gateway.trustedProxies in its config file (the reverse proxies whose X-Forwarded-For it believes). */
  trustedProxies?: string[];
}

export interface RunningGateway {
  pid: number;
  port: number;
  bind: "loopback" | "lan";
  token: string;
  /** Reachable from the test process: 127.0.0.1 on the host, or the pod IP of a lan-bound gateway in a namespace; null for loopback inside a namespace. */
  baseUrl: string | null;
  /** 127.0.0.1 as seen from inside the gateway's own network namespace (what port-forward reaches). */
  inPodUrl: string;
  netns?: Netns;
  dir: string;
  configPath: string;
  stateDir: string;
  logPath: string;
  /** performance.now() when the process was spawned. */
  spawnedAt: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Polls /readyz until 200 {"ready":true}; resolves with ms since spawn. */
  waitReady(timeoutMs: number): Promise<number>;
  /** Gateway stdout+stderr so far. */
  output(): string;
  /** SIGTERM to the process group, SIGKILL after graceMs; removes the temp dir. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<RunningGateway>();

/** The Node 24 binary from the devDependency (the system node is 20 on these machines). */
export function node24(): string {
  if (Number(process.versions.node.split(".")[0]) === 24) return process.execPath;
  const local = join(repoRoot, "node_modules", ".bin", "node");
  if (existsSync(local)) return local;
  throw new Error("Node 24 not found: run `npm ci` (node@24 is a devDependency)");
}

let entryCache: string | undefined;
/** Path of the gateway entry point, provisioning the pinned release on first use (cached). */
export function gatewayEntry(): string {
  if (entryCache) return entryCache;
  const out = execFileSync("bash", [join(repoRoot, "scripts", "setup", "fetch-gateway.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, PATH: `${join(repoRoot, "node_modules", ".bin")}:${process.env.PATH}` },
    timeout: 600_000,
  });
  const entry = out.trim().split("\n").pop() ?? "";
  if (!existsSync(entry)) throw new Error(`fetch-gateway.sh printed ${JSON.stringify(entry)}, which does not exist`);
  entryCache = entry;
  return entry;
}

export async function freeLoopbackPort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once("error", rej);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}

export async function startGateway(opts: GatewayOptions): Promise<RunningGateway> {
  if (opts.bind === "lan" && !opts.netns) {
    throw new Error("startGateway: bind=lan only inside a test-owned network namespace (never on the host's addresses)");
  }
  const entry = gatewayEntry();
  const port = opts.port ?? (opts.netns ? 18789 : await freeLoopbackPort());
  const token = opts.token ?? randomBytes(16).toString("hex");
  const dir = mkdtempSync(join(tmpdir(), "openclaw-gw-"));
  const etc = join(dir, "etc");
  const stateDir = join(dir, "state");
  mkdirSync(etc);
  mkdirSync(stateDir);
  const configPath = join(etc, "openclaw.json");
  const logPath = join(dir, "openclaw.log");
  // docs/facts.md §1 minimal config; logging.file keeps the log out of /tmp/openclaw.
  writeFileSync(
    configPath,
    JSON.stringify({ gateway: { mode: "local", port, bind: opts.bind, auth: { mode: "token" }, ...(opts.trustedProxies ? { trustedProxies: opts.trustedProxies } : {}) }, logging: { file: logPath } }, null, 2),
  );
  if (opts.readOnlyConfig) {
    chmodSync(configPath, 0o444);
    chmodSync(etc, 0o555);
  }

  let argv = [node24(), entry, "gateway", "run", "--bind", opts.bind, "--port", String(port)];
  if (opts.readOnlyConfig) {
    argv = [
      "unshare", "--mount", "--propagation", "private", "--",
      "sh", "-c", 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"', "sh", etc, ...argv,
    ];
  }
  if (opts.netns) argv = [...opts.netns.execPrefix, ...argv];

  const outPath = join(dir, "stdout.log");
  const outFd = openSync(outPath, "a");
  const spawnedAt = performance.now();
  const child: ChildProcess = spawn(argv[0], argv.slice(1), {
    detached: true, // own process group: stop() signals the gateway and its workers together
    stdio: ["ignore", outFd, outFd],
    env: {
      ...cleanEnv(),
      ...opts.env,
      OPENCLAW_STATE_DIR: stateDir,
      OPENCLAW_CONFIG_PATH: configPath,
      OPENCLAW_GATEWAY_TOKEN: token,
      NO_COLOR: "1",
    },
  });
  closeSync(outFd);
  if (child.pid === undefined) throw new Error(`could not spawn the gateway: ${argv.join(" ")}`);
  const pid = child.pid;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.once("exit", (code, signal) => res({ code, signal })));
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  void exited.then((e) => (exitInfo = e));

  const inPodUrl = `http://127.0.0.1:${port}`;
  const baseUrl = !opts.netns ? inPodUrl : opts.bind === "lan" ? `http://${opts.netns.podIp}:${port}` : null;
  const output = () => (existsSync(outPath) ? readFileSync(outPath, "utf8") : "");

  let stopped: Promise<void> | undefined;
  const gw: RunningGateway = {
    pid,
    port,
    bind: opts.bind,
    token,
    baseUrl,
    inPodUrl,
    netns: opts.netns,
    dir,
    configPath,
    stateDir,
    logPath,
    spawnedAt,
    exited,
    output,
    async waitReady(timeoutMs: number) {
      const deadline = performance.now() + timeoutMs;
      while (performance.now() < deadline) {
        if (exitInfo) throw new Error(`gateway exited (${JSON.stringify(exitInfo)}) before ready:\n${output().slice(-2000)}`);
        if (await readyOnce(gw)) return Math.round(performance.now() - spawnedAt);
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`gateway not ready within ${timeoutMs} ms:\n${output().slice(-2000)}`);
    },
    stop(graceMs = 10_000) {
      stopped ??= (async () => {
        running.delete(gw);
        // The spawn-broker worker runs in a process group of its own (observed): collect
        // every descendant now, while the tree is intact, and kill leftovers at the end.
        const tree = descendants(pid);
        if (!exitInfo) {
          signalGroup(pid, "SIGTERM");
          const timer = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), graceMs).unref());
          if ((await Promise.race([exited, timer])) === "timeout") {
            signalGroup(pid, "SIGKILL");
            await exited;
          }
        }
        // Workers of the group may outlive the main process by a moment.
        signalGroup(pid, "SIGKILL");
        for (const p of tree) {
          try {
            process.kill(p, "SIGKILL");
          } catch {
            /* exited with its parent */
          }
        }
        rmSync(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
  running.add(gw);
  return gw;
}

/**
 * The test runner's environment without its own markers: the gateway silences
 * its console under VITEST / NODE_ENV=test (observed: no stdout at all), and
 * tests want the log a real deployment prints.
 */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(VITEST|NODE_ENV$|TEST$|JEST_WORKER_ID$|OPENCLAW_)/.test(k)) continue;
    env[k] = v;
  }
  return env;
}

/** PIDs of every descendant of pid, from /proc (Linux). */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(d));
      children.set(ppid, list);
    } catch {
      /* exited meanwhile */
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

function signalGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    /* group already gone */
  }
}

async function readyOnce(gw: RunningGateway): Promise<boolean> {
  if (gw.baseUrl) {
    try {
      const res = await fetch(`${gw.baseUrl}/readyz`, { signal: AbortSignal.timeout(1000) });
      const body = (await res.json().catch(() => ({}))) as { ready?: boolean };
      return res.status === 200 && body.ready === true;
    } catch {
      return false;
    }
  }
  // Loopback inside a namespace: only a process inside it can reach 127.0.0.1 there.
  const script = `fetch(${JSON.stringify(`${gw.inPodUrl}/readyz`)},{signal:AbortSignal.timeout(1000)}).then(r=>r.json().then(b=>process.exit(r.status===200&&b.ready===true?0:1))).catch(()=>process.exit(1))`;
  const r = spawnSync(gw.netns!.execPrefix[0], [...gw.netns!.execPrefix.slice(1), node24(), "-e", script], { stdio: "ignore", timeout: 5000 });
  return r.status === 0;
}

/** Stops every gateway this process started (for afterAll and the exit hook). */
export async function stopAllGateways(): Promise<void> {
  await Promise.all([...running].map((g) => g.stop()));
}

process.on("exit", () => {
  for (const g of running) {
    const tree = descendants(g.pid);
    signalGroup(g.pid, "SIGKILL");
    for (const p of tree) {
      try {
        process.kill(p, "SIGKILL");
      } catch {
        /* gone */
      }
    }
  }
});
