// Helpers shared by the smoke tests: run the bundled check script (the very
// text the in-cluster Job runs) as a real process, optionally inside a netns.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { smokeBundle } from "../../components/smoke/bundle";
import type { Evidence } from "../../components/smoke/checks";
import type { ClusterTarget } from "../../components/smoke/target";
import { node24 } from "./gateway";
import type { Netns } from "./netns";

export interface ScriptRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Parsed from the termination-log file the script wrote. */
  terminationMessage: string;
  evidence: Evidence;
}

/** Runs `node smoke.cjs` like the Job's container does (env in, evidence JSON out). */
export async function runJobScript(opts: { baseUrl: string; token: string; budgetMs: number; pathName: string; netns?: Netns }): Promise<ScriptRun> {
  const dir = mkdtempSync(join(tmpdir(), "openclaw-smoke-job-"));
  try {
    const script = join(dir, "smoke.cjs");
    const term = join(dir, "termination-log");
    writeFileSync(script, smokeBundle());
    const argv = [...(opts.netns?.execPrefix ?? []), node24(), script];
    const child = spawn(argv[0], argv.slice(1), {
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        PATH: process.env.PATH,
        SMOKE_BASE_URL: opts.baseUrl,
        SMOKE_PATH_NAME: opts.pathName,
        SMOKE_BUDGET_MS: String(opts.budgetMs),
        SMOKE_TERMINATION_LOG: term,
        OPENCLAW_GATEWAY_TOKEN: opts.token,
      },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const code = await new Promise<number | null>((r) => child.on("close", r));
    const { readFileSync, existsSync } = await import("node:fs");
    const terminationMessage = existsSync(term) ? readFileSync(term, "utf8") : "";
    const line = stdout.trim().split("\n").pop() ?? "";
    let evidence: Evidence;
    try {
      evidence = JSON.parse(line) as Evidence;
    } catch {
      throw new Error(`job script printed no evidence (exit ${code}): ${stdout}\n${stderr}`);
    }
    return { code, stdout, stderr, terminationMessage, evidence };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function byName(ev: Evidence) {
  return Object.fromEntries(ev.checks.map((c) => [c.name, c]));
}

/** The staging stack's smoke target as the program passes it; tests override what they vary. */
export function stagingTarget(overrides: Partial<ClusterTarget> = {}): ClusterTarget {
  return {
    namespace: "openclaw-staging",
    serviceName: "openclaw-gateway",
    deploymentName: "openclaw-gateway",
    port: 18789,
    image: `ghcr.io/openclaw/openclaw:2026.9.6@sha256:${"ab".repeat(32)}`,
    tokenSecretName: "openclaw-gateway-token",
    tokenSecretKey: "OPENCLAW_GATEWAY_TOKEN",
    budgetMs: 45_000,
    runId: "0123456789abcdef-lx3k9",
    ...overrides,
  };
}
