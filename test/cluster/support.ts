// The real local cluster for the cluster tests: its kubeconfig (npm run
// cluster:status), the images (tools/image/build.sh, imported into its
// containerd), and a private copy of the project whose `dev` stack is written
// by the same scripts/cli/dev/configure.sh that `npm run dev:up` uses.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expectOk, REPO, run, Workspace, type RunResult } from "../e2e/support/engine";

export const STACK = "dev";
export const NAMESPACE = "openclaw-dev";
export const CONTEXT = "openclaw-dev";

export interface Cluster {
  kubeconfig: string;
  /** The cluster's own kubectl (same version as the API server), when status reports it. */
  binDir?: string;
}

/** Fails (never skips) when the cluster is not running: `npm run test:cluster` starts it. */
export function cluster(): Cluster {
  let status: string;
  try {
    status = execFileSync("npm", ["run", "-s", "cluster:status"], { cwd: REPO, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    throw new Error(`npm run cluster:status failed: the local cluster is not running (npm run cluster:up; npm run test:cluster starts it):\n${(e as { stdout?: string; stderr?: string }).stdout ?? ""}${(e as { stderr?: string }).stderr ?? ""}`);
  }
  const lines = status.trim().split("\n");
  const kubeconfig = lines[lines.length - 1].replace(/^KUBECONFIG=/, "");
  if (!lines[lines.length - 1].startsWith("KUBECONFIG=") || !existsSync(kubeconfig)) throw new Error(`npm run -s cluster:status did not end with KUBECONFIG=<path>:\n${status}`);
  const binDir = lines.map((l) => /^BIN_DIR=(.+)$/.exec(l)?.[1]).find(Boolean);
  return { kubeconfig, binDir: binDir && existsSync(join(binDir, "kubectl")) ? binDir : undefined };
}

/** Builds (or reuses) both releases' images and imports them; returns `<release> <ref>` lines, current first. */
export function buildImages(): { text: string; current: { release: string; ref: string }; previous: { release: string; ref: string } } {
  const text = execFileSync("bash", [join(REPO, "tools/image/build.sh")], { cwd: REPO, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], timeout: 3_600_000 });
  const [cur, prev] = text.trim().split("\n").map((l) => {
    const [release, ref] = l.split(" ");
    return { release, ref };
  });
  if (!cur?.ref || !prev?.ref) throw new Error(`tools/image/build.sh printed no two refs:\n${text}`);
  return { text, current: cur, previous: prev };
}

export class DevStack {
  private constructor(
    public readonly ws: Workspace,
    public readonly cluster: Cluster,
    private readonly refsFile: string,
  ) {}

  static async create(images: string): Promise<DevStack> {
    const c = cluster();
    const ws = await Workspace.create("cluster");
    ws.env.KUBECONFIG = c.kubeconfig;
    if (c.binDir) ws.env.PATH = `${c.binDir}:${ws.env.PATH}`;
    const refsFile = join(ws.root, "image-refs");
    writeFileSync(refsFile, images);
    const dev = new DevStack(ws, c, refsFile);
    expectOk(await dev.sh(["bash", "scripts/cli/dev/configure.sh", refsFile, c.kubeconfig]), "scripts/cli/dev/configure.sh");
    return dev;
  }

  /** A command in the project copy with the engine's environment and the cluster's kubeconfig. */
  sh(argv: string[], opts: { timeoutMs?: number; env?: Record<string, string>; input?: string } = {}): Promise<RunResult> {
    return run(argv[0], argv.slice(1), { cwd: this.ws.dir, env: { ...this.ws.env, ...(opts.env ?? {}) }, timeoutMs: opts.timeoutMs ?? 900_000, input: opts.input });
  }

  pulumi(args: string[], timeoutMs = 900_000): Promise<RunResult> {
    return this.ws.pulumi([...args, "--stack", STACK], { timeoutMs });
  }

  policyArgs(): string[] {
    return ["--policy-pack", join(this.ws.dir, "policy-pack"), "--policy-pack-config", join(this.ws.dir, "policy-pack/config/prod.json")];
  }

  /** `npm run <script> -- --stack dev …` in the copy, as a user runs it after dev:up. */
  npm(script: string, args: string[] = [], timeoutMs = 600_000): Promise<RunResult> {
    return this.sh(["npm", "run", "-s", script, "--", ...args], { timeoutMs });
  }

  kubectl(args: string[], timeoutMs = 120_000): Promise<RunResult> {
    return this.sh(["kubectl", "--context", CONTEXT, ...args], { timeoutMs });
  }

  async kubectlJson<T = any>(args: string[]): Promise<T> {
    const r = expectOk(await this.kubectl([...args, "-o", "json"]), `kubectl ${args.join(" ")}`);
    return JSON.parse(r.stdout) as T;
  }

  async outputs(): Promise<Record<string, any>> {
    const r = expectOk(await this.pulumi(["stack", "output", "--json"]), "pulumi stack output");
    return JSON.parse(r.stdout);
  }

  async config(path: string, value: string): Promise<void> {
    expectOk(await this.pulumi(["config", "set", "--path", path, value]), `pulumi config set ${path}`);
  }

  /** Points Pulumi.yaml's main at the test-only fault entry point (or back at index.ts). */
  useFaultProgram(on: boolean): void {
    if (on && !existsSync(join(this.ws.dir, "fault.ts"))) this.ws.write("fault.ts", readFileSync(join(REPO, "test/cluster/fixtures/fault.ts"), "utf8").replaceAll("../../../", "./"));
    const y = this.ws.read("Pulumi.yaml").replace(/^main: .*$/m, `main: ${on ? "fault.ts" : "index.ts"}`);
    this.ws.write("Pulumi.yaml", y);
  }

  async dispose(): Promise<void> {
    rmSync(this.refsFile, { force: true });
    await this.ws.dispose();
  }
}

/** Polls a sampler every `everyMs` until stopped; returns every sample. */
export function sampler<T>(sample: () => Promise<T>, everyMs = 500): { stop: () => Promise<T[]> } {
  const samples: T[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        samples.push(await sample());
      } catch {
        // a transient API error is not a sample
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return samples;
    },
  };
}

export function tempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `openclaw-${label}-`));
}
