// The real Pulumi engine for end-to-end tests: the toolchain that
// scripts/setup/bootstrap-pulumi.sh built, the environment scripts/setup/pulumi-env.sh
// defines, and a private copy of the project per test file.
//
//   const ws = await Workspace.create("e2e-local");   // copy of the working tree, own file backend
//   const r = await ws.pulumi(["preview", "--stack", "local", ...ws.policyArgs("local")]);
//   await ws.dispose();                                 // removes the copy, kills what is left
//
// Why a copy: the checkout is shared, `pulumi stack init` writes encryption salts
// into Pulumi.<stack>.yaml, the kubernetes provider renders into the tree, and
// the program records `git status` in its outputs. A copy with its own backend
// keeps all of that out of the developer's tree and state.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

export const REPO = resolve(__dirname, "../../..");

/** The environment scripts/setup/pulumi-env.sh exports (PATH, PULUMI_*, OPENCLAW_*). */
export function engineEnv(): Record<string, string> {
  const out = execFileSync("bash", ["-c", `source "${REPO}/scripts/setup/pulumi-env.sh" --stack local && env -0`], {
    encoding: "utf8",
    env: process.env,
  });
  const env: Record<string, string> = {};
  for (const line of out.split("\0")) {
    const i = line.indexOf("=");
    if (i > 0) env[line.slice(0, i)] = line.slice(i + 1);
  }
  return env;
}

/** Fails (never skips) when the toolchain is not built: CI builds it in .ci/run. */
export function requireToolchain(env: Record<string, string>): void {
  const marker = join(env.OPENCLAW_TOOLCHAIN, ".complete");
  if (!existsSync(marker)) {
    throw new Error(
      `no Pulumi toolchain at ${env.OPENCLAW_TOOLCHAIN}: run \`npm run bootstrap:pulumi\` first ` +
        "(npm run test:e2e does it; .ci/run does it on a cold machine)",
    );
  }
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout + stderr, for assertions on what a person would read. */
  output: string;
  ms: number;
}

const live = new Set<ChildProcess>();

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

// A test runner killed mid-run must not leave engines and providers behind.
process.once("exit", () => {
  for (const c of live) killGroup(c, "SIGKILL");
});

/** Runs a command in its own process group; on timeout the whole group is killed. */
export function run(
  cmd: string,
  args: string[],
  opts: { cwd: string; env: Record<string, string>; timeoutMs?: number; input?: string },
): Promise<RunResult> {
  const started = performance.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, detached: true, stdio: ["pipe", "pipe", "pipe"] });
    live.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d) => (stdout += d));
    child.stderr!.on("data", (d) => (stderr += d));
    child.stdin!.end(opts.input ?? "");
    const timer = setTimeout(() => {
      killGroup(child, "SIGTERM");
      setTimeout(() => killGroup(child, "SIGKILL"), 10_000).unref();
    }, opts.timeoutMs ?? 540_000);
    child.on("error", (e) => {
      clearTimeout(timer);
      live.delete(child);
      reject(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      live.delete(child);
      // Plugins the engine started live in the same group: make sure none outlives the run.
      killGroup(child, "SIGKILL");
      resolvePromise({ code, signal, stdout, stderr, output: stdout + stderr, ms: performance.now() - started });
    });
  });
}

// What a copy of the project needs: tracked and untracked-but-not-ignored files
// of the working tree (so a developer tests what they have), minus tests and docs.
function projectFiles(): string[] {
  const out = execFileSync("git", ["-C", REPO, "ls-files", "-z", "--cached", "--others", "--exclude-standard"], { encoding: "utf8" });
  return out
    .split("\0")
    .filter((f) => f && !f.startsWith("test/") && !f.startsWith("docs/") && !f.startsWith("tools/") && !f.startsWith(".ci/"))
    .filter((f) => existsSync(join(REPO, f)));
}

export class Workspace {
  private constructor(
    /** The copy of the project; `pulumi` runs here. */
    public readonly dir: string,
    /** Root of everything this workspace owns (copy, backend, renders). */
    public readonly root: string,
    public readonly env: Record<string, string>,
  ) {}

  /**
   * extra.production: install the copy's dependencies as a user deploying it would,
   * `npm ci --omit=dev` in the project and in policy-pack/ (from the npm cache; ~1 min),
   * instead of linking the checkout's full node_modules.
   */
  static async create(label: string, extra: { fixtures?: string[]; production?: boolean } = {}): Promise<Workspace> {
    const env = engineEnv();
    requireToolchain(env);
    const root = mkdtempSync(join(tmpdir(), `openclaw-${label}-`));
    const dir = join(root, "project");
    const backend = join(root, "state");
    mkdirSync(dir);
    mkdirSync(backend);
    for (const f of projectFiles()) {
      mkdirSync(dirname(join(dir, f)), { recursive: true });
      cpSync(join(REPO, f), join(dir, f));
    }
    for (const fx of extra.fixtures ?? []) cpSync(join(REPO, "test/e2e/fixtures", fx), join(dir, "test/e2e/fixtures", fx), { recursive: true });
    const wsEnv = { ...env, PULUMI_BACKEND_URL: `file://${backend}`, NO_COLOR: "1", FORCE_COLOR: "0" };
    if (extra.production) {
      for (const cwd of [dir, join(dir, "policy-pack")]) {
        const r = await run("npm", ["ci", "--omit=dev", "--no-audit", "--no-fund"], { cwd, env: wsEnv, timeoutMs: 600_000 });
        if (r.code !== 0) throw new Error(`npm ci --omit=dev in ${cwd} failed (${r.code}):\n${r.output}`);
      }
    } else {
      symlinkSync(join(REPO, "node_modules"), join(dir, "node_modules"));
      if (existsSync(join(REPO, "policy-pack/node_modules"))) {
        symlinkSync(join(REPO, "policy-pack/node_modules"), join(dir, "policy-pack/node_modules"));
      }
    }
    return new Workspace(dir, root, wsEnv);
  }

  /** `pulumi <args> --non-interactive --color never`, in `cwd` (default: the project copy). */
  pulumi(args: string[], opts: { cwd?: string; timeoutMs?: number; env?: Record<string, string>; input?: string } = {}): Promise<RunResult> {
    return run("pulumi", ["--non-interactive", "--color", "never", ...args], {
      cwd: opts.cwd ?? this.dir,
      env: { ...this.env, ...(opts.env ?? {}) },
      timeoutMs: opts.timeoutMs,
      input: opts.input,
    });
  }

  /** --policy-pack (and its per-stack config when the pack ships one). */
  policyArgs(stack: string): string[] {
    const args = ["--policy-pack", join(this.dir, "policy-pack")];
    const config = join(this.dir, "policy-pack", "config", `${stack}.json`);
    if (existsSync(config)) args.push("--policy-pack-config", config);
    return args;
  }

  /** Creates the stack in this workspace's backend (Pulumi.<stack>.yaml must exist in cwd). */
  async initStack(stack: string, cwd = this.dir): Promise<void> {
    const r = await this.pulumi(["stack", "init", stack], { cwd });
    if (r.code !== 0) throw new Error(`pulumi stack init ${stack} failed (${r.code}):\n${r.output}`);
  }

  read(rel: string): string {
    return readFileSync(join(this.dir, rel), "utf8");
  }

  write(rel: string, text: string): void {
    mkdirSync(dirname(join(this.dir, rel)), { recursive: true });
    writeFileSync(join(this.dir, rel), text);
  }

  async dispose(): Promise<void> {
    for (const c of live) killGroup(c, "SIGKILL");
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** Fails with the command's output, so a red test says what the engine said. */
export function expectOk(r: RunResult, what: string): RunResult {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code ?? r.signal} after ${Math.round(r.ms)} ms:\n${r.output}`);
  return r;
}
