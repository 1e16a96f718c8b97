// Running kubectl: the process runner, the kubeconfig (text goes to a 0600 temp file), the
// flags every call shares, port-forward's arguments and output, and its errors shortened.
// Node built-ins only: bundled into the smoke Job's script (job.ts).
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClusterTarget } from "./target";

export function kubectlBase(t: ClusterTarget, kubeconfigPath: string | undefined): string[] {
  const a: string[] = [];
  if (kubeconfigPath) a.push("--kubeconfig", kubeconfigPath);
  if (t.context) a.push("--context", t.context);
  a.push("--namespace", t.namespace);
  return a;
}

/**
 * `kubectl port-forward deployment/<name> :<port>`: a free local port on
 * 127.0.0.1 only (never 0.0.0.0), so parallel runs and an operator's own
 * forward on 18789 do not collide.
 */
export function portForwardArgs(t: ClusterTarget, kubeconfigPath?: string): string[] {
  const podTimeout = `${Math.max(5, Math.ceil(t.budgetMs / 1000))}s`;
  return [...kubectlBase(t, kubeconfigPath), "port-forward", `deployment/${t.deploymentName}`, `:${t.port}`, "--address", "127.0.0.1", `--pod-running-timeout=${podTimeout}`];
}

/** Parses kubectl's "Forwarding from 127.0.0.1:41234 -> 18789" line. */
export function parseForwardingLine(line: string): number | null {
  const m = /Forwarding from 127\.0\.0\.1:(\d+) -> \d+/.exec(line);
  return m ? Number(m[1]) : null;
}

interface Exec {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** kubectl's stderr, shortened: klog prefixes removed, repeated lines once, at most 400 chars. */
export function kubectlError(stderr: string): string {
  const lines = stderr
    .split("\n")
    .map((l) => l.replace(/^[EWI]\d{4} [\d:.]+\s+\d+ [\w.-]+:\d+\] /, "").trim())
    .filter(Boolean);
  const unique = [...new Set(lines)];
  const text = unique.slice(-2).join(" | ");
  return text.length > 400 ? `${text.slice(0, 397)}...` : text || "no output";
}

export function run(bin: string, args: string[], input: string | undefined, timeoutMs: number): Promise<Exec> {
  return new Promise((resolve) => {
    const child = spawn(bin, args, { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      resolve({ code: 127, stdout, stderr: stderr + String(e.message) });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input ?? "");
  });
}

export function withKubeconfig<T>(t: ClusterTarget, fn: (path: string | undefined) => Promise<T>): Promise<T> {
  if (!t.kubeconfig) return fn(undefined);
  // The stack's cluster.kubeconfig may be a path (the kubernetes provider accepts both).
  if (!t.kubeconfig.includes("\n") && existsSync(t.kubeconfig)) return fn(t.kubeconfig);
  const dir = mkdtempSync(join(tmpdir(), "openclaw-smoke-kc-"));
  const path = join(dir, "kubeconfig");
  writeFileSync(path, t.kubeconfig, { mode: 0o600 });
  return fn(path).finally(() => rmSync(dir, { recursive: true, force: true }));
}
